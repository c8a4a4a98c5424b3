"""The one place attrib talks to a Label Studio server: a thin wrapper over label_studio_sdk.LabelStudio.

Every call maps what can go wrong (server down, slow, token refused, 404, 4xx/5xx) to one
LabelStudioError line naming the server and what attrib was doing. The token never appears in
a message: it is scrubbed from anything the server or the SDK says.
"""

from __future__ import annotations

import base64
import contextlib
import re
import time
from urllib.parse import SplitResult, urlsplit, urlunsplit
from typing import IO, Any, Iterator

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from ..errors import LabelStudioError, TokenRefusedError, shorten

PAGE_SIZE = 1000
MAX_PROJECTS = 10_000  # listed by one search (a hundred pages): a server whose pages never end is given up on
ONCE = {"max_retries": 0}


class RedirectedAway(httpx.RequestError):
    """A redirect to another server than the one attrib was given: not followed, as the request would carry the
    token (a personal access token's refresh sends it in the body) or the documents there."""


MOST_WAIT = 10  # seconds a 429's Retry-After may ask before attrib gives up rather than let the SDK sleep (60 s a try)


class AskedToWait(httpx.RequestError):
    """A 429 whose Retry-After asks for longer than MOST_WAIT: the SDK slept 60 s a retry, twice, without a word."""


def _not_asked_to_wait(response: httpx.Response) -> None:
    """An httpx response hook: a 429 asking to wait longer than MOST_WAIT seconds ends the call."""
    wait = response.headers.get("retry-after", "").strip()
    if response.status_code == 429 and wait.isascii() and wait.isdigit() and int(wait) > MOST_WAIT:
        raise AskedToWait(f"asks to wait {int(wait):,} s before the next call (429 Too Many Requests): try again "
                          "later", request=response.request)


def _same_server(origin: tuple[str, str, int | None]) -> Any:
    """An httpx request hook refusing any request (a redirect's) to another scheme, host or port than `origin`."""
    def check(request: httpx.Request) -> None:
        url = request.url
        if (url.scheme, url.host, url.port) != origin:
            raise RedirectedAway(f"redirected to {url.scheme}://{url.host}{f':{url.port}' if url.port else ''}, "
                                 "another server: not followed (the request carries the token or the documents); "
                                 "give that server's URL if it is the one", request=request)
    return check


