"""Grouping learned SOURCE, CUE and CONTENT spans into attributions, anchored on cues.

The span classifier finds the three roles independently; an attribution ties them together. A
CONTENT span goes to the cue that governs it: syntactically when the parse links them (the cue's
head governs the content's root, or the content's root governs the cue, as in "according to"),
else the nearest cue in the same sentence or the sentence next to it (split quotes, "He said:
<newline> ..."). Each attributed cue then takes the SOURCE span that is its subject (nsubj,
nsubjpass, the agent of a passive, the object of "according to", a possessor of a nominal cue),
else the nearest source span in its sentence outside the content. Contents with no cue in reach
stay attributions without a cue (attrib_combine keeps one only when a rule attribution it matches lends it
a cue: a record needs one); cues with no content are dropped (a record needs content).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj", "agent", "poss", "pobj", "npadvmod", "expl"}
MAX_GAP = 40  # tokens between a content and a non-syntactic cue, beyond which they are not linked


@dataclass
class Scored:
    """A learned span and the classifier's probability for its role."""

    span: Span
    score: float


@dataclass
class Group:
    """One attribution before it is written out: a cue (or none), its contents and its source."""

    cue: Scored | None
    content: list[Scored] = field(default_factory=list)
    source: Scored | None = None


def _gap(a: Span, b: Span) -> int:
    """Tokens strictly between two spans (0 when adjacent, -1 when they overlap)."""
    if a.end <= b.start:
        return b.start - a.end
    if b.end <= a.start:
        return a.start - b.end
    return -1


def _governs(cue: Span, content: Span) -> bool:
    """The parse links the cue and the content: one's root is the other's head or an ancestor close by."""
    root = content.root
    if root.head.i in range(cue.start, cue.end) or cue.root.head.i in range(content.start, content.end):
        return True
    return any(t.i in range(cue.start, cue.end) for t in list(root.ancestors)[:2])


def _same_sentence(a: Span, b: Span) -> bool:
    if not a.doc.has_annotation("SENT_START"):
        return True
    return a.doc[a.start].sent.start == b.doc[b.start].sent.start


def _content_cost(cue: Span, content: Span) -> float | None:
    """How unlikely `cue` is to be the cue of `content`; None when it cannot be."""
    gap = _gap(cue, content)
    if gap < 0:  # a content containing its own cue is an outer attribution's content
        return None
    if _governs(cue, content):
        return gap * 0.1
    if gap > MAX_GAP:
        return None
    return gap + (0 if _same_sentence(cue, content) else 5)


def _source_cost(cue: Span, source: Span, contents: list[Span]) -> float | None:
    if any(_gap(source, c) < 0 for c in contents) or _gap(source, cue) < 0:
        return None
    cue_tokens = range(cue.start, cue.end)
    for token in source:
        if token.head.i in cue_tokens and token.dep_ in SUBJECT_DEPS:
            return -1.0
        if token.dep_ == "pobj" and token.head.head.i in cue_tokens:
            return -0.5  # "according to X", "said by X"
    if not _same_sentence(cue, source):
        return None
    return float(_gap(cue, source))


def _is_quote(span: Span) -> bool:
    return span[0].is_quote or span[-1].is_quote or (len(span) > 1 and span[-2].is_quote)


def _joins(cue: Span, first: Span, second: Span) -> bool:
    """A second fragment of the same content: two quotes on either side of their cue ("A," he said,
    "B."). Only those: a nearby fragment is as often another speaker's."""
    around = (first.end <= cue.start) != (second.end <= cue.start)
    return around and _gap(first, second) >= 0 and _is_quote(first) and _is_quote(second)


def group_spans(doc: Doc, sources: list[Scored], cues: list[Scored], contents: list[Scored]) -> list[Group]:
    """Tie learned role spans into attributions (see the module docstring for the policy).

    Content-cue pairs are taken cheapest first: a cue takes one content (or two fragments of one, see
    _joins), a content one cue. A content left without a cue stays an attribution without one,
    unless it overlaps a content that got a cue (then it is a boundary variant of that one).
    """
    pairs = sorted(
        (cost, -content.score, c, k)
        for c, content in enumerate(contents)
        for k, cue in enumerate(cues)
        if (cost := _content_cost(cue.span, content.span)) is not None
    )
    by_cue: dict[int, Group] = {}
    assigned: set[int] = set()
    for _cost, _score, c, k in pairs:
        if c in assigned:
            continue
        group = by_cue.get(k)
        if group is None:
            by_cue[k] = Group(cue=cues[k], content=[contents[c]])
        elif len(group.content) == 1 and _joins(cues[k].span, group.content[0].span, contents[c].span):
            group.content.append(contents[c])
        else:
            continue
        assigned.add(c)
    taken = [contents[c].span for c in assigned]
    orphans = [Group(cue=None, content=[content]) for c, content in enumerate(contents)
               if c not in assigned and all(_gap(content.span, t) >= 0 for t in taken)]
    groups = [by_cue[k] for k in sorted(by_cue)] + orphans
    for g in groups:
        if g.cue is None:
            continue
        spans = [c.span for c in g.content]
        costs = [(cost, j) for j, src in enumerate(sources) if (cost := _source_cost(g.cue.span, src.span, spans)) is not None]
        if costs:
            g.source = sources[min(costs)[1]]
    return groups
