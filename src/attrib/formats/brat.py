"""`brat`: standoff `.txt` + `.ann` per document, in PolNeAR's annotation layout, and reading brat back.

One attribution is one brat event, written the way PolNeAR's release writes it:

    T1	Source 89 106	The New York Post
    T2	Cue 107 114	reports
    T3	Content 115 290	that Hillary Clinton’s team avoided ...
    T4	Attribution 107 114	reports
    E1	Attribution:T4 Content:T3 Cue:T2 Source:T1

Each role is one text-bound annotation whose fragments are joined by `;` (`Content 315 448;463 553`),
the event's trigger repeats the cue (the content when there is no cue), and a source shared by several
attributions is one T line. A fragment that runs over a line break is split there, as brat itself
does (`Content 0 20;22 40`: no span holds a line break, and the text field, the fragments joined by a
space, tabs flattened to spaces, is exactly what brat shows). Reading splits a span over a line break
the same way, so a file in the older form (one span, a space for the break in its text field) reads
as brat's own. Offsets are the truth.

Layout "brat" (the default) is a collection brat opens as is: `<id>.txt`, `<id>.ann` and an
annotation.conf. It adds what PolNeAR lacks: `A Kind E1 direct` on each event, `SourceType` on a
source (on the event of an attribution without one), and for a pronoun source a `Referent` span with a
`RefersTo` relation. Layout "polnear" is
PolNeAR's release tree, `text/<id>.txt` and `attributions/<id>_<annotator>.ann`, with no additions.
Both drop confidences, attribution ids, meta, generator and provenance (bar the annotator in the polnear
file name); "polnear" also drops kind (re-inferred from quote marks on reading), source type and referent.
A span is cut at its line breaks, which no fragment keeps: at its start or end too, where its offsets move in
(`write` tells its `notice` how many and where the first is).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..counts import amount
from ..errors import InputError, OffsetError, OutputError, shorten
from ..jsonio import not_a_file, open_binary, walk
from ..records import KINDS, ROLES, SOURCE_TYPES, check_fragment, covered, fragment, infer_kind, make_record, name_text
from ..validation.spans import same_but_whitespace
from .outdir import safe_name, staged_dir, write_text

ROLE_TYPES = {"source": "Source", "cue": "Cue", "content": "Content"}
ROLE_OF_TYPE = {t: role for role, t in ROLE_TYPES.items()}
EVENT = "Attribution"  # the event type, and the type of its trigger span
KIND, SOURCE_TYPE, REFERENT, REFERS_TO = "Kind", "SourceType", "Referent", "RefersTo"
LAYOUTS = ("brat", "polnear")
KNOWN_TYPES = (*ROLE_OF_TYPE, REFERENT, EVENT)  # the span types read; others (PolNeAR's Discard, ...) are left out
KNOWN_TYPES_FOLDED = {t.casefold() for t in KNOWN_TYPES}
# read: what each may be on, and its values (a source type of an attribution without a source is on its event)
ATTRIBUTES = {KIND: ((EVENT,), KINDS), SOURCE_TYPE: ((ROLE_TYPES["source"], EVENT), SOURCE_TYPES)}

ANNOTATION_CONF = f"""\
# attrib's attribution scheme for brat: PolNeAR's (Source, Cue, Content in an Attribution event)
# plus the kind of each attribution, the type of a source and the entity a pronoun source refers to.
[entities]
{ROLE_TYPES["source"]}
{ROLE_TYPES["cue"]}
{ROLE_TYPES["content"]}
{REFERENT}

[relations]
{REFERS_TO} Arg1:{ROLE_TYPES["source"]}, Arg2:{REFERENT}

[events]
{EVENT} Source?:{ROLE_TYPES["source"]}, Cue?:{ROLE_TYPES["cue"]}, Content:{ROLE_TYPES["content"]}

