"""`attrib export -f conll`: the flat form (the default) as seqeval reads it, and the rich form."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics import f1_score
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import IOB2, Entities

from attrib.errors import InputError
from attrib.formats import brat, export
from attrib.records import iter_records, make_record
from runs import attrib
from test_formats_brat import DOC, polnear_folder

TAG = re.compile(r"^(O|[BI]-(SOURCE|CUE|CONTENT))$")


@pytest.fixture(params=["seed", "polnear"])
def records(request, tmp_path) -> list[dict]:
    if request.param == "seed":
        return list(iter_records([request.getfixturevalue("seed_gold")]))
    return list(brat.read(polnear_folder(tmp_path / "polnear")))


def conll_documents(path: Path, columns: int) -> dict[str, list[list[tuple[str, ...]]]]:
    """doc id -> sentences -> rows of `columns` tab-separated cells; checks the layout on the way."""
    docs: dict[str, list] = {}
    sentence: list = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("# doc_id = "):
            assert not sentence
            current = docs.setdefault(line.removeprefix("# doc_id = "), [])
        elif line:
            row = tuple(line.split("\t"))
            assert len(row) == columns, line
            assert row[0].strip() == row[0] and row[0]
            sentence.append(row)
        elif sentence:
            current.append(sentence)
            sentence = []
    assert not sentence
    return docs


def nested() -> dict:
    text = "He said “she told me it works.”"
    return {"id": "nested", "text": text, "attributions": [
        {"id": "a0", "kind": "direct", "source": [{"start": 0, "end": 2, "text": "He"}], "cue": [{"start": 3, "end": 7, "text": "said"}],
         "content": [{"start": 8, "end": len(text), "text": text[8:]}], "source_entity": None},
        {"id": "a1", "kind": "indirect", "source": [{"start": 9, "end": 12, "text": "she"}],
         "cue": [{"start": 13, "end": 17, "text": "told"}], "content": [{"start": 21, "end": 29, "text": "it works"}],
         "source_entity": None}]}


def seqeval_reads(path: Path, ids: list[str]) -> list[list[str]]:
    """The tag sequences of a flat export, checked the way seqeval's strict IOB2 mode reads them."""
    docs = conll_documents(path, 2)
    assert list(docs) == list(dict.fromkeys(ids))
    sequences = [[tag for _, tag in sentence] for sentences in docs.values() for sentence in sentences]
    assert all(TAG.match(tag) for seq in sequences for tag in seq)
    strict = [e for seq in Entities(sequences, IOB2).entities for e in seq]
    # every chunk is valid IOB2: strict mode (which drops a chunk starting with I-) finds them all
    assert len(strict) == len(get_entities(sequences)) == sum(tag.startswith("B-") for seq in sequences for tag in seq)
    assert f1_score(sequences, sequences, mode="strict", scheme=IOB2) == 1.0
    return sequences


def test_seqeval_reads_the_default_export_in_strict_iob2(records, tmp_path):
    source = tmp_path / "records.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    done = attrib("export", source, "-f", "conll", "-o", tmp_path / "data.conll")
    assert done.code == 0, done.err
    sequences = seqeval_reads(tmp_path / "data.conll", [r["id"] for r in records])
    assert {tag[2:] for seq in sequences for tag in seq if tag != "O"} == {"SOURCE", "CUE", "CONTENT"}


@pytest.mark.polnear
def test_seqeval_reads_polnear_dev(polnear_dev, tmp_path):
    records = list(iter_records([polnear_dev]))
    export(records, "conll", tmp_path / "dev.conll")
    seqeval_reads(tmp_path / "dev.conll", [r["id"] for r in records])


def test_flat_tags_where_attributions_nest(tmp_path):
    export([nested()], "conll", tmp_path / "data.conll")
    [[rows]] = conll_documents(tmp_path / "data.conll", 2).values()
    assert rows == [("He", "B-SOURCE"), ("said", "B-CUE"), ("“", "B-CONTENT"), ("she", "B-SOURCE"), ("told", "B-CUE"),
                    ("me", "B-CONTENT"),  # the outer content again, after the nested cue
                    ("it", "B-CONTENT"), ("works", "I-CONTENT"),  # the nested content: shorter, so it shows
                    (".", "B-CONTENT"), ("”", "I-CONTENT")]


