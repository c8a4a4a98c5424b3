"""brat: reading PolNeAR's layout, writing both layouts, and brat -> records -> brat byte for byte.

The PolNeAR-shaped folder is built here from invented text (no PolNeAR text in the repository),
laid out as PolNeAR's release is: text/<id>.txt and attributions/<id>_<annotator>.ann, with T lines
typed Source/Cue/Content, an Attribution trigger repeating the cue, and an Attribution event.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from attrib.errors import InputError, OffsetError, OutputError
from attrib.formats import brat, export
from attrib.records import fragment, infer_kind, iter_records, make_record
from fragments import frag_of

DOC = "city-hall_2016-10-01_budget-balanced"
TEXT = (
    "Mayor Lena Ortiz: Budget “balanced at last”\r\n"
    "The mayor said the city’s budget was balanced for the first time in a decade. "
    "“We did it without cutting a single library 📚,” Ortiz told reporters, “and without raising fares.”\r\n"
    "Critics were not convinced. The plan relies on one-off sales, according to Rene\u0301e Dubois.\r\n"
    "Ortiz, speaking of the libraries, smiled.\r\n"
    "Read more at example.org"
)


def at(fragment: str, after: str = "") -> tuple[int, int]:
    """The offsets of `fragment` in TEXT, searching after the first occurrence of `after`."""
    found = frag_of(TEXT, fragment, after=after)
    return found["start"], found["end"]


def t_line(n: int, label: str, *frags: tuple[int, int]) -> str:
    spans = ";".join(f"{s} {e}" for s, e in frags)
    return f"T{n}\t{label} {spans}\t{' '.join(TEXT[s:e] for s, e in frags)}\n"


Q1, Q2 = at("“We did it without cutting a single library 📚,”"), at("“and without raising fares.”")
ORTIZ = at("Ortiz", "library")

# PolNeAR's conventions, as its release has them for most attributions (and as attrib writes them)
CANONICAL = "".join([
    t_line(1, "Source", at("Mayor Lena Ortiz")), t_line(2, "Cue", at(":")), t_line(3, "Content", at("Budget “balanced at last”")),
    t_line(4, "Attribution", at(":")), "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n",
    t_line(5, "Source", at("The mayor")), t_line(6, "Cue", at("said")),
    t_line(7, "Content", at("the city’s budget was balanced for the first time in a decade")),
    t_line(8, "Attribution", at("said")), "E2\tAttribution:T8 Content:T7 Cue:T6 Source:T5\n",
    t_line(9, "Source", ORTIZ), t_line(10, "Cue", at("told")), t_line(11, "Content", Q1, Q2),
    t_line(12, "Attribution", at("told")), "E3\tAttribution:T12 Content:T11 Cue:T10 Source:T9\n",
    t_line(13, "Source", at("Rene\u0301e Dubois")), t_line(14, "Cue", at("according to")),
    t_line(15, "Content", at("The plan relies on one-off sales")),
    t_line(16, "Attribution", at("according to")), "E4\tAttribution:T16 Content:T15 Cue:T14 Source:T13\n",
    # a source shared with E3, as PolNeAR shares it: no new Source line
    t_line(17, "Cue", at("speaking of")), t_line(18, "Content", at("the libraries")),
    t_line(19, "Attribution", at("speaking of")), "E5\tAttribution:T19 Content:T18 Cue:T17 Source:T9\n",
])

# The same attributions as annotators' brat saved them in the wild: arguments in click order, a
# second Content argument, T lines after their event, other annotation types and a note.
WILD = "".join([
    t_line(1, "Content", at("Budget “balanced at last”")), t_line(2, "Source", at("Mayor Lena Ortiz")), t_line(3, "Cue", at(":")),
    t_line(4, "Attribution", at(":")), "E1\tAttribution:T4 Source:T2 Cue:T3 Content:T1\n",
    "E2\tAttribution:T8 Cue:T6 Source:T5 Content:T7\n",
    t_line(5, "Source", at("The mayor")), t_line(6, "Cue", at("said")),
    t_line(7, "Content", at("the city’s budget was balanced for the first time in a decade")), t_line(8, "Attribution", at("said")),
    t_line(9, "Source", ORTIZ), t_line(10, "Cue", at("told")), t_line(11, "Content", Q1), t_line(20, "Content", Q2),
    t_line(12, "Attribution", at("told")), "E3\tAttribution:T12 Cue:T10 Content:T11 Content2:T20 Source:T9\n",
    t_line(13, "Source", at("Rene\u0301e Dubois")), t_line(14, "Cue", at("according to")),
    t_line(15, "Content", at("The plan relies on one-off sales")), t_line(16, "Attribution", at("according to")),
    "E4\tAttribution:T16 Content:T15 Cue:T14 Source:T13\n",
    t_line(17, "Cue", at("speaking of")), t_line(18, "Content", at("the libraries")), t_line(19, "Attribution", at("speaking of")),
    "E5\tAttribution:T19 Cue:T17 Content:T18 Source:T9\n",
    t_line(21, "Discard", at("Read more at example.org")),
    t_line(22, "Discuss", at("Critics were not convinced.")),
    "#1\tAnnotatorNotes T21\tboilerplate\n",
])


def polnear_folder(root: Path, second: str = CANONICAL) -> Path:
    """A PolNeAR-shaped compartment: one text annotated by two annotators (ab12 and cd34)."""
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    (root / "text" / f"{DOC}.txt").write_bytes(TEXT.encode())
    (root / "attributions" / f"{DOC}_ab12.ann").write_bytes(CANONICAL.encode())
    (root / "attributions" / f"{DOC}_cd34.ann").write_bytes(second.encode())
    return root


def spans(attr: dict, role: str) -> list[tuple[int, int]]:
    return [(f["start"], f["end"]) for f in attr[role]]


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_reads_polnear_layout(tmp_path):
    records = list(brat.read(polnear_folder(tmp_path / "dev")))
    assert [(r["id"], r["provenance"]["annotator"]) for r in records] == [(DOC, "ab12"), (DOC, "cd34")]
    first = records[0]
    assert first["text"] == TEXT  # CRLF, emoji and the combining accent unchanged
    attrs = first["attributions"]
    assert [a["id"] for a in attrs] == ["a0", "a1", "a2", "a3", "a4"]
    assert spans(attrs[2], "content") == [Q1, Q2]
    assert [f["text"] for f in attrs[2]["content"]] == [TEXT[slice(*Q1)], TEXT[slice(*Q2)]]
    assert spans(attrs[4], "source") == spans(attrs[2], "source") == [ORTIZ]
    assert attrs[3]["source"][0]["text"] == "Rene\u0301e Dubois"
    assert [a["kind"] for a in attrs] == ["mixed", "indirect", "mixed", "indirect", "indirect"]
    assert all(a["source_entity"] is None for a in attrs)


def test_polnear_layout_round_trip_is_byte_identical(tmp_path):
    source = polnear_folder(tmp_path / "dev")
    export(brat.read(source), "brat", tmp_path / "again", layout="polnear")
    assert files(tmp_path / "again") == files(source)


def test_reads_brat_as_annotators_saved_it(tmp_path):
    canonical, wild = brat.read(polnear_folder(tmp_path / "dev", second=WILD))
    assert wild["attributions"] == canonical["attributions"]


def test_records_to_brat_to_records_to_brat(tmp_path, seed_gold):
    records = list(iter_records([seed_gold]))
    export(records, "brat", tmp_path / "one")
    back = list(brat.read(tmp_path / "one"))
    assert [r["id"] for r in back] == [r["id"] for r in records]
    for before, after in zip(records, back):
        assert after["text"] == before["text"]
        for a, b in zip(before["attributions"], after["attributions"], strict=True):
            assert {k: v for k, v in a.items() if k != "confidence"} == b
    export(back, "brat", tmp_path / "two")
    assert files(tmp_path / "two") == files(tmp_path / "one")


def frag(start: int, end: int) -> dict:
    return {"start": start, "end": end, "text": TEXT[start:end]}


def rich_record() -> dict:
    """What PolNeAR lacks: a kind the quote rule would not give, a source type, a pronoun's referent."""
    attribution = {"id": "a0", "kind": "direct", "source": [frag(*at("Ortiz", "Dubois"))], "cue": [frag(*at("smiled"))],
                   "content": [frag(*at("The plan relies on one-off sales"))], "source_entity": frag(*at("Mayor Lena Ortiz")),
                   "source_type": "named"}
    return {"id": "rich", "text": TEXT, "meta": {}, "attributions": [attribution]}


