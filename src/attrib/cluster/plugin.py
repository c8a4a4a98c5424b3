"""The spaCy pipeline, loaded once per worker process: when the worker starts, not by its first task."""

from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin

from ..annotate import load_pipeline


class PipelineLoader(WorkerPlugin):
    """Loads the spaCy pipeline when a worker starts (and on every worker that joins later), so that the
    first task does not pay for it; `load_pipeline` keeps it for every task the worker runs."""

    def __init__(self, model: str | None) -> None:
        self.model = model
        self.name = f"attrib-pipeline-{model or 'default'}"

    def setup(self, worker) -> None:
        load_pipeline(self.model)