[attributes]
{KIND} Arg:{EVENT}, Value:{"|".join(KINDS)}
{SOURCE_TYPE} Arg:{ROLE_TYPES["source"]}|{EVENT}, Value:{"|".join(SOURCE_TYPES)}
"""

_FLAT = str.maketrans("\t\n\r", "   ")
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")  # what str.splitlines splits at


def _span_key(frags: list[dict]) -> tuple:
    return tuple((f["start"], f["end"]) for f in frags)


def _text_field(text: str, frags: list[dict]) -> str:
    return " ".join(text[f["start"]:f["end"]] for f in frags).translate(_FLAT)


def split_at_line_breaks(text: str, frags: list[dict]) -> list[dict]:
    """The fragments cut at every line break in them, the breaks (and pieces of whitespace between two
    breaks) left out: brat's way with a span over several lines, and so PolNeAR's."""
    pieces = []
    for frag in frags:
        start, cut = frag["start"], []
        for found in _LINE_BREAKS.finditer(text, frag["start"], frag["end"]):
            cut.append((start, found.start()))
            start = found.end()
        cut.append((start, frag["end"]))
        kept = [(s, e) for s, e in cut if s < e and (len(cut) == 1 or text[s:e].strip())]
        pieces += [fragment(text, s, e) for s, e in kept]
    return pieces


class _Ann:
    """An .ann file under construction: numbered lines, and T lines shared by key."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: list[str] = []
        self.numbers: Counter[str] = Counter()
        self.shared: dict[tuple, str] = {}

    def add(self, prefix: str, body: str) -> str:
        self.numbers[prefix] += 1
        ident = f"{prefix}{self.numbers[prefix]}"
        self.lines.append(f"{ident}\t{body}")
        return ident

    def span(self, label: str, frags: list[dict], key: tuple | None = None) -> str:
        if key is not None and key in self.shared:
            return self.shared[key]
        frags = split_at_line_breaks(self.text, frags)
        spans = ";".join(f"{f['start']} {f['end']}" for f in frags)
        tid = self.add("T", f"{label} {spans}\t{_text_field(self.text, frags)}")
        if key is not None:
            self.shared[key] = tid
        return tid


def ann_lines(record: dict, extras: bool = True) -> list[str]:
    """The .ann lines of one record; `extras` adds Kind, SourceType and referents (the "brat" layout)."""
    ann = _Ann(record["text"])
    for i, attr in enumerate(record.get("attributions") or []):
        frags = {role: sorted(attr.get(role) or [], key=lambda f: (f["start"], f["end"])) for role in ROLES}
        # a span of line breaks only is nothing in brat (its pieces between the breaks are empty): no T line
        frags = {role: found if split_at_line_breaks(record["text"], found) else [] for role, found in frags.items()}
        if not frags["content"]:  # an event without one is what annotation.conf forbids and reading refuses
            raise InputError(f"record {record['id']}: $.attributions[{i}].content: an attribution needs a content "
                             "fragment (in brat, one that is more than line breaks)")
        entity = attr.get("source_entity") if extras else None
        if entity is not None and not record["text"][entity["start"]:entity["end"]].strip():
            # its T line would have no offsets, which reading refuses (validate reports the span: V205)
            raise InputError(f"record {record['id']}: $.attributions[{i}].source_entity: a referent of white space "
                             "only, which brat cannot hold")
        if entity is not None and not frags["source"]:  # RefersTo relates a source: it was left out unsaid
            raise InputError(f"record {record['id']}: $.attributions[{i}].source_entity: a referent of an attribution "
                             "without a source, which brat cannot hold (its RefersTo starts at the source)")
        source_type = attr.get("source_type") if extras else None
        key = ("source", _span_key(frags["source"]), source_type, entity and _span_key([entity]))
        new_source = bool(frags["source"]) and key not in ann.shared
        args = {}
        for role in ROLES:
            if frags[role]:
                args[role] = ann.span(ROLE_TYPES[role], frags[role], key if role == "source" else None)
        trigger = ann.span(EVENT, frags["cue"] or frags["content"])
        event_args = sorted(f"{ROLE_TYPES[role]}:{tid}" for role, tid in args.items())
        event = ann.add("E", " ".join([f"{EVENT}:{trigger}", *event_args]))
        if extras and attr.get("kind") is not None:
            ann.add("A", f"{KIND} {event} {attr['kind']}")
        if new_source and source_type is not None:
            ann.add("A", f"{SOURCE_TYPE} {args['source']} {source_type}")
        elif not frags["source"] and source_type is not None:  # ("It was said that…": anonymous) was left out unsaid
            ann.add("A", f"{SOURCE_TYPE} {event} {source_type}")
        if new_source and entity is not None:
            referent = ann.span(REFERENT, [entity], ("referent", _span_key([entity])))
            ann.add("R", f"{REFERS_TO} Arg1:{args['source']} Arg2:{referent}")
    return ann.lines


