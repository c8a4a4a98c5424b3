"""Dependency rules: the reporting cues of a parsed Doc and the source and content each one governs.

Every rule works on token indices and returns a `Candidate`; the component turns token sets into
character fragments and merges them with the quotations found in the raw text.
Conventions follow news attribution corpora (PolNeAR): a cue keeps its auxiliaries, negation and
particles ("has not said"), indirect content keeps its "that", a source is its whole noun phrase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from .lexicon import Lexicon

CUE_CHILD_DEPS = {"aux", "auxpass", "neg", "prt"}
SUBJECT_DEPS = {"nsubj", "csubj"}
CLAUSE_DEPS = {"ccomp", "csubj"}
OBJECT_DEPS = {"dobj", "xcomp", "oprd"}
INHERIT_SUBJECT_DEPS = {"conj", "xcomp", "advcl"}
CONTENT_PREPS = {"for", "to", "about", "on", "of", "against", "that"}
EXPLETIVES = {"it", "there"}
CHANNELS = {"statement", "interview", "email", "tweet", "release", "post", "speech", "letter", "op", "memo", "message", "video"}
PRONOUNS = {"he", "she", "they", "i", "we", "it", "you"}


@dataclass
class Settings:
    """Thresholds on a cue's prior: which complements a cue of that prior may take."""

    min_clause_prior: float = 0.05  # a verb with a clausal complement ("think that ...")
    min_object_prior: float = 0.3  # a verb with an object or infinitive ("announced the plan")
    min_passive_prior: float = 0.3  # a passive verb with its subject as content ("... have been reported")
    min_noun_prior: float = 0.15  # a noun with a that-clause or prepositional content ("claim that ...")


@dataclass
class Candidate:
    cue: set[int]
    content: set[int]
    source: set[int] = field(default_factory=set)
    rule: str = ""
    prior: float = 0.5
    source_root: int | None = None


def subtree(token: Token) -> set[int]:
    return {t.i for t in token.subtree}


def _within(ids: set[int], token: Token) -> set[int]:
    sent = token.sent
    return {i for i in ids if sent.start <= i < sent.end}


def cue_tokens(verb: Token) -> set[int]:
    """The verb with what news corpora count as part of the cue: auxiliaries, negation, particles,
    adverbs before it ("has also said", "later said"), a date right after it ("said Tuesday") and the
    channel ("said in a statement"). Never an infinitive's "to"."""
    ids = {verb.i} | {c.i for c in verb.children if c.dep_ in CUE_CHILD_DEPS and c.tag_ != "TO"}
    first = min(ids)
    ids |= {c.i for c in verb.children if c.dep_ == "advmod" and first < c.i < verb.i}
    left = verb.i - 1
    while left >= 0 and verb.doc[left].dep_ in {"advmod", "neg"} and verb.doc[left].head == verb and left not in ids:
        ids.add(left)
        left -= 1
    for child in verb.rights:
        if child.i != max(ids) + 1:
            break
        if child.dep_ == "npadvmod" and child.ent_type_ in {"DATE", "TIME"}:
            ids |= subtree(child)
        elif child.dep_ == "prep" and child.lower_ == "in" and any(g.dep_ == "pobj" and g.lemma_.lower() in CHANNELS for g in child.children):
            ids |= subtree(child)
        elif child.dep_ == "prep" and child.lower_ == "of" and verb.lemma_ == "say":
            ids.add(child.i)
        else:
            break
    return ids


def subject_of(verb: Token, depth: int = 0) -> Token | None:
    """The grammatical subject of `verb`, inherited through conjunction, infinitives and participles."""
    for child in verb.children:
        if child.dep_ in SUBJECT_DEPS and child.lower_ not in EXPLETIVES:
            return child
        if child.dep_ == "agent":
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    return pobj
    if depth < 3 and verb.dep_ in INHERIT_SUBJECT_DEPS and verb.head is not verb:
        return subject_of(verb.head, depth + 1)
    if verb.dep_ in {"relcl", "acl"} and verb.head.pos_ in {"NOUN", "PROPN", "PRON"}:
        return verb.head
    return None


def source_tokens(root: Token, exclude: set[int]) -> set[int]:
    """The whole noun phrase of a source; for the head noun of a relative clause, without that clause."""
    ids = subtree(root)
    if root.dep_ not in {"nsubj", "csubj", "pobj", "poss", "nsubjpass"}:
        for child in root.children:
            if child.dep_ in {"relcl", "acl"}:
                ids -= subtree(child)
    return ids - exclude


