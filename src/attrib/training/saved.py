"""The files trained components save beside the pipeline (to_disk), read back: a missing or damaged one is a
ModelError naming it, never a component that quietly falls back to its factory's defaults."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ..errors import ModelError, shorten
from ..jsonsafe import json_path


def read_json(path: Path, schema: dict | None = None):
    """A JSON file a trained component saved; ModelError when it is missing or damaged (a model copied in part, or
    edited): unreadable, or not of `schema`'s shape (JSON of another shape ended a later draft in a traceback)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: missing, so the model is incomplete: copy it again, or train it again") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot be read ({exc}): the model is damaged; copy it again, or train it "
                         "again") from None
    if schema is not None and (error := best_match(Draft202012Validator(schema).iter_errors(value))) is not None:
        raise ModelError(f"{path}: ${json_path(error.absolute_path)}: {shorten(error.message, 200, one_line=True)}: "
                         "the model is damaged; copy it again, or train it again")
    return value