def test_brat_layout_keeps_kind_source_type_and_referent(tmp_path):
    export([rich_record()], "brat", tmp_path / "out")
    ann = (tmp_path / "out" / "rich.ann").read_text(encoding="utf-8")
    assert "A1\tKind E1 direct\n" in ann and "A2\tSourceType T1 named\n" in ann and "R1\tRefersTo Arg1:T1 Arg2:T5\n" in ann
    [back] = brat.read(tmp_path / "out")
    assert back["attributions"] == rich_record()["attributions"]


def test_an_attribution_without_a_source_keeps_its_source_type_and_its_referent_is_refused(tmp_path):
    """An anonymous source type of an attribution without a source ("It was said that …") went with the Source span
    brat writes none of: left out, exit 0. A referent there has no source for its RefersTo: now refused, not left out."""
    text = "It was said that taxes rise."
    attribution = {"id": "a1", "kind": "indirect", "source": [], "cue": [fragment(text, 3, 11)],
                   "content": [fragment(text, 12, 27)], "source_type": "anonymous", "source_entity": None}
    export([make_record("n", text, [attribution])], "brat", tmp_path / "out")
    assert "\tSourceType E1 anonymous\n" in (tmp_path / "out" / "n.ann").read_text(encoding="utf-8")
    [back] = brat.read(tmp_path / "out")
    assert back["attributions"] == [{**attribution, "id": "a0"}]
    with pytest.raises(InputError, match=r"record n: \$\.attributions\[0\]\.source_entity: a referent of an "
                                         r"attribution without a source, which brat cannot hold"):
        export([make_record("n", text, [{**attribution, "source_entity": fragment(text, 0, 2)}])], "brat", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_a_referent_over_a_line_break_comes_back_whole(tmp_path):
    """Written as two fragments (brat cuts spans at line breaks), it was read back as its first one."""
    text = "Prime Minister Marie\nDubois arrived. She said the talks failed."
    she = text.index("She")
    attribution = {"id": "a0", "kind": "indirect", "source": [fragment(text, she, she + 3)],
                   "cue": [fragment(text, she + 4, she + 8)], "content": [fragment(text, she + 9, len(text) - 1)],
                   "source_entity": fragment(text, 0, 27)}
    export([make_record("r", text, [attribution])], "brat", tmp_path / "out")
    assert "Referent 0 20;21 27\tPrime Minister Marie Dubois\n" in (tmp_path / "out" / "r.ann").read_text(encoding="utf-8")
    [back] = brat.read(tmp_path / "out")
    assert back["attributions"][0]["source_entity"] == {"start": 0, "end": 27, "text": "Prime Minister Marie\nDubois"}


def test_a_content_of_line_breaks_only_is_refused_not_written_as_an_event_without_content(tmp_path):
    text = "Mayor:\n\nsaid"
    attribution = {"id": "a0", "kind": "indirect", "source": [fragment(text, 0, 5)], "cue": [fragment(text, 9, 13)],
                   "content": [fragment(text, 6, 8)], "source_entity": None}
    with pytest.raises(InputError, match=r"record r: \$\.attributions\[0\]\.content: an attribution needs a content"):
        export([make_record("r", text, [attribution])], "brat", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_referent_of_white_space_only_is_refused_not_written_without_offsets(tmp_path):
    """Its T line had no offsets (exit 0), which `import brat` then refused."""
    text = "He said it.\n\nMore"
    attribution = {"id": "a0", "kind": "indirect", "source": [fragment(text, 0, 2)], "cue": [fragment(text, 3, 7)],
                   "content": [fragment(text, 8, 10)], "source_entity": fragment(text, 11, 13)}
    with pytest.raises(InputError, match=r"record r: \$\.attributions\[0\]\.source_entity: a referent of white space"):
        export([make_record("r", text, [attribution])], "brat", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_polnear_layout_drops_the_additions(tmp_path):
    export([rich_record()], "brat", tmp_path / "out", layout="polnear")
    ann = (tmp_path / "out" / "attributions" / "rich.ann").read_text(encoding="utf-8")
    assert re.findall(r"^[A-Z]", ann, re.M) == ["T", "T", "T", "T", "E"]
    [back] = brat.read(tmp_path / "out")
    [attr] = back["attributions"]
    assert attr["kind"] == "indirect" and attr["source_entity"] is None and "source_type" not in attr


def test_every_type_used_is_declared_in_annotation_conf(tmp_path, seed_gold):
    export([*iter_records([seed_gold]), rich_record()], "brat", tmp_path / "out")
    conf = (tmp_path / "out" / "annotation.conf").read_text(encoding="utf-8")
    declared = {line.split()[0] for line in conf.splitlines() if line and not line.startswith(("#", "["))}
    used = set()
    for ann in (tmp_path / "out").glob("*.ann"):
        for line in ann.read_text(encoding="utf-8").splitlines():
            used.add(line.split("\t")[1].split()[0].split(":")[0])
    assert used == declared == {"Source", "Cue", "Content", "Referent", "Attribution", "Kind", "SourceType", "RefersTo"}


@pytest.mark.parametrize("kind, content", [
    ("direct", "“We did it without cutting a single library 📚,”"),
    ("direct", "\"Here we go.\"."),
    ("mixed", "Budget “balanced at last”"),
    ("mixed", "“Here,” and “there”"),
    ("indirect", "the city’s budget was balanced"),
])
def test_infer_kind(kind, content):
    assert infer_kind(content, [{"start": 0, "end": len(content)}]) == kind


def test_infer_kind_joins_fragments_split_by_whitespace_only():
    text = "“One. Two.”"
    assert infer_kind(text, [{"start": 0, "end": 5}, {"start": 6, "end": len(text)}]) == "direct"
    assert infer_kind(text, [{"start": 0, "end": 4}, {"start": 6, "end": len(text)}]) == "mixed"


def broken(tmp_path: Path, ann: str) -> Path:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "doc.txt").write_bytes(TEXT.encode())
    (tmp_path / "in" / "doc.ann").write_bytes(ann.encode())
    return tmp_path / "in"


@pytest.mark.parametrize("ann, error, message", [
    ("T1\tContent 0 5\tMayor\nT2\tCue 16 17\tX\n", OffsetError, r"doc\.ann:2: T2 says 'X' but the text there is ':'"),
    ("T1\tContent 0 99999\tMayor\n", OffsetError, r"doc\.ann:1 \(T1\): span \[0, 99999\) does not fit"),
    ("T1\tContent 5 five\tMayor\n", InputError, r"doc\.ann:1: not a brat text-bound annotation"),
    ("T1\tContent +0 5\tMayor\n", InputError, r"doc\.ann:1: not a brat text-bound annotation"),  # int() took
    ("T1\tContent 0 ٥\tMayor\n", InputError, r"doc\.ann:1: not a brat text-bound annotation"),  # these three
    ("T1\tContent 0 0_5\tMayor\n", InputError, r"doc\.ann:1: not a brat text-bound annotation"),
    ("T1\tCue 16 17\t:\nE1\tAttribution:T1 Content:T7 Cue:T1\n", InputError, r"doc\.ann:2: E1 has argument Content:T7 but no Content span T7"),
    ("T1\tCue 16 17\t:\nE1\tAttribution:T1 Cue:T1\n", InputError, r"doc\.ann:2: E1 has no Content argument"),
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1\nA1\tKind E1 quoted\n", InputError,
     r"doc\.ann:3: E1 has Kind 'quoted', not one of direct, indirect, mixed"),
    # left out without a word, exit 0: a T line whose tabs are spaces (then blamed on the event using it), a Kind on
    # a span, a SourceType on a Content, a RefersTo to nothing, an argument given twice, a line of another shape
    ("T1\tContent 0 5\tMayor\nT2 Cue 16 17 :\nE1\tAttribution:T1 Content:T1 Cue:T2\n", InputError,
     r"doc\.ann:2: not a brat text-bound annotation \(ID, type and offsets, text: tab-separated\): 'T2 Cue 16 17 :'"),
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1\nA1\tKind T1 direct\n", InputError,
     r"doc\.ann:3: Kind is given to T1, which is no Attribution event: attrib would leave it out"),
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1\nA1\tSourceType T1 named\n", InputError,
     r"doc\.ann:3: SourceType is given to T1, which is no Source span or Attribution event"),
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1\nR1\tRefersTo Arg1:T77 Arg2:T1\n", InputError,
     r"doc\.ann:3: R1 relates T77, which is no span defined in the file"),
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1\nR1\tRefersTo Arg1:T1 Arg1:T1\n", InputError,
     r"doc\.ann:3: R1 names an argument twice"),
    ("T1\tContent 0 5\tMayor\n T2\tCue 16 17\t:\n", InputError, r"doc\.ann:2: not a brat annotation line: ' T2\\tCue 16 17\\t:'"),
    # a source type was written as given, and validate refused the record (V103)
    ("T1\tSource 0 5\tMayor\nT2\tContent 6 10\tLena\nE1\tAttribution:T2 Source:T1 Content:T2\nA1\tSourceType T1 bogus\n",
     InputError, r"doc\.ann:4: T1 has SourceType 'bogus', not one of named, unnamed, anonymous"),
    # types in another case were left out like PolNeAR's Discard: a file of SOURCE/CUE/CONTENT read as empty
    ("T1\tCONTENT 0 5\tMayor\nE1\tATTRIBUTION:T1 CONTENT:T1\n", InputError,
     r"doc\.ann:1: T1 is typed 'CONTENT': brat types are case-sensitive, and attrib reads Source, Cue, Content"),
    # a second T1 silently replaced the first; a Content span as the Source, a trigger never defined were taken
    ("T1\tContent 0 5\tMayor\nT1\tCue 16 17\t:\n", InputError, r"doc\.ann:2: T1 is defined a second time \(first at .*doc\.ann:1\)"),
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1 Source:T1\n", InputError,
     r"doc\.ann:2: E1 has argument Source:T1 but no Source span T1"),
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T99 Content:T1\n", InputError,
     r"doc\.ann:2: E1's trigger T99 is not a span defined in the file"),
    # a kind or source type given to an annotation the file lacks was dropped without a word
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1\nA1\tKind E2 direct\n", InputError,
     r"doc\.ann:3: Kind is given to E2, which is not defined in the file"),
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1\nA1\tSourceType T9 named\n", InputError,
     r"doc\.ann:3: SourceType is given to T9, which is not defined in the file"),
    # read without a word: an argument without its colon dropped the role, the later of two kinds won, a second E1
    # made a second attribution, and a RefersTo to a Cue span was taken as the source's referent
    ("T1\tContent 0 5\tMayor\nT2\tCue 16 17\t:\nE1\tAttribution:T2 Content:T1 CueT2\n", InputError,
     r"doc\.ann:3: E1's argument 'CueT2' is not ROLE:ID"),
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1\nA1\tKind E1 direct\nA2\tKind E1 indirect\n", InputError,
     r"doc\.ann:4: E1 is given Kind 'indirect' after 'direct'"),
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1\nE1\tAttribution:T1 Content:T1\n", InputError,
     r"doc\.ann:3: E1 is defined a second time \(first at .*doc\.ann:2\)"),
    ("T1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1\nA1\tKind E1 direct\nA1\tKind E1 direct\n", InputError,
     r"doc\.ann:4: A1 is defined a second time"),
    ("T1\tContent 0 5\tMayor\nT2\tCue 16 17\t:\nT3\tSource 6 10\tLena\nE1\tAttribution:T2 Content:T1 Source:T3\n"
     "R1\tRefersTo Arg1:T3 Arg2:T2\n", InputError, r"doc\.ann:4: the source of E1 refers to T2, which is not a Referent span"),
])
def test_broken_ann_names_file_and_line(tmp_path, ann, error, message):
    with pytest.raises(error, match=message):
        list(brat.read(broken(tmp_path, ann)))


