"""The validation gate: nothing is written or pushed in which `attrib.validation` finds an error.

The server does not check predictions (unknown labels, offsets beyond the text, relations to
missing regions are all accepted), so attrib checks every task before it leaves.
"""

from __future__ import annotations

from typing import Iterable

from ..errors import InvalidDataError
from ..validation import Finding


def gate(findings: Iterable[Finding]) -> None:
    """Raise InvalidDataError for the first error found (saying how many more there are)."""
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more: `attrib validate` lists them)" if len(errors) > 1 else ""
        raise InvalidDataError(f"{first.where()}: {first.code} {first.message}{more}")
