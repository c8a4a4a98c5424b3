"""`attrib export` in every format, from the bundled example and from a PolNeAR-shaped brat folder,
and from a Label Studio export (validated first)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import spacy
from spacy.tokens import DocBin

from attrib.counts import amount
from attrib.errors import BrokenJsonError, InvalidDataError, OutputError
from attrib.formats import FORMATS, brat, export, jsonl
from attrib.formats.inputs import read_input
from attrib.lsjson.convert import record_to_task
from attrib.records import ROLES, iter_records
from attrib.spacy_doc import SPAN_KEYS, get_attributions

from damaged import damaged_parquet
from runs import attrib
from test_formats_brat import TEXT, at, polnear_folder


@pytest.fixture(params=["seed", "polnear"])
def records(request, tmp_path) -> list[dict]:
    if request.param == "seed":
        return list(iter_records([request.getfixturevalue("seed_gold")]))
    return list(brat.read(polnear_folder(tmp_path / "polnear")))


def without(attributions: list[dict], *keys: str) -> list[dict]:
    return [{k: v for k, v in a.items() if k not in keys} for a in attributions]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_writes_and_counts(records, fmt, tmp_path):
    out = tmp_path / f"data.{fmt}"
    two_annotators = len({r["id"] for r in records}) < len(records)  # one brat file each: PolNeAR's tree
    summary = export(records, fmt, out, **({"layout": "polnear"} if fmt == "brat" and two_annotators else {}))
    assert summary["records"] == len(records) and summary["documents"] == len({r["id"] for r in records})
    assert summary["attributions"] == sum(len(r["attributions"]) for r in records)
    assert all(Path(p).exists() for p in summary["paths"])
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_jsonl_round_trip_and_card(records, tmp_path):
    export(records, "jsonl", tmp_path / "data.jsonl")
    assert list(iter_records([tmp_path / "data.jsonl"])) == records
    card = (tmp_path / "data.card.md").read_text(encoding="utf-8")
    documents = len({r["id"] for r in records})
    counted = amount(len(records), "document") if documents == len(records) else f"{len(records)} records of {amount(documents, 'document')}"
    assert f"{counted}, {amount(sum(len(r['attributions']) for r in records), 'attribution')}, written" in card
    assert "record.schema.json" in card and "attrib 0.1.0" in card
    export([{**records[0], "attributions": records[0]["attributions"][:1]}], "jsonl", tmp_path / "one.jsonl")
    assert "\n1 document, 1 attribution, written by" in (tmp_path / "one.card.md").read_text(encoding="utf-8")


def test_a_card_that_cannot_be_written_leaves_the_earlier_records_and_card(records, tmp_path, monkeypatch):
    """The records were renamed into place before the card was written: a full disk at the card left new records
    beside the earlier card, which then counted other documents. (The full disk is faked at the card.)"""
    out = tmp_path / "data.jsonl"
    export([{**records[0], "id": "an earlier export"}], "jsonl", out)
    earlier = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jsonl, "render", full)
    with pytest.raises(OutputError, match=r"data\.card\.md: cannot write \(No space left on device\)"):
        export(records, "jsonl", out)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == earlier  # the earlier pair only


def test_two_writes_of_one_output_take_turns_so_the_card_counts_the_records_beside_it(seed_gold, tmp_path):
    """Two exports to one output at once left one's records beside the other's card (which counted other documents).
    This test holds the turn a write takes; the export (a process of its own) waits for it, then writes both."""
    import subprocess
    import time

    from attrib.locks import one_at_a_time
    from runs import ATTRIB

    out = tmp_path / "data.jsonl"
    (tmp_path / "sub").mkdir()
    with one_at_a_time("output", str(tmp_path / "data.card.md")):  # the export names it another way: relatively
        writing = subprocess.Popen([ATTRIB, "export", str(seed_gold), "-f", "jsonl", "-o", "./sub/../data.jsonl"],
                                   stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        time.sleep(3)
        assert writing.poll() is None and not out.exists() and not (tmp_path / "data.card.md").exists()
    assert writing.wait(60) == 0, writing.stderr.read()
    assert out.exists() and (tmp_path / "data.card.md").exists()


def test_jsonl_to_stdout_has_no_card(seed_gold, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert export(iter_records([seed_gold]), "jsonl", "-")["paths"] == []
    assert json.loads(capsys.readouterr().out)["id"] == "seed-000"
    assert list(tmp_path.iterdir()) == []


def test_card_counts_kinds_roles_and_annotators(tmp_path):
    records = list(brat.read(polnear_folder(tmp_path / "polnear")))
    summary = export(records, "jsonl", tmp_path / "data.jsonl")
    assert summary["kinds"] == {"indirect": 6, "mixed": 4}
    assert summary["roles"]["content"] == {"fragments": 12, "attributions": 10, "discontinuous": 2}
    assert summary["roles"]["source"] == {"fragments": 10, "attributions": 10, "discontinuous": 0}
    assert summary["annotators"] == {"ab12": 1, "cd34": 1}
    card = (tmp_path / "data.card.md").read_text(encoding="utf-8")
    assert "| content | 12 | 10 | 2 |" in card and "| ab12 | 1 |" in card and "| mixed | 4 |" in card


def test_an_annotator_or_file_name_is_shown_in_the_card_not_obeyed(tmp_path):
    """An annotator "eve | 999 |" made a table row of its own; one holding a heading, raw HTML or a javascript: link
    put those into the card, which a repository page renders."""
    sly = "eve | 999 |\n\n# Fake heading\n<img src=x onerror=alert(1)>\n[click](javascript:alert(1))"
    record = {"id": "d", "text": "x", "attributions": [], "provenance": {"annotator": sly}}
    export([record], "jsonl", tmp_path / "m<b>.jsonl")
    card = (tmp_path / "m<b>.card.md").read_text(encoding="utf-8")
    assert "# Dataset card: m\\<b\\>\\.jsonl\n" in card
    (row,) = [line for line in card.splitlines() if line.startswith("| eve")]
    assert row == ("| eve \\| 999 \\| \\# Fake heading \\<img src\\=x onerror\\=alert\\(1\\)\\> "
                   "\\[click\\]\\(javascript\\:alert\\(1\\)\\) | 1 |")
    assert "\n# Fake" not in card and re.search(r"(?<!\\)<", card) is None  # no heading, no raw HTML


def test_spacy_docbin_loads_back_with_the_same_spans(records, tmp_path):
    export(records, "spacy", tmp_path / "data.spacy")
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(tmp_path / "data.spacy").get_docs(nlp.vocab))
    assert [d.user_data["record_id"] for d in docs] == [r["id"] for r in records]
    for doc, record in zip(docs, records):
        assert doc.text == record["text"]
        assert get_attributions(doc) == record["attributions"]  # exact offsets, lists (not msgpack tuples)
        for role in ROLES:
            expected = []
            for attr in record["attributions"]:
                for frag in attr[role]:
                    span = doc.char_span(frag["start"], frag["end"], alignment_mode="expand")
                    expected.append((span.start_char, span.end_char, attr["id"], role.upper()))  # as in Label Studio
            got = [(s.start_char, s.end_char, s.id_, s.label_) for s in doc.spans[SPAN_KEYS[role]]]
            assert got == expected and got


RUN = "=" * 20_000


@pytest.mark.parametrize("run", [RUN, "a" * 201 + "\n", "😀" * 450, "e\u0301" * 300, "\r\n" + "-" * 611 + "\r\n"])
def test_a_long_run_without_white_space_is_tokenized_into_the_texts_own_characters(run, tmp_path):
    """export -f spacy / conll took 90 s on a line of 20,000 "=" (spaCy's tokenizer splits such a run in time that
    grows with the square of its length): the tokenizer now reads it cut every RUN_CHARS characters and each cut
    character is put back as a token of its own, so the Doc's text and spans are the record's."""
    from attrib.formats.tokens import pipeline
    from attrib.long_runs import exact_doc, tokenizable

    before, quote = "He said: “", "!" * 450 + "?”"
    text = before + quote + " x" + run + "y. She said 😀 it rained.\r\n"
    assert tokenizable(text) != text
    doc = exact_doc(pipeline().tokenizer, text)
    assert doc.text == text and all(token.text.strip() or token.is_space for token in doc)
    if run == RUN:  # the tokenizer splits "=" one at a time: the cut ones are tokens as they were
        plain = run[:2_000]
        assert [t.text for t in exact_doc(pipeline().tokenizer, plain)] == [t.text for t in pipeline().tokenizer(plain)]
    start = len(before) - 1
    record = {"id": "long", "text": text, "attributions": [{
        "id": "a0", "kind": "direct", "source": [{"start": 0, "end": 2, "text": "He"}],
        "cue": [{"start": 3, "end": 7, "text": "said"}], "source_entity": None,
        "content": [{"start": start, "end": start + 1 + len(quote), "text": text[start : start + 1 + len(quote)]}]}]}
    export([record], "spacy", tmp_path / "long.spacy")
    (doc,) = DocBin().from_disk(tmp_path / "long.spacy").get_docs(spacy.blank("en").vocab)
    assert doc.text == text and get_attributions(doc) == record["attributions"]
    assert [s.text for s in doc.spans[SPAN_KEYS["content"]]] == ["“" + quote]


def test_parquet_holds_every_record_field(records, tmp_path):
    export(records, "parquet", tmp_path / "data.parquet")
    rows = pq.read_table(tmp_path / "data.parquet").to_pylist()
    assert len(rows) == len(records)
    for row, record in zip(rows, records):
        assert row["id"] == record["id"] and row["text"] == record["text"]
        assert json.loads(row["meta"]) == record["meta"]
        assert (row["provenance"] and json.loads(row["provenance"])) == record.get("provenance")
        for got, want in zip(row["attributions"], record["attributions"], strict=True):
            assert {k: v for k, v in got.items() if v is not None or k in want} == want


def test_parquet_reads_back_as_the_records_it_was_written_from(records, tmp_path):
    """Every command that reads records reads attrib's Parquet as the JSONL it stands for: ids, offsets,
    meta, provenance and every attribution key (source_entity null included) come back equal."""
    jsonl, parquet = tmp_path / "data.jsonl", tmp_path / "data.parquet"
    export(records, "jsonl", jsonl)
    export(records, "parquet", parquet)
    assert list(iter_records([parquet])) == list(iter_records([jsonl]))
    assert list(read_input(parquet)) == list(read_input(jsonl))
    def said(ran) -> tuple:
        return ran.code, *(text.replace(str(parquet), "F").replace(str(jsonl), "F") for text in (ran.out, ran.err))

    for command in (("validate",), ("show",), ("eval", jsonl)):  # PolNeAR's twin ids: validate 1, eval 2, both alike
        from_parquet, from_jsonl = attrib(*command, parquet), attrib(*command, jsonl)
        assert said(from_parquet) == said(from_jsonl) and (from_parquet.out + from_parquet.err).strip()


def test_a_bad_parquet_row_is_named_by_file_and_row(tmp_path):
    import pyarrow as pa

    rows = [{"id": "a", "text": "He said no.", "attributions": [], "meta": "{}"},
            {"id": "b", "text": "She said yes.", "attributions": [], "meta": '{"deep": ' + "[" * 300 + "]" * 300 + "}"},
            {"id": "c", "text": "They said so.", "attributions": [], "meta": "{not json"}]
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.Table.from_pylist(rows), bad)
    shown = attrib("show", bad)
    assert shown.code == 2 and shown.err.strip() == f"attrib: E100 {bad}:2: $.meta: nests deeper than 256 levels, " \
        "the limit (`attrib --max-depth N` raises it): not read"
    validated = attrib("validate", bad)
    assert validated.code == 1 and f"{bad}:2 $.meta" in validated.out and f"{bad}:3" in validated.out
    not_parquet = tmp_path / "text.parquet"
    not_parquet.write_text("id,text\n", encoding="utf-8")
    for command in ("show", "validate"):
        ran = attrib(command, not_parquet)
        assert ran.code == 2 and ran.err.startswith(f"attrib: E100 {not_parquet}: not a Parquet file (") \
            and ran.err.count("\n") == 1, ran.err


def test_a_damaged_parquet_page_is_one_line_naming_the_row(tmp_path):
    """A file whose footer reads and whose pages do not raised pyarrow's OSError from the middle of the rows: a
    traceback in every command that reads Parquet."""
    damaged = damaged_parquet(tmp_path / "damaged.parquet")
    for command in (("validate",), ("show",), ("export", "-f", "jsonl", "-o", tmp_path / "out.jsonl")):
        ran = attrib(*command[:1], damaged, *command[1:])
        assert ran.code == 2 and ran.err.count("\n") == 1, ran.err
        assert re.match(rf"attrib: E100 {re.escape(str(damaged))}:\d+: this row and those after it cannot be read: the "
                        r"file is damaged \(.+\)$", ran.err.strip()), ran.err
    assert not (tmp_path / "out.jsonl").exists()


def test_a_parquet_column_named_twice_is_refused(tmp_path):
    """Two columns `id`: the row's object kept the last, validate passed and export wrote the other id, where JSON
    Lines refuses a key given twice (V007)."""
    import pyarrow as pa

    table = pa.Table.from_arrays([pa.array(["a"]), pa.array(["He said no."]), pa.array([[]], pa.list_(pa.null())),
                                  pa.array(["b"])], names=["id", "text", "attributions", "id"])
    twice = tmp_path / "twice.parquet"
    pq.write_table(table, twice)
    for command in (("validate",), ("export", "-f", "jsonl", "-o", tmp_path / "out.jsonl")):
        ran = attrib(command[0], twice, *command[1:])
        assert ran.code == 2 and ran.err.strip() == (
            f"attrib: E100 {twice}: 1 column named twice ('id'): a row would keep one of each, as a JSON object with a "
            "key given twice (V007): name them apart"), ran.err
    assert not (tmp_path / "out.jsonl").exists()


def test_parquet_is_written_in_row_groups(tmp_path):
    record = {"id": "x", "text": TEXT, "meta": {}, "attributions": []}
    export(({**record, "id": str(i)} for i in range(2500)), "parquet", tmp_path / "data.parquet")
    assert pq.ParquetFile(tmp_path / "data.parquet").num_row_groups == 3


def test_wide_parquet_rows_are_read_a_few_at_a_time(tmp_path):
    """100 rows of 3 MB texts (43 kB packed) took 1.1 GB in batches of 1,024 rows, and 300 ran out of memory: rows
    are now turned into objects about PARQUET_BATCH_BYTES at a time, by the row groups' sizes unpacked."""
    import pyarrow as pa

    from attrib.lines import PARQUET_BATCH, PARQUET_BATCH_BYTES, batch_rows, iter_lines

    wide = "The mayor said the road was closed. " * 60_000  # 2.2 MB
    rows = [{"id": f"w{i}", "text": f"{i:02} {wide}", "attributions": []} for i in range(12)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "wide.parquet")
    pq.write_table(pa.Table.from_pylist([{"id": "n", "text": "Short.", "attributions": []}] * 50), tmp_path / "narrow.parquet")
    wide_file = pq.ParquetFile(tmp_path / "wide.parquet")
    assert batch_rows(wide_file.metadata, range(1)) == PARQUET_BATCH_BYTES // len(rows[0]["text"]) == 7
    assert batch_rows(pq.ParquetFile(tmp_path / "narrow.parquet").metadata, range(1)) == PARQUET_BATCH
    assert [line.value for line in iter_lines(tmp_path / "wide.parquet")] == rows
    assert [line.where for line in iter_lines(tmp_path / "wide.parquet")][-1] == f"{tmp_path / 'wide.parquet'}:12"


