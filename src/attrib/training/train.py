"""`attrib train`: from annotated documents to a pipeline directory that `attrib annotate --model` loads.

Steps: read the documents; hold out a dev set (given, or split off) and a calibration slice of
the training documents; write them as DocBins; train with spaCy's own loop from the packaged
config.cfg, and meanwhile, in a second process, train it again on each half of the training documents
for the span finders' cross-fitted scores (cross_fit.py); add the rule component (if this attrib has
it) and `attrib_revise` before `attrib_combine`, and fit the revision of the rules' attributions on
the training documents with those scores (fit_revision.py); fit the confidence calibration on the
calibration slice; score the result on dev with attrib's evaluation; and write the pipeline with its
metadata (data, date, settings, dev scores, reliability) in meta.json["attrib"]. The model directory
is written whole or not at all.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import get_minor_version_range

from .. import __version__
from ..annotate import shifted
from ..counts import amount
from ..errors import InputError, ModelError, NothingToDoError, OutputError
from ..evaluate import Scores, match_attributions
from ..formats.outdir import staged_dir
from ..jsonio import walk, write_failure
from ..long_runs import tokenizable
from ..pipeline import FACTORY, add_text_readers
from ..records import by_id, make_record
from ..spacy_doc import get_attributions
from . import finder_scores, spacy_fit  # spacy_fit registers attrib's training components, as spaCy's loop needs them
from .beside import Beside
from .calibration import Calibration, expected_calibration_error, reliability
from .corpus import parseable, read_training_records, same_text, split, to_docbin
from .cross_fit import FINDERS, MIN_DOCUMENTS, STEPS_SHARE, cross_fitted, scored_by, training_halves
from .fit_revision import CANDIDATE_SHARE, Examples, add_document, fit, fittable
from .policy import FILL_FROM, FILL_NEEDS, JUDGED, SECOND_SIDE, ahead_in_resamples, judged_figures, thinned
from .progress import Progress
from .reviser import NO_CANDIDATES, REVISER
from .settings import TrainSettings, checkpointed

COMBINER = "attrib_combine"
ENCODER = "attrib_encoder"
LEARNED = (*FINDERS, "attrib_spancat", ENCODER)
PROCESSES = 2  # parse on both cores
MIN_DOCUMENTS_TO_FORK = 100  # below this, starting a second process costs more than it saves


def _fingerprint(paths: Iterable[str | Path]) -> list[dict]:
    """Each input's absolute path and SHA-256; a folder's (brat) over its files' relative names and bytes, in name order, so
    that the model_version changes when the data does, not only when its name does."""
    out = []
    for raw in paths:
        path = Path(raw)
        entry = {"path": str(path.absolute())}  # as typed, a relative path lacks the folder it is relative to
        if path.is_file():
            entry["sha256"] = _sha256(path)
        elif path.is_dir():
            digest = hashlib.sha256()
            files = (Path(here) / name for here, _, names in walk(path) for name in names)
            for file in sorted(f for f in files if f.is_file()):
                digest.update(f"{file.relative_to(path).as_posix()}\n{_sha256(file)}\n".encode("utf-8"))
            entry["sha256"] = digest.hexdigest()
        out.append(entry)
    return out


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:  # in blocks: a file of gigabytes is not held in memory to be hashed
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _read_unchanged(paths: list[str | Path]) -> tuple[list[dict], list[dict]]:
    """The records of `paths` and their fingerprints, taken before they were read and checked after: meta.json names
    the data the model was trained on (a file rewritten while it was read named the new one)."""
    before = _fingerprint(paths)
    records = list(read_training_records(paths))
    if (after := _fingerprint(paths)) != before:
        changed = next(b["path"] for b, a in zip(before, after) if b != a)
        raise InputError(f"{changed}: changed while it was read: train again once it is written")
    return records, before


def load_base(name: str) -> Language:
    """The base pipeline, its components off: its tokenizer makes the training DocBins' Docs. One without a component
    config.cfg copies from it is refused here: spaCy's E944 came as a traceback after the data was tokenized."""
    if _model_files(Path(name)) is not None:  # its spaCy parts are en_core_web_sm's, and all else is trained anew
        raise ModelError(f"{name}: a model attrib train wrote, which training does not continue from (only its base "
                         "pipeline's parts would be kept, and its learned parts trained anew): train on all the "
                         "annotated documents, the earlier ones too, from the default --base")
    try:
        nlp = spacy.load(name, disable=["tagger", "parser", "ner", "lemmatizer", "attribute_ruler"])
    except OSError as exc:
        raise ModelError(f"{name}: cannot load the base pipeline ({exc})") from None
    if missing := [part for part in spacy_fit.sourced_components() if part not in nlp.component_names]:
        raise ModelError(f"{name}: the base pipeline has no {', '.join(missing)}, which a trained pipeline copies from "
                         f"it (it has {', '.join(nlp.component_names) or 'no component'}): give a trained English "
                         "pipeline such as en_core_web_sm")
    return nlp


