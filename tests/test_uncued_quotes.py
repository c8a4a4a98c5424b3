"""Quotations the rules' cues do not reach: a paragraph that opens with a quotation and has no cue of its
own is drafted as the speaker of the conversation's last attribution, at its own, lower confidence.
Constructed text only."""

from __future__ import annotations

import pytest

from attrib.annotate import load_pipeline
from attrib.pipeline.confidence import MEASURED
from attrib.pipeline.rules.names import CONTINUED_QUOTE
from attrib.spacy_doc import get_attributions

LOWER = MEASURED[CONTINUED_QUOTE][0]


def drafts(text: str) -> list[tuple]:
    doc = load_pipeline()(text)
    return [(a["kind"], a["confidence"], [f["text"] for f in a["source"]], [f["text"] for f in a["cue"]],
             [f["text"] for f in a["content"]]) for a in get_attributions(doc)]


@pytest.mark.parametrize("text, quote, source, cue", [
    # a quote that continues the previous speaker after a sentence of narration
    ('The mayor said the budget was balanced. The hall was full.\n\n'
     '"We will not raise taxes this year, and we will not cut the schools either."',
     '"We will not raise taxes this year, and we will not cut the schools either."', "The mayor", "said"),
    # a line of dialogue: the reply goes to the conversation's last speaker, as an annotator would start from
    ('"Where were you last night?" the detective asked. The room was quiet.\n"At home, with my sister."',
     '"At home, with my sister."', "the detective", "asked"),
    # a quotation after a paragraph of narration: it was joined to the speaker's own quotation at its confidence
    ('Rania Aziz said: "We want our jobs back."\n\nThe protest ended peacefully after two hours.\n\n'
     '"We will come back tomorrow."', '"We will come back tomorrow."', "Rania Aziz", "said"),
    # CRLF paragraphs, an emoji and a combining mark: offsets stay exact
    ('The mayor said the budget was balanced. The hall was full.\r\n\r\n"Taxes stay 😀 where the cafe\u0301 owners want."',
     '"Taxes stay 😀 where the cafe\u0301 owners want."', "The mayor", "said"),
])
def test_a_quotation_without_a_cue_is_the_last_speakers_at_lower_confidence(text, quote, source, cue):
    speaker, *found = drafts(text)
    assert found == [("direct", LOWER, [source], [cue], [quote])]
    assert speaker[2:4] == ([source], [cue]) and speaker[1] > LOWER


def test_offsets_of_the_uncued_draft_are_exact():
    text = 'The mayor said the budget was balanced. The hall was full.\r\n\r\n"Taxes stay 😀 where the cafe\u0301 owners want."'
    doc = load_pipeline()(text)
    for attr in get_attributions(doc):
        for role in ("source", "cue", "content"):
            for frag in attr[role]:
                assert text[frag["start"]:frag["end"]] == frag["text"]


@pytest.mark.parametrize("text", [
    # nobody spoke before it: a CONTENT needs a CUE to be an attribution (attrib validate's V501), so no draft
    '"Nobody told us anything about the closure of the plant."\n\nThe workers gathered outside.',
    # a quotation inside a sentence is a title or a scare quote, not a turn of a conversation
    'The mayor said the budget was balanced.\n\nThe plan, which its authors call a "fresh start for the city", failed.',
])
def test_quotations_that_are_not_turns_of_a_conversation_stay_alone(text):
    assert all(d[1] != LOWER for d in drafts(text))
    assert not any("fresh start" in c or "Nobody" in c for d in drafts(text) for c in d[4])


def test_a_quotation_with_a_cue_in_its_paragraph_is_left_to_the_rules():
    text = 'Officials said little.\n\n"This is a serious matter," the spokesman said.'
    (kind, confidence, source, cue, content), = [d for d in drafts(text) if "serious" in d[4][0]]
    assert (kind, source, cue, content) == ("direct", ["the spokesman"], ["said"], ['"This is a serious matter,"'])
    assert confidence != LOWER
