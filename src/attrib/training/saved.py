"""The files trained components save beside the pipeline (to_disk), read back: a missing or damaged one is a
ModelError naming it, never a component that quietly falls back to its factory's defaults."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ModelError


def read_json(path: Path):
    """A JSON file a trained component saved; ModelError when it is missing or damaged (a model copied in part)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: missing, so the model is incomplete: copy it again, or train it again") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot be read ({exc}): the model is damaged; copy it again, or train it "
                         "again") from None