def add_rules(nlp: Language) -> bool:
    """Put the rule-based component and `attrib_revise` before the combiner, and what the rules read the text
    through (pipeline.add_text_readers), unless the pipeline has them.

    It is always there, even when its attributions are not added (prefer learned, no fill): `attrib annotate`
    appends the rule component to any pipeline that lacks it, after which it would overwrite the
    combiner's output.
    """
    if FACTORY in nlp.pipe_names:
        return False
    add_text_readers(nlp)
    nlp.add_pipe(FACTORY, before=COMBINER, config={"candidate_share": CANDIDATE_SHARE})
    nlp.add_pipe(REVISER, before=COMBINER)
    return True


def rules_only(nlp: Language) -> list[str]:
    """The components up to the rules' attributions: what the revision is fitted on, and what a model is compared
    with (`attrib annotate` without --model drafts the same, on the same parse)."""
    return [name for name in nlp.pipe_names if name not in LEARNED and name not in (REVISER, COMBINER)]


def rule_docs(nlp: Language, records: list[dict], log: Callable[[str], None], fork: bool = True) -> Iterator[Doc]:
    """The records' texts parsed, with the rules' attributions, in order: on two processes for a
    corpus worth forking for, unless `fork` is off, with progress and the time left in `log`.

    A forked worker holds a copy of what this process holds: with the encoder's taggers and torch in it, each of
    spaCy's two held about 1 GB, and `attrib train --encoder` peaked there at 4,169 MB on PolNeAR."""
    progress = Progress(log, "revision: parsing the training documents", len(records))
    processes = PROCESSES if fork and len(records) >= MIN_DOCUMENTS_TO_FORK else 1
    with nlp.select_pipes(enable=rules_only(nlp)):
        for doc in nlp.pipe((tokenizable(r["text"]) for r in records), batch_size=16, n_process=processes):
            progress.step()
            yield doc


def fit_reviser(nlp: Language, records: list[dict], seed: int, log: Callable[[str], None],
                finder: list[dict] | None = None, taggers: list | None = None) -> dict:
    """Fit `attrib_revise` on the training documents (fit_revision.py), with the span finders' scores of
    each (cross_fit.py) when given, and the encoder's from `taggers`, the k-th fine-tuned on the k-th of
    cross_fit.halves (each document scored by the other's, and parsed in this process: rule_docs; the list is emptied
    once they are scored, to free their memory for the fitting); its report, for meta.json."""
    examples = Examples()
    scorer = scored_by(records, seed) if taggers else None
    given = (*finder_scores.sets_in(finder or ()), *(("encoder",) if taggers else ()))
    for number, (record, doc) in enumerate(zip(records, rule_docs(nlp, records, log, fork=not taggers))):
        scores = dict(finder[number]) if finder else {}
        if taggers:
            scores.update(finder_scores.encoder_keyed(taggers[scorer[number]].token_scores(doc)))
        add_document(examples, number, doc, record["attributions"], scores or None)
    if taggers:  # scored: their memory goes to the fitting
        taggers.clear()
        from .encoder_fit import release_freed_memory

        release_freed_memory()
    reason = fittable(examples)
    if reason is not None:
        log(f"revision: not fitted ({reason}); the rules' attributions stay as they are")
        return {"fitted": False, "reason": reason}
    revise = nlp.get_pipe(REVISER)
    revise.models, revise.tables, report = fit(examples, seed, log, scores=given)
    revise.keep_threshold, revise.candidate_threshold = report["keep_threshold"], report["candidate_threshold"]
    added = report["candidate_check"]
    log(f"revision: keep threshold {revise.keep_threshold:.3f}; {added['added']} of {added['candidates']} candidates "
        f"added (mean of the four F1s, held out: {added['mean_f1_without']:.4f} without, {added['mean_f1_with']:.4f} with)")
    return {"fitted": True, **report}


