"""Files attrib ships beside its code: the JSON Schemas and the annotation guidelines.

A wheel carries them inside the package, at the paths they have in the repository (pyproject's
force-include: `schemas/` -> `attrib/schemas/`, `annotations/guidelines.md` -> `attrib/annotations/`);
a checkout (an editable install) reads the repository's own, so that each exists once.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parents[1]  # src/attrib -> the repository root


def bundled(relative: str) -> Path:
    """The shipped file or folder at `relative` (a repository path such as "schemas/record.schema.json")."""
    inside = PACKAGE / relative
    return inside if inside.exists() else CHECKOUT / relative
