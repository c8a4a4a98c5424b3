"""attrib against a real Label Studio (tests/lsserver.py): push, annotate through the API, pull, records.

The CLI runs in-process through `main()` (a subprocess where it must die midway), with the URL
and token in the environment as a user would set them.
"""

from __future__ import annotations

import json
import re
import os
import signal
import stat
import subprocess

import pytest

from attrib.jsonio import dumps_line
from attrib.labelstudio import server, studio
from attrib.lsjson.config import label_config
from attrib.records import fragment, normalize_record
from fragments import frag_of
from runs import ATTRIB, attrib

pytestmark = pytest.mark.labelstudio

# An emoji, a decomposed accent (e + U+0301), CRLF: offsets are code points and must survive as such.
TEXT_1 = "Le maire 🙂 a dit\r\n: « Cafe\u0301 fermé », et il a ajouté que tout irait bien.\r\nElle aussi, selon Paul."
TEXT_2 = "Rain 🌧️ is coming, forecasters warned on Monday. Roads were closed\r\nand the schools too, officials said."


def attribution(text, kind, source=(), cue=(), content=(), entity=None, confidence=0.7):
    f = lambda subs: [frag_of(text, s) for s in subs]  # noqa: E731
    return {"kind": kind, "confidence": confidence, "source": f(source), "cue": f(cue), "content": f(content),
            "source_entity": frag_of(text, entity) if entity else None}


RECORDS = [
    {"id": "doc-1", "text": TEXT_1, "meta": {"outlet": "test"}, "attributions": [
        # discontinuous content, a two-fragment cue; "Le maire" is the source of two attributions
        attribution(TEXT_1, "direct", ["Le maire"], ["a dit", ":"], ["« Cafe\u0301", "fermé »"], confidence=0.9),
        attribution(TEXT_1, "indirect", ["Le maire"], ["a ajouté"], ["que tout irait bien"], confidence=0.6),
        # a pronoun source with the entity it refers to
        attribution(TEXT_1, "indirect", ["il"], ["a ajouté"], ["tout irait bien"], entity="Le maire", confidence=0.5),
        attribution(TEXT_1, "indirect", ["Paul"], ["selon"], ["Elle aussi"]),
    ]},
    {"id": "doc-2", "text": TEXT_2, "attributions": [
        attribution(TEXT_2, "indirect", ["forecasters"], ["warned"], ["Rain 🌧️ is coming"]),
        # no source; overlapping the next one
        attribution(TEXT_2, "indirect", [], ["said"], ["Roads were closed\r\nand the schools too"], confidence=0.4),
        attribution(TEXT_2, "indirect", ["officials"], ["said"], ["the schools too"], confidence=0.3),
    ]},
    {"id": "doc-3", "text": "Nothing attributed here. 🙂\r\n", "attributions": []},
]


