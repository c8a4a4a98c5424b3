"""A token the server no longer accepts, told from a server that is not running (tests/lsserver.py's server).

A folder's attrib-studio.json pointing at the running test server with a token it refuses is what a
token reset in Label Studio's Account & Settings leaves behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import time

import pytest

from attrib.labelstudio import server, studio
from attrib.errors import LabelStudioError
from attrib.labelstudio.client import Client
from runs import attrib

pytestmark = pytest.mark.labelstudio


def test_a_refused_token_is_not_a_dead_server_and_stops_nothing(label_studio, tmp_path):
    revoked_dir = tmp_path / "revoked"
    revoked_dir.mkdir()
    own = studio.load(label_studio.data_dir)
    studio._save(dataclasses.replace(own, data_dir=str(revoked_dir), token="0" * 40))
    pulled = attrib("labelstudio", "pull", "--project", "x", "-o", tmp_path / "out.json", "--studio", revoked_dir)
    assert pulled.code == 3 and pulled.err.count("\n") == 1
    assert f"runs (pid {label_studio.pid}, {label_studio.url}) but refused the token kept in {revoked_dir}" in pulled.err
    assert "not running" not in pulled.err and "0" * 40 not in pulled.err
    started = time.perf_counter()
    again = attrib("studio", "--data-dir", revoked_dir)  # was: stopped the server, started another, failed after 3 min
    assert again.code == 3 and "refused the token" in again.err and time.perf_counter() - started < 30
    assert server.is_label_studio(label_studio.pid) and label_studio.client().whoami()  # still the same server


def test_a_dead_server_is_still_told_as_such(label_studio, tmp_path):
    dead_dir = tmp_path / "dead"
    dead_dir.mkdir()
    own = studio.load(label_studio.data_dir)
    port = server.free_port()
    studio._save(dataclasses.replace(own, data_dir=str(dead_dir), pid=None, port=port, url=f"http://127.0.0.1:{port}"))
    pulled = attrib("labelstudio", "pull", "--project", "x", "-o", tmp_path / "out.json", "--studio", dead_dir)
    assert pulled.code == 3 and f"the local Label Studio of {dead_dir} is not running" in pulled.err


def test_a_typed_studio_beats_a_url_from_the_environment(label_studio, tmp_path, monkeypatch):
    """LABEL_STUDIO_URL exported for another server (as the README has users export it for a backend) silently won over
    a typed --studio: the pull went to that server, or asked for its token."""
    from attrib.labelstudio.projects import push

    monkeypatch.delenv("ATTRIB_STUDIO", raising=False)
    elsewhere = {"LABEL_STUDIO_URL": f"http://127.0.0.1:{server.free_port()}", "LABEL_STUDIO_API_KEY": "0" * 40}
    push(label_studio.client(), [], "typed studio")
    pulled = attrib("labelstudio", "pull", "-p", "typed studio", "-o", tmp_path / "out.json", "--studio",
                    label_studio.data_dir, env=elsewhere)
    assert pulled.code == 0, pulled.err
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("args, env, said", [
    (["--url", "http://127.0.0.1:9", "--studio", "s"], {}, "--url and --studio name two servers: give one of"),
    ([], {"LABEL_STUDIO_URL": "http://127.0.0.1:9", "ATTRIB_STUDIO": "s"}, "LABEL_STUDIO_URL and ATTRIB_STUDIO are both set"),
])
@pytest.mark.parametrize("command", [["labelstudio", "pull", "-p", "x", "-o", "out.json"],
                                     ["labelstudio", "push", "records.jsonl", "-p", "x"], ["agreement", "export.json"]])
def test_two_servers_named_alike_are_refused(command, args, env, said, tmp_path, monkeypatch):
    """Two servers given the same way (both typed, or both from the environment): which one was meant is not guessed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "records.jsonl").write_text(json.dumps({"id": "a", "text": "Hi.", "attributions": []}) + "\n")
    (tmp_path / "export.json").write_text("[]")
    ran = attrib(*command, *args, env=env)
    assert ran.code == 2 and said in ran.err and ran.err.count("\n") == 1, ran.err
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("flag", [["--update"], ["--order", "uncertain"], ["--overlap", "2"], ["--model-version", "v"]])
def test_push_review_refuses_what_it_would_ignore(flag, tmp_path):
    ran = attrib("labelstudio", "push", tmp_path / "export.json", "-p", "x", "--review", *flag, "--url", "http://127.0.0.1:9")
    assert ran.code == 2 and f"{flag[0]} does not apply to --review" in ran.err


