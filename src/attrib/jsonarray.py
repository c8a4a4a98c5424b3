"""Reading a JSON array one element at a time, in memory that holds one element, whatever the file holds.

Each element (a task of an export) is parsed by json's C decoder (jsonsafe.Decoder) from a window of
the decoded text that grows until the element fits. Before the decoder sees a window, the brackets
outside strings are counted: an element that nests deeper than the limit is not parsed but skipped,
by counting alone, and reported as a problem; reading goes on with the next element. Text that is
not JSON, or not UTF-8, ends the array (BrokenJsonError, naming the element it breaks off in).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import IO, Any, Iterator

from .errors import BrokenJsonError, InputError
from .jsonsafe import BOM, Decoder, Depth, Problem, may_exceed, max_depth, too_deep, too_deep_for_python

CHUNK = 1 << 16  # bytes per read
FIRST_WINDOW = 1 << 12  # characters tried first for an element; doubled until it fits
_PLAIN = json.JSONDecoder()
NUMBER_GOES_ON = "0123456789+-.eE"  # what may follow a number's part in a window that ends too soon
_BLANK = re.compile(r"[ \t\n\r]*")
_SKIPPED = re.compile(r'(?P<open>[\[{]+)|(?P<close>[\]}]+)|[^"\[\]{}]+|"[^"\\]*(?:\\.[^"\\]*)*"', re.S)


@dataclass(frozen=True)
class JsonElement:
    """Element `index` of the array: its value, or the problems that keep it from being used."""

    index: int
    value: Any = None
    problems: tuple[Problem, ...] = ()


class _Text:
    """The decoded text of a byte stream, read on demand; what was consumed is dropped on the next read."""

    def __init__(self, handle: IO[bytes], file: str) -> None:
        self.handle, self.file = handle, file
        self.buf, self.pos = "", 0
        self.carry = b""  # an incomplete UTF-8 sequence at the end of the last read
        self.read_bytes = 0
        self.done = False  # nothing more will come
        self.broken: str | None = None  # why the bytes after `buf` cannot be decoded
        head = handle.read(len(BOM))
        self.read_bytes = len(head) - len(head.removeprefix(BOM))  # a byte's place in the file counts the BOM
        self._decode(head.removeprefix(BOM), final=not head)

    def more(self, at_least: int = CHUNK) -> bool:
        """Append the decoded text of at least `at_least` more bytes; False when there is nothing more."""
        if self.done:
            return False
        if self.pos:
            self.buf, self.pos = self.buf[self.pos:], 0
        data = self.handle.read(max(at_least, CHUNK))
        self._decode(data, final=not data)
        return True

    def _decode(self, data: bytes, final: bool) -> None:
        start = self.read_bytes - len(self.carry)  # file offset of the first byte decoded now
        self.read_bytes += len(data)
        data, self.carry = self.carry + data, b""
        try:
            self.buf += data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.buf += data[:exc.start].decode("utf-8")
            if exc.reason == "unexpected end of data" and exc.end == len(data) and not final:
                self.carry = data[exc.start:]
            else:
                self.broken, self.done = f"not valid UTF-8 (byte {start + exc.start} of the file)", True
        if final and not self.broken:
            self.done = True

    def peek(self) -> str:
        """The next character that is not blank (not consumed), "" at the end."""
        while True:
            self.pos = _BLANK.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or not self.more():
                return self.buf[self.pos:self.pos + 1]

    def window(self, size: int) -> tuple[str, bool]:
        """Up to `size` characters from the position, and whether they are all there is."""
        while len(self.buf) - self.pos < size and self.more(size):
            pass
        return self.buf[self.pos:self.pos + size], self.done and self.pos + size >= len(self.buf)

    def fail(self, index: int, reason: str) -> BrokenJsonError:
        return BrokenJsonError(self.file, index, self.broken or reason)


def iter_json_array(handle: IO[bytes], file: str) -> Iterator[JsonElement]:
    """The elements of the JSON array read from `handle` (a leading byte order mark is skipped).

    Raises InputError when the text is no JSON array, BrokenJsonError (an InputError) naming `file` and
    the index of the element where the text stops being JSON or UTF-8; the elements before it were yielded.
    """
    text = _Text(handle, str(file))
    decoder, limit = Decoder(), max_depth.get()
    if (first := text.peek()) != "[":
        raise InputError(f"{file}: expected a JSON array ([...]), found {first or 'nothing'!r}")
    text.pos += 1
    index, size = 0, FIRST_WINDOW
    if text.peek() == "]":
        text.pos += 1
    else:
        while True:
            element, used = _element(text, decoder, index, limit, size)
            yield element
            # the next element is likely about as long as one read whole; one skipped unread (too deep) says nothing
            size = FIRST_WINDOW if element.value is None and element.problems else max(FIRST_WINDOW, 2 * used)
            index += 1
            after = text.peek()
            text.pos += 1
            if after == "]":
                break
            if after != ",":
                raise text.fail(index, f"expected ',' or ']' after element {index - 1}, found {after or 'the end'!r}")
    if text.peek():
        raise text.fail(index, "text after the end of the array")


def _element(text: _Text, decoder: Decoder, index: int, limit: int, size: int) -> tuple[JsonElement, int]:
    """The element at the position (consumed), and how many characters it took."""
    if not text.peek():
        raise text.fail(index, "the array is not closed")
    depth = Depth(element=True)
    while True:
        window, whole = text.window(size)
        if window[0] in "[{" and may_exceed(window, limit):
            if depth.deeper_than(window, limit):
                return JsonElement(index, problems=(too_deep(limit),)), _skip(text, index)
            if not depth.closed and not whole and _breaks_off(window):
                size *= 2
                continue
        try:
            value, end, problems = decoder.raw_decode(window)
        except RecursionError:  # a --max-depth beyond what this Python's parser can recurse
            return JsonElement(index, problems=(too_deep_for_python(),)), _skip(text, index)
        except json.JSONDecodeError as exc:
            if whole or not _cut(exc, window):
                raise text.fail(index, f"{exc.msg.removesuffix(' at')} at character {exc.pos} of element {index}") from None
            size *= 2
            continue
        if not whole and not window[end:].strip(NUMBER_GOES_ON):  # a number may go on past the window ("1111e" cut
            size *= 2  # before "-4000" reads as 1111 and breaks the array at "e")
            continue
        text.pos += end
        return JsonElement(index, value, problems), end


def _cut(exc: json.JSONDecodeError, window: str) -> bool:
    """Whether `exc` says the window ends too soon, not that the text is not JSON."""
    return exc.msg.startswith("Unterminated string") or exc.pos >= len(window) - 8


def _breaks_off(window: str) -> bool:
    """True if `window` is JSON until it ends too soon. Asked of json's plain C parser, which builds its objects without
    Decoder's hooks (a Python call each): a 54 MB task was parsed through them at every doubling of its window."""
    try:
        _PLAIN.raw_decode(window)
    except json.JSONDecodeError as exc:
        return _cut(exc, window)
    except (ValueError, RecursionError):  # Decoder's own parse says what these are
        return False
    return False


def _skip(text: _Text, index: int) -> int:
    """Consume the array or object at the position without parsing it; how many characters it took.

    Strings are jumped over whole and runs of brackets counted at once, so a file of a million `[`
    is skipped in memory that holds one read.
    """
    depth, taken = 0, 0
    while True:
        match = _SKIPPED.match(text.buf, text.pos)
        if match is None:  # an unterminated string (or nothing) left: read on, twice what is held
            if not text.more(len(text.buf)):
                raise text.fail(index, "the file ends inside an element too deep to read")
            continue
        run = match.end() - match.start()
        if match.lastgroup == "open":
            depth += run
        elif match.lastgroup == "close":
            if run >= depth:  # the element closes inside this run
                text.pos += depth
                return taken + depth
            depth -= run
        text.pos = match.end()
        taken += run
