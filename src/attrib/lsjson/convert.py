"""Records <-> Label Studio tasks, results and exports: pure functions on plain data, no network.

The mapping of one attribution to regions and relations is the one names.py describes. Region ids
are deterministic (`a{i}-{role}-{j}`: attribution index, role, fragment index), so the same record
always gives the same task. Going back, attributions are renumbered `a0, a1, ...` in the order of
their anchors in the result.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections import defaultdict
from typing import Any, Callable, Iterator

from .. import __version__

from ..errors import InputError
from ..jsonsafe import Decoder, max_depth, nests_deeper
from ..records import RECORD_KEYS, ROLES, check_fragment, covered, infer_kind, make_record, merged_meta
from .names import (
    CONTENT,
    CUE,
    ROLE_OF_LABEL,
    SOURCE,
    KIND_NAME,
    LABELS_NAME,
    REFERENT_LABEL,
    ROLE_LABELS,
    SOURCE_TYPE_NAME,
    TEXT_NAME,
)

RECORD_ID = "record_id"  # data key holding the record id: the dedup key of a push
META = "meta"  # data key holding the record's meta
CHOOSE = ("each", "each_latest", "ground_truth", "latest", "reviewed", "prediction")



def _value(text: str, start: int, end: int) -> dict:
    return {"start": start, "end": end, "text": text[start:end]}


def _span_key(frag: dict | None) -> tuple[int, int] | None:
    return None if frag is None else (frag["start"], frag["end"])


class _Result:
    """A prediction result under construction: regions, per-region choices and relations."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.items: list[dict] = []
        self.relations: list[dict] = []
        self.linked: set[tuple[str, str]] = set()

    def region(self, rid: str, label: str, frag: dict, score: float | None) -> str:
        item = {"id": rid, "from_name": LABELS_NAME, "to_name": TEXT_NAME, "type": "labels",
                "value": {**_value(self.text, frag["start"], frag["end"]), "labels": [label]}}
        if score is not None:
            item["score"] = score
        self.items.append(item)
        return rid

    def choice(self, rid: str, name: str, frag: dict, value: str) -> None:
        self.items.append({"id": rid, "from_name": name, "to_name": TEXT_NAME, "type": "choices",
                           "value": {**_value(self.text, frag["start"], frag["end"]), "choices": [value]}})

    def relate(self, from_id: str, to_id: str, label: str) -> None:
        if (from_id, to_id) not in self.linked:
            self.linked.add((from_id, to_id))
            self.relations.append({"from_id": from_id, "to_id": to_id, "type": "relation",
                                   "direction": "right", "labels": [label]})


def attributions_to_result(text: str, attributions: list[dict], where: str = "record") -> list[dict]:
    """Regions, per-region choices and relations for record-format attributions (see names.py).

    A source fragment shared by several attributions (same span, same entity and source type) is one
    SOURCE region with a relation from each attribution's anchor; a REFERENT region is shared likewise.
    """
    out = _Result(text)
    sources: dict[tuple, str] = {}
    referents: dict[tuple[int, int], str] = {}
    for i, attr in enumerate(attributions):
        score = attr.get("confidence")
        frags = {role: sorted(attr.get(role) or [], key=_span_key) for role in ROLES}
        anchor_role = "cue" if frags["cue"] else "content"
        if not frags[anchor_role]:
            raise InputError(f"{where}: $.attributions[{i}]: an attribution needs a cue or a content fragment")
        anchor_frag = frags[anchor_role][0]
        anchor = out.region(f"a{i}-{anchor_role}-0", ROLE_LABELS[anchor_role], anchor_frag, score)
        if attr.get("kind") is not None:
            out.choice(anchor, KIND_NAME, anchor_frag, attr["kind"])
        for role in ("cue", "content"):
            for j, frag in enumerate(frags[role]):
                if role == anchor_role and j == 0:
                    continue
                out.relate(anchor, out.region(f"a{i}-{role}-{j}", ROLE_LABELS[role], frag, score), role)
        entity, source_type = attr.get("source_entity"), attr.get("source_type")
        for j, frag in enumerate(frags["source"]):
            key = (_span_key(frag), _span_key(entity), source_type)
            if key not in sources:
                sources[key] = out.region(f"a{i}-source-{j}", SOURCE, frag, score)
                if source_type is not None:
                    out.choice(sources[key], SOURCE_TYPE_NAME, frag, source_type)
            out.relate(anchor, sources[key], "source")
        if entity is not None and frags["source"]:
            span = _span_key(entity)
            if span not in referents:
                referents[span] = out.region(f"a{i}-referent", REFERENT_LABEL, entity, score)
            first_source = sources[(_span_key(frags["source"][0]), span, source_type)]
            out.relate(first_source, referents[span], "refers_to")
    return out.items + out.relations


