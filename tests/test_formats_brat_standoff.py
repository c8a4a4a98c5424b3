"""brat's standoff format, checked strictly on what attrib writes: every line well formed, every id
defined once and every reference to one that is, every type declared in annotation.conf, offsets in
the text, no span over a line break (brat splits such a span into fragments), and a text field that
is exactly the spans' text joined by spaces. On every PolNeAR dev document, in both layouts, and back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from attrib.formats import brat, export
from attrib.records import ROLES, fragment, iter_records, make_record
from test_formats_brat import TEXT, at

LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$")
E_LINE = re.compile(r"^(E\d+)\t(\S+):(T\d+)((?: \S+:[TE]\d+)*)$")
A_LINE = re.compile(r"^(A\d+)\t(\S+) ([TE]\d+)(?: (\S+))?$")
R_LINE = re.compile(r"^(R\d+)\t(\S+) Arg1:(T\d+) Arg2:(T\d+)$")


def declared(conf: str) -> dict[str, dict]:
    """annotation.conf's entities, events (role -> types), attributes (name -> values), relations."""
    section, found = None, {"entities": {}, "events": {}, "attributes": {}, "relations": {}}
    for line in conf.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "entities":
            found["entities"][line] = True
        elif section == "events":
            name, args = line.split(None, 1)
            found["events"][name] = {role.rstrip("?*+"): types for role, types in
                                     (arg.strip().split(":") for arg in args.split(","))}
        elif section == "attributes":
            name, args = line.split(None, 1)
            values = dict(arg.strip().split(":") for arg in args.split(","))
            found["attributes"][name] = set(values["Value"].split("|"))
        elif section == "relations":
            found["relations"][line.split()[0]] = True
    return found


def check_standoff(ann: str, text: str, conf: dict, where: str) -> int:
    """Every problem of a .ann over `text` under `conf`, as an AssertionError; the number of T lines."""
    if not ann:  # a document without attributions
        return 0
    assert ann.endswith("\n") and "\r" not in ann, where
    types: dict[str, str] = {}
    references: list[tuple[str, str, str]] = []  # (line, referenced id, expected kind)
    for number, line in enumerate(ann[:-1].split("\n"), 1):
        at_line = f"{where}:{number}: {line!r}"
        if match := T_LINE.match(line):
            ident, label, offsets, field = match.groups()
            assert label in conf["entities"] or label in conf["events"], at_line
            pairs = [tuple(map(int, p.split())) for p in offsets.split(";")]
            assert all(0 <= s < e <= len(text) for s, e in pairs), at_line
            assert all(a[1] <= b[0] for a, b in zip(pairs, pairs[1:])), at_line  # ascending, not overlapping
            assert not any(LINE_BREAK.search(text[s:e]) for s, e in pairs), at_line
            assert field == " ".join(text[s:e] for s, e in pairs).replace("\t", " "), at_line
        elif match := E_LINE.match(line):
            ident, label, trigger, args = match.groups()
            assert label in conf["events"], at_line
            references.append((at_line, trigger, label))
            for arg in args.split():
                role, target = arg.split(":")
                allowed = conf["events"][label].get(role.rstrip("0123456789"))
                assert allowed is not None, at_line
                references.append((at_line, target, allowed))
        elif match := A_LINE.match(line):
            ident, name, target, value = match.groups()
            assert name in conf["attributes"] and value in conf["attributes"][name], at_line
            references.append((at_line, target, ""))
        elif match := R_LINE.match(line):
            ident, label, arg1, arg2 = match.groups()
            assert label in conf["relations"], at_line
            references += [(at_line, arg1, ""), (at_line, arg2, "")]
        else:
            raise AssertionError(f"not a brat standoff line: {at_line}")
        assert ident not in types, f"{at_line}: {ident} defined twice"
        types[ident] = label
    for at_line, target, kind in references:
        assert target in types, f"{at_line}: {target} is not defined"
        assert not kind or types[target] in kind.split("|"), f"{at_line}: {target} is a {types[target]}, not {kind}"
    return sum(1 for ident in types if ident.startswith("T"))


