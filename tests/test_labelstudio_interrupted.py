"""`push --update` killed at random points against a real Label Studio (tests/lsserver.py): six rounds of
tests/interrupted.py, which asserts what must hold after each kill and at the end."""

from __future__ import annotations

import pytest

from interrupted import kill_rounds

pytestmark = pytest.mark.labelstudio


def test_an_update_killed_anywhere_is_finished_by_running_it_again(label_studio):
    kill_rounds(label_studio.url, label_studio.token, "kill test", rounds=6, documents=8)
