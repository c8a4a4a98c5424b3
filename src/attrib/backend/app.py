"""The HTTP side: Label Studio's ML backend protocol, as label_studio/ml/api_connector.py (1.23.2) calls it.

GET /health and POST /setup answer at once (Label Studio gives them 1 s and 3 s, and asks both before
every batch of predictions), also while a prediction or a training round runs. POST /predict drafts in
a worker thread, one request at a time (one model, and spaCy pipelines are not made for concurrent
calls). POST /webhook takes the project's annotation events (and START_TRAINING), POST /train (Label
Studio's "Start training") catches up on the annotations it carries and starts a round. A bad request gets {"error": "..."} with a 4xx status and leaves nothing
behind; a body past the size limit is refused without being kept in memory.
"""

from __future__ import annotations

import base64
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..errors import AttribError
from ..jsonsafe import Decoder, json_path, json_type, max_depth
from ..lsjson.names import LABELS_NAME, TEXT_NAME
from . import models
from .learning import LEARNED_ACTIONS, Learner, Serving, log_each, project_id

logger = logging.getLogger("attrib.backend")

MAX_BODY_BYTES = 16 * 1024 * 1024  # a retrieve of 2,000 700-word articles is ~10 MB
MAX_TASKS = 20_000  # per /predict request; Label Studio waits 100 s for an answer, about 300 news articles' drafts
DRAIN_LIMIT = 256 * 1024 * 1024  # read (and drop) this much of a too-large body, so its sender gets the answer


class HTTPProblem(Exception):
    """A request the backend refuses: its status and the one-line reason the answer carries."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Backend:
    """What the routes work with: the served model, the learner, the limits, and the optional login."""

    serving: Serving
    learner: Learner
    max_chars: int = models.MAX_TEXT_CHARS
    max_body: int = MAX_BODY_BYTES
    basic_auth: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        self.predicting = threading.Lock()

    def train_on(self, tasks: list, project: int | None = None, before: set[tuple] | None = None) -> dict:
        """Catch up on the annotations of these tasks (with `project`: all of its annotated tasks, made when the
        annotations `before` were in force), then start a round."""
        outcome = self.learner.catch_up(tasks, project, before)
        return {**outcome.as_dict(), "status": self.learner.maybe_train(now=True)}

    def train_project(self, project: object) -> dict:
        project = project_id(project) if isinstance(project, dict) else None
        if self.learner.fetch_tasks is None or project is None:
            return {"status": self.learner.maybe_train(now=True)}  # on the annotations the events brought
        before = self.learner.in_force()
        try:
            tasks = self.learner.fetch_tasks(project)
        except AttribError as exc:  # Client's messages never hold the key
            logger.warning("no catch-up on project %s: %s", project, exc)
            return self.train_on([])  # nothing known of the project: none of its annotations is taken out
        return self.train_on(tasks, project, before)

    def predict(self, tasks: list, unreadable: dict[int, str]) -> JSONResponse:
        """The answer to /predict: drafts of the tasks but the `unreadable` ones (index -> why), each of which gets
        its error; made here, in a worker thread, as two million tasks took half a minute."""
        started = time.perf_counter()
        with self.predicting:
            served = self.serving.current  # read once: a switch during this request does not mix models
            answers = models.predict(served, tasks, self.max_chars, unreadable)
        seconds = time.perf_counter() - started
        log_each(logging.WARNING, [a["error"] for a in answers if "error" in a], "predict:")
        logger.info("predict: %d tasks drafted by %s in %.2f s", sum("error" not in a for a in answers), served.version,
                    seconds)
        return JSONResponse({"results": answers, "model_version": served.version},
                            headers={"Server-Timing": f"predict;dur={seconds * 1000:.1f}"})


async def read_json(request: Request, limit: int, per_item: str | None = None) -> tuple[Any, dict[int, str]]:
    """The request's JSON body, or an HTTPProblem: too large (413, counted as it streams in) or not JSON (400).

    With `per_item` ("tasks"), a number or string no output can hold inside one item of that list is not the
    whole request's fault: it comes back as {item's index: "$.tasks[i]...: why"}, for that item's own answer."""
    declared = request.headers.get("content-length", "")
    too_large = HTTPProblem(413, f"the request body is larger than this backend takes ({limit:,} bytes)")
    if declared.isdigit() and int(declared) > limit:
        await _drain(request)
        raise too_large
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                body.clear()
                await _drain(request)
                raise too_large
    except ClientDisconnect:  # nobody to answer: one line in the log, not a traceback
        raise HTTPProblem(400, "the client closed the connection before the body ended") from None
    if body.startswith(b"\xef\xbb\xbf"):
        raise HTTPProblem(400, "the request body starts with a byte order mark (U+FEFF): send the JSON without it")
    if b"\x00" in body[:4]:
        raise HTTPProblem(400, "the request body holds NUL bytes at its start: UTF-16 or UTF-32? send it as UTF-8")
    try:  # JSON in any other encoding is not what Label Studio sends; parsed in a worker thread, as /health must
        # answer within 1 s meanwhile
        value, problems = await run_in_threadpool(Decoder().decode, body.decode("utf-8"), max_depth.get())
    except UnicodeDecodeError as exc:
        raise HTTPProblem(400, f"the request body is not UTF-8 (byte {exc.start})") from None
    except ValueError as exc:
        raise HTTPProblem(400, f"the request body is not JSON ({exc})") from None
    items: dict[int, str] = {}
    for problem in problems:  # too deep, or a number or a string that nothing attrib writes could hold
        keys = problem.keys
        if per_item is None or len(keys) < 2 or keys[0] != per_item or not isinstance(keys[1], int):
            raise HTTPProblem(400, f"the request body at ${json_path(keys)}: {problem.message}")
        items.setdefault(keys[1], f"${json_path(keys)}: {problem.message}")
    return value, items