def _paths(root: Path, record: dict, layout: str) -> tuple[Path, Path, str | None]:
    """The .txt and .ann of a record, and the annotator in the .ann's name. An id with `/` is a path in a collection
    of folders (`sub/x`, as reading one gives it), each part a file name."""
    what = f"record {shorten(record['id'], 40)!r}"
    *folders, name = [safe_name(part, what) for part in record["id"].split("/")]
    here = root.joinpath(*folders)
    if layout == "brat":
        return here / f"{name}.txt", here / f"{name}.ann", None
    who = (record.get("provenance") or {}).get("annotator")
    who = None if who is None else safe_name(str(who), f"annotator of record {name!r}")
    return here / "text" / f"{name}.txt", here / "attributions" / f"{name if who is None else f'{name}_{who}'}.ann", who


def polnear_owner(stem: str, is_text: Callable[[str], bool]) -> tuple[str, str | None] | None:
    """Whose annotation an .ann named `stem` is in PolNeAR's layout: the text of that name (no annotator), else the
    longest text name before a `_` in it, and the annotator after; None when no text fits."""
    if is_text(stem):
        return stem, None
    for cut in reversed([i for i, c in enumerate(stem) if c == "_"]):
        if is_text(stem[:cut]):
            return stem[:cut], stem[cut + 1:]
    return None


def _read(path: Path) -> str:
    with open_binary(path) as handle:  # a file in UTF-16 is named so
        data = handle.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-8 (byte {exc.start})") from None


def edge_breaks(record: dict, extras: bool = True) -> Iterator[str]:
    """Where a span of `record` starts or ends with a line break, which brat's fragments leave out: its offsets move
    in on the way back (exact match, which trims, does not see it). `extras`: referents too (the "brat" layout)."""
    text = record["text"]
    for i, attr in enumerate(record.get("attributions") or []):
        spans = [(f"{role}[{j}]", frag) for role in ROLES for j, frag in enumerate(attr.get(role) or [])]
        if extras and attr.get("source_entity") is not None:
            spans.append(("source_entity", attr["source_entity"]))
        for path, frag in spans:
            if _LINE_BREAKS.fullmatch(text[frag["start"]]) or _LINE_BREAKS.fullmatch(text[frag["end"] - 1]):
                yield f"record {record['id']!r}, $.attributions[{i}].{path}"


