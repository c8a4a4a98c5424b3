"""The combining policy, calibration and corpus conversion of attrib.training, on constructed cases."""

from __future__ import annotations

import json

import spacy

from attrib.evaluate import Counts, Scores
from attrib.training.calibration import Calibration, expected_calibration_error, reliability
from attrib.training.corpus import CANDIDATE_KEYS, GOLD_KEY, record_to_doc, split
from attrib.training.policy import FILL_WINS, ahead_in_resamples, combine, judged_counts, judged_f1, thinned
from fragments import frag_of

TEXT = "The minister said that taxes will fall. Critics warned that debt would rise. “No,” he said."


def attr(text: str, content: str, cue: str | None = None, source: str | None = None, confidence: float = 0.9) -> dict:
    def frags(part: str | None) -> list[dict]:
        if part is None:
            return []
        return [frag_of(text, part)]

    return {"id": "x", "kind": "indirect", "confidence": confidence, "content": frags(content), "cue": frags(cue),
            "source": frags(source), "source_entity": None}


def test_rules_first_the_model_fills_missing_roles_and_unmatched_attributions():
    learned = [dict(attr(TEXT, "that taxes will fall", cue="said", source="The minister"), raw=0.8),
               dict(attr(TEXT, "“No,”", cue="said", source="he"), raw=0.6)]
    rules = [attr(TEXT, "taxes will fall", confidence=0.7),
             attr(TEXT, "that debt would rise", cue="warned", source="Critics", confidence=0.4)]
    out = combine(TEXT, learned, rules)
    assert [a["origin"] for a in out] == ["both", "rules", "learned"]
    both, rules_only, learned_only = out
    # the rules' spans win where they have them, the model fills the cue and source they missed
    assert both["content"][0]["text"] == "taxes will fall"
    assert both["cue"][0]["text"] == "said" and both["source"][0]["text"] == "The minister"
    assert both["raw"] == 0.7
    assert rules_only["raw"] == 0.4
    assert learned_only["content"][0]["text"] == "“No,”" and learned_only["raw"] == 0.6


def test_learned_first_rules_fill_missing_roles_and_unmatched_attributions():
    learned = [dict(attr(TEXT, "that taxes will fall", cue="said"), raw=0.8)]
    rules = [
        attr(TEXT, "taxes will fall", cue="minister said", source="The minister", confidence=0.7),
        attr(TEXT, "that debt would rise", cue="warned", source="Critics", confidence=0.6),
    ]
    out = combine(TEXT, learned, rules, prefer="learned")
    assert [a["origin"] for a in out] == ["both", "rules"]
    both, rules_only = out
    assert both["content"][0]["text"] == "that taxes will fall"
    assert both["cue"][0]["text"] == "said"
    assert both["source"][0]["text"] == "The minister"
    assert both["raw"] == 0.8
    assert rules_only["content"][0]["text"] == "that debt would rise" and rules_only["raw"] == 0.6


def test_without_fill_only_the_preferred_side_is_kept():
    learned = [attr(TEXT, "“No,”", cue="said", source="he")]
    rules = [attr(TEXT, "that debt would rise", cue="warned", source="Critics")]
    out = combine(TEXT, learned, rules, fill=False, prefer="learned")
    assert [a["content"][0]["text"] for a in out] == ["“No,”"]
    assert out[0]["origin"] == "learned"
    out = combine(TEXT, learned, rules, fill=False)
    assert [(a["content"][0]["text"], a["origin"]) for a in out] == [("that debt would rise", "rules")]


