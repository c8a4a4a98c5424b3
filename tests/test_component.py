"""The attribution component as a part of a spaCy pipeline: its rules' confidences, serialisation,
span groups and metadata."""

from __future__ import annotations

import pytest

from attrib.pipeline.confidence import MEASURED, confidence
from attrib.pipeline.rules import names


def test_every_rule_name_has_a_measured_confidence_and_every_confidence_a_rule():
    rules = {value for key, value in vars(names).items() if key.isupper()}
    assert len(rules) == len([key for key in vars(names) if key.isupper()])  # no name spelled twice
    assert set(MEASURED) == rules


def test_a_rule_without_a_measured_confidence_is_an_error():
    with pytest.raises(KeyError):
        confidence("no-such-rule", 0.9)