def check_folder(root: Path, layout: str) -> int:
    conf = declared(brat.ANNOTATION_CONF)
    spans = 0
    for ann in sorted(root.rglob("*.ann")):
        txt = ann.with_suffix(".txt") if layout == "brat" else root / "text" / f"{ann.stem}.txt"  # no annotator: gold
        spans += check_standoff(ann.read_bytes().decode(), txt.read_bytes().decode(), conf, str(ann))
    return spans


def roles(record: dict) -> list:
    return [{role: [(f["start"], f["end"]) for f in a[role]] for role in ROLES} for a in record["attributions"]]


def test_a_span_over_a_line_break_is_split_there_as_brat_does(tmp_path):
    start, end = TEXT.index("Budget"), at("decade.")[1]  # a content running over the CRLF
    across = {"start": start, "end": end, "text": TEXT[start:end]}
    record = {"id": "crlf", "text": TEXT, "attributions": [
        {"id": "a0", "kind": "mixed", "source": [], "cue": [], "content": [across], "source_entity": None}]}
    export([record], "brat", tmp_path / "out")
    first = (tmp_path / "out" / "crlf.ann").read_text(encoding="utf-8").split("\n")[0]
    crlf = TEXT.index("\r\n")
    assert first == f"T1\tContent {start} {crlf};{crlf + 2} {end}\t{TEXT[start:crlf]} {TEXT[crlf + 2:end]}"
    assert check_folder(tmp_path / "out", "brat") == 2  # the content and the event's trigger
    split = [{"start": start, "end": crlf, "text": TEXT[start:crlf]}, {"start": crlf + 2, "end": end, "text": TEXT[crlf + 2:end]}]
    [back] = brat.read(tmp_path / "out")
    assert back["attributions"][0]["content"] == split
    # the form attrib wrote before, one span over the line break with a space in its text, reads the same
    (tmp_path / "out" / "crlf.ann").write_bytes(
        f"T1\tContent {start} {end}\t{TEXT[start:end].replace(chr(13) + chr(10), '  ')}\n"
        f"E1\tAttribution:T1 Content:T1\n".encode())
    [old] = brat.read(tmp_path / "out")
    assert old["attributions"][0]["content"] == split


@pytest.mark.polnear
@pytest.mark.parametrize("layout", brat.LAYOUTS)
def test_every_polnear_dev_document_is_strict_standoff_and_reads_back(polnear_dev, tmp_path, layout):
    records = list(iter_records([polnear_dev]))
    export(records, "brat", tmp_path / "dev", layout=layout)
    assert check_folder(tmp_path / "dev", layout) > 2 * len(records)
    back = {r["id"]: r for r in brat.read(tmp_path / "dev")}
    assert sorted(back) == sorted(r["id"] for r in records)
    for record in records:  # PolNeAR was annotated in brat: its fragments stop at line breaks already
        assert roles(back[record["id"]]) == roles(record), record["id"]


def test_a_span_of_line_breaks_only_is_left_out_and_the_rest_round_trips(tmp_path):
    """A cue over "\\r\\n" alone passes validation; brat wrote it as a T line without offsets, which import refused."""
    text = 'He said\r\n"ok"\n'
    record = make_record("lb", text, [{"kind": "direct", "source": [fragment(text, 0, 2)], "cue": [fragment(text, 7, 9)],
                                       "content": [fragment(text, 9, 13)]}])
    out = tmp_path / "out"
    export([record], "brat", out)
    assert "Cue" not in (out / "lb.ann").read_text(encoding="utf-8")
    (back,) = brat.read(out)
    (attribution,) = back["attributions"]
    assert back["text"] == text and attribution["cue"] == []
    assert [(f["start"], f["end"]) for f in attribution["source"] + attribution["content"]] == [(0, 2), (9, 13)]