def test_fill_from_adds_only_the_other_sides_attributions_scored_at_least_that():
    """The floor applies to additions alone: a merged attribution keeps its place whatever the second side scored,
    and thinning combine's output afterwards (what attrib train's fill check does) gives what combine gives."""
    learned = [dict(attr(TEXT, "that taxes will fall", cue="said", source="The minister"), raw=0.2),
               dict(attr(TEXT, "that debt would rise", cue="warned", source="Critics"), raw=0.97),
               dict(attr(TEXT, "“No,”", cue="said", source="he"), raw=0.99)]
    rules = [attr(TEXT, "taxes will fall", confidence=0.1)]
    texts = lambda out: [(a["content"][0]["text"], a["origin"]) for a in out]  # noqa: E731
    everything = combine(TEXT, learned, rules, fill_from=0.0)
    assert texts(everything) == [("taxes will fall", "both"), ("that debt would rise", "learned"), ("“No,”", "learned")]
    for fill_from, kept in ((0.97, [0, 1, 2]), (0.98, [0, 2]), (1.0, [0])):
        out = combine(TEXT, learned, rules, fill_from=fill_from)
        assert texts(out) == [texts(everything)[i] for i in kept]
        assert thinned(everything, "learned", fill_from) == out
    # with the learned side first, the floor is the rules' confidence
    out = combine(TEXT, learned, [attr(TEXT, "debt would rise", confidence=0.4),
                                  attr(TEXT, "“No,” he said", confidence=0.6)], prefer="learned", fill_from=0.5)
    assert texts(out) == [("that taxes will fall", "learned"), ("that debt would rise", "both"), ("“No,”", "both")]
    out = combine(TEXT, learned[1:], [attr(TEXT, "taxes will fall", cue="said", confidence=0.6)], prefer="learned",
                  fill_from=0.5)
    assert texts(out) == [("taxes will fall", "rules"), ("that debt would rise", "learned"), ("“No,”", "learned")]
    assert texts(combine(TEXT, learned[1:], [attr(TEXT, "taxes will fall", cue="said", confidence=0.6)],
                         prefer="learned", fill_from=0.7)) == texts(out)[1:]


def test_a_rule_attribution_agrees_with_at_most_one_learned_one():
    learned = [attr(TEXT, "that taxes will fall"), attr(TEXT, "taxes will fall.")]
    rules = [attr(TEXT, "taxes will fall", source="The minister")]
    out = combine(TEXT, learned, rules, prefer="learned")
    assert sorted(a["origin"] for a in out) == ["both", "learned"]
    assert sum(bool(a["source"]) for a in out) == 1


def test_fill_adds_only_what_agrees_with_none_of_the_first_side():
    """A second learned draft of a content the rules have (a part of it, with the same cue) was added as a new
    attribution: two attributions then claimed one cue (V505), near-duplicates for an annotator to delete."""
    learned = [dict(attr(TEXT, "that taxes will fall", cue="said", source="The minister"), raw=0.9),
               dict(attr(TEXT, "taxes will", cue="said", source="The minister"), raw=0.4),
               dict(attr(TEXT, "“No,”", cue="said", source="he"), raw=0.6)]
    rules = [attr(TEXT, "that taxes will fall.", cue="said", source="The minister")]
    out = combine(TEXT, learned, rules)
    assert [(a["content"][0]["text"], a["origin"]) for a in out] == [("that taxes will fall.", "both"), ("“No,”", "learned")]


def test_calibration_follows_the_share_found_per_origin_and_bin():
    cal = Calibration()
    for i in range(100):
        cal.add("learned", 0.95, i < 90)  # 90% right at raw 0.95
        cal.add("learned", 0.55, i < 30)  # 30% right at raw 0.55
        cal.add("rules", 0.95, i < 50)
    assert abs(cal.confidence("learned", 0.95) - 0.9) < 0.02
    assert abs(cal.confidence("learned", 0.55) - 0.3) < 0.03
    assert abs(cal.confidence("rules", 0.95) - 0.5) < 0.02
    # an empty bin takes the nearest bin below it (above, for the lowest), an unseen origin the raw score
    assert cal.confidence("learned", 0.15) == cal.confidence("learned", 0.55)
    assert cal.confidence("learned", 0.75) == cal.confidence("learned", 0.55)
    assert cal.confidence("both", 0.42) == 0.42
    assert Calibration.from_dict(cal.to_dict()).counts == cal.counts


def test_calibration_never_falls_as_the_raw_score_rises():
    """A sparse bin with a low share (1 of 7) is pooled with the bin below it instead of dropping under it."""
    cal = Calibration()
    for raw, drafts, found in ((0.55, 44, 17), (0.75, 7, 1), (0.85, 14, 10), (0.95, 19, 13)):
        for i in range(drafts):
            cal.add("rules", raw, i < found)
    prior = 41 / 84
    pooled = round((17 + 1 + 4 * prior) / (44 + 7 + 4), 4)
    assert cal.confidence("rules", 0.55) == cal.confidence("rules", 0.75) == pooled
    values = cal.fitted("rules")
    assert values == sorted(values)
    assert cal.confidence("rules", 0.85) > pooled


