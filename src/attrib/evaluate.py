"""Scoring attributions against a reference: the matching rules `attrib eval` and `attrib agreement` share.

Role scores (source, cue, content). A role's units in a document are the distinct spans of that role
over all its attributions, each trimmed of whitespace, punctuation and quote marks at both ends; a
span shared by several attributions (one source, two quotes) counts once, in the reference and in the
prediction alike. Two matchings, both one-to-one:
- exact: the trimmed spans are equal;
- overlap: character Jaccard of the trimmed spans >= 0.5, as many pairs as possible (maximum bipartite
  matching, not greedy).

Attribution level, under two definitions of a found attribution (ATTRIBUTION_DEFINITIONS), both
one-to-one:
- `found_any_char` (attrib's first definition, kept for continuity): a predicted attribution's content
  shares a non-whitespace character with the reference's content (a content of white space only, V205 to
  `validate`, is never found, not even scored against itself); pairs are made largest shared count
  first (greedy; not a maximum matching: a content split between two drafts may find one of two), ties
  going to the pair whose source, cue and kind agree most, then by position (the reference's, then the
  prediction's: the spans' offsets compared source first, then cue, then content, then the kind), never by
  list order;
- `found_jaccard50` (the stricter one GenderGapTracker's and citron's published scores use): the
  contents' hulls (first start to last end of their fragments) have character Jaccard >= 0.5; as many
  pairs as possible (maximum matching).
`attributions` in a report is `found_any_char`. On its found pairs: source accuracy (reference has a
source, and the predicted source has Jaccard >= 0.5 with it; a missing predicted source is wrong), cue
accuracy (the same for cues) and kind accuracy; and recall by the reference's kind.

Micro averages throughout: counts are summed over documents (and annotator pairs), then divided.
A ratio whose denominator is zero is None ("-" in tables), never a made-up 0 or 1.
"""

from __future__ import annotations

import sys
import unicodedata
from array import array
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    import numpy

from .errors import InputError, NothingToDoError, first_difference
from .records import KINDS, ROLES, Span, by_id, iter_records, spans

MATCHINGS = ("exact", "overlap")
ATTRIBUTION_DEFINITIONS = ("found_any_char", "found_jaccard50")
MIN_JACCARD = 0.5
MAX_PAIRS = 1_000_000  # overlapping spans in one document: PolNeAR's most is 206; see overlapping_pairs
# quote marks outside Unicode's punctuation categories (primes are punctuation): grave and acute accents, and the
# dingbat and ornament quotation marks (❛❜❝❞❟❠, 🙶🙷🙸)
QUOTE_SYMBOLS = "`´\u275b\u275c\u275d\u275e\u275f\u2760\U0001f676\U0001f677\U0001f678"


def _trimmable(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] == "P" or char in QUOTE_SYMBOLS


def _strip(text: str, start: int, end: int, strippable: Callable[[str], bool]) -> Span:
    """The span without the characters `strippable` says at its ends; as is if nothing would remain."""
    s, e = start, end
    while s < e and strippable(text[s]):
        s += 1
    while e > s and strippable(text[e - 1]):
        e -= 1
    return (s, e) if s < e else (start, end)


def trim(text: str, start: int, end: int) -> Span:
    """The span without whitespace, punctuation and quote marks at its ends. A span of punctuation only
    (a cue ":" or "―") keeps its punctuation but not its whitespace: ": " is ":"."""
    return _strip(text, *_strip(text, start, end, str.isspace), _trimmable)


def role_units(record: dict, role: str, trimmed: bool = True) -> list[Span]:
    """The distinct spans (trimmed, or as they are) of one role over all attributions of a record, sorted."""
    text = record["text"]
    return sorted(
        {trim(text, s, e) if trimmed else (s, e) for attr in record["attributions"] for s, e in spans(attr, role)}
    )


