"""Running the backend: the app on uvicorn in this process (`attrib backend`), or as a process of its own
next to a local Label Studio (`attrib studio --backend`), found again through a state file in its folder.

The log goes to stderr and to DATA_DIR/backend.log. Nothing secret is logged: the login comes from
the environment (ATTRIB_BACKEND_AUTH=user:password), and the token Label Studio sends with /setup is
never read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from ..errors import AttribError, BackendError, InputError, ModelError
from ..labelstudio import server
from ..training.encoder import check_encoder_files
from . import app as http, models, round as training_round
from .learning import Learner, Serving, starting_model

AUTH_ENV = "ATTRIB_BACKEND_AUTH"
LOG = "backend.log"
STATE = "attrib-backend.json"
logger = logging.getLogger("attrib.backend")


def basic_auth_from_env() -> tuple[str, str] | None:
    """The login the backend asks for, from ATTRIB_BACKEND_AUTH=user:password (never a flag: `ps` shows those)."""
    value = os.environ.get(AUTH_ENV, "")
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise InputError(f"{AUTH_ENV} must be user:password")
    return user, password


def _log_to(data_dir: Path) -> None:
    handler = logging.FileHandler(data_dir / LOG, encoding="utf-8")
    stream = logging.StreamHandler()
    for h in (handler, stream):
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(h)
    logger.setLevel(logging.INFO)
    logger.propagate = False


CLAIM = "backend.lock"
CLAIM_SECONDS = 5.0  # how long a backend waits for the one before it on its folder to end (a restart)


@contextlib.contextmanager
def claimed(data_dir: Path) -> Iterator[None]:
    """Hold DATA_DIR's lock (created if needed) while the block runs: two backends on one folder each counted the
    annotations toward their own rounds and trained into one round folder. A backend being stopped gets
    CLAIM_SECONDS to end; then a BackendError names the one that holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / CLAIM, "a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + CLAIM_SECONDS
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    handle.seek(0)
                    raise BackendError(f"{data_dir}: another attrib backend (pid {handle.read().strip() or '?'}) keeps "
                                       "its data there: stop it, or give this one another --data-dir") from None
                time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def build(model: str, data_dir: Path, train_every: int | None = None, train_steps: int | None = None,
          max_chars: int | None = None, basic_auth: tuple[str, str] | None = None) -> http.Backend:
    """The backend for `model` with its data in `data_dir` (created if needed), logging there from now on (what
    loading says: a promoted model served again, a round the last run left unfinished)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    _log_to(data_dir)
    serving = Serving(starting_model(data_dir, model))
    settings = training_round.settings_for(serving.current.nlp.meta, train_steps)
    if settings.encoder:  # the rounds fine-tune it: a missing package or folder is told now, not in a round's log
        try:  # torch and transformers are not imported for it here: a round's train() checks them, in its log
            check_encoder_files(settings.encoder)
            logger.info("training rounds fine-tune the encoder the serving model was trained with (%s)", settings.encoder)
        except ModelError as exc:  # drafting needs only the tagger in the model's folder: serve, and say what is lost
            logger.warning("training rounds train without the encoder the serving model was trained with: %s", exc)
            settings = dataclasses.replace(settings, encoder=None)
    learner = Learner(data_dir, serving, model, train_every, settings, on_promote=_label_studio_follower(basic_auth),
                      fetch_tasks=_label_studio_export())
    return http.Backend(serving, learner, max_chars=max_chars or models.MAX_TEXT_CHARS, basic_auth=basic_auth)


def _label_studio_follower(basic_auth: tuple[str, str] | None):
    """With LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY in the environment: after a switch of models, rename
    the backend's live model in the projects it serves, so that their annotators get the new drafts."""
    if _label_studio_client() is None:
        return None

    def follow(projects: set[int], old: str, new: str) -> None:
        from ..labelstudio.mlbackend import rename_live_model

        client = _label_studio_client()
        failed: list[str] = []
        try:  # every project: one connected before a restart that has asked nothing since kept the old model's name
            everywhere = projects | {project["id"] for project in client.projects()}
            renamed = rename_live_model(client, sorted(everywhere), old, new, basic_auth, failed)
        except AttribError as exc:  # the message never holds the key: Client scrubs it
            logger.warning("Label Studio not told of the new model: %s", exc)
            return
        for reason in failed:  # a project whose entry of that name is another backend's, not running
            logger.warning("Label Studio not told of the new model in one project: %s", reason)
        if renamed:
            logger.info("Label Studio at %s: projects %s pre-fill the drafts of %s", client.shown, renamed, new)
        else:  # connected by hand under another name: its projects pre-fill the model version they had
            logger.warning("Label Studio at %s: no project has this backend under the name %s, so none pre-fills the "
                           "drafts of %s: connect it with `attrib studio --backend`, or name it after the model "
                           "version in Settings → Model", client.shown, old, new)

    return follow


def _label_studio_client():
    url, key = os.environ.get("LABEL_STUDIO_URL"), os.environ.get("LABEL_STUDIO_API_KEY")
    if not (url and key):
        return None
    from ..labelstudio.client import Client

    return Client(url, key)


def _label_studio_export():
    """With LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY: a project's tasks, exported, for a catch-up."""
    if _label_studio_client() is None:
        return None

    def fetch(project_id: int) -> list:
        buffer = io.BytesIO()
        _label_studio_client().export(project_id, buffer)
        return json.loads(buffer.getvalue())

    return fetch


