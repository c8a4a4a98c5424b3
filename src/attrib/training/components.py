"""The spaCy parts `attrib train` adds: a candidate suggester and the `attrib_combine` component.

`attrib_combine` runs last. It reads the span classifier's labelled spans (doc.spans["attrib_learned"],
with their scores), keeps the best of near-duplicate candidates, groups them into attributions
(grouping.py), merges them with the rules' attributions when the rule component ran before it
(policy.py), sets calibrated confidences (calibration.py), drops drafts below `min_confidence`, and stores the result with
attrib.spacy_doc.set_attributions, where `attrib annotate` reads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

import numpy
import spacy
from spacy.language import Language
from spacy.pipeline.span_finder import SpanFinder
from spacy.pipeline.spancat import preset_spans_suggester
from spacy.tokens import Doc, Span
from spacy.training import Corpus, Example
from spacy.util import registry
from thinc.api import Ops, get_current_ops
from thinc.types import Ragged

from ..errors import ModelError
from ..records import fragment, infer_kind
from ..spacy_doc import get_attributions, set_attributions
from . import finder_scores
from .calibration import SCHEMA as CALIBRATION_SCHEMA, Calibration
from .corpus import GOLD_KEY, LABELS
from .grouping import Group, Scored, group_spans
from .policy import PREFER, combine
from .saved import read_json

POLICY_SCHEMA = {  # policy.json, as the combiner's to_disk writes it (a model saved before fill_from has none: 0)
    "type": "object", "required": ["prefer", "fill", "min_confidence"],
    "properties": {"prefer": {"enum": list(PREFER)}, "fill": {"type": "boolean"},
                   "fill_from": {"type": "number", "minimum": 0, "maximum": 1},
                   "min_confidence": {"type": "number", "minimum": 0, "maximum": 1}},
}

CANDIDATES_KEY = "attrib_candidates"
TEACHER_KEY = "attrib_teacher"
SAME_ROLE_OVERLAP = 0.5  # token Jaccard above which two spans of one role are one candidate


@registry.callbacks("attrib.copy_base_tok2vec.v1")
def copy_base_tok2vec(base: str, component: str):
    """After initialization, give `component` the weights of the base pipeline's tok2vec (a copy,
    so that fine-tuning it leaves the frozen tok2vec under the tagger and parser as it was)."""

    def copy(nlp: Language) -> Language:
        source = spacy.load(base, exclude=["tagger", "parser", "ner", "lemmatizer", "attribute_ruler"])
        nlp.get_pipe(component).model.from_bytes(source.get_pipe("tok2vec").model.to_bytes())
        return nlp

    return copy


class CappedSpanFinder(SpanFinder):
    """spaCy's span finder with a budget: at most `max_share` of the tokens as starts (and as ends,
    best-scored first), and each start paired with its `max_ends` nearest ends only; and its scores kept on
    the Doc for `attrib_revise` (finder_scores.py).

    The stock finder pairs every start with every end within max_length; early in training, or
    under dropout, when most tokens pass the threshold, that is tokens x max_length spans per
    document (gigabytes, and minutes in the span classifier). The budget bounds the candidates at
    max_share x max_ends per token.
    """

    def set_annotations(self, docs: Iterable[Doc], scores) -> None:
        scores = self.model.ops.to_numpy(scores)
        threshold, max_length = self.cfg["threshold"], self.cfg["max_length"] or 10**9
        min_length = self.cfg["min_length"] or 1
        offset = 0
        for doc in docs:
            doc_scores = scores[offset : offset + len(doc)]
            offset += len(doc)
            finder_scores.store(doc, self.cfg["spans_key"], doc_scores)
            budget = max(1, int(self.cfg["max_share"] * len(doc)))
            starts, ends = (self._best(doc_scores[:, col], threshold, budget) for col in (0, 1))
            doc.spans[self.cfg["spans_key"]] = [
                doc[a : b + 1]
                for a in starts
                for b in ends[(ends >= a + min_length - 1) & (ends < a + max_length)][: self.cfg["max_ends"]]
            ]

    @staticmethod
    def _best(column: numpy.ndarray, threshold: float, budget: int) -> numpy.ndarray:
        passing = numpy.flatnonzero(column >= threshold)
        if len(passing) > budget:
            passing = numpy.sort(passing[numpy.argsort(-column[passing], kind="stable")[:budget]])
        return passing


@Language.factory(
    "attrib_span_finder",
    assigns=["doc.spans"],
    default_config={
        "threshold": 0.5,
        "max_length": 25,
        "min_length": None,
        "max_share": 0.1,
        "max_ends": 4,
        "spans_key": "attrib_candidates",
        "scorer": {"@scorers": "spacy.span_finder_scorer.v1"},
    },
)
def make_span_finder(nlp, name, model, spans_key, threshold, max_length, min_length, max_share, max_ends, scorer):
    finder = CappedSpanFinder(nlp, model, name, spans_key=spans_key, threshold=threshold,
                              max_length=max_length, min_length=min_length, scorer=scorer)
    finder.cfg.update(max_share=max_share, max_ends=max_ends)
    return finder


@registry.readers("attrib.teacher_corpus.v1")
def teacher_corpus(path: str, max_length: int = 0):
    """spaCy's Corpus, with the gold role spans copied onto each predicted Doc (under TEACHER_KEY).

    The span classifier only ever sees the candidates it is given; early in training the span
    finders propose few right ones, so the classifier would learn that nothing is a CONTENT. With
    the gold spans always among its training candidates it learns every role from the first step,
    while the finders learn to propose. Used for the training corpus only, never for dev.
    """
    corpus = Corpus(path, max_length=max_length)

    def read(nlp: Language) -> Iterator[Example]:
        for example in corpus(nlp):
            predicted = example.predicted
            spans = (predicted.char_span(s.start_char, s.end_char) for s in example.reference.spans.get(GOLD_KEY, []))
            predicted.spans[TEACHER_KEY] = [span for span in spans if span is not None]
            yield example

    return read


SENTENCE_FINAL = {".", "?", "!", "…"}


def crosses_sentence(doc: Doc, start: int, end: int) -> bool:
    """The span runs past a sentence end (a mark followed by a space, or a line break) and does not
    open with a quote mark: in PolNeAR's train split 1% of contents do that, 25% of quotes."""
    if doc[start].is_quote:
        return False
    return any((t.text in SENTENCE_FINAL and t.whitespace_) or "\n" in t.text for t in doc[start : end - 1])