def _merged(items: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for s, e in sorted(items):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def intersection(a: list[Span], b: list[Span]) -> list[Span]:
    """The spans covered by both `a` and `b` (each a sorted list of disjoint spans)."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def jaccard(a: Iterable[Span], b: Iterable[Span]) -> float:
    """Character Jaccard of two sets of spans: shared characters over characters covered by either."""
    a, b = _merged(a), _merged(b)
    shared = sum(e - s for s, e in intersection(a, b))
    union = sum(e - s for s, e in a) + sum(e - s for s, e in b) - shared
    return shared / union if union else 0.0


def overlapping_pairs(gold: list[Span], pred: list[Span]) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The overlapping pairs as two index arrays (gold, pred), sorted by gold then pred.

    A pair overlaps when the pred starts inside the gold span (and is not an empty span at its start), or the gold
    starts inside the pred span after its start: two ranges of each side sorted by start, found by binary search.
    Time and memory grow with the spans and the pairs, not with all pairs, at 8 bytes a pair (a list of tuples took
    about 100); a document with more than MAX_PAIRS is an InputError before any is made."""
    import numpy

    g, p = span_array(gold), span_array(pred)
    if not (len(g) and len(p)):
        return numpy.zeros(0, dtype=numpy.int32), numpy.zeros(0, dtype=numpy.int32)
    by_start = numpy.argsort(p[:, 0], kind="stable")
    p_starts = p[by_start, 0]
    first = numpy.searchsorted(p_starts, g[:, 0], "left")
    inside_p = numpy.maximum(numpy.searchsorted(p_starts, g[:, 1], "left") - first, 0)  # preds starting in [gs, ge)
    g_by_start = numpy.argsort(g[:, 0], kind="stable")
    g_starts = g[g_by_start, 0]
    after = numpy.searchsorted(g_starts, p[:, 0], "right")
    inside_g = numpy.maximum(numpy.searchsorted(g_starts, p[:, 1], "left") - after, 0)  # golds starting in (ps, pe)
    total = int(inside_p.sum()) + int(inside_g.sum())
    if total > MAX_PAIRS:
        raise InputError(f"{len(gold):,} reference and {len(pred):,} predicted spans overlap in {total:,} pairs, more "
                         f"than the {MAX_PAIRS:,} attrib scores in one document (one draft repeated, or nested spans, "
                         "thousands of times?)")
    ga = numpy.repeat(numpy.arange(len(g), dtype=numpy.int32), inside_p)
    pa = by_start[_ranges(first, inside_p)].astype(numpy.int32)
    not_empty_at_start = p[pa, 1] > g[ga, 0]  # an empty pred at the gold's start touches nothing
    ga, pa = ga[not_empty_at_start], pa[not_empty_at_start]
    pb = numpy.repeat(numpy.arange(len(p), dtype=numpy.int32), inside_g)
    gb = g_by_start[_ranges(after, inside_g)].astype(numpy.int32)
    gold_index, pred_index = numpy.concatenate([ga, gb]), numpy.concatenate([pa, pb])
    order = numpy.lexsort((pred_index, gold_index))
    return gold_index[order], pred_index[order]


def span_array(spans: list[Span]) -> numpy.ndarray:
    """Spans as an (n, 2) array of starts and ends, for the pair arrays to index."""
    import numpy

    return numpy.asarray(spans, dtype=numpy.int64).reshape(-1, 2)


def _ranges(starts: numpy.ndarray, lengths: numpy.ndarray) -> numpy.ndarray:
    """The positions start, start + 1, ..., start + length - 1 of every (start, length), one after the other."""
    import numpy

    total = int(lengths.sum())
    ends = numpy.cumsum(lengths)
    return numpy.arange(total, dtype=numpy.int64) - numpy.repeat(ends - lengths - starts, lengths)


def match_exact(gold: list[Span], pred: list[Span]) -> int:
    """Matched units when equal spans match (units are distinct, so this is one-to-one)."""
    return len(set(gold) & set(pred))


def match_overlap(gold: list[Span], pred: list[Span]) -> int:
    """Size of a maximum one-to-one matching of the spans whose Jaccard is >= 0.5 (Kuhn's algorithm).

    `gold` and `pred` are sorted, and may repeat a span (two attributions with the same hull)."""
    import numpy

    g, p = overlapping_pairs(gold, pred)
    if not len(g):
        return 0
    (gs, ge), (ps, pe) = span_array(gold)[g].T, span_array(pred)[p].T
    shared = numpy.minimum(ge, pe) - numpy.maximum(gs, ps)  # > 0: the pair overlaps
    close = shared >= MIN_JACCARD * (ge - gs + pe - ps - shared)  # jaccard([gold[g]], [pred[p]])
    g, p = g[close], p[close]
    edges = _Edges(g, p)
    owner: dict[int, int] = {}
    return sum(_free(g, edges, owner) or _augment(g, edges, owner) for g in dict.fromkeys(g.tolist()))  # g is sorted


class _Edges:
    """Each gold's preds, from pair arrays sorted by gold: 4 bytes an edge (a dict of lists of ints took about 40)."""

    def __init__(self, gold: numpy.ndarray, pred: numpy.ndarray):
        import numpy

        self.targets = array("i", pred.astype(numpy.int32).tobytes())
        self.bounds = numpy.searchsorted(gold, numpy.arange(int(gold.max(initial=-1)) + 2)).tolist()

    def __getitem__(self, g: int) -> array:
        return self.targets[self.bounds[g]:self.bounds[g + 1]]


def _free(g: int, edges: _Edges, owner: dict[int, int]) -> bool:
    """Take a pred nobody holds, if `g` has one: no augmenting path to search (with many equal spans that search
    went as deep as there were spans, for each of them)."""
    for p in edges[g]:
        if p not in owner:
            owner[p] = g
            return True
    return False


def _augment(start: int, edges: _Edges, owner: dict[int, int]) -> bool:
    """Kuhn's augmenting path from gold `start`, found depth first with an explicit stack (a chain of a thousand
    overlapping spans recursed past Python's limit); on success `owner` (pred -> gold) is flipped along it."""
    seen: set[int] = set()
    stack = [(start, iter(edges[start]))]
    path: list[int] = []  # the pred taken at each level of the stack but the last
    while stack:
        g, choices = stack[-1]
        for p in choices:
            if p in seen:
                continue
            seen.add(p)
            if p not in owner:  # a free pred: the path ends here
                for (level_g, _), taken in zip(stack, [*path, p]):
                    owner[taken] = level_g
                return True
            path.append(p)
            stack.append((owner[p], iter(edges[owner[p]])))
            break
        else:
            stack.pop()
            if path:
                path.pop()
    return False


def greedy_pairs(a: numpy.ndarray, b: numpy.ndarray, weight: numpy.ndarray,
                 order: Callable[[numpy.ndarray, numpy.ndarray], tuple] = lambda a, b: ()) -> list[tuple[int, int]]:
    """One-to-one pairs of the index arrays `a` and `b`, taken largest `weight` first; among equal weights, by the sort
    keys `order(a, b)` gives for the pairs both of whose sides are still free when their weight comes (numpy arrays,
    the last the first to sort by, as numpy.lexsort takes them), then by the lowest indices. `order` is asked only of
    those pairs: with a thousand nested contents it was asked of a million. The pairs are walked in chunks and the
    walk stops when one side is used up: a million equal pairs were a million tuples."""
    import numpy

    pairs: list[tuple[int, int]] = []
    if not len(a):
        return pairs
    by = numpy.lexsort((b, a, -weight))
    a, b, weight = a[by], b[by], weight[by]
    used_a, used_b = numpy.zeros(int(a.max()) + 1, dtype=bool), numpy.zeros(int(b.max()) + 1, dtype=bool)
    most = min(len(numpy.unique(a)), len(numpy.unique(b))) if len(a) > 65536 else -1  # pairs there can be
    levels = numpy.flatnonzero(numpy.diff(weight)) + 1
    for lo, hi in zip([0, *levels.tolist()], [*levels.tolist(), len(a)]):
        if hi - lo == 1:  # most levels of a document hold one pair: no arrays to make
            x, y = int(a[lo]), int(b[lo])
            if not used_a[x] and not used_b[y]:
                used_a[x] = used_b[y] = True
                pairs.append((x, y))
            continue
        free = ~used_a[a[lo:hi]] & ~used_b[b[lo:hi]]
        level_a, level_b = a[lo:hi][free], b[lo:hi][free]
        if len(level_a) > 1:
            ranked = numpy.lexsort((level_b, level_a, *order(level_a, level_b)))
            level_a, level_b = level_a[ranked], level_b[ranked]
        for at in range(0, len(level_a), 65536):
            for x, y in zip(level_a[at:at + 65536].tolist(), level_b[at:at + 65536].tolist()):
                if not used_a[x] and not used_b[y]:
                    used_a[x] = used_b[y] = True
                    pairs.append((x, y))
            if len(pairs) == most:
                return sorted(pairs)
    return sorted(pairs)


@cache
def _whitespace() -> numpy.ndarray:
    """The code points str.isspace() takes, sorted."""
    import numpy

    return numpy.array([c for c in range(sys.maxunicode + 1) if chr(c).isspace()], dtype=numpy.uint32)


def _solid_before(text: str) -> numpy.ndarray:
    """For each offset i, how many characters before it are not whitespace: 4 to 8 bytes a character (a list of
    Python ints took 40, 6.3 GB for a text of 153 MB). numpy is imported here, not with the module: the command line
    imports this one before it sets numpy's threads (threads.single_threaded)."""
    import numpy

    codes = numpy.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)
    out = numpy.zeros(len(text) + 1, dtype=numpy.int32 if len(text) < 2**31 else numpy.int64)
    numpy.cumsum(~numpy.isin(codes, _whitespace()), out=out[1:])
    return out