def record_to_task(record: dict, model_version: str) -> dict:
    """A Label Studio task for an attrib record, its attributions as one prediction.

    The prediction's score is the lowest attribution confidence, so sorting by it in Label Studio
    brings the doubtful documents first; a document without attributions has no score.
    """
    attributions = record.get("attributions") or []
    prediction: dict[str, Any] = {
        "model_version": model_version,
        "result": attributions_to_result(record["text"], attributions, where=f"record {record['id']}"),
    }
    confidences = [a["confidence"] for a in attributions if a.get("confidence") is not None]
    if confidences:
        prediction["score"] = min(confidences)
    data = {TEXT_NAME: record["text"], RECORD_ID: record["id"], META: record.get("meta") or {}}
    if nests_deeper(data[META], (limit := max_depth.get()) - 2):  # the task would be one too deep for every reader
        raise InputError(f"record {record['id']}: its meta nests {limit} levels deep with the record, and one more "
                         "under the task's \"data\": past the limit (`attrib --max-depth N` raises it)")
    return {"data": data, "predictions": [prediction]}


def model_version(records: list[dict]) -> str:
    """The model_version the records' generator names (annotate.version_of), else `attrib-<version>+<spaCy
    pipeline>` from it (records written before it named one), `+records` when none says."""
    for record in records:
        generator = record.get("generator") or {}
        if isinstance(generator.get("model_version"), str):
            return generator["model_version"]
        if generator.get("model"):
            return f"attrib-{generator.get('attrib') or __version__}+{generator['model']}"
    return f"attrib-{__version__}+records"


def shifted_highlights(records: list[dict]) -> str | None:
    """A note when texts hold U+0000: Label Studio 1.23 shows every highlight after it one character off (the offsets
    it stores and exports are right), so an annotator would correct drafts that are not wrong. None when none does."""
    held = [record["id"] for record in records if "\0" in record["text"]]
    if not held:
        return None
    some = "1 document holds" if len(held) == 1 else f"{len(held)} documents hold"
    return (f"{some} U+0000 (first: {held[0]!r}): Label Studio shows every highlight after it one character off, "
            "though the offsets it stores are right; remove the character from the text to annotate it as shown")


@contextlib.contextmanager
def acyclic() -> Iterator[None]:
    """Pause the cycle collector while building many tasks or records: they hold no cycles, and its
    rescans of the growing heap would take most of the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _related(labels: dict[str, str], relations: list[dict]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Role edges (anchor side -> member) and SOURCE -> REFERENT links, whichever way they were drawn."""
    members: dict[str, list[str]] = defaultdict(list)
    referent_of: dict[str, str] = {}
    for rel in relations:
        a, b = rel.get("from_id"), rel.get("to_id")
        if a not in labels or b not in labels or a == b:
            continue
        if rel.get("direction") == "left":
            a, b = b, a
        la, lb = labels[a], labels[b]
        if REFERENT_LABEL in (la, lb):
            if {la, lb} == {SOURCE, REFERENT_LABEL}:
                source, referent = (a, b) if la == SOURCE else (b, a)
                referent_of.setdefault(source, referent)
            continue
        if la == SOURCE:
            if lb == SOURCE:
                continue
            a, b = b, a  # an arrow drawn from the source: it still belongs to the other end's attribution
        members[a].append(b)
    return members, referent_of


