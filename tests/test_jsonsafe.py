"""jsonsafe's Decoder: which escapes are lone surrogates, the depth counted outside strings, keys given twice (the corpus in
tests/data/broken_inputs covers the commands; these are the edge cases of the scanning itself)."""

from __future__ import annotations

import pytest

from attrib.jsonsafe import DEPTH, DUPLICATE, SURROGATE, Decoder, json_type, nests_deeper
from runs import attrib


@pytest.mark.parametrize("text, lone", [
    (r'["\ud83d\ude00"]', False),  # a pair: one emoji
    (r'["\\ud800"]', False),  # an escaped backslash, then the letters u d 8 0 0
    (r'["\\\ud800"]', True),  # an escaped backslash, then a lone high surrogate
    (r'["\udc00"]', True),  # a lone low surrogate
    (r'["\ud800x"]', True),  # a high surrogate not followed by a low one
    (r'["\ud800\ud800\udc00"]', True),  # a lone high one, then a pair
    (r'["x", {"\udfff": 1}]', True),  # in a key
    ('["' + " " * 100_000 + r'\ud83d\ude00"]', False),  # far into a long string
])
def test_lone_surrogates_are_told_from_pairs_and_escaped_backslashes(text, lone):
    value, problems = Decoder().decode(text, 256)
    assert [p.kind for p in problems] == ([SURROGATE] if lone else []), problems
    assert value is not None


@pytest.mark.parametrize("text, deep", [
    ("[" * 257 + "]" * 257, True),
    ("[" * 256 + "]" * 256, False),
    ('["' + "[" * 1000 + '"]', False),  # brackets in a string are text
    ('["\\"' + "[" * 1000 + '"]', False),  # after an escaped quote, still in the string
    ('[' + '"\\\\",' + '[' * 300 + ']' * 300 + ']', True),  # an escaped backslash ends no string early
])
def test_depth_counts_brackets_outside_strings_only(text, deep):
    value, problems = Decoder().decode(text, 256)
    assert [p.kind for p in problems] == ([DEPTH] if deep else []), problems
    assert (value is None) == deep


@pytest.mark.parametrize("text, found", [
    ('{"a": 1, "b": 2}', []),
    ('{"a": 1, "a": 1}', [("a",)]),  # the same value twice is still two keys: refused alike
    ('[{"x": {"b": 1, "b": 2, "b": 3}}]', [(0, "x", "b")]),
    ('{"a": {"a": 1}, "b": {"a": 2}}', []),  # one key in each of two objects
    ('{"a": 1, "b": 2, "a": 3, "b": 4}', [("a",), ("b",)]),
    ('{"\\u0061": 1, "a": 2}', [("a",)]),  # an escape and its character are one key
    ('{"9" : 5000, "9": ' + "9" * 5000 + '}', [("9",)]),  # within an integer too long for Python (read again)
])
def test_a_key_given_twice_in_one_object_is_found_where_it_is(text, found):
    value, problems = Decoder().decode(text, 256)
    duplicates = [p for p in problems if p.kind == DUPLICATE]
    assert [p.keys for p in duplicates] == found, problems
    assert all("times in one object" in p.message for p in duplicates)


def test_depth_counted_on_as_the_text_grows_is_what_a_whole_count_gives():
    """An element's window doubles until the element fits; its depth is counted on from where the last window's count
    stopped (in a string cut by the window's end, in a run of brackets), never from the start again."""
    import random

    from attrib.jsonsafe import Depth

    rng = random.Random(3)
    pieces = ['"a[b"', '"\\"[["', '"\\\\"', "[", "[[", "]", "{", "}", ",", "1", '"x{y}\\\\\\"z"', " "]
    for _ in range(300):
        text = "[" + "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 60)))
        for limit in (1, 2, 3, 5):
            whole = Depth(element=True)
            expected = whole.deeper_than(text, limit)
            grown, found, end = Depth(element=True), False, 0
            while end < len(text) and not found:
                end = min(len(text), end + rng.randrange(1, 8))
                found = grown.deeper_than(text[:end], limit)
            assert (found, grown.closed) == (expected, whole.closed), (text, limit)


def test_a_long_element_is_parsed_through_the_decoder_once_not_at_every_doubling(monkeypatch):
    """A 54 MB task took 36 s to read: its window was counted from the start and parsed whole, hooks and all, each
    time it doubled. Now each of its objects meets Decoder's hook once."""
    import io

    from attrib import jsonarray
    from attrib.jsonsafe import Decoder

    objects = 20_000
    element = '{"result": [' + ", ".join(f'{{"id": "r{n}", "value": {{"start": {n}}}}}' for n in range(objects)) + "]}"
    calls = []
    hook = Decoder._object
    monkeypatch.setattr(Decoder, "_object", lambda self, pairs: calls.append(1) or hook(self, pairs))
    read = list(jsonarray.iter_json_array(io.BytesIO(f"[{element}, {{}}]".encode()), "export.json"))
    assert [len(e.value) for e in read] == [1, 0] and len(read[0].value["result"]) == objects
    once = 2 * objects + 1 + 1  # each region, its value, the task, the last element
    assert once <= len(calls) < once + jsonarray.FIRST_WINDOW // 16  # and what the first window (4,096 characters,
    # 20 a region) held: a window with fewer than 256 brackets cannot be too deep, so it is parsed at once


