"""`push --update` killed at random points against a real Label Studio (tests/lsserver.py): whatever the
point, running it again ends with every task holding exactly one prediction, the new one, and the project
on the new model version; a plain re-run in between fills what a kill left empty.

Each push runs in a forked child (a fresh client: nothing of the parent's connections is shared) that is
killed with SIGKILL after a random delay spread over the time a whole update takes. The rounds alternate
between two model versions, so every kill falls into a project that is half one and half the other.
`benchmarks/bench_push_kill.py` runs many more rounds.
"""

from __future__ import annotations

import os
import random
import signal
import time

import pytest

from attrib.labelstudio.client import Client
from attrib.labelstudio.projects import push
from attrib.lsjson.convert import record_to_task
from fragments import frag_of

pytestmark = pytest.mark.labelstudio

TEXT = "The mayor said that the road would reopen on Monday, officials added."
DOCUMENTS = 12
BATCH = 2  # six chunks: six places between a delete and its import


def records(confidence: float) -> list[dict]:
    """The same documents, their drafts differing only in confidence (so in score: a new prediction)."""
    attribution = {"id": "a0", "kind": "indirect", "confidence": confidence, "source": [frag_of(TEXT, "The mayor")],
                   "cue": [frag_of(TEXT, "said")], "content": [frag_of(TEXT, "the road would reopen on Monday")],
                   "source_entity": None}
    return [{"id": f"doc-{n}", "text": TEXT, "meta": {}, "attributions": [attribution]} for n in range(DOCUMENTS)]


VERSIONS = {"kill-a": records(0.4), "kill-b": records(0.8)}


def killed_push(url: str, token: str, version: str, update: bool, after: float) -> None:
    """Push in a forked child and SIGKILL it after `after` seconds (if it has not finished)."""
    pid = os.fork()
    if pid == 0:
        try:
            push(Client(url, token), VERSIONS[version], "kill test", version, batch=BATCH, update=update)
        finally:
            os._exit(0)
    time.sleep(after)
    os.kill(pid, signal.SIGKILL)  # a child that finished is a zombie until reaped: the signal is harmless
    os.waitpid(pid, 0)


def predictions(client: Client, project_id: int) -> dict[str, list[dict]]:
    return {t["data"]["record_id"]: t["predictions"] for t in client.tasks(project_id, predictions=True)}


def test_an_update_killed_anywhere_is_finished_by_running_it_again(label_studio):
    client = label_studio.client()
    start = time.perf_counter()
    report = push(client, VERSIONS["kill-a"], "kill test", "kill-a", batch=BATCH)
    push(client, VERSIONS["kill-b"], "kill test", "kill-b", batch=BATCH, update=True)
    whole = time.perf_counter() - start  # about two pushes' time: the kills fall anywhere in one
    rng = random.Random(17)
    version = "kill-b"
    for round_ in range(8):
        version = "kill-a" if version == "kill-b" else "kill-b"
        killed_push(label_studio.url, label_studio.token, version, update=True, after=rng.uniform(0, whole / 2))
        held = predictions(client, report.project_id)
        assert all(len(p) <= 1 for p in held.values()), "a task with two predictions"
        assert sum(not p for p in held.values()) <= BATCH, "more tasks left empty than one batch"
        if round_ % 2:  # a plain re-run (no --update) fills what the kill left empty, and changes nothing else
            before = {key: p[0]["model_version"] for key, p in held.items() if p}
            again = push(client, VERSIONS[version], "kill test", version, batch=BATCH)
            held = predictions(client, report.project_id)
            assert all(len(p) == 1 for p in held.values()) and again.repaired == DOCUMENTS - len(before)
            assert {key: p[0]["model_version"] for key, p in held.items() if key in before} == before
    final = push(client, VERSIONS[version], "kill test", version, batch=BATCH, update=True)
    assert final.imported == 0
    expected = record_to_task(VERSIONS[version][0], version)["predictions"][0]
    for key, held in predictions(client, report.project_id).items():
        assert len(held) == 1, key
        assert {k: held[0][k] for k in ("model_version", "score", "result")} == expected, key
    assert client.find_project("kill test")["model_version"] == version
