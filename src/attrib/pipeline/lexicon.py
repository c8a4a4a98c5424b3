"""The reporting-cue lexicon: one data file (attrib/data/cues.json), loaded once, serialisable with the pipeline.

Verbs and nouns map a lemma to a prior: the share of its occurrences that head a cue in a reference
corpus (tools/derive_cues.py derives them; hand-added cues fill the gaps). The prior decides which
complements a cue may take and seeds the attribution's confidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..jsonsafe import json_type

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "cues.json"
PRIORS = ("verbs", "nouns", "extra_verbs", "extra_nouns")
KEYS = (*PRIORS, "phrases", "about")


@dataclass
class Lexicon:
    verbs: dict[str, float] = field(default_factory=dict)
    nouns: dict[str, float] = field(default_factory=dict)
    phrases: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "Lexicon":
        _check(data)
        verbs = {**data.get("extra_verbs", {}), **data.get("verbs", {})}
        nouns = {**data.get("extra_nouns", {}), **data.get("nouns", {})}
        return cls(verbs=verbs, nouns=nouns, phrases=list(data.get("phrases", [])))

    @classmethod
    def default(cls) -> "Lexicon":
        return cls.from_bytes(DEFAULT_PATH.read_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> "Lexicon":
        return cls.from_dict(json.loads(data.decode("utf-8")))

    def to_dict(self) -> dict:
        return {"verbs": self.verbs, "nouns": self.nouns, "phrases": self.phrases}

    def to_bytes(self) -> bytes:
        """JSON in the layout of cues.json, so that the lexicon a pipeline saves can be read and edited."""
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False).encode("utf-8")


def _check(data: object) -> None:
    """ValueError naming the place where `data` is not a lexicon: the lexicon a model saves is there to be edited, and a
    prior that is no number ended drafting in a traceback; an unknown key (a typo) loaded as an empty lexicon."""
    if not isinstance(data, dict):
        raise ValueError(f"cues.json: expected an object with {', '.join(KEYS)}, got {json_type(data)}")
    if unknown := sorted(set(data) - set(KEYS), key=str):
        raise ValueError(f"cues.json: unknown key {unknown[0]!r} (it takes {', '.join(KEYS)})")
    for key in PRIORS:
        priors = data.get(key, {})
        if not isinstance(priors, dict):
            raise ValueError(f"cues.json: $.{key}: expected an object of lemma: prior, got {json_type(priors)}")
        for lemma, prior in priors.items():
            if isinstance(prior, bool) or not isinstance(prior, (int, float)) or not 0 <= prior <= 1:
                raise ValueError(f"cues.json: $.{key}[{lemma!r}]: the prior {prior!r} is not a number from 0 to 1")
    phrases = data.get("phrases", [])
    if not isinstance(phrases, list) or not all(isinstance(phrase, str) for phrase in phrases):
        raise ValueError("cues.json: $.phrases: expected a list of strings")