@pytest.mark.parametrize("cut", ["e-", "e", ".", "E+"])
def test_a_number_the_first_window_cuts_after_its_dot_or_exponent_is_read_whole(cut):
    """4,095 digits then "e-4000": the window of 4,096 characters ended after the "e", the digits were taken for the
    whole number, and the array broke off there (a document after it lost)."""
    import io
    import json

    from attrib import jsonarray

    text = "[" + "1" * (jsonarray.FIRST_WINDOW - len(cut)) + cut + "4, 2]"  # the window ends right after `cut`
    read = [e.value for e in jsonarray.iter_json_array(io.BytesIO(text.encode()), "n.json")]
    assert read == json.loads(text)


def test_a_bad_bytes_place_counts_the_byte_order_mark(tmp_path):
    import io

    from attrib import jsonarray
    from attrib.errors import BrokenJsonError

    body = b'[{"id": "a", "text": "x\xff"}]'
    bad = body.index(b"\xff")
    for prefix in (b"", b"\xef\xbb\xbf"):
        with pytest.raises(BrokenJsonError, match=rf"byte {bad + len(prefix)} of the file"):
            list(jsonarray.iter_json_array(io.BytesIO(prefix + body), "b.json"))


def test_the_window_after_an_element_skipped_as_too_deep_starts_small(monkeypatch):
    """The window for the element after one skipped unread was twice the skipped length: the rest of a file read into
    memory at once (30 MB skipped, 142 MB at the peak against 13 MB without it)."""
    import io

    from attrib import jsonarray

    asked = []
    window = jsonarray._Text.window
    monkeypatch.setattr(jsonarray._Text, "window", lambda self, size: asked.append(size) or window(self, size))
    deep = "[" * 300 + '"' + "y" * 100_000 + '"' + "]" * 300
    read = list(jsonarray.iter_json_array(io.BytesIO(f'[{deep}, {{"id": 1}}]'.encode()), "d.json"))
    assert [e.value for e in read] == [None, {"id": 1}] and read[0].problems
    assert asked[-1] == jsonarray.FIRST_WINDOW


def test_a_value_nests_as_deep_as_its_brackets():
    assert [nests_deeper(value, 1) for value in (7, "[[", [], {"a": 1}, [[]], {"a": {"b": None}}, [1, [2]])] == \
        [False, False, False, False, True, True, True]
    deep: list = []
    for _ in range(5000):  # past Python's recursion limit: counted all the same
        deep = [deep]
    assert nests_deeper(deep, 5000) and not nests_deeper(deep, 5001)


@pytest.mark.parametrize("levels, written", [(255, True), (256, False)])
def test_what_is_read_at_the_depth_limit_is_written_so_that_it_reads_back_or_refused(tmp_path, levels, written):
    """A document of 256 levels was read and written one level deeper (its fields under the record's "meta"), as was
    a record's meta under a task's "data": files no attrib command read back (V003), exit 0."""
    deep = "[" * (levels - 1) + "1" + "]" * (levels - 1)
    docs, out = tmp_path / "docs.jsonl", tmp_path / "out.jsonl"
    docs.write_text('{"id": "deep", "text": "He said it was fine.", "extra": ' + deep + "}\n", encoding="utf-8")
    ran = attrib("annotate", docs, "-o", out)
    if written:  # a record of 256 levels, whose task would be 257 (below)
        assert ran.code == 0 and attrib("validate", out).code == 0 and attrib("labelstudio", "tasks", out, "-o",
                                                                                 tmp_path / "t.json").code == 2
    else:
        assert ran.code == 1 and "its fields nest 256 levels deep, and one more under the record's \"meta\"" in ran.err
    record = tmp_path / "record.jsonl"  # a record at the limit: the task would be one deeper
    record.write_text('{"id": "deep", "text": "x", "attributions": [], "meta": {"x": ' + deep[1:-1] + "}}\n",
                      encoding="utf-8")
    assert attrib("validate", record).code == 0
    ran = attrib("labelstudio", "tasks", record, "-o", tmp_path / "tasks.json")
    assert (ran.code == 0) == (levels < 256), ran.err
    if ran.code == 0:
        assert attrib("validate", tmp_path / "tasks.json").code == 0
    else:
        assert ran.err == ("attrib: E100 record deep: its meta nests 256 levels deep with the record, and one more under "
                           "the task's \"data\": past the limit (`attrib --max-depth N` raises it)\n")
        assert not (tmp_path / "tasks.json").exists()


@pytest.mark.parametrize("text, name", [
    ("null", "null"), ("true", "a boolean"), ("0", "a number"), ("1.5", "a number"), ('"x"', "a string"),
    ("[]", "an array"), ("{}", "an object"),
])
def test_a_value_is_named_in_json_words_not_pythons(text, name):
    """Messages say what a file holds: "got an array", not "got list" (bool before int: True is an int in Python)."""
    value, problems = Decoder().decode(text, 256)
    assert not problems and json_type(value) == name