def listening_port(host: str, port: int) -> int:
    """The port the backend can listen on at `host` (port 0: a free one, chosen now, so that the log names it);
    BackendError naming the option to change when it cannot."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind((host, port))
            return probe.getsockname()[1]
    except socket.gaierror as exc:  # no such name, or no address of this kind
        raise BackendError(f"cannot listen on {host} ({exc.strerror}): give another --host") from None
    except OSError as exc:
        flag = "--host" if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) else "--port"
        raise BackendError(f"cannot listen on {host}:{port} ({exc.strerror}): choose another {flag}") from None


def run(backend: http.Backend, host: str, port: int) -> None:
    """Serve until interrupted; a training round still running is ended with the server."""
    import uvicorn

    port = listening_port(host, port)
    logger.info("serving %s on http://%s:%d (data in %s%s)", backend.serving.current.version, host, port,
                backend.learner.data_dir, ", basic auth" if backend.basic_auth else "")
    if host not in ("127.0.0.1", "localhost", "::1") and not backend.basic_auth:
        logger.warning("listening on %s without a login: anyone who reaches this port can read drafts and send "
                       "annotations (set %s=user:password)", host, AUTH_ENV)
    config = uvicorn.Config(http.create_app(backend), host=host, port=port, log_level="warning", access_log=False,
                            server_header=False, timeout_graceful_shutdown=5, lifespan="off")
    try:
        uvicorn.Server(config).run()
    finally:
        backend.learner.stop()


def start(data_dir: Path, model: str, port: int, env: dict[str, str] | None = None,
          options: tuple[str, ...] = ()) -> subprocess.Popen:
    """`attrib backend` as a process of its own session on 127.0.0.1:port, output to DATA_DIR/backend.out."""
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "attrib", "backend", "--model", model, "--port", str(port),
               "--data-dir", str(data_dir), *options]
    with open(data_dir / "backend.out", "ab") as out:
        return subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_ready(url: str, process: subprocess.Popen, data_dir: Path, timeout: float = 120,
               basic_auth: tuple[str, str] | None = None) -> dict:
    """Wait until /health answers; fail early if the process died. Its answer."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise BackendError(f"attrib backend (pid {process.pid}) stopped before it was ready: see {data_dir / 'backend.out'}")
        try:
            answer = httpx.get(f"{url}/health", timeout=2, auth=basic_auth)
            if answer.status_code == 200:
                return answer.json()
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise BackendError(f"attrib backend (pid {process.pid}) not ready at {url} after {timeout:.0f} s: "
                               f"see {data_dir / 'backend.out'}")
        time.sleep(0.3)


def save_state(data_dir: Path, url: str, pid: int, model: str, label_studio: str | None = None,
               login: bool = False, options: tuple[str, ...] = ()) -> None:
    """What `up` started: its URL, pid, model and options, the URL of the Label Studio it serves (never its token),
    and whether it asks for a login (never the login)."""
    state = {"url": url, "pid": pid, "model": model, "label_studio": label_studio, "login": login,
             "options": list(options)}
    (data_dir / STATE).write_text(json.dumps(state), encoding="utf-8")


def load_state(data_dir: Path) -> dict | None:
    try:
        return json.loads((data_dir / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_backend(pid: int) -> bool:
    return server.runs(pid, b"attrib\0backend")


def stop(data_dir: Path) -> int | None:
    """Stop the backend started for `data_dir`, if it runs: its pid, else None."""
    state = load_state(Path(os.path.realpath(data_dir)))
    if not state or not is_backend(state["pid"]):
        return None
    server.stop(state["pid"])
    return state["pid"]


def follow(data_dir: Path, label_studio: tuple[str, str]) -> tuple[str, int] | None:
    """Restart the backend of `data_dir`, if one runs for another Label Studio URL, to serve `label_studio` (its
    model and, when free, its port kept): (url, pid), or None when there was nothing to do."""
    state = load_state(Path(os.path.realpath(data_dir)))
    if not state or not is_backend(state["pid"]) or state.get("label_studio") == label_studio[0]:
        return None
    if bool(state.get("login")) != (basic_auth_from_env() is not None):  # Label Studio's connection would fail (401)
        said = "runs with a login this shell does not set" if state.get("login") else "runs without the login this shell sets"
        raise BackendError(f"the backend of {data_dir} {said} ({AUTH_ENV}): it still serves Label Studio at "
                           f"{state.get('label_studio')}; run `attrib studio` again with {AUTH_ENV} as when it started")
    url, pid, _ = up(data_dir, state["model"], label_studio, tuple(state.get("options") or ()))
    return url, pid


def up(data_dir: Path, model: str, label_studio: tuple[str, str],
       options: tuple[str, ...] = ()) -> tuple[str, int, bool]:
    """Start (or find running) the backend of `data_dir` serving `model` with `options` (`--train-every N`, ...) on
    the loopback port it had before, while free (the projects connected to it reach it there), else a free one: (url,
    pid, just started). Its basic auth login, if any, comes from the environment; the Label Studio it serves (URL,
    token) goes into its environment, never onto its command line."""
    data_dir = Path(os.path.realpath(data_dir))
    login = basic_auth_from_env()
    state = load_state(data_dir)
    port = None
    if state and is_backend(state["pid"]):
        if state.get("model") == model and state.get("label_studio") == label_studio[0] and \
                tuple(state.get("options") or ()) == options:
            return state["url"], state["pid"], False
        server.stop(state["pid"])  # another model or options asked for, or Label Studio moved (`studio --port`)
    if state:  # the projects connected to it reach it there, after a stop too (`make stop`, then `make demo`)
        port = urlsplit(state["url"]).port
    if port is None or not server.port_free(port):
        port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, LABEL_STUDIO_URL=label_studio[0], LABEL_STUDIO_API_KEY=label_studio[1])
    process = start(data_dir, model, port, env=env, options=options)
    save_state(data_dir, url, process.pid, model, label_studio[0], login is not None, options)
    wait_ready(url, process, data_dir, basic_auth=login)
    return url, process.pid, True