def test_ann_without_text(tmp_path):
    (tmp_path / "attributions").mkdir()
    (tmp_path / "attributions" / "lost_ab12.ann").write_text("")
    with pytest.raises(InputError, match="lost_ab12.ann: no text for it"):
        list(brat.read(tmp_path))


def test_a_text_that_is_no_file_or_utf16_and_an_ann_of_cr_line_ends_are_named(tmp_path):
    """A .txt that is a pipe was "no text for it", one in UTF-16 "not valid UTF-8 (byte 0)", and an .ann whose lines end
    in CR alone was read as one line (its spans as one span's text)."""
    folder = broken(tmp_path, "T1\tContent 0 5\tMayor\rE1\tAttribution:T1 Content:T1\r")
    (record,) = brat.read(folder)
    assert [a["content"][0]["text"] for a in record["attributions"]] == ["Mayor"]
    (folder / "doc.txt").write_bytes(TEXT.encode("utf-16"))
    with pytest.raises(InputError, match=r"doc\.txt: is UTF-16 \(or UTF-32\) text"):
        list(brat.read(folder))
    (folder / "doc.txt").unlink()
    os.mkfifo(folder / "doc.txt")
    with pytest.raises(InputError, match=r"doc\.ann: its text doc\.txt is a named pipe, not a file"):
        list(brat.read(folder))


