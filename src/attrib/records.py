"""The record: one document and its attributions, the unit every attrib command reads and writes.

    {"id": "seed-000", "text": "...", "meta": {...},
     "attributions": [{"id": "a0", "kind": "direct", "confidence": 0.91,
                       "source": [{"start": 887, "end": 952, "text": "sources in ..."}],
                       "cue": [{"start": 953, "end": 957, "text": "told"}],
                       "content": [{"start": 534, "end": 886, "text": "“Huge ..."}],
                       "source_entity": null}]}

Offsets are Python code points into `text`, end exclusive, and every fragment carries the text it
covers, so `text[start:end] == fragment["text"]` always. `schemas/record.schema.json` is the contract.
The gold format of ../shared/data (`[s, e]` pairs plus `parts`) is read here too, and converted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator

from .counts import amount
from .errors import InputError, OffsetError, SchemaError, shorten, unlike
from .jsonsafe import json_type
from .lines import iter_lines

ROLES = ("source", "cue", "content")
KINDS = ("direct", "indirect", "mixed")
SOURCE_TYPES = ("named", "unnamed", "anonymous")
RECORD_KEYS = ("id", "text", "meta", "attributions", "generator", "provenance")

Span = tuple[int, int]


def fragment(text: str, start: int, end: int) -> dict:
    """A fragment of `text`: offsets plus the exact text they cover."""
    return {"start": start, "end": end, "text": text[start:end]}


def spans(attribution: dict, role: str) -> list[Span]:
    """The (start, end) pairs of one role of an attribution, in text order."""
    return sorted((f["start"], f["end"]) for f in attribution.get(role) or [])


def make_record(doc_id: str, text: str, attributions: list[dict], meta: dict | None = None, **extra: Any) -> dict:
    record = {"id": doc_id, "text": text, "meta": meta or {}, "attributions": attributions}
    record.update({k: v for k, v in extra.items() if v is not None})
    return record


_OPENING, _CLOSING, _QUOTES = "\"“”«", "\"”»", "\"“”«»"


def infer_kind(text: str, content: list[dict]) -> str:
    """direct (one quotation, give or take trailing punctuation), mixed (quote marks inside) or indirect: the kind of
    an attribution nobody gave one (brat without a Kind, a Label Studio annotation without its choice).

    Fragments split only by whitespace count as one. The rule agrees with the kind given in
    ../shared/data for 99.95% of PolNeAR's train and dev attributions.
    """
    pieces: list[str] = []
    end = None
    for frag in content:
        if end is not None and not text[end:frag["start"]].strip():
            pieces[-1] += text[end:frag["end"]]
        else:
            pieces.append(text[frag["start"]:frag["end"]])
        end = frag["end"]
    pieces = [p.strip() for p in pieces]
    if len(pieces) == 1 and pieces[0][:1] in _OPENING:
        quote = pieces[0]
        close = next((i for i in range(1, len(quote)) if quote[i] in _CLOSING), None)
        if close is not None and not quote[close + 1:].strip(".,;:!? —–-"):
            return "direct"
    return "mixed" if any(c in _QUOTES for p in pieces for c in p) else "indirect"


def by_id(records: Iterable[dict], where: str) -> dict[str, dict]:
    """`records` keyed by id, in order; two sharing an id is an InputError naming both. One id is one
    document to every command that pairs or pushes by id (a file with several annotators' versions of a
    document needs one picked)."""
    out: dict[str, dict] = {}
    first: dict[str, int] = {}
    for n, record in enumerate(records, 1):
        doc_id = record["id"]
        if doc_id in out:
            raise InputError(f"{where}: records {first[doc_id]} and {n} (counted in order, blank lines aside: `attrib "
                             f"validate` names their lines) share the id {doc_id!r} ({repeated_id_hint(record)})")
        out[doc_id], first[doc_id] = record, n
    return out


def repeated_id_hint(record: dict) -> str:
    """What a second record under one id likely is, and what to do about it."""
    provenance = record.get("provenance") or {}
    if "task_id" in provenance:  # from a Label Studio export
        return "several annotators' versions? make the records with `--choose latest` or `ground_truth`"
    if "annotator" in provenance:  # from brat (PolNeAR's layout: one .ann per annotator)
        return "several annotators' versions: keep one annotator's .ann files in the brat folder"
    return "ids must be unique"


def is_int(value: Any) -> bool:
    """A JSON integer (Python's bool is an int, JSON's true is not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_fragment(text: str, frag: Any, where: str) -> None:
    """Raise OffsetError unless `frag` is a well-formed fragment of `text`."""
    if not isinstance(frag, dict):
        raise OffsetError(f"{where}: expected a fragment object, got {json_type(frag)}")
    start, end = frag.get("start"), frag.get("end")
    if not (is_int(start) and is_int(end)):
        raise OffsetError(f"{where}: start and end must be integers")
    if start >= end and 0 <= min(start, end) and max(start, end) <= len(text):
        raise OffsetError(f"{where}: span [{start}, {end}) is {'empty' if start == end else 'reversed (start after end)'}"
                          ": a span needs start < end")
    if not 0 <= start < end <= len(text):
        raise OffsetError(f"{where}: span [{start}, {end}) does not fit a text of {len(text)} characters")
    if frag.get("text") != text[start:end]:
        said, found = frag.get("text"), text[start:end]
        why = unlike(said, found) if isinstance(said, str) else ""
        raise OffsetError(f"{where}: text {said!r} differs from the text at [{start}, {end}): {found!r}{why}")


def _gold_fragments(text: str, attr: dict, role: str, where: str) -> list[dict]:
    """A gold role's fragments: its `parts` where given, else its [start, end]. Where both are given, the pair must
    span the parts: which of two that disagree was meant is unknown (the pair was dropped without a word)."""
    parts = attr.get("parts")
    parts = parts.get(role) if isinstance(parts, dict) else None
    whole = attr.get(role)
    given = parts is not None
    if not given:
        parts = [] if whole is None else [whole]
    if not isinstance(parts, list):
        raise OffsetError(f"{where}.parts.{role}: expected an array of [start, end] pairs, got {json_type(parts)}")
    frags = []
    for i, pair in enumerate(parts):
        at = f"{where}.parts.{role}[{i}]" if given else f"{where}.{role}"
        if not (isinstance(pair, list) and len(pair) == 2):
            raise OffsetError(f"{at}: expected a [start, end] pair, got {shorten(repr(pair), 60)}")
        frag = fragment(text, *pair) if all(map(is_int, pair)) else {"start": pair[0], "end": pair[1]}
        check_fragment(text, frag, at)
        frags.append(frag)
    frags.sort(key=lambda f: (f["start"], f["end"]))
    if given and whole is not None and not (isinstance(whole, list) and len(whole) == 2 and all(map(is_int, whole))):
        raise OffsetError(f"{where}.{role}: expected a [start, end] pair of integers or null, got "
                          f"{shorten(repr(whole), 60)}")
    if given and whole != (hull := _hull(frags)):
        raise OffsetError(f"{where}.{role}: {shorten(repr(whole), 60)} is not the span of its parts ({hull or 'none'}): "
                          "one of the two is wrong")
    return frags


GOLD_KEYS = ("kind", "parts", *ROLES)
KEPT_KEYS = ("id", "confidence", "source_type", "source_entity")  # a record's, kept where a gold attribution has them


def _gold_attribution(text: str, attr: dict, where: str) -> dict:
    """An attribution of the gold format as a record's: its fragments from its pairs and parts, and the record's keys
    it has (an id, a confidence, a source type, a referent as a pair or a fragment) kept; any other key is refused
    (they were dropped without a word, an id replaced)."""
    if unknown := next((key for key in attr if key not in GOLD_KEYS + KEPT_KEYS), None):
        raise SchemaError(f"{where}: {shorten(repr(unknown), 40)} is no key of an attribution (the gold format's: "
                          f"{', '.join(GOLD_KEYS)}; a record's too: {', '.join(KEPT_KEYS)})")
    out = {key: attr[key] for key in KEPT_KEYS if key in attr}  # their values are checked against the record schema
    out["kind"] = attr.get("kind")
    for role in ROLES:
        out[role] = _gold_fragments(text, attr, role, where)
    entity = attr.get("source_entity")
    if isinstance(entity, list) and len(entity) == 2 and all(map(is_int, entity)):
        entity = fragment(text, *entity)
    if entity is not None:
        check_fragment(text, entity, f"{where}.source_entity")
    out["source_entity"] = entity
    return out


def _check_parts(parts: Any, where: str) -> None:
    """A gold attribution's `parts` is null or an object of roles: a list there, or a misspelt role, was read as no
    parts, and the pairs taken alone (a content of two fragments became one), exit 0."""
    if parts is not None and not isinstance(parts, dict):
        raise OffsetError(f"{where}.parts: expected an object of [start, end] pairs per role, got {json_type(parts)}")
    if unknown := next((key for key in parts or {} if key not in ROLES), None):
        raise OffsetError(f"{where}.parts: {shorten(repr(unknown), 40)} is no role (source, cue, content)")


def _hull(frags: list[dict]) -> list[int] | None:
    return [frags[0]["start"], max(f["end"] for f in frags)] if frags else None


def name_text(name: str) -> str:
    """A file's name as text an output can hold: bytes of it that are not UTF-8, which Python keeps as lone surrogates
    (`n\\udcff`) that no UTF-8 file takes, as `\\xNN` escapes (an id made from `n\\xff.txt` ended a run in a
    traceback as the first record was written)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def id_text(value: str | int | float) -> str:
    """A document id as text: one JSON number, one id (`1` and `1.0` are the same number; a float id is how pandas
    writes an integer column with gaps), so `eval` pairs them."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def merged_meta(obj: dict, known: Iterable[str], where: str, at: str = "$") -> dict:
    """`obj["meta"]` with `obj`'s other keys (those not in `known`) added: a document's fields beside its text.

    A key in both with two values is refused: keeping either would drop the other without a word."""
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise InputError(f"{where}: {at}.meta: expected an object, got {json_type(meta)}")
    merged = dict(meta)
    for key, value in obj.items():
        if key in known:
            continue
        if key in merged and (merged[key] != value or type(merged[key]) is not type(value)):
            raise InputError(f"{where}: {at}{_member(key)} and {at}.meta{_member(key)} hold different values: keep one")
        merged[key] = value
    return merged


def _member(key: str) -> str:
    return f".{key}" if key.isidentifier() else f"[{json.dumps(key, ensure_ascii=False)}]"


def is_gold(attr: dict) -> bool:
    """An attribution in the gold format: `parts`, or a role given as a pair of offsets (of integers or not: a float
    pair is a gold pair gone through pandas, to be named as such, not a record's fragment list)."""
    return "parts" in attr or any(
        isinstance(value, list) and len(value) == 2 and not any(isinstance(x, (dict, list)) for x in value)
        for value in (attr.get(role) for role in ROLES))


def normalize_record(obj: Any, where: str) -> dict:
    """Turn a parsed JSON object, an attrib record or a gold record, into a checked attrib record.

    Raises InputError for a missing id/text and OffsetError (with the JSON path) for a bad span.
    """
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object, got {json_type(obj)}")
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError(f"{where}: no \"text\" string")
    doc_id = obj.get("id")
    if doc_id is None or isinstance(doc_id, (dict, list, bool)):
        raise InputError(f"{where}: no \"id\" (a string or number)")
    if "attributions" not in obj:  # a misspelt key was read as no attribution: an empty reference, scored, exit 0
        raise InputError(f"{where}: no \"attributions\" (a record without any has \"attributions\": []; a document "
                         "to annotate is `attrib annotate`'s input)")
    attributions_in = obj["attributions"]
    if not isinstance(attributions_in, list):  # null was read as none, as a misspelt key was
        raise InputError(f"{where}: \"attributions\" must be an array, got {json_type(attributions_in)}")
    gold = [isinstance(attr, dict) and is_gold(attr) for attr in attributions_in]

    def normalized() -> Iterator[dict]:
        taken = {attr["id"] for attr in attributions_in if isinstance(attr, dict) and isinstance(attr.get("id"), str)}
        # (the ids given: one made for another must not repeat them)
        for i, attr in enumerate(attributions_in):
            path = f"{where}: $.attributions[{i}]"
            if not isinstance(attr, dict):
                raise InputError(f"{path}: expected an object")
            if gold[i]:
                _check_parts(attr.get("parts"), path)
                out = _gold_attribution(text, attr, path)
                out.setdefault("id", _made_id(i, taken))
            else:
                out = dict(attr)
                if "id" not in out:
                    out["id"] = _made_id(i, taken)
                for role in ROLES:
                    frags = out.get(role) or []
                    if not isinstance(frags, list):
                        raise InputError(f"{path}.{role}: expected an array of fragments, got {json_type(frags)}")
                    for j, frag in enumerate(frags):
                        check_fragment(text, frag, f"{path}.{role}[{j}]")
                    out[role] = frags
                if out.get("source_entity") is not None:
                    check_fragment(text, out["source_entity"], f"{path}.source_entity")
                out.setdefault("source_entity", None)
            yield out

    attributions = covered(text, normalized(), where)
    meta = merged_meta(obj, RECORD_KEYS, where)
    extra = {k: obj[k] for k in ("generator", "provenance") if k in obj}
    return make_record(id_text(doc_id), text, attributions, meta, **extra)


MAX_COVER = 20  # times its text a document's fragments may hold in all (PolNeAR's most: 1.06)
COVER_FLOOR = 200_000  # characters: a short text may hold many nested attributions (1,000 in a text of 4,000)


def cover_limit(length: int) -> int:
    """The most characters the fragments of a document whose text is `length` long may hold in all."""
    return MAX_COVER * max(length, COVER_FLOOR)


def cover_excess(held: int, attributions: int, length: int) -> str:
    """What is wrong with a document whose first `attributions` hold `held` characters of fragments, past the limit."""
    return (f"its fragments hold {held:,} characters in its first {amount(attributions, 'attribution')}, over the "
            f"{cover_limit(length):,} attrib takes for a text of {length:,} ({MAX_COVER} times it, "
            f"{cover_limit(0):,} at least; PolNeAR's most is 1.06 times): one span given to hundreds of attributions?")


def covered(text: str, attributions: Iterable[dict], where: str) -> list[dict]:
    """`attributions`, refused (InputError) once their fragments hold more than MAX_COVER times the text: each
    attribution carries its fragments' text, so one span given to hundreds of attributions (one content with many
    cues, a brat span in many events, a gold pair repeated) made a record, and an output, of gigabytes from a file of
    one megabyte. Checked as they come, so what is held stays under the limit."""
    limit, total, out = cover_limit(len(text)), 0, []
    for attribution in attributions:
        total += sum(f["end"] - f["start"] for role in ROLES for f in attribution.get(role) or [])
        if total > limit:
            raise InputError(f"{where}: {cover_excess(total, len(out) + 1, len(text))}")
        out.append(attribution)
    return out


def blank_span(record: dict) -> str | None:
    """Where the first span of white space only in a checked `record` lies (its JSON path and offsets), if one does:
    no token lies in it, and no dataset format has anything to write of it (`attrib validate` calls it V205)."""
    text = record["text"]
    for i, attribution in enumerate(record["attributions"]):
        for role in ROLES:
            for j, frag in enumerate(attribution.get(role) or []):
                if not text[frag["start"]:frag["end"]].strip():
                    return f"$.attributions[{i}].{role}[{j}]: span [{frag['start']}, {frag['end']})"
    return None


def _made_id(i: int, taken: set[str]) -> str:
    """An id for the attribution at index `i` that none in `taken` has (`a3`, else `a3.1`, `a3.2`, ...), now taken."""
    made, n = f"a{i}", 0
    while made in taken:
        n += 1
        made = f"a{i}.{n}"
    taken.add(made)
    return made


def iter_records(paths: Iterable[str | Path]) -> Iterator[dict]:
    """Stream checked records from JSONL or Parquet files (attrib records or gold); stop at the first bad line."""
    for path in paths:
        for line in iter_lines(path):
            yield normalize_record(line.checked(), line.where)