@pytest.fixture
def records_file(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text("".join(dumps_line(normalize_record(r, "test")) for r in RECORDS), encoding="utf-8")
    return path


@pytest.fixture
def cli(label_studio):
    """Run `attrib ARGS...` in-process against the test server: (exit code, stdout, stderr)."""
    def run(*argv: str, **env: str) -> tuple[int, str, str]:
        ran = attrib(*argv, env={**label_studio.settings(), **env})
        return ran.code, ran.out, ran.err
    return run


def project_tasks(label_studio, title: str, predictions: bool = False) -> list[dict]:
    client = label_studio.client()
    return list(client.tasks(client.project(title)["id"], predictions=predictions))


def comparable(attr: dict) -> dict:
    return {k: attr[k] for k in ("kind", "source", "cue", "content", "source_entity")}


def test_studio_prints_the_login_once_and_keeps_it_private(label_studio, records_file):
    state = studio.load(label_studio.data_dir)
    assert f"Log in as {state.email} with password {state.password}" in label_studio.first_output
    assert state.token not in label_studio.first_output
    assert stat.S_IMODE(os.stat(label_studio.data_dir / studio.STATE).st_mode) == 0o600
    # The quick start: the server is found running, the records pushed, the project's URL printed.
    again = attrib("studio", "--data-dir", label_studio.data_dir, "--push", records_file, "--project", "quick start",
                   env=label_studio.settings())
    assert again.code == 0, again.err
    said = again.out + again.err
    assert again.out.startswith(f"Label Studio running at {label_studio.url} (pid {label_studio.pid}")
    assert state.password not in said and state.token not in said
    project_id = label_studio.client().project("quick start")["id"]
    assert again.out.endswith(f"Open {label_studio.url}/projects/{project_id}/data\n")
    assert len(project_tasks(label_studio, "quick start")) == 3


def test_a_personal_access_token_works_too(cli, label_studio, tmp_path):
    personal = label_studio.client().sdk.tokens.create().token  # a JWT refresh token, as Label Studio hands out
    code, _, err = cli("labelstudio", "pull", "--project", "no such project", "-o", tmp_path / "x.json",
                       LABEL_STUDIO_API_KEY=personal)
    assert code == 3 and "has no project titled 'no such project'" in err  # it got past authentication


def test_round_trip_is_lossless(cli, label_studio, records_file, tmp_path):
    code, out, err = cli("labelstudio", "push", records_file, "--project", "round trip", "--batch", "2")
    assert code == 0, err
    assert "project 'round trip'" in err and "created: 3 imported, 0 updated, 0 already there" in err
    assert out.strip().startswith(label_studio.url + "/projects/")

    client = label_studio.client()
    for task in project_tasks(label_studio, "round trip", predictions=True):
        (prediction,) = task["predictions"]
        client.sdk.annotations.create(id=task["id"], result=prediction["result"], parent_prediction=prediction["id"],
                                      lead_time=4.5)

    export = tmp_path / "export.json"
    code, _, err = cli("labelstudio", "pull", "--project", "round trip", "-o", export)
    assert code == 0, err
    code, _, err = cli("labelstudio", "records", export, "-o", tmp_path / "back.jsonl")
    assert code == 0, err
    back = {r["id"]: r for r in map(json.loads, (tmp_path / "back.jsonl").read_text(encoding="utf-8").splitlines())}
    assert sorted(back) == ["doc-1", "doc-2", "doc-3"]
    for sent in RECORDS:
        got = back[sent["id"]]
        assert got["text"] == sent["text"]
        assert [comparable(a) for a in got["attributions"]] == [comparable(a) for a in sent["attributions"]]
        for attr in got["attributions"]:
            for role in ("source", "cue", "content"):
                assert all(got["text"][f["start"]:f["end"]] == f["text"] for f in attr[role])
        assert got["meta"] == sent.get("meta", {})
        prov = got["provenance"]
        assert prov["annotator"] == label_studio.login.email and prov["lead_time"] == 4.5
        assert prov["accepted_unchanged"] is True and prov["origin"] == "annotation"

    code, _, err = cli("labelstudio", "records", export, "-o", tmp_path / "pred.jsonl", "--choose", "prediction")
    assert code == 0, err
    predicted = [json.loads(line) for line in (tmp_path / "pred.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [[a["confidence"] for a in r["attributions"]] for r in predicted] == \
        [[a["confidence"] for a in r["attributions"]] for r in RECORDS]


def test_update_refuses_a_record_whose_text_changed(cli, label_studio, records_file, tmp_path):
    """Same id, new text: its drafts count in the new text, the task keeps the old one (they landed misplaced)."""
    assert cli("labelstudio", "push", records_file, "--project", "changed")[0] == 0
    before = {t["id"]: t["predictions"] for t in project_tasks(label_studio, "changed", predictions=True)}
    records = [json.loads(line) for line in records_file.read_text(encoding="utf-8").splitlines()]
    shift = "BREAKING: "
    for record in records[1:3]:  # two changed: both counted
        record["text"] = shift + record["text"]
        for attribution in record["attributions"]:
            for role in ("source", "cue", "content"):
                for piece in attribution[role]:
                    piece["start"] += len(shift)
                    piece["end"] += len(shift)
    changed = tmp_path / "changed.jsonl"
    changed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    plain = cli("labelstudio", "push", changed, "--project", "changed")  # skipped it without a word
    assert plain[0] == 0 and (f"attrib: 2 documents already in project 'changed' have another text there (first: "
                              f"{records[1]['id']!r}): their tasks keep the old text") in plain[2]
    code, _, err = cli("labelstudio", "push", changed, "--project", "changed", "--update", "--model-version", "v2")
    task_id = next(t for t in project_tasks(label_studio, "changed") if t["data"]["record_id"] == records[1]["id"])["id"]
    assert code == 2 and err == (f"attrib: E100 record {records[1]['id']!r}: its text differs from that of task {task_id} "
                                 "in project 'changed' (from character 0), and 1 other record likewise: its drafts would "
                                 "not fit that task; give a changed document a new id, or push into a new project\n")
    assert {t["id"]: t["predictions"] for t in project_tasks(label_studio, "changed", predictions=True)} == before


def test_repush_adds_nothing_and_update_spares_annotated_tasks(cli, label_studio, records_file):
    assert cli("labelstudio", "push", records_file, "--project", "again")[0] == 0
    code, _, err = cli("labelstudio", "push", records_file, "--project", "again")
    assert code == 0 and "found: 0 imported, 0 updated, 3 already there" in err
    tasks = project_tasks(label_studio, "again", predictions=True)
    assert sorted(t["data"]["record_id"] for t in tasks) == ["doc-1", "doc-2", "doc-3"]

    annotated = next(t for t in tasks if t["data"]["record_id"] == "doc-1")
    label_studio.client().sdk.annotations.create(id=annotated["id"], result=[], lead_time=1.0)
    code, _, err = cli("labelstudio", "push", records_file, "--project", "again", "--update", "--model-version", "v2")
    assert code == 0 and "0 imported, 2 updated, 1 already there (1 of them annotated on older drafts: kept as they " \
        "are)" in err, err  # it said nothing of why
    assert "keep the drafts" not in err  # one annotator per task: doc-1 is done
    versions = {t["data"]["record_id"]: [p["model_version"] for p in t["predictions"]]
                for t in project_tasks(label_studio, "again", predictions=True)}
    assert versions["doc-1"] != ["v2"] and versions["doc-2"] == versions["doc-3"] == ["v2"]
    assert label_studio.client().project("again")["model_version"] == "v2"
    code, _, err = cli("labelstudio", "push", records_file, "--project", "again", "--update", "--model-version", "v2")
    assert "0 imported, 0 updated, 3 already there" in err


def test_update_says_which_tasks_keep_the_drafts_their_first_annotator_corrected(cli, label_studio, records_file):
    """With two annotators per task, one done: the task keeps its drafts (both must correct the same one), under the
    new model version; push said nothing of it, and the second annotator started from nothing."""
    assert cli("labelstudio", "push", records_file, "--project", "pairs", "--overlap", "2")[0] == 0
    tasks = {t["data"]["record_id"]: t for t in project_tasks(label_studio, "pairs", predictions=True)}
    label_studio.client().sdk.annotations.create(id=tasks["doc-2"]["id"], result=[], lead_time=1.0)
    code, _, err = cli("labelstudio", "push", records_file, "--project", "pairs", "--update", "--model-version", "v2")
    assert code == 0 and "0 imported, 3 updated, 0 already there" in err, err
    assert ("attrib: 1 document annotated by fewer than 2 annotators keeps the drafts their annotators started from "
            "(first: 'doc-2'): every annotator of a task corrects the same draft, or their agreement would measure the "
            "drafts' differences; 1 of them under the new model version") in err
    after = {t["data"]["record_id"]: t for t in project_tasks(label_studio, "pairs", predictions=True)}
    assert all([p["model_version"] for p in t["predictions"]] == ["v2"] for t in after.values())
    # Label Studio fills in the project's model version only: the second annotator of doc-2 got no draft at all
    assert label_studio.client().project("pairs")["model_version"] == "v2"
    (kept,), (before,) = after["doc-2"]["predictions"], tasks["doc-2"]["predictions"]
    assert kept["result"] == before["result"] and kept["score"] == before["score"]  # the draft the first one had
    again = cli("labelstudio", "push", records_file, "--project", "pairs", "--update", "--model-version", "v2")
    assert again[0] == 0 and "0 imported, 0 updated, 3 already there" in again[2] and "under the new" not in again[2]


def test_two_pushes_at_once_import_each_document_once(label_studio, tmp_path):
    """Started together, both found no project: they made two of that title, or both imported every task. So they did
    with a TMPDIR each (as a batch scheduler gives each job), the lock being under it. A title is one with the white
    space around it, which Label Studio drops: 'at once ' never found 'at once', and made another on every run."""
    path = tmp_path / "many.jsonl"
    docs = [{"id": f"c{i}", "text": f"Item {i}, she said.", "attributions": []} for i in range(60)]
    path.write_text("".join(dumps_line(d) for d in docs), encoding="utf-8")
    command = [ATTRIB, "labelstudio", "push", str(path), "--batch", "5", "--project"]
    (tmp_path / "job0").mkdir(), (tmp_path / "job1").mkdir()
    pushes = [subprocess.Popen([*command, title], env={**label_studio.env(), "TMPDIR": str(tmp_path / f"job{i}")},
                               stderr=subprocess.PIPE, text=True) for i, title in enumerate(["at once", "at once "])]
    said = [push.communicate(timeout=180)[1] for push in pushes]
    assert [push.returncode for push in pushes] == [0, 0], said
    summaries = sorted(re.search(r"\d+ imported, \d+ updated, \d+ already there", text).group() for text in said)
    assert summaries == ["0 imported, 0 updated, 60 already there", "60 imported, 0 updated, 0 already there"]
    assert all("project 'at once' (id" in text for text in said), said  # the title as Label Studio keeps it
    ids = sorted(t["data"]["record_id"] for t in project_tasks(label_studio, "at once"))
    assert ids == sorted(d["id"] for d in docs)  # one project (project() refuses two of a title), each task once


def test_a_killed_push_resumes(label_studio, tmp_path):
    path = tmp_path / "many.jsonl"
    docs = [{"id": f"n{i}", "text": f"Item {i} 🙂, he said.", "attributions": []} for i in range(60)]
    path.write_text("".join(dumps_line(d) for d in docs), encoding="utf-8")
    command = [ATTRIB, "labelstudio", "push", str(path), "--project", "killed", "--batch", "3"]
    process = subprocess.Popen(command, env=label_studio.env(), stderr=subprocess.PIPE, text=True)
    first = process.stderr.readline()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert first.strip() == "batch 1 of 20: 3 imported, 0 updated"
    partial = len(project_tasks(label_studio, "killed"))
    assert 3 <= partial < 60
    done = subprocess.run(command, env=label_studio.env(), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    # the batch the kill cut may still land on the server after `partial` was counted: the re-run waits for it
    imported, there = map(int, re.search(r"(\d+) imported, 0 updated, (\d+) already there", done.stderr).groups())
    assert imported + there == 60 and there in (partial, partial + 3), done.stderr
    ids = sorted(t["data"]["record_id"] for t in project_tasks(label_studio, "killed"))
    assert ids == sorted(d["id"] for d in docs)


def test_what_users_see_when_it_goes_wrong(cli, label_studio, records_file, tmp_path):
    port = server.free_port()
    code, _, err = cli("labelstudio", "push", records_file, "--project", "x", "--url", f"http://127.0.0.1:{port}")
    assert code == 3
    assert err == (f"attrib: E200 cannot reach Label Studio at http://127.0.0.1:{port} while looking for project 'x' "
                   "(Connection refused): is it running? `attrib studio` starts one\n")

    code, _, err = cli("labelstudio", "push", records_file, "--project", "x", LABEL_STUDIO_API_KEY="not-the-token-42")
    assert code == 3 and "not-the-token-42" not in err
    assert err == (f"attrib: E200 Label Studio at {label_studio.url} refused the token (401: Invalid token.) "
                   "while looking for project 'x': check LABEL_STUDIO_API_KEY\n")

    out = tmp_path / "export.json"
    code, _, err = cli("labelstudio", "pull", "--project", "no such project", "-o", out)
    assert code == 3 and not out.exists()
    assert err.startswith(f"attrib: E200 Label Studio at {label_studio.url} has no project titled 'no such project' (projects: ")

    code, _, err = cli("labelstudio", "pull", "--project", "x", "-o", out, LABEL_STUDIO_URL="")
    assert code == 3 and err.startswith("attrib: E200 no Label Studio URL: pass --url or set LABEL_STUDIO_URL")

    # the API's own address, as a browser shows it: the SDK adds /api itself
    code, _, err = cli("labelstudio", "pull", "--project", "x", "-o", out, "--url", f"{label_studio.url}/api/")
    assert code == 3 and err.startswith(f"attrib: E200 Label Studio at {label_studio.url}/api has no such object (404)")
    assert err.endswith(": give the server's address without /api\n")


def test_push_refuses_invalid_tasks_before_touching_the_server(cli, label_studio, tmp_path):
    path = tmp_path / "bad.jsonl"
    text = "He said it."
    bad = {"id": "b1", "text": text, "attributions": [
        {"kind": "sometimes", "source": [fragment(text, 0, 2)], "cue": [fragment(text, 3, 7)], "content": [fragment(text, 8, 10)]}]}
    path.write_text(dumps_line(bad), encoding="utf-8")
    code, _, err = cli("labelstudio", "push", path, "--project", "never made")
    assert code == 1 and err.startswith(f"attrib: E150 {path}:1 $.attributions[0].kind: V103 'sometimes' is not one "
                                        "of"), err  # the record is refused where it is, before it becomes a task
    assert label_studio.client().find_project("never made") is None


def test_overlap_and_the_score_column(cli, label_studio, records_file):
    code, _, err = cli("labelstudio", "push", records_file, "--project", "overlap", "--overlap", "2")
    assert code == 0, err
    client = label_studio.client()
    project = client.project("overlap")
    assert (project["maximum_annotations"], project["overlap_cohort_percentage"]) == (2, 100)
    (view,) = client.views(project["id"])
    assert "tasks:predictions_score" not in view["data"]["hiddenColumns"]["explore"]
    assert {"tasks:annotations_results", "tasks:predictions_results"} <= set(view["data"]["hiddenColumns"]["explore"])
    assert "tasks:data.record_id" in view["data"]["hiddenColumns"]["labeling"]  # the imported data's columns too
    # a later push changes the overlap of the project and of its tasks, and adds nothing
    code, _, err = cli("labelstudio", "push", records_file, "--project", "overlap", "--overlap", "3")
    assert code == 0 and "0 imported, 0 updated, 3 already there; 3 annotators per task now (" in err, err
    code, _, err = cli("labelstudio", "push", records_file, "--project", "overlap", "--overlap", "3")
    assert code == 0 and "0 imported, 0 updated, 3 already there (" in err, err  # the same: nothing said
    assert client.project("overlap")["maximum_annotations"] == 3
    overlaps = client._http("GET", "api/tasks/", "listing", params={"project": project["id"], "fields": "all"})["tasks"]
    assert {t["overlap"] for t in overlaps} == {3}
    code, _, err = cli("labelstudio", "push", records_file, "--project", "overlap", "--overlap", "0")
    assert code == 2 and "--overlap" in err


def test_a_push_after_an_import_the_server_is_still_finishing_waits_for_it(label_studio):
    """The server finishes an import whose client was killed (or timed out); a re-run right away found those tasks
    missing and imported them again: every document of the batch twice. Here the killed push's batch is noted as
    it is before an import is sent, and the server commits it three seconds into the re-run."""
    import threading
    import time as clock

    from attrib.labelstudio.projects import _noted_import, push
    from attrib.lsjson.convert import record_to_task

    client = label_studio.client()
    docs = [{"id": f"late-{i}", "text": f"Item {i}, she said.", "meta": {}, "attributions": []} for i in range(4)]
    first = push(client, docs[:2], "late import", "v1")
    noted = _noted_import(client.url, "late import")
    noted.write_text(json.dumps({"record_ids": ["late-2", "late-3"], "sent": clock.time()}), encoding="utf-8")
    finishing = threading.Timer(3.0, client.import_tasks, (first.project_id, [record_to_task(d, "v1") for d in docs[2:]]))
    finishing.start()
    said: list[str] = []
    try:
        again = push(client, docs, "late import", "v1", notice=said.append)
    finally:
        finishing.join()
    assert (again.imported, again.skipped, again.removed) == (0, 4, 0)
    assert len(said) == 1 and "waiting up to" in said[0] and "2 tasks" in said[0]
    ids = sorted(t["data"]["record_id"] for t in project_tasks(label_studio, "late import"))
    assert ids == [d["id"] for d in docs] and not noted.exists()


def test_a_push_after_a_batch_the_server_refused_does_not_wait_for_it(label_studio, monkeypatch):
    """A batch the server answered 4xx to was never stored (Label Studio validates a whole import before it saves
    any), so the note of it is dropped: a re-run waited about a minute for tasks that could not come, and said an
    earlier push was stopped. The refusal is a fake of the import call (a real server accepts every batch attrib
    validated); the server and the re-run are real. A timeout, whose batch may still land, keeps its note."""
    import time as clock

    from attrib.errors import LabelStudioError
    from attrib.labelstudio.client import Client
    from attrib.labelstudio.projects import _noted_import, push

    client = label_studio.client()
    docs = [{"id": f"refused-{i}", "text": f"Item {i}, she said.", "meta": {}, "attributions": []} for i in range(4)]
    push(client, docs[:2], "refused batch", "v1")
    noted = _noted_import(client.url, "refused batch")

    def refuse(self, project_id: int, tasks: list[dict]) -> None:
        raise LabelStudioError("answered 400", refused=True)

    def time_out(self, project_id: int, tasks: list[dict]) -> None:
        raise LabelStudioError("did not answer within 120 s")

    monkeypatch.setattr(Client, "import_counted", time_out)
    with pytest.raises(LabelStudioError):
        push(client, docs, "refused batch", "v1")
    assert noted.exists()  # may still land: the next push waits for it
    monkeypatch.setattr(Client, "import_counted", refuse)
    noted.unlink()
    with pytest.raises(LabelStudioError):
        push(client, docs, "refused batch", "v1")
    assert not noted.exists()
    monkeypatch.undo()
    said: list[str] = []
    started = clock.monotonic()
    again = push(client, docs, "refused batch", "v1", notice=said.append)
    assert clock.monotonic() - started < 20 and not said
    assert (again.imported, again.skipped) == (2, 2)
    assert sorted(t["data"]["record_id"] for t in project_tasks(label_studio, "refused batch")) == [d["id"] for d in docs]


def test_push_says_when_a_text_holds_nul(label_studio):
    """Label Studio shows the highlights after a U+0000 one character off; push imports the task and says so."""
    from attrib.labelstudio.projects import push

    said: list[str] = []
    docs = [{"id": "nul-1", "text": "A\0B, she said.", "meta": {}, "attributions": []}]
    report = push(label_studio.client(), docs, "nul text", "v1", notice=said.append)
    assert report.imported == 1 and len(said) == 1 and said[0].startswith("1 document holds U+0000 (first: 'nul-1')")
    assert [t["data"]["text"] for t in project_tasks(label_studio, "nul text")] == ["A\0B, she said."]


def test_unannotated_second_copies_of_a_document_are_deleted(label_studio):
    """Copies left by a push before the above (or by one from another machine) made `records`, `agreement` and
    `validate` refuse the whole project (V701), and `--update` refreshed one copy only."""
    from attrib.labelstudio.projects import push
    from attrib.lsjson.convert import record_to_task

    client = label_studio.client()
    docs = [{"id": f"twice-{i}", "text": f"Item {i}, he said.", "meta": {}, "attributions": []} for i in range(3)]
    first = push(client, docs, "copies", "v1")
    client.import_tasks(first.project_id, [record_to_task(d, "v1") for d in docs[:2]])  # a second copy of two
    assert len(project_tasks(label_studio, "copies")) == 5
    again = push(client, docs, "copies", "v1")
    assert (again.imported, again.skipped, again.removed) == (0, 3, 2)
    tasks = project_tasks(label_studio, "copies")
    assert sorted(t["data"]["record_id"] for t in tasks) == [d["id"] for d in docs]
    assert sorted(t["id"] for t in tasks) == sorted(first.task_ids)  # the first copies stay


def test_a_second_copy_someone_skipped_or_saved_a_draft_on_is_kept(label_studio):
    """Only annotations counted: a copy holding an annotator's saved draft (unsubmitted work) or a skip was deleted."""
    from attrib.labelstudio.projects import push
    from attrib.lsjson.convert import record_to_task

    client = label_studio.client()
    docs = [{"id": f"worked-{i}", "text": f"Item {i}, she said.", "meta": {}, "attributions": []} for i in range(3)]
    first = push(client, docs, "worked copies", "v1")
    drafted, skipped, untouched = client.import_tasks(first.project_id, [record_to_task(d, "v1") for d in docs])
    client._http("POST", f"api/tasks/{drafted}/drafts", "saving a draft", json={"result": [], "lead_time": 300.0})
    client.sdk.annotations.create(id=skipped, result=[], was_cancelled=True)
    again = push(client, docs, "worked copies", "v1")
    assert again.removed == 3  # the untouched copy of each document beside one worked on, and the later of the third
    assert sorted(t["id"] for t in project_tasks(label_studio, "worked copies")) == sorted([drafted, skipped,
                                                                                             first.task_ids[2]])


def test_a_project_a_killed_first_push_left_without_its_view_gets_it_from_the_next(cli, label_studio, records_file):
    """A first push killed after it had made the project (and imported) never made the Data Manager view."""
    client = label_studio.client()
    project = client.create_project("viewless", label_config(), "v", None)  # what the killed push had done
    client.import_tasks(project["id"], [{"text": "An earlier document."}])
    assert client.views(project["id"]) == []
    code, _, err = cli("labelstudio", "push", records_file, "--project", "viewless")
    assert code == 0 and "found: 3 imported" in err, err
    (view,) = client.views(project["id"])
    assert "tasks:predictions_score" not in view["data"]["hiddenColumns"]["explore"]
    code, _, err = cli("labelstudio", "push", records_file, "--project", "viewless")
    assert code == 0 and len(client.views(project["id"])) == 1  # made once


def test_studio_asked_for_a_port_in_use_leaves_the_running_server_alone(label_studio):
    """It stopped the running server first, then refused the port: no server at all."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = attrib("studio", "--data-dir", label_studio.data_dir, "--port", port)
    assert ran.code == 3 and f"port {port} on 127.0.0.1 is in use" in ran.err, ran.err
    assert label_studio.client().whoami()["email"] == label_studio.login.email  # still up, same server


def test_tasks_the_server_stored_without_their_predictions_get_them(label_studio):
    """Two pushes at once into two projects: the server answered one batch with "prediction_count: 0", and push said
    it had imported it (the race itself is the server's; here its result is made by importing the tasks bare)."""
    from attrib.labelstudio.projects import _fill_predictions
    from attrib.lsjson.convert import record_to_task

    client = label_studio.client()
    project = client.create_project("bare", label_config(), "v1", None)
    tasks = [record_to_task(normalize_record(record, "test"), "v1") for record in RECORDS]
    ids = client.import_tasks(project["id"], [{"data": task["data"]} for task in tasks])  # no predictions
    assert _fill_predictions(client, project["id"], list(zip(ids, tasks))) == len(tasks)
    held = {t["id"]: t["predictions"] for t in client.tasks(project["id"], predictions=True)}
    assert [[p["result"] for p in held[i]] for i in ids] == [[task["predictions"][0]["result"]] for task in tasks]
    assert _fill_predictions(client, project["id"], list(zip(ids, tasks))) == 0  # none twice