@pytest.mark.parametrize("review", [[], ["--review"]])
def test_push_reads_its_inputs_before_it_asks_a_server(review, tmp_path):
    """A missing file was told as a server not started (`adir has no local Label Studio`), the file not named."""
    ran = attrib("labelstudio", "push", tmp_path / "nope.jsonl", "-p", "x", *review, "--studio", tmp_path / "adir")
    assert ran.code == 2 and ran.err == f"attrib: E100 {tmp_path / 'nope.jsonl'}: no such file\n"


def test_a_token_saved_with_a_line_end_is_used_without_it(label_studio):
    """A token file saved with CRLF: `$(cat token.txt)` keeps the "\\r", which no HTTP header may carry."""
    own = studio.load(label_studio.data_dir)
    assert Client(label_studio.url, f" {own.token}\r\n").whoami()


@pytest.mark.parametrize("token", ["SECRET\rTOKEN0123456789", "SECRET\nTOKEN0123456789", "SECRETtökén0123456789",
                                   "SECRET TOKEN0123456789"])
def test_a_token_no_header_carries_is_refused_without_being_shown(token, tmp_path):
    """No server is needed: the token is refused before any request (the SDK printed it, escaped, in its error,
    past the scrubber, or crashed with a UnicodeEncodeError traceback)."""
    ran = attrib("labelstudio", "pull", "--project", "p", "-o", tmp_path / "out.json", "--url", "http://127.0.0.1:9",
                 env={"LABEL_STUDIO_API_KEY": token})
    assert ran.code == 3 and ran.err.count("\n") == 1 and "Traceback" not in ran.err
    assert ran.err.startswith("attrib: E200 the Label Studio token holds a space, a control character or a non-ASCII")
    assert "SECRET" not in ran.err and "TOKEN" not in ran.err and not (tmp_path / "out.json").exists()


def test_a_password_in_the_url_is_not_shown(tmp_path):
    port = server.free_port()  # nothing listens there
    ran = attrib("labelstudio", "pull", "--project", "p", "-o", tmp_path / "out.json",
                 "--url", f"http://user:SECRETPW@127.0.0.1:{port}", env={"LABEL_STUDIO_API_KEY": "a" * 40})
    assert ran.code == 3 and f"cannot reach Label Studio at http://user:***@127.0.0.1:{port} " in ran.err
    assert "SECRETPW" not in ran.err


@pytest.mark.parametrize("url, said", [
    ("http://[::1", "'http://…' is not a URL (Invalid IPv6 URL)"),  # a ValueError traceback
    ("http://user:SECRETPW@[::1", "'http://…' is not a URL (Invalid IPv6 URL)"),
    ("http://127.0.0.1:abc", "'http://127.0.0.1:abc' is not a URL (Port could not be cast"),  # httpx.InvalidURL
    ("http://127.0.0.1:99999", "'http://127.0.0.1:99999' is not a URL (Port out of range"),  # "Connection refused"
    ("http://", "'http://' names no host"),  # "UnsupportedProtocol … missing an 'http://'"
])
def test_a_url_that_is_no_url_is_one_line(tmp_path, url, said):
    (tmp_path / "records.jsonl").write_text(json.dumps({"id": "a", "text": "Hi.", "attributions": []}) + "\n")
    for command in (("labelstudio", "pull", "--project", "p", "-o", tmp_path / "out.json"),
                    ("labelstudio", "push", tmp_path / "records.jsonl", "--project", "p")):
        ran = attrib(*command, "--url", url, env={"LABEL_STUDIO_API_KEY": "SECRETTOKEN" * 4})
        assert ran.code == 3 and ran.err == f"attrib: E200 {said}" + ran.err.partition(said)[2], ran.err
        assert ran.err.count("\n") == 1 and "SECRET" not in ran.err