def match_attributions(text: str, gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """(gold index, pred index) pairs whose contents share non-whitespace characters, greedy by that count.

    Among pairs that share as many characters (one content in two attributions: "A said and B added that
    ..."), those whose source, cue and kind agree more are taken first, then by where their spans lie: never
    by the order the attributions are listed in, which says nothing (reordering a file changed which
    source was judged right)."""
    import numpy

    gold_content = [_merged(spans(a, "content")) for a in gold]
    pred_content = [_merged(spans(a, "content")) for a in pred]
    hulls = [[(c[0][0], c[-1][1]) if c else (0, 0) for c in contents] for contents in (gold_content, pred_content)]
    g, p = overlapping_pairs(*hulls)
    if not len(g):
        return []
    solid = _solid_before(text)  # solid[i]: non-whitespace characters before i
    (gs, ge), (ps, pe) = span_array(hulls[0])[g].T, span_array(hulls[1])[p].T
    weight = solid[numpy.minimum(ge, pe)].astype(numpy.int64) - solid[numpy.maximum(gs, ps)]
    fragments = [numpy.array([len(c) for c in contents]) for contents in (gold_content, pred_content)]
    for i in numpy.flatnonzero((fragments[0][g] > 1) | (fragments[1][p] > 1)).tolist():  # the hulls' overlap is not
        # the contents'
        shared = intersection(gold_content[g[i]], pred_content[p[i]])
        weight[i] = int(sum(solid[e] - solid[s] for s, e in shared))
    counted = weight > 0
    g, p, weight = g[counted], p[counted], weight[counted]
    gold_at, pred_at = (numpy.array(_ranks([_place(a) for a in side]), dtype=numpy.int64) for side in (gold, pred))
    agreed: dict[int, int] = {}  # by the two places: equal attributions, each pair of which overlaps, are judged
    # once

    def order(g: numpy.ndarray, p: numpy.ndarray) -> tuple:
        places, first, where = numpy.unique(gold_at[g] * len(pred) + pred_at[p], return_index=True,
                                            return_inverse=True)
        for key, i in zip(places.tolist(), first.tolist()):
            if key not in agreed:
                agreed[key] = _agreement(text, gold[g[i]], pred[p[i]])
        agreement = numpy.array([agreed[key] for key in places.tolist()])[where.reshape(-1)]
        return pred_at[p], gold_at[g], -agreement

    return greedy_pairs(g, p, weight, order)


def _ranks(keys: list) -> list[int]:
    """Each key's rank among the distinct keys, in their order: equal keys get one rank."""
    rank = {key: i for i, key in enumerate(sorted(set(keys)))}
    return [rank[key] for key in keys]


def _place(attribution: dict) -> tuple:
    """Where an attribution's spans lie, role by role: a key independent of its place in the list."""
    return tuple(tuple(spans(attribution, role)) for role in ROLES), str(attribution.get("kind"))


def _role_right(text: str, gold: dict, pred: dict, role: str) -> bool:
    """The predicted source (cue) is right: trimmed character Jaccard >= 0.5 with the reference's."""
    return jaccard(_trimmed(text, gold, role), _trimmed(text, pred, role)) >= MIN_JACCARD


def _agreement(text: str, gold: dict, pred: dict) -> int:
    """How many of source, cue and kind a found pair gets right (a role neither has counts as agreeing)."""
    roles = sum(_role_right(text, gold, pred, role) or not (spans(gold, role) or spans(pred, role))
                for role in ("source", "cue"))
    return roles + (gold.get("kind") == pred.get("kind"))


def content_hull(attribution: dict) -> Span | None:
    """From the first start to the last end of an attribution's content fragments; None without content."""
    fragments = spans(attribution, "content")
    return (fragments[0][0], max(e for _, e in fragments)) if fragments else None


def match_hulls(gold: list[dict], pred: list[dict]) -> int:
    """How many attributions are found under `found_jaccard50`: a maximum one-to-one matching of
    content hulls with character Jaccard >= 0.5."""
    hulls = [sorted(h for h in map(content_hull, attributions) if h is not None) for attributions in (gold, pred)]
    return match_overlap(*hulls)


def _trimmed(text: str, attribution: dict, role: str) -> list[Span]:
    return [trim(text, s, e) for s, e in spans(attribution, role)]


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def percent(value: float | None) -> str:
    """A fraction as a percentage with one decimal for tables; "-" when it is undefined. Only a perfect score reads
    100.0 (2,191 of 2,192 read as perfect), and only nothing reads 0.0."""
    if value is None:
        return "-"
    return f"{min(max(100 * value, 0.1 if value > 0 else 0.0), 99.9 if value < 1 else 100.0):.1f}"


@dataclass
class Counts:
    """True positives, false positives, false negatives; precision, recall and F1 from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, matched: int, n_gold: int, n_pred: int) -> None:
        self.tp += matched
        self.fp += n_pred - matched
        self.fn += n_gold - matched

    def merge(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    def as_dict(self) -> dict:
        return {
            "precision": ratio(self.tp, self.tp + self.fp),
            "recall": ratio(self.tp, self.tp + self.fn),
            "f1": ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass
class Share:
    """How many of `total` cases were right."""

    correct: int = 0
    total: int = 0

    def add(self, correct: bool) -> None:
        self.correct += bool(correct)
        self.total += 1

    def merge(self, other: Share) -> None:
        self.correct, self.total = self.correct + other.correct, self.total + other.total

    def as_dict(self, name: str = "accuracy", count: str = "correct") -> dict:
        return {name: ratio(self.correct, self.total), count: self.correct, "total": self.total}


@dataclass
class Scores:
    """Everything `attrib eval` reports, accumulated one document pair at a time."""

    documents: int = 0
    roles: dict[str, dict[str, Counts]] = field(
        default_factory=lambda: {r: {m: Counts() for m in MATCHINGS} for r in ROLES}
    )
    attributions: Counts = field(default_factory=Counts)  # found_any_char
    attributions_jaccard50: Counts = field(default_factory=Counts)  # found_jaccard50
    given_found: dict[str, Share] = field(default_factory=lambda: {k: Share() for k in ("source", "cue", "kind")})
    recall_by_kind: dict[str, Share] = field(default_factory=lambda: {k: Share() for k in KINDS})

    def add(self, gold: dict, pred: dict) -> None:
        """Score one document: `pred` against the reference `gold` (same text)."""
        self.documents += 1
        text = gold["text"]
        for role in ROLES:
            g, p = role_units(gold, role), role_units(pred, role)
            self.roles[role]["exact"].add(match_exact(g, p), len(g), len(p))
            self.roles[role]["overlap"].add(match_overlap(g, p), len(g), len(p))
        gold_attrs, pred_attrs = gold["attributions"], pred["attributions"]
        pairs = match_attributions(text, gold_attrs, pred_attrs)
        self.attributions.add(len(pairs), len(gold_attrs), len(pred_attrs))
        self.attributions_jaccard50.add(match_hulls(gold_attrs, pred_attrs), len(gold_attrs), len(pred_attrs))
        found = dict(pairs)
        for g, attr in enumerate(gold_attrs):
            self.recall_by_kind.setdefault(attr.get("kind") or "unset", Share()).add(g in found)
        for g, p in pairs:
            for role in ("source", "cue"):
                if spans(gold_attrs[g], role):
                    self.given_found[role].add(_role_right(text, gold_attrs[g], pred_attrs[p], role))
            self.given_found["kind"].add(gold_attrs[g].get("kind") == pred_attrs[p].get("kind"))

    def merge(self, other: Scores) -> None:
        self.documents += other.documents
        for role in ROLES:
            for m in MATCHINGS:
                self.roles[role][m].merge(other.roles[role][m])
        self.attributions.merge(other.attributions)
        self.attributions_jaccard50.merge(other.attributions_jaccard50)
        for table, theirs in ((self.given_found, other.given_found), (self.recall_by_kind, other.recall_by_kind)):
            for key, share in theirs.items():
                table.setdefault(key, Share()).merge(share)

    def as_dict(self) -> dict:
        return {
            "documents": self.documents,
            "roles": {r: {m: c.as_dict() for m, c in by.items()} for r, by in self.roles.items()},
            "attributions": self.attributions.as_dict(),
            "attributions_by_definition": {
                "found_any_char": self.attributions.as_dict(),
                "found_jaccard50": self.attributions_jaccard50.as_dict(),
            },
            "given_found": {k: s.as_dict() for k, s in self.given_found.items()},
            "recall_by_kind": {k: s.as_dict("recall", "found") for k, s in self.recall_by_kind.items()},
        }


def evaluate(gold_path: str, pred_path: str,
             read: Callable[[list[str]], Iterable[dict]] = iter_records) -> dict:
    """Score the predictions of `pred_path` against the reference `gold_path` (JSONL, attrib or gold format).

    `read` gives a file's records (the CLI passes one that checks them against the record schema first).
    A reference or predictions with no document is a NothingToDoError, and an InputError when none pairs. Documents
    pair by id. A reference document without a prediction is scored as predicting nothing; predicted documents the
    reference lacks are not scored and are listed under `unscored_pred_ids`.
    A pair whose texts differ is an InputError (the offsets would mean different things).
    """
    gold = by_id(read([gold_path]), gold_path)
    if not gold:
        raise NothingToDoError(f"{gold_path}: no records in it: nothing to score against")
    pred = by_id(read([pred_path]), pred_path)
    if not pred:  # attrib writes a record for every document, drafts or none: an empty file is a failed run, or the wrong file
        raise NothingToDoError(f"{pred_path}: no records in it: nothing to score (annotate writes a record for every "
                               "document, with or without attributions)")
    if not gold.keys() & pred.keys():  # every figure 0, exit 0: the wrong file, or ids made another way
        raise InputError(f"{pred_path}: no document id in common with {gold_path} (there {next(iter(gold))!r}, here "
                         f"{next(iter(pred))!r}): nothing to pair; documents pair by id")
    scores = Scores()
    missing = []
    for doc_id, g in gold.items():
        p = pred.get(doc_id)
        if p is None:
            missing.append(doc_id)
            p = {**g, "attributions": []}
        elif p["text"] != g["text"]:
            at = first_difference(g["text"], p["text"])
            raise InputError(f"{pred_path}: document {doc_id!r}: text differs from {gold_path} at character {at}")
        try:
            scores.add(g, p)
        except InputError as exc:  # too many overlapping pairs: the document is named here
            raise InputError(f"{pred_path}: document {doc_id!r}: {exc.args[0]}") from None
    report = scores.as_dict()
    report["documents"] = {
        "scored": scores.documents,
        "gold": len(gold),
        "pred": len(pred),
        "missing_in_pred": missing,
        "unscored_pred_ids": [doc_id for doc_id in pred if doc_id not in gold],
    }
    return report