def test_folder_without_ann(tmp_path):
    with pytest.raises(InputError, match="no .ann files"):
        list(brat.read(tmp_path))


def test_two_annotators_need_the_polnear_layout(tmp_path):
    records = list(brat.read(polnear_folder(tmp_path / "dev")))
    with pytest.raises(OutputError, match=r"two records for .*\.ann .*--layout polnear"):
        export(records, "brat", tmp_path / "flat")
    assert not (tmp_path / "flat").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["dev"]  # no staging folder left behind


def test_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(OutputError, match="exists and is not an empty folder"):
        export([rich_record()], "brat", tmp_path / "out")
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


def test_the_current_folder_is_refused_in_one_line(tmp_path, monkeypatch):
    """`-o .` in an empty folder said "cannot write (Invalid argument)" (a rename over the folder one stands in)."""
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    with pytest.raises(OutputError, match=r"^E140 \.: is the current folder: name a new folder"):
        export([rich_record()], "brat", Path("."))
    assert list((tmp_path / "here").iterdir()) == []


@pytest.mark.parametrize("bad", ["../escape", ".hidden", "a/../../escape", "a//b", "a\\b", "a/.b"])
def test_ids_never_choose_where_files_go(tmp_path, bad):
    with pytest.raises(OutputError, match="cannot be a file name"):
        export([{**rich_record(), "id": bad}], "brat", tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_a_collection_of_folders_gives_each_document_its_path_as_id(tmp_path, seed_gold):
    """Two folders' doc.ann were two records with the id "doc" (eval and push then refused the file)."""
    flat = tmp_path / "flat"
    export(iter_records([seed_gold]), "brat", flat)
    nested = tmp_path / "nested"
    for sub in ("x", "y/z"):
        (nested / sub).mkdir(parents=True)
        for made in flat.iterdir():
            (nested / sub / made.name).write_bytes(made.read_bytes())
    seed_id = next(iter_records([seed_gold]))["id"]
    assert [r["id"] for r in brat.read(flat)] == [seed_id]  # a flat collection: ids as before
    assert [r["id"] for r in brat.read(nested)] == [f"x/{seed_id}", f"y/z/{seed_id}"]
    spans_of = lambda r: [[a[role] for role in ("source", "cue", "content")] for a in r["attributions"]]  # noqa: E731
    for layout in brat.LAYOUTS:  # and back: an id with "/" is written where reading found it (it was refused)
        export(brat.read(nested), "brat", tmp_path / layout, layout=layout)
        assert [(r["id"], spans_of(r)) for r in brat.read(tmp_path / layout)] == [(r["id"], spans_of(r)) for r in brat.read(nested)]
    assert (tmp_path / "polnear" / "y" / "z" / "text" / f"{seed_id}.txt").is_file()


@pytest.mark.parametrize("layout", ["brat", "polnear"])
def test_an_id_whose_folder_ends_in_ann_is_read_back(tmp_path, layout):
    """`2024.ann/doc` was written into a folder 2024.ann, which reading took for an .ann file: "no text for it"."""
    record = {"id": "2024.ann/doc", "text": "Bob said yes.", "meta": {}, "attributions": [
        {"id": "a1", "kind": "indirect", "source": [fragment("Bob said yes.", 0, 3)], "cue": [fragment("Bob said yes.", 4, 8)],
         "content": [fragment("Bob said yes.", 9, 12)]}]}
    export([record], "brat", tmp_path / "out", layout=layout)
    (back,) = brat.read(tmp_path / "out")
    assert back["id"] == "2024.ann/doc" and [a["content"] for a in back["attributions"]] == [[fragment(record["text"], 9, 12)]]


def test_an_id_that_is_a_folder_of_another_is_refused_naming_the_output(tmp_path):
    """Ids `x.txt/y` then `x`: E100 named a file in the hidden staging folder, gone by then, as an input."""
    records = [make_record(doc_id, "Bob said yes.", []) for doc_id in ("x.txt/y", "x")]
    with pytest.raises(OutputError, match=re.escape(f"{tmp_path / 'out'}: record 'x': x.txt is a folder already, made "
                                                    "for an id with '/'")):
        export(records, "brat", tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_line_break_at_a_spans_edge_is_said_to_be_left_out(tmp_path):
    """brat's fragments hold no line break: a content ending in CRLF came back two characters shorter, and exact match
    (which trims) did not see it, nor did anything say it."""
    text = "He said that it works\r\nand more."
    content = fragment(text, 8, 23)
    record = make_record("t", text, [{"id": "a1", "kind": "indirect", "source": [fragment(text, 0, 2)],
                                      "cue": [fragment(text, 3, 7)], "content": [content]}])
    said: list[str] = []
    brat.write([record], tmp_path / "out", notice=said.append)
    assert said == ["1 span started or ended with a line break, which brat's fragments leave out: read back, their "
                    "offsets move in (first: record 't', $.attributions[0].content[0])"]
    (back,) = brat.read(tmp_path / "out")
    assert back["attributions"][0]["content"] == [fragment(text, 8, 21)]  # as said
    said.clear()
    brat.write([make_record("u", "He said it.", [])], tmp_path / "other", notice=said.append)
    assert said == []
    text = "Lee spoke.\nHe said no."  # a referent ending in a line break comes back without it: said too
    he = text.index("He")
    referred = make_record("v", text, [{"id": "a1", "kind": "indirect", "source": [fragment(text, he, he + 2)],
                                        "cue": [fragment(text, he + 3, he + 7)], "content": [fragment(text, he + 8, he + 10)],
                                        "source_entity": fragment(text, 0, 11)}])
    brat.write([referred], tmp_path / "referent", notice=said.append)
    assert said == ["1 span started or ended with a line break, which brat's fragments leave out: read back, their "
                    "offsets move in (first: record 'v', $.attributions[0].source_entity)"]


def test_a_byte_order_mark_before_the_first_ann_line_is_not_an_annotation(tmp_path):
    bom = broken(tmp_path, "\ufeffT1\tContent 0 5\tMayor\nE1\tAttribution:T1 Content:T1\n")
    (record,) = brat.read(bom)
    assert [(f["start"], f["end"]) for f in record["attributions"][0]["content"]] == [(0, 5)]


def test_the_polnear_layout_refuses_names_it_would_read_back_as_another_record(tmp_path):
    """a_1 by annotator 2 is attributions/a_1_2.ann, which import read as the text of record a_1_2."""
    text = "Bob said it rained."
    records = [make_record(doc_id, text, [], provenance={"annotator": who}) for doc_id, who in (("a_1", 2), ("a_1_2", 3))]
    with pytest.raises(OutputError, match=r"record 'a_1': in PolNeAR's layout its annotation file attributions/a_1_2\.ann "
                                          "would be read back as another record's"):
        export(records, "brat", tmp_path / "out", layout="polnear")
    assert not (tmp_path / "out").exists()
    # an annotator with "_": doc by anna_b is doc_anna_b.ann, read back as doc_anna's by b (doc was lost)
    clash = [make_record("doc", text, [], provenance={"annotator": "anna_b"}), make_record("doc_anna", text, [])]
    with pytest.raises(OutputError, match="record 'doc': in PolNeAR's layout its annotation file"):
        export(clash, "brat", tmp_path / "clash", layout="polnear")
    export(clash[:1], "brat", tmp_path / "alone", layout="polnear")
    assert [(r["id"], r["provenance"]) for r in brat.read(tmp_path / "alone")] == [("doc", {"annotator": "anna_b"})]
    export(records[:1], "brat", tmp_path / "one", layout="polnear")  # alone, a_1's file is read back as a_1's
    assert [(r["id"], r["provenance"]) for r in brat.read(tmp_path / "one")] == [("a_1", {"annotator": "2"})]


def test_a_file_of_a_folder_output_that_cannot_be_written_is_named_where_it_was_going(tmp_path, monkeypatch):
    """A full disk while brat files were written named the hidden staging folder (.out.1234.x8k2.part/a.ann), a
    path the user never asked for and that is gone once the run ends. (The full disk is faked at open.)"""
    from attrib.errors import OutputError
    from attrib.formats import outdir

    out = tmp_path / "out.brat"

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match=rf"^E140 {out}/sub/a\.ann: cannot write \(No space left on device\)$"):
        with outdir.staged_dir(out) as staging:
            monkeypatch.setattr("builtins.open", full)
            outdir.write_text(staging / "sub" / "a.ann", "T1\tSource 0 3\tBob\n")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_two_documents_whose_polnear_file_names_collide_get_the_advice_that_helps(tmp_path):
    """`a_b` by `c` and `a` by `b_c` both make attributions/a_b_c.ann: the message advised --choose each_latest,
    which cannot help two documents."""
    text = "She said so."
    records = [dict(make_record("a_b", text, []), provenance={"annotator": "c"}),
               dict(make_record("a", text, []), provenance={"annotator": "b_c"})]
    with pytest.raises(OutputError, match=r"record 'a': in PolNeAR's layout its annotation file attributions/a_b_c\.ann "
                                          r"would be read back as another record's"):
        export(records, "brat", tmp_path / "out", layout="polnear")
    assert not (tmp_path / "out").exists()


def test_a_text_field_is_compared_word_for_word_in_whole_strings():
    """The .ann's text field and the text are compared as str.split() would (whitespace aside), without a list of
    every word: a 90 MB field took 2.7 GB. A field that differs is quoted short."""
    import sys

    from hypothesis import given, settings, strategies as st

    from attrib.validation.spans import SPACES, words

    assert set(SPACES) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(["a", "b", "é", " ", "   ", "\t", "\xa0", "\u3000", "\x1c", "\u200b"])))
    def same_as_split(pieces):
        text = "".join(pieces)
        assert words(text) == " ".join(text.split())

    same_as_split()
    text = "hi " * 1000
    with pytest.raises(OffsetError) as caught:
        brat.parse_ann(f"T1\tContent 0 {len(text) - 1}\t{'ho ' * 1000}\nE1\tAttribution:T1 Content:T1\n", text, "a.ann")
    assert len(str(caught.value)) < 600 and "T1 says 'ho ho" in str(caught.value)