def group_regions(labels: dict[str, str], relations: list[dict]) -> tuple[list[list[str]], dict[str, str]]:
    """The attributions of a result as groups of region ids (anchor first, in anchor order), and each
    SOURCE region's REFERENT.

    `labels` maps every region that counts to its label, `relations` are the result's relations, whichever way
    each arrow was drawn. CUE regions joined to each other are one cue (of several fragments), CONTENT regions
    joined to each other one content; an attribution is a cue with every content joined to it (a cue linked to two
    quotations is one attribution of two fragments, the arrows drawn from the cue or to it; a content joined to
    two cues belongs to both), or a content joined to no cue; the SOURCE regions linked to any of its regions are
    its own (a shared source joins no attributions). Its anchor is a region no arrow from a CUE or CONTENT points
    to, a CUE before a CONTENT, as drafts have it. The validator groups with this too, so that it judges exactly
    the attributions an export makes.
    """
    members, referent_of = _related(labels, relations)
    order = {rid: n for n, rid in enumerate(labels)}
    cluster = {rid: rid for rid, label in labels.items() if label in (CUE, CONTENT)}  # union-find within a role

    def root(rid: str) -> str:
        while cluster[rid] != rid:
            cluster[rid] = cluster[cluster[rid]]
            rid = cluster[rid]
        return rid

    pointed_to, cue_to_content = set(), defaultdict(set)
    for a, targets in members.items():
        for b in targets:
            if labels[b] == SOURCE:
                continue
            pointed_to.add(b)
            if labels[a] == labels[b]:
                first, second = sorted((root(a), root(b)), key=order.__getitem__)
                cluster[second] = first
    for a, targets in members.items():
        for b in targets:
            if {labels[a], labels[b]} == {CUE, CONTENT}:
                cue, content = (a, b) if labels[a] == CUE else (b, a)
                cue_to_content[root(cue)].add(root(content))
    regions_of = defaultdict(list)
    for rid in cluster:
        regions_of[root(rid)].append(rid)
    joined = {content for contents in cue_to_content.values() for content in contents}
    heads = [r for r in regions_of if labels[r] == CUE or r not in joined]  # each cue, each content with no cue
    groups = []
    for head in heads:
        spans = [*regions_of[head], *(rid for content in cue_to_content.get(head, ()) for rid in regions_of[content])]
        spans.sort(key=order.__getitem__)
        anchor = min(spans, key=lambda r: (r in pointed_to, labels[r] != CUE, order[r]))
        group = [anchor, *(r for r in spans if r != anchor)]
        group += [b for r in spans for b in members.get(r, ()) if labels[b] == SOURCE and b not in group]
        groups.append(group)
    groups.sort(key=lambda group: order[group[0]])
    return groups, referent_of


def _region_fragment(text: str, value: dict, where: str, k: int, rid: Any) -> dict:
    """The fragment region `rid` (item `k` of result `where`) covers, its text taken from `text`.

    OffsetError (check_fragment) when it does not fit; plain integers inside the text, the usual
    case, are passed without building the message that would say where.
    """
    start, end = value.get("start"), value.get("end")
    if type(start) is int and type(end) is int and 0 <= start < end <= len(text):
        return {"start": start, "end": end, "text": text[start:end]}
    ints = isinstance(start, int) and isinstance(end, int)
    frag = {"start": start, "end": end, "text": text[start:end] if ints else None}
    check_fragment(text, frag, f"{where}[{k}] (region {rid})")
    return frag


def result_to_attributions(text: str, result: list[dict], where: str = "result") -> list[dict]:
    """Record-format attributions from Label Studio regions and relations: the inverse of the mapping.

    An attribution is a group of regions (group_regions). Offsets are the truth: fragment text is
    taken from `text`, not from the region's `value.text`.
    """
    regions: dict[str, dict] = {}
    labels: dict[str, str] = {}
    choices: dict[str, dict[str, str]] = defaultdict(dict)
    relations: list[dict] = []
    for k, item in enumerate(result):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "relation":
            relations.append(item)
            continue
        rid, value = item.get("id"), item.get("value") or {}
        if kind == "labels" and item.get("from_name") == LABELS_NAME:
            label = (value.get("labels") or [None])[0]
            if label in ROLE_OF_LABEL or label == REFERENT_LABEL:
                frag = _region_fragment(text, value, where, k, rid)
                regions[rid] = {"label": label, "frag": frag, "span": (frag["start"], frag["end"]),
                                "score": item.get("score")}
                labels[rid] = label
        elif kind == "choices" and value.get("choices"):
            choices[rid].setdefault(item.get("from_name"), value["choices"][0])
    groups, referent_of = group_regions(labels, relations)
    made = (_attribution(text, f"a{n}", group, regions, choices, referent_of) for n, group in enumerate(groups))
    return covered(text, made, where)


