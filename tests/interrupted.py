"""`push --update` killed at random points, shared by tests/test_labelstudio_interrupted.py (six rounds) and
benchmarks/bench_push_kill.py (hundreds): whatever the point, the project never holds a task with two
predictions or more empty tasks than one batch, a plain re-run fills the empty ones and changes nothing else,
and a last `push --update` ends with every task holding exactly one prediction, the new one, and the
project on the new model version.

Each push runs in a forked child (a fresh client: nothing of the parent's connections is shared) that is
killed with SIGKILL after a random delay spread over the time a whole update takes. The rounds alternate
between two model versions, so every kill falls into a project that is half one and half the other.

A request the server had received when its client was killed runs to its end all the same (the
predictions written, then the tasks' prediction counters), so the project is looked at once it has
settled: what a user who runs the push again finds.
"""

from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass, field

from attrib.labelstudio.client import Client
from attrib.labelstudio.projects import push
from attrib.lsjson.convert import record_to_task
from fragments import frag_of

SETTLE = 60.0  # seconds the server may take to finish a killed push's last request
TEXT = "The mayor said that the road would reopen on Monday, officials added."


def records(documents: int, confidence: float) -> list[dict]:
    """The same documents, their drafts differing only in confidence (so in score: a new prediction)."""
    attribution = {"id": "a0", "kind": "indirect", "confidence": confidence, "source": [frag_of(TEXT, "The mayor")],
                   "cue": [frag_of(TEXT, "said")], "content": [frag_of(TEXT, "the road would reopen on Monday")],
                   "source_entity": None}
    return [{"id": f"doc-{n}", "text": TEXT, "meta": {}, "attributions": [attribution]} for n in range(documents)]


@dataclass
class Rounds:
    """What the kills left: tasks found empty after each kill, and how many a plain re-run repaired."""

    empty: list[int] = field(default_factory=list)
    repaired: int = 0
    seconds: float = 0.0  # how long a whole update took (the kills are spread over it)


def _killed_update(url: str, token: str, version: tuple[str, list[dict]], title: str, batch: int,
                   after: float) -> None:
    """`push --update` of (model version, records) in a forked child, SIGKILLed after `after` seconds."""
    pid = os.fork()
    if pid == 0:
        try:
            push(Client(url, token), version[1], title, version[0], batch=batch, update=True)
        finally:
            os._exit(0)
    time.sleep(after)
    os.kill(pid, signal.SIGKILL)  # a child that finished is a zombie until reaped: the signal is harmless
    os.waitpid(pid, 0)


def _predictions(client: Client, project_id: int) -> dict[str, list[dict]]:
    """Each task's predictions, once two looks a moment apart agree and every task's prediction counter
    matches its predictions (the killed push's last request finished on the server)."""
    def look() -> list[dict]:
        return [{k: t[k] for k in ("id", "data", "predictions", "total_predictions")}
                for t in client.tasks(project_id, predictions=True)]
    last, deadline = look(), time.monotonic() + SETTLE
    while True:
        time.sleep(0.2)
        now = look()
        if now == last and all(len(t["predictions"]) == t["total_predictions"] for t in now):
            return {t["data"]["record_id"]: t["predictions"] for t in now}
        assert time.monotonic() < deadline, f"the project did not settle within {SETTLE} s"
        last = now


def kill_rounds(url: str, token: str, title: str, rounds: int, documents: int = 12, batch: int = 2,
                seed: int = 17) -> Rounds:
    """Push `documents`, then `rounds` killed updates (a plain re-run after every other one), then a
    whole update; assert what must hold after each, and return what the kills left."""
    client = Client(url, token)
    versions = {"kill-a": records(documents, 0.4), "kill-b": records(documents, 0.8)}
    start = time.perf_counter()
    first = push(client, versions["kill-a"], title, "kill-a", batch=batch)
    push(client, versions["kill-b"], title, "kill-b", batch=batch, update=True)
    seen = Rounds(seconds=(time.perf_counter() - start) / 2)
    rng, version = random.Random(seed), "kill-b"
    for n in range(rounds):
        version = "kill-a" if version == "kill-b" else "kill-b"
        _killed_update(url, token, (version, versions[version]), title, batch, rng.uniform(0, seen.seconds))
        held = _predictions(client, first.project_id)
        seen.empty.append(sum(not p for p in held.values()))
        assert all(len(p) <= 1 for p in held.values()), "a task with two predictions"
        assert seen.empty[-1] <= batch, "more tasks left empty than one batch"
        if n % 2:  # a plain re-run (no --update) fills what the kill left empty, and changes nothing else
            before = {key: p[0]["model_version"] for key, p in held.items() if p}
            again = push(client, versions[version], title, version, batch=batch)
            held = _predictions(client, first.project_id)
            assert all(len(p) == 1 for p in held.values()) and again.repaired == documents - len(before)
            assert {key: p[0]["model_version"] for key, p in held.items() if key in before} == before
            seen.repaired += again.repaired
    final = push(client, versions[version], title, version, batch=batch, update=True)
    assert final.imported == 0
    expected = record_to_task(versions[version][0], version)["predictions"][0]
    for key, held in _predictions(client, first.project_id).items():
        assert len(held) == 1, key
        assert {k: held[0][k] for k in ("model_version", "score", "result")} == expected, key
    assert client.find_project(title)["model_version"] == version
    return seen
