"""Learning from annotators: annotation events in, validated records kept, training rounds out.

Label Studio posts an event for every annotation created, updated or deleted. Each annotation is
checked with attrib's validator as part of its task (the same checks `attrib validate` runs on an
export): one with an error is logged with its findings and kept out; the others go to the log
(store.py). After every `train_every` newly accepted annotations a round trains a candidate in a
separate process (round.py) while the serving model keeps answering; the candidate replaces it
(one assignment: a request sees the old model or the new, never a mix) only if it scores higher on
the annotations held out from its training, else it is kept aside and the log says why.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from ..counts import amount
from ..errors import AttribError, InvalidDataError, shorten
from ..jsonio import atomic_write, dumps_line
from ..lsjson.convert import task_records
from ..training.beside import PARENT_VARIABLE
from ..training.corpus import same_text
from ..training.policy import JUDGED, side_by_side
from ..training.settings import TrainSettings
from ..validation import check_export
from . import models, round as training_round
from .store import AnnotationLog, counts, key, older

logger = logging.getLogger("attrib.backend")

CREATED, UPDATED, DELETED = "ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED"
BULK_CREATED, TASKS_DELETED = "ANNOTATIONS_CREATED", "TASKS_DELETED"  # a deleted task takes its annotations along
LEARNED_ACTIONS = (CREATED, BULK_CREATED, UPDATED, DELETED, TASKS_DELETED)
SERVING = "serving.json"  # the promoted model a restart serves
STATE = "learning.json"  # how many accepted annotations the last round started from
MODELS, REJECTED, ROUNDS = "models", "rejected", "rounds"
KEPT_REJECTED = 3  # rejected models kept to look at
MAX_PER_TASK = 100  # annotations of one task one request may bring: each is kept with the task's text (3,000 of a
# 500 KB text in one 742 KB event wrote 1.5 GB)
MOST_LOGGED = 20  # of one request's rejected tasks or annotations, the lines logged; the rest are counted
PROJECT_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() takes "²", which int() refuses


@dataclass
class EventOutcome:
    """What one event did: annotations accepted, deleted, and the rejected ones with their findings."""

    accepted: int = 0
    deleted: int = 0
    rejected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def log_each(level: int, messages: list[str], what: str) -> None:
    """Log the first MOST_LOGGED `messages`, each after `what`, and how many more there were: a request of
    two million bad tasks wrote 89 MB of log and held the server for 27 s."""
    for message in messages[:MOST_LOGGED]:
        logger.log(level, "%s %s", what, message)
    if len(messages) > MOST_LOGGED:
        logger.log(level, "%s: %s more like these, not logged", what.rstrip(":"), f"{len(messages) - MOST_LOGGED:,}")


def _findings_line(findings: list) -> str:
    """The first findings on one line, each located in the event's payload ($.annotation.result[…])."""
    shown = "; ".join(f"{f.code} {f.path.replace('$[0].annotations[0]', '$.annotation').replace('$[0]', '$.task')}"
                      f"{f' region {f.region_id}' if f.region_id else ''}: {f.message}" for f in findings[:5])
    return shown + (f" (and {len(findings) - 5} more)" if len(findings) > 5 else "")


def _beside(candidate: dict, serving: dict) -> str:
    """A round's candidate's judged figures (policy.judged_figures) beside the serving model's, for the log."""
    return f"{side_by_side(candidate, serving, (*JUDGED, 'mean'))} (F1, candidate / serving)"


def is_id(value: object) -> bool:
    """Whether `value` can be a Label Studio object id (what the log keys annotations and tasks by)."""
    return type(value) is int


def project_id(value: object) -> int | None:
    """The project a request names: an object in events, "<id>.<created at>" in /setup, /predict and /train."""
    value = value.get("id") if isinstance(value, dict) else str(value).partition(".")[0]
    return int(value) if PROJECT_ID.fullmatch(str(value)) else None


