"""Who speaks: the subject, agent or noun phrase that is a cue's source, and its extent."""

from __future__ import annotations

from spacy.tokens import Span, Token

from .parse import EXPLETIVES, INHERIT_SUBJECT_DEPS, RAISING_VERBS, SUBJECT_DEPS, is_break, subtree, within


def subject_of(verb: Token, depth: int = 0) -> Token | None:
    """The grammatical subject of `verb`, inherited through conjunction, infinitives and participles
    ("responded by first saying", "hesitated in answering": the subject of the verb the preposition hangs from).
    "It" is a subject only of a verb that does something ("it said", "it added"), not of "it seems"."""
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS and c.lower_ not in EXPLETIVES]
    if subjects:
        # two subjects are a misparse of '"Anybody who …," said X': the one after the verb speaks
        return subjects[-1] if len(subjects) > 1 and subjects[-1].i > verb.i else subjects[0]
    inverted = _inverted_speaker(verb) or _fronted_apposition(verb)
    if inverted is not None:
        return inverted
    if verb.pos_ == "VERB" and verb.lemma_.lower() not in RAISING_VERBS:
        it = next((c for c in verb.children if c.dep_ == "nsubj" and c.lower_ == "it"), None)
        if it is not None:
            return it
    agent = passive_agent(verb)
    if agent is not None:
        return agent
    if depth < 3 and verb.dep_ in INHERIT_SUBJECT_DEPS and verb.head.i != verb.i:
        return subject_of(verb.head, depth + 1)
    if depth < 3 and verb.dep_ == "pcomp" and verb.head.dep_ == "prep" and verb.head.head.pos_ in {"VERB", "AUX"}:
        return subject_of(verb.head.head, depth + 1)
    if depth < 3 and verb.dep_ == "pcomp" and verb.head.dep_ == "prep" and verb.head.head.dep_ == "dobj":
        return subject_of(verb.head.head.head, depth + 1)  # "made a point of saying"
    if verb.dep_ in {"relcl", "acl"} and verb.head.pos_ in {"NOUN", "PROPN", "PRON"}:
        return verb.head
    return None


def _inverted_speaker(verb: Token) -> Token | None:
    """'"…," added a South Carolina Democrat', '"…?" asked the boy': a verb right after a quotation, with no subject,
    whose object follows it at once is the parser's reading of a speaker put after the verb ("told" excepted: its
    object is the one told)."""
    doc, before = verb.doc, verb.i - 1
    if before >= 1 and doc[before].text == ",":
        before -= 1
    if before < 0 or not doc[before].is_quote or verb.dep_ in INHERIT_SUBJECT_DEPS or verb.lemma_.lower() == "tell":
        return None
    return next((c for c in verb.children if c.dep_ == "dobj" and c.left_edge.i == verb.i + 1), None)


def _fronted_apposition(verb: Token) -> Token | None:
    """"At Boca West, Jay DiPietro, the club's president, suggested …": the parser hangs the subject after a fronted
    phrase on that phrase's noun, as its apposition, and leaves the verb without a subject."""
    first = min([verb.i] + [c.i for c in verb.children if c.dep_ in {"aux", "auxpass", "neg"} and c.i < verb.i])
    if first < 2 or verb.doc[first - 1].text != ",":
        return None
    for prep in verb.children:
        if prep.dep_ != "prep" or prep.i > verb.i:
            continue
        for noun in prep.subtree:
            for appos in noun.children:
                if appos.dep_ == "appos" and appos.i > noun.i and appos.pos_ in {"PROPN", "NOUN"} \
                        and first - 3 <= appos.right_edge.i < first - 1:
                    return appos
    return None


def passive_agent(verb: Token) -> Token | None:
    """The "by X" of a passive verb."""
    return next((p for c in verb.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"), None)


def source_tokens(root: Token, exclude: set[int]) -> set[int]:
    """The whole noun phrase of a source, without relative clauses and comma-set participles
    ("Mr. Kamin, who emphasized ...", "Trump, speaking to veterans, said") that corpora leave out."""
    ids = subtree(root)
    for child in root.children:
        if child.dep_ == "relcl" or (child.dep_ == "acl" and child.i > root.i and child.doc[min(t.i for t in child.subtree) - 1].is_punct):
            cut = subtree(child)
            before = min(cut) - 1
            if child.doc[before].is_punct:
                cut.add(before)
            ids -= cut
    return within(ids - exclude, root)


def statement_agent(verb: Token) -> Token | None:
    """"In a statement released by X, announced ...": X, when the verb has no subject of its own."""
    for child in verb.children:
        if child.dep_ == "prep" and child.i < verb.i:
            for token in child.subtree:
                if token.dep_ == "pobj" and token.head.dep_ == "agent":
                    return token
    return None


def _hangs_from(token: Token, verb: Token, stop: set[int]) -> bool:
    """Whether `token`'s chain of heads reaches `verb` before any token of `stop`."""
    while token.head.i != token.i and token.i not in stop:
        token = token.head
        if token.i == verb.i:
            return True
    return False


def extend_left(source: set[int], verb: Token, taken: set[int]) -> set[int]:
    """Grow a subject leftwards over words the parser left unattached to the verb.

    The small parser sometimes splits a long name into a second root ("sources in the Hayat Tahrir
    al-Sham (HTS)-led Ministry of Defense"); the words before the subject that hang from that root
    rather than from the cue verb belong to the source.
    """
    doc, sent = verb.doc, verb.sent
    i = min(source) - 1
    while i >= sent.start:
        token = doc[i]
        if i in taken or token.is_quote or token.text in {",", ";", ":", "—", "–"} or is_break(token) or token.pos_ in {"VERB", "AUX", "SCONJ", "CCONJ"}:
            break
        if token.text not in {"(", ")"} and _hangs_from(token, verb, source):
            break
        i -= 1
    start = i + 1
    while start < min(source) and (doc[start].pos_ in {"ADP", "PUNCT"}):
        start += 1
    extension = set(range(start, min(source)))
    if not any(doc[j].head.i == j for j in extension):
        return source  # words the parser attached elsewhere, not a second root: leave them
    return source | extension


def left_phrase(word: Token) -> Span | None:
    """The words before `word` back to the previous punctuation, if they read as a noun phrase
    (nouns, no finite verb): the subject the parser failed to attach."""
    doc, start, first = word.doc, word.i, word.sent.start  # Token.sent walks its sentence: once, not at every step
    while start > first and not (doc[start - 1].is_punct or is_break(doc[start - 1])):
        if doc[start - 1].pos_ in {"VERB", "AUX"} and not _participle(doc[start - 1]):
            return None  # a finite verb: no noun phrase, however far the punctuation is (a run of "said said ..." with
            # none was walked back to its start for every cue)
        start -= 1
    left = doc[start : word.i]
    return left if any(t.pos_ in {"NOUN", "PROPN"} for t in left) else None


def _participle(token: Token) -> bool:
    """A participle, or a past form right after a noun ("videos shared on ..."): a reduced relative clause."""
    return token.tag_ in {"VBN", "VBG"} or (token.tag_ == "VBD" and token.i > 0 and token.doc[token.i - 1].pos_ in {"NOUN", "PROPN"})
