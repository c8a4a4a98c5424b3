"""`attrib labelstudio tasks|push|pull|records` and `attrib studio`: arguments in, library calls, one summary line out."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from ..counts import amount
from ..jsonio import refuse_overwriting
from ..labelstudio import BATCH
from ..lsjson.convert import CHOOSE
from ..training.uncertainty import ORDERS
from .app import app, one_server, typed

# The library modules are imported inside each command: `attrib --help` and the commands that need
# no server do not pay for label_studio_sdk and httpx.

labelstudio = typer.Typer(
    help="Label Studio projects: pre-annotated tasks in, annotations out.\n\nExample: attrib labelstudio pull --project 'attrib seed' -o out/seed.export.json --studio .studio",
    no_args_is_help=True, rich_markup_mode=None,
)
app.add_typer(labelstudio, name="labelstudio")

URL = typer.Option(None, "--url", envvar="LABEL_STUDIO_URL", show_envvar=True,
                   help="Label Studio URL, e.g. http://localhost:8080; the token comes from LABEL_STUDIO_API_KEY.")
STUDIO = typer.Option(None, "--studio", envvar="ATTRIB_STUDIO", show_envvar=True,
                      help="Use the local server `attrib studio --data-dir DIR` started (URL and token from DIR).")
Choose = Enum("Choose", {name: name for name in CHOOSE}, type=str)
Order = Enum("Order", {name: name for name in ORDERS}, type=str)
PROJECT = typer.Option(..., "--project", "-p", help="Project title.")
VERSION = typer.Option(None, "--model-version", help="Prediction model version [default: attrib-<version>+<spaCy pipeline> from the records].")


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _progress(report) -> None:
    _say(f"  batch {report.batches_sent} of {report.batches}: {report.imported} imported, {report.updated} updated")


def _summary(report) -> str:
    """One line for a push: what it did and where the time went."""
    made = "created" if report.created else "found"
    own = report.total_seconds - report.server_seconds
    repaired = (f", {report.repaired} repaired (left without a prediction by an interrupted update or the server)"
                if report.repaired else "") + (f", {report.removed} unannotated second copies of a document deleted"
                                                if report.removed else "") + (
        f", {amount(report.retired, 'unreviewed review task')} deleted (their annotators now agree)" if report.retired else "")
    kept = f" ({report.annotated} of them annotated on older drafts: kept as they are)" if report.annotated else ""
    overlap = f"; {amount(report.overlap, 'annotator')} per task now" if report.overlap else ""
    return (f"project {report.title!r} (id {report.project_id}) {made}: {report.imported} imported, {report.updated} updated, "
            f"{report.skipped} already there{kept}{repaired}{overlap} ({report.total_seconds:.1f} s, {own:.1f} s of it "
            "attrib's own)")


@labelstudio.command("tasks")
def tasks_command(
    records: list[Path] = typer.Argument(..., help="attrib records (JSONL or Parquet), e.g. from `attrib annotate`; gold JSONL works too."),
    output: Path = typer.Option(..., "--output", "-o", help="Label Studio tasks (a JSON array) to import; '-' for stdout."),
    model_version: str = VERSION,
) -> None:
    """Records -> Label Studio tasks with predictions (checked before they are written).

    Example: attrib labelstudio tasks out/seed.records.jsonl -o out/seed.tasks.json
    """
    from ..formats.tasks import write_tasks
    from ..lsjson.convert import shifted_highlights
    from ..validation.gate import all_records

    refuse_overwriting(output, records)
    read = all_records(records, unique=True)
    count = write_tasks(read, output, model_version)
    _say(f"{amount(count, 'task')} written to {output}")
    if note := shifted_highlights(read):
        _say(f"attrib: {note}")


@labelstudio.command("push")
def push_command(
    ctx: typer.Context,
    records: list[Path] = typer.Argument(..., help="attrib records (JSONL or Parquet) to pre-annotate the tasks with."),
    project: str = PROJECT,
    url: str = URL,
    studio: Path = STUDIO,
    update: bool = typer.Option(False, "--update", help="Replace the prediction of documents already there that nobody annotated."),
    order: Order = typer.Option("input", "--order", help="input: tasks in the records' order; uncertain: the documents "
                                "whose drafts are least confident first (annotators then work where a model learns most)."),
    batch: int = typer.Option(BATCH, "--batch", min=1, help="Tasks per import request."),
    model_version: str = VERSION,
    review: bool = typer.Option(False, "--review", help="Adjudication: RECORDS are Label Studio exports; push the "
                                "documents annotators disagree on, each annotator's version as a prediction."),
    overlap: int = typer.Option(None, "--overlap", min=1, help="Annotators per task (Label Studio's \"maximum "
                                "annotations\", on every task): 2 or more for `attrib agreement` [default: the "
                                "project's; 1 for a new one]."),
) -> None:
    """Create (or reuse) a project and import the records as pre-annotated tasks; safe to re-run.

    A document already in the project (same record id) is skipped, or with --update its prediction is
    replaced if nobody has annotated it; an interrupted push is finished by running it again.
    --overlap 2 has two annotators label every task, each starting from the drafts (for agreement).
    With --review, each annotator's version is a prediction tab (A: who, B: who, ...), and the
    reviewer's annotation starts empty; run again on a newer export, a review task nobody has reviewed
    yet is refreshed, or deleted once its annotators agree.

    Example: attrib labelstudio push out/seed.records.jsonl --project 'attrib seed' --studio .studio
    """
    from ..labelstudio.connect import connect
    from ..labelstudio.projects import push, push_review, review_tasks
    from ..training.uncertainty import order_records
    from ..validation.gate import all_records

    url, studio = one_server(ctx, url, studio)
    if review:  # review tasks replace unreviewed ones, in the exports' order, with the project's overlap and version
        for flag, value in (("--update", update), ("--order", order.value != "input"), ("--overlap", overlap is not None),
                            ("--model-version", model_version is not None)):
            if value:
                raise typer.BadParameter(f"{flag} does not apply to --review", param_hint=flag)
    # the inputs are read before any server is asked: a missing file was told after connecting, or as a dead server
    plan = review_tasks(records) if review else order_records(all_records(records, unique=True), order.value)
    client = connect(url, studio)
    if review:
        report = push_review(client, plan, project, batch=batch, progress=_progress,
                             notice=lambda message: _say(f"attrib: {message}"))
    else:
        report = push(client, plan, project, model_version, batch=batch, update=update,
                      progress=_progress, overlap=overlap, notice=lambda message: _say(f"attrib: {message}"))
    _say(_summary(report))
    typer.echo(report.project_url)


@labelstudio.command("pull")
def pull_command(
    ctx: typer.Context,
    project: str = PROJECT,
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the export (JSON); written whole or not at all."),
    url: str = URL,
    studio: Path = STUDIO,
) -> None:
    """Download a project's full JSON export: annotations, and predictions as objects.

    Example: attrib labelstudio pull --project 'attrib seed' -o out/seed.export.json --studio .studio
    """
    from ..jsonio import atomic_write
    from ..labelstudio.connect import connect
    from ..labelstudio.projects import pull

    client = connect(*one_server(ctx, url, studio))
    with atomic_write(output, "wb") as out:
        project_id = pull(client, project, out)
    _say(f"project {project!r} (id {project_id}) exported to {output}")


@labelstudio.command("records")
def records_command(
    export: Path = typer.Argument(..., help="A Label Studio JSON export of an attrib project (`attrib labelstudio pull`)."),
    output: Path = typer.Option(..., "--output", "-o", help="attrib records (JSONL); '-' for stdout."),
    choose: Choose = typer.Option("each", "--choose", help="Which result per task."),
) -> None:
    """Export -> attrib records, with provenance (task, annotation, annotator, lead time, accepted unchanged).

    --choose each: a record per annotation; each_latest: a record per annotator, their latest annotation;
    ground_truth: the annotation marked ground truth; latest: the last updated annotation; reviewed: the one
    marked ground truth where there is one, else the latest; prediction: the task's prediction. Cancelled
    annotations are left out.

    Example: attrib labelstudio records out/seed.export.json -o out/seed.annotated.jsonl --choose latest
    """
    from ..errors import InputError
    from ..formats.inputs import read_input
    from ..formats.jsonl import write_records
    from ..validation import detect
    from ..validation.gate import gated

    refuse_overwriting(output, [export])
    records = read_input(export, choose.value, notice=lambda message: _say(f"attrib: note: {message}"))  # empty: E160
    if detect(export) == "records":  # copied through as they were, whatever --choose said
        raise InputError(f"{export}: holds records, not a Label Studio export: records are read as they are by eval, "
                         "export and push")
    count = write_records(gated("records", records, f"the records made of {export}"), output)
    _say(f"{amount(count, 'record')} written to {output}")


@app.command("studio")
def studio_command(
    ctx: typer.Context,
    data_dir: Path = typer.Option(..., "--data-dir", "-d", file_okay=False,
                                  help="Folder for the server's data, log and login (created if needed)."),
    port: int = typer.Option(None, "--port", min=1, max=65535, help="Port on 127.0.0.1 [default: the last one used, else a free one]."),
    stop: bool = typer.Option(False, "--stop", help="Stop the server of --data-dir instead."),
    records: Path = typer.Option(None, "--push", help="Then push these records (JSONL or Parquet) ..."),
    project: str = typer.Option("attrib", "--project", "-p", help="... into the project with this title."),
    backend: bool = typer.Option(False, "--backend", help="Also run `attrib backend` (data in DIR/backend) and connect it "
                                 "to the project: tasks imported any way are drafted when opened, annotations train it."),
    model: str = typer.Option("rules", "--model", "-m", help="The backend's model: `rules` or a folder from `attrib train`."),
    train_every: int = typer.Option(None, "--train-every", min=1, help="The backend starts a training round after this "
                                    "many newly accepted annotations [default: only on Label Studio's Start training]."),
    train_steps: int = typer.Option(None, "--train-steps", min=1, help="Training steps of the backend's rounds "
                                    "[default: attrib train's]."),
) -> None:
    """Start a local Label Studio on 127.0.0.1 (or find it running) and leave it running for `push`.

    The first start creates an admin and prints the login once; it is kept, with the API token, in
    DIR/attrib-studio.json (readable only by you). Push with `--studio DIR`, or at once with --push.
    With --backend, `attrib backend` runs beside it and drafts the project's tasks; --stop stops both.

    Example: attrib studio --data-dir .studio --push out/seed.records.jsonl --project 'attrib seed' --backend
    """
    from ..labelstudio import studio as local
    from ..labelstudio.projects import push
    from ..validation.gate import all_records

    if stop:
        if ignored := [name for name, given in (("--push", records), ("--backend", backend), ("--port", port),
                                                ("--project", typed(ctx, "project")), ("--model", typed(ctx, "model")),
                                                ("--train-every", train_every), ("--train-steps", train_steps)) if given]:
            raise typer.BadParameter(f"stops the server: {', '.join(ignored)} would be ignored", param_hint="--stop")
        pid = local.down(data_dir)
        typer.echo(f"stopped Label Studio (pid {pid})" if pid else f"no Label Studio running for {data_dir}")
        if (backend_pid := _backend_stop(data_dir)) is not None:
            typer.echo(f"stopped attrib backend (pid {backend_pid})")
        return
    if typed(ctx, "project") and not (records or backend):
        raise typer.BadParameter("names the project of --push or --backend: give one of them", param_hint="--project")
    for flag, given in (("--model", typed(ctx, "model")), ("--train-every", train_every), ("--train-steps", train_steps)):
        if given and not backend:
            raise typer.BadParameter("applies to --backend: give it too", param_hint=flag)
    pushed = all_records([records]) if records else []  # read before a server is started for them
    studio, created, started = local.up(data_dir, port)
    typer.echo(f"Label Studio {'started' if started else 'running'} at {studio.url} (pid {studio.pid}, data in {studio.data_dir})")
    if created:
        typer.echo(f"Log in as {studio.email} with password {studio.password} (shown once; kept in {Path(studio.data_dir) / local.STATE})")
    if started and not backend:
        _backend_follow(studio, data_dir)
    if not backend:
        _backend_missed(data_dir)
    if records or backend:
        report = push(studio.client(), pushed, project, progress=_progress)
        _say(_summary(report) if records else f"project {report.title!r} (id {report.project_id}) "
             f"{'created' if report.created else 'found'}")
    if backend:
        options = (*(("--train-every", str(train_every)) if train_every else ()),
                   *(("--train-steps", str(train_steps)) if train_steps else ()))
        _backend_up(studio, data_dir, report.project_id, model, options)
    if records or backend:
        typer.echo(f"Open {report.project_url}")


def _backend_up(studio, data_dir: Path, project_id: int, model: str, options: tuple[str, ...]) -> None:
    from ..backend import serve
    from ..labelstudio.mlbackend import connect_backend, disconnect_elsewhere

    before = serve.load_state(data_dir / "backend")
    url, pid, started = serve.up(data_dir / "backend", model, (studio.url, studio.token), options)
    client = studio.client()
    connection = connect_backend(client, project_id, url, serve.basic_auth_from_env())
    typer.echo(f"attrib backend {'started' if started else 'running'} at {url} (pid {pid}, model_version "
               f"{connection.model_version}): drafts tasks when they are opened, learns from submitted annotations")
    if before and before.get("model") != model and (left := disconnect_elsewhere(client, url, project_id)):
        named = ", ".join(f"{p['title']!r} (id {p['id']})" for p in left)
        typer.echo(f"disconnected it from {named}, which it served {before.get('model')} in (or a model its rounds "
                   "promoted from it): a local Label Studio has one backend, one model (`attrib backend` on another "
                   "port serves a second)")


def _backend_follow(studio, data_dir: Path) -> None:
    """The backend `--backend` started serves Label Studio at its URL: one that moved (`--port`) is followed."""
    from ..backend import serve

    if moved := serve.follow(data_dir / "backend", (studio.url, studio.token)):
        typer.echo(f"attrib backend restarted at {moved[0]} (pid {moved[1]}) for Label Studio at {studio.url}")


def _backend_missed(data_dir: Path) -> None:
    """Say so when the backend `--backend` started before is not running: its projects got no live draft and their
    annotations reached nothing, without a word."""
    from ..backend import serve

    state = serve.load_state(data_dir / "backend")
    if state and not serve.is_backend(state["pid"]):
        _say(f"attrib: note: the attrib backend of {data_dir} (model {state.get('model')}) is not running: the projects "
             f"connected to it get no live drafts; `attrib studio --data-dir {data_dir} --backend` starts it again")


def _backend_stop(data_dir: Path) -> int | None:
    from ..backend import serve

    return serve.stop(data_dir / "backend")