def _attribution(text: str, aid: str, group: list[str], regions: dict, choices: dict, referent_of: dict) -> dict:
    """One attribution from its regions (anchor first): confidence comes from the anchor, the kind from a CONTENT
    region when one carries it (the kind says what the content is; an annotator who picks it on the quotation
    meant it, where the draft put its own on the CUE), else from the first region that carries one, else (the
    annotator forgot it: Label Studio cannot require it on one region of two, V312 warns) from the content's quote
    marks, as brat's readers do."""
    frags: dict[str, dict[tuple[int, int], dict]] = {role: {} for role in ROLES}
    sources = []
    for rid in group:
        region = regions[rid]
        frags[ROLE_OF_LABEL[region["label"]]].setdefault(region["span"], region["frag"])
        if region["label"] == SOURCE:
            sources.append(rid)
    sources.sort(key=lambda r: regions[r]["span"])
    kinds = [choices[rid][KIND_NAME] for rid in sorted(group, key=lambda r: regions[r]["label"] != CONTENT)
             if KIND_NAME in choices.get(rid, ())]
    source_types = [choices[rid][SOURCE_TYPE_NAME] for rid in sources if SOURCE_TYPE_NAME in choices.get(rid, {})]
    entities = [regions[referent_of[rid]]["frag"] for rid in sources if rid in referent_of]
    attr: dict[str, Any] = {"id": aid, "kind": kinds[0] if kinds else None}
    if regions[group[0]]["score"] is not None:
        attr["confidence"] = regions[group[0]]["score"]
    for role in ROLES:
        attr[role] = [frags[role][key] for key in sorted(frags[role])]
    if attr["kind"] is None and attr["content"]:
        attr["kind"] = infer_kind(text, attr["content"])
    attr["source_entity"] = entities[0] if entities else None
    if source_types:
        attr["source_type"] = source_types[0]
    return attr


def annotator_of(annotation: dict) -> str | int | None:
    """Who made an annotation: the email of an expanded `completed_by` (else its id), or the bare user id."""
    who = annotation.get("completed_by")
    return _whole(who.get("email") or who.get("id") if isinstance(who, dict) else who)


def annotator_key(annotation: dict) -> Any:
    """Who made an annotation, one value per user whichever form its `completed_by` takes: the user id (an expanded
    one's too), else what annotator_of says. An export holding both forms (`{"id": 2, "email": …}` and `2`) made one
    annotator two, compared with himself. A bool is no one: `true` was user 1 (True == 1), and one annotator's work
    was dropped as not the latest, unchecked."""
    who = annotation.get("completed_by")
    user = _whole(who.get("id")) if isinstance(who, dict) else None
    if isinstance(user, int) and not isinstance(user, bool):
        return user
    named = annotator_of(annotation)
    return None if isinstance(named, bool) else named