def accepted_event(action: str, annotation: dict, task: dict, project: int | None = None) -> dict:
    """The log event for a valid annotation (with its project when the request names it), or an AttribError saying
    why it is not accepted."""
    export_task = {"id": task.get("id"), "data": task.get("data"), "annotations": [annotation]}
    errors = [f for f in check_export([export_task]) if f.severity == "error"]
    if errors:
        raise InvalidDataError(_findings_line(errors))
    record, = task_records(export_task, "each", fields=False)
    return {"event": "accepted", "action": action, "annotation_id": annotation.get("id"), "task_id": task.get("id"),
            "updated_at": annotation.get("updated_at"), "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "record": record, **({"project_id": project} if project is not None else {})}


def annotation_events(payload: dict) -> tuple[list[dict], EventOutcome]:
    """Log events for a webhook payload of an annotation action, and what became of each annotation."""
    action, outcome = payload.get("action"), EventOutcome()
    if action in (DELETED, TASKS_DELETED):
        what, event, name = ("annotation", "deleted", "annotation_id") if action == DELETED else ("task", "task_deleted", "task_id")
        listed = payload.get(f"{what}s")
        gone = [a.get("id") for a in listed if isinstance(a, dict)] if isinstance(listed, list) else []
        outcome.rejected += [f"{action}: {what} id {shorten(repr(i), 40)} is not a Label Studio id (a number)"
                             for i in gone if not is_id(i)]
        gone = [i for i in gone if is_id(i)]
        outcome.deleted = len(gone)
        if not isinstance(listed, list):
            outcome.rejected.append(f"{action}: $.{what}s is not a list")
        final = {"final": True} if action == DELETED else {}  # Label Studio deleted it: its id never comes back
        return [{"event": event, name: i, **final} for i in gone], outcome
    annotations, tasks = payload.get("annotation"), payload.get("task")
    annotations = annotations if isinstance(annotations, list) else [annotations]
    tasks = tasks if isinstance(tasks, list) else [tasks]
    task_of = {t.get("id"): t for t in tasks if isinstance(t, dict) and is_id(t.get("id"))}
    events, per_task = [], Counter()
    for annotation in annotations:
        if not isinstance(annotation, dict):
            outcome.rejected.append(f"{action}: the annotation is not an object")
            continue
        if not is_id(annotation.get("id")) or annotation.get("task") is not None and not is_id(annotation["task"]):
            outcome.rejected.append(f"{action}: the annotation's id or task is not a Label Studio id (a number)")
            continue
        task = task_of.get(annotation.get("task")) or (tasks[0] if len(tasks) == 1 and isinstance(tasks[0], dict) else None)
        where = f"annotation {annotation.get('id')} of task {annotation.get('task')}"
        if task is None:
            outcome.rejected.append(f"{where}: the event carries no task")
            continue
        per_task[id(task)] += 1  # the task object: its id may be anything a request sends
        if per_task[id(task)] > MAX_PER_TASK:
            outcome.rejected.append(f"{where}: more than {MAX_PER_TASK} annotations of one task in one request: "
                                    "each is kept with the task's text; send them in several")
            continue
        if annotation.get("was_cancelled"):
            outcome.skipped.append(f"{where}: cancelled (skipped by the annotator)")
        else:
            try:
                events.append(accepted_event(action, annotation, task, project_id(payload.get("project"))))
                continue
            except AttribError as exc:
                outcome.rejected.append(f"{where}: {exc}")
        if action == UPDATED:  # its earlier version, accepted once, is not what the annotator stands by now
            events.append({"event": "deleted", "annotation_id": annotation["id"], "updated_at": annotation.get("updated_at")})
            outcome.deleted += 1
    outcome.accepted = sum(event["event"] == "accepted" for event in events)
    return events, outcome


def exported_events(tasks: list, project: int | None = None) -> tuple[list[dict], EventOutcome]:
    """Events for the annotations of exported tasks (the body of Label Studio's /train, a project export)."""
    events, outcome = [], EventOutcome()
    for task in tasks:
        if not isinstance(task, dict) or not isinstance(task.get("annotations"), list):
            continue
        annotations = [dict(a, task=task.get("id")) for a in task["annotations"] if isinstance(a, dict)]
        found, seen = annotation_events({"action": "EXPORT", "annotation": annotations, "task": [task],
                                         "project": project})
        events += found
        outcome.rejected += seen.rejected
        outcome.skipped += seen.skipped
    return events, outcome


class Serving:
    """The model requests are answered from; replaced whole by one assignment."""

    def __init__(self, served: models.Served) -> None:
        self.current = served


class Learner:
    """Keeps accepted annotations in `data_dir` and runs training rounds after every `train_every` of them."""

    def __init__(self, data_dir: Path, serving: Serving, base: str, train_every: int | None, settings: TrainSettings,
                 on_promote: Callable[[set[int], str, str], None] | None = None,
                 fetch_tasks: Callable[[int], list] | None = None) -> None:
        self.data_dir, self.serving, self.base = data_dir, serving, base
        self.train_every, self.settings = train_every, settings
        self.on_promote = on_promote  # (projects seen, old version, new version): tell Label Studio
        self.fetch_tasks = fetch_tasks  # a project's exported tasks, from Label Studio
        self.projects: set[int] = set()  # the Label Studio projects that asked for drafts or sent events
        self.log = AnnotationLog(data_dir)
        self._lock = threading.Lock()
        self._round: subprocess.Popen | None = None
        self._again = False  # "Start training" came during a round: another round follows it
        self._before = 0  # trained_upto before the running round, for a round that fails
        self._stopping = False  # the server is going down: a round it ends was not killed
        try:
            state = json.loads((data_dir / STATE).read_text(encoding="utf-8"))
            self.trained_upto = state["trained_upto"]
        except (OSError, ValueError, KeyError, TypeError):
            state, self.trained_upto = {}, 0
        if isinstance(state.get("running"), str):  # the last backend ended (killed) before its round did
            logger.info("training round %s was left unfinished when the backend stopped: its annotations count "
                        "towards the next round again", state["running"])
            self.trained_upto = state.get("before", 0)
            self._save_trained_upto()

    @property
    def training(self) -> bool:
        return self._round is not None

    def on_event(self, payload: dict) -> EventOutcome:
        events, outcome = annotation_events(payload)
        if payload.get("action") == TASKS_DELETED:  # what is deleted is their annotations in force ("1 deleted" was
            tasks = {e["task_id"] for e in events}  # said of a task that had none)
            outcome.deleted = sum(e.get("task_id") in tasks for e in self.log.standing())
        return self._take(events, outcome, payload.get("action"))

    def in_force(self) -> set[tuple]:
        """The keys of the annotations in force now: what a catch-up may take out once it has the export."""
        return set(self.log.known.items())

    def catch_up(self, tasks: list, project: int | None = None, before: set[tuple] | None = None) -> EventOutcome:
        """Take the annotations of exported tasks that the log does not hold yet (made while the backend was
        down, or whose events were lost). With `project`, `tasks` are all of that project's annotated tasks: the
        annotations in force that belong to it and are not among them (deleted, skipped, changed into one the
        validator refuses, or their task deleted while the backend was down) are deleted too, of those in force
        `before` the export was made (`in_force()`): one an event brought meanwhile is not in the export. A version
        the tasks hold skipped or refused takes out an earlier one in force, with or without `project`."""
        events, outcome = exported_events(tasks, project)
        valid = {e["annotation_id"] for e in events}
        # the versions the body holds that are not taken (skipped, or refused), with their times: each takes out an
        # earlier version in force, and keeps one from coming back later (a late event, a body made earlier)
        held = {a.get("id"): a.get("updated_at") for t in tasks if isinstance(t, dict)
                for a in (t.get("annotations") if isinstance(t.get("annotations"), list) else [])
                if isinstance(a, dict) and is_id(a.get("id")) and a.get("id") not in valid}
        gone = []
        if project is not None:
            listed = {t.get("id") for t in tasks if isinstance(t, dict) and is_id(t.get("id"))}
            gone = [e["annotation_id"] for e in self.log.standing() if e["annotation_id"] not in valid
                    and (before is None or key(e) in before or older(e.get("updated_at"), held.get(e["annotation_id"])))
                    and (e.get("project_id") == project or e.get("task_id") in listed)]
        refused = [i for i, time in held.items() if time is not None and i not in gone]
        outcome.deleted += len(gone) + sum(i in self.log.known for i in refused)
        return self._take([*events, *({"event": "deleted", "annotation_id": i, "updated_at": held.get(i)}
                                      for i in [*gone, *refused])], outcome, "catch-up", train=False)

    def _take(self, events: list[dict], outcome: EventOutcome, action: str | None, train: bool = True) -> EventOutcome:
        stored = self.log.append(events)  # an annotation held already, in that version or a later one, is not taken again
        outcome.accepted = sum(map(counts, stored))
        log_each(logging.WARNING, outcome.rejected, "rejected")
        log_each(logging.INFO, outcome.skipped, "skipped")
        if outcome.accepted or outcome.deleted:
            logger.info("%s: %d accepted, %d deleted (%d accepted in all, updates counted)", action, outcome.accepted,
                        outcome.deleted, self.log.accepted)
        if train:
            self.maybe_train()
        return outcome

    def maybe_train(self, now: bool = False) -> str:
        """Start a round if one is due (or `now`); a line saying what happened."""
        with self._lock:
            if self._round is not None:
                if now:  # "Start training" meanwhile: the annotations since are trained on once this round ends
                    self._again = True
                    logger.info("a training round is running: another follows it, on the annotations since")
                return "a training round is running" + ("; another follows it" if now else "")
            new = self.log.accepted - self.trained_upto
            if not now and (not self.train_every or new < self.train_every):
                return f"{new} new annotations since the last round"
            # one document per text: two tasks of one text (imported twice) could fall on both sides of the held-out
            # split, and one be scored on as unseen; the later annotation stands
            records = list({same_text(r["text"]): r for r in self.log.current()}.values())
            if len(records) < training_round.MIN_DOCUMENTS:
                message = (f"training postponed: {amount(len(records), 'annotated document')}, a round needs "
                           f"{training_round.MIN_DOCUMENTS}")
                logger.info(message)
                return message
            self._before, self.trained_upto = self.trained_upto, self.log.accepted
            round_dir = self._prepare_round(records)
            self._save_trained_upto(running=round_dir.name)
            log = open(round_dir / "round.log", "wb")
            with log:  # the round ends with the backend, however it ends: a SIGKILL left it training unseen
                self._round = subprocess.Popen([sys.executable, "-m", "attrib.backend.round", str(round_dir)],
                                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                               env={**os.environ, PARENT_VARIABLE: str(os.getpid())})
            logger.info("training round %s started on %d documents (pid %d)", round_dir.name, len(records), self._round.pid)
            threading.Thread(target=self._finish, args=(self._round, round_dir), daemon=True).start()
            return f"training round {round_dir.name} started on {len(records)} documents"

    def _prepare_round(self, records: list[dict]) -> Path:
        name = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        round_dir = self.data_dir / ROUNDS / name
        round_dir.mkdir(parents=True, mode=0o700)  # copies of the annotated texts: as private as the log (0600)
        with atomic_write(round_dir / training_round.SNAPSHOT) as out:
            out.writelines(dumps_line(r) for r in records)
        with atomic_write(round_dir / training_round.SPEC) as out:
            json.dump({"serving": self.serving.current.source, "settings": asdict(self.settings)}, out, indent=1)
        return round_dir

    def _finish(self, process: subprocess.Popen, round_dir: Path) -> None:
        code = process.wait()
        try:
            if code != 0:
                stopped = self._stopping  # ended with the server (stopped, or moved); else killed, or it failed
                why = ("stopped with the backend" if stopped else f"was killed (signal {-code}; out of memory?)"
                       if code < 0 else f"failed (exit {code})")
                logger.log(logging.INFO if stopped else logging.ERROR, "training round %s %s: see %s", round_dir.name,
                           why, round_dir / "round.log")
                with self._lock:  # its annotations count towards the next round again
                    self.trained_upto = self._before
                    self._save_trained_upto()
            else:
                self._decide(round_dir, json.loads((round_dir / training_round.RESULT).read_text(encoding="utf-8")))
        except Exception:  # a round that went wrong must not take the server down
            logger.exception("training round %s: its result could not be used", round_dir.name)
        finally:
            with self._lock:
                self._round = None
                again, self._again = self._again, False
                self._save_trained_upto()  # no round running now
        # annotations that came in during the round may make the next one due; a "Start training" meanwhile asks for
        # one on them, not a second round on the same data (it trained again on nothing new)
        self.maybe_train(now=again and self.log.accepted > self.trained_upto)

    def _save_trained_upto(self, running: str | None = None) -> None:
        """trained_upto, and while a round runs its name and the count before it: a backend started after one that
        was killed mid-round counts that round's annotations again (they had counted as trained on)."""
        with atomic_write(self.data_dir / STATE) as out:
            json.dump({"trained_upto": self.trained_upto, **({"running": running, "before": self._before}
                                                             if running else {})}, out)

    def _decide(self, round_dir: Path, result: dict) -> None:
        candidate, serving = result["candidate"], result["serving"]
        held = result["documents"]["held_out"]
        promoted = candidate["figures"]["mean"] > serving["figures"]["mean"]
        target = self.data_dir / (MODELS if promoted else REJECTED) / candidate["version"]
        target.parent.mkdir(exist_ok=True)
        shutil.move(str(round_dir / training_round.CANDIDATE), target)
        if promoted:
            served = models.load(str(target), fresh=True)  # loaded before the switch: requests go on meanwhile
            with atomic_write(self.data_dir / SERVING) as out:
                json.dump({"base": self.base, "model": str(target), "version": served.version, "round": round_dir.name}, out)
            old, self.serving.current = self.serving.current, served
            logger.info("model %s now serves, replacing %s: on %d held-out annotated documents %s", served.version,
                        serving["version"], held, _beside(candidate["figures"], serving["figures"]))
            if self.on_promote is not None:
                self.on_promote(set(self.projects), old.version, served.version)
        else:
            logger.info("model %s kept aside in %s, not above the serving model %s: on %d held-out annotated documents "
                        "%s", candidate["version"], target, serving["version"], held,
                        _beside(candidate["figures"], serving["figures"]))
            self._keep_last_rejected()

    def _keep_last_rejected(self) -> None:
        """Remove all but the KEPT_REJECTED latest rejected models: each is a whole pipeline (about 22 MB), and nine
        rounds in a quarter of an hour kept 202 MB."""
        kept = sorted((path for path in (self.data_dir / REJECTED).iterdir() if path.is_dir()),
                      key=lambda path: path.stat().st_mtime)
        for old in kept[:-KEPT_REJECTED]:
            shutil.rmtree(old, ignore_errors=True)
            logger.info("removed the rejected model %s (the last %d are kept)", old.name, KEPT_REJECTED)

    def stop(self) -> None:
        """End a running round (the server is going down)."""
        process = self._round
        self._stopping = True
        if process is not None and process.poll() is None:
            process.terminate()


def starting_model(data_dir: Path, source: str) -> models.Served:
    """The model to serve: the one a round promoted in `data_dir` from the same `source` (a promotion
    survives a restart), else `source`."""
    try:
        saved = json.loads((data_dir / SERVING).read_text(encoding="utf-8"))
        promoted = saved["model"] if saved.get("base") == source else None
    except (OSError, ValueError, KeyError, TypeError):
        promoted = None
    if promoted is None:
        return models.load(source)
    logger.info("serving %s, promoted by an earlier training round (%s)", promoted, data_dir / SERVING)
    return models.load(promoted, fresh=True)