def drop_unused_candidates(nlp: Language, revision: dict) -> None:
    """Where the revision adds no candidate (not fitted, or none raised the figures held out), the rule
    component attrib train added goes back to its default config: annotation then skips the laxer pass."""
    if revision.get("candidate_threshold", NO_CANDIDATES) >= NO_CANDIDATES:
        nlp.replace_pipe(FACTORY, FACTORY)


def predict_records(nlp: Language, records: list[dict], batch_size: int = 8) -> list[dict]:
    """Records with the pipeline's attributions for the texts of `records`."""
    docs = nlp.pipe((tokenizable(r["text"]) for r in records), batch_size=batch_size)
    return [_drafted(r, get_attributions(doc), dict(r.get("meta") or {})) for r, doc in zip(records, docs)]


def _drafted(record: dict, attributions: list[dict], meta: dict | None = None) -> dict:
    """A record of `record`'s text with these drafts, their text taken from it (the pipeline parsed `tokenizable`'s)."""
    return make_record(record["id"], record["text"], shifted(attributions, 0, record["text"]), meta)


def combined_drafts(nlp: Language, records: list[dict]) -> list[list[dict]]:
    """Each document's combined drafts before calibration (AttributionCombiner.combined), every addition of the second
    side in (fill on, from any raw score): one pass of the pipeline, which the calibration and the fill check thin
    (policy.thinned) to the drafts a policy writes."""
    combiner = nlp.get_pipe(COMBINER)
    was = combiner.fill, combiner.fill_from
    combiner.fill, combiner.fill_from = True, 0.0
    try:
        with nlp.select_pipes(disable=[COMBINER]):
            return [combiner.combined(doc) for doc in nlp.pipe(tokenizable(r["text"]) for r in records)]
    finally:
        combiner.fill, combiner.fill_from = was


def fit_calibration(combiner, records: list[dict], drafts: list[list[dict]]) -> Calibration:
    """Calibration counts from the raw drafts the combiner's policy (fill, fill_from) writes of `drafts`
    (combined_drafts) on held-out annotated `records`."""
    calibration = Calibration()
    fill_from = combiner.fill_from if combiner.fill else math.inf
    for record, combined in zip(records, drafts):
        kept = thinned(combined, SECOND_SIDE[combiner.prefer], fill_from)
        calibration.add_document(record["text"], record["attributions"], kept)
    return calibration


def _scored(gold: dict, pred: dict) -> Scores:
    scores = Scores()
    scores.add(gold, pred)
    return scores


def _merged(per_document: list[Scores]) -> Scores:
    total = Scores()
    for scores in per_document:
        total.merge(scores)
    return total


def choose_fill(nlp: Language, records: list[dict], drafts: list[list[dict]]) -> dict:
    """Whether, and from which raw score, adding the second side's attributions clearly raises the judged F1 on
    held-out `records`.

    The learned side earns its place on the user's own data: on documents the model never saw, the
    pipeline is scored without the other side's additions, and with those scored at least each of FILL_FROM; the
    best of these is kept only if it raises the mean of attribution F1 and the three roles' exact F1 there
    (policy.judged_f1: an addition whose spans an annotator must redraw is no gain), and does so in FILL_NEEDS of
    bootstrap resamples of those documents (policy.ahead_in_resamples), so that neither a handful of documents nor
    the choice among floors can turn them on by chance.
    """
    combiner = nlp.get_pipe(COMBINER)
    second = SECOND_SIDE[combiner.prefer]

    def scores_from(fill_from: float) -> tuple[list[Scores], int]:
        """Each document's scores with the additions scored at least `fill_from`, and how many drafts were written."""
        per_document, count = [], 0
        for record, combined in zip(records, drafts):
            out = combiner.finished(thinned(combined, second, fill_from))
            count += len(out)
            per_document.append(_scored(record, _drafted(record, out)))
        return per_document, count

    without, first_side = scores_from(math.inf)
    tried = []
    for fill_from in FILL_FROM:
        per_document, written = scores_from(fill_from)  # an addition does not change which other drafts are written
        tried.append({"fill_from": fill_from, "added": written - first_side, **judged_figures(_merged(per_document)),
                      "fill_wins_in": round(ahead_in_resamples(per_document, without), 3)})
    best = max(tried, key=lambda row: row["mean"])  # the first of equals: the lowest raw score, the most added
    figures = judged_figures(_merged(without))
    combiner.fill = best["mean"] > figures["mean"] and best["fill_wins_in"] >= FILL_NEEDS
    combiner.fill_from = best["fill_from"] if combiner.fill else 0.0
    return {"documents": len(records), "with": {name: best[name] for name in (*JUDGED, "mean")}, "without": figures,
            "fill_wins_in": best["fill_wins_in"], "fill_from": best["fill_from"], "tried": tried}