def _whole(value: Any) -> Any:
    """An integral float (`2.0`, which JSON Schema takes for an integer) as the integer it stands for."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def comparison_key(attributions: list[dict]) -> list[tuple]:
    """What an annotator can change (spans, kinds, source types, referents), without ids and confidences:
    two results with equal keys say the same."""
    return sorted((
        (a.get("kind"), a.get("source_type"), _span_key(a.get("source_entity")),
         *(tuple(_span_key(f) for f in a[role]) for role in ROLES))
        for a in attributions
    ), key=repr)


def _latest(items: list[dict]) -> list[dict]:
    """The annotation updated (else created) last, then of the highest id; all of them when one has a time that is
    not a string or an id that is not an integer: they cannot be ordered (comparing 5 with "2024-…" stopped in a
    traceback), and the validator then reports the field. Times are compared as instants when all of them read as
    ISO times (`…00.5Z` after `…00Z`, `10:00+02:00` before `09:00Z`); when one does not ("yesterday", which as a
    string came after every "2025-…"), by id alone, the order Label Studio made them in (V604 warns of the time)."""
    if not items or not all(_orderable(item) for item in items):
        return items
    instants = [instant(item.get("updated_at") or item.get("created_at") or "") for item in items]
    when = instants if all(i is not None for i in instants) else [0.0] * len(items)
    return [max(zip(when, items), key=lambda pair: (pair[0], _whole(pair[1].get("id")) or 0))[1]]


def instant(time: str) -> float | None:
    """An ISO time as seconds since the epoch (no zone: UTC), or None."""
    try:
        moment = dt.datetime.fromisoformat(time.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).timestamp()


def _orderable(item: dict) -> bool:
    number = _whole(item.get("id"))
    return all(item.get(key) is None or isinstance(item.get(key), str) for key in ("updated_at", "created_at")) and \
        (number is None or (isinstance(number, int) and not isinstance(number, bool)))


def chosen_annotations(task: dict, choose: str) -> list[dict]:
    """The annotations of `task` that `choose` reads: not cancelled; the last marked ground truth, the latest, the
    one marked ground truth where a reviewer marked one, else the latest (reviewed), all (each), each annotator's
    latest (each_latest), or none (prediction)."""
    # cancelled only when it says so (`true`): another value is for the checks to refuse, not a reason to leave it out
    annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict) and a.get("was_cancelled") is not True]
    if choose == "ground_truth":  # and one that says it in another type than true/false, for the checks to refuse
        return [a for a in annotations if a.get("ground_truth") is True][-1:] + [
            a for a in annotations if "ground_truth" in a and not isinstance(a["ground_truth"], bool)]
    if choose == "latest":
        return _latest(annotations)
    if choose == "reviewed":
        return chosen_annotations(task, "ground_truth") or _latest(annotations)
    if choose == "each_latest":
        by_annotator: dict = {}
        for a in annotations:
            who = annotator_key(a)
            by_annotator.setdefault(who if isinstance(who, (str, int)) else ("annotation", id(a)), []).append(a)
        latest = {id(a) for mine in by_annotator.values() for a in _latest(mine)}
        return [a for a in annotations if id(a) in latest]
    return annotations if choose == "each" else []


def _key(value: Any) -> bool:
    """Whether `value` can be an id to look up (a list in its place is for the checks to report)."""
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


def reads_nothing(task: Any, choose: str) -> bool:
    """True when `choose` takes no record from `task`: nobody annotated it (only cancelled annotations, or none the
    choice reads), or under `prediction` it has none. Nothing of such a task is read, so nothing of it is judged:
    an unannotated task with a broken text stopped the records of every annotated one."""
    if not isinstance(task, dict):
        return False
    listed = task.get("predictions" if choose == "prediction" else "annotations")
    if not isinstance(listed, list) or not all(isinstance(item, dict) for item in listed):
        return False  # not an export's list (missing, null, ids): the checks say what is wrong with it
    return not listed if choose == "prediction" else not chosen_annotations(task, choose)


def as_chosen(task: dict, choose: str) -> tuple[dict, dict[str, list[int]]]:
    """`task` with only what `choose` reads, for checking, and where each item kept is in the task's own lists (for
    the findings to name): the annotations it takes (never a cancelled one, nor an older one under `latest`, nor any
    under `prediction`) and the predictions it reads (the latest under `prediction`, else those a taken annotation
    started from, which `accepted_unchanged` compares). What it leaves aside cannot stop the export. An item that is
    not an object is kept where its list is read: it may be one the choice takes (an export of ids), for the checks."""
    chosen, places = dict(task), {}
    annotations = task.get("annotations")
    if isinstance(annotations, list):
        taken = {id(a) for a in chosen_annotations(task, choose)}
        places["annotations"] = [j for j, a in enumerate(annotations)
                                 if id(a) in taken or choose != "prediction" and not isinstance(a, dict)]
        chosen["annotations"] = [annotations[j] for j in places["annotations"]]
    predictions = task.get("predictions")
    if isinstance(predictions, list):
        objects = [p for p in predictions if isinstance(p, dict)]
        if choose == "prediction":
            read = {id(p) for p in _latest(objects)}
        else:
            taken = chosen["annotations"] if isinstance(chosen.get("annotations"), list) else []
            parents = {a.get("parent_prediction") for a in taken if isinstance(a, dict) and _key(a.get("parent_prediction"))}
            read = {id(p) for p in objects if _key(p.get("id")) and p.get("id") in parents}
        places["predictions"] = [k for k, p in enumerate(predictions)
                                 if id(p) in read or choose == "prediction" and not isinstance(p, dict)]
        chosen["predictions"] = [predictions[k] for k in places["predictions"]]
    return chosen, places


def task_record_id(task: dict) -> str:
    """The id of an exported task's records: its `data.record_id`, else its task id (a task not made by attrib)."""
    return str((task.get("data") or {}).get(RECORD_ID, task.get("id")))


