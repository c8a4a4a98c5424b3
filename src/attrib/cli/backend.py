"""`attrib backend`: a Label Studio ML backend serving attrib's drafts and learning from annotators."""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app


@app.command("backend")
def backend_command(
    model: str = typer.Option("rules", "--model", "-m", help="`rules` (the rules on the default English pipeline) "
                              "or a model folder from `attrib train`."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default: Label Studio on "
                             "this machine only)."),
    port: int = typer.Option(9090, "--port", min=0, max=65535, help="Port to listen on (0: a free one, which the log "
                             "names)."),
    data_dir: Path = typer.Option(Path("attrib-backend"), "--data-dir", "-d", file_okay=False, help="Folder for the accepted annotations, "
                                  "training rounds, models and the log (created if needed)."),
    train_every: int = typer.Option(None, "--train-every", min=1, help="Start a training round after this many newly "
                                    "accepted annotations [default: never by itself]."),
    train_steps: int = typer.Option(None, "--train-steps", min=1, help="Training steps of a round [default: attrib "
                                    "train's]."),
    max_chars: int = typer.Option(None, "--max-chars", min=1, help="Longest text a task may have [default: 200,000]."),
) -> None:
    """Serve drafts to Label Studio (Settings → Model) and learn from the annotations its project sends.

    Speaks Label Studio's ML backend protocol (/health, /setup, /predict, /webhook, /train). Annotation
    events are validated; accepted ones are kept in DATA_DIR; with --train-every a new model is trained
    in a separate process and replaces the serving one only if it scores higher on held-out annotations.
    A round trains the kind of model served: its base pipeline and, if it has one, its encoder.
    With ATTRIB_BACKEND_AUTH=user:password in the environment every request needs that basic auth login.

    Example: attrib backend --model rules --port 9090 --data-dir attrib-backend --train-every 50
    """
    from ..backend import models, serve

    models.check_source(model)  # what can be told at once is, before the data folder is made or claimed
    port = serve.listening_port(host, port)
    with serve.claimed(data_dir):  # one backend a data folder
        backend = serve.build(model, data_dir, train_every, train_steps, max_chars, serve.basic_auth_from_env())
        serve.run(backend, host, port)