def write(records: Iterable[dict], out: Path, layout: str = "brat",
          notice: Callable[[str], None] | None = None) -> list[Path]:
    """One .txt and one .ann per record under the folder `out`, laid out as `layout` says; `notice` is told of the
    spans whose line breaks at an edge are left out."""
    if layout not in LAYOUTS:
        raise InputError(f"unknown brat layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    texts: set[Path] = set()  # PolNeAR's layout: each text, and whose each .ann must read back as
    owners: list[tuple[Path, str, str | None, str]] = []
    written: dict[Path, tuple[str, str | None]] = {}  # each .ann: the document and annotator it was written for
    moved, first_moved = 0, None  # spans with a line break at an edge: how many, and where the first is
    with staged_dir(out) as root:
        if layout == "brat":
            write_text(root / "annotation.conf", ANNOTATION_CONF)
        for record in records:
            txt, ann, who = _paths(root, record, layout)
            if layout != "brat":
                texts.add(txt)
                owners.append((ann, txt.stem, who, record["id"]))
            if layout != "brat" and written.get(ann, (txt.stem, who)) != (txt.stem, who):
                raise _clash(out, record["id"], ann.relative_to(root))  # another document's name, '_' and annotator
            written[ann] = (txt.stem, who)
            try:
                folder, taken = next((path for path in (txt, ann) if path.is_dir()), None), ann.exists()
            except OSError as exc:  # an id of many parts: a path longer than the system takes (Path raises)
                raise OutputError(f"{out}: record {shorten(record['id'], 60)!r}: cannot write its files "
                                  f"({exc.strerror})") from None
            if folder:  # it named the staging folder
                raise OutputError(f"{out}: record {record['id']!r}: {folder.relative_to(root)} is a folder already, "
                                  "made for an id with '/': give the two records ids that are not each other's paths")
            if taken:
                raise OutputError(f"{out}: two records for {ann.relative_to(root)} (id {record['id']!r}" + (
                    ", several annotators?): keep one version of each document (a Label Studio export: --choose latest), "
                    "or use --layout polnear (a file per annotator)" if layout == "brat" else
                    ", one annotator): keep one version of each document and annotator (a Label Studio export: "
                    "--choose each_latest)"))
            if not txt.exists():
                write_text(txt, record["text"])
            elif _read(txt) != record["text"]:
                raise OutputError(f"{out}: records with id {record['id']!r} have different texts")
            write_text(ann, "".join(line + "\n" for line in ann_lines(record, extras=layout == "brat")))
            for place in edge_breaks(record, extras=layout == "brat"):
                moved, first_moved = moved + 1, first_moved or place
        for ann, name, who, record_id in owners:  # once every text is known: a later one can take an earlier .ann
            texts_here = ann.parent.parent / "text"
            if polnear_owner(ann.stem, lambda stem: texts_here / f"{stem}.txt" in texts) != (name, who):
                raise _clash(out, record_id, ann.relative_to(root))
    if moved and notice is not None:
        notice(f"{amount(moved, 'span')} started or ended with a line break, which brat's fragments leave out: read "
               f"back, their offsets move in (first: {first_moved})")
    return [out]


def _clash(out: Path, record_id: str, ann: Path) -> OutputError:
    return OutputError(f"{out}: record {record_id!r}: in PolNeAR's layout its annotation file {ann} would be read "
                       "back as another record's (an id that is another's id, '_' and an annotator): use --layout "
                       "brat, or ids and annotators without '_'")


def _offset(digits: str) -> int:
    """A brat offset: ASCII digits only (int() also takes `+10`, `1_0` and `١٠`, which no brat tool writes)."""
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(digits)
    return int(digits)


def _fields(line: str, where: str, count: int) -> list[str]:
    """`ID<TAB>rest`: the id and the rest split on whitespace, at least `count` items in all."""
    ident, _, rest = line.partition("\t")
    items = [ident, *rest.split()]
    if len(items) < count:
        raise InputError(f"{where}: not a brat annotation line: {line!r}")
    return items


_ANN_LINE = re.compile(r"[^\r\n]+")  # an .ann's lines: its text fields hold no CR or LF (_FLAT)


def _lines(content: str) -> Iterator[tuple[int, str]]:
    """The lines of an .ann that hold something, with their numbers (a CR alone ends one too), one at a time: a list
    of all of them took 9 times the file's size (200 MB of blank lines: 1.8 GB)."""
    number, last = 1, 0
    for line in _ANN_LINE.finditer(content):
        start = line.start()
        number += content.count("\n", last, start) + content.count("\r", last, start) - content.count("\r\n", last, start)
        yield number, line.group()
        last = start


def parse_ann(content: str, text: str, where: str) -> list[dict]:
    """The attributions of one .ann file over `text`: its Attribution events, in file order.

    Reads T lines typed Source, Cue, Content, Referent and Attribution, `Attribution` events (other
    argument roles are ignored), Kind and SourceType attributes and RefersTo relations; other
    annotation types (PolNeAR's Discard, Discuss, notes) are left out. Raises InputError for a line
    it cannot read and OffsetError when a span does not fit the text or covers other words than the
    line says (whitespace aside).
    """
    spans: dict[str, list[dict]] = {}
    types: dict[str, tuple[str, str]] = {}  # span id -> its type, and where it was defined
    events: list[tuple[str, list[str], str]] = []
    attributes: dict[str, dict[str, str]] = {}
    targets: list[tuple[str, str, str]] = []  # (attribute, its target, where) of the attributes attrib reads
    defined: dict[str, str] = {}  # every event's, relation's and attribute's id, and where (the spans' are in `types`)
    refers: dict[str, str] = {}
    relations: list[tuple[str, list[str], str]] = []  # the RefersTo relations: (id, its two ends, where)
    for number, line in _lines(content):
        at = f"{where}:{number}"
        if line.startswith("T"):
            if "\t" not in line:  # `T5 Cue 10 14 said` was read as a span of no type, and blamed on the event using it
                raise InputError(f"{at}: not a brat text-bound annotation (ID, type and offsets, text: tab-separated): "
                                 f"{shorten(line, 80)!r}")
            ident, rest = line.split("\t", 1)
            head, _, field = rest.partition("\t")
            label, _, offsets = head.partition(" ")
            if ident in types:
                raise InputError(f"{at}: {ident} is defined a second time (first at {types[ident][1]})")
            types[ident] = (label, at)
            if label not in KNOWN_TYPES:
                if label.casefold() in KNOWN_TYPES_FOLDED:  # read as another type, the file gave no attribution at all
                    raise InputError(f"{at}: {ident} is typed {label!r}: brat types are case-sensitive, and attrib reads "
                                     f"{', '.join(KNOWN_TYPES)}")
                continue
            try:
                pairs = [tuple(map(_offset, piece.split())) for piece in offsets.split(";")]
                frags = [fragment(text, start, end) for start, end in pairs]
            except ValueError:
                raise InputError(f"{at}: not a brat text-bound annotation: {line!r}") from None
            for frag in frags:
                check_fragment(text, frag, f"{at} ({ident})")
            if not same_but_whitespace(field, _text_field(text, frags)):  # e.g. no-break spaces
                raise OffsetError(f"{at}: {ident} says {shorten(field, 200)!r} but the text there is "
                                  f"{shorten(_text_field(text, frags), 200)!r}: "
                                  "is this the .txt it was annotated on?")
            spans[ident] = split_at_line_breaks(text, frags)
        elif line.startswith("E"):
            ident, *args = _fields(line, at, 2)
            _define(defined, ident, at)
            if bad := next((arg for arg in args if not arg.partition(":")[2]), None):
                raise InputError(f"{at}: {ident}'s argument {bad!r} is not ROLE:ID")
            if args[0].partition(":")[0] == EVENT:
                events.append((ident, args, at))
        elif line.startswith(("A", "M")):
            ident, name, target, *values = _fields(line, at, 3)
            _define(defined, ident, at)
            value, given = values[0] if values else "", attributes.setdefault(target, {})
            if given.get(name, value) != value:
                raise InputError(f"{at}: {target} is given {name} {value!r} after {given[name]!r}")
            given[name] = value
            if (read := ATTRIBUTES.get(name)) is not None:
                targets.append((name, target, at))
                if value not in read[1]:  # a source type was written as given, and validate refused it (V103)
                    raise InputError(f"{at}: {target} has {name} {value!r}, not one of {', '.join(read[1])}")
        elif line.startswith("R"):
            ident, label, *args = _fields(line, at, 4)
            _define(defined, ident, at)
            ends = dict(arg.partition(":")[::2] for arg in args)
            if len(ends) < len(args):  # the last one was kept
                raise InputError(f"{at}: {ident} names an argument twice: {shorten(line, 80)!r}")
            if label == REFERS_TO:
                refers[ends.get("Arg1", "")] = ends.get("Arg2", "")
                relations.append((ident, [ends.get("Arg1", ""), ends.get("Arg2", "")], at))
        elif line.strip() and not line.startswith(("#", "N", "*")):  # notes, normalizations, equivalences aside
            raise InputError(f"{at}: not a brat annotation line: {shorten(line, 80)!r}")  # it was left out unsaid
    attribution_events = {ident for ident, _, _ in events}
    for name, target, at in targets:  # a kind or source type whose annotation is missing would be dropped unsaid
        if target not in types and target not in defined:
            raise InputError(f"{at}: {name} is given to {target}, which is not defined in the file")
        wanted = ATTRIBUTES[name][0]
        if (types[target][0] if target in types else EVENT if target in attribution_events else None) not in wanted:
            named = " or ".join(f"{kind} {'event' if kind == EVENT else 'span'}" for kind in wanted)
            raise InputError(f"{at}: {name} is given to {target}, which is no {named}: attrib would leave it out")
    for ident, ends, at in relations:
        if missing := next((end for end in ends if end not in types), None):
            raise InputError(f"{at}: {ident} relates {missing or 'nothing'}, which is no span defined in the file")
    made = (_attribution(f"a{i}", event, spans, types, attributes, refers, text) for i, event in enumerate(events))
    return covered(text, made, where)


def _define(defined: dict[str, str], ident: str, at: str) -> None:
    """Note where `ident` is defined: a second definition is refused, as a T id's is (which one would count?)."""
    if ident in defined:
        raise InputError(f"{at}: {ident} is defined a second time (first at {defined[ident]})")
    defined[ident] = at


def _attribution(aid: str, event: tuple, spans: dict, types: dict, attributes: dict, refers: dict, text: str) -> dict:
    ident, args, at = event
    attr: dict = {"id": aid, "kind": None, "source": [], "cue": [], "content": []}
    sources = []
    taken: set[str] = set()  # a span given twice adds its fragments once: 20,000 repeats of one took 2.8 GB
    trigger = args[0].partition(":")[2]
    if trigger not in types:
        raise InputError(f"{at}: {ident}'s trigger {trigger} is not a span defined in the file")
    for arg in args[1:]:
        role_type, _, tid = arg.partition(":")
        role = ROLE_OF_TYPE.get(role_type.rstrip("0123456789"))
        if role is None:
            continue
        if tid not in spans or types[tid][0] != role_type.rstrip("0123456789"):
            raise InputError(f"{at}: {ident} has argument {arg} but no {role_type.rstrip('0123456789')} span {tid} "
                             "is defined")
        if tid in taken:
            continue
        taken.add(tid)
        attr[role].extend(spans[tid])
        if role == "source":
            sources.append(tid)
    for role in ROLES:
        attr[role] = sorted({(f["start"], f["end"]): f for f in attr[role]}.values(), key=lambda f: (f["start"], f["end"]))
    if not attr["content"]:
        raise InputError(f"{at}: {ident} has no Content argument")
    kind = attributes.get(ident, {}).get(KIND)
    attr["kind"] = kind or infer_kind(text, attr["content"])
    referent = next((refers[s] for s in sources if s in refers), None)
    if referent is not None and (referent not in spans or types[referent][0] != REFERENT):
        raise InputError(f"{at}: the source of {ident} refers to {referent}, which is not a {REFERENT} span")
    # one span, cut at line breaks when written: whole again from its first start to its last end
    attr["source_entity"] = (fragment(text, spans[referent][0]["start"], spans[referent][-1]["end"])
                             if referent is not None else None)
    source_type = next((attributes[s][SOURCE_TYPE] for s in sources if SOURCE_TYPE in attributes.get(s, {})),
                       attributes.get(ident, {}).get(SOURCE_TYPE))  # on the event: an attribution without a source
    if source_type is not None:
        attr["source_type"] = source_type
    return attr


def _text_of(ann: Path, folder: Path) -> tuple[Path, str, str | None]:
    """The .txt of an .ann, the document id and the annotator: `x.ann` beside `x.txt` (brat), or
    PolNeAR's `attributions/<id>_<annotator>.ann` with `text/<id>.txt`. The id is the path below `folder`
    (`x`, or `sub/x` in a collection of folders: two folders' `x.ann` are two documents)."""
    beside = ann.with_suffix(".txt")
    if beside.is_file():
        return beside, ann.relative_to(folder).with_suffix("").as_posix(), None
    texts = ann.parent.parent / "text"
    if ann.parent.name == "attributions" and texts.is_dir():
        tree = ann.parent.parent.relative_to(folder)
        owner = polnear_owner(ann.stem, lambda stem: (texts / f"{stem}.txt").is_file())
        if owner is not None:
            return texts / f"{owner[0]}.txt", (tree / owner[0]).as_posix(), owner[1]
    if beside.exists() or beside.is_symlink():
        raise InputError(f"{ann}: its text {beside.name} is {not_a_file(beside)}, not a file")
    raise InputError(f"{ann}: no text for it: looked for {beside.name} beside it and for text/<id>.txt (PolNeAR layout)")


def _ann_files(folder: Path) -> list[Path]:
    """The .ann files under `folder` (linked folders are not entered), sorted; a folder named so is a folder (an id
    `2024.ann/doc` is written into one). A folder inside it that cannot be read is an error: its documents were left
    out without a word."""
    def unreadable(exc: OSError) -> None:
        raise InputError(f"{exc.filename}: cannot read the folder ({exc.strerror}): its documents would be left out")

    return sorted(Path(here) / name for here, folders, files in walk(folder, onerror=unreadable)
                  for name in files if name.endswith(".ann"))


def read(folder: str | Path) -> Iterator[dict]:
    """attrib records from every .ann under `folder` (either layout), in path order, one per .ann."""
    folder = Path(folder)
    try:
        if not folder.is_dir():
            raise InputError(f"{folder}: not a folder")
    except OSError as exc:  # a name longer than the system takes: Path raises (Python 3.11)
        raise InputError(f"{folder}: cannot open ({exc.strerror})") from None
    anns = _ann_files(folder)
    if not anns:
        raise InputError(f"{folder}: no .ann files in it")
    first: dict[tuple[str, str | None], Path] = {}  # (document, annotator) -> its .ann
    for ann in anns:
        try:
            txt, doc_id, who = _text_of(ann, folder)
            doc_id, who = name_text(doc_id), who if who is None else name_text(who)
        except OSError as exc:  # Path.is_file() on a folder that cannot be searched raises (a traceback)
            raise InputError(f"{exc.filename or ann}: cannot open ({exc.strerror})") from None
        if (earlier := first.setdefault((doc_id, who), ann)) is not ann:  # both layouts in one folder: two records
            raise InputError(f"{ann}: document {doc_id!r}{f' by {who!r}' if who else ''} again, first from {earlier} "
                             "(a folder holding both layouts?): import them apart")  # of one id, and exit 0
        text = _read(txt)
        attributions = parse_ann(_read(ann).removeprefix("\ufeff"), text, str(ann))  # a BOM is no annotation
        provenance = None if who is None else {"annotator": who}
        yield make_record(doc_id, text, attributions, provenance=provenance)