def calibrated(nlp: Language, records: list[dict], fill: bool | None, log: Callable[[str], None]) -> dict | None:
    """Fit the combiner's calibration on held-out `records` and, unless `fill` forces it, decide fill on them
    (choose_fill), calibrating again on the drafts that will then be written; the fill check (None when forced)."""
    combiner = nlp.get_pipe(COMBINER)
    drafts = combined_drafts(nlp, records)
    combiner.calibration = fit_calibration(combiner, records, drafts)
    if fill is not None:
        return None
    check = choose_fill(nlp, records, drafts)
    log(f"fill: {f'on from a raw score of {combiner.fill_from}' if combiner.fill else 'off'} (mean of attribution F1 "
        f"and the roles' exact F1 on the calibration documents {check['with']['mean']:.3f} with the additions from "
        f"{check['fill_from']}, the best of {len(FILL_FROM)} tried, {check['without']['mean']:.3f} without; higher with "
        f"in {check['fill_wins_in']:.1%} of bootstrap resamples, {FILL_NEEDS:.2%} needed)")
    if not combiner.fill or combiner.fill_from:  # the dropped drafts took matches
        with_fill = combiner.calibration
        combiner.calibration = fit_calibration(combiner, records, drafts)
        if not combiner.fill:  # fill turned back on by hand finds its additions calibrated
            combiner.calibration.keep_origin(with_fill, SECOND_SIDE[combiner.prefer])
    return check


def score(nlp: Language, records: list[dict]) -> tuple[dict, list[dict]]:
    """attrib eval's scores of the pipeline on `records`, plus the reliability of its confidences and the seconds it
    drafted for; and its drafts."""
    start = time.perf_counter()
    predicted = predict_records(nlp, records)
    seconds = time.perf_counter() - start
    scores = Scores()
    pairs = []
    for gold, pred in zip(records, predicted):
        scores.add(gold, pred)
        found = {p for _, p in match_attributions(gold["text"], gold["attributions"], pred["attributions"])}
        pairs += [(a["confidence"], i in found) for i, a in enumerate(pred["attributions"])]
    return {
        **scores.as_dict(),
        "reliability": reliability(pairs),
        "expected_calibration_error": expected_calibration_error(pairs),
        "seconds": round(seconds, 2),
    }, predicted


def against_rules(nlp: Language, records: list[dict], predicted: list[dict]) -> dict:
    """The model's drafts of `records` (`predicted`) beside those of its rules alone, by the four F1s drafts are judged
    by, and the share of document-level bootstrap resamples in which the model's mean is higher: whether training paid
    on these documents, or annotating with the rules still drafts better."""
    rules = nlp.get_pipe(FACTORY)
    share, rules.candidate_share = rules.candidate_share, 1.0  # the laxer pass feeds the revision only
    try:
        with nlp.select_pipes(enable=rules_only(nlp)):
            alone = predict_records(nlp, records)
    finally:
        rules.candidate_share = share
    model = [_scored(gold, pred) for gold, pred in zip(records, predicted)]
    rules_scores = [_scored(gold, pred) for gold, pred in zip(records, alone)]
    return {"documents": len(records), "model": judged_figures(_merged(model)),
            "rules": judged_figures(_merged(rules_scores)),
            "model_ahead_in": round(ahead_in_resamples(model, rules_scores), 3)}


