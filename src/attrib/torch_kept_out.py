"""torch kept out of a process whose pipeline needs none: the rules on the default pipeline.

Where torch is installed (the `learn` extra), thinc imports it with spaCy, in every process: `attrib annotate` of one
sentence with the rules took 3.0 s of CPU and 355 MB with it, 1.4 s and 164 MB with it kept out (3 runs each, the same
records). Marked absent before spaCy is imported (`sys.modules["torch"] = None`: `import torch` then fails as where
it is not installed), thinc runs without its torch shims, which the default pipeline does not use. A process that has
imported thinc already is left as it is.
"""

from __future__ import annotations

import sys

RULES = "rules"  # --model rules: the rules on the default pipeline, as `attrib backend --model rules` says it


def is_rules(model: str | None) -> bool:
    """Whether `model` names the rules on the default pipeline: no model, or RULES (annotate.load_pipeline)."""
    return not model or model == RULES


def keep_torch_out(model: str | None) -> None:
    """Mark torch absent in this process when `model` is the rules' pipeline and thinc is not imported yet."""
    if is_rules(model) and "thinc" not in sys.modules and "torch" not in sys.modules:
        sys.modules["torch"] = None