def scored(tp: int, fp: int, fn: int, content: tuple[int, int, int] | None = None) -> Scores:
    """One document's scores: these counts for attributions and each role's exact spans (`content`: the
    content's own)."""
    scores = Scores()
    for counts in judged_counts(scores):
        counts.add(tp, tp + fn, tp + fp)
    if content:
        scores.roles["content"]["exact"] = Counts(*content)
    return scores


def test_fill_is_turned_on_by_a_gain_that_holds_across_documents_not_by_one_document():
    without = [scored(5, 1, 1) for _ in range(10)]
    # one more match in one document, one more false draft in another: higher F1 in total (83.6 vs 83.3)
    lucky = [scored(6, 1, 0), scored(5, 2, 1), *without[2:]]
    assert judged_f1(judged_counts(_sum(lucky))) > judged_f1(judged_counts(_sum(without)))
    assert ahead_in_resamples(lucky, without) < FILL_WINS
    # one more match in every document of forty: a gain that holds
    steady = [scored(6, 1, 0) for _ in range(40)]
    assert ahead_in_resamples(steady, [scored(5, 1, 1) for _ in range(40)]) == 1.0
    # a tie never wins; the same documents give the same answer
    assert ahead_in_resamples(without, without) == 0.0
    assert ahead_in_resamples(lucky, without) == ahead_in_resamples(lucky, without)
    assert ahead_in_resamples([], []) == 0.0


def test_additions_found_with_wrong_spans_are_no_gain():
    """Every document gains an attribution F1 point from the additions, but their contents are drawn wrong
    (one more false and one more missed exact content each): the mean of the four F1s falls, so fill stays off."""
    without = [scored(5, 1, 1) for _ in range(40)]
    wrong_spans = [scored(5, 1, 1, content=(4, 3, 2)) for _ in range(40)]
    for scores in wrong_spans:
        scores.attributions = Counts(6, 1, 0)
    assert _sum(wrong_spans).attributions.as_dict()["f1"] > _sum(without).attributions.as_dict()["f1"]
    assert ahead_in_resamples(wrong_spans, without) == 0.0


def _sum(per_document: list[Scores]) -> Scores:
    total = Scores()
    for scores in per_document:
        total.merge(scores)
    return total


def test_a_refitted_calibration_can_keep_one_origin_from_an_earlier_fit():
    """When fill is turned off, rules drafts are recounted without the learned ones, but the learned
    drafts keep the counts they had when they were written."""
    with_fill, without = Calibration(), Calibration()
    for i in range(10):
        with_fill.add("learned", 0.55, i < 2)
        with_fill.add("rules", 0.95, i < 5)
        without.add("rules", 0.95, i < 8)
    without.keep_origin(with_fill, "learned")
    assert without.counts["learned"] == with_fill.counts["learned"]
    assert without.counts["rules"][9] == [10, 8]
    without.counts["learned"][5][0] += 1  # a copy, not shared with the earlier fit
    assert with_fill.counts["learned"][5] == [10, 2]


def test_calibration_counts_a_prediction_right_when_eval_would_find_it():
    gold = [attr(TEXT, "that taxes will fall")]
    predicted = [dict(attr(TEXT, "taxes will fall"), origin="learned", raw=0.9),
                 dict(attr(TEXT, "that debt would rise"), origin="rules", raw=0.4)]
    cal = Calibration()
    cal.add_document(TEXT, gold, predicted)
    assert cal.counts["learned"][9] == [1, 1]
    assert cal.counts["rules"][4] == [1, 0]


def test_reliability_table_and_calibration_error():
    pairs = [(0.95, True)] * 9 + [(0.95, False)] + [(0.25, False)] * 3 + [(0.25, True)]
    rows = reliability(pairs)
    assert [(r["bin"], r["n"], r["share_right"]) for r in rows] == [("0.2-0.3", 4, 0.25), ("0.9-1.0", 10, 0.9)]
    assert expected_calibration_error(pairs) == round((4 * 0.0 + 10 * 0.05) / 14, 4)


