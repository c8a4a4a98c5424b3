"""Where a rule's span should start and end: the candidate boundaries near it and what a model sees of each.

Most of the rules' exact-match misses are boundaries a few tokens off ("said" for "said in an
interview", "have called" for "have called for", a content that runs on past its sentence). For each
fragment the rules drafted, every token boundary within a window of its start (and of its end) is a
candidate; `attrib_revise` scores them with a classifier trained on annotated documents and moves the
boundary to the best one. Candidates are compared as `attrib eval` compares spans: after trimming
whitespace, punctuation and quote marks, so two candidates that trim to the same place are one.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

import numpy
from spacy.tokens import Doc

from ..evaluate import trim
from . import finder_scores

WINDOW = {"source": 6, "cue": 4, "content": 12}  # tokens each side of a rule's boundary
SIDES = ("start", "end")
# what a boundary model sees: categorical columns, then numeric ones
CATEGORICAL = ("role", "rule", "kind", "word", "pos", "dep", "out_word", "out_pos", "out_dep", "head_pos")
NUMERIC = (
    "offset", "distance", "sentences_crossed", "sentence_edge", "paragraph_edge", "out_punct", "out_quote",
    "in_quote", "word_quote", "subtree_edge", "root_subtree_edge", "tokens", "cue_side", "cue_distance",
    "crosses_cue", "verbs_crossed", "commas_crossed", "original", "head_in_cue",
)


def score_columns(name: str) -> tuple[str, ...]:
    """The columns of a set of scores (finder_scores.SETS: the span finders', the encoder's): the score of this
    boundary's token, of the rule's own, their difference, and the token outside's score on the other side (an end
    just before a start); then how it ranks among its site's candidates; NaN without them."""
    return _token_columns(name) + _site_columns(name)


def _token_columns(name: str) -> tuple[str, ...]:
    return (f"{name}_in", f"{name}_own", f"{name}_gain", f"{name}_out_other")


def _site_columns(name: str) -> tuple[str, ...]:
    """A candidate's score against the other candidates of its site: its rank (0 for the best), its gap to the
    best, and its margin over the best of the others. A model scores candidates one by one, so without them it
    cannot tell the best of several close scores from one that only beats the rule's own."""
    return (f"{name}_rank", f"{name}_gap", f"{name}_margin")


@dataclass
class Candidate:
    """One place a fragment's start or end may move to: its character offset and its features."""

    char: int
    trimmed: int  # the offset after attrib eval's trimming: what exact match compares
    row: dict


class DocView:
    """Per-token facts of a parsed Doc that every candidate reads, computed once per document."""

    def __init__(self, doc: Doc, quotes: list[tuple[int, int]], finder: dict[str, numpy.ndarray] | None = None):
        self.doc = doc
        self.text = doc.text
        self.n = len(doc)
        # the span finders' scores per role (finder_scores.py), if any were made on this tokenization
        self.finder = {role: table for role, table in (finder or {}).items() if len(table) == self.n}
        sentence, count = [], 0
        for token in doc:
            count += bool(token.is_sent_start) and token.i > 0
            sentence.append(count)
        self.sentence = sentence
        self.quote_of = [any(s <= t.idx < e for s, e in quotes) for t in doc]
        self.breaks = [("\n" in t.text) or ("\n" in t.whitespace_) for t in doc]  # a line break in or right after the token
        self.pos = [t.pos_ for t in doc]
        self.starts = [t.idx for t in doc]
        self.verbs = list(accumulate((p in ("VERB", "AUX") for p in self.pos), initial=0))
        self.commas = list(accumulate((t.text in ",;:—–" for t in doc), initial=0))

    def token_at(self, char: int, end: bool = False) -> int:
        """The token that holds character `char` (for an end offset: the one holding char - 1)."""
        return max(0, min(self.n - 1, bisect_right(self.starts, char - 1 if end else char) - 1))


def _word(token) -> str:
    return token.lower_ if token.is_stop or token.is_punct else f"<{token.pos_}>"


def candidates(view: DocView, role: str, rule: str, kind: str, span: tuple[int, int], cue: tuple[int, int] | None,
               side: str) -> list[Candidate]:
    """The candidate positions of `span`'s `side` ("start" or "end"), the rule's own first."""
    doc, text = view.doc, view.text
    first, last = view.token_at(span[0]), view.token_at(span[1], end=True)
    anchor = first if side == "start" else last
    window = WINDOW[role]
    cue_tokens = (view.token_at(cue[0]), view.token_at(cue[1], end=True)) if cue else None
    root = doc[first : last + 1].root
    out: list[Candidate] = []
    seen: set[int] = set()
    own = span[0] if side == "start" else span[1]
    for i in [None, *range(max(0, anchor - window), min(view.n, anchor + window + 1))]:
        if i is None:
            char, i = own, anchor
        else:
            token = doc[i]
            if token.is_space or (side == "start" and i > last) or (side == "end" and i < first):
                continue
            char = token.idx if side == "start" else token.idx + len(token)
        trimmed = trim(text, char, span[1])[0] if side == "start" else trim(text, span[0], char)[1]
        if trimmed in seen:
            continue
        seen.add(trimmed)
        out.append(Candidate(char, trimmed, _row(view, role, rule, kind, side, i, anchor, first, last, root, cue_tokens, char == own)))
    for name in finder_scores.SETS:
        _rank(out, name)
    return out