def shown_url(url: str) -> str:
    """`url` as messages show it: a password in it (http://user:secret@host) replaced by "***"."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL (an unclosed "[" of an IPv6 host): all that is after the scheme is left out
        return url.split("//", 1)[0] + "//…" if "//" in url else "…"
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def project_title(title: str) -> str:
    """A project title as Label Studio keeps it: without the white space around it, which its API drops (a push
    to 'Proj ' never found the 'Proj' it had made, and made another on every run)."""
    return title.strip()


def checked_url(url: str) -> SplitResult:
    """`url`, split, if it names a server as http(s)://host[:port][/path]; else LabelStudioError saying why."""
    if not url.startswith(("http://", "https://")):
        raise LabelStudioError(f"Label Studio URL must start with http:// or https://, got {shown_url(url)!r}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (urllib checks the port when it is read: "abc", 99999)
    except ValueError as exc:
        raise LabelStudioError(f"{shown_url(url)!r} is not a URL ({exc}): give http://host:port") from None
    if not parts.hostname:
        raise LabelStudioError(f"{shown_url(url)!r} names no host: give http://host:port")
    if any(ord(char) <= 32 or ord(char) == 127 for char in url):  # httpx refused it in a traceback
        raise LabelStudioError(f"{shown_url(url)!r} holds a space or a control character: give http://host:port")
    return parts


class Client:
    """A Label Studio server at `url` (no /api suffix), used with a legacy token or a personal access token."""

    def __init__(self, url: str, token: str, timeout: float = 120, retries: int = 2) -> None:
        parts = checked_url(url)
        token = token.strip()  # a token file saved with CRLF ends in "\r"
        if not token:
            raise LabelStudioError("no Label Studio token: set LABEL_STUDIO_API_KEY (Account & Settings in Label Studio)")
        if not all(33 <= ord(char) <= 126 for char in token):  # what an HTTP header carries (the token not shown)
            raise LabelStudioError("the Label Studio token holds a space, a control character or a non-ASCII letter, "
                                   "which no HTTP header carries: copy it again from Account & Settings in Label Studio")
        self.url = url.rstrip("/")
        self.shown = shown_url(self.url)
        # what a server could echo back of the login in a URL (its Basic header is base64 of user:password)
        self._secrets = {token: "<token>", repr(token)[1:-1]: "<token>"}
        if parts.password and len(parts.password) > 2:  # (shorter, every "a" of a message would go)
            login = f"{parts.username}:{parts.password}".encode()
            self._secrets |= {parts.password: "***", base64.b64encode(login).decode(): "***"}
        self.timeout = timeout
        base = httpx.URL(self.url)
        http = httpx.Client(timeout=timeout, follow_redirects=True,
                            event_hooks={"request": [_same_server((base.scheme, base.host, base.port))],
                                         "response": [_not_asked_to_wait]})
        with self._errors("reading the token"):
            self.sdk = LabelStudio(base_url=self.url, api_key=token, timeout=timeout, max_retries=retries,
                                   httpx_client=http)

    def _say(self, message: str) -> str:
        """`message` without the token (as it is, or as a repr() inside the message shows it), nor a URL's login."""
        for form, shown in self._secrets.items():
            message = message.replace(form, shown)
        return message

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn network and HTTP failures while `doing` into one LabelStudioError line."""
        where = f"Label Studio at {self.shown}"
        try:
            yield
        except ApiError as exc:
            detail = _detail(exc.body)
            status = exc.status_code
            if status == 401:
                raise TokenRefusedError(self._say(f"{where} refused the token (401{': ' + detail if detail else ''}) "
                                                  f"while {doing}: check LABEL_STUDIO_API_KEY"), refused=True) from None
            if status == 403:
                message = (f"{where} forbids {doing} (403: {detail})" if detail else
                           f"{where} forbids {doing} (403): the token's user lacks the permission")
            elif status == 404:
                message = f"{where} has no such object (404) while {doing}"
                if httpx.URL(self.url).path.rstrip("/").endswith("/api"):  # the SDK adds /api/ itself
                    message += ": give the server's address without /api"
            elif 200 <= status < 300:  # an answer the SDK could not read as JSON
                message = (f"{where} answered {status} with something that is not JSON while {doing}"
                           f"{': ' + detail if detail else ''}: a login page or a proxy's? check the URL")
            else:
                message = f"{where} answered {status} while {doing}{': ' + detail if detail else ''}"
            raise LabelStudioError(self._say(message), refused=400 <= status < 500) from None
        except httpx.TimeoutException:
            raise LabelStudioError(f"{where} did not answer within {self.timeout:g} s while {doing}") from None
        except (RedirectedAway, AskedToWait) as exc:  # answered with a redirect, or 429: not done
            raise LabelStudioError(self._say(f"{where} {exc} (while {doing})"), refused=True) from None
        except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
            reason = str(exc).split("] ")[-1] or type(exc).__name__
            raise LabelStudioError(self._say(f"cannot reach {where} while {doing} ({reason}): is it running? "
                                             "`attrib studio` starts one")) from None
        except httpx.HTTPError as exc:
            raise LabelStudioError(self._say(f"{where}: {type(exc).__name__} while {doing}: {exc}")) from None
        except RecursionError:  # json's own limit: E170 would blame "a folder tree or a document"
            raise LabelStudioError(self._say(f"{where} answered JSON nested deeper than attrib reads while {doing}: is "
                                             "it Label Studio?")) from None
        except MemoryError:  # a gzip bomb, say: E170 would blame a file the user gave
            raise LabelStudioError(self._say(f"{where} answered more than this process has memory for while {doing}: "
                                             "is it Label Studio?")) from None
        except (ValueError, TypeError) as exc:  # not JSON, not UTF-8, or a shape the SDK's models cannot be built from
            reason = shorten(str(exc).splitlines()[0] if str(exc) else "", 120, one_line=True)
            raise LabelStudioError(self._say(f"{where} answered something attrib cannot read while {doing} "
                                             f"({type(exc).__name__}: {reason}): a login page or a proxy's? check the "
                                             "URL")) from exc  # --verbose shows where the SDK failed

    def _http(self, method: str, path: str, doing: str, **kwargs: Any) -> Any:
        """A raw API call (JSON in, JSON out), for lists too long to parse into SDK models.

        A POST is never retried: the server may have done it before the connection broke.
        """
        wrapper = self.sdk._client_wrapper
        if method == "POST":
            kwargs["request_options"] = ONCE
        with self._errors(doing):
            response = wrapper.httpx_client.request(path, method=method, **kwargs)
            if response.status_code >= 400:
                try:
                    body = response.json()
                except ValueError:
                    body = response.text
                raise ApiError(status_code=response.status_code, headers=dict(response.headers), body=body)
            return response.json() if response.content else None  # not JSON: _errors says so in one line

    def _each_once(self, projects: Iterator, doing: str) -> Iterator:
        """The projects of the SDK's pager, until one comes again or MAX_PROJECTS have: it asks for pages while a page
        holds any, and a server whose pages never end was asked 1,700 times in two minutes, without end."""
        seen = set()
        for project in projects:
            wrong = (f"lists project {project.id} twice" if project.id in seen else "lists a project without an id"
                     if project.id is None else f"lists more than {MAX_PROJECTS:,} projects"
                     if len(seen) == MAX_PROJECTS else None)
            if wrong:
                raise LabelStudioError(f"Label Studio at {self.shown} {wrong} while {doing}: its pages do not end; is "
                                       "it Label Studio?")
            seen.add(project.id)
            yield project

    def _unknown_shape(self, call: str, doing: str, expected: str) -> LabelStudioError:
        return LabelStudioError(f"Label Studio at {self.shown} answered {call} with something else than {expected} "
                                f"while {doing}: is it Label Studio (1.23 is what attrib knows)?")

    def whoami(self) -> dict:
        with self._errors("checking the token"):
            return self.sdk.users.whoami(request_options=ONCE).dict()

    def find_project(self, title: str) -> dict | None:
        """The project with exactly this title (as Label Studio keeps it), None if there is none; an error if there
        are several."""
        title = project_title(title)
        doing = f"looking for project {title!r}"
        with self._errors(doing):
            found = [p for p in self._each_once(self.sdk.projects.list(title=title, page_size=100), doing)
                     if p.title == title]
        if len(found) > 1:
            ids = ", ".join(str(p.id) for p in found)
            raise LabelStudioError(f"Label Studio at {self.shown} has {len(found)} projects titled {title!r} (ids {ids}): rename all but one")
        return found[0].dict() if found else None

    def projects(self) -> list[dict]:
        """Every project the token's user sees: id and title."""
        doing = "listing the projects"
        with self._errors(doing):
            return [{"id": p.id, "title": p.title} for p in self._each_once(self.sdk.projects.list(page_size=100), doing)]

    def project(self, title: str) -> dict:
        """The project with this title, or an error naming the titles there are."""
        found = self.find_project(title)
        if found is None:
            with self._errors("listing projects"):
                titles = sorted(p.title for p in self._each_once(self.sdk.projects.list(page_size=100), "listing projects"))
            known = ", ".join(repr(t) for t in titles[:10]) or "none"
            raise LabelStudioError(f"Label Studio at {self.shown} has no project titled {title!r} (projects: {known})")
        return found

    def create_project(self, title: str, label_config: str, model_version: str, instructions: str | None,
                       **settings: Any) -> dict:
        """A new project; `settings` are further project fields (maximum_annotations, ...)."""
        title = project_title(title)
        with self._errors(f"creating project {title!r}"):
            return self.sdk.projects.create(
                title=title, label_config=label_config, model_version=model_version,
                expert_instruction=instructions or "", show_instruction=bool(instructions), request_options=ONCE,
                **settings,
            ).dict()

    def update_project(self, project_id: int, **settings: Any) -> None:
        with self._errors(f"changing the settings of project {project_id}"):
            self.sdk.projects.update(id=project_id, **settings)

    def columns(self, project_id: int) -> list[dict]:
        """The Data Manager's columns of a project, with their default visibility."""
        body = self._http("GET", "api/dm/columns/", f"reading the Data Manager columns of project {project_id}",
                          params={"project": project_id})
        return body.get("columns", []) if isinstance(body, dict) else []

    def views(self, project_id: int) -> list[dict]:
        """The saved Data Manager views (tabs) of a project."""
        body = self._http("GET", "api/dm/views/", f"reading the Data Manager views of project {project_id}",
                          params={"project": project_id})
        return body if isinstance(body, list) else []

    def create_view(self, project_id: int, data: dict) -> None:
        """Save a Data Manager view (tab) of a project; the first one is what the project opens with."""
        self._http("POST", "api/dm/views/", f"saving a Data Manager view of project {project_id}",
                   json={"project": project_id, "data": data})

    def model_versions(self, project_id: int) -> dict[str, int]:
        """The model versions of a project's predictions, with their counts."""
        return self._http("GET", f"api/projects/{project_id}/model-versions/",
                          f"reading the model versions of project {project_id}") or {}

    def set_model_version(self, project_id: int, model_version: str) -> None:
        with self._errors(f"setting the model version of project {project_id}"):
            self.sdk.projects.update(id=project_id, model_version=model_version)

    def tasks(self, project_id: int, predictions: bool = False) -> Iterator[dict]:
        """Every task of a project: id, data, annotation and prediction counts, skipped annotations (and predictions
        if asked), page by page."""
        include = "id,data,total_annotations,total_predictions,cancelled_annotations" + (",predictions" if predictions else "")
        page = 1
        while True:
            body = self._http("GET", "api/tasks/", f"listing the tasks of project {project_id}",
                              params={"project": project_id, "page": page, "page_size": PAGE_SIZE,
                                      "fields": "all" if predictions else "task_only", "include": include})
            if not (isinstance(body, dict) and isinstance(body.get("tasks"), list) and all(
                    isinstance(task, dict) for task in body["tasks"]) and isinstance(body.get("total"), int)):
                # `{}` was read as no tasks, and push imported every document again
                raise self._unknown_shape("GET api/tasks/", f"listing the tasks of project {project_id}",
                                          "an object with a list of tasks and their total")
            yield from body["tasks"]
            if page * PAGE_SIZE >= body["total"]:
                return
            page += 1

    def has_drafts(self, task_id: int) -> bool:
        """Whether an annotator saved a draft of an annotation of the task (work not submitted yet)."""
        return bool(self._http("GET", f"api/tasks/{task_id}/drafts", f"reading the drafts of task {task_id}"))

    def import_tasks(self, project_id: int, tasks: list[dict]) -> list[int]:
        return self.import_counted(project_id, tasks)[0]

    def import_counted(self, project_id: int, tasks: list[dict]) -> tuple[list[int], int]:
        """Import tasks: their ids, in order, and how many predictions the server says it stored with them."""
        doing = f"importing {len(tasks)} tasks into project {project_id}"
        body = self._http("POST", f"api/projects/{project_id}/import", doing, params={"return_task_ids": "true"},
                          json=tasks)
        if not isinstance(body, dict):
            raise self._unknown_shape(f"POST api/projects/{project_id}/import", doing, "an object")
        count = body.get("prediction_count")
        return body.get("task_ids") or [], count if isinstance(count, int) else -1

    def delete_predictions(self, project_id: int, task_ids: list[int]) -> None:
        self._action("delete_tasks_predictions", project_id, task_ids, f"deleting the predictions of {len(task_ids)} tasks")

    def delete_tasks(self, project_id: int, task_ids: list[int]) -> None:
        self._action("delete_tasks", project_id, task_ids, f"deleting {len(task_ids)} tasks")

    def _action(self, action: str, project_id: int, task_ids: list[int], doing: str) -> None:
        """A Data Manager action on the tasks `task_ids` of a project."""
        self._http("POST", "api/dm/actions", doing, params={"id": action, "project": project_id},
                   json={"selectedItems": {"all": False, "included": task_ids}})

    def import_predictions(self, project_id: int, predictions: list[dict]) -> None:
        self._http("POST", f"api/projects/{project_id}/import/predictions",
                   f"importing {len(predictions)} predictions into project {project_id}", json=predictions)

    def export(self, project_id: int, out: IO[bytes], poll: float = 0.5) -> None:
        """Write the full JSON export of a project to `out`: annotations (annotators as objects, with
        their email) and predictions as objects, not ids."""
        doing = f"exporting project {project_id}"
        exports = self.sdk.projects.exports
        with self._errors(doing):
            job = exports.create(project_id, title="attrib pull", request_options=ONCE,
                                 serialization_options={"predictions": {"only_id": False},
                                                        "annotations__completed_by": {"only_id": False}})
            deadline = time.monotonic() + self.timeout
            while (status := exports.get(project_id, job.id).status) not in ("completed", "failed"):
                if time.monotonic() > deadline:
                    raise LabelStudioError(f"Label Studio at {self.shown}: export {job.id} of project {project_id} "
                                           f"not done after {self.timeout:g} s")
                time.sleep(poll)
            if status == "failed":
                raise LabelStudioError(f"Label Studio at {self.shown}: export {job.id} of project {project_id} failed")
            start = b""  # the first bytes that are not white space: a JSON export is an array
            for chunk in exports.download(project_id, job.id, export_type="JSON"):
                if not start and (start := chunk.lstrip()[:1]) and start != b"[":
                    raise LabelStudioError(f"Label Studio at {self.shown}: export {job.id} of project {project_id} is "
                                           f"not a JSON array (it starts with {chunk.lstrip()[:20]!r}): a login page or "
                                           "a proxy's answer? check the URL")
                out.write(chunk)



def _detail(body: Any) -> str:
    """The server's reason, on one line: its `detail` and any validation errors."""
    if isinstance(body, dict):
        errors = body.get("validation_errors")
        parts = [str(body.get("detail") or "")]
        if isinstance(errors, dict):
            parts += [f"{key}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for key, v in errors.items()]
        elif errors:
            parts.append(str(errors))
        text = "; ".join(p for p in parts if p)
    elif isinstance(body, str) and body.lstrip()[:1] == "<":  # a web page (a proxy's error, a login form): its markup
        # says nothing a line can hold
        title = re.search(r"<title[^>]*>([^<]*)", body, re.I)
        text = f"an HTML page{f' titled {title.group(1).strip()!r}' if title and title.group(1).strip() else ''}"
    else:
        text = str(body or "")
    return " ".join(text.split())[:300]