def test_record_to_doc_puts_each_role_on_token_spans_once():
    nlp = spacy.blank("en")
    shared = attr(TEXT, "that taxes will fall", cue="said", source="The minister")
    again = attr(TEXT, "taxes will fall", cue="said", source="The minister")
    doc = record_to_doc(nlp.make_doc(TEXT), {"attributions": [shared, again]})
    labelled = [(s.text, s.label_) for s in doc.spans[GOLD_KEY]]
    assert labelled.count(("The minister", "SOURCE")) == 1
    assert ("that taxes will fall", "CONTENT") in labelled and ("taxes will fall", "CONTENT") in labelled
    assert [s.text for s in doc.spans[CANDIDATE_KEYS["cue"]]] == ["said"]


def test_split_is_seeded_and_keeps_every_document_once():
    records = [{"id": str(i), "text": f"Text {i}."} for i in range(20)]
    kept, held = split(records, 0.25, seed=3)
    assert len(held) == 5 and len(kept) == 15
    assert sorted(r["id"] for r in kept + held) == sorted(r["id"] for r in records)
    assert split(records, 0.25, seed=3) == (kept, held)
    assert split(records, 0.0) == (records, [])


def test_training_data_reads_records_brat_folders_and_label_studio_exports_alike(tmp_path):
    from attrib.formats import brat
    from attrib.jsonio import dumps_line
    from attrib.lsjson.convert import record_to_task
    from attrib.records import normalize_record, spans
    from attrib.training.corpus import read_training_records

    record = normalize_record({"id": "doc", "text": TEXT, "attributions": [
        attr(TEXT, "that taxes will fall", cue="said", source="The minister"),
        attr(TEXT, "that debt would rise", cue="warned", source="Critics")]}, "test")
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text(dumps_line(record), encoding="utf-8")
    brat.write([record], tmp_path / "brat")
    task = record_to_task(record, "v1")
    export = [{"id": 1, "data": task["data"], "predictions": [],
               "annotations": [{"id": 7, "result": task["predictions"][0]["result"], "was_cancelled": False}]}]
    (tmp_path / "export.json").write_text(json.dumps(export), encoding="utf-8")

    read = list(read_training_records([jsonl, tmp_path / "brat", tmp_path / "export.json"]))
    assert [r["text"] for r in read] == [TEXT] * 3
    as_spans = [sorted(tuple(spans(a, role)) for a in r["attributions"] for role in ("source", "cue", "content")) for r in read]
    assert as_spans[0] == as_spans[1] == as_spans[2]


def test_the_combiner_writes_no_attribution_without_a_cue():
    """A learned CONTENT with no cue in reach was written as an attribution without one: V501, refused by validate
    and push. Met by a rule attribution, it takes that one's cue and stays."""
    from spacy.tokens import SpanGroup

    from attrib.annotate import load_pipeline
    from attrib.validation import check_records

    nlp = load_pipeline()
    combiner = nlp.add_pipe("attrib_combine", config={"min_confidence": 0.0})
    text = "The weather was mild on Tuesday. Prices would rise sharply next year. The mayor said taxes will fall."
    doc = nlp.make_doc(text)
    for name, component in nlp.pipeline[:-1]:
        doc = component(doc)
    learned = [doc.char_span(33, 69, label="CONTENT"), doc.char_span(text.index("taxes"), len(text) - 1, label="CONTENT")]
    doc.spans["attrib_learned"] = SpanGroup(doc, name="attrib_learned", spans=learned, attrs={"scores": [0.99, 0.99]})
    attributions = combiner(doc)._.attributions
    assert [[f["text"] for f in a["cue"]] for a in attributions] == [["said"]]
    assert list(check_records([{"id": "x", "text": text, "attributions": attributions}])) == []
    nlp.remove_pipe("attrib_combine")


def test_an_origin_whose_few_drafts_were_all_right_is_not_certain():
    """Ten of ten right on the calibration documents of a small set made every draft of that origin 1.0, and a
    larger set's drafts at 1.0 were right 64% of the time: the origin's share, the smoothing's prior, was 1 itself."""
    calibration = Calibration()
    for _ in range(10):
        calibration.add("rules", 0.95, True)
    assert 0.85 < calibration.confidence("rules", 0.95) < 1.0
    assert calibration.confidence("rules", 0.35) == calibration.confidence("rules", 0.95)  # an empty bin: the nearest


