"""`attrib backend` as a real process (tests/backendserver.py), spoken to over HTTP as Label Studio speaks to it."""

from __future__ import annotations

import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from attrib.annotate import annotate_documents, load_pipeline
from attrib.backend.store import LOG as ANNOTATIONS
from attrib.documents import Document
from attrib.lsjson.convert import record_to_task
from attrib.labelstudio import server
from backendserver import running_backend
from runs import attrib

TEXTS = [
    "The minister said that taxes will fall next year.",
    "“The bridge is unsafe,” Maria Lopez told reporters on Monday.",
    "According to the report, prices would keep rising.",
    "Union leaders warned that talks had broken down. Nothing else happened.",
    "Rain 🌧️ is coming, forecasters warned.\r\nRoads were closed, officials said.",
]


def expected_predictions(texts: list[str], version: str) -> list[dict]:
    """What `attrib labelstudio push` would import for these texts with the rules."""
    records = annotate_documents(load_pipeline(), [Document(f"t{i}", t) for i, t in enumerate(texts)])
    return [record_to_task(record, version)["predictions"][0] for record in records]


def stored_lines(backend) -> int:
    path = backend.data_dir / ANNOTATIONS
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def test_predict_answers_what_push_imports(attrib_backend):
    answer = attrib_backend.post("predict", json={"tasks": [{"id": i, "data": {"text": t}} for i, t in enumerate(TEXTS)],
                                                 "project": "1.1700000000", "label_config": "<View/>", "params": {}})
    assert answer.status_code == 200
    body = answer.json()
    assert body["results"] == expected_predictions(TEXTS, attrib_backend.version)
    assert body["model_version"] == attrib_backend.version
    assert sum(len(p["result"]) for p in body["results"]) > 20


def test_setup_and_health_name_the_model(attrib_backend):
    setup = attrib_backend.post("setup", json={"project": "1.1700000000", "schema": "<View/>", "access_token": "secret-xyz",
                                               "hostname": "http://localhost:8080", "extra_params": None})
    assert setup.json() == {"model_version": attrib_backend.version}
    assert attrib_backend.health()["model_version"] == attrib_backend.version
    assert "secret-xyz" not in attrib_backend.log()


def test_twenty_concurrent_predicts_are_all_answered_right(attrib_backend):
    texts = [f"{TEXTS[i % 4]} Reporter {i} said that the count is {i}." for i in range(20)]
    expected = expected_predictions(texts, attrib_backend.version)

    def ask(i):
        return attrib_backend.post("predict", json={"tasks": [{"id": i, "data": {"text": texts[i]}}]})

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(ask, range(20)))
    assert [a.status_code for a in answers] == [200] * 20
    assert [a.json()["results"][0] for a in answers] == expected


def test_a_task_that_cannot_be_drafted_gets_an_error_and_the_others_their_drafts(attrib_backend):
    tasks = [{"id": 1, "data": {"text": TEXTS[0]}}, {"id": 2, "data": {}}, {"id": 3, "data": {"text": ["a list"]}},
             {"id": 4, "data": {"text": "x " * 100_001}}, {"id": 5, "data": {"text": "/data/upload/1/4070b4d2-article.txt"}}]
    body = attrib_backend.post("predict", json={"tasks": tasks}).json()
    assert body["results"][0] == expected_predictions(TEXTS[:1], attrib_backend.version)[0]
    assert body["results"][1] == {"error": "E100 task 2: data.text must be a string, got nothing"}
    assert body["results"][2] == {"error": "E100 task 3: data.text must be a string, got an array"}
    assert "task 4: data.text has 200,002 characters, more than this backend drafts (200,000" in body["results"][3]["error"]
    assert body["results"][4] == {"error": "E100 task 5: data.text is a file reference (/data/upload/1/4070b4d2-article.txt), "
                                           "not the text: import text files as a list of tasks (one per line) or as JSON "
                                           "with a text field"}
    attrib_backend.health()


