"""The layouts of news copy that attribute without a reporting verb: a speaker label and a colon,
a quotation and a dash before its speaker."""

from __future__ import annotations

from spacy.tokens import Doc, Token

from .names import COLON
from .parse import Candidate, is_break

COLON_STOPWORDS = {"update", "latest", "note", "related", "source", "photo", "video", "read", "watch", "editor", "correction", "image", "credit", "see", "also", "more", "advertisement", "warning", "contact", "email", "posted", "published", "tags", "share", "q", "a", "poll", "busted", "breaking", "exclusive"}
DASHES = {"-", "—", "–", "--"}


def paragraph_candidates(doc: Doc) -> list[Candidate]:
    """The colon and dash forms of news copy, which have no reporting verb:
    "Merkel: Europe's budget talks could ...", "SMITH: The senator doesn't ...", 'Obama — "We must act"',
    '"We must act." — Barack Obama'."""
    found = []
    start = 0
    while start < len(doc):
        end = start
        while end < len(doc) and not is_break(doc[end]):
            end += 1
        found.extend(_name_then_colon(doc, start, end) + _quote_then_name(doc, start, end))
        start = end + 1
    return found


def _is_name(tokens: list[Token]) -> bool:
    """A short speaker label: nouns and names, no verb, not a section label like "UPDATE"."""
    if not 1 <= len(tokens) <= 6:
        return False
    if not all(t.pos_ in {"PROPN", "NOUN", "ADJ", "DET", "PART"} or t.text in {".", "'s", "’s"} for t in tokens):
        return False
    return not any(t.lower_ in COLON_STOPWORDS for t in tokens) and any(t.pos_ in {"PROPN", "NOUN"} for t in tokens)


def _name_then_colon(doc: Doc, start: int, end: int) -> list[Candidate]:
    for i in range(start, min(end, start + 12)):
        quote_follows = i + 1 < end and doc[i + 1].is_quote
        if doc[i].text == ":" or (doc[i].text in DASHES and quote_follows and i > start):
            name = list(doc[start:i])
            if i + 1 >= end or not _is_name(name) or not any(t.pos_ in {"VERB", "AUX"} for t in doc[i + 1 : end]):
                return []  # a speaker label, then a claim (not "Clinton: 1,769.")
            return [Candidate(cue={i}, content=set(range(i + 1, end)), source={t.i for t in name}, rule=COLON, prior=0.5, source_root=name[-1].i)]
        if doc[i].text in DASHES:
            start = i + 1  # "Headline - HuffPollster: ..."
    return []


def _quote_then_name(doc: Doc, start: int, end: int) -> list[Candidate]:
    """'"We must act." — Barack Obama, in 2009': a quotation, a dash, and the speaker to the paragraph's end."""
    for i in range(start + 2, end - 1):
        if doc[i].text in DASHES and doc[i - 1].is_quote and doc[start].is_quote:
            name = [t for t in doc[i + 1 : end] if not t.is_punct]
            head = [t for t in name[: next((k for k, t in enumerate(name) if t.pos_ not in {"PROPN", "NOUN", "DET", "ADJ"}), len(name))]]
            if head and head[0].pos_ == "PROPN" and len(name) <= 12:
                return [Candidate(cue={i}, content=set(range(start, i)), source=set(range(i + 1, end)), rule=COLON, prior=0.5, source_root=head[-1].i)]
            return []
    return []