async def _drain(request: Request) -> None:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > DRAIN_LIMIT:
            return


async def _object(request: Request, backend: Backend, per_item: str | None = None) -> tuple[dict, dict[int, str]]:
    body, items = await read_json(request, backend.max_body, per_item)
    if not isinstance(body, dict):
        raise HTTPProblem(400, f"the request body must be a JSON object, got {json_type(body)}")
    if (project := project_id(body.get("project"))) is not None:
        backend.learner.projects.add(project)
    return body, items


def _authorized(header: str, login: tuple[str, str]) -> bool:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except ValueError:  # binascii.Error, UnicodeDecodeError, and b64decode's own for a header not ASCII
        return False
    return secrets.compare_digest(user.encode(), login[0].encode()) & secrets.compare_digest(password.encode(), login[1].encode())


def create_app(backend: Backend) -> Starlette:
    """The ASGI app serving `backend`."""

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "UP", "model_class": "attrib", "model_version": backend.serving.current.version,
                             "training": backend.learner.training})

    async def setup(request: Request) -> JSONResponse:
        # The body carries the project owner's Label Studio token (`access_token`): it is not read, kept or logged.
        await _object(request, backend)
        return JSONResponse({"model_version": backend.serving.current.version})

    async def validate(request: Request) -> JSONResponse:
        config = (await _object(request, backend))[0].get("config")
        if not isinstance(config, str) or f'name="{LABELS_NAME}"' not in config or f'name="{TEXT_NAME}"' not in config:
            raise HTTPProblem(422, f"not attrib's labeling config: it needs <Labels name=\"{LABELS_NAME}\"> on "
                                   f"<Text name=\"{TEXT_NAME}\"> (`attrib labelstudio push` makes such a project)")
        return JSONResponse({"status": "ok"})

    async def versions(request: Request) -> JSONResponse:
        return JSONResponse({"versions": [backend.serving.current.version]})

    async def predict(request: Request) -> JSONResponse:
        body, unreadable = await _object(request, backend, per_item="tasks")
        tasks = body.get("tasks")
        if not isinstance(tasks, list):
            raise HTTPProblem(400, "$.tasks must be a list of tasks")
        if len(tasks) > MAX_TASKS:  # 2.8 million tasks `{}` in 16 MB took 2.6 GB to answer, one error each
            raise HTTPProblem(413, f"$.tasks holds {len(tasks):,} tasks, more than this backend drafts in one request "
                                   f"({MAX_TASKS:,}): send them in batches")
        return await run_in_threadpool(backend.predict, tasks, unreadable)

    async def webhook(request: Request) -> JSONResponse:
        payload, _ = await _object(request, backend)
        action = payload.get("action")
        if action == "START_TRAINING":  # Label Studio's "Start training" (one of its two ways): the project only
            return JSONResponse(await run_in_threadpool(backend.train_project, payload.get("project")))
        if action not in LEARNED_ACTIONS:
            return JSONResponse({"status": f"ignored: attrib learns from {', '.join(LEARNED_ACTIONS)}"})
        outcome = await run_in_threadpool(backend.learner.on_event, payload)
        status = 422 if outcome.rejected and not outcome.accepted else 200
        return JSONResponse(outcome.as_dict(), status_code=status)

    async def train(request: Request) -> JSONResponse:  # "Start training", the other way: every annotated task
        before = backend.learner.in_force()  # Label Studio made the body before it was sent
        body = (await _object(request, backend))[0]
        tasks = body.get("annotations")
        if not isinstance(tasks, list):
            raise HTTPProblem(400, "$.annotations must be a list of annotated tasks")
        return JSONResponse(await run_in_threadpool(backend.train_on, tasks, project_id(body.get("project")), before))

    async def problem(request: Request, exc: HTTPProblem) -> JSONResponse:
        logger.warning("%s %s: %d %s", request.method, request.url.path, exc.status, exc.message)
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    routes = [Route("/", health), Route("/health", health), Route("/setup", setup, methods=["POST"]),
              Route("/validate", validate, methods=["POST"]), Route("/versions", versions),
              Route("/predict", predict, methods=["POST"]), Route("/webhook", webhook, methods=["POST"]),
              Route("/train", train, methods=["POST"])]
    middleware = [Middleware(BasicAuth, login=backend.basic_auth)] if backend.basic_auth else []
    return Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPProblem: problem})


class BasicAuth:
    """Every request needs the login (HTTP basic auth, what Label Studio sends to an ML backend)."""

    def __init__(self, app, login: tuple[str, str]) -> None:
        self.app, self.login = app, login

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and not _authorized(Headers(scope=scope).get("authorization", ""), self.login):
            response = JSONResponse({"error": "this backend needs HTTP basic auth (Label Studio: Settings → Model → "
                                              "Use authentication)"}, status_code=401,
                                    headers={"WWW-Authenticate": 'Basic realm="attrib backend"'})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
