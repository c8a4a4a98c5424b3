"""Shared fixtures. Label Studio server fixtures live in tests/lsserver.py (loaded as a plugin)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "annotations" / "examples"

pytest_plugins = ["lsserver", "backendserver", "constructed"]


def shared_file(relative: str) -> Path:
    """A file under ../shared, or a clean skip when the checkout has no ../shared beside it."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"../shared/{relative} is not available")
    return path


@pytest.fixture
def seed_gold() -> Path:
    return shared_file("examples/seed.gold.jsonl")


@pytest.fixture
def polnear_dev() -> Path:
    return shared_file("data/polnear-dev.gold.jsonl")