def test_an_emoji_of_several_code_points_is_one_token(tmp_path):
    """The CoNLL tokens split 👩‍👩‍👧 into five, two of them a lone joiner (U+200D) no reader shows."""
    text = "She said she has two \U0001F469\u200d\U0001F469\u200d\U0001F467 and a \U0001F1E8\U0001F1E6 flag."
    export([make_record("e", text, [])], "conll", tmp_path / "data.conll")
    [[rows]] = conll_documents(tmp_path / "data.conll", 2).values()
    assert [token for token, _ in rows][5:9] == ["\U0001F469\u200d\U0001F469\u200d\U0001F467", "and", "a",
                                                 "\U0001F1E8\U0001F1E6"]


def test_a_quotation_of_several_sentences_is_one_sequence_continued_with_i(tmp_path):
    text = "“Prices rose. Wages did not. Nobody knows why,” the minister said. Then she left."
    quote = text[:text.index(" the minister")]
    record = {"id": "q", "text": text, "attributions": [
        {"id": "a0", "kind": "direct", "source": [{"start": 48, "end": 60, "text": "the minister"}],
         "cue": [{"start": 61, "end": 65, "text": "said"}], "content": [{"start": 0, "end": len(quote), "text": quote}],
         "source_entity": None}]}
    assert text[48:60] == "the minister" and text[61:65] == "said"
    export([record], "conll", tmp_path / "data.conll")
    [sentences] = conll_documents(tmp_path / "data.conll", 2).values()
    assert [[token for token, _ in s] for s in sentences][1] == ["Then", "she", "left", "."]
    tags = [tag for _, tag in sentences[0]]
    assert tags[0] == "B-CONTENT" and tags[1:tags.index("B-SOURCE")] == ["I-CONTENT"] * (tags.index("B-SOURCE") - 1)


def test_a_shared_source_is_one_chunk(tmp_path):
    text = "Ortiz said prices rose and said wages fell."
    frag = lambda s, after=0: {"start": text.index(s, after), "end": text.index(s, after) + len(s), "text": s}  # noqa: E731
    both = [{"id": f"a{i}", "kind": "indirect", "source": [frag("Ortiz")], "cue": [frag("said", at)],
             "content": [frag(content)], "source_entity": None}
            for i, (at, content) in enumerate(((0, "prices rose"), (20, "wages fell")))]
    export([{"id": "s", "text": text, "attributions": both}], "conll", tmp_path / "data.conll")
    [[rows]] = conll_documents(tmp_path / "data.conll", 2).values()
    assert rows[0] == ("Ortiz", "B-SOURCE") and rows[4] == ("and", "O") and rows[5] == ("said", "B-CUE")


def test_rich_keeps_every_attribution_valid_bio_per_sentence(records, tmp_path):
    export(records, "conll", tmp_path / "data.conll", tags="rich")
    docs = conll_documents(tmp_path / "data.conll", 3)
    assert list(docs) == list(dict.fromkeys(r["id"] for r in records))
    for sentences in docs.values():
        for sentence in sentences:
            previous: set = set()
            for _, tag, index in sentence:
                assert len(tag.split("|")) == len(index.split("|"))
                labels = set() if tag == "O" else set(zip(tag.split("|"), index.split("|")))
                for label, i in labels:
                    if label.startswith("I-"):
                        assert ("B-" + label[2:], i) in previous or (label, i) in previous
                    else:
                        assert label.startswith("B-") and label[2:] in ("SOURCE", "CUE", "CONTENT")
                previous = labels


