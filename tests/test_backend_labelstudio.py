"""`attrib backend` connected to a real Label Studio (tests/lsserver.py) through the API, as
`attrib studio --backend` connects it: drafts retrieved for raw tasks, annotations learnt from."""

from __future__ import annotations

import json
import random
import time

import httpx
import pytest

from attrib.backend.learning import MODELS, REJECTED, ROUNDS
from attrib.backend.store import AnnotationLog
from attrib.labelstudio.mlbackend import EVENTS, connect_backend, rename_live_model
from attrib.labelstudio.projects import push
from attrib.lsjson.convert import attributions_to_result
from attrib.records import normalize_record
from attrib.validation import check_export
from backendserver import running_backend
from constructed import constructed_record
from lsserver import clean_env
from runs import attrib
from test_backend_server import TEXTS, expected_predictions

pytestmark = pytest.mark.labelstudio


def project_with_backend(client, title: str, url: str, login: tuple[str, str] | None = None) -> tuple[int, str]:
    project_id = push(client, [], title).project_id
    return project_id, connect_backend(client, project_id, url, login).model_version


def retrieve(client, project_id: int, task_ids: list[int]) -> dict[int, list[dict]]:
    """Label Studio's data manager action "Retrieve predictions" on these tasks; their predictions after it."""
    client._http("POST", "api/dm/actions", "retrieving predictions", params={"id": "retrieve_tasks_predictions",
                 "project": project_id}, json={"selectedItems": {"all": False, "included": task_ids}})
    return {t["id"]: t["predictions"] for t in client.tasks(project_id, predictions=True) if t["id"] in task_ids}


def test_label_studio_retrieves_the_backends_drafts_for_raw_tasks(label_studio, attrib_backend):
    client = label_studio.client()
    project_id, version = project_with_backend(client, "backend drafts", attrib_backend.url)
    assert version == attrib_backend.version
    project = client.sdk.projects.get(id=project_id)
    assert project.model_version == version and project.show_collab_predictions and project.evaluate_predictions_automatically
    (hook,) = [h for h in client.sdk.webhooks.list(project=str(project_id)) if h.url == f"{attrib_backend.url}/webhook"]
    assert not hook.send_for_all_actions and sorted(hook.actions) == sorted(EVENTS)

    *task_ids, bad_id = client.import_tasks(project_id, [{"text": text} for text in TEXTS] + [{"text": 5}])  # no predictions
    predictions = retrieve(client, project_id, [*task_ids, bad_id])
    assert predictions[bad_id] == []  # Label Studio logs the backend's answer for it, and stores the others' drafts
    log = (label_studio.data_dir / "label-studio.log").read_text(encoding="utf-8")
    assert f"'error': 'E100 task {bad_id}: data.text must be a string, got a number'" in log
    expected = expected_predictions(TEXTS, version)
    for task_id, want in zip(task_ids, expected):
        (got,) = predictions[task_id]
        assert got["model_version"] == version
        assert got["result"] == want["result"] and got["score"] == pytest.approx(want["score"])
        assert {r["type"] for r in got["result"]} == {"labels", "choices", "relation"}
    export = [{"id": i, "data": {"text": t}, "annotations": [], "predictions": predictions[i]} for i, t in zip(task_ids, TEXTS)]
    assert [f for f in check_export(export) if f.severity == "error"] == []


def annotated(doc_id: str, rng: random.Random) -> dict:
    return normalize_record(constructed_record(doc_id, rng), doc_id)


