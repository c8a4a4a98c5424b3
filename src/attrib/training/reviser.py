"""The `attrib_revise` component: learned corrections of the rules' attributions, right after the rules.

The rules stay the candidate generator; what they get wrong is learned from annotated documents
(fit_revision.py): a keep model estimates, for each of the rules' attributions, how likely it is to
be in the annotation (keep.py), and the attributions under `keep_threshold` are dropped; the same model
reads the laxer rules' candidates the rule component leaves where the rules drafted nothing
(assembly.more_candidates), and those at or over `candidate_threshold` are added; two
boundary models (start, end) score the candidate boundaries near each fragment (boundaries.py), and
each fragment's start and end move to the best-scored candidate when it beats the rule's own by
more than `move_margin`. In a trained pipeline both also read the learned span finders' scores, which
the finders before it leave on the Doc (finder_scores.py). The keep probability becomes the
attribution's confidence (attrib_combine calibrates it). Without fitted models (a fresh pipeline) the
component changes nothing.

The models are scikit-learn estimators, pickled beside the pipeline (to_disk) and inside `nlp.to_bytes()`;
a model directory is code to trust, as any spaCy pipeline with custom components is.
"""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import numpy
import srsly
from spacy.language import Language
from spacy.tokens import Doc
from threadpoolctl import threadpool_limits

from ..errors import ModelError
from ..pipeline.assembly import CANDIDATES_KEY, RULES_KEY
from ..pipeline.quotes import find_quotes
from ..records import ROLES, fragment
from ..spacy_doc import set_attributions
from . import finder_scores, keep
from .boundaries import SIDES, DocView, Site, sites
from .saved import read_json
from .tables import Rows, Table

MODELS = ("keep", *SIDES)
REVISER = "attrib_revise"
NO_CANDIDATES = 1.01  # a candidate threshold over every probability: none is added (models fitted before candidates)
_TABLE = {"type": "object", "required": ["categorical", "numeric", "vocab"], "properties": {
    "categorical": {"type": "array", "items": {"type": "string"}}, "numeric": {"type": "array", "items": {"type": "string"}},
    "vocab": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}}}}}
REVISION_SCHEMA = {  # revision.json, as to_disk writes it
    "type": "object", "required": ["keep_threshold", "move_margin", "tables"],
    "properties": {"keep_threshold": {"type": "number"}, "candidate_threshold": {"type": "number"},
                   "move_margin": {"type": "number"},
                   "tables": {"type": "object", "required": list(MODELS), "additionalProperties": _TABLE}},
}


def probabilities(model, table: Table, rows: list[dict]) -> numpy.ndarray:
    """The model's probability of the positive class for each row (empty for no rows)."""
    if not rows:
        return numpy.zeros(0)
    return model.predict_proba(table.matrix(Rows(rows)))[:, 1]


def best_positions(found: list[Site], scores: numpy.ndarray, margin: float) -> list[int]:
    """For each site, the character offset of its best candidate, or of the rule's own (the first)
    unless another beats it by more than `margin`. `scores` holds every candidate's, site by site."""
    out, at = [], 0
    for site in found:
        block = scores[at : at + len(site.candidates)]
        at += len(site.candidates)
        best = int(numpy.argmax(block))
        out.append(site.candidates[best if block[best] > block[0] + margin else 0].char)
    return out


