"""The reporting-cue lexicon: one data file (attrib/data/cues.json), loaded once, serialisable with the pipeline.

Verbs and nouns map a lemma to a prior: the share of its occurrences that head a cue in a reference
corpus (tools/derive_cues.py derives them; hand-added cues fill the gaps). The prior decides which
complements a cue may take and seeds the attribution's confidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "cues.json"


@dataclass
class Lexicon:
    verbs: dict[str, float] = field(default_factory=dict)
    nouns: dict[str, float] = field(default_factory=dict)
    phrases: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "Lexicon":
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