def test_a_folder_holding_both_layouts_is_refused_not_read_as_two_records_of_one_id(tmp_path):
    """x.txt + x.ann beside text/x.txt + attributions/x.ann (PolNeAR's layout) gave two records with the id "x" and
    different texts, exit 0; validate then said V701 and eval refused the file."""
    ann = "T1\tSource 0 9\tOfficials\nT2\tCue 10 14\tsaid\nT3\tContent 15 23\tthe plan\nE1\tAttribution:T2 Source:T1 Cue:T2 Content:T3\n"
    folder = tmp_path / "f"
    for txt, ann_path, text in ((folder / "text" / "x.txt", folder / "attributions" / "x.ann", "Officials said the plan failed.\n"),
                                (folder / "x.txt", folder / "x.ann", "Officials said the plan worked!\n")):
        for path, content in ((txt, text), (ann_path, ann)):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"{folder / 'x.ann'}: document 'x' again, first from "
                                                   f"{folder / 'attributions' / 'x.ann'} (a folder holding both layouts?)")):
        list(brat.read(folder))


@pytest.mark.parametrize("ends", ["\n", "\r\n", "\r", "\r\n\n\r"])
def test_an_ann_line_is_numbered_as_written_whatever_ends_the_lines_before_it(tmp_path, ends):
    """The lines are read one at a time now (a list of all of them took 9 times the file's size); blank lines, CR,
    LF and CRLF each still count."""
    lines = ["T1\tContent 0 5\tMayor", "", "#note", "T2\tCue 16 17\tX"]
    bad = ends.join(lines) + ends
    blank = ends.count("\n") + ends.count("\r") - ends.count("\r\n") - 1  # the blank lines each `ends` makes
    with pytest.raises(OffsetError, match=rf"doc\.ann:{4 + 3 * blank}: T2 says 'X'"):
        list(brat.read(broken(tmp_path, bad)))
