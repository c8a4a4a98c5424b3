"""The laxer rules' candidates: what the rules would draft with every prior threshold halved, where they
drafted nothing, left for `attrib_revise` to choose from (assembly.more_candidates, the component's
`candidate_share`, fit_revision.candidate_threshold). The parses are en_core_web_sm's."""

from __future__ import annotations

import numpy
import pytest
import spacy

from attrib.annotate import load_pipeline
from attrib.errors import ModelError
from attrib.pipeline import FACTORY, AttributionFinder
from attrib.pipeline.assembly import CANDIDATES_KEY, find_attributions, more_candidates
from attrib.spacy_doc import get_attributions
from attrib.training.fit_revision import CANDIDATE_SHARE, candidate_threshold
from attrib.training.reviser import NO_CANDIDATES, REVISER
from attrib.training.train import drop_unused_candidates

TEXT = "The minister said that taxes will fall. Maria Lopez understood that the bridge is unsafe."


def _parsed(text: str):
    nlp = load_pipeline()
    with nlp.select_pipes(disable=[FACTORY]):
        return nlp(text)


def _texts(attribution: dict) -> dict:
    return {role: [f["text"] for f in attribution[role]] for role in ("source", "cue", "content")}


def test_candidates_lie_where_the_rules_drafted_nothing():
    doc = _parsed(TEXT)
    rules = AttributionFinder()
    drafted = find_attributions(doc, rules.lexicon, rules.settings)
    assert [_texts(a)["cue"] for a in drafted] == [["said"]]  # "understand" (prior 0.089) is under 0.1 for a clause
    more, names = more_candidates(doc, rules.lexicon, rules.settings.scaled(0.5), drafted)
    assert [_texts(a) for a in more] == [{"source": ["Maria Lopez"], "cue": ["understood"],
                                          "content": ["that the bridge is unsafe"]}]  # "said" again is not one
    assert len(names) == 1 and names[0]
    for attribution in more:
        for role in ("source", "cue", "content"):
            assert all(TEXT[f["start"]:f["end"]] == f["text"] for f in attribution[role])


def test_the_rule_component_leaves_candidates_only_when_asked():
    plain, asked = AttributionFinder(), AttributionFinder(candidate_share=0.5)
    by_plain, by_asked = plain(_parsed(TEXT)), asked(_parsed(TEXT))
    assert CANDIDATES_KEY not in by_plain.user_data
    assert get_attributions(by_asked) == get_attributions(by_plain)  # the drafts themselves do not change
    more, names = by_asked.user_data[CANDIDATES_KEY]
    assert [_texts(a)["cue"] for a in more] == [["understood"]] and len(names) == 1


@pytest.mark.parametrize("share", [0, -0.5, 1.5])
def test_a_share_outside_zero_to_one_is_refused_in_one_line(share):
    nlp = spacy.blank("en")
    with pytest.raises(ModelError, match=rf"candidate_share is {share}: give a share in \(0, 1\]"):
        nlp.add_pipe(FACTORY, config={"candidate_share": share})


def test_the_candidate_threshold_adds_only_candidates_that_raise_the_four_figures():
    # three drafts of the rules, found with exact spans; five annotated attributions with one span per role
    # candidates: found and exact (0.8), found with wrong spans (0.7), not found (0.3)
    probabilities = numpy.array([0.9, 0.9, 0.9, 0.8, 0.7, 0.3])
    found = numpy.array([1, 1, 1, 1, 1, 0])
    exact, wrong = (1, 1) * 3, (1, 0) * 3  # per role: spans drafted, of them annotated
    units = numpy.array([exact, exact, exact, exact, wrong, wrong])
    candidate = numpy.array([False, False, False, True, True, True])
    threshold, check = candidate_threshold(probabilities, found, units, candidate, keep_at=0.5, gold=5, gold_units=[5, 5, 5])
    # with the first: every F1 8/9; the second would lift attribution to 1 and lower each role to 0.8
    assert threshold == 0.8 and check["added"] == 1 and check["candidates"] == 3
    assert check["mean_f1_without"] == 0.75 and check["mean_f1_with"] == pytest.approx(8 / 9, abs=1e-4)
    none_right, _ = candidate_threshold(probabilities, numpy.array([1, 1, 1, 0, 0, 0]), numpy.array([exact] * 3 + [wrong] * 3),
                                        candidate, keep_at=0.5, gold=5, gold_units=[5, 5, 5])
    assert none_right == NO_CANDIDATES


def test_a_trained_pipeline_drafts_a_cue_only_its_candidates_hold(trained):
    model_dir, meta = trained
    assert meta["revision"]["candidate_threshold"] < 1 and meta["revision"]["candidate_check"]["added"] > 0
    nlp = spacy.load(model_dir)
    assert nlp.get_pipe(FACTORY).candidate_share == CANDIDATE_SHARE
    text = "Dr. Chen understood that prices would keep rising."
    assert get_attributions(load_pipeline()(text)) == []  # the rules alone
    doc = nlp(text)
    assert [(_texts(a)["cue"], _texts(a)["content"]) for a in get_attributions(doc)] == [(["understood"], ["prices would keep rising"])]
    assert CANDIDATES_KEY not in doc.user_data  # attrib_revise's input, not the output
    assert REVISER in nlp.pipe_names


@pytest.mark.parametrize("revision, share", [
    ({"fitted": False, "reason": "the keep model has 3 examples, not of both kinds"}, 1.0),
    ({"fitted": True, "candidate_threshold": NO_CANDIDATES}, 1.0),
    ({"fitted": True, "candidate_threshold": 0.62}, CANDIDATE_SHARE),
])
def test_a_pipeline_whose_revision_adds_no_candidate_does_not_draft_them(revision, share):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe(FACTORY, config={"candidate_share": CANDIDATE_SHARE})
    nlp.add_pipe("sentencizer", name="after")
    drop_unused_candidates(nlp, revision)
    assert nlp.pipe_names == ["sentencizer", FACTORY, "after"]  # in its place
    assert nlp.get_pipe(FACTORY).candidate_share == share == nlp.config["components"][FACTORY]["candidate_share"]
