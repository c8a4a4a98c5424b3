"""Dependency rules: the reporting cues of a parsed Doc and the source and content each one governs.

Every rule works on token indices and returns a `Candidate`; the component turns token sets into
character fragments and merges them with the quotations found in the raw text.
Conventions follow news attribution corpora (PolNeAR): a cue keeps its auxiliaries, negation and
particles ("has not said") and an infinitive its frame ("went on to say"), indirect content keeps
its "that", a source is its whole noun phrase.
"""

from __future__ import annotations

from spacy.tokens import Doc

from ..lexicon import Lexicon
from .layouts import paragraph_candidates
from .parse import Candidate, Settings
from .phrases import according_to_candidate, mistagged_verb_candidate, noun_candidate, poll_candidate, that_clause
from .verbs import made_clear_candidate, verb_candidate

__all__ = ["Candidate", "Settings", "find_candidates"]


def find_candidates(doc: Doc, lexicon: Lexicon, settings: Settings) -> list[Candidate]:
    """Every attribution the rules find in `doc`, in text order of their cues."""
    found = []
    for token in doc:
        lemma = token.lemma_.lower()
        candidate = None
        if lemma == "accord" and token.lower_ == "according":
            candidate = according_to_candidate(token)
        elif token.lower_ == "in" and token.dep_ == "prep":
            candidate = poll_candidate(token)
        elif token.pos_ == "VERB" and lemma == "make" and (made_clear := made_clear_candidate(token)) is not None:
            candidate = made_clear
        elif token.pos_ == "VERB" and lemma in lexicon.verbs:
            candidate = verb_candidate(token, lexicon.verbs[lemma], settings, lexicon)
        elif token.pos_ == "NOUN" and lexicon.verbs.get(lemma, 0) >= settings.min_object_prior and that_clause(token) is not None:
            candidate = mistagged_verb_candidate(token, lexicon.verbs[lemma])
        elif token.pos_ == "NOUN" and lemma in lexicon.nouns:
            candidate = noun_candidate(token, lexicon.nouns[lemma], settings)
        if candidate is not None:
            found.append(candidate)
    return found + paragraph_candidates(doc)
