"""Label Studio projects: push records in (find or create the project, import in batches, resume),
push the documents annotators disagree on into a review project, pull the export out.

The record id (the task's `data.record_id`) is the dedup key: a document already in the project is
skipped, or with `update` its prediction is replaced while nobody has annotated it (a task some of its
`overlap` annotators have done keeps its drafts, so that all of them correct the same one; push says so). So running the
same push twice adds nothing, and an interrupted push is finished by running it again.

A prediction is replaced by deleting the task's predictions, then importing the new one (batch by
batch: the server deletes only all of a task's predictions at once). A push killed between the two
leaves tasks without a prediction; every push, with `update` or not, finds the unannotated tasks that
have none and imports theirs ("repaired"), so any re-run makes the project whole again.

The server finishes an import request its client has left (killed, or timed out): a re-run right away found those
tasks missing and imported them again. So each import batch is noted beside the push lock before it is sent and
forgotten when the server has answered; a push that finds a batch noted waits (up to LATE_IMPORT_WAIT after it was
sent) until the server holds its tasks, and any unannotated second copy of a document (from before this, or from
a push on another machine) is deleted, an annotated one kept.

`overlap` is how many annotators label each task. Label Studio Community sets it per project (its
"maximum annotations", on every task: overlap cohort 100%): a task stays in the labeling stream of
the next annotator until that many have submitted, and each starts a fresh annotation from the drafts.
A new project also gets a Data Manager view that shows the drafts' score (lsjson/views.py); a push finding a
project with tasks and no view (a first push killed before making it) makes it then.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Collection, Iterable, Iterator
from urllib.parse import urlsplit

from ..counts import amount, verb
from ..errors import InputError, LabelStudioError, NothingToDoError, first_difference
from ..locks import beside_lock, one_at_a_time
from ..lsjson.config import guidelines, label_config, to_html
from ..lsjson.convert import RECORD_ID, acyclic, model_version, record_to_task, shifted_highlights
from ..lsjson.names import TEXT_NAME
from ..lsjson.views import default_view
from ..records import by_id
from ..validation import check_tasks
from ..review import REVIEW_VERSION, review_plan
from ..validation.gate import checked_export, gate
from . import BATCH
from .client import Client, project_title


@dataclass
class PushReport:
    """What a push did, and where the time went (seconds waiting for the server vs. attrib's own)."""

    project_id: int
    project_url: str
    created: bool
    imported: int = 0
    updated: int = 0
    repaired: int = 0  # tasks an interrupted update, or the server, had left without a prediction
    removed: int = 0  # unannotated second copies of a document, deleted
    retired: int = 0  # unreviewed review tasks of documents with nothing left to decide, deleted
    skipped: int = 0
    annotated: int = 0  # of the skipped, with `update`: annotated by all their annotators on older drafts, kept so
    overlap: int | None = None  # annotators per task, when this push set it
    batches: int = 0  # import requests this push makes, and how many are done: a long push shows "k of n"
    batches_sent: int = 0
    server_seconds: float = 0.0
    check_seconds: float = 0.0  # validating the tasks before they are sent
    total_seconds: float = 0.0
    task_ids: list[int] = field(default_factory=list)
    title: str = ""  # the project's, as Label Studio keeps it


def _current(old: dict, new: dict) -> bool:
    """True if the task in the project already has exactly the new task's predictions (a review task has one per
    annotator's version, told apart by their model versions)."""
    def held(predictions: list) -> list:
        return [tuple(p.get(k) for k in ("model_version", "score", "result"))
                for p in sorted(predictions, key=lambda p: str(p.get("model_version")))]

    return held(old.get("predictions") or []) == held(new["predictions"])


def _carried(old: dict, version: str) -> dict | None:
    """The task `old` with its one prediction under `version`, same result and score, when it is under another:
    Label Studio fills in only the project's model version, so after a switch the next annotator of a task one
    annotator has done started from nothing, not from that annotator's draft. None when there is nothing to carry."""
    predictions = old.get("predictions") or []
    if len(predictions) != 1 or predictions[0].get("model_version") == version:
        return None
    kept = predictions[0]
    return {"data": old.get("data") or {}, "predictions": [{"model_version": version, "score": kept.get("score"),
                                                              "result": kept.get("result") or []}]}


def _text_differs(old: dict, fresh: dict) -> int | None:
    """Where the text of `fresh`, whose prediction is to go on the task `old`, first differs from the task's, or None
    when they are the same: the prediction's offsets count in the record's text, and the task keeps its own."""
    was, now = (old.get("data") or {}).get(TEXT_NAME), fresh["data"][TEXT_NAME]
    if was == now:
        return None
    return first_difference(was or "", now)


def _refuse_changed_texts(differ: list[tuple[str, int, int]], title: str) -> None:
    """The records (key, task id, first differing character) whose drafts were to replace those of tasks of another
    text: refused before anything is changed, all of them counted."""
    if differ:
        (key, task_id, at), more = differ[0], len(differ) - 1
        others = f", and {amount(more, 'other record')} likewise" if more else ""
        raise InputError(f"record {key!r}: its text differs from that of task {task_id} in project {title!r} "
                         f"(from character {at}){others}: its drafts would not fit that task; give a changed document "
                         "a new id, or push into a new project")


@contextlib.contextmanager
def one_push_at_a_time(url: str, title: str) -> Iterator[None]:
    """Hold this machine's lock on the project `title` of the server at `url` (an flock, released when the process
    ends however it ends). Two pushes at once each found no task, and both imported everything (every task twice)
    or each created a project of that title; one after the other, the second finds what the first imported.
    Pushes from two machines are not covered: the server has nothing to lock with."""
    with one_at_a_time("push", f"{server_key(url)}\n{title}"):
        yield


def server_key(url: str) -> str:
    """The server at `url` however it is spelled: `http://localhost:8080` and `http://127.0.0.1:8080/` are one
    (`--studio DIR` and `--url` took turns with nothing, and made two projects of one title)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    with contextlib.suppress(OSError, UnicodeError):
        host = socket.gethostbyname(host)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme.lower()}://{host}:{port}{parts.path.rstrip('/')}"


# seconds after an import was sent that a later push waits for the server to finish it: a batch imports in seconds
# (2,000 short tasks in ~2 s), and a killed push whose last request never reached the server costs its re-run this
# long; a slower import (documents of 300,000 characters took minutes) can still land a second copy, deleted by the
# next push (_duplicates)
LATE_IMPORT_WAIT = 60.0


def _noted_import(url: str, title: str) -> Path:
    """Where a push notes the record ids of the import batch it has sent and not yet had answered."""
    return beside_lock("push", f"{server_key(url)}\n{title}", ".importing.json")


def _await_noted_import(client: Client, project_id: int, noted: Path, notice: Callable[[str], None] | None) -> None:
    """Wait until the project holds the tasks of the batch an earlier push sent and never had answered, or until
    LATE_IMPORT_WAIT has passed since it was sent (the request never reached the server, or failed there)."""
    try:
        batch = json.loads(noted.read_text(encoding="utf-8"))
        wanted, deadline = set(batch["record_ids"]), float(batch["sent"]) + LATE_IMPORT_WAIT
    except (OSError, ValueError, KeyError, TypeError):
        return
    told = False
    while time.time() < deadline:
        present = {t["data"].get(RECORD_ID) for t in client.tasks(project_id)}
        if wanted <= present:
            return
        if notice and not told:
            notice(f"an earlier push was stopped while the server imported {len(wanted)} tasks, which it may still be "
                   f"doing: waiting up to {deadline - time.time():.0f} s for them, so that none is imported twice")
            told = True
        time.sleep(2.0)


def _worked_on(task: dict) -> bool:
    """Whether anyone has worked on a task: annotated it, skipped it, or saved a draft of an annotation (`drafts`:
    the task list does not say)."""
    return bool(task.get("total_annotations") or task.get("cancelled_annotations") or task.get("drafts"))


def _duplicates(tasks: list[dict], has_drafts: Callable[[int], bool]) -> tuple[dict[str, dict], list[int]]:
    """The project's task of each record id, and the ids of the second copies nobody has worked on, to delete (the
    oldest copy stays, or every one worked on: annotated, skipped, or holding an annotator's saved draft, which
    `has_drafts` asks of the server for copies only)."""
    copies: dict[str, list[dict]] = defaultdict(list)
    for task in sorted(tasks, key=lambda t: t["id"]):
        key = task["data"].get(RECORD_ID)
        if isinstance(key, str):  # a task not made by attrib (no record id) is no copy of anything: never deleted
            copies[key].append(task)
    kept, extra = {}, []
    for key, found in copies.items():
        if len(found) > 1:  # a copy holding an annotator's unsubmitted draft is work: never deleted
            for task in found:
                task["drafts"] = has_drafts(task["id"])
        keep = [t for t in found if _worked_on(t)] or found[:1]
        kept[key] = keep[0]
        extra += [t["id"] for t in found if t not in keep]
    return kept, extra


def push(client: Client, records: list[dict], title: str, version: str | None = None, batch: int = BATCH, update: bool = False,
         progress: Callable[[PushReport], None] | None = None, tasks: list[dict] | None = None,
         overlap: int | None = None, notice: Callable[[str], None] | None = None,
         retire: Collection[str] = ()) -> PushReport:
    """Make project `title` hold one task per record, its prediction from `version` pre-filled for annotators.

    `version` defaults to model_version(records). The tasks to import (or whose prediction to replace)
    are validated before the server is changed. `tasks` made elsewhere (review.review_plan: a
    prediction per annotator) are pushed instead of the records' own. `overlap` (annotators per task)
    is set on the project when given; a project keeps the one it has otherwise. The tasks of documents in `retire`
    (and not pushed) are deleted where nobody has worked on them (push_review: nothing left to decide on them).
    Pushes to one project from this machine take turns (one_push_at_a_time).
    """
    title = project_title(title)  # one lock for 'Proj' and 'Proj '
    with one_push_at_a_time(client.url, title):
        return _push(client, records, title, version, batch, update, progress, tasks, overlap, notice, retire)


def _push(client: Client, records: list[dict], title: str, version: str | None, batch: int, update: bool,
          progress: Callable[[PushReport], None] | None, tasks: list[dict] | None, overlap: int | None,
          notice: Callable[[str], None] | None, retire: Collection[str]) -> PushReport:
    if overlap is not None and overlap < 1:
        raise InputError(f"overlap must be 1 or more annotators per task, not {overlap}")
    started = time.perf_counter()
    by_id(records, "the records")
    version = version or model_version(records)
    keys = [r["id"] for r in records] if tasks is None else [t["data"][RECORD_ID] for t in tasks]
    if notice is not None and (note := shifted_highlights(records)):
        notice(note)

    def task(i: int) -> dict:  # converted only when needed: a re-run converts only what is missing
        return record_to_task(records[i], version) if tasks is None else tasks[i]

    server = 0.0

    def call(fn, *args):
        nonlocal server
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            server += time.perf_counter() - t0

    project = call(client.find_project, title)
    noted = _noted_import(client.url, title)
    if project is not None and noted.exists():
        call(_await_noted_import, client, project["id"], noted, notice)
    noted.unlink(missing_ok=True)  # waited for (or from before the project): what came of it is listed below
    listed = [] if project is None else call(lambda: list(client.tasks(project["id"], predictions=update)))
    existing, extra = _duplicates(listed, lambda task_id: call(client.has_drafts, task_id))  # with their counts
    new, replace, skipped = [], [], 0  # replace: (task id, the task with its new prediction, is it a repair)
    changed: list[str] = []  # documents already there whose text is another now: skipped, and said
    differ: list[tuple[str, int, int]] = []  # such documents whose drafts were to replace the task's: refused
    partial: list[str] = []  # with `update`: annotated by some of their annotators, on the old drafts: kept, and said
    carried = 0  # of them, drafts carried over to `version`, the one Label Studio pre-fills
    annotated = 0  # with `update`: documents annotated in full on older drafts, kept as they are
    wanted = overlap or (project or {}).get("maximum_annotations") or 1
    with acyclic():
        for i, key in enumerate(keys):
            old = existing.get(key)
            if old is None:
                new.append(task(i))
                continue
            unannotated = not old.get("total_annotations")
            # drafts to (re)place on a task nobody annotated: a repair (an update killed between delete and import;
            # the predictions themselves where they were listed: the counter lags behind them while the server
            # finishes a request), or an update; only on a task of the same text
            if unannotated and (update or not old.get("total_predictions")):
                fresh = task(i)
                if (at := _text_differs(old, fresh)) is not None:
                    differ.append((key, old.get("id"), at))
                    continue
                if not old.get("predictions" if update else "total_predictions"):
                    replace.append((old["id"], fresh, True))
                    continue
                if not _current(old, fresh):
                    replace.append((old["id"], fresh, False))
                    continue
            elif (old.get("data") or {}).get(TEXT_NAME) != (records[i]["text"] if tasks is None else tasks[i]["data"][TEXT_NAME]):
                changed.append(key)
            elif update and not _current(old, task(i)):
                if old.get("total_annotations", 0) >= wanted:
                    annotated += 1
                else:
                    partial.append(key)
                    if (kept := _carried(old, version)) is not None:
                        replace.append((old["id"], kept, False))
                        carried += 1
                        continue
            skipped += 1
        _refuse_changed_texts(differ, title)
        replace.sort(key=lambda item: not item[2])  # repairs first: no task stays without a prediction for long
        if changed and notice:
            notice(f"{amount(len(changed), 'document')} already in project {title!r} "
                   f"{verb(len(changed), 'has', 'have')} another text there (first: "
                   f"{changed[0]!r}): their tasks keep the old text and drafts; give a changed document a new id, or "
                   "push into a new project")
        if partial and notice:
            notice(f"{amount(len(partial), 'document')} annotated by fewer than {wanted} annotators "
                   f"{verb(len(partial), 'keeps', 'keep')} the drafts their annotators "
                   f"started from (first: {partial[0]!r}): every annotator of a task corrects the same draft, or their "
                   "agreement would measure the drafts' differences" + (
                       f"; {carried} of them under the new model version (what Label Studio fills in), though an "
                       "earlier model made them" if carried else ""))
        checking = time.perf_counter()
        gate(check_tasks([*new, *(task for _, task, _ in replace)], "tasks"))  # before anything is changed on the server
        checking = time.perf_counter() - checking

    created = project is None
    sharing = {} if overlap is None else {"maximum_annotations": overlap, "overlap_cohort_percentage": 100}
    if created:
        instructions = guidelines()
        project = call(lambda: client.create_project(title, label_config(instructions), version,
                                                     instructions and to_html(instructions), **sharing))
    elif sharing and (project.get("maximum_annotations"), project.get("overlap_cohort_percentage")) != (overlap, 100):
        call(lambda: client.update_project(project["id"], **sharing))
    else:
        sharing = {}  # as it was
    report = PushReport(project["id"], f"{client.shown}/projects/{project['id']}/data", created, skipped=skipped,
                        annotated=annotated, overlap=overlap if sharing else None, check_seconds=checking,
                        batches=-(-len(replace) // batch) - (-len(new) // batch), title=title)
    if extra:
        call(client.delete_tasks, project["id"], extra)
        report.removed = len(extra)
    pushed = set(keys)
    settled = {key: existing[key] for key in retire if key in existing and key not in pushed}
    for old in settled.values():  # an unsubmitted draft is work too: the task list does not say, so the server is asked
        if not _worked_on(old):  # of the tasks nothing else shows worked on (one request each)
            old["drafts"] = call(client.has_drafts, old["id"])
    if (worked := [key for key, old in settled.items() if _worked_on(old)]) and notice:
        notice(f"kept {amount(len(worked), 'task')} with nothing left to decide: worked on already (annotated, skipped "
               f"or a draft saved; first: {worked[0]!r})")
    if unworked := [old["id"] for old in settled.values() if not _worked_on(old)]:
        call(client.delete_tasks, project["id"], unworked)
        report.retired = len(unworked)
    for i in range(0, len(replace), batch):
        chunk = replace[i:i + batch]
        call(client.delete_predictions, project["id"], [task_id for task_id, _, _ in chunk])
        call(client.import_predictions, project["id"], _attached((task_id, task) for task_id, task, _ in chunk))
        repaired = sum(repair for _, _, repair in chunk)
        report.updated, report.repaired = report.updated + len(chunk) - repaired, report.repaired + repaired
        report.batches_sent += 1
        if progress:
            progress(report)
    short: list[tuple[int, dict]] = []  # tasks of batches the server stored fewer predictions with than were sent
    for i in range(0, len(new), batch):
        chunk = new[i:i + batch]
        noted.write_text(json.dumps({"record_ids": [t["data"][RECORD_ID] for t in chunk], "sent": time.time()}),
                         encoding="utf-8")
        try:
            ids, stored = call(client.import_counted, project["id"], chunk)
        except LabelStudioError as exc:
            if exc.refused:  # answered 4xx, which it does before storing any: nothing of the batch to wait for
                noted.unlink(missing_ok=True)
            raise
        report.task_ids += ids
        noted.unlink(missing_ok=True)  # answered: the server has them
        if 0 <= stored < sum(len(t.get("predictions") or []) for t in chunk):
            short += zip(ids, chunk)
        report.imported += len(chunk)
        report.batches_sent += 1
        if progress:
            progress(report)
    if short:  # seen with two pushes at once into two projects: the server answered "prediction_count: 0"
        report.repaired += call(_fill_predictions, client, project["id"], short)
    # Only predictions of the project's model version are pre-filled; the server accepts a version only
    # once predictions of it exist, and sets it by itself only on a project's first import.
    if project.get("model_version") != version and version in call(client.model_versions, project["id"]):
        call(client.set_model_version, project["id"], version)
    # after the import: the task data's columns exist only then; and again on a later push if a killed first push
    # left the project without it (a project someone has opened has the Data Manager's own first tab)
    if created or (listed or report.task_ids) and not call(client.views, project["id"]):
        call(lambda: client.create_view(project["id"], default_view(client.columns(project["id"]))))
    report.server_seconds = server
    report.total_seconds = time.perf_counter() - started
    return report


def _fill_predictions(client: Client, project_id: int, imported: list[tuple[int, dict]]) -> int:
    """Import the predictions of the tasks in `imported` (task id, the task sent) that the server holds without
    any; how many."""
    held = {t["id"]: t for t in client.tasks(project_id, predictions=True)}
    missing = [(task_id, task) for task_id, task in imported if task_id in held and not held[task_id].get("predictions")]
    for start in range(0, len(missing), BATCH):
        client.import_predictions(project_id, _attached(missing[start:start + BATCH]))
    return len(missing)


def _attached(tasks: Iterable[tuple[int, dict]]) -> list[dict]:
    """The predictions of each (task id, task sent), each naming the task in the project it goes on."""
    return [{**prediction, "task": task_id} for task_id, task in tasks for prediction in task["predictions"]]


@dataclass
class ReviewTasks:
    """What the Label Studio exports `named` ask a reviewer to settle: the review tasks, and the record ids of the
    documents whose annotators now agree."""

    tasks: list[dict]
    settled: list[str]
    named: str


def review_tasks(exports: list[Path]) -> ReviewTasks:
    """The review tasks of the Label Studio `exports`, each export and task validated: each annotator's latest
    annotation of a task is their version (an annotator who redid a task stopped it, V603). Read before any server
    is asked, so a bad export changes nothing."""
    tasks, settled = [], []
    for export in exports:
        review, agreed = review_plan(checked_export(str(export), "each_latest"))
        tasks += review
        settled += agreed
    named = ", ".join(map(str, exports))
    gate(check_tasks(tasks, f"the review tasks made of {named}"))  # one document in two exports: named as such
    return ReviewTasks(tasks, settled, named)


def push_review(client: Client, review: ReviewTasks, title: str, batch: int = BATCH,
                progress: Callable[[PushReport], None] | None = None,
                notice: Callable[[str], None] | None = None) -> PushReport:
    """Push the review tasks into project `title`. A review task nobody has reviewed yet gets the versions of the
    newer export (a re-run kept the stale ones), and is deleted once the exports show its annotators agreeing (it
    stayed, asking a reviewer to settle nothing)."""
    nothing = NothingToDoError(f"{review.named}: no task where annotators disagree (two or more annotations that "
                               "differ): nothing to review")
    if not review.tasks and client.find_project(title) is None:
        raise nothing
    report = push(client, [], title, REVIEW_VERSION, batch=batch, progress=progress, tasks=review.tasks, update=True,
                  notice=notice, retire=review.settled)
    if not review.tasks and not report.retired:
        raise nothing
    return report


def pull(client: Client, title: str, out: IO[bytes]) -> int:
    """Write the full JSON export of project `title` to `out`; its id."""
    project = client.project(title)
    client.export(project["id"], out)
    return project["id"]