class Reviser:
    """See the module docstring."""

    def __init__(self, name: str, keep_threshold: float, move_margin: float, candidate_threshold: float = NO_CANDIDATES):
        self.name = name
        self.keep_threshold = keep_threshold
        self.candidate_threshold = candidate_threshold
        self.move_margin = move_margin
        self.models: dict = {}
        self.tables: dict[str, Table] = {}

    def __call__(self, doc: Doc) -> Doc:
        finder = finder_scores.take(doc)
        candidates = doc.user_data.pop(CANDIDATES_KEY, None)
        attributions, rules = doc._.attributions, doc.user_data.get(RULES_KEY)
        if not self.models or attributions is None or rules is None or len(rules) != len(attributions):
            return doc
        with threadpool_limits(limits=1):  # its OpenMP threads stall whenever another program holds a core
            set_attributions(doc, self.revise(doc, list(attributions), list(rules), finder, candidates))
        return doc

    def revise(self, doc: Doc, attributions: list[dict], rules: list[str], finder: dict | None = None,
               candidates: tuple[list[dict], list[str]] | None = None) -> list[dict]:
        """The attributions kept, the candidates added, and their boundaries moved; `finder`: the span finders'
        scores, if any; `candidates`: the laxer rules' drafts and their rules (assembly.more_candidates)."""
        view = DocView(doc, find_quotes(doc.text), finder)
        more, more_rules = candidates or ([], [])
        drafts, rules = attributions + list(more), rules + list(more_rules)
        keep_p = probabilities(self.models["keep"], self.tables["keep"], keep.rows(view, drafts, rules, len(attributions)))
        kept = [i for i, p in enumerate(keep_p) if p >= (self.keep_threshold if i < len(attributions) else self.candidate_threshold)]
        kept.sort(key=lambda i: drafts[i]["cue"][0]["start"] if drafts[i]["cue"] else 0)  # in the order of their cues
        drafts = [dict(drafts[i], confidence=round(float(keep_p[i]), 4)) for i in kept]
        return self.move_boundaries(view, drafts, [rules[i] for i in kept])

    def move_boundaries(self, view: DocView, attributions: list[dict], rules: list[str]) -> list[dict]:
        found = sites(view, attributions, rules)
        moved: dict[tuple, dict[str, int]] = {}
        for side in SIDES:
            on_side = [s for s in found if s.side == side]
            rows = [c.row for s in on_side for c in s.candidates]
            positions = best_positions(on_side, probabilities(self.models[side], self.tables[side], rows), self.move_margin)
            for site, char in zip(on_side, positions):
                moved.setdefault((site.attribution, site.role, site.fragment), {})[side] = char
        text = view.text
        out = []
        for a, attr in enumerate(attributions):
            attr = dict(attr, id=f"a{a}")
            for role in ROLES:
                spans = []
                for f, frag in enumerate(attr.get(role) or []):
                    new = moved.get((a, role, f), {})
                    start, end = new.get("start", frag["start"]), new.get("end", frag["end"])
                    spans.append((start, end) if start < end else (frag["start"], frag["end"]))
                attr[role] = [fragment(text, *span) for span in _apart(spans)]
            out.append(attr)
        return out

    def to_bytes(self, exclude=()) -> bytes:
        """The settings and the models, for `nlp.to_bytes()` (what spaCy ships to other processes)."""
        if not self.models:
            return srsly.msgpack_dumps({})
        return srsly.msgpack_dumps({"revision": self._settings(), "models": pickle.dumps(self.models)})

    def from_bytes(self, data: bytes, exclude=()):
        state = srsly.msgpack_loads(data)
        if state:
            self._load(state["revision"], state["models"], "the pipeline's bytes")
        return self

    def to_disk(self, path, exclude=()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if not self.models:
            return
        (path / "revision.json").write_text(json.dumps(self._settings()), encoding="utf-8")
        (path / "models.pkl").write_bytes(pickle.dumps(self.models))

    def from_disk(self, path, exclude=()):
        """No file: a revision that was never fitted (to_disk wrote none), unless the model's meta.json says it was
        (the folder emptied or gone: that loaded the rules' drafts unrevised, under the model's version). One of the
        two alone: a damaged model."""
        path = Path(path)
        if (path / "models.pkl").exists() or (path / "revision.json").exists() or _fitted_by_meta(path):
            settings = read_json(path / "revision.json", REVISION_SCHEMA)
            try:
                models = (path / "models.pkl").read_bytes()
            except OSError as exc:
                raise ModelError(f"{path / 'models.pkl'}: {exc.strerror}, so the model is incomplete: copy it again, "
                                 "or train it again") from None
            self._load(settings, models, str(path))
        return self

    def _settings(self) -> dict:
        return {"keep_threshold": self.keep_threshold, "candidate_threshold": self.candidate_threshold,
                "move_margin": self.move_margin, "tables": {k: t.to_dict() for k, t in self.tables.items()}}

    def _load(self, settings: dict, models: bytes, where: str) -> None:
        from sklearn.exceptions import InconsistentVersionWarning  # here: the rules' pipeline loads without scikit-learn

        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", InconsistentVersionWarning)
                self.models = pickle.loads(models)
        except (ImportError, AttributeError) as exc:  # a scikit-learn that lacks what the models were pickled with
            raise ModelError(f"{where}: cannot load the revision models ({exc}); install attrib's dependencies") from None
        except (EOFError, pickle.UnpicklingError, ValueError, TypeError, IndexError) as exc:  # cut short, or not a pickle
            raise ModelError(f"{where}: the revision models are damaged ({type(exc).__name__}: {exc}); copy the model "
                             "again, or train it again") from None
        _refuse_another_release(caught, where)
        if not isinstance(self.models, dict) or set(self.models) != set(MODELS) or \
                not all(hasattr(model, "predict_proba") for model in self.models.values()):
            raise ModelError(f"{where}: models.pkl does not hold the revision's models ({', '.join(MODELS)}): the "
                             "model is damaged; copy it again, or train it again")
        self.keep_threshold, self.move_margin = settings["keep_threshold"], settings["move_margin"]
        self.candidate_threshold = settings.get("candidate_threshold", NO_CANDIDATES)
        self.tables = {k: Table.from_dict(v) for k, v in settings["tables"].items()}


def _refuse_another_release(caught: list[warnings.WarningMessage], where: str) -> None:
    """Models pickled by another minor release of scikit-learn than this one are refused: its own warning says they may
    break or give wrong results, and a wrong probability is a silently wrong draft. Another patch release is let be;
    any other warning goes on as it came."""
    for warning in caught:
        found, here = (getattr(warning.message, name, "") for name in ("original_sklearn_version", "current_sklearn_version"))
        if not found:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        elif _minor(found) != _minor(here):
            raise ModelError(f"{where}: the revision models were fitted with scikit-learn {found}, and this is {here}: "
                             f"install scikit-learn {'.'.join(_minor(found))}.x (pip install 'scikit-learn~={found}'), "
                             "or train the model again")


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def _fitted_by_meta(path: Path) -> bool:
    """Whether the meta.json beside the component's folder (a model `attrib train` wrote) says the revision was fitted."""
    try:
        meta = json.loads((path.parent / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    said = meta.get("attrib") if isinstance(meta, dict) else None
    revision = said.get("revision") if isinstance(said, dict) else None
    return isinstance(revision, dict) and revision.get("fitted") is True


@Language.factory(REVISER, default_config={"keep_threshold": 0.3, "move_margin": 0.0})
def make_reviser(nlp: Language, name: str, keep_threshold: float, move_margin: float) -> Reviser:
    """`keep_threshold` and `move_margin` are set by `attrib train` from held-out predictions and saved
    with the models (revision.json), which then override these."""
    return Reviser(name, keep_threshold, move_margin)


def _apart(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One role's fragments, sorted, none overlapping another: the start and end models move each boundary alone, and
    two fragments came to cover the same characters (a content's end moved past the start of its next fragment, a
    cue `has` grown over its `acknowledged`), drawn as two regions over them (V507). One inside another is dropped;
    of two that cross, the first ends where the second starts."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if out and end <= out[-1][1]:
            continue
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], start)
        out.append((start, end))
    return out
