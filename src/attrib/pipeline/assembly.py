"""From the rules' candidates to attributions: token sets become character spans, drafts take the
quotations they touch or that continue, precede or follow them, attributions nested in another's
content or in a quotation are dropped, and each draft becomes a record-format attribution.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from ..records import ROLES, fragment, spans
from .confidence import confidence
from .lexicon import Lexicon
from .quotes import ALL_MARKS, BLANK_LINE, blank_line_paragraphs, find_quotes, paragraph_start
from .rules import Candidate, Settings, find_candidates
from .rules.names import AS_CLAUSE, CONTINUED_QUOTE, NEEDS_QUOTE, OBJECT, PARENTHETICAL, PREP_OBJECT

PRONOUN_ENTITY_LABELS = {
    "he": {"PERSON"}, "she": {"PERSON"}, "i": {"PERSON"},
    "they": {"PERSON", "ORG", "NORP", "GPE"}, "we": {"ORG", "NORP", "GPE", "PERSON"}, "it": {"ORG", "GPE"},
}
POSITIONAL_RULES = {AS_CLAUSE}  # lose to a cue inside their content (see _without_nesting)
QUOTE_BEFORE_RULES = {OBJECT, PREP_OBJECT, PARENTHETICAL, NEEDS_QUOTE}  # drafts a quotation right before may complete

Span = tuple[int, int]
RULES_KEY = "attrib_rules"  # doc.user_data: the rule that drafted each attribution, in their order (for attrib_revise)
CANDIDATES_KEY = "attrib_candidates"  # doc.user_data: more_candidates' drafts and rules, for attrib_revise


def token_runs(doc: Doc, ids: set[int], keep_quotes: bool = False, trim: bool = True) -> list[Span]:
    """Character spans of the contiguous runs of `ids`, without spaces and (if `trim`) stray punctuation at their ends.

    A closing bracket stays when its opening one is in the run: "(SOHR)"; and one just after the run joins it when
    the run leaves a bracket open (the parser hangs it elsewhere: "(SOHR" was drafted)."""
    runs: list[Span] = []
    for run in _runs(sorted(ids)):
        while trim and run and _trimmable(doc[run[0]], keep_quotes):
            run = run[1:]
        while run and (doc[run[-1]].is_space or (trim and _trimmable(doc[run[-1]], keep_quotes) and not _closes_bracket(doc, run))):
            run = run[:-1]
        if run and run[-1] + 1 < len(doc) and _closes_bracket(doc, [*run, run[-1] + 1]):
            run = [*run, run[-1] + 1]
        if run:
            first, last = doc[run[0]], doc[run[-1]]
            runs.append((first.idx, last.idx + len(last.text)))
    return runs


def _closes_bracket(doc: Doc, run: list[int]) -> bool:
    last = doc[run[-1]].text
    opener = {")": "(", "]": "["}.get(last)
    return opener is not None and sum(doc[i].text == opener for i in run) > sum(doc[i].text == last for i in run[:-1])


def _runs(ids: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in ids:
        if out and out[-1][-1] == i - 1:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _trimmable(token, keep_quotes: bool) -> bool:
    if token.is_space:
        return True
    return token.is_punct and not (keep_quotes and token.is_quote)


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class Draft:
    """An attribution being assembled: character spans per role, plus what confidence needs to know."""

    def __init__(self, cue: list[Span], source: list[Span], content: list[Span], rule: str, prior: float, source_root: int | None):
        self.cue, self.source, self.content = cue, source, content
        self.rule, self.prior, self.source_root = rule, prior, source_root
        self.kind = "indirect"

    def end(self) -> int:
        return max(e for _, e in self.cue + self.source + self.content)

    def content_end(self) -> int:
        return max((e for _, e in self.content), default=0)


def _draft(doc: Doc, c: Candidate) -> Draft | None:
    content = token_runs(doc, c.content, keep_quotes=True)
    cue = token_runs(doc, c.cue, trim=False)
    if not cue or not (content or c.rule == NEEDS_QUOTE):
        return None
    # a source names someone: a run without a letter or a digit is a parse gone wrong (the joiner inside an emoji)
    source = [(s, e) for s, e in token_runs(doc, c.source) if any(char.isalnum() for char in doc.text[s:e])]
    return Draft(cue, source, content, c.rule, c.prior, c.source_root if source else None)


def _attach_quotes(draft: Draft, quotes: list[Span]) -> None:
    """Snap content to the quotations it touches: all inside quotes → direct; partly → mixed."""
    touched = [q for q in quotes if any(_overlaps(q, f) for f in draft.content)]
    if not touched:
        return
    inside = all(any(q[0] <= f[0] and f[1] <= q[1] for q in touched) for f in draft.content)
    if inside:
        draft.content = touched
        draft.kind = "direct"
        return
    merged = sorted(draft.content + touched)
    out: list[Span] = []
    for s, e in merged:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    draft.content = out
    draft.kind = "mixed"


def _only_punctuation(text: str, start: int, end: int) -> bool:
    return start <= end and not text[start:end].strip(" \t\r\n.,;:—–-")


MARK = re.compile(f"[{ALL_MARKS.replace('’', '')}]|(?<!\\w)’|’(?!\\w)")  # a quotation mark; not "world’s" apostrophe
SENTENCE_END = re.compile(r"(?<!\b[A-Z])(?<!\bMrs)(?<!\b(?:Mr|Ms|Dr|St|Jr|Lt))(?<!\b(?:Sen|Rep|Gov|Gen|Sgt))[.!?]\s")  # not "Mr. ", "B. "


def _continues(text: str, draft: Draft, quote: Span, soft_breaks: bool) -> bool:
    """A quotation right after the sentence of an attribution continues it (`"A," he said on Monday. "B."`,
    `He said the plan was dead. "We will not vote for it."`), as does one opening the next paragraph; not one after
    words on a line of their own (a paragraph of narration: its speaker is a guess, _uncued_quotes'; in PolNeAR, often
    a title in quotation marks). In hard-wrapped text (`soft_breaks`) only a blank line parts them."""
    if draft.end() > quote[0]:
        return False
    rest = text[draft.end() : quote[0]].rstrip()
    return (  # the cheap tests, which stop at the first line break or mark, first: a draft far before the quote has a
        # long gap, and a document of 4,000 characters with 189 drafts took 9 s when every gap was read whole
        not (rest.strip() and (BLANK_LINE.search(rest) if soft_breaks else "\n" in rest))
        and not MARK.search(rest)
        and not SENTENCE_END.search(rest)
    )


LINE_BREAK = re.compile(r"[ \t\r]*\n\s*")
SENTENCE_FINAL = set(".!?:;\"”’'»)]")


def _hard_wrapped(text: str, blank_lines: bool) -> bool:
    """Whether the single line breaks inside `text`'s paragraphs are wraps: paragraphs end at blank lines, and most
    single breaks fall inside a sentence. (PolNeAR's articles hold a paragraph a line, ending at a sentence's end, and
    have blank lines too: there a single break ends a paragraph.)"""
    if not blank_lines:
        return False
    singles = [m.start() for m in LINE_BREAK.finditer(text) if m.group().count("\n") == 1 and m.start()]
    inside = sum(text[at - 1] not in SENTENCE_FINAL for at in singles)
    return inside * 2 > len(singles)


def _introduced_after(text: str, draft: Draft, quote: Span) -> bool:
    """`"…," sources told SANA`: a quotation right before an attribution's source and cue, in the same
    paragraph, is its content. (A quotation that ends a paragraph continues the speaker before it.)"""
    start = min(s for s, _ in draft.cue + draft.source)
    return (
        draft.kind == "indirect"
        and draft.rule in QUOTE_BEFORE_RULES
        and _only_punctuation(text, quote[1], start)
        and "\n" not in text[quote[1] : start]
    )


def _introduces(text: str, draft: Draft, quote: Span) -> bool:
    """'He told the crowd: "…"': a cue still without content, a few words before a quotation it opens with a colon or comma."""
    if draft.content or draft.rule != NEEDS_QUOTE or draft.end() > quote[0]:
        return False
    gap = text[draft.end() : quote[0]].rstrip()
    return gap.endswith((":", ",")) and "\n" not in gap and len(gap.split()) <= 4


def find_attributions(doc: Doc, lexicon: Lexicon, settings: Settings) -> list[dict]:
    """Attributions of `doc` in the record format, ordered by their first cue; the rule of each under RULES_KEY."""
    attributions, rules = drafted(doc, lexicon, settings)
    doc.user_data[RULES_KEY] = rules
    return attributions


def more_candidates(doc: Doc, lexicon: Lexicon, settings: Settings, attributions: list[dict]) -> tuple[list[dict], list[str]]:
    """What the rules draft under laxer `settings` where `attributions` (theirs under their own) have
    nothing: drafts whose cue touches none of their spans and whose content touches none of their
    contents, with the rule of each. attrib_revise chooses among them; they never displace a draft."""
    taken = [span for a in attributions for role in ROLES for span in spans(a, role)]
    contents = [span for a in attributions for span in spans(a, "content")]
    more, rules = [], []
    for attribution, rule in zip(*drafted(doc, lexicon, settings)):
        cue, content = spans(attribution, "cue"), spans(attribution, "content")
        if not any(_overlaps(c, t) for c in cue for t in taken) and not any(_overlaps(c, t) for c in content for t in contents):
            more.append(attribution)
            rules.append(rule)
    return more, rules


def drafted(doc: Doc, lexicon: Lexicon, settings: Settings) -> tuple[list[dict], list[str]]:
    """The attributions of `doc` in the record format, ordered by their first cue, and the rule of each."""
    text = doc.text
    doc.user_data["attrib_blank_lines"] = blank_line_paragraphs(text)
    try:
        return _find(doc, text, lexicon, settings)
    finally:  # per-call caches (rules.parse.is_break, paragraph_ids): not for DocBin or other processes
        doc.user_data.pop("attrib_blank_lines", None)
        doc.user_data.pop("attrib_paragraphs", None)


def _find(doc: Doc, text: str, lexicon: Lexicon, settings: Settings) -> tuple[list[dict], list[str]]:
    quotes, blank_lines = find_quotes(text), doc.user_data["attrib_blank_lines"]
    soft_breaks = _hard_wrapped(text, blank_lines)
    drafts = [d for d in (_draft(doc, c) for c in find_candidates(doc, lexicon, settings)) if d is not None]
    # attributions nested inside a direct quotation are the quoted speaker's, not the article's
    drafts = [d for d in drafts if not any(q[0] < d.cue[0][0] and d.cue[-1][1] < q[1] for q in quotes)]
    for draft in drafts:
        _attach_quotes(draft, quotes)
    _split_introduced(text, drafts, quotes)
    drafts = _without_nesting(_dedupe(drafts))
    claimed = [f for d in drafts for f in d.content + d.cue + d.source]
    for quote in quotes:
        if any(_overlaps(quote, f) for f in claimed):
            continue
        following = min((d for d in drafts if _introduced_after(text, d, quote)), key=lambda d: d.cue[0], default=None)
        previous = max((d for d in drafts if d.end() <= quote[0]), key=Draft.end, default=None)
        speaker = max((d for d in drafts if _continues(text, d, quote, soft_breaks)), key=Draft.end, default=None)
        if following is not None:
            following.content, following.kind = [quote], "direct"
        elif speaker is not None:
            speaker.kind = "direct" if speaker.kind == "direct" or not speaker.content else "mixed"
            speaker.content.append(quote)
        elif previous is not None and _introduces(text, previous, quote):
            previous.content, previous.kind = [quote], "direct"
        else:
            continue
        claimed.append(quote)
    drafts += _uncued_quotes(text, blank_lines, drafts, quotes, claimed)
    drafts = [d for d in drafts if d.content]  # a cue that found no quotation
    for draft in drafts:
        draft.content = _joined(text, draft.content)
    drafts.sort(key=lambda d: d.cue[0])
    return [_attribution(doc, text, i, d) for i, d in enumerate(drafts)], [d.rule for d in drafts]


TRAILING_JOINS = re.compile(r"[\s,;:—–-]*(?:\b(?:and|but|while|before|after|as)\b)?[\s,;:—–-]*$")


JOIN_GAP = re.compile(r"\s*(?:[,:;]\s*(?:(?:and|but|or)\s+)?|(?:and|but|or|as)\s+)", re.IGNORECASE)


def _joined(text: str, content: list[Span]) -> list[Span]:
    """Content fragments separated only by a comma, colon or conjunction are one span: PolNeAR mostly
    keeps 'he had received offers, but “the offers were …”' whole."""
    out: list[Span] = []
    for s, e in sorted(content):
        if out and JOIN_GAP.fullmatch(text[out[-1][1] : s]):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _uncued_quotes(text: str, blank_lines: bool, drafts: list[Draft], quotes: list[Span],
                   claimed: list[Span]) -> list[Draft]:
    """Quotations no cue reaches: each that opens a paragraph with no cue of its own (a quote that
    continues the previous speaker, a line of dialogue, a paragraph-long quote under 'He said:')
    becomes a direct draft of the speaker of the last attribution before it, with that
    attribution's cue and source (a CONTENT needs a CUE to be a valid attribution), under its own
    rule name so that its confidence is its own. With no attribution before it, it stays alone.
    """
    out = []
    for quote in quotes:
        start = paragraph_start(text, quote[0], blank_lines)
        if text[start : quote[0]].strip() or any(_overlaps(quote, f) for f in claimed):
            continue
        end = quote[1] + len(text[quote[1] :].split("\n", 1)[0])
        if any(start <= d.cue[0][0] < end for d in drafts):
            continue
        speaker = max((d for d in drafts if d.end() <= quote[0]), key=Draft.end, default=None)
        if speaker is None:
            continue
        draft = Draft(speaker.cue, speaker.source, [quote], CONTINUED_QUOTE, speaker.prior, speaker.source_root)
        draft.kind = "direct"
        out.append(draft)
    return out


def _split_introduced(text: str, drafts: list[Draft], quotes: list[Span]) -> None:
    """'…, she wrote, saying, "…"': a cue that opens its quotation with a comma or colon is an attribution
    of its own even where the parser hung it (or its quotation) inside another's content; that content
    ends before it."""
    for inner in drafts:
        if inner.kind != "direct" or len(inner.content) != 1:
            continue
        gap = text[inner.cue[-1][1] : inner.content[0][0]]
        if gap.strip() not in {",", ":"}:
            continue
        cut = inner.cue[0][0]
        for outer in drafts:
            took_quote = inner.content[0] in outer.content and outer.cue[0][0] < cut
            if outer is inner or not (_inside(inner.cue, outer.content) or took_quote):
                continue
            kept = [(s, min(e, cut)) for s, e in outer.content if s < cut]
            kept = [(s, s + len(TRAILING_JOINS.sub("", text[s:e]))) for s, e in kept]
            outer.content = [(s, e) for s, e in kept if e > s]
            if not any(_overlaps(q, f) for q in quotes for f in outer.content):
                outer.kind = "indirect"


def _dedupe(drafts: list[Draft]) -> list[Draft]:
    seen: set = set()
    out = []
    for d in drafts:
        key = (tuple(d.cue), tuple(d.content))
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _inside(cue: list[Span], content: list[Span]) -> bool:
    """Whether the cue stands within one of the content fragments."""
    return any(s <= cue[0][0] and cue[-1][1] <= e for s, e in content)


def _without_nesting(drafts: list[Draft]) -> list[Draft]:
    """Keep no attribution whose cue stands inside another's content: news corpora annotate one level.

    Where two conflict the outer one wins ("X said Y wants Z", "Y, X said, denied Z" are X's), unless
    it is an "as X said" clause, which loses to a cue inside it (PolNeAR more often keeps the inner one).
    """
    def rank(d: Draft) -> tuple:
        return (d.rule in POSITIONAL_RULES, -sum(e - s for s, e in d.content), d.cue[0][0])

    kept: list[Draft] = []
    for d in sorted(drafts, key=rank):
        if not any(_inside(d.cue, k.content) or _inside(k.cue, d.content) for k in kept):
            kept.append(d)
    return kept


def _attribution(doc: Doc, text: str, index: int, draft: Draft) -> dict:
    frag = lambda span: fragment(text, *span)  # noqa: E731 (doc.text is rebuilt on every access: pass it in)
    return {
        "id": f"a{index}",
        "kind": draft.kind,
        "confidence": confidence(draft.rule, draft.prior),
        "source": [frag(s) for s in draft.source],
        "cue": [frag(s) for s in draft.cue],
        "content": [frag(s) for s in sorted(draft.content)],
        "source_entity": _source_entity(doc, text, draft),
    }


def _source_entity(doc: Doc, text: str, draft: Draft) -> dict | None:
    """For a pronoun source, the nearest earlier named entity of a fitting type."""
    if draft.source_root is None or len(draft.source) != 1:
        return None
    pronoun = doc[draft.source_root].lower_
    if pronoun not in PRONOUN_ENTITY_LABELS or doc[draft.source_root].pos_ != "PRON":
        return None
    labels = PRONOUN_ENTITY_LABELS[pronoun]
    start = draft.source[0][0]
    best = None
    for ent in doc.ents:
        if ent.end_char > start:
            break
        if ent.label_ in labels:
            best = ent
    if best is None:
        return None
    return fragment(text, best.start_char, best.end_char)