def _rank(site: list[Candidate], name: str) -> None:
    """Add the site columns of the scores `name` to each candidate of one site."""
    scores = numpy.array([c.row[f"{name}_in"] for c in site], dtype=numpy.float64)
    columns = _site_columns(name)
    if not numpy.isfinite(scores).all():
        for c in site:
            c.row.update(dict.fromkeys(columns, math.nan))
        return
    ranks = (-scores).argsort(kind="stable").argsort()
    ordered = numpy.sort(scores)[::-1]
    for c, rank, score in zip(site, ranks, scores):
        other = ordered[1] if rank == 0 and len(ordered) > 1 else ordered[0]
        c.row.update(zip(columns, (int(rank), float(score - ordered[0]), float(score - other))))


def _row(view: DocView, role, rule, kind, side, i, anchor, first, last, root, cue_tokens, original) -> dict:
    doc = view.doc
    token = doc[i]
    outside = i - 1 if side == "start" else i + 1  # the token just outside the span at this boundary
    out_token = doc[outside] if 0 <= outside < view.n else None
    low, high = min(i, anchor), max(i, anchor)
    start, end = (i, last) if side == "start" else (first, i)
    cue_side = cue_distance = crosses_cue = head_in_cue = 0
    if cue_tokens:
        cue_side = -1 if i < cue_tokens[0] else (1 if i > cue_tokens[1] else 0)
        cue_distance = min(abs(i - cue_tokens[0]), abs(i - cue_tokens[1]))
        crosses_cue = int(start <= cue_tokens[0] <= end)
        head_in_cue = int(cue_tokens[0] <= token.head.i <= cue_tokens[1])
    edge = token.left_edge.i if side == "start" else token.right_edge.i
    root_edge = root.left_edge.i if side == "start" else root.right_edge.i
    scored = {k: v for name, prefix in finder_scores.SETS.items()
              for k, v in _score_columns(name, view.finder.get(prefix + role), side, i, anchor, outside).items()}
    return {**scored, **{
        "role": role, "rule": rule, "kind": kind,
        "word": _word(token), "pos": token.pos_, "dep": token.dep_,
        "out_word": _word(out_token) if out_token is not None else "<edge>",
        "out_pos": out_token.pos_ if out_token is not None else "<edge>",
        "out_dep": out_token.dep_ if out_token is not None else "<edge>",
        "head_pos": token.head.pos_,
        "offset": i - anchor,
        "distance": abs(i - anchor),
        "sentences_crossed": abs(view.sentence[i] - view.sentence[anchor]),
        "sentence_edge": int(out_token is None or view.sentence[outside] != view.sentence[i]),
        "paragraph_edge": int(out_token is None or view.breaks[min(i, outside)]),
        "out_punct": int(out_token is not None and out_token.is_punct),
        "out_quote": int(out_token is not None and out_token.is_quote),
        "in_quote": int(view.quote_of[i]),
        "word_quote": int(token.is_quote),
        "subtree_edge": int(edge == i),
        "root_subtree_edge": int(root_edge == i),
        "tokens": end - start + 1,
        "cue_side": cue_side, "cue_distance": cue_distance, "crosses_cue": crosses_cue,
        "verbs_crossed": view.verbs[high] - view.verbs[low],
        "commas_crossed": view.commas[high] - view.commas[low],
        "original": int(original),
        "head_in_cue": head_in_cue,
    }}


def _score_columns(name: str, scores: numpy.ndarray | None, side: str, i: int, anchor: int, outside: int) -> dict:
    if scores is None:
        return dict.fromkeys(_token_columns(name), math.nan)
    column = 0 if side == "start" else 1
    here, own = float(scores[i, column]), float(scores[anchor, column])
    other = float(scores[outside, 1 - column]) if 0 <= outside < len(scores) else 0.0
    return dict(zip(_token_columns(name), (here, own, here - own, other)))


@dataclass
class Site:
    """One side of one fragment of one attribution, with its candidate positions."""

    attribution: int
    role: str
    fragment: int
    side: str
    span: tuple[int, int]
    candidates: list[Candidate]


def sites(view: DocView, attributions: list[dict], rules: list[str]) -> list[Site]:
    """Every side of every fragment of `attributions` (drafted by `rules`), with its candidates."""
    out = []
    for a, (attr, rule) in enumerate(zip(attributions, rules)):
        cue = attr.get("cue") or []
        cue_span = (cue[0]["start"], cue[-1]["end"]) if cue else None
        for role in WINDOW:
            for f, frag in enumerate(attr.get(role) or []):
                span = (frag["start"], frag["end"])
                for side in SIDES:
                    found = candidates(view, role, rule, attr.get("kind") or "", span, cue_span if role != "cue" else None, side)
                    out.append(Site(a, role, f, side, span, found))
    return out