def test_rich_tags_of_a_known_document(tmp_path):
    [record] = list(brat.read(polnear_folder(tmp_path / "polnear")))[:1]
    export([record], "conll", tmp_path / "data.conll", tags="rich")
    rows = [row for sentence in conll_documents(tmp_path / "data.conll", 3)[DOC] for row in sentence]
    assert ("told", "B-CUE", "2") in rows and ("📚", "I-CONTENT", "2") in rows
    assert ("Ortiz", "B-SOURCE|B-SOURCE", "2|4") in rows  # the source of two attributions
    assert ("reporters", "O", "_") in rows
    # the second content fragment starts again with B-, after the cue: discontinuous, same attribution
    assert rows[[r[0] for r in rows].index("and") - 1] == ("“", "B-CONTENT", "2")
    # a headline line is its own sentence
    assert conll_documents(tmp_path / "data.conll", 3)[DOC][0][-1][0] == "”"


@pytest.mark.parametrize("line_break", ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0c"])
def test_every_line_break_ends_a_sentence(tmp_path, line_break):
    """Only "\n" did: a headline over "\r" or U+2028 ran into the body's first sentence (brat split them)."""
    record = make_record("d", f"Storm hits coast{line_break}Officials said it rained", [])
    export([record], "conll", tmp_path / "data.conll")
    assert [[row[0] for row in sentence] for sentence in conll_documents(tmp_path / "data.conll", 2)["d"]] == [
        ["Storm", "hits", "coast"], ["Officials", "said", "it", "rained"]]


def test_rich_nested_attributions_carry_both_tags(tmp_path):
    export([nested()], "conll", tmp_path / "data.conll", tags="rich")
    [[rows]] = conll_documents(tmp_path / "data.conll", 3).values()
    assert rows[3] == ("she", "I-CONTENT|B-SOURCE", "0|1")
    assert rows[6] == ("it", "I-CONTENT|B-CONTENT", "0|1")
    assert rows[-1] == ("”", "I-CONTENT", "0")


@pytest.mark.parametrize("doc_id", ["doc\nB-SOURCE\tO", "doc\r", "doc\u2028x"])
def test_an_id_with_a_line_break_is_refused_not_written_as_token_lines(tmp_path, doc_id):
    out = tmp_path / "out.conll"
    with pytest.raises(InputError, match="its id holds a line break, which a CoNLL comment"):
        export([make_record(doc_id, "The mayor said it rains.", [])], "conll", out)
    assert not out.exists()


@pytest.mark.parametrize("fmt, name", [("conll", "long.conll"), ("spacy", "long.spacy")])
def test_a_text_over_spacys_length_limit_is_exported(tmp_path, fmt, name):
    """A record of over 1,000,000 characters passes validate, but export -f conll / spacy ended in spaCy's E088
    traceback: the tokenizer has no parser's memory to guard."""
    text = "The mayor said the road was closed. " * 27_800
    source = tmp_path / "long.jsonl"
    source.write_text(json.dumps({"id": "long", "text": text, "attributions": []}) + "\n", encoding="utf-8")
    assert len(text) > 1_000_000
    ran = attrib("export", source, "-f", fmt, "-o", tmp_path / name)
    assert ran.code == 0, ran.err
    assert ran.err == f"1 document, 0 attributions written to {tmp_path / name} ({fmt})\n"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["source", "cue", "content"]), st.integers(0, 2),
                          st.integers(0, 30), st.integers(1, 12)), max_size=25))
def test_flat_shows_on_each_token_the_first_fragment_by_flat_order(drawn):
    """The flat form paints fragments best first over the tokens still bare (every (token, fragment) pair kept took
    3 GB for 100 attributions over a text of a million characters): each token shows what the minimum over its
    fragments by Mark.flat_order shows."""
    from attrib.formats.conll import Mark, _shown_mark

    fragments = [Mark(a, role, j, start, start + length) for a, role, j, start, length in drawn]
    shown = _shown_mark(fragments, 45)
    for t in range(45):
        over = [m for m in fragments if m.start <= t < m.end]
        assert shown.get(t) == min(over, key=Mark.flat_order, default=None)