@registry.misc("attrib.role_candidates.v1")
def role_candidates(spans_keys: list[str]):
    """Suggest the union of the spans the per-role span finders stored under `spans_keys` (and, in
    training, of the gold spans the teacher corpus put under TEACHER_KEY).

    Candidates that cross a sentence end without opening with a quote mark are dropped (see
    crosses_sentence): on PolNeAR dev that took content exact F1 from 29 to 44.
    """

    def suggest(docs: Iterable[Doc], *, ops: Ops | None = None) -> Ragged:
        docs = list(docs)
        for doc in docs:
            seen = {(s.start, s.end) for key in spans_keys for s in doc.spans.get(key, [])}
            seen = {(s, e) for s, e in seen if not crosses_sentence(doc, s, e)}
            seen.update((s.start, s.end) for s in doc.spans.get(TEACHER_KEY, []))
            doc.spans[CANDIDATES_KEY] = [doc[s:e] for s, e in sorted(seen)]
        return preset_spans_suggester(docs, CANDIDATES_KEY, ops=ops or get_current_ops())

    return suggest


def _jaccard(a: Span, b: Span) -> float:
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared / (max(a.end, b.end) - min(a.start, b.start)) if shared > 0 else 0.0


def best_candidates(doc: Doc) -> dict[str, list[Scored]]:
    """The classifier's spans per role, each near-duplicate cluster reduced to its best-scored span.

    Cues and sources do not overlap one another, so any overlap is a duplicate; contents nest
    ("X said that Y claimed that Z"), so only contents with token Jaccard >= 0.5 are.
    """
    group = doc.spans.get(GOLD_KEY, [])
    scores = group.attrs.get("scores", [1.0] * len(group)) if len(group) else []
    by_role: dict[str, list[Scored]] = {role: [] for role in LABELS}
    role_of = {label: role for role, label in LABELS.items()}
    for span, score in sorted(zip(group, scores), key=lambda x: -float(x[1])):
        role = role_of.get(span.label_)
        if role is None:
            continue
        limit = SAME_ROLE_OVERLAP if role == "content" else 0.0
        if all(_jaccard(span, kept.span) <= limit for kept in by_role[role]):
            by_role[role].append(Scored(span, float(score)))
    return by_role


