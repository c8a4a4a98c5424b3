"""Validation: what Label Studio and annotators return, checked against attrib's JSON Schemas and the text.

Checks yield `Finding`s (values, never printed or raised); `report` ranks and formats them.

    from attrib.validation import validate_path
    errors = [f for f in validate_path("export.json") if f.severity == "error"]
"""

from .checks import DOCUMENT_KINDS, check_export, check_records, check_tasks
from .findings import CODES, Finding, has_errors
from .reader import detect, validate_path

__all__ = ["CODES", "DOCUMENT_KINDS", "Finding", "check_export", "check_records", "check_tasks", "detect", "has_errors",
           "validate_path"]
