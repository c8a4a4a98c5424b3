"""What every rule reads off the parse: the candidate it returns, the thresholds it obeys, the
dependency labels it looks for, and token sets bounded by sentence and paragraph."""

from __future__ import annotations

from dataclasses import astuple, dataclass, field

from spacy.tokens import Doc, Token

from ..quotes import blank_line_paragraphs, ends_paragraph

CUE_CHILD_DEPS = {"aux", "auxpass", "neg", "prt"}
SUBJECT_DEPS = {"nsubj", "csubj"}
CLAUSE_DEPS = {"ccomp", "csubj"}
OBJECT_DEPS = {"dobj", "xcomp", "oprd"}
INHERIT_SUBJECT_DEPS = {"conj", "xcomp", "advcl", "acomp"}
FRAME_DEPS = {"xcomp", "advcl"}  # an infinitive completing a verb ("is trying to show", "went on to say")
MISPARSED_VERB_DEPS = {"dobj", "pobj", "compound", "npadvmod", "dep", "amod", "nmod"}  # a verb there is a parse error
NOUN_CUE_DEPS = {"amod", "det"}  # "sharp criticism of", "an assertion that": PolNeAR counts them in a noun cue
CONTENT_PREPS = {"for", "to", "about", "on", "of", "against", "that"}
EXPLETIVES = {"it", "there"}
RAISING_VERBS = {"seem", "appear"}  # "it seems that …": their "it" is empty; "it said", "it added": an organisation, a text


@dataclass
class Settings:
    """Thresholds on a cue's prior: which complements a cue of that prior may take."""

    min_clause_prior: float = 0.1  # a verb with a clausal complement ("think that ...")
    min_object_prior: float = 0.2  # a verb with an object or infinitive ("announced the plan")
    min_passive_prior: float = 0.3  # a passive verb with its subject as content ("... have been reported")
    min_noun_prior: float = 0.15  # a noun with a that-clause or prepositional content ("claim that ...")

    def scaled(self, share: float) -> "Settings":
        """Every threshold times `share` (0 < share ≤ 1): laxer rules, for candidates."""
        return Settings(*(value * share for value in astuple(self)))


@dataclass
class Candidate:
    """The token ids of a cue and of the content and source it governs, with the rule that found them
    and the cue's prior."""

    cue: set[int]
    content: set[int]
    source: set[int] = field(default_factory=set)
    rule: str = ""
    prior: float = 0.5
    source_root: int | None = None


def marked(clause: Token, words: set[str]) -> bool:
    """Whether the clause opens with one of `words` as its marker ("that", "if", "as", "while")."""
    return any(c.dep_ == "mark" and c.lower_ in words for c in clause.children)


def subtree(token: Token) -> set[int]:
    return {t.i for t in token.subtree}


def is_break(token: Token) -> bool:
    """Whether a whitespace token ends a paragraph (see quotes.blank_line_paragraphs)."""
    if "\n" not in token.text:
        return False
    doc = token.doc
    if "attrib_blank_lines" not in doc.user_data:
        doc.user_data["attrib_blank_lines"] = blank_line_paragraphs(doc.text)
    return ends_paragraph(token.text, doc.user_data["attrib_blank_lines"])


def paragraph_ids(doc: Doc) -> list[int]:
    """The paragraph number of every token, computed once per Doc."""
    if "attrib_paragraphs" not in doc.user_data:
        ids, number = [], 0
        for token in doc:
            if is_break(token):
                number += 1
            ids.append(number)
        doc.user_data["attrib_paragraphs"] = ids
    return doc.user_data["attrib_paragraphs"]


def within(ids: set[int], token: Token) -> set[int]:
    """Keep the ids in `token`'s sentence and paragraph (the parser joins a headline to the next line)."""
    sent = token.sent
    paragraph = paragraph_ids(token.doc)
    here = paragraph[token.i]
    return {i for i in ids if sent.start <= i < sent.end and paragraph[i] == here}