def wait_for_round(backend, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        results = list((backend.data_dir / ROUNDS).glob("*/result.json"))
        if results and not backend.health()["training"]:
            return json.loads(results[0].read_text(encoding="utf-8"))
        time.sleep(1)
    raise AssertionError(f"no training round finished in {timeout} s:\n{backend.log()[-2000:]}")


def test_the_backend_learns_from_annotations_submitted_in_label_studio(label_studio, tmp_path):
    """With a basic auth login too: Label Studio's calls and its webhook must carry it."""
    client = label_studio.client()
    rng = random.Random(3)
    docs = [annotated(f"c{i}", rng) for i in range(7)]
    login = ("attrib", "s3cret-pass-0817")
    env = label_studio.env(ATTRIB_BACKEND_AUTH=":".join(login))
    with running_backend(tmp_path / "backend", "--train-every", "4", "--train-steps", "40", env=env, login=login) as backend:
        refused = httpx.get(f"{backend.url}/health", timeout=5)
        assert refused.status_code == 401 and "basic auth" in refused.json()["error"]
        assert httpx.get(f"{backend.url}/health", auth=("attrib", "wrong"), timeout=5).status_code == 401
        not_ascii = {"authorization": b"Basic \xe9\xe9\xe9\xe9"}  # was a 500: b64decode's ValueError went uncaught
        assert httpx.get(f"{backend.url}/health", headers=not_ascii, timeout=5).status_code == 401
        project_id, first_version = project_with_backend(client, "backend learns", backend.url, login)
        task_ids = client.import_tasks(project_id, [{"text": d["text"]} for d in docs])
        log = AnnotationLog(backend.data_dir)

        # an annotation with a label attrib does not have: Label Studio takes it, the backend keeps it out
        bad = [{"id": "x1", "from_name": "role", "to_name": "text", "type": "labels",
                "value": {"start": 0, "end": 3, "text": docs[0]["text"][:3], "labels": ["SPEAKER"]}}]
        refused = client.sdk.annotations.create(id=task_ids[0], result=bad)
        assert AnnotationLog(backend.data_dir).accepted == 0
        assert f"rejected annotation {refused.id} of task {task_ids[0]}: E150 V301 $.annotation.result[0].value.labels[0] region x1" in backend.log()

        made = [client.sdk.annotations.create(id=task_id, result=attributions_to_result(doc["text"], doc["attributions"]))
                for task_id, doc in zip(task_ids[1:6], docs[1:6])]
        assert AnnotationLog(backend.data_dir).accepted == 5  # each event stored before Label Studio's request returned
        assert backend.health()["training"]  # the 4th started a round (it loads spaCy's training: seconds)
        answer = backend.post("predict", json={"tasks": [{"id": 1, "data": {"text": TEXTS[1]}}]})
        assert answer.json()["results"] == expected_predictions(TEXTS[1:2], first_version)  # the old model meanwhile
        client.sdk.annotations.update(id=made[0].id, result=[])  # updated: no attributions after all
        client.sdk.annotations.delete(id=made[1].id)
        log = AnnotationLog(backend.data_dir)
        assert log.accepted == 6
        current = {r["provenance"]["annotation_id"]: r for r in log.current()}
        assert sorted(current) == sorted(a.id for a in made[:1] + made[2:]) and current[made[0].id]["attributions"] == []
        client.delete_tasks(project_id, [task_ids[3]])  # its annotation goes with it, without an annotation event
        current = {r["provenance"]["annotation_id"] for r in AnnotationLog(backend.data_dir).current()}
        assert sorted(current) == sorted(a.id for a in made[:1] + made[3:])

        result = wait_for_round(backend)  # started by the 4th accepted annotation
        assert result["documents"] == {"train": 3, "held_out": 1}
        won = result["candidate"]["figures"]["mean"] > result["serving"]["figures"]["mean"]
        kept = backend.data_dir / (MODELS if won else REJECTED) / result["candidate"]["version"]
        assert (kept / "meta.json").is_file()
        assert ("now serves" if won else "kept aside") in backend.log()

        late = client.import_tasks(project_id, [{"text": docs[6]["text"]}])
        (prediction,) = retrieve(client, project_id, late)[late[0]]
        serving = result["candidate"]["version"] if won else first_version
        assert prediction["model_version"] == serving
        assert client.sdk.projects.get(id=project_id).model_version == serving  # what annotators are given
    assert label_studio.token not in backend.log() and login[1] not in backend.log()


def test_start_training_takes_out_what_was_deleted_while_the_backend_heard_nothing(label_studio, tmp_path):
    """An annotation and a task deleted while the backend was down (here: its webhook off) stayed in its training
    data for good. "Start training" sends all of the project's annotated tasks (`/train`), or the project, whose
    tasks the backend exports with the token in its environment (`START_TRAINING`, when Label Studio's feature flag
    for it is on), and those they lack are taken out."""
    client = label_studio.client()
    with running_backend(tmp_path / "backend", env=label_studio.env()) as backend:
        project_id, _ = project_with_backend(client, "backend catch-up", backend.url)
        task_ids = client.import_tasks(project_id, [{"text": text} for text in TEXTS[:3]])
        made = [client.sdk.annotations.create(id=task_id, result=[]) for task_id in task_ids]
        assert len(AnnotationLog(backend.data_dir).current()) == 3
        (hook,) = [h for h in client.sdk.webhooks.list(project=str(project_id)) if h.url == f"{backend.url}/webhook"]
        client.sdk.webhooks.update(id=hook.id, is_active=False)
        client.sdk.annotations.delete(id=made[0].id)
        client.delete_tasks(project_id, [task_ids[1]])
        assert len(AnnotationLog(backend.data_dir).current()) == 3  # unheard
        (connected,) = client.sdk.ml.list(project=project_id)
        client.sdk.ml.train(id=connected.id)  # Label Studio posts /train with every annotated task of the project
        left = AnnotationLog(backend.data_dir).current()
        assert [r["provenance"]["annotation_id"] for r in left] == [made[2].id]
        assert "catch-up: 0 accepted, 2 deleted" in backend.log()


def test_renaming_the_live_model_moves_the_projects_model_version(label_studio, attrib_backend):
    client = label_studio.client()
    project_id, version = project_with_backend(client, "backend renamed", attrib_backend.url)
    assert rename_live_model(client, [project_id], version, "attrib-test+trained-0123456789ab-20260101000000") == [project_id]
    assert client.sdk.projects.get(id=project_id).model_version == "attrib-test+trained-0123456789ab-20260101000000"
    assert rename_live_model(client, [project_id], version, "other") == []  # no backend of that title is left


def test_studio_backend_starts_the_backend_and_connects_it(label_studio):
    from attrib.backend import serve

    try:
        ran = attrib("studio", "--data-dir", label_studio.data_dir, "--project", "studio backend", "--backend",
                     env=clean_env())
        assert ran.code == 0, ran.err
        state = serve.load_state(label_studio.data_dir / "backend")
        assert f"attrib backend started at {state['url']} (pid {state['pid']}, model_version attrib-0.1.0+" in ran.out
        project = label_studio.client().project("studio backend")
        (connected,) = label_studio.client().sdk.ml.list(project=project["id"])
        assert connected.url == state["url"] and connected.state == "CO" and project["model_version"] == connected.title
        again = attrib("studio", "--data-dir", label_studio.data_dir, "--project", "studio backend", "--backend",
                       env=clean_env())
        assert f"attrib backend running at {state['url']}" in again.out  # found, not started twice
        assert len(label_studio.client().sdk.ml.list(project=project["id"])) == 1
        rounds = attrib("studio", "--data-dir", label_studio.data_dir, "--project", "studio backend", "--backend",
                        "--train-every", "20", "--train-steps", "50", env=clean_env())  # it trained only when asked
        assert f"attrib backend started at {state['url']}" in rounds.out, rounds.out  # again, with the options
        assert serve.load_state(label_studio.data_dir / "backend")["options"] == ["--train-every", "20", "--train-steps",
                                                                                  "50"]
        with open(f"/proc/{serve.load_state(label_studio.data_dir / 'backend')['pid']}/cmdline", "rb") as cmdline:
            assert b"--train-every\x0020\x00--train-steps\x0050" in cmdline.read()
        serve.stop(label_studio.data_dir / "backend")  # it died: the next start replaces it in the project
        plain = attrib("studio", "--data-dir", label_studio.data_dir, env=clean_env())  # said nothing of it
        assert plain.code == 0 and (f"attrib: note: the attrib backend of {label_studio.data_dir} (model rules) is not "
                                    "running: the projects connected to it get no live drafts") in plain.err, plain.err
        attrib("studio", "--data-dir", label_studio.data_dir, "--project", "studio backend", "--backend", env=clean_env())
        url = serve.load_state(label_studio.data_dir / "backend")["url"]
        assert url == state["url"]  # its port kept, free again: the projects it served reach it (a new one each start)
        (connected,) = label_studio.client().sdk.ml.list(project=project["id"])
        hooks = label_studio.client().sdk.webhooks.list(project=str(project["id"]))
        assert connected.url == url and [h.url for h in hooks] == [f"{url}/webhook"]
    finally:
        assert serve.stop(label_studio.data_dir / "backend") is not None



def test_a_second_backend_with_another_model_leaves_the_first_project(label_studio, trained):
    """`attrib studio --backend` keeps one backend per local Label Studio: asked for another model, it restarts on
    its port, and the project connected before went on getting that other model's drafts (and feeding it its
    annotations), as the README said it would not. It is now taken out of that project, and said."""
    from attrib.backend import serve

    model_dir, _ = trained
    client = label_studio.client()
    studio = ("studio", "--data-dir", label_studio.data_dir, "--backend")
    try:
        assert attrib(*studio, "--project", "first model", env=clean_env()).code == 0
        first = client.project("first model")["id"]
        url = serve.load_state(label_studio.data_dir / "backend")["url"]
        assert [b.url for b in client.sdk.ml.list(project=first)] == [url]
        same = attrib(*studio, "--project", "same model", env=clean_env())
        assert same.code == 0 and "disconnected" not in same.out  # one model for both: both keep it
        assert [b.url for b in client.sdk.ml.list(project=first)] == [url]
        other = attrib(*studio, "--project", "second model", "--model", str(model_dir), env=clean_env())
        assert other.code == 0, other.err
        assert serve.load_state(label_studio.data_dir / "backend")["url"] == url  # the same port, another model
        second, kept = client.project("second model")["id"], client.project("same model")["id"]
        (said,) = [line for line in other.out.splitlines() if line.startswith("disconnected it from ")]
        assert (f"'first model' (id {first}), 'same model' (id {kept}), which it served rules in (or a model its "
                "rounds promoted from it): ") in said, said
        for project_id in (first, kept):
            assert client.sdk.ml.list(project=project_id) == []
            assert [h.url for h in client.sdk.webhooks.list(project=str(project_id))] == []
        (connected,) = client.sdk.ml.list(project=second)
        assert connected.url == url and "+trained-" in connected.title
    finally:
        serve.stop(label_studio.data_dir / "backend")


def test_a_promotion_renames_the_live_model_in_projects_that_asked_nothing_since_a_restart(label_studio,
                                                                                           attrib_backend, monkeypatch,
                                                                                           caplog):
    """After a restart the backend knew only the projects that had asked it something since: another it served kept
    the old model's name, and so pre-filled no draft of the promoted model."""
    import logging

    from attrib.backend.serve import _label_studio_follower

    client = label_studio.client()
    quiet, version = project_with_backend(client, "quiet since the restart", attrib_backend.url)
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
    follow = _label_studio_follower(None)
    with caplog.at_level(logging.INFO, logger="attrib.backend"):
        follow(set(), version, "attrib-test+trained-0123456789ab-20260102000000")  # no project asked since
    promoted = "attrib-test+trained-0123456789ab-20260102000000"
    assert client.sdk.projects.get(id=quiet).model_version == promoted, caplog.text
    assert "pre-fill the drafts of attrib-test+trained-0123456789ab-20260102000000" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="attrib.backend"):
        follow(set(), "a name no project has", "attrib-test+trained-0123456789ab-20260103000000")
    assert "no project has this backend under the name a name no project has" in caplog.text