def _data_meta(value) -> dict:
    """A task's `data.meta` as a record's meta. Label Studio's CSV import gives every column as a string: one that
    holds a JSON object (one no output would refuse: no NaN, no key twice) is that object; any other value that is
    not an object is kept under its own name, not lost."""
    if isinstance(value, str):
        try:
            parsed, problems = Decoder().decode(value, max_depth.get())
        except ValueError:
            parsed, problems = None, ()
        if isinstance(parsed, dict) and not problems:
            return parsed
    if value is None or isinstance(value, dict):
        return value or {}
    return {META: value}


def task_records(task: dict, choose: str = "each", fields: bool = True) -> list[dict]:
    """attrib records for one exported task, with provenance.

    choose: "each" (a record per annotation), "each_latest" (a record per annotator: their latest annotation),
    "ground_truth" (the annotation marked so, if any),
    "latest" (the last updated annotation) or "prediction" (the task's latest prediction).
    Cancelled annotations are skipped. The record id is the task's `data.record_id` (its task id when
    the task was not made by attrib). Annotation records carry no confidence: a person made them.
    With `fields`, the other fields of a task imported by hand (`url`, `published`) join the records' meta, as a JSONL
    document's other keys do, and one that `data.meta` holds with another value is refused; without, for readers that
    write no records (agreement, review, the backend's log), meta is `data.meta` alone and nothing is refused.
    """
    if choose not in CHOOSE:
        raise InputError(f"choose must be one of {', '.join(CHOOSE)}, not {choose!r}")
    if reads_nothing(task, choose):
        return []
    data = task.get("data") or {}
    text, task_id = data.get(TEXT_NAME), task.get("id")
    where = f"task {task_id}"
    if not isinstance(text, str):
        raise InputError(f"{where}: no data.{TEXT_NAME} string")
    doc_id = task_record_id(task)
    meta = _data_meta(data.get(META))
    if fields:  # not a record's own keys, if a records file was imported as tasks: its drafts, generator, provenance
        meta = merged_meta({**data, META: meta}, (TEXT_NAME, RECORD_ID, *RECORD_KEYS), where, at="$.data")
    predictions = [p for p in task.get("predictions") or [] if isinstance(p, dict)]
    if choose == "prediction" and task.get("predictions") and not predictions:
        raise InputError(f"{where}: the export has prediction ids, not objects: export with `attrib labelstudio pull`")
    by_id = {p.get("id"): p for p in predictions}

    if choose == "prediction":
        picked = _latest(predictions)  # one: the task was validated, its times and ids are orderable
        if not picked:
            return []
        pred = picked[-1]
        attributions = result_to_attributions(text, pred.get("result") or [], f"{where} prediction {pred.get('id')}")
        provenance = {"task_id": task_id, "annotation_id": None, "prediction_id": pred.get("id"), "annotator": None,
                      "lead_time": None, "accepted_unchanged": None, "origin": "prediction"}
        return [make_record(doc_id, text, attributions, dict(meta), provenance=provenance)]

    annotations = chosen_annotations(task, choose)
    records = []
    for ann in annotations:
        attributions = result_to_attributions(text, ann.get("result") or [], f"{where} annotation {ann.get('id')}")
        for attr in attributions:
            attr.pop("confidence", None)
        parent = by_id.get(ann.get("parent_prediction"))
        unchanged = None
        if parent is not None:
            before = result_to_attributions(text, parent.get("result") or [], f"{where} prediction {parent.get('id')}")
            unchanged = comparison_key(before) == comparison_key(attributions)
        provenance = {"task_id": task_id, "annotation_id": ann.get("id"), "prediction_id": ann.get("parent_prediction"),
                      "annotator": annotator_of(ann), "lead_time": ann.get("lead_time"),
                      "accepted_unchanged": unchanged, "origin": "annotation"}
        records.append(make_record(doc_id, text, attributions, dict(meta), provenance=provenance))
    return records


def export_records(tasks: Iterator[dict], choose: str = "each", source: str | None = None,
                   none_from: Callable[[dict], None] | None = None) -> Iterator[dict]:
    """Records for every task of an export, in export order; a task that cannot be converted is an error naming its
    place (`$[3]`, in the file `source` when given). `none_from` is told each task that gives no record."""
    for i, task in enumerate(tasks):
        try:
            records = task_records(task, choose)
        except InputError as exc:
            raise type(exc)(f"{f'{source} ' if source else ''}$[{i}]: {exc.args[0]}") from None
        if not records and none_from is not None:
            none_from(task)
        yield from records
