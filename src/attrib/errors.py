"""Named exceptions. The library raises them; the CLI turns each into one line and an exit code.

Every message says what went wrong and where (file, line, task id, JSON path), and where it can,
how to fix it; `shorten` keeps the text a message quotes short. Nothing here prints.
"""

from __future__ import annotations

import unicodedata
from typing import Sequence


def shorten(text: str, limit: int, one_line: bool = False) -> str:
    """`text` cut to `limit` characters, "…" at the cut; with `one_line`, runs of whitespace first
    become one space and other control characters their escapes, so that a terminal shows them rather
    than obeys them (for display; a message about differing text must show it as it is)."""
    if one_line:  # a bounded start only: a list of every word of a field of megabytes took gigabytes
        cut = len(text) > 8 * limit
        text = printable(" ".join(text[: 8 * limit].split()))
        if cut and len(text) <= limit:  # white space took up the rest: the cut is still marked
            return (text if len(text) < limit else text[: limit - 1]) + "…"
    return text if len(text) <= limit else text[: limit - 1] + "…"


MESSAGE_LIMIT = 2000  # characters of one error line: the values a message quotes can be megabytes (a 10 MB id)


def message_line(error: BaseException) -> str:
    """An error's message as the one line the command line prints: control characters a quoted value holds escaped,
    and cut at MESSAGE_LIMIT characters."""
    return shorten(printable(str(error)), MESSAGE_LIMIT)


_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]  # embeddings, overrides and isolates: they reorder a line
_CONTROLS = {code: repr(chr(code))[1:-1] for code in [*range(32), *range(127, 160), *_BIDI]}  # as repr shows them


def printable(text: str) -> str:
    """`text` with its control characters escaped (a line break as \\n, ESC as \\x1b), and the bidirectional
    embeddings, overrides and isolates (U+202E as \\u202e): an id or a name from the data, printed to a terminal,
    could clear the screen, retitle the window, overwrite a line with a carriage return, or show the rest of a table
    row, figures included, reversed."""
    return text.translate(_CONTROLS)


SHOWN = 60  # characters of each text a message saying they differ shows (shorten)


def first_difference(a: Sequence, b: Sequence) -> int:
    """Where two sequences (texts, lists of words) first differ: the first index whose items differ, or the shorter
    one's length when one begins the other."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def unlike(said: str, found: str) -> str:
    """What tells two texts apart that print alike, for a message saying they differ: another Unicode
    normalization of the same letters (é as one code point or as e and a combining accent), or invisible
    characters; "" when their printed forms differ anyway."""
    if said == found:
        return ""
    escaped = f"{ascii(shorten(said, SHOWN))} vs {ascii(shorten(found, SHOWN))}"
    if unicodedata.normalize("NFC", said) == unicodedata.normalize("NFC", found):
        return (" (the same letters in another Unicode normalization: offsets count code points, so the fragment's "
                f"text must be normalized as the document's: {escaped})")
    if _printed(said) == _printed(found):
        return f" (they differ in characters that do not print: {escaped})"
    part = first_difference(said, found)
    if part >= SHOWN - 1:  # where they part lies past what a message shows of them
        return f" (they part at character {part}: {said[part - 10:part + 20]!r} vs {found[part - 10:part + 20]!r})"
    return ""


def _printed(text: str) -> str:
    return "".join(c for c in text if c.isprintable() and unicodedata.category(c) != "Cf")


class AttribError(Exception):
    """Base class: anything attrib reports to a user as one line."""

    code = "E000"
    exit_code = 1

    def __str__(self) -> str:  # "E101 data.jsonl:3: line is not JSON (...)"
        return f"{self.code} {super().__str__()}"


class InputError(AttribError):
    """An input file or document cannot be read (missing, not UTF-8, not JSON, no text)."""

    code = "E100"
    exit_code = 2


class OffsetError(AttribError):
    """A span does not fit its text: out of range, start >= end, or the covered text differs."""

    code = "E110"


class ModelError(AttribError):
    """The spaCy pipeline cannot be loaded or lacks what the pre-annotator needs."""

    code = "E120"
    exit_code = 2


class SchemaError(AttribError):
    """A document does not validate against one of attrib's JSON Schemas: a key it has no place for."""

    code = "E130"
    exit_code = 2


class OutputError(AttribError):
    """An output file cannot be written."""

    code = "E140"
    exit_code = 2


class LabelStudioError(AttribError):
    """The Label Studio server is unreachable, refuses the token, or answers with an error.

    `refused`: the server answered that it would not do it (4xx), so it did nothing; a timeout or a 5xx leaves that open.
    """

    code = "E200"
    exit_code = 3

    def __init__(self, message: str, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class TokenRefusedError(LabelStudioError):
    """The Label Studio server answered, and refused the token (HTTP 401): it runs, the token is wrong."""


class InvalidDataError(AttribError):
    """What attrib is about to write or push fails validation (attrib.validation finds an error in it)."""

    code = "E150"


class BrokenJsonError(InputError):
    """A JSON array breaks off (not JSON, not UTF-8) at element `index`; the elements before it were read."""

    def __init__(self, file: str, index: int, reason: str) -> None:
        super().__init__(f"{file}: $[{index}]: the JSON breaks off ({reason})")
        self.file, self.index, self.reason = file, index, reason


class BackendError(AttribError):
    """`attrib backend` cannot start, or a started one does not answer."""

    code = "E210"
    exit_code = 3


class NothingToDoError(AttribError):
    """The input is readable but holds nothing for the command to work on (nobody has annotated yet, no
    records): said, with what to do, instead of writing an empty output."""

    code = "E160"


class ResourceError(AttribError):
    """The input needs more of the machine than it has: memory, or Python's recursion depth."""

    code = "E170"
    exit_code = 2

    @classmethod
    def of(cls, exc: BaseException) -> "ResourceError":
        if isinstance(exc, MemoryError):
            return cls("out of memory: a JSON line, a JSON document or a text file is read whole; split it, or give "
                       "the process more memory (--verbose shows where)")
        return cls("nested past Python's recursion limit (a folder tree or a document this deep): not read "
                   "(--verbose shows where)")


class ClusterError(AttribError):
    """The Dask scheduler is unreachable, has no workers, or its workers cannot run attrib."""

    code = "E300"
    exit_code = 3
