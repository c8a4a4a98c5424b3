"""Connecting an ML backend (`attrib backend`) to a Label Studio project, through the API.

Label Studio adds the backend, asks its /health and /setup (which name the model_version), and makes a
webhook to its /webhook for every action. attrib narrows that webhook to the events the backend learns
from: annotations created, updated or deleted, and tasks deleted (with their annotations). It gives it the
backend's login (Label Studio sends the backend's basic auth to its ML endpoints only), and turns on drafts when
a task is opened: the project pre-labels with the backend's predictions and asks it for them when a task without
one is loaded.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from ..errors import LabelStudioError
from .client import Client

TITLE = "attrib"  # until Label Studio has asked the backend its model_version, which then becomes the title
EVENTS = ("ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED", "TASKS_DELETED")


@dataclass
class Connection:
    """A backend connected to a project: its id in Label Studio, the model_version it announced, its webhook."""

    ml_backend_id: int
    model_version: str
    webhook_id: int


def _fields(project_id: int, url: str, basic_auth: tuple[str, str] | None) -> dict:
    """What an add or update of the backend's entry sends (Label Studio checks /health and /setup with them)."""
    fields = dict(project=project_id, url=url, is_interactive=False)
    if basic_auth:
        fields.update(auth_method="BASIC_AUTH", basic_auth_user=basic_auth[0], basic_auth_pass=basic_auth[1])
    return fields


def _add(client: Client, project_id: int, url: str, basic_auth: tuple[str, str] | None):
    """The project's entry for the backend at `url`, added or updated, as Label Studio then sees it."""
    sdk = client.sdk
    with client._errors(f"connecting the ML backend at {url} to project {project_id}"):
        connected = sdk.ml.list(project=project_id)
        found = [b for b in connected if (b.url or "").rstrip("/") == url]
        for stale in connected:  # an attrib backend that ran elsewhere before (another port): Label Studio would ask it first
            if stale not in found and ((stale.title or "") == TITLE or (stale.title or "").startswith("attrib-")):
                _take_out(client, project_id, stale)
        fields = _fields(project_id, url, basic_auth)
        backend = sdk.ml.update(found[0].id, **fields) if found else sdk.ml.create(title=TITLE, **fields)
        return sdk.ml.get(backend.id)  # its state and model_version after Label Studio asked /setup


def connect_backend(client: Client, project_id: int, url: str, basic_auth: tuple[str, str] | None = None) -> Connection:
    """Connect the backend at `url` to the project (or find it connected), drafts on task open turned on."""
    url = url.rstrip("/")
    sdk = client.sdk
    try:
        backend = _add(client, project_id, url, basic_auth)
    except LabelStudioError as exc:
        if "reserved network address" not in str(exc):
            raise
        raise LabelStudioError(f"{str(exc).partition(' ')[2]}: this Label Studio refuses ML backends on loopback (its SSRF "
                               "guard); a local server `attrib studio` started before it allowed them needs a restart "
                               "(`attrib studio --data-dir DIR --stop`, then again); one you run yourself, the two variables in "
                               "README's `attrib backend` section") from None
    if backend.state != "CO" or not backend.model_version:
        raise LabelStudioError(f"Label Studio at {client.shown} cannot use the ML backend at {url} "
                               f"(state {backend.state}: {backend.error_message or 'no answer to /health'})")
    version = backend.model_version
    with client._errors(f"turning on drafts on task open in project {project_id}"):
        # Annotators get the predictions of the project's model_version; a live model is named by its title.
        if backend.title != version:
            sdk.ml.update(backend.id, **_fields(project_id, url, basic_auth), title=version)
        sdk.projects.update(id=project_id, show_collab_predictions=True, evaluate_predictions_automatically=True,
                            model_version=version)
    headers = {"Authorization": "Basic " + base64.b64encode(":".join(basic_auth).encode()).decode()} if basic_auth else {}
    hook_url = f"{url}/webhook"
    with client._errors(f"subscribing the ML backend at {url} to the annotation events of project {project_id}"):
        hooks = [h for h in sdk.webhooks.list(project=str(project_id)) if h.url == hook_url]
        settings = dict(actions=list(EVENTS), send_for_all_actions=False, send_payload=True, is_active=True, headers=headers)
        hook = (sdk.webhooks.update(hooks[0].id, url=hook_url, **settings) if hooks
                else sdk.webhooks.create(url=hook_url, project=project_id, **settings))
    return Connection(backend.id, version, hook.id)


def disconnect_elsewhere(client: Client, url: str, project_id: int) -> list[dict]:
    """Take the backend at `url` out of every project but `project_id` (its entry and its webhook): for a backend
    restarted on its port with another model, which went on drafting in the projects it served before (under a
    version they do not pre-fill) and learning from their annotations. The projects it was taken out of."""
    url = url.rstrip("/")
    left = []
    for project in sorted(client.projects(), key=lambda p: p["id"]):
        if project["id"] == project_id:
            continue
        with client._errors(f"disconnecting the ML backend at {url} from project {project['id']}"):
            stale = [b for b in client.sdk.ml.list(project=project["id"]) if (b.url or "").rstrip("/") == url]
            for backend in stale:
                _take_out(client, project["id"], backend)
        if stale:
            left.append(project)
    return left


def _take_out(client: Client, project_id: int, backend) -> None:
    """Remove a backend's entry from a project, and the webhook to its /webhook there."""
    client.sdk.ml.delete(backend.id)
    for hook in client.sdk.webhooks.list(project=str(project_id)):
        if hook.url == f"{(backend.url or '').rstrip('/')}/webhook":
            client.sdk.webhooks.delete(hook.id)


def rename_live_model(client: Client, project_ids: list[int], old: str, new: str,
                      basic_auth: tuple[str, str] | None = None, failed: list[str] | None = None) -> list[int]:
    """After the backend switched models: its entries titled `old` in these projects get the title `new`, and
    Label Studio moves each project's model_version along, so annotators are given the new drafts.
    The projects renamed. A project Label Studio refuses it in (an entry of a backend no longer running, which it
    checks) is left as it is, its one-line reason added to `failed`: it stopped the renaming of all the others."""
    renamed = []
    for project_id in sorted(project_ids):
        try:
            with client._errors(f"renaming the live model of project {project_id} to {new}"):
                for backend in client.sdk.ml.list(project=project_id):
                    if backend.title != old:
                        continue
                    client.sdk.ml.update(backend.id, **_fields(project_id, backend.url, basic_auth), title=new)
                    renamed.append(project_id)
        except LabelStudioError as exc:
            if failed is None:
                raise
            failed.append(str(exc))
    return renamed
