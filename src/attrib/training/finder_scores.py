"""The learned span finders' start and end score of every token, kept on the Doc for `attrib_revise`.

A finder trained on annotated documents scores each token as the start and as the end of a SOURCE, CUE
or CONTENT: context the parse's features lack. The revision's boundary and keep models read those scores
(boundaries.py, keep.py); on documents a finder was trained on they are overconfident, so `attrib train`
fits the revision on scores from finders trained on other documents (cross_fit.py).
"""

from __future__ import annotations

from typing import Iterable

import numpy
from spacy.tokens import Doc

from ..records import ROLES

SCORES_KEY = "attrib_finder_scores"  # doc.user_data: {role: float32 array, one (start, end) row per token}
SPANS_KEY_PREFIX = "attrib_cand_"  # config.cfg's finders write their candidates to attrib_cand_<role>
ENCODER_PREFIX = "encoder_"  # attrib_encoder's scores (encoder.py) are kept under ENCODER_PREFIX + role
# the sets of scores the revision may read: the name of their columns, and the prefix of their keys here
SETS = {"finder": "", "encoder": ENCODER_PREFIX}


def store(doc: Doc, spans_key: str, scores: numpy.ndarray) -> None:
    """Keep one finder's scores on `doc`, under the role its spans key names."""
    if spans_key.startswith(SPANS_KEY_PREFIX):
        put(doc, spans_key[len(SPANS_KEY_PREFIX):], scores)


def put(doc: Doc, key: str, scores: numpy.ndarray) -> None:
    """Keep one table of (start, end) scores per token on `doc`, under `key` (a role; the encoder's: ENCODER_PREFIX +
    role)."""
    doc.user_data.setdefault(SCORES_KEY, {})[key] = numpy.asarray(scores, numpy.float32)


def take(doc: Doc) -> dict[str, numpy.ndarray]:
    """The scores on `doc`, removed from it (they are the revision's input, not the pipeline's output)."""
    return doc.user_data.pop(SCORES_KEY, None) or {}


def encoder_keyed(tables: dict[str, numpy.ndarray]) -> dict[str, numpy.ndarray]:
    """attrib_encoder's tables per role, under the keys they are kept under beside the finders'."""
    return {ENCODER_PREFIX + role: table for role, table in tables.items()}


def sets_in(per_document: Iterable[dict[str, numpy.ndarray]]) -> tuple[str, ...]:
    """The names (SETS) of the sets of scores the documents' scores hold, in SETS' order."""
    keys = {key for scores in per_document for key in scores}
    return tuple(name for name, prefix in SETS.items() if any(key.startswith(prefix) and key[len(prefix):] in ROLES
                                                         for key in keys))