SPANCAT_SCORES = ("spans_attrib_learned_f", "spans_attrib_learned_p", "spans_attrib_learned_r")


def performance(spacy_scores: dict, compared: dict) -> dict:
    """meta.json's `performance`, which `spacy package` shows as the model's accuracy: the four F1s attrib judges drafts
    by on dev, the rules' alone beside them, and the span classifier's own dev scores (spaCy's checkpoint score).
    spaCy's table listed the base pipeline's tagger, parser and entities at 0 (the dev documents carry no tags) and the
    training losses."""
    figures = {f"attrib_{name}_f": compared["model"][name] for name in JUDGED}
    rules = {f"attrib_rules_alone_{name}_f": compared["rules"][name] for name in JUDGED}
    return {**figures, **rules, **{key: spacy_scores[key] for key in SPANCAT_SCORES if key in spacy_scores}}


def _check_output(output: Path, inputs: list[str | Path] = ()) -> None:
    """Refuse, before any training, to replace something that is not an earlier model, a folder that holds one of the
    inputs (replacing the model would delete it), or a folder that cannot be made (a file on its path)."""
    try:
        os.stat(output)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OutputError(f"{output}: is a link that leads back to itself; choose another -o") from None
    real = Path(os.path.realpath(output))  # realpath, not Path.resolve: a link loop raised RuntimeError there
    files = _model_files(output) if output.is_dir() else None
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and files is None)):
        raise OutputError(f"{output}: exists and is not a model directory; choose another -o")
    for name in inputs:
        if str(name) != "-" and Path(os.path.realpath(name)).is_relative_to(real):
            raise OutputError(f"{output}: holds {name}, one of the inputs, which replacing the model there would "
                              "delete; choose another -o, or move the data out")
    if files is not None and (other := sorted(p.name for p in output.iterdir() if p.name not in files)):
        raise OutputError(f"{output}: holds {other[0]!r}, which is no part of the model there and replacing the "
                          "model would delete; choose another -o, or move it out")
    parent = next((p for p in real.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise OutputError(f"{output}: cannot be made ({parent} is a file, not a folder); choose another -o")
    if parent is not None and not os.access(parent, os.W_OK | os.X_OK):  # found out now, not after the training
        raise OutputError(f"{output}: cannot be written ({parent} is not writable: read-only, or not yours); "
                          "choose another -o")


def _model_files(folder: Path) -> set[str] | None:
    """The names a model `attrib train` wrote has in `folder` (its components' folders, config, meta, tokenizer and
    vocabulary), or None when the folder holds no such model (no meta.json of attrib's)."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("attrib"), dict):
        return None
    components = [c for c in meta.get("components") or [] if isinstance(c, str)]
    return {"meta.json", "config.cfg", "tokenizer", "vocab", *components}


def _settle_config(nlp: Language) -> None:
    """Make config.cfg say what the saved model does. Fill and the revision's thresholds are decided after spaCy's
    training and saved in the components' own files (policy.json, revision.json), which win when the model loads;
    the config showed the factory's defaults (fill = true for a model with fill off), and the temporary paths of
    the training run (the only difference between two trainings of the same data)."""
    combiner = nlp.get_pipe(COMBINER)
    nlp.get_pipe_config(COMBINER).update(prefer=combiner.prefer, fill=combiner.fill, fill_from=combiner.fill_from,
                                         min_confidence=combiner.min_confidence)
    if REVISER in nlp.pipe_names and nlp.get_pipe(REVISER).models:
        reviser = nlp.get_pipe(REVISER)
        nlp.get_pipe_config(REVISER).update(keep_threshold=reviser.keep_threshold, move_margin=reviser.move_margin)
    nlp.config["paths"].update(train=None, dev=None)


def _apart(dev: list[dict], training: list[dict], where: str) -> None:
    """Refuse dev documents that are training documents too (by id or by text): checkpoints chosen on them, and the
    dev scores in meta.json, would be scores on the training data."""
    ids, texts = {r["id"] for r in training}, {same_text(r["text"]) for r in training}
    shared = [r["id"] for r in dev if r["id"] in ids or same_text(r["text"]) in texts]
    if shared:
        raise InputError(f"{where}: {len(shared)} of its {len(dev)} documents are training documents too (first: "
                         f"{shared[0]!r}): --dev must hold other documents")


WORK_PREFIX = "attrib-train-"
OWNER = ".owner"  # in a work folder: locked (flock) while its training runs


def _remove_abandoned_work_folders() -> None:
    """Remove the work folders no training holds any more: their owner file's lock is free (the kernel releases it
    when the process ends, however it ends; a process id would not tell, where /tmp is shared across containers)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{WORK_PREFIX}*"):
        if folder.is_symlink() or not folder.is_dir():
            continue
        try:
            fd = os.open(folder / OWNER, os.O_RDONLY)
        except OSError:  # another user's, or one being made, or left by an older attrib: left alone
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # its training runs
        finally:
            os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def work_folder() -> Iterator[Path]:
    """A temporary folder for spaCy's training runs, removed at the end; a disk that fills up while they write
    there is named (a write() names no file, and the message said "standard output"). While it runs its owner file
    is locked: the folders of runs killed outright (SIGKILL, out of memory), copies of their training data, are
    removed by the next run."""
    _remove_abandoned_work_folders()
    try:
        with tempfile.TemporaryDirectory(prefix=WORK_PREFIX) as name:
            owner = os.open(Path(name) / OWNER, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(owner, fcntl.LOCK_EX)
                yield Path(name)
            finally:
                os.close(owner)
    except OSError as exc:
        if not write_failure(exc):
            raise
        where = exc.filename or f"the training's work folder in {tempfile.gettempdir()}"
        raise OutputError(f"{where}: cannot write ({exc.strerror}): make room there, or point TMPDIR at a "
                          "roomier place") from None


def _write_model(nlp: Language, output: Path) -> None:
    """Write the pipeline beside `output` and swap it in (an earlier model there is replaced in one step)."""
    _check_output(output)
    with staged_dir(output, replace=True) as tmp:
        try:
            nlp.to_disk(tmp)
        except OSError as exc:
            if write_failure(exc):  # a write() names no file: say which output it was
                raise OutputError(f"{output}: cannot write ({exc.strerror})") from None
            raise


def fine_tuned(nlp: Language, settings: TrainSettings, records: list[dict], parts: list[list[dict]] | None,
               work: Path, log: Callable[[str], None]) -> list | None:
    """Fine-tune the encoder (encoder_fit.py) on all the training documents into an `attrib_encoder` before the
    revision; and on each half of them (cross_fit.halves), whose taggers are returned for the revision's fitting
    (None without halves: the revision then reads no encoder scores, and the pipeline gets no encoder)."""
    if parts is None:
        log("encoder: not fine-tuned (too few documents to halve for the revision's scores)")
        return None
    from .encoder import LAYERS, learn_module, packaged_encoder

    fine_tune = learn_module("encoder_fit").fine_tune
    packaged = settings.encoder == "packaged"
    folder = packaged_encoder(work / "encoder") if packaged else Path(settings.encoder)
    layers = LAYERS if packaged else None  # an encoder of the user's own is taken whole
    taggers = [fine_tune(folder, layers, part, work / f"encoder-half{k}", settings.seed, log, f"encoder, half {k + 1}")
               for k, part in enumerate(parts)]
    nlp.add_pipe(ENCODER, before=REVISER)
    nlp.get_pipe(ENCODER).tagger = fine_tune(folder, layers, records, work / "encoder-all", settings.seed, log)
    return taggers


def start_halves(parts: list[list[dict]], work: Path, base: Language, dev: Path, settings: TrainSettings,
                 log: Callable[[str], None]) -> tuple[Beside, list[Path]]:
    """The cross-fitting halves' training (cross_fit.py), a third of the steps each, as a second process
    (halves.py) that trains beside the main run, in two folders under `work`: enter the Beside to start it;
    each folder then holds its half's pipeline (spacy_fit.best_model)."""
    steps, every = (max(1, n // STEPS_SHARE) for n in (settings.max_steps, settings.eval_frequency))
    folders = [spacy_fit.prepare(part, base.make_doc, work / f"half{i}") for i, part in enumerate(parts)]
    job = {"folders": [str(folder) for folder in folders], "dev": str(dev), "settings": vars(settings),
           "max_steps": steps, "eval_frequency": every}
    job_file = work / "halves.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    log(f"revision: training span finders on each half of the training documents ({len(parts[0])} and "
        f"{len(parts[1])} documents, {steps} steps each) in a second process, beside the main run")
    return Beside("training the halves", [sys.executable, "-m", "attrib.training.halves", str(job_file)]), folders


def train(
    data: list[str | Path],
    output: str | Path,
    dev: list[str | Path] | None = None,
    settings: TrainSettings | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """Train a pipeline on `data` (dev from `dev` or split off), write it to `output`; return its metadata."""
    settings = settings or TrainSettings()
    steps, every = checkpointed(settings.max_steps, settings.eval_frequency)
    if (steps, every) != (settings.max_steps, settings.eval_frequency):
        log(f"training steps: {steps}, evaluated every {every} (asked: {settings.max_steps}, every "
            f"{settings.eval_frequency}): the best checkpoint evaluated is kept, so the last step must be one")
        settings = dataclasses.replace(settings, max_steps=steps, eval_frequency=every)
    _check_output(Path(output), [*data, *(dev or [])])
    if settings.encoder:
        from .encoder import check_encoder

        check_encoder(settings.encoder)
    records, data_prints = _read_unchanged(data)
    by_id(records, ", ".join(map(str, data)))  # a document twice could land on both sides of a split
    dev_records, dev_prints = _read_unchanged(dev) if dev else ([], [])
    base = load_base(settings.base)
    parseable(records, ", ".join(map(str, data)), base.max_length)
    if dev:
        parseable(dev_records, ", ".join(map(str, dev)), base.max_length)
        _apart(dev_records, records, ", ".join(map(str, dev)))
    elif not settings.dev_fraction:
        raise InputError("--dev-fraction 0 holds no document out to choose checkpoints on: give --dev FILE, or a "
                         "fraction above 0")
    else:
        records, dev_records = split(records, settings.dev_fraction, settings.seed)
    train_records, calib_records = split(records, settings.calibration_fraction, settings.seed + 1, at_least_one=False)
    if not train_records or not dev_records:
        raise InputError(f"{', '.join(map(str, data))}: too few documents to train (need at least 2, or 1 with --dev)")
    if not any(record["attributions"] for record in train_records):  # spaCy would stop on a component with no label
        kept = amount(len(train_records), "document")
        raise NothingToDoError(f"{', '.join(map(str, data))}: no attribution in the {kept} kept to train on, so nothing "
                               "to learn: annotate some (correct the drafts in Label Studio, then `attrib labelstudio "
                               "records`) and train on those")
    if not any(record["attributions"] for record in dev_records):  # every checkpoint scores 0: step 0 was kept
        where = ", ".join(map(str, dev)) if dev else f"the {amount(len(dev_records), 'document')} held out of the data"
        raise NothingToDoError(f"{where}: no attribution in the dev documents, so checkpoints would be chosen on "
                               "nothing: give --dev annotated documents (or more annotated data to hold some out)")
    log(f"documents: {len(train_records)} train, {len(calib_records)} calibration, {len(dev_records)} dev")
    started = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    parts = training_halves(train_records, settings.seed)
    if parts is None:
        annotated = sum(1 for record in train_records if record["attributions"])
        log(f"revision: no span-finder scores ({amount(len(train_records), 'training document')}, {MIN_DOCUMENTS} needed to halve "
            "them)" if len(train_records) < MIN_DOCUMENTS else f"revision: no span-finder scores ({annotated} of the "
            f"{len(train_records)} training documents annotated: each half of them needs one)")
    with work_folder() as tmp, contextlib.ExitStack() as stack:
        to_docbin(dev_records, base.make_doc).to_disk(tmp / "dev.spacy")
        halves_job = folders = None
        if parts is not None:
            beside, folders = start_halves(parts, tmp, base, tmp / "dev.spacy", settings, log)
            halves_job = stack.enter_context(beside)
        main_run = spacy_fit.prepare(train_records, base.make_doc, tmp / "all")
        # spaCy's bar and table show the steps on a terminal; a log file got no line for the whole run
        steps = None if settings.show_progress else Progress(log, "training steps", settings.max_steps, every=30.0)

        def watch() -> None:
            if halves_job is not None:
                halves_job.check()
            if steps is not None:
                steps.step()

        nlp = spacy.load(spacy_fit.fit(main_run, tmp / "dev.spacy", settings, settings.max_steps, settings.eval_frequency,
                                       watch=watch))
        log_lines = (main_run / "training.jsonl").read_text(encoding="utf-8").splitlines()
        with_rules = add_rules(nlp)
        finder = None
        if halves_job is not None:
            waited = time.perf_counter()
            halves_job.wait()
            log(f"revision: the halves' span finders trained (waited {time.perf_counter() - waited:.0f} s for them)")
            if with_rules:  # one half's pipeline in memory at a time
                pipelines = (spacy.load(spacy_fit.best_model(folder)) for folder in folders)
                finder = cross_fitted(train_records, pipelines, settings.seed)
        taggers = fine_tuned(nlp, settings, train_records, parts, tmp, log) if with_rules and settings.encoder else None
    revision = (fit_reviser(nlp, train_records, settings.seed, log, finder, taggers) if with_rules
                else {"fitted": False, "reason": "rules absent"})
    if with_rules:
        drop_unused_candidates(nlp, revision)
    train_seconds = time.perf_counter() - clock
    combiner = nlp.get_pipe(COMBINER)
    fill_check = None
    if calib_records:
        fill_check = calibrated(nlp, calib_records, settings.fill, log)
    else:  # nothing to check the second side's additions on, nor to calibrate with: they stay out, unless asked for
        combiner.fill = bool(settings.fill)
        fraction = settings.calibration_fraction
        needs = f": it takes {math.ceil(1 / fraction)} or more" if fraction else ""
        kept = amount(len(records), "training document")
        log(f"no calibration documents (--calibration-fraction {fraction} of {kept} holds none{needs}): confidences "
            f"are not calibrated, and fill is {'on (--fill)' if combiner.fill else 'off'}")
    dev_scores, dev_predicted = score(nlp, dev_records)
    compared = against_rules(nlp, dev_records, dev_predicted)
    if compared["model"]["mean"] <= compared["rules"]["mean"]:
        log(f"warning: on dev the model drafts no better than its rules alone (mean of attribution F1 and the roles' "
            f"exact F1 {compared['model']['mean']:.3f}, the rules {compared['rules']['mean']:.3f}): annotate with the "
            "rules (`attrib annotate` without --model) until more documents are annotated, then train again")
    attrib_meta = {
        "attrib_version": __version__,
        "trained_at": started.isoformat(timespec="seconds"),
        "training_seconds": round(train_seconds, 1),
        "base": str(Path(settings.base).absolute()) if Path(settings.base).is_dir() else settings.base,
        "rules": {"component": with_rules, "prefer": settings.prefer, "fill": combiner.fill,
                  "fill_from": combiner.fill_from, "fill_check": fill_check},
        "revision": revision,
        "data": {
            "train": data_prints,
            "dev": dev_prints if dev else "split off the training data",
            "documents": {"train": len(train_records), "calibration": len(calib_records), "dev": len(dev_records)},
            # the documents of DATA not trained on, by id: what a later evaluation must leave out, or may use
            "held_out": {"calibration": [r["id"] for r in calib_records],
                         "dev": "the --dev documents" if dev else [r["id"] for r in dev_records]},
        },
        "settings": {k: v for k, v in vars(settings).items() if k != "show_progress"},
        "dev_scores": dev_scores,
        "dev_against_rules": compared,
        "training_log_steps": len(log_lines),
    }
    nlp.meta["name"] = "attrib_learned"
    nlp.meta["version"] = f"{__version__}+{started:%Y%m%d%H%M%S}"  # a new model_version per trained model
    nlp.meta["description"] = "attrib pre-annotator with learned SOURCE/CUE/CONTENT spans (attrib train)"
    nlp.meta["attrib"] = attrib_meta
    nlp.meta["performance"] = performance(nlp.meta.get("performance") or {}, compared)
    # its components are attrib's: `spacy package` makes a wheel that requires this attrib
    nlp.meta["requirements"] = [f"attrib{get_minor_version_range(__version__)}"]
    _settle_config(nlp)
    _write_model(nlp, Path(output))
    log(f"model written to {output}")
    return attrib_meta