def test_a_lone_surrogate_in_one_task_is_that_tasks_error_not_the_requests(attrib_backend):
    texts = [json.dumps(TEXTS[0]), '"broken \\udc00 text"', json.dumps(TEXTS[1]), '"fine"']
    body = ('{"tasks": [' + ", ".join(f'{{"id": {i + 1}, "data": {{"text": {t}}}, "meta": {{"n": {"1e400" if i == 3 else i}}}}}'
                                      for i, t in enumerate(texts)) + "]}").encode()
    answer = attrib_backend.post("predict", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert results[0] == expected_predictions(TEXTS[:1], attrib_backend.version)[0]
    assert results[1] == {"error": "E100 task 2: $.tasks[1].data.text: the string holds a lone surrogate ('\\udc00' at "
                                   "character 7): not Unicode, no UTF-8 output can hold it"}
    assert results[2] == expected_predictions(TEXTS[1:2], attrib_backend.version)[0]
    assert results[3]["error"].startswith("E100 task 4: $.tasks[3].meta.n: Infinity")


@pytest.mark.parametrize("path", ["predict", "webhook", "setup"])
def test_bad_requests_get_a_clear_error_and_leave_nothing_behind(attrib_backend, path):
    before = stored_lines(attrib_backend)
    cases = [
        (b"{not json", 400, "the request body is not JSON"),
        (b"\xff\xfe", 400, "not UTF-8"),
        (b'\xef\xbb\xbf{"tasks": []}', 400, "starts with a byte order mark (U+FEFF): send the JSON without it"),
        ('{"tasks": []}'.encode("utf-16-le"), 400, "NUL bytes at its start: UTF-16 or UTF-32? send it as UTF-8"),
        (b"[1, 2]", 400, "must be a JSON object, got an array"),
        (b'{"tasks": ' + b'"' + b"x" * (50 * 1024 * 1024) + b'"}', 413, "larger than this backend takes"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "nests deeper than 256 levels"),  # was a RecursionError, 500
        (b'{"tasks": [], "meta": {"x": "\\udc00"}}', 400, "at $.meta.x: the string holds a lone surrogate"),
        (b'{"tasks": [], "meta": {"x": 1e400}}', 400, "at $.meta.x: Infinity (or a number beyond"),
        (b'{"project": "' + b"7" * 5000 + b'", "tasks": []}', None, None),  # an id no int() reads: not a project
        (b'{"project": "\xc2\xb2", "tasks": []}', None, None),  # "²" is a digit to str.isdigit(), not to int()
        (b'{"project": {"id": "\xc2\xb3"}, "tasks": []}', None, None),
    ]
    for body, status, message in cases:
        answer = attrib_backend.post(path, content=body, headers={"content-type": "application/json"})
        assert answer.status_code < 500, (body[:60], answer.text)
        if status is not None:
            assert answer.status_code == status, answer.text
            assert message in answer.json()["error"]
        attrib_backend.health()  # still up
    assert stored_lines(attrib_backend) == before


def test_a_train_body_whose_task_ids_are_not_ids_is_answered_not_a_500(attrib_backend):
    """With a project named, a task id that is a list or an object made /train a 500 (unhashable) and a traceback."""
    for task_id in ([1], {"a": 1}):
        answer = attrib_backend.post("train", json={"project": 1, "annotations": [{"id": task_id, "annotations": []}]})
        assert answer.status_code == 200, answer.text
    assert "Traceback" not in (attrib_backend.data_dir / "backend.out").read_text(encoding="utf-8")


def test_many_bad_tasks_are_each_answered_and_logged_in_twenty_lines(attrib_backend):
    """Two million tasks `1` wrote 89 MB of log, a line each, on the event loop (/health unanswered for 27 s)."""
    answer = attrib_backend.post("predict", json={"tasks": [1] * 500 + [{"id": 7, "data": {"text": TEXTS[0]}}]})
    results = answer.json()["results"]
    assert results[:500] == [{"error": f"E100 $.tasks[{i}]: a task must be an object, got a number"} for i in range(500)]
    assert results[500] == expected_predictions(TEXTS[:1], attrib_backend.version)[0]
    log = attrib_backend.log()
    assert log.count("a task must be an object, got a number") == 20
    too_many = attrib_backend.post("predict", json={"tasks": [{}] * 20_001})
    assert too_many.status_code == 413 and "holds 20,001 tasks, more than this backend drafts in one" in too_many.text
    assert "predict:: 480 more like these, not logged" not in log and "predict: 480 more like these, not logged" in log


def test_a_client_that_hangs_up_mid_body_is_one_line_in_the_log(attrib_backend):
    port = int(attrib_backend.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"tasks\": [")
    attrib_backend.health()
    for _ in range(50):
        if "the client closed the connection before the body ended" in attrib_backend.log():
            break
        time.sleep(0.1)
    assert "POST /predict: 400 the client closed the connection before the body ended" in attrib_backend.log()
    assert "ClientDisconnect" not in (attrib_backend.data_dir / "backend.out").read_text(encoding="utf-8")


def test_an_annotation_with_unknown_labels_is_refused_and_logged(attrib_backend):
    text = TEXTS[0]
    result = [{"id": "r1", "from_name": "role", "to_name": "text", "type": "labels",
               "value": {"start": 0, "end": 12, "text": text[:12], "labels": ["SPEAKER"]}}]
    event = {"action": "ANNOTATION_CREATED", "annotation": {"id": 9001, "task": 77, "result": result, "was_cancelled": False},
             "task": {"id": 77, "data": {"text": text}}, "project": {"id": 1}}
    before = stored_lines(attrib_backend)
    answer = attrib_backend.post("webhook", json=event)
    assert answer.status_code == 422
    (rejected,) = answer.json()["rejected"]
    assert rejected.startswith("annotation 9001 of task 77: ") and "V301" in rejected and "SPEAKER" in rejected
    assert stored_lines(attrib_backend) == before
    assert "rejected annotation 9001 of task 77" in attrib_backend.log()


@pytest.mark.parametrize("event", [
    {"action": "ANNOTATIONS_DELETED", "annotations": [{"id": {"x": 1}}]},  # stored, it made every later call a 500
    {"action": "ANNOTATIONS_DELETED", "annotations": 5},
    {"action": "ANNOTATION_CREATED", "annotation": {"id": 9002, "task": [77], "result": []}, "task": {"id": 77}},
    {"action": "ANNOTATION_CREATED", "annotation": {"id": 9003, "task": 78, "result": []}, "task": {"id": [78]}},
])
def test_an_event_with_ids_that_are_not_ids_is_refused_and_not_stored(attrib_backend, event):
    before = stored_lines(attrib_backend)
    answer = attrib_backend.post("webhook", json=event)
    assert answer.status_code == 422 and answer.json()["rejected"], answer.text
    assert stored_lines(attrib_backend) == before
    assert attrib_backend.post("train", json={"annotations": []}).status_code == 200  # training still reads the log


def test_train_with_its_project_takes_out_the_annotations_that_project_no_longer_has(tmp_path):
    """Label Studio's /train carries every annotated task of the project ("<id>.<created at>"): the project's
    annotations the backend holds and those tasks lack were deleted while it heard nothing."""
    from attrib.backend.store import AnnotationLog
    from backendserver import running_backend

    def created(annotation_id: int, task_id: int) -> dict:
        return {"action": "ANNOTATION_CREATED", "project": {"id": 4},
                "annotation": {"id": annotation_id, "task": task_id, "result": []},
                "task": {"id": task_id, "data": {"text": TEXTS[0]}}}

    with running_backend(tmp_path / "backend") as backend:
        for annotation_id, task_id in ((1, 10), (2, 11)):
            assert backend.post("webhook", json=created(annotation_id, task_id)).json()["accepted"] == 1
        kept = {"id": 10, "data": {"text": TEXTS[0]}, "annotations": [{"id": 1, "result": []}]}
        answer = backend.post("train", json={"annotations": [kept], "project": "5.1764950000"}).json()
        assert answer["deleted"] == 0  # another project's tasks: nothing is known of project 4's
        answer = backend.post("train", json={"annotations": [kept], "project": "4.1764950000"}).json()
        assert answer["deleted"] == 1
        assert [r["provenance"]["annotation_id"] for r in AnnotationLog(backend.data_dir).current()] == [1]


def test_a_backend_follows_its_label_studio_to_another_port_and_keeps_its_own(tmp_path, monkeypatch):
    """`attrib studio --port P` moved Label Studio and left the backend it had started with the old URL: its catch-up
    export and its renames of the live model went nowhere. It is restarted for the new URL, on its own port (which
    the projects connected to it reach), with its model."""
    from attrib.backend import serve
    from attrib.errors import BackendError

    monkeypatch.delenv(serve.AUTH_ENV, raising=False)
    data_dir = tmp_path / "backend"
    url, pid, started = serve.up(data_dir, "rules", ("http://127.0.0.1:1", "token-one"))
    try:
        assert started and serve.follow(data_dir, ("http://127.0.0.1:1", "token-one")) is None  # nothing moved
        moved_url, moved_pid = serve.follow(data_dir, ("http://127.0.0.1:2", "token-two"))
        assert moved_url == url and moved_pid != pid and not serve.is_backend(pid)
        state = serve.load_state(data_dir.resolve())
        assert (state["pid"], state["model"], state["label_studio"]) == (moved_pid, "rules", "http://127.0.0.1:2")
        assert "token" not in json.dumps(state)
        assert httpx.get(f"{moved_url}/health", timeout=10).json()["status"] == "UP"
        # a shell that sets a login the backend was started without would restart it asking for one, which Label
        # Studio's connection does not send (every draft a 401): it is left as it is, and said
        monkeypatch.setenv(serve.AUTH_ENV, "user:s3cret-pass")
        with pytest.raises(BackendError, match=r"runs without the login this shell sets \(ATTRIB_BACKEND_AUTH\): it "
                                               r"still serves Label Studio at http://127.0.0.1:2"):
            serve.follow(data_dir, ("http://127.0.0.1:3", "token-three"))
        assert serve.load_state(data_dir.resolve())["pid"] == moved_pid and serve.is_backend(moved_pid)
    finally:
        state = serve.load_state(data_dir.resolve())
        server.stop(state["pid"])


def test_other_actions_are_ignored(attrib_backend):
    answer = attrib_backend.post("webhook", json={"action": "PROJECT_UPDATED", "project": {"id": 1}})
    assert answer.status_code == 200 and answer.json()["status"].startswith("ignored")
    assert httpx.post(f"{attrib_backend.url}/predict", content=json.dumps({"tasks": "no"}), timeout=10).status_code == 400


def test_what_users_see_when_the_backend_cannot_start(tmp_path):
    ran = attrib("backend", "--model", tmp_path / "nowhere", "--data-dir", tmp_path / "data")
    assert (ran.code, ran.err) == (2, f"attrib: E120 {tmp_path / 'nowhere'}: not a model folder (no meta.json): pass "
                                      "`rules` or a folder `attrib train` wrote\n")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        ran = attrib("backend", "--port", port, "--data-dir", tmp_path / "data")
    assert ran.code == 3 and ran.err == f"attrib: E210 cannot listen on 127.0.0.1:{port} (Address already in use): choose another --port\n"
    ran = attrib("backend", "--host", "999.1.1.1", "--data-dir", tmp_path / "data")  # was: "choose another --port"
    assert ran.code == 3 and ran.err.startswith("attrib: E210 cannot listen on 999.1.1.1 (") and \
        ran.err.endswith("): give another --host\n")
    assert not (tmp_path / "data").exists()  # was left holding backend.lock, after each of the three


def test_port_0_is_a_free_port_chosen_before_the_log_names_it():
    from attrib.backend.serve import listening_port

    port = listening_port("127.0.0.1", 0)
    assert port > 0 and listening_port("127.0.0.1", port) == port  # the log said "on http://127.0.0.1:0"


def test_a_second_backend_on_a_data_folder_in_use_is_refused(tmp_path):
    """Two backends on one folder both started: each counted the annotations toward its own rounds, and both trained
    into the one round folder. The second is refused, naming the first; once the first is stopped, a backend starts
    there again (a restart waits for the one before it to end)."""
    data = tmp_path / "data"
    with running_backend(data) as first:
        ran = attrib("backend", "--data-dir", data, "--port", server.free_port())
        assert (ran.code, ran.err) == (3, f"attrib: E210 {data}: another attrib backend (pid {first.pid}) keeps its "
                                          "data there: stop it, or give this one another --data-dir\n")
    with running_backend(data) as again:
        assert again.health()["status"] == "UP"
