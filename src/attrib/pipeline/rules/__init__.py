"""Dependency rules: the reporting cues of a parsed Doc and the source and content each one governs.

Every rule works on token indices and returns a `Candidate`; the assembly (pipeline/assembly.py) turns
token sets into character fragments and merges them with the quotations found in the raw text.
Conventions follow news attribution corpora (PolNeAR): a cue keeps its auxiliaries, negation and
particles ("has not said") and an infinitive its frame ("went on to say"), indirect content keeps
its "that", a source is its whole noun phrase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

from spacy.tokens import Doc, Token

from ..lexicon import Lexicon
from .layouts import paragraph_candidates
from .parse import Candidate, Settings
from .phrases import according_to_candidate, mistagged_verb_candidate, noun_candidate, poll_candidate, that_clause
from .verbs import made_clear_candidate, verb_candidate

__all__ = ["Candidate", "Settings", "find_candidates"]


class Site(NamedTuple):
    """A token with its lemma, and the lexicon and thresholds that constructions read."""

    token: Token
    lemma: str
    lexicon: Lexicon
    settings: Settings


@dataclass(frozen=True)
class Construction:
    """A construction: the tokens that trigger it and the rule that drafts its candidate."""

    triggers: Callable[[Site], bool]
    draft: Callable[[Site], Candidate | None]
    falls_through: bool = False  # when it drafts nothing, a later construction may still take the token


# Which token triggers which construction. The first construction a token triggers decides,
# unless it falls through: a "make" without "clear" may still be a reporting verb.
CONSTRUCTIONS = (
    Construction(  # "…, according to X"
        lambda s: s.lemma == "accord" and s.token.lower_ == "according",
        lambda s: according_to_candidate(s.token),
    ),
    Construction(  # "In a CBS News poll released Monday, …"
        lambda s: s.token.lower_ == "in" and s.token.dep_ == "prep",
        lambda s: poll_candidate(s.token),
    ),
    Construction(  # "X made it clear that …"
        lambda s: s.token.pos_ == "VERB" and s.lemma == "make",
        lambda s: made_clear_candidate(s.token),
        falls_through=True,
    ),
    Construction(  # "X said that …", "X announced the plan"
        lambda s: s.token.pos_ == "VERB" and s.lemma in s.lexicon.verbs,
        lambda s: verb_candidate(s.token, s.lexicon.verbs[s.lemma], s.settings, s.lexicon),
    ),
    Construction(  # "Videos shared on social media show that …"
        lambda s: s.token.pos_ == "NOUN"
        and s.lexicon.verbs.get(s.lemma, 0) >= s.settings.min_object_prior
        and that_clause(s.token) is not None,
        lambda s: mistagged_verb_candidate(s.token, s.lexicon.verbs[s.lemma]),
    ),
    Construction(  # "X's claim that …", "calls for …"
        lambda s: s.token.pos_ == "NOUN" and s.lemma in s.lexicon.nouns,
        lambda s: noun_candidate(s.token, s.lexicon.nouns[s.lemma], s.settings),
    ),
)


def find_candidates(doc: Doc, lexicon: Lexicon, settings: Settings) -> list[Candidate]:
    """Every attribution the rules find in `doc`: the constructions' in text order of their
    triggers, then the layouts' (see layouts.py)."""
    found = []
    for token in doc:
        candidate = _candidate(Site(token, token.lemma_.lower(), lexicon, settings))
        if candidate is not None:
            found.append(candidate)
    return found + paragraph_candidates(doc)


def _candidate(site: Site) -> Candidate | None:
    """The candidate of the construction that decides for `site`'s token (see CONSTRUCTIONS)."""
    for construction in CONSTRUCTIONS:
        if construction.triggers(site):
            candidate = construction.draft(site)
            if candidate is not None or not construction.falls_through:
                return candidate
    return None
