"""Training pays on a new kind of text (issue 15: keep that working): fiction written for this project
(benchmarks/data/fiction, its README), annotated by a convention of its own. A model trained on 40 scenes is scored
on the 20 others against the rules, as a new project would find it; the README gives the benchmark's figures."""

from __future__ import annotations

from pathlib import Path

from attrib.annotate import annotate_documents, load_pipeline
from attrib.documents import Document
from attrib.evaluate import evaluate
from attrib.jsonio import atomic_write, dumps_line
from attrib.records import iter_records
from attrib.training.train import TrainSettings, train

FICTION = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "fiction"


def _scores(model: str | None, gold: Path, out: Path) -> dict:
    nlp = load_pipeline(model)
    with atomic_write(out) as handle:
        for record in annotate_documents(nlp, (Document(r["id"], r["text"], {}) for r in iter_records([gold]))):
            handle.write(dumps_line(record))
    report = evaluate(str(gold), str(out))
    roles = report["roles"]
    return {"attribution": report["attributions"]["f1"], "content overlap": roles["content"]["overlap"]["f1"],
            **{f"{role} exact": roles[role]["exact"]["f1"] for role in ("source", "cue", "content")}}


def test_a_model_trained_on_fiction_beats_the_rules_on_scenes_it_never_saw(tmp_path):
    """60 steps (about 40 s on 2 cores); the benchmark's 300 give more. Measured: the rules 79.5 / 79.0 / 78.5 / 85.1
    (attribution, source, cue, content exact F1), the model 81.6 / 81.5 / 86.1 / 88.7."""
    logged: list[str] = []
    train([FICTION / "train.gold.jsonl"], tmp_path / "model", settings=TrainSettings(max_steps=60, eval_frequency=50),
          log=logged.append)
    assert [line for line in logged if line.startswith("training steps: 60/60 in ")]  # a log file saw no step before
    test = FICTION / "test.gold.jsonl"
    rules = _scores(None, test, tmp_path / "rules.jsonl")
    trained = _scores(str(tmp_path / "model"), test, tmp_path / "trained.jsonl")
    assert all(trained[figure] >= rules[figure] + 0.01 for figure in rules), (rules, trained)
    assert trained["cue exact"] >= rules["cue exact"] + 0.04, (rules, trained)  # speech verbs news rarely uses