def test_a_file_given_as_the_studio_folder_is_one_line(tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("x", encoding="utf-8")
    ran = attrib("labelstudio", "pull", "--project", "p", "-o", tmp_path / "out.json", "--studio", afile)
    assert ran.code == 3 and ran.err == (f"attrib: E200 {afile}: a file, where --studio names the folder "
                                         "`attrib studio --data-dir` made\n")


@pytest.mark.parametrize("make, said", [
    (lambda path: os.mkfifo(path), "not a studio state file"),  # was waited on for good
    (lambda path: path.mkdir(), "not a studio state file"),  # IsADirectoryError's traceback
    (lambda path: path.symlink_to("/dev/zero"), "not a studio state file"),  # read until memory ran out
    (lambda path: (path.symlink_to(path.parent / "back"), (path.parent / "back").symlink_to(path)), "cannot be read"),
])
def test_a_studio_state_file_that_is_no_file_is_one_line(tmp_path, make, said):
    make(tmp_path / studio.STATE)
    ran = attrib("labelstudio", "pull", "--project", "p", "-o", tmp_path / "out.json", "--studio", tmp_path)
    assert ran.code == 3 and ran.err.startswith(f"attrib: E200 {tmp_path / studio.STATE}: {said}") and \
        len(ran.err.splitlines()) == 1, ran.err
    assert not (tmp_path / "out.json").exists()


def test_a_login_in_the_url_is_not_shown_when_a_server_echoes_it(tmp_path):
    """A server (a stand-in: the echo is the point, not Label Studio) that puts the request's Authorization header into
    its error body showed the base64 of user:password in attrib's error line; and a URL holding a control character
    ended in httpx's traceback."""
    def echo(request) -> tuple:
        return 500, {}, f"bad: {request.headers.get('Authorization')}".encode()

    with stand_in(echo) as plain:
        url = plain.replace("http://", "http://usr:PASSW0RD@")
        ran = attrib("labelstudio", "pull", "--project", "t", "--url", url, "-o", tmp_path / "x.json",
                     env={"LABEL_STUDIO_API_KEY": "a" * 40})
    assert ran.code != 0 and ran.err.count("\n") == 1, ran.err
    assert "PASSW0RD" not in ran.err and "dXNyOlBBU1NXMFJE" not in ran.err and "usr:***@" in ran.err
    bad = attrib("labelstudio", "pull", "--project", "t", "--url", "http://h:1/\x01", "-o", tmp_path / "x.json",
                 env={"LABEL_STUDIO_API_KEY": "a" * 40})
    assert bad.code == 3 and bad.err.startswith("attrib: E200 'http://h:1/\\x01' holds a space or a control character")


def test_a_redirect_to_another_server_is_not_followed_and_a_login_page_is_no_answer(tmp_path):
    """A stand-in server (the misbehaviour is the point, not Label Studio) that redirects every call to another port:
    the SDK followed it, so a personal access token's refresh (the token in its body) and the pushed documents went to
    that server, and its empty project list made push create the project again. Another that answers every call with a
    login page (200, HTML): a JSONDecodeError traceback; `pull` saved the page as the export."""
    seen: list[str] = []
    login_page = b"<!DOCTYPE html><html><body>Log in</body></html>"
    records = tmp_path / "r.jsonl"
    records.write_text('{"id": "d", "text": "He said so.", "attributions": []}\n', encoding="utf-8")
    with stand_in(lambda request: seen.append(request.path) or (200, {}, b"[]")) as other, \
            stand_in(lambda request: (307, {"Location": other + request.path}, b"")) as redirecting, \
            stand_in(lambda request: (200, {"Content-Type": "text/html"}, login_page)) as login:
        pushed = attrib("labelstudio", "push", records, "--project", "P", "--url", redirecting,
                        env={"LABEL_STUDIO_API_KEY": "a" * 40})
        pulled = attrib("labelstudio", "pull", "--project", "P", "--url", login, "-o", tmp_path / "out.json",
                        env={"LABEL_STUDIO_API_KEY": "a" * 40})
    assert pushed.code == 3 and seen == [] and pushed.err.startswith(
        f"attrib: E200 Label Studio at {redirecting} redirected to {other}, another server: not followed"), pushed.err
    assert pulled.code == 3 and pulled.err.count("\n") == 1 and "Traceback" not in pulled.err, pulled.err
    assert "a login page or a proxy's? check the URL" in pulled.err and not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("answer, said", [
    ({}, "answered GET api/tasks/ with something else than an object with a list of tasks and their total"),
    ([], "answered GET api/tasks/ with something else than an object with a list of tasks and their total"),
    ({"tasks": [], "total": None}, "answered GET api/tasks/ with something else than an object with a list of tasks"),
])
def test_a_task_list_of_another_shape_is_one_line_not_an_empty_project(answer, said):
    """A stand-in server (the shape is the point): `{}` was read as a project without tasks, and push imported every
    document again; a list or a null total ended in a traceback."""
    with stand_in(lambda request: as_json(answer)) as url, pytest.raises(LabelStudioError, match=re.escape(said)):
        list(Client(url, "a" * 40).tasks(1))


@pytest.mark.parametrize("repeat, said", [(True, "lists project 1 twice"), (False, "lists more than 300 projects")])
def test_project_pages_that_never_end_are_given_up_on(monkeypatch, repeat, said):
    """The SDK asks for the next page while a page holds projects: a stand-in server that answers every page alike, or
    with new projects without end, was asked 1,700 times in two minutes and never left."""
    from attrib.labelstudio import client

    monkeypatch.setattr(client, "MAX_PROJECTS", 300)
    asked = []

    def projects(request) -> tuple:
        asked.append(request.path)
        page = 0 if repeat else len(asked)
        return as_json({"count": 10**9, "next": "http://x/?page=2", "previous": None,
                        "results": [{"id": page * 100 + i + 1, "title": f"other {i}"} for i in range(100)]})

    with stand_in(projects) as url, pytest.raises(LabelStudioError, match=re.escape(said)):
        Client(url, "a" * 40).find_project("P")
    assert len(asked) == (2 if repeat else 4)


@pytest.mark.parametrize("body, said", [
    (b'[{"id": 1, "title": "P"}]', "answered something attrib cannot read while looking for project 'P' (TypeError"),
    (b'{"results": [["P"]]}', "answered something attrib cannot read while looking for project 'P' (TypeError"),
    (b"[" * 5000 + b"]" * 5000, "answered JSON nested deeper than attrib reads while looking for project 'P'"),
])
def test_a_project_list_of_another_shape_is_one_line(body, said):
    """The SDK builds its models from what the server answers: a list where it reads an object was a TypeError
    traceback, and JSON nested past Python's recursion limit was blamed on "a folder tree or a document"."""
    answer = (200, {"Content-Type": "application/json"}, body)
    with stand_in(lambda request: answer) as url, pytest.raises(LabelStudioError, match=re.escape(said)):
        Client(url, "a" * 40).find_project("P")


def test_an_answer_larger_than_memory_is_one_line_naming_the_server():
    """A 4 MB gzip body unpacking to 1 GiB (a stand-in server), read by a process limited to 768 MiB: E170 said "a JSON
    line, a JSON document or a text file is read whole; split it", blaming files the user never gave."""
    import resource
    import subprocess
    import sys
    import zlib
    from pathlib import Path

    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: a gzip stream
    body = b"".join([packer.compress(b'{"count": 1, "results": [{"id": 1, "title": "P", "x": "'),
                     *(packer.compress(b"a" * 2**20) for _ in range(1024)), packer.compress(b'"}]}'), packer.flush()])
    child = ("import sys\nfrom attrib.labelstudio.client import Client\nfrom attrib.errors import LabelStudioError\n"
             "try:\n    Client(sys.argv[1], 'a' * 40).find_project('P')\nexcept LabelStudioError as exc:\n"
             "    print(exc)\n")

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (768 * 2**20, 768 * 2**20))

    answer = (200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, body)
    with stand_in(lambda request: answer) as url:
        done = subprocess.run([sys.executable, "-c", child, url], capture_output=True, text=True, timeout=120,
                              preexec_fn=limited, cwd=Path(__file__).parent)
    assert done.returncode == 0 and not done.stderr, done.stderr[-2000:]
    assert done.stdout == (f"E200 Label Studio at {url} answered more than this process has memory for while looking for "
                           "project 'P': is it Label Studio?\n")


