"""The annotations a backend accepted, kept in its data folder as an append-only JSON Lines log.

One line per event: an accepted annotation (its attrib record, with provenance), the deletion of one (`final` when
Label Studio deleted it: its id never comes back, so a copy of it in a body made before that is not taken again), or
the deletion of a task (and with it its annotations). An annotation sent again unchanged, or in an earlier version,
is not stored again (it was, by every repeated webhook, and counted towards the next round each time).
Lines are appended to a file opened O_APPEND, under an exclusive flock, and fsynced before the event is
answered: concurrent events (threads or processes) never interleave, and an answered event survives a crash or a
restart. A line torn by a crash mid-write is skipped when read, and
ended before the next event is appended; a write that fails (a full disk) is cut off again, and the event
is answered with an error.
The annotations in force are the log replayed: each annotation's latest version accepted and not deleted since,
of the tasks not deleted; a round trains, per task, on the one of them updated last.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Iterable, Iterator

from ..jsonio import dumps_line
from ..lsjson.convert import instant

LOG = "annotations.jsonl"
logger = logging.getLogger("attrib.backend")


def key(event: dict) -> tuple:
    """What tells one version of an annotation from another."""
    return event.get("annotation_id"), event.get("updated_at")


def counts(event: dict) -> bool:
    """Whether an event is an accepted annotation that counts towards a round: not a version saved again with the same
    attributions (Label Studio's Update without an edit gives it a new time; rounds started on the same data)."""
    return event.get("event") == "accepted" and not event.get("unchanged")


def _drawn(event: dict) -> str:
    """What an accepted version annotates, its record's text and attributions, as a digest to compare (the text is
    kept in the log, not once more in memory)."""
    record = event.get("record") if isinstance(event.get("record"), dict) else {}
    drawn = json.dumps([record.get("text"), record.get("attributions")], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(drawn.encode("utf-8", "surrogatepass")).hexdigest()


def _when(time: object) -> float | None:
    return instant(time) if isinstance(time, str) else None


def older(time: object, than: object) -> bool:
    """Whether `time` is an earlier ISO time than `than` (False where either is no time)."""
    first, second = _when(time), _when(than)
    return first is not None and second is not None and first < second


def same(time: object, other: object) -> bool:
    """One time, however written (`…Z` or `…+00:00`), or no time twice."""
    return time == other or _when(time) is not None and _when(time) == _when(other)


class AnnotationLog:
    """The log in `data_dir`; `accepted` counts its accepted-annotation events. What later events are judged by:
    `known` maps each annotation in force to its updated_at, `latest` each annotation to the latest time it was seen
    at (accepted, or an update refused), `final` holds the annotations Label Studio deleted and `gone` the tasks. One
    sent again unchanged, or in an earlier version (a body made before an update), is not stored, nor one of a task
    deleted; one saved again with the same attributions under a new time is stored, marked `unchanged`, and not
    counted; one taken out otherwise (by a catch-up) is taken again when it comes back, and one Label Studio deleted
    never."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOG
        self._lock = threading.Lock()
        events = list(self.events())
        self.accepted = sum(map(counts, events))
        standing = self.standing(events)
        self.known = {event.get("annotation_id"): event.get("updated_at") for event in standing}
        self.drawn = {event.get("annotation_id"): _drawn(event) for event in standing}  # what each in force annotates
        self.latest: dict = {}
        self.final: set = set()
        self.gone: set = set()
        self._note(events)

    def _note(self, events: Iterable[dict]) -> None:
        for event in events:
            kind, annotation, time = event.get("event"), event.get("annotation_id"), event.get("updated_at")
            if kind in ("accepted", "deleted") and time is not None and not older(time, self.latest.get(annotation)):
                self.latest[annotation] = time
            if kind == "deleted" and event.get("final"):
                self.final.add(annotation)
            elif kind == "task_deleted":
                self.gone.add(event.get("task_id"))

    def append(self, events: list[dict]) -> list[dict]:
        """Store `events` but the accepted ones of an annotation in force in that version, seen in a later one, deleted
        by Label Studio or of a deleted task, and the deletions of a version earlier than one seen (a refusal that came
        late took out the version after it); those stored."""
        with self._lock:
            held, latest, drawn, stored = dict(self.known), dict(self.latest), dict(self.drawn), []
            for event in events:
                annotation, time = event.get("annotation_id"), event.get("updated_at")
                if event.get("event") == "accepted":
                    if annotation in self.final or event.get("task_id") in self.gone or older(time, latest.get(annotation)) \
                            or annotation in held and same(time, held[annotation]):
                        continue
                    digest = _drawn(event)
                    if annotation in held and drawn.get(annotation) == digest:  # stored: its time is the latest
                        event = {**event, "unchanged": True}
                    held[annotation] = latest[annotation] = time
                    drawn[annotation] = digest
                elif event.get("event") == "deleted" and (older(time, latest.get(annotation)) or annotation not in held
                                                          and time is not None and same(time, latest.get(annotation))):
                    continue  # a version before one seen, or one seen already and nothing in force to take out
                stored.append(event)
            if stored:
                self._write(stored)
            return stored

    def _write(self, events: list[dict]) -> None:
        """Append `events`, a line at a time (under self._lock, held by append): one event of 3,000 annotations of a
        500 KB text, joined into one write, ran out of memory."""
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            try:
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    os.write(fd, b"\n")  # a line torn by a crash: ended first, or this event would be glued to it
                for event in events:
                    view = memoryview(dumps_line(event).encode("utf-8"))
                    while view:
                        view = view[os.write(fd, view):]
                os.fsync(fd)
            except OSError:  # a full disk: no part of these events stays, to be glued to the next
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)
                raise
        finally:
            os.close(fd)  # releases the flock
        self.accepted += sum(map(counts, events))
        for event in events:
            if event.get("event") == "accepted":
                self.known[event.get("annotation_id")] = event.get("updated_at")
                self.drawn[event.get("annotation_id")] = _drawn(event)
            elif event.get("event") == "deleted":  # one that comes back (a catch-up took it out by mistake) is taken again
                self.known.pop(event.get("annotation_id"), None)
                self.drawn.pop(event.get("annotation_id"), None)
        self._note(events)

    def events(self) -> Iterator[dict]:
        try:
            handle = open(self.path, encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        with handle:
            for number, line in enumerate(handle, 1):
                try:
                    event = json.loads(line)
                except ValueError:
                    logger.warning("%s:%d: skipped a torn line (a crash while it was written)", self.path, number)
                    continue
                if isinstance(event, dict) and all(isinstance(event.get(name), (int, str, type(None)))
                                                   for name in ("annotation_id", "task_id", "updated_at")):
                    yield event  # (a log written before ids were checked may hold others: skipped, not a crash)

    def current(self) -> list[dict]:
        """The records in force: per task not deleted, its annotation in force updated last (by updated_at; an
        annotation's event that came late stood for its task over a later annotation), else the last to arrive."""
        best: dict = {}
        for order, event in enumerate(self.standing()):
            rank = (_when(event.get("updated_at")) or float("-inf"), order)
            if event.get("task_id") not in best or rank > best[event.get("task_id")][0]:
                best[event.get("task_id")] = (rank, event["record"])
        return [record for _, record in best.values()]

    def standing(self, events: Iterable[dict] | None = None) -> list[dict]:
        """The accepted events in force, oldest first: each annotation's latest, unless it or its task was deleted
        since (of `events`, or of the log)."""
        by_annotation: dict = {}
        gone: set = set()  # deleted tasks (Label Studio never reuses a task's id)
        final: set = set()  # annotations Label Studio deleted: their ids never come back
        for event in self.events() if events is None else events:
            if event.get("event") == "accepted" and event.get("annotation_id") not in final:
                by_annotation.pop(event.get("annotation_id"), None)  # an update moves it to the end
                by_annotation[event.get("annotation_id")] = event
            elif event.get("event") == "deleted":
                by_annotation.pop(event.get("annotation_id"), None)
                if event.get("final"):
                    final.add(event.get("annotation_id"))
            elif event.get("event") == "task_deleted":
                gone.add(event.get("task_id"))
        return [event for event in by_annotation.values() if event.get("task_id") not in gone]