def verb_candidate(verb: Token, prior: float, settings: Settings) -> Candidate | None:
    """A reporting verb and what it governs; None when it governs nothing attributable."""
    cue = cue_tokens(verb)
    passive = any(c.dep_ == "auxpass" for c in verb.children)
    content: set[int] = set()
    rule = ""
    clause = next((c for c in verb.children if c.dep_ in CLAUSE_DEPS), None)
    if clause is not None and prior >= settings.min_clause_prior:
        content, rule = subtree(clause), "clause"
    elif verb.dep_ in {"parataxis", "ccomp"} and verb.head.pos_ in {"VERB", "AUX"} and verb.head.i < verb.i and prior >= settings.min_clause_prior and _is_parenthetical(verb):
        content, rule = subtree(verb.head) - subtree(verb), "parenthetical"
    elif verb.dep_ == "advcl" and any(c.lower_ == "as" and c.dep_ == "mark" for c in verb.children) and prior >= settings.min_clause_prior:
        content, rule = subtree(verb.head) - subtree(verb), "as-clause"
    elif prior >= settings.min_object_prior:
        obj = [c for c in verb.children if c.dep_ in OBJECT_DEPS]
        preps = [c for c in verb.children if c.dep_ == "prep" and c.lower_ in CONTENT_PREPS and c.i > verb.i]
        nsubjpass = next((c for c in verb.children if c.dep_ == "nsubjpass" and c.lower_ not in EXPLETIVES), None)
        if obj:
            content, rule = set().union(*(subtree(o) for o in obj)), "object"
            content |= set().union(*(subtree(c) for c in verb.children if c.dep_ == "prep" and c.lower_ == "as" and c.i > min(content)), set())
        elif preps:
            prep = preps[0]
            content, rule = subtree(prep) - {prep.i}, "prep-object"
            cue.add(prep.i)
        elif passive and nsubjpass is not None and prior >= settings.min_passive_prior:
            content, rule = subtree(nsubjpass), "passive-subject"
    content = _within(content, verb) - cue
    if not content:
        return None
    subject = subject_of(verb)
    source = source_tokens(subject, cue | content) if subject is not None else set()
    content -= source
    return Candidate(cue=cue, content=content, source=source, rule=rule, prior=prior, source_root=subject.i if subject is not None else None)


def _is_parenthetical(verb: Token) -> bool:
    """"..., he said" or "..., said the minister": the verb follows its head clause, set off by punctuation."""
    first = min(t.i for t in verb.subtree)
    return first > 0 and verb.doc[first - 1].is_punct


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
    if head is accord:
        content = {t.i for t in accord.sent} - phrase
    else:
        content = subtree(head) - phrase
    content = _within(content, accord)
    if not content:
        return None
    return Candidate(cue={accord.i, to.i}, content=content, source=subtree(pobj), rule="according-to", prior=0.92, source_root=pobj.i)


def noun_candidate(noun: Token, prior: float, settings: Settings) -> Candidate | None:
    """A reporting noun with a that-clause or prepositional content: "X's claim that ...", "calls for ..."."""
    if prior < settings.min_noun_prior:
        return None
    cue = {noun.i}
    content: set[int] = set()
    for child in noun.children:
        if child.dep_ in {"acl", "ccomp"} and any(c.dep_ == "mark" and c.lower_ == "that" for c in child.children):
            content = subtree(child)
            break
        if child.dep_ == "prep" and child.lower_ in CONTENT_PREPS and child.i > noun.i:
            content = subtree(child) - {child.i}
            cue.add(child.i)
            break
    content = _within(content, noun)
    if not content:
        return None
    owner = next((c for c in noun.children if c.dep_ == "poss"), None)
    source = subtree(owner) if owner is not None else set()
    return Candidate(cue=cue, content=content - source, source=source, rule="noun", prior=prior, source_root=owner.i if owner is not None else None)


def find_candidates(doc: Doc, lexicon: Lexicon, settings: Settings) -> list[Candidate]:
    """Every attribution the rules find in `doc`, in text order of their cues."""
    found = []
    for token in doc:
        lemma = token.lemma_.lower()
        candidate = None
        if lemma == "accord" and token.lower_ == "according":
            candidate = according_to_candidate(token)
        elif token.pos_ == "VERB" and lemma in lexicon.verbs:
            candidate = verb_candidate(token, lexicon.verbs[lemma], settings)
        elif token.pos_ == "NOUN" and lemma in lexicon.nouns:
            candidate = noun_candidate(token, lexicon.nouns[lemma], settings)
        if candidate is not None:
            found.append(candidate)
    return found
