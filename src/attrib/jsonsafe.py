"""Parsing JSON that anyone may have written: what would crash Python's json, exhaust memory, or pass
and break a later command becomes a `Problem` with its JSON path instead.

- Nesting deeper than the limit (`max_depth`, 256 levels per document unless `attrib --max-depth`
  says otherwise) is found by counting the brackets outside strings, before the parser recurses or
  allocates anything: a document is a JSON Lines line or one element of a JSON array.
- Numbers no output can carry: NaN and Infinity (not JSON, though Python's json reads them), floats
  beyond the float range (1e400 reads as inf), integers of more than 4,300 digits (Python refuses
  to convert them).
- Lone surrogates: an escape like `\\udc00` is valid JSON but not Unicode, and no UTF-8 output can hold it.
- A key twice in one object: JSON leaves it to the reader which one counts (Python keeps the last, other
  readers the first or both), so what the writer meant is unknown.

A document with a problem is reported, never half used: callers skip it or stop at it.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from .errors import shorten

BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark: skipped before the first document
MAX_DEPTH = 256
max_depth: ContextVar[int] = ContextVar("attrib_max_depth", default=MAX_DEPTH)

DEPTH, NUMBER, SURROGATE, DUPLICATE = "depth", "number", "surrogate", "duplicate"  # the kinds of Problem

# text up to and including the next run of opening or of closing brackets outside strings, the strings jumped over
# whole (possessive: no backtracking in a long one); or up to a quote whose string the text does not close
_RUN = re.compile(r'(?:[^"\[\]{}]++|"[^"\\]*+(?:\\.[^"\\]*+)*+")*+(?:(?P<open>[\[{]++)|(?P<close>[\]}]++)|")', re.S)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# escaped backslashes and surrogate pairs are consumed whole, so what matches `lone` is a lone surrogate;
# the backslash they all start with is searched for first (a literal prefix: fast on long text)
_ESCAPES = re.compile(r"\\(?:\\"  # an escaped backslash
                      r"|u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"  # a surrogate pair
                      r"|(?P<lone>u[dD][89a-fA-F][0-9a-fA-F]{2}))")


@dataclass(frozen=True)
class Problem:
    """Why a document cannot be taken as it is, and where in it (keys below the document's root)."""

    kind: str  # DEPTH, NUMBER, SURROGATE or DUPLICATE
    message: str
    keys: tuple[str | int, ...] = ()


class LongInteger:
    """Stands for an integer Python will not convert (more digits than sys.get_int_max_str_digits())."""

    def __init__(self, digits: str) -> None:
        self.digits = len(digits.lstrip("-"))


class RepeatedKeys(dict):
    """An object that held some keys more than once (`repeated`: key -> how many times); Python's last value kept."""

    repeated: dict[str, int]


class Depth:
    """How deep JSON text nests, counted a run of brackets at a time (one regex match each: strings are jumped over
    in C) and carried over as the text grows: a window that doubles until an element fits is not counted again from
    its start (a 54 MB task was, and counting took 40 s). No copy of the text, however many brackets it holds."""

    def __init__(self, element: bool = False) -> None:
        self.element = element  # stop where the value the text starts with closes: the next ones are not its
        self.pos = self.depth = 0
        self.closed = False  # (element) the brackets of that value all closed within the text counted

    def deeper_than(self, text: str, limit: int) -> bool:
        """True once `text` (the text counted before, perhaps with more after it) nests deeper than `limit`."""
        pos, depth, run = self.pos, self.depth, _RUN.match
        try:
            while not self.closed and (match := run(text, pos)):
                if match.lastgroup is None:  # a string `text` ends inside: counted on from its quote
                    pos = match.end() - 1
                    return False
                pos = match.end()
                if match.lastgroup == "open":
                    depth += pos - match.start("open")
                    if depth > limit:
                        return True
                else:
                    depth -= pos - match.start("close")
                    self.closed = self.element and depth <= 0
            return False
        finally:
            self.pos, self.depth = pos, depth


def may_exceed(text: str, limit: int) -> bool:
    """False when `text` cannot nest deeper than `limit`: it holds no more opening brackets than that."""
    return text.count("[") + text.count("{") > limit


def deeper_than(text: str, limit: int) -> bool:
    """True if the JSON in `text` nests deeper than `limit` levels (brackets in strings do not count)."""
    return may_exceed(text, limit) and Depth().deeper_than(text, limit)


def nests_deeper(value: Any, limit: int) -> bool:
    """True if a parsed `value` nests deeper than `limit` levels (`[]` is one, `[[]]` two, a number none): for what
    attrib writes one level below where it read it (a document's fields under a record's "meta", a record's meta
    under a task's "data"), which no command would read back. Iterative: no recursion limit to meet."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def too_deep(limit: int) -> Problem:
    return Problem(DEPTH, f"nests deeper than {limit} levels, the limit (`attrib --max-depth N` raises it): not read")


def too_deep_for_python() -> Problem:
    """For a document within a raised --max-depth that Python's parser still cannot recurse through."""
    return Problem(DEPTH, f"nests deeper than Python's parser goes (its recursion limit, {sys.getrecursionlimit()}): "
                          "not read")


class Decoder:
    """json's C decoder, noting the numbers no output can carry as it meets them.

    `decode` and `raw_decode` return the value and its problems; they raise json.JSONDecodeError for
    text that is not JSON. An integer too long for Python is read again with a hook that marks it.
    """

    def __init__(self) -> None:
        self.odd = False
        hooks = {"parse_float": self._float, "parse_constant": self._constant, "object_pairs_hook": self._object}
        self._plain = json.JSONDecoder(**hooks)
        self._marking = json.JSONDecoder(**hooks, parse_int=self._int)

    def _object(self, pairs: list[tuple[str, Any]]) -> dict:
        value = dict(pairs)
        if len(value) == len(pairs):
            return value
        self.odd = True
        marked = RepeatedKeys(value)
        marked.repeated = {key: times for key, times in Counter(key for key, _ in pairs).items() if times > 1}
        return marked

    def _float(self, literal: str) -> float:
        value = float(literal)
        if math.isinf(value):
            self.odd = True
        return value

    def _constant(self, literal: str) -> float:
        self.odd = True
        return float(literal)

    def _int(self, literal: str) -> int | LongInteger:
        try:
            return int(literal)
        except ValueError:
            self.odd = True
            return LongInteger(literal)

    def _parse(self, text: str, start: int) -> tuple[Any, int]:
        try:
            return self._plain.raw_decode(text, start)
        except json.JSONDecodeError:
            raise
        except ValueError:  # an integer of more digits than Python converts
            return self._marking.raw_decode(text, start)

    def raw_decode(self, text: str, start: int = 0) -> tuple[Any, int, tuple[Problem, ...]]:
        """The value at text[start:] (its depth checked already), where it ends, and its problems.

        RecursionError when a --max-depth above what this Python's parser recurses lets a document through.
        """
        self.odd = False
        value, end = self._parse(text, start)
        if self.odd or _SURROGATE_ESCAPE.search(text, start, end) and any(
                match.lastgroup for match in _ESCAPES.finditer(text, start, end)):
            return value, end, tuple(problems_in(value))
        return value, end, ()

    def decode(self, text: str, limit: int) -> tuple[Any, tuple[Problem, ...]]:
        """The one JSON value of `text`, or None and the depth problem when it nests deeper than `limit`."""
        if deeper_than(text, limit):
            return None, (too_deep(limit),)
        try:
            value, end, problems = self.raw_decode(text, len(text) - len(text.lstrip(" \t\n\r")))
        except RecursionError:
            return None, (too_deep_for_python(),)
        if text[end:].strip(" \t\n\r"):
            raise json.JSONDecodeError("Extra data", text, end)
        return value, problems


def problems_in(value: Any) -> Iterator[Problem]:
    """The numbers and strings of a parsed value that no output can carry, and the keys it held twice, each with its
    keys."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        keys, node = stack.pop()
        if isinstance(node, dict):
            for key, times in getattr(node, "repeated", {}).items():
                yield Problem(DUPLICATE, f"the key {shorten(ascii(key), 100)} appears {times} times in one object: "
                                         "JSON readers differ in which value they keep, so which was meant is unknown: "
                                         "keep one", (*keys, key))
            for key, child in reversed(node.items()):
                if _SURROGATE.search(key):
                    yield Problem(SURROGATE, f"the key {ascii(key)} holds a lone surrogate: not Unicode, no UTF-8 "
                                             "output can hold it", keys)
                stack.append(((*keys, key), child))
        elif isinstance(node, list):
            stack.extend(((*keys, i), child) for i, child in reversed(list(enumerate(node))))
        elif isinstance(node, str):
            if found := _SURROGATE.search(node):
                yield Problem(SURROGATE, f"the string holds a lone surrogate ({ascii(found.group())} at character "
                                         f"{found.start()}): not Unicode, no UTF-8 output can hold it", keys)
        elif isinstance(node, float) and not math.isfinite(node):
            what = "NaN" if math.isnan(node) else f"{'-' if node < 0 else ''}Infinity (or a number beyond ±1.8e308)"
            yield Problem(NUMBER, f"{what} is not a JSON number: no JSON output can hold it", keys)
        elif isinstance(node, LongInteger):
            yield Problem(NUMBER, f"an integer of {node.digits} digits: more than the {sys.get_int_max_str_digits()} "
                                  "Python reads", keys)


def json_path(keys: Iterable[str | int]) -> str:
    """`("result", 2, "value")` -> `.result[2].value`; keys that are not identifiers are quoted (repr:
    escapes included, so a path is one printable line)."""
    out = []
    for key in keys:
        if isinstance(key, int):
            out.append(f"[{key}]")
        elif key.isidentifier():
            out.append(f".{key}")
        else:
            out.append("[" + repr(key) + "]")
    return "".join(out)


def json_type(value: Any) -> str:
    """What a parsed JSON value is, in JSON's words ("an array", not "list"), for messages about a file's content."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    for kinds, name in (((int, float), "a number"), (str, "a string"), (list, "an array"), (dict, "an object")):
        if isinstance(value, kinds):
            return name
    return type(value).__name__
