"""The spaCy pipeline, loaded once per worker, in its child: when the worker starts, not by its first task."""

from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin

from .child import child
from .worker import generator_of


class PipelineLoader(WorkerPlugin):
    """Starts the worker's child and loads the spaCy pipeline in it when a worker starts (and on every worker
    that joins later), so that the first task does not pay for it. Every run registers the plugin again, which
    tears the old one down: the child stays (it ends with its worker), and with it the loaded pipeline."""

    def __init__(self, model: str | None) -> None:
        self.model = model
        self.name = f"attrib-pipeline-{model or 'default'}"

    def setup(self, worker) -> None:
        child().call(generator_of, self.model)
