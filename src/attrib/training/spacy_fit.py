"""spaCy's own training loop on attrib's packaged config.cfg: `attrib train`'s main run, and the cross-fitting
halves it trains in a second process (halves.py)."""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator

from spacy.cli.train import train as spacy_train
from spacy.util import load_config, logger as spacy_logger, registry

from . import components, reviser  # noqa: F401  (register attrib_combine, attrib_revise and the suggester)
from .corpus import to_docbin
from .settings import TrainSettings, checkpointed

TRAIN_FILE = "train.spacy"
_watch: list[Callable[[], None]] = []  # fit()'s `watch` while its run trains


@registry.callbacks("attrib.watch.v1")
def make_watch() -> Callable:
    """config.cfg's `training.before_update`: before each step, the check fit() was given (its exception ends the
    run: attrib train's halves failed in the other process, and the main run would train on to that error)."""

    def before_update(nlp, info) -> None:
        for check in _watch:
            check()

    return before_update


def config_path() -> Path:
    return Path(str(resources.files(__package__) / "config.cfg"))


def sourced_components() -> list[str]:
    """The components config.cfg copies from the base pipeline."""
    sections = load_config(config_path(), interpolate=False)["components"]
    return [name for name, settings in sections.items() if "source" in settings]


@contextlib.contextmanager
def _quiet(show_progress: bool) -> Iterator[None]:
    """spaCy's training chatter goes to stderr with --progress, nowhere without; its W086 warning
    (our components train while the base tok2vec is frozen, as intended) is silenced."""
    level = spacy_logger.level
    spacy_logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(sys.stderr if show_progress else io.StringIO()):
            yield
    finally:
        spacy_logger.setLevel(level)


def prepare(records: list[dict], make_doc, folder: Path) -> Path:
    """A new `folder` holding `records` as the DocBin a run trains on."""
    folder.mkdir()
    to_docbin(records, make_doc).to_disk(folder / TRAIN_FILE)
    return folder


def fit(folder: Path, dev: Path, settings: TrainSettings, max_steps: int, eval_frequency: int,
        watch: Callable[[], None] | None = None) -> Path:
    """Train on the documents `prepare` put in `folder`, checkpoints chosen on the DocBin `dev`; the directory of
    the best checkpoint (the training log is folder/training.jsonl). `watch` is called before every step: what it
    raises stops the run."""
    max_steps, eval_frequency = checkpointed(max_steps, eval_frequency)
    overrides = {
        "paths.train": str(folder / TRAIN_FILE),
        "paths.dev": str(dev),
        "paths.base": settings.base,
        "system.seed": settings.seed,
        "training.max_steps": max_steps,
        "training.eval_frequency": eval_frequency,
        "training.logger.console_output": settings.show_progress,
        "training.logger.progress_bar": "train" if settings.show_progress else None,
        "training.logger.output_file": str(folder / "training.jsonl"),
        "components.attrib_combine.prefer": settings.prefer,
        "components.attrib_combine.fill": settings.fill is not False,
    }
    _watch[:] = [watch] if watch is not None else []
    try:
        with _quiet(settings.show_progress):
            spacy_train(config_path(), folder / "out", use_gpu=-1, overrides=overrides)
    finally:
        _watch.clear()
    return best_model(folder)


def best_model(folder: Path) -> Path:
    return folder / "out" / "model-best"
