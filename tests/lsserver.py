"""A real Label Studio on 127.0.0.1 for the tests marked `labelstudio` (a pytest plugin, see conftest.py).

One server per test session, started the way users start one, `attrib studio --data-dir DIR`: a free
port, a temporary data dir copied from a migrated template (made once, kept under ATTRIB_CACHE_DIR or
~/.cache/attrib), an admin created on first start. Stopped by its pid at the end of the session.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from attrib.backend import serve
from attrib.labelstudio import server, studio
from attrib.labelstudio.client import Client
from runs import ATTRIB



def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any Label Studio settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "ATTRIB_STUDIO"))}
    env.update(extra)
    return env


@dataclass(frozen=True)
class LabelStudio:
    """The running test server: URL, admin login and token, data dir, pid, and what `attrib studio` printed."""

    url: str
    login: server.Login
    data_dir: Path
    pid: int
    first_output: str

    @property
    def token(self) -> str:
        return self.login.token

    def client(self) -> Client:
        return Client(self.url, self.token)

    def settings(self) -> dict[str, str]:
        """The variables that point `attrib` at this server."""
        return {"LABEL_STUDIO_URL": self.url, "LABEL_STUDIO_API_KEY": self.token, "ATTRIB_STUDIO": ""}

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for an `attrib` subprocess talking to this server."""
        return clean_env(**self.settings(), **extra)


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory) -> LabelStudio:
    try:
        server.executable()
    except Exception:
        pytest.skip("label-studio is not installed (pip install 'attrib[studio]')")
    data_dir = tmp_path_factory.mktemp("studio")
    # two started at once on the new folder, as a user may (they made two admins in one database, and one failed):
    # one starts the server, the other finds it running
    starts = [subprocess.Popen([ATTRIB, "studio", "--data-dir", str(data_dir)], env=clean_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    said = [start.communicate(timeout=600) for start in starts]  # (stdout, stderr) each
    state = studio.load(data_dir)
    try:
        assert [start.returncode for start in starts] == [0, 0], f"attrib studio failed: {[err for _, err in said]}"
        first, found = sorted((out for out, _ in said), key=lambda out: "Log in as" not in out)
        assert "Log in as" not in found and found.startswith(f"Label Studio running at {state.url} (pid {state.pid}")
        yield LabelStudio(state.url, state.login, data_dir, state.pid, first)
    finally:
        state = studio.load(data_dir)  # as it is now: a failed start may have saved it late
        if state is not None and state.pid is not None:
            studio.down(data_dir)
            server.stop(state.pid)  # no-op when down() stopped it
        serve.stop((data_dir / "backend").resolve())  # the backend the README walk's `make demo` started, if any
