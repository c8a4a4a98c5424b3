"""attrib_revise: learned corrections of the rules, trained by `attrib train` on constructed documents
(tests/constructed.py annotates "said that X" with X alone as content, and never annotates a sentence
the rules draft), saved with the model and loaded by plain `spacy.load` in a new process."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from typing import Iterable

import numpy
import pytest
import spacy
from spacy.language import Language

from attrib.annotate import annotate_documents, load_pipeline
from attrib.documents import Document
from attrib.evaluate import Scores
from attrib.pipeline.quotes import find_quotes
from attrib.records import iter_records
from attrib.spacy_doc import get_attributions
from attrib.training import cross_fit, finder_scores
from attrib.training.boundaries import DocView, score_columns, sites
from attrib.training.fit_revision import keep_threshold
from attrib.training.gradient_boosting import classifier, out_of_fold
from attrib.training.progress import Progress
from attrib.training.reviser import REVISER
from attrib.training.tables import Rows, Table


def _scores(nlp, records: list[dict]) -> dict:
    scores = Scores()
    docs = [Document(r["id"], r["text"], {}) for r in records]
    for gold, pred in zip(records, annotate_documents(nlp, docs)):
        scores.add(gold, pred)
    return scores.as_dict()


def test_the_revision_learns_the_annotation_and_beats_the_rules_on_documents_it_did_not_see(trained, corpus):
    model_dir, meta = trained
    assert meta["revision"]["fitted"] and meta["revision"]["rows"]["keep"] > 0
    dev = list(iter_records([corpus[1]]))
    rules, model = _scores(load_pipeline(), dev), _scores(load_pipeline(str(model_dir)), dev)
    content = lambda s: s["roles"]["content"]["exact"]["f1"]  # noqa: E731
    assert content(rules) < 0.6 < 0.9 <= content(model)  # "that X" -> "X", as annotated
    assert rules["attributions"]["precision"] < 0.9 <= model["attributions"]["precision"]  # the distractors dropped


NEW_PROCESS = """
import sys, spacy
assert not any(name.startswith("attrib") for name in sys.modules)
doc = spacy.load(sys.argv[1])("Maria Lopez warned that the bridge is unsafe. The minister said goodbye to the staff.")
print([f["text"] for a in doc._.attributions for f in a["content"]])
"""


def test_a_new_process_loads_the_revision_with_plain_spacy_load(trained):
    model_dir, _ = trained
    done = subprocess.run([sys.executable, "-c", NEW_PROCESS, str(model_dir)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['the bridge is unsafe']"


def test_the_revision_survives_to_bytes_and_from_bytes(trained):
    """`nlp.to_bytes()` / `from_bytes()`, what spaCy and other libraries use to hand a pipeline to another process,
    carry the models: a pipeline without them (as one built from the config) gets them back from the bytes."""
    model_dir, _ = trained
    nlp, bare = spacy.load(model_dir), spacy.load(model_dir)
    bare.get_pipe(REVISER).models = {}
    text = "Maria Lopez warned that the bridge is unsafe. The minister said goodbye to the staff."
    assert get_attributions(bare(text)) != get_attributions(nlp(text))  # without models: the rules' drafts
    restored = bare.from_bytes(nlp.to_bytes())
    assert restored.get_pipe(REVISER).models.keys() == nlp.get_pipe(REVISER).models.keys() == {"keep", "start", "end"}
    assert get_attributions(restored(text)) == get_attributions(nlp(text))


def test_every_candidate_boundary_is_an_exact_offset_with_emoji_crlf_and_combining_marks():
    text = "Le\u0301a Dupont said that the 😀 plan\r\nwas dead.\r\n\r\n“It is over,” the mayor told reporters on Monday."
    doc = load_pipeline()(text)
    attributions, rules = get_attributions(doc), doc.user_data["attrib_rules"]
    found = sites(DocView(doc, find_quotes(text)), attributions, rules)
    assert {s.role for s in found} == {"source", "cue", "content"}
    token_edges = {t.idx for t in doc} | {t.idx + len(t) for t in doc}
    for site in found:
        assert site.candidates[0].char == site.span[0 if site.side == "start" else 1]  # the rule's own comes first
        for candidate in site.candidates:
            assert 0 <= candidate.char <= len(text) and candidate.char in token_edges | set(site.span)


def test_each_candidate_knows_how_its_score_ranks_among_its_sites_candidates():
    text = "The plan was dead, the mayor of the small town told reporters on Monday evening."
    doc = load_pipeline()(text)
    attributions, rules = get_attributions(doc), doc.user_data["attrib_rules"]
    scores = numpy.random.default_rng(0).random((len(doc), 2)).astype(numpy.float32)
    found = sites(DocView(doc, find_quotes(text), {role: scores for role in ("source", "cue", "content")}), attributions, rules)
    assert found and all(len(site.candidates) > 1 for site in found)
    for site in found:
        rows = [c.row for c in site.candidates]
        best, second = sorted((r["finder_in"] for r in rows), reverse=True)[:2]
        assert [r["finder_rank"] for r in sorted(rows, key=lambda r: -r["finder_in"])] == list(range(len(rows)))
        for r in rows:
            assert r["finder_gap"] == pytest.approx(r["finder_in"] - best)
            assert r["finder_margin"] == pytest.approx(r["finder_in"] - (second if r["finder_rank"] == 0 else best))
            assert all(numpy.isnan(r[c]) for c in score_columns("encoder"))  # no encoder scores on this doc


def test_rows_kept_as_tuples_give_the_matrix_and_vocabulary_their_dicts_give():
    rows = [{"word": "said", "offset": 1, "score": 0.25}, {"score": math.nan, "word": "told", "offset": -2},
            {"word": "said", "offset": 0, "score": 1.5}]
    kept = Rows(rows)
    assert len(kept) == 3 and kept.column("word") == ["said", "told", "said"] and kept.column("offset") == [1, -2, 0]
    table = Table(("word",), ("offset", "score")).fit(kept)
    assert table.vocab == {"word": {"said": 1, "told": 2}}
    assert numpy.array_equal(table.matrix(kept), numpy.array([[1, 1, 0.25], [2, -2, math.nan], [1, 0, 1.5]], numpy.float32),
                             equal_nan=True)
    assert table.matrix(Rows()).shape == (0, 3)
    with pytest.raises(ValueError):
        kept.append({"word": "said", "offset": 1, "score": 0.0, "extra": 1})


def test_the_keep_threshold_maximises_f1_over_held_out_probabilities():
    found = numpy.array([1, 1, 1, 0, 0, 1])
    probabilities = numpy.array([0.9, 0.8, 0.7, 0.2, 0.1, 0.3])
    threshold, check = keep_threshold(found, probabilities, gold=4)
    assert 0.2 < threshold <= 0.3  # the two wrong ones go, every found one stays
    assert (check["f1_keep_all"], check["f1_at_threshold"]) == (0.8, 1.0)
    threshold, _ = keep_threshold(found, numpy.array([0.9, 0.8, 0.7, 0.2, 0.1, 0.15]), gold=4)
    assert 0.1 < threshold <= 0.15  # dropping the wrong one at 0.2 would cost the found one at 0.15


def test_out_of_fold_keep_probabilities_survive_a_fold_with_one_label():
    """Five training documents: a fold whose other documents hold only drafts to keep stopped `attrib train` with
    scikit-learn's shape mismatch. Such a fold gets its one label; other folds are cross_val_predict's figures."""
    from sklearn.model_selection import GroupKFold, cross_val_predict

    rng = numpy.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    groups = numpy.repeat(numpy.arange(6), 10)
    y = (X[:, 0] > 0).astype(int)
    y[groups >= 1] = 1  # document 0 alone holds drafts to drop: the fold scoring it fits on one label only
    y[:3] = 0
    held_out = out_of_fold(X, y, groups, [False] * 3, seed=0)
    assert held_out.shape == (60,) and set(held_out[groups == 0]) == {1.0}
    both = (X[:, 0] > 0).astype(int)
    expected = cross_val_predict(classifier([False] * 3, 0), X, both, groups=groups, cv=GroupKFold(5),
                                 method="predict_proba")[:, 1]
    assert numpy.allclose(out_of_fold(X, both, groups, [False] * 3, seed=0), expected)


def test_progress_says_how_long_is_left(monkeypatch):
    clock = iter([0.0, 10.0, 40.0])
    monkeypatch.setattr("attrib.training.progress.time.perf_counter", lambda: next(clock))
    lines: list[str] = []
    progress = Progress(lines.append, "parsing", total=4, every=5.0)  # a fake clock: the time is the point
    progress.step()
    progress.step(3)
    assert lines == ["parsing: 1/4, about 30s left", "parsing: 4/4 in 40s"]


def test_the_revision_reads_the_span_finders_scores_and_takes_them_off_the_doc(trained):
    model_dir, _ = trained
    nlp = spacy.load(model_dir)
    assert set(score_columns("finder")) <= set(nlp.get_pipe(REVISER).tables["start"].numeric)
    text = "Maria Lopez warned that the bridge is unsafe. The minister said goodbye to the staff."
    with nlp.select_pipes(disable=[REVISER, "attrib_combine"]):
        left = nlp(text).user_data[finder_scores.SCORES_KEY]
    assert set(left) == {"source", "cue", "content"} and all(table.shape == (len(nlp.make_doc(text)), 2) for table in left.values())
    assert finder_scores.SCORES_KEY not in nlp(text).user_data  # the revision's input, not the output


@Language.factory("test_fake_finder", default_config={"number": 0})
def _fake_finder(nlp, name, number):
    """A stand-in for the span finders (real ones are trained by the `trained` fixture): every token's
    score is the number of the half whose pipeline scored it."""

    def score(doc):
        finder_scores.store(doc, "attrib_cand_content", numpy.full((len(doc), 2), number, numpy.float32))
        return doc

    return score


def _documents(count: int, annotated: Iterable[int]) -> list[dict]:
    """Documents of their own number (the annotation only needs to be there: the halves are what is tested)."""
    return [{"id": str(i), "text": f"Document number {i} said so.", "attributions": [{}] if i in annotated else []}
            for i in range(count)]


def test_cross_fitting_scores_each_document_with_finders_trained_on_the_other_half():
    records = _documents(cross_fit.MIN_DOCUMENTS, annotated=range(cross_fit.MIN_DOCUMENTS))
    parts = cross_fit.training_halves(records, seed=3)
    trained_on = [{r["id"] for r in half} for half in parts]
    assert sorted(trained_on[0] | trained_on[1]) == sorted(r["id"] for r in records) and not trained_on[0] & trained_on[1]
    pipelines = []
    for number in range(2):  # stand-ins for the halves' trained pipelines: each marks its scores with its number
        nlp = spacy.blank("en")
        nlp.add_pipe("test_fake_finder", name="attrib_find_content", config={"number": number})
        pipelines.append(nlp)
    scores = cross_fit.cross_fitted(records, pipelines, seed=3)
    for record, table in zip(records, scores):
        number = int(table["content"][0, 0])
        assert table["content"].shape == (6, 2) and record["id"] in trained_on[1 - number]
    assert {int(t["content"][0, 0]) for t in scores} == {0, 1}
    assert cross_fit.training_halves(records[:-1], seed=3) is None  # too few to halve


@pytest.mark.parametrize("seed", range(30))
def test_each_half_holds_an_annotated_document_or_there_are_no_halves(seed):
    """Documents annotated as holding no attribution are data too; a half of only those ended training in spaCy's
    E143 (half the seeds, with 2 annotated documents of 22)."""
    records = _documents(22, annotated={5, 17})
    parts = cross_fit.training_halves(records, seed)
    assert [sum(bool(r["attributions"]) for r in half) for half in parts] == [1, 1]
    assert sorted(r["id"] for half in parts for r in half) == sorted(r["id"] for r in records)
    assert cross_fit.halves(records, seed) == cross_fit.halves(records, seed)  # what cross_fitted scores with
    assert cross_fit.training_halves(_documents(22, annotated={5}), seed) is None
    every = _documents(22, annotated=range(22))  # the shuffle's own cut, as before, where both halves have some
    order = list(range(22))
    random.Random(seed).shuffle(order)
    assert cross_fit.halves(every, seed) == (sorted(order[:11]), sorted(order[11:]))


def test_the_fitting_workers_end_with_the_fitting_not_in_an_exit_hook():
    """loky keeps its workers for another call and joins them in an exit hook: a Ctrl-C just after "model written"
    landed there, a traceback and exit status 0. They end with the fitting now, and a second fitting gets new ones."""
    import os

    from joblib import delayed
    from joblib.externals.loky import reusable_executor

    from attrib.training.gradient_boosting import in_workers

    first = list(in_workers([delayed(os.getpid)() for _ in range(4)], 2))
    assert os.getpid() not in first and reusable_executor._executor._flags.shutdown
    second = list(in_workers([delayed(os.getpid)() for _ in range(4)], 2))
    assert not set(first) & set(second) and reusable_executor._executor._flags.shutdown


def test_a_fitting_worker_imports_neither_spacy_nor_torch():
    """A loky worker imports the module of the function it runs, gradient_boosting.py. While that was fit_revision.py
    it imported spaCy, and torch through thinc where the learn extra is installed: each of the two workers held about
    490 MB before its rows, where this module's imports hold about 200 MB."""
    script = ("import sys, attrib.training.gradient_boosting; "
              "print(sorted(m for m in ('spacy', 'thinc', 'torch', 'transformers') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_moved_fragments_of_one_role_never_overlap():
    """The start and end models move each boundary alone: stop 37's model drew 24 pairs of overlapping fragments of
    one role on PolNeAR dev (V507: a content's end moved past its next fragment's start, a cue `has` grown over its
    `acknowledged`, one fragment twice). One inside another is dropped, of two that cross the first ends where the
    second starts: 0 there, cue exact 69.53 -> 69.52, content exact 63.00 -> 63.04, the rest unchanged."""
    from attrib.training.reviser import _apart

    assert _apart([(462, 474), (458, 474)]) == [(458, 474)]
    assert _apart([(7611, 7617), (7611, 7626), (7611, 7617)]) == [(7611, 7626)]
    assert _apart([(1114, 1447), (1436, 2458)]) == [(1114, 1436), (1436, 2458)]
    assert _apart([(30, 40), (0, 10), (10, 20)]) == [(0, 10), (10, 20), (30, 40)]