def test_a_handful_of_documents_holds_none_out_to_calibrate_on():
    from attrib.training.corpus import split

    docs = [{"id": str(i), "text": f"Text {i}."} for i in range(12)]
    assert [len(side) for side in split(docs[:9], 0.1, at_least_one=False)] == [9, 0]
    assert [len(side) for side in split(docs[:10], 0.1, at_least_one=False)] == [9, 1]
    assert [len(side) for side in split(docs[:2], 0.1)] == [1, 1]  # dev: one at least


def test_documents_of_one_text_fall_on_one_side_of_a_split():
    """PolNeAR train holds one article under two ids: held out, one copy was scored on as unseen while the model
    trained on the other. A split without such copies is the split it was (the same seeded draws)."""
    import random

    from attrib.training.corpus import split

    docs = [{"id": str(i), "text": f"Text {i}.\nMore."} for i in range(40)]
    rng = random.Random(3)
    before = sorted(range(40), key=lambda _: rng.random())[:4]  # what the split held out before copies were kept
    assert sorted(int(d["id"]) for d in split(docs, 0.1, 3)[1]) == sorted(before)
    copies = docs + [{"id": f"copy-{i}", "text": d["text"].replace("\n", "\r\n")} for i, d in enumerate(docs[:20])]
    sides = set()
    for seed in range(20):
        kept, held = split(copies, 0.1, seed)
        kept_texts, held_texts = ({d["text"].replace("\r\n", "\n") for d in side} for side in (kept, held))
        assert not kept_texts & held_texts and len(kept) + len(held) == 60
        sides.add(len(held))
    assert sides == {6, 7}  # 6 documents, and a copy of the last one held out with it


def test_a_model_saved_before_the_smoothed_prior_keeps_its_confidences():
    """calibration.json without "prior" was written before the origin's share was smoothed: its drafts keep the
    confidences they had (a bin of 1 found in 3 was 0.3333, under min_confidence, and would become 0.3714)."""
    saved = {"bins": 10, "m": 4.0, "counts": {"rules": [[0, 0]] * 3 + [[3, 1]] + [[0, 0]] * 6}}
    assert Calibration.from_dict(saved).confidence("rules", 0.35) == 0.3333
    assert Calibration.from_dict(dict(saved, prior="laplace")).confidence("rules", 0.35) == 0.3714  # (1 + 4 × 2/5) / 7
    assert Calibration().to_dict()["prior"] == "laplace"

    one_text = [{"id": "a", "text": "S."}, {"id": "b", "text": "S."}, {"id": "c", "text": "T."}]
    assert [[d["id"] for d in side] for side in split(one_text, 0.5, 0)] in ([["a", "b"], ["c"]], [["c"], ["a", "b"]])
    assert split(one_text[:2], 0.5, 0) == (one_text[:2], [])  # all of them would be held out: none is


def test_a_learned_attribution_gets_the_kind_the_records_infer():
    """The learned side had a kind rule of its own: two quotations with words between them were "direct" there and
    "mixed" wherever else attrib infers a kind (records.infer_kind), and a quote with a clause after it "direct" too."""
    from attrib.records import infer_kind
    from attrib.training.components import group_to_attribution
    from attrib.training.grouping import Group, Scored

    nlp = spacy.blank("en")
    text = "“Taxes will fall,” he said, adding that “debt will rise.” “Prices rise” as wages stall, she said."
    doc = nlp(text)

    def scored(part: str) -> Scored:
        begin = text.index(part)
        return Scored(doc.char_span(begin, begin + len(part), alignment_mode="expand"), 0.9)

    cue = scored("said")
    two_quotes = group_to_attribution(text, Group(cue=cue, content=[scored("“Taxes will fall,”"),
                                                                       scored("that “debt will rise.”")]))
    assert two_quotes["kind"] == "mixed" == infer_kind(text, two_quotes["content"])
    clause_after = group_to_attribution(text, Group(cue=cue, content=[scored("“Prices rise” as wages stall")]))
    assert clause_after["kind"] == "mixed"
    one_quote = group_to_attribution(text, Group(cue=cue, content=[scored("“Taxes will fall,”")]))
    assert one_quote["kind"] == "direct"
