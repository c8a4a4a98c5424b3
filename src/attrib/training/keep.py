"""Whether a rule's attribution is worth drafting: what a model sees of it.

The rules' precision differs by construction and by cue far more than their confidence table says
("told" in a clause is almost always right, "called" with an object often not; a cue inside a
quotation is the quoted speaker's). A classifier trained on annotated documents reads the rule,
the cue's lemma and place in the parse, and the shape of the source and content, and estimates how
likely the attribution is to be found in the annotation; `attrib_revise` drops the unlikely ones.
"""

from __future__ import annotations

import math

from spacy.tokens import Doc, Span

from ..records import ROLES, spans
from . import finder_scores
from .boundaries import DocView

CATEGORICAL = ("rule", "kind", "cue_lemma", "cue_pos", "cue_dep", "cue_head_pos", "source_pos", "source_ent", "source_word")
NUMERIC = (
    "confidence", "cue_tokens", "content_tokens", "content_fragments", "source_tokens", "has_source", "content_after_cue",
    "gap", "content_quoted", "cue_in_quote", "same_sentence", "attributions_in_sentence", "sentence_start",
    "paragraph_start", "cue_negated", "content_sentences", "source_entity", "candidate",
)


def score_columns(name: str) -> tuple[str, ...]:
    """The columns of a set of scores (finder_scores.SETS: the span finders', the encoder's): each role's first
    token's score as a start and its last one's as an end, whether a model trained on annotated documents sees this
    attribution too; NaN without them."""
    return tuple(f"{name}_{role}_{side}" for role in ROLES for side in ("start", "end"))


def _span(doc: Doc, frags: list[tuple[int, int]]) -> Span | None:
    if not frags:
        return None
    return doc.char_span(frags[0][0], frags[-1][1], alignment_mode="expand")


def rows(view: DocView, attributions: list[dict], rules: list[str], candidates_from: int | None = None) -> list[dict]:
    """One row per attribution of the rules (in their order; `rules` names the rule of each); those from
    index `candidates_from` on are the laxer rules' candidates (assembly.more_candidates)."""
    doc = view.doc
    cue_sentences = []
    parts = []
    for attr in attributions:
        cue, content, source = (_span(doc, spans(attr, role)) for role in ("cue", "content", "source"))
        parts.append((cue, content, source))
        cue_sentences.append(view.sentence[cue.start] if cue is not None and len(cue) else -1)
    out = []
    first_candidate = len(attributions) if candidates_from is None else candidates_from
    for number, (attr, rule, (cue, content, source)) in enumerate(zip(attributions, rules, parts)):
        root = cue.root if cue is not None and len(cue) else doc[0]
        src_root = source.root if source is not None and len(source) else None
        has_content = content is not None and len(content) > 0
        after = int(has_content and content.start >= root.i)
        gap = 0
        if has_content and cue is not None:
            gap = max(0, content.start - cue.end, cue.start - content.end)
        sentence = view.sentence[root.i]
        first = root.i == 0 or view.sentence[root.i - 1] != sentence
        out.append({
            "rule": rule,
            "kind": attr.get("kind") or "",
            "cue_lemma": root.lemma_.lower(),
            "cue_pos": root.pos_,
            "cue_dep": root.dep_,
            "cue_head_pos": root.head.pos_,
            "source_pos": src_root.pos_ if src_root is not None else "<none>",
            "source_ent": src_root.ent_type_ if src_root is not None else "<none>",
            "source_word": src_root.lower_ if src_root is not None and src_root.pos_ == "PRON" else "<noun>",
            "confidence": attr.get("confidence") or 0.0,
            "cue_tokens": len(cue) if cue is not None else 0,
            "content_tokens": len(content) if has_content else 0,
            "content_fragments": len(attr.get("content") or []),
            "source_tokens": len(source) if source is not None else 0,
            "has_source": int(source is not None),
            "content_after_cue": after,
            "gap": gap,
            "content_quoted": int(has_content and (content[0].is_quote or content[-1].is_quote)),
            "cue_in_quote": int(view.quote_of[root.i]),
            "same_sentence": int(has_content and view.sentence[content.start] == sentence),
            "attributions_in_sentence": cue_sentences.count(sentence),
            "sentence_start": int(first),
            "paragraph_start": int(root.i == 0 or "\n" in doc[root.i - 1].text or "\n" in doc[max(0, root.i - 3) : root.i].text),
            "cue_negated": int(any(c.dep_ == "neg" for c in root.children)),
            "content_sentences": (view.sentence[content.end - 1] - view.sentence[content.start] + 1) if has_content else 0,
            "source_entity": int(attr.get("source_entity") is not None),
            "candidate": int(number >= first_candidate),
            **{k: v for name, prefix in finder_scores.SETS.items()
               for k, v in _score_columns(name, prefix, view, cue, content, source).items()},
        })
    return out


def _score_columns(name: str, prefix: str, view: DocView, cue: Span | None, content: Span | None,
                   source: Span | None) -> dict:
    out = {}
    for role, span in zip(ROLES, (source, cue, content)):
        scores = view.finder.get(prefix + role)
        found = scores is not None and span is not None and len(span) > 0
        out[f"{name}_{role}_start"] = float(scores[span.start, 0]) if found else math.nan
        out[f"{name}_{role}_end"] = float(scores[span.end - 1, 1]) if found else math.nan
    return out
