"""Cues that are not a reporting verb with its complement: "according to", a poll opening the
sentence, a reporting noun, and a reporting verb the tagger took for a noun."""

from __future__ import annotations

from spacy.tokens import Token

from .names import ACCORDING_TO, CLAUSE, NOUN, POLL
from .parse import CONTENT_PREPS, NOUN_CUE_DEPS, Candidate, Settings, marked, subtree, within
from .sources import left_phrase


def according_to_candidate(accord: Token) -> Candidate | None:
    """"…, according to X": X is the source, the clause "according" hangs from is the content."""
    to = next((c for c in accord.children if c.lower_ == "to"), None)
    if to is None:
        return None
    pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
    if pobj is None:
        return None
    phrase = subtree(accord)
    head = accord.head
    if head.i == accord.i:
        content = {t.i for t in accord.sent} - phrase
    else:
        content = subtree(head) - phrase
    content = within(content, accord)
    if not content:
        return None
    return Candidate(cue={accord.i, to.i}, content=content, source=subtree(pobj), rule=ACCORDING_TO, prior=0.92, source_root=pobj.i)


POLL_NOUNS = {"poll", "survey", "study", "analysis", "word"}


def poll_candidate(prep: Token) -> Candidate | None:
    """"In a CBS News poll released Monday, 50 percent chose Clinton": the poll is the source, "In" the
    cue and the clause it opens the content, as PolNeAR reads it."""
    pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
    head = prep.head
    if pobj is None or pobj.lemma_.lower() not in POLL_NOUNS or prep.i != prep.sent.start or head.pos_ not in {"VERB", "AUX"}:
        return None
    phrase = subtree(prep)
    content = {i for i in within(subtree(head) - phrase, prep) if i > max(phrase) and not (i == max(phrase) + 1 and prep.doc[i].is_punct)}
    if not content:
        return None
    source = subtree(pobj)
    return Candidate(cue={prep.i}, content=content, source=source, rule=POLL, prior=0.9, source_root=pobj.i)


def that_clause(noun: Token) -> Token | None:
    return next(
        (c for c in noun.children if c.dep_ in {"acl", "ccomp"} and marked(c, {"that"})),
        None,
    )


def mistagged_verb_candidate(word: Token, prior: float) -> Candidate | None:
    """"Videos shared on social media show that ...": a reporting verb the tagger took for a noun, with a
    that-clause; its source is the noun phrase before it up to the previous clause boundary."""
    clause = that_clause(word)
    left = left_phrase(word)
    if clause is None or left is None:
        return None
    return Candidate(cue={word.i}, content=within(subtree(clause), word), source={t.i for t in left}, rule=CLAUSE, prior=prior, source_root=left.root.i)


def noun_candidate(noun: Token, prior: float, settings: Settings) -> Candidate | None:
    """A reporting noun with a that-clause or prepositional content: "X's claim that ...", "calls for ..."."""
    if prior < settings.min_noun_prior:
        return None
    cue = {noun.i}
    left = noun.i - 1
    while left >= 0 and noun.doc[left].dep_ in NOUN_CUE_DEPS and noun.doc[left].head.i == noun.i:
        cue.add(left)  # "sharp criticism of", "full embrace of", "an assertion that"
        left -= 1
    content: set[int] = set()
    clause = that_clause(noun)
    if clause is not None:
        content = subtree(clause)
    else:
        prep = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ in CONTENT_PREPS and c.i > noun.i), None)
        if prep is not None:
            content = subtree(prep) - {prep.i}
            cue.add(prep.i)
    content = within(content, noun)
    if not content:
        return None
    owner = next((c for c in noun.children if c.dep_ == "poss"), None)
    source = subtree(owner) if owner is not None else set()
    return Candidate(cue=cue, content=content - source, source=source, rule=NOUN, prior=prior, source_root=owner.i if owner is not None else None)
