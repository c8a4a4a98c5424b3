"""The meaning of one Label Studio result (an annotation's or a prediction's regions and relations).

Item by item: offsets against the text, the names of attrib's config (names.py), unique region ids,
per-region choices on the right regions, relations between existing regions with allowed roles.
Then the attributions: the well-formed regions and relations are grouped by the converter itself
(`convert.group_regions`), so what is checked is exactly what `attrib labelstudio records` would
export, and each problem is located back at its region.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterator, NamedTuple

from ..lsjson.convert import group_regions
from ..lsjson.names import (
    CONTENT,
    CUE,
    ROLE_OF_LABEL,
    SOURCE,
    KIND_NAME,
    LABELS_NAME,
    REFERENT_LABEL,
    RELATION_LABELS,
    SOURCE_TYPE_NAME,
    SPAN_LABELS,
    TEXT_NAME,
)
from ..errors import shorten
from ..records import KINDS, SOURCE_TYPES, cover_excess, cover_limit, is_int
from .findings import Finding, Where
from .spans import first_overlap, overlap_message, span_findings

CHOICES = {KIND_NAME: (KINDS, (CUE, CONTENT)), SOURCE_TYPE_NAME: (SOURCE_TYPES, (SOURCE,))}


class Region(NamedTuple):
    id: str
    label: str | None  # None: not one of attrib's labels (reported)
    start: int
    end: int
    fits: bool  # offsets inside the text, start < end
    usable: bool  # fits, with a label and from_name of attrib's: the converter groups it
    index: int  # the region's item in the result

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


class _Check:
    """State while checking one result: the regions found, the relations fit for grouping, the findings.

    Most items are fine: a location (`Where`) is built only for a finding, and an offset is gone
    through by span_findings only when the quick test (integers, inside the text, same text) fails.
    """

    def __init__(self, text: str | None, where: Where) -> None:
        self.text = text
        self.where = where
        self.found: list[Finding] = []  # in the order of the items they are about
        self.ids: set[str] = set()  # every region id, well-formed or not (relations to them are not dangling)
        self.regions: dict[str, Region] = {}
        self.relations: list[dict] = []  # relations between usable regions: the converter groups by them
        self.kinds: dict[str, str] = {}  # region id -> its kind choice
        self.choices: set[tuple[str, str]] = set()  # (choice name, region id) already seen
        self.referred: set[str] = set()  # REFERENT ids a SOURCE refers to
        self.refers: dict[str, str] = {}  # SOURCE id -> the first REFERENT it refers to
        self.tainted: set[str] = set()  # regions related to a broken one: their attribution is not judged

    def at(self, k: int, *keys: str | int) -> Where:
        """The location of item `k` of the result, or of `keys` below it."""
        return self.where.at(k, *keys)

    def region(self, item: dict, k: int) -> None:
        rid = item.get("id")
        if not isinstance(rid, str) or not rid:
            return  # the schema reports it; without an id nothing can point to it
        found = self.found
        from_name = item.get("from_name")
        if from_name != LABELS_NAME:
            found.append(self.at(k, "from_name").finding(
                "V303", f"from_name {from_name!r} of a labels region is not {LABELS_NAME!r}", rid))
        if item.get("to_name") != TEXT_NAME:
            found.append(self.at(k, "to_name").finding("V304", f"to_name {item.get('to_name')!r} is not {TEXT_NAME!r}",
                                                       rid))
        if rid in self.ids:
            found.append(self.at(k, "id").finding("V306", f"region id {rid!r} is used by another region of this result",
                                                  rid))
            return
        self.ids.add(rid)
        value = item.get("value")
        if not isinstance(value, dict):
            return
        label = None
        labels = value.get("labels")
        if isinstance(labels, list):
            if len(labels) == 1 and labels[0] in SPAN_LABELS:
                label = labels[0]
            else:
                if len(labels) != 1:
                    found.append(self.at(k, "value", "labels").finding(
                        "V302", f"a region has {len(labels)} labels, needs exactly one", rid))
                for n, name in enumerate(labels):
                    if name not in SPAN_LABELS:
                        found.append(self.at(k, "value", "labels", n).finding(
                            "V301", f"label {name!r} is not one of {', '.join(SPAN_LABELS)}", rid))
                if labels and labels[0] in SPAN_LABELS:
                    label = labels[0]
        text = self.text
        start, end = value.get("start"), value.get("end")
        ints = type(start) is int and type(end) is int or is_int(start) and is_int(end)  # exact ints: the quick test
        fits = ints and text is not None and 0 <= start < end <= len(text)
        if text is not None and not (fits and value.get("text") == text[start:end] and not text[start:end].isspace()):
            found.extend(span_findings(text, value, self.at(k, "value"), tolerant=True, region_id=rid))
        if not ints:
            return
        usable = fits and label is not None and from_name == LABELS_NAME
        self.regions[rid] = Region(rid, label, start, end, fits, usable, k)

    def choice(self, item: dict, k: int) -> None:
        rid, name, value = item.get("id"), item.get("from_name"), item.get("value")
        if not isinstance(rid, str) or not isinstance(value, dict):
            return
        if item.get("to_name") != TEXT_NAME:
            self.found.append(self.at(k, "to_name").finding("V304", f"to_name {item.get('to_name')!r} is not "
                                                                    f"{TEXT_NAME!r}", rid))
        problem = self._choice_problem(rid, name, value, k)
        if problem or not isinstance(value.get("choices"), list) or rid not in self.regions:
            self.tainted.add(rid)  # the bad choice is what is reported, not the kind it leaves missing
            if problem:
                self.found.append(problem)
            return
        region = self.regions[rid]
        start, end = value.get("start"), value.get("end")
        if region.fits and (start, end) != region.span and is_int(start) and is_int(end):
            self.found.append(self.at(k, "value").finding(
                "V310", f"the {name} choice spans [{start}, {end}), its region [{region.start}, {region.end})", rid))
        if (name, rid) in self.choices:
            self.found.append(self.at(k, "id").finding("V306", f"region {rid!r} has a second {name} choice", rid))
            return
        self.choices.add((name, rid))
        if name == KIND_NAME:
            self.kinds[rid] = value["choices"][0]

    def _choice_problem(self, rid: str, name: Any, value: dict, k: int) -> Finding | None:
        """What makes a per-region choice unusable (a wrong type of `choices` is the schema's to report)."""
        if not isinstance(name, str) or name not in CHOICES:
            return self.at(k, "from_name").finding("V303", f"from_name {name!r} of a choice is not "
                                                           f"{' or '.join(map(repr, CHOICES))}", rid)
        allowed, on_labels = CHOICES[name]
        picked = value.get("choices")
        if isinstance(picked, list) and (len(picked) != 1 or picked[0] not in allowed):
            return self.at(k, "value", "choices").finding(
                "V307", f"{name} must be exactly one of {', '.join(allowed)}, not {picked!r}", rid)
        if rid not in self.ids:
            return self.at(k, "id").finding("V308", f"the {name} choice names region {rid!r}, which this result does "
                                                    "not have", rid)
        if rid in self.regions and self.regions[rid].label not in (None, *on_labels):
            return self.at(k).finding("V309", f"a {name} choice on a {self.regions[rid].label} region (it belongs on "
                                              f"{' or '.join(on_labels)})", rid)
        return None

    def relation(self, item: dict, k: int, seen: set) -> None:
        a, b = item.get("from_id"), item.get("to_id")
        if not (isinstance(a, str) and isinstance(b, str)):
            return
        found = self.found
        missing = () if a in self.ids and b in self.ids else \
            [(key, rid) for key, rid in (("from_id", a), ("to_id", b)) if rid not in self.ids]
        for key, rid in missing:
            found.append(self.at(k, key).finding("V401", f"the relation's {key} {rid!r} is not a region of this result",
                                                 rid))
        ra, rb = self.regions.get(a), self.regions.get(b)
        if missing or not (ra and rb and ra.usable and rb.usable):
            self.tainted.update((a, b))  # what it joins is reported already: don't report the consequences
        if missing:
            return
        if a == b:
            found.append(self.at(k).finding("V404", f"a relation from region {a!r} to itself", a))
            return
        labels = item.get("labels")
        labels = labels if isinstance(labels, list) else []
        unknown = [] if len(labels) == 1 and labels[0] in RELATION_LABELS else \
            [name for name in labels if name not in RELATION_LABELS]
        if unknown:
            found.append(self.at(k, "labels").finding(
                "V402", f"relation label {shorten(repr(unknown[0]), 60)} is not one of {', '.join(RELATION_LABELS)}", a))
        elif len(labels) > 1:
            found.append(self.at(k, "labels").finding("V402", f"a relation has {len(labels)} labels, needs one at most", a))
        if item.get("direction") == "left":
            a, b, ra, rb = b, a, rb, ra
        key = (a, b)
        if key in seen:
            found.append(self.at(k).finding("V405", f"a second relation from region {a!r} to {b!r}", a))
            return
        seen.add(key)
        if ra is None or rb is None or ra.label is None or rb.label is None:
            return  # a malformed end was reported where it is
        pair = {ra.label, rb.label}
        if REFERENT_LABEL in pair:
            if pair != {SOURCE, REFERENT_LABEL}:
                self.tainted.update((a, b))
                found.append(self.at(k).finding("V403", f"a relation joins {ra.label} {a!r} and {rb.label} {b!r}: a "
                                                        "REFERENT is only linked from a SOURCE", a))
                return
            expected = "refers_to"
            self.referred.add(a if ra.label == REFERENT_LABEL else b)
            source = a if ra.label == SOURCE else b
            if source in self.refers:  # the converter keeps the first (lsjson.convert._related)
                found.append(self.at(k).finding("V506", f"SOURCE {source!r} refers to a second REFERENT: only "
                                                        f"{self.refers[source]!r}, the first, is kept", source))
            else:
                self.refers[source] = a if ra.label == REFERENT_LABEL else b
        elif pair == {SOURCE}:
            self.tainted.update((a, b))
            found.append(self.at(k).finding("V403", f"a relation joins two SOURCE regions {a!r} and {b!r}", a))
            return
        else:
            target = rb if ra.label != SOURCE else ra  # an arrow drawn from a source belongs to the other end
            expected = ROLE_OF_LABEL[target.label]
        if labels and not unknown and expected not in labels:
            found.append(self.at(k, "labels").finding("V406", f"the relation {a!r} -> {b!r} is labelled {labels[0]!r}, "
                                                              f"its target's role is {expected!r}", a))
        if ra.usable and rb.usable:
            self.relations.append(item)


def check_result(result: Any, text: str | None, where: Where) -> Iterator[Finding]:
    """Every finding of one result (`where` is the result list's location); never raises on bad data."""
    if not isinstance(result, list):
        return
    check = _Check(text, where)
    later: list[tuple[int, dict]] = []
    for k, item in enumerate(result):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "labels":
            check.region(item, k)
        elif kind in ("choices", "relation"):
            later.append((k, item))
        elif isinstance(kind, str):
            check.found.append(where.at(k, "type").finding("V305", f"result type {kind!r}: attrib's config has labels, "
                                                                   "choices and relations only"))
    seen: set = set()
    for k, item in later:
        if item["type"] == "choices":
            check.choice(item, k)
    for k, item in later:
        if item["type"] == "relation":
            check.relation(item, k, seen)
    yield from check.found
    if text is not None:
        yield from _attribution_findings(check, text)


def _attribution_findings(check: _Check, text: str) -> Iterator[Finding]:
    """Group the well-formed regions as the converter does, and report what the grouping leaves wrong.

    An attribution's fragments are the distinct spans of its regions, as in the converter's output (a span
    one region has is had by every region over it: a SOURCE over a span an attribution has belongs to one).
    A finding about an attribution names its own region: another attribution's over the same span is not it.
    """
    usable = [region for region in check.regions.values() if region.usable]
    groups, _ = group_regions({region.id: region.label for region in usable}, check.relations)
    by_span: dict[tuple[str, int, int], list[Region]] = defaultdict(list)
    for region in usable:
        by_span[(region.label, region.start, region.end)].append(region)
    tainted = {key for key, regions in by_span.items() if any(region.id in check.tainted for region in regions)}

    claims: dict[tuple[str, int, int], int] = defaultdict(int)
    sourced: set[tuple[str, int, int]] = set()
    held, limit = 0, cover_limit(len(text))  # characters the converter's attributions hold (records.covered)
    for n, group in enumerate(groups, 1):
        own: dict[str, list[Region]] = {CUE: [], CONTENT: [], SOURCE: []}
        for rid in group:
            region = check.regions[rid]
            own[region.label].append(region)
        spans = {label: sorted({r.span for r in found}) for label, found in own.items()}  # the attribution's fragments
        before, held = held, held + sum(end - start for found in spans.values() for start, end in found)
        if before <= limit < held:  # said once, where the limit is passed
            region = min((r for found in own.values() for r in found), key=lambda r: r.index)
            yield check.at(region.index).finding("V508", f"{cover_excess(held, n, len(text))} (here the limit is "
                                                         "passed; the commands that read it refuse it)", region.id)
        cues, contents = (sorted(own[label], key=lambda r: (r.start, r.end, r.index)) for label in (CUE, CONTENT))
        sourced.update((SOURCE, start, end) for start, end in spans[SOURCE])
        if not (cues or contents) or any((label, start, end) in tainted for label in (CUE, CONTENT)
                                         for start, end in spans[label]):
            continue
        anchor = (cues or contents)[0]
        if not cues:
            for region in contents[:1]:
                yield check.at(region.index).finding(
                    "V501", f"CONTENT {_quote(text, region)} is in an attribution without a CUE: draw a relation from "
                            "its CUE to it (relations through a SOURCE join nothing: one source may have several "
                            "attributions)", region.id)
        if not contents:
            for region in cues[:1]:
                yield check.at(region.index).finding(
                    "V503", f"CUE {_quote(text, region)} is in an attribution without a CONTENT: draw a relation from "
                            "it to its CONTENT (relations through a SOURCE join nothing: one source may have several "
                            "attributions)", region.id)
        # the kinds of this attribution's own regions, as the converter reads them (another attribution's region
        # over the same span, with a kind of its own, is not this one's)
        kinds = {check.kinds[rid] for rid in group if rid in check.kinds and check.regions[rid].label in (CUE, CONTENT)}
        if cues and contents and not kinds:  # (an incomplete attribution is reported as such, above)
            yield check.at(anchor.index).finding(
                "V312", f"the attribution anchored at {_quote(text, anchor)} has no kind (a {KIND_NAME} choice on its "
                        "CUE or CONTENT): it is read as its content's quote marks say", anchor.id)
        elif cues and contents and len(kinds) > 1:
            yield check.at(anchor.index).finding(
                "V311", f"the attribution anchored at {_quote(text, anchor)} has kinds {', '.join(sorted(kinds))}: the "
                        "one on its CONTENT is kept", anchor.id)
        for label in (SOURCE, CUE, CONTENT):
            if overlap := first_overlap(spans[label]):
                region = by_span[(label, *overlap[1])][0]
                yield check.at(region.index).finding("V507", overlap_message(label, overlap), region.id)
        for label in (CUE, CONTENT):
            for start, end in spans[label]:
                key = (label, start, end)
                claims[key] += 1
                if claims[key] == 2:
                    region = by_span[key][0]
                    yield check.at(region.index).finding(
                        "V505", f"{region.label} {_quote(text, region)} is claimed by two attributions", region.id)
    for region in check.regions.values():
        if region.id in check.tainted:
            continue
        if region.label == SOURCE and region.usable and (SOURCE, region.start, region.end) not in sourced:
            yield check.at(region.index).finding("V502", f"SOURCE {_quote(text, region)} belongs to no attribution "
                                                         "(no relation from a CUE or CONTENT)", region.id)
        elif region.label == REFERENT_LABEL and region.usable and region.id not in check.referred:
            yield check.at(region.index).finding("V504", f"REFERENT {_quote(text, region)}: no SOURCE refers to it",
                                                 region.id)


def _quote(text: str, region: Region) -> str:
    return repr(shorten(text[region.start:region.end], 40))