def test_one_wide_value_repeated_down_the_rows_is_unpacked_a_few_rows_at_a_time(tmp_path):
    """1,024 rows of one 1 MB text make a Parquet file of 3 kB (the value is stored once, in a dictionary), which
    the row groups' sizes count once: read as plain strings, every row held its own copy (1.1 GB). Such columns are
    now read as dictionaries and turned into objects about PARQUET_BATCH_BYTES of values at a time."""
    import pyarrow as pa

    from attrib.lines import PARQUET_BATCH_BYTES, _by_size, _dictionary_columns, iter_lines

    wide = "The mayor said the road was closed. " * 100_000  # 3.6 MB
    rows = [{"id": f"r{i}", "text": wide, "attributions": []} for i in range(40)]
    for name, table in (("plain.parquet", pa.Table.from_pylist(rows)),  # as pandas writes strings: dictionary pages
                        ("typed.parquet", pa.Table.from_pylist(rows).set_column(
                            1, "text", pa.array([wide] * 40).dictionary_encode()))):  # and the Arrow type says so
        pq.write_table(table, tmp_path / name, use_dictionary=True)
        stored = pq.ParquetFile(tmp_path / name)
        assert stored.metadata.row_group(0).total_byte_size < 2 * len(wide)
        assert "text" in _dictionary_columns(stored.metadata, stored.schema_arrow, range(1)) \
            or pa.types.is_dictionary(stored.schema_arrow.field("text").type)
        (batch,) = pq.ParquetFile(tmp_path / name, read_dictionary=["text"]).iter_batches()
        slices = list(_by_size(batch))
        assert sum(s.num_rows for s in slices) == 40
        assert max(s.num_rows for s in slices) == PARQUET_BATCH_BYTES // len(wide)
        assert [line.value for line in iter_lines(tmp_path / name)] == rows