def test_a_server_asking_to_wait_an_hour_is_one_line_not_two_silent_minutes():
    """A 429 with Retry-After: 3600 (a stand-in server): the SDK slept 60 s a retry, twice, saying nothing."""
    asked = []
    started = time.monotonic()
    slow_down = as_json({"detail": "slow down"}, 429, {"Retry-After": "3600"})
    with stand_in(lambda request: asked.append(request.path) or slow_down) as url, \
            pytest.raises(LabelStudioError, match=re.escape("asks to wait 3,600 s before the next call (429 Too Many "
                                                            "Requests): try again later (while looking for project")):
        Client(url, "a" * 40).find_project("P")
    assert len(asked) == 1 and time.monotonic() - started < 10


@pytest.mark.parametrize("status, refused", [(400, True), (401, True), (413, True), (500, False), (502, False),
                                            (504, False)])
def test_an_import_answered_4xx_is_told_as_refused_and_a_5xx_is_not(status, refused):
    """push drops its note of a batch the server refused (it stored none of it) and waits for one it may still be
    storing: behind a proxy a 502 or 504 can come while the import goes on (a stand-in server)."""
    with stand_in(lambda request: as_json({"detail": "no"}, status)) as url, pytest.raises(LabelStudioError) as caught:
        Client(url, "a" * 40).import_counted(1, [{"data": {"text": "x"}}])
    assert caught.value.refused is refused


def as_json(value, status: int = 200, headers: dict | None = None) -> tuple:
    """A stand-in's answer (status, headers, body) holding `value` as JSON."""
    return status, {**(headers or {}), "Content-Type": "application/json"}, json.dumps(value).encode()


@contextlib.contextmanager
def stand_in(answer):
    """A server on 127.0.0.1 answering every GET and POST with the (status, headers, body) `answer(request)` gives: a
    stand-in where what a server answers is the point, not Label Studio. Its URL."""
    import http.server
    import threading

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = answer(self)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args) -> None:
            pass

    running = http.server.HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=running.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{running.server_address[1]}"
    finally:
        running.shutdown()
