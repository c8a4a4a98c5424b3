"""The JSON Schemas in schemas/: finding them, loading them, and validators for them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from .bundled import bundled

SCHEMA_NAMES = ("record", "tasks", "export")


def schema_dir() -> Path:
    """The folder of the schemas (see bundled.py)."""
    return bundled("schemas")


@cache
def load_schema(name: str) -> dict:
    with open(schema_dir() / f"{name}.schema.json", encoding="utf-8") as handle:
        return json.load(handle)


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)