def label_studio_export(records: list[dict]) -> list[dict]:
    """An export as Label Studio gives it: each task annotated by two people, the second dropping one attribution."""
    tasks = []
    for n, record in enumerate(records):
        task = record_to_task(record, "v1")
        result = task["predictions"][0]["result"]
        shorter = record_to_task({**record, "attributions": record["attributions"][1:]}, "v1")["predictions"][0]["result"]
        tasks.append({"id": 100 + n, "data": task["data"], "predictions": [],
                      "annotations": [{"id": 10 * n + 1, "completed_by": 1, "result": result, "was_cancelled": False},
                                      {"id": 10 * n + 2, "completed_by": 2, "result": shorter, "was_cancelled": False}]})
    return tasks


def test_label_studio_export_in(seed_gold, tmp_path):
    records = list(iter_records([seed_gold]))
    (tmp_path / "export.json").write_text(json.dumps(label_studio_export(records)), encoding="utf-8")
    out = list(read_input(tmp_path / "export.json", "each"))
    assert [(r["id"], r["provenance"]["annotator"]) for r in out] == [("seed-000", 1), ("seed-000", 2)]
    assert sorted(map(str, without(out[0]["attributions"], "id"))) == sorted(map(str, without(records[0]["attributions"], "id", "confidence")))
    assert len(out[1]["attributions"]) == len(records[0]["attributions"]) - 1
    summary = export(read_input(tmp_path / "export.json", "each"), "brat", tmp_path / "brat", layout="polnear")
    assert (summary["records"], summary["documents"]) == (2, 1)  # two annotators of one document
    assert sorted(p.name for p in (tmp_path / "brat" / "attributions").iterdir()) == ["seed-000_1.ann", "seed-000_2.ann"]


