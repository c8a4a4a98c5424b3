"""A token the server no longer accepts, told from a server that is not running (tests/lsserver.py's server).

A folder's attrib-studio.json pointing at the running test server with a token it refuses is what a
token reset in Label Studio's Account & Settings leaves behind.
"""

from __future__ import annotations

import dataclasses
import time

import pytest

from attrib.labelstudio import server, studio
from runs import attrib

pytestmark = pytest.mark.labelstudio


def test_a_refused_token_is_not_a_dead_server_and_stops_nothing(label_studio, tmp_path):
    revoked_dir = tmp_path / "revoked"
    revoked_dir.mkdir()
    own = studio.load(label_studio.data_dir)
    studio._save(dataclasses.replace(own, data_dir=str(revoked_dir), token="0" * 40))
    pulled = attrib("labelstudio", "pull", "--project", "x", "-o", tmp_path / "out.json", "--studio", revoked_dir)
    assert pulled.code == 3 and pulled.err.count("\n") == 1
    assert f"runs (pid {label_studio.pid}, {label_studio.url}) but refused the token kept in {revoked_dir}" in pulled.err
    assert "not running" not in pulled.err and "0" * 40 not in pulled.err
    started = time.perf_counter()
    again = attrib("studio", "--data-dir", revoked_dir)  # was: stopped the server, started another, failed after 3 min
    assert again.code == 3 and "refused the token" in again.err and time.perf_counter() - started < 30
    assert server.is_label_studio(label_studio.pid) and label_studio.client().whoami()  # still the same server


def test_a_dead_server_is_still_told_as_such(label_studio, tmp_path):
    dead_dir = tmp_path / "dead"
    dead_dir.mkdir()
    own = studio.load(label_studio.data_dir)
    port = server.free_port()
    studio._save(dataclasses.replace(own, data_dir=str(dead_dir), pid=None, port=port, url=f"http://127.0.0.1:{port}"))
    pulled = attrib("labelstudio", "pull", "--project", "x", "-o", tmp_path / "out.json", "--studio", dead_dir)
    assert pulled.code == 3 and f"the local Label Studio of {dead_dir} is not running" in pulled.err