def group_to_attribution(text: str, group: Group) -> dict:
    """A record-format attribution for a group, with its raw score (content × cue probability)."""
    frags = {
        "content": [fragment(text, c.span.start_char, c.span.end_char) for c in sorted(group.content, key=lambda c: c.span.start)],
        "cue": [fragment(text, group.cue.span.start_char, group.cue.span.end_char)] if group.cue else [],
        "source": [fragment(text, group.source.span.start_char, group.source.span.end_char)] if group.source else [],
    }
    content_score = max(c.score for c in group.content)
    raw = content_score * (group.cue.score if group.cue else 0.5)
    return {"id": "", "kind": infer_kind(text, frags["content"]), **frags, "source_entity": None, "raw": raw}


class AttributionCombiner:
    """Learned spans → attributions, merged with the rules, calibrated. See the module docstring."""

    def __init__(self, nlp: Language, name: str, prefer: str, fill: bool, fill_from: float, min_confidence: float):
        if prefer not in PREFER:
            raise ModelError(f"{name}: prefer must be one of {', '.join(PREFER)}, not {prefer!r}")
        self.name = name
        self.prefer = prefer
        self.fill = fill
        self.fill_from = fill_from
        self.min_confidence = min_confidence
        self.calibration = Calibration()

    def learned(self, doc: Doc) -> list[dict]:
        roles = best_candidates(doc)
        groups = group_spans(doc, roles["source"], roles["cue"], roles["content"])
        return [group_to_attribution(doc.text, g) for g in groups]

    def combined(self, doc: Doc) -> list[dict]:
        """Attributions with `origin` and `raw`, before calibration (what calibration is fitted on). A learned content
        that neither found a cue nor met a rule attribution with one is left out: an attribution without a CUE is no
        valid record (V501; 1 of PolNeAR train's 19,832 has none), and push would refuse the model's output."""
        rules = get_attributions(doc) if doc._.attributions is not None else []
        return [attr for attr in combine(doc.text, self.learned(doc), rules, fill=self.fill, prefer=self.prefer,
                                         fill_from=self.fill_from) if attr["cue"]]

    def finished(self, combined: list[dict]) -> list[dict]:
        """The drafts written of `combined` (what `combined` gives): calibrated, those under min_confidence dropped,
        numbered."""
        out = []
        for attr in combined:
            attr = dict(attr)
            origin, raw = attr.pop("origin"), attr.pop("raw")
            attr["confidence"] = self.calibration.confidence(origin, raw)
            if attr["confidence"] >= self.min_confidence:
                out.append(attr)
        for number, attr in enumerate(out):
            attr["id"] = f"a{number}"
        return out

    def __call__(self, doc: Doc) -> Doc:
        finder_scores.take(doc)  # attrib_revise's input, left behind when the pipeline has no attrib_revise
        set_attributions(doc, self.finished(self.combined(doc)))
        return doc

    def to_disk(self, path, exclude=()):
        """The calibration, and the policy as `attrib train` settled it (fill is decided after training)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "calibration.json").write_text(json.dumps(self.calibration.to_dict()), encoding="utf-8")
        policy = {"prefer": self.prefer, "fill": self.fill, "fill_from": self.fill_from, "min_confidence": self.min_confidence}
        (path / "policy.json").write_text(json.dumps(policy), encoding="utf-8")

    def from_disk(self, path, exclude=()):
        """Both files are required (to_disk always writes them): without them the factory's defaults would draft,
        other drafts under the same model_version."""
        path = Path(path)
        self.calibration = Calibration.from_dict(read_json(path / "calibration.json", CALIBRATION_SCHEMA))
        policy = read_json(path / "policy.json", POLICY_SCHEMA)
        self.prefer, self.fill, self.min_confidence = policy["prefer"], policy["fill"], policy["min_confidence"]
        self.fill_from = policy.get("fill_from", 0.0)
        return self


@Language.factory("attrib_combine",
                  default_config={"prefer": "rules", "fill": True, "fill_from": 0.0, "min_confidence": 0.35})
def make_combiner(nlp: Language, name: str, prefer: str, fill: bool, fill_from: float,
                  min_confidence: float) -> AttributionCombiner:
    """`fill`, `fill_from`: whether the second side's attributions that agree with none of the first side's are
    added, from which raw score (policy.py). `min_confidence`: drafts less likely than this to be right are dropped.
    Adding a draft that is right with probability p raises the expected F1 only when p > F1 / 2; 0.35 is that for
    F1 ~ 0.7 (a floor of 0.5 would drop most drafts: calibrated ones cluster at 0.4-0.6)."""
    return AttributionCombiner(nlp, name, prefer, fill, fill_from, min_confidence)