def test_a_broken_export_stops_before_anything_is_written(seed_gold, tmp_path):
    tasks = label_studio_export(list(iter_records([seed_gold])))
    tasks[0]["annotations"][1]["result"][0]["value"]["end"] = 10**6
    (tmp_path / "export.json").write_text(json.dumps(tasks), encoding="utf-8")
    with pytest.raises(InvalidDataError, match=r"export\.json \$\[0\]\.annotations\[1\]\.result\[0\]"):
        export(read_input(tmp_path / "export.json"), "jsonl", tmp_path / "data.jsonl")
    assert list(tmp_path.iterdir()) == [tmp_path / "export.json"]


def test_an_export_cut_short_names_the_element_that_breaks_off(seed_gold, tmp_path):
    tasks = label_studio_export(list(iter_records([seed_gold])))
    body = json.dumps([tasks[0], tasks[0] | {"id": 2}])
    (tmp_path / "export.json").write_text(body[:-40], encoding="utf-8")
    read = []
    with pytest.raises(BrokenJsonError, match=r"export\.json: \$\[1\]: the JSON breaks off \(") as caught:
        read.extend(read_input(tmp_path / "export.json"))
    assert (caught.value.index, len(read)) == (1, 2)  # the first task's two annotations were read


def test_spans_survive_emoji_crlf_and_combining_marks(tmp_path):
    [record] = list(brat.read(polnear_folder(tmp_path / "polnear")))[:1]
    export([record], "jsonl", tmp_path / "data.jsonl")
    [back] = iter_records([tmp_path / "data.jsonl"])
    dubois = back["attributions"][3]["source"][0]
    assert (dubois["start"], dubois["end"]) == at("Rene\u0301e Dubois") and back["text"] == TEXT


def test_a_run_stopped_between_the_renames_leaves_no_card_counting_other_records(records, tmp_path, monkeypatch):
    """The card was renamed into place first, then the records: a run stopped between the two (SIGKILL, SIGTERM)
    left the new card beside the earlier records. (The stop is faked right after the first rename.)"""
    out = tmp_path / "data.jsonl"
    export([{**records[0], "id": "an earlier export"}], "jsonl", out)
    renames = []
    real_replace = os.replace

    def stopped_after_the_first(source, target):
        real_replace(source, target)
        renames.append(Path(target).name)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", stopped_after_the_first)
    with pytest.raises(KeyboardInterrupt):
        export(records, "jsonl", out)
    monkeypatch.undo()
    assert renames == ["data.jsonl"]
    assert list(iter_records([out])) == records and not (tmp_path / "data.card.md").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_records_file_that_cannot_be_written_whole_leaves_the_earlier_card(records, tmp_path):
    """The earlier card was removed before the records' last buffered write, which then failed (a file size limit,
    here): the earlier records stayed, without their card. Run in a child process under RLIMIT_FSIZE, set so that
    only that last write fails."""
    scratch, out = tmp_path / "scratch" / "data.jsonl", tmp_path / "data.jsonl"
    export([{**r, "id": f"{r['id']}-{k}"} for k in range(20) for r in records], "jsonl", scratch)
    size = scratch.stat().st_size
    export([{**records[0], "id": "an earlier export"}], "jsonl", out)
    earlier = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    limit = (size - 1) // 1024 * 1024
    assert limit > max(len(b) for b in earlier.values())
    program = ("import resource, sys\nfrom attrib.formats import export\nfrom attrib.records import iter_records\n"
               f"records = list(iter_records([{str(scratch)!r}]))\n"
               f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.RLIM_INFINITY))\n"
               f"export(records, 'jsonl', __import__('pathlib').Path({str(out)!r}))\n")
    ran = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert ran.returncode != 0 and "File too large" in ran.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == earlier


def test_a_card_that_is_a_link_stays_a_link(records, tmp_path):
    """The earlier card was removed by its name: a card kept as a link (DVC, git-annex) lost its link."""
    out, store = tmp_path / "data.jsonl", tmp_path / "store"
    export([{**records[0], "id": "an earlier export"}], "jsonl", out)
    store.mkdir()
    (tmp_path / "data.card.md").rename(store / "card.md")
    (tmp_path / "data.card.md").symlink_to(store / "card.md")
    export(records, "jsonl", out)
    assert (tmp_path / "data.card.md").is_symlink()
    assert f"{sum(len(r['attributions']) for r in records)} attributions" in (store / "card.md").read_text(encoding="utf-8")
