"""A real `attrib backend` process on 127.0.0.1 for the tests (a pytest plugin, see conftest.py).

Started the way `attrib studio --backend` starts it (backend.serve.start): a free port, a temporary data
folder; stopped by its pid. `attrib_backend` serves the rules for the whole session and never trains;
`running_backend(...)` starts one with other options (a tiny training round after every few annotations).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from attrib.backend import serve
from attrib.labelstudio import server

@dataclass(frozen=True)
class Backend:
    url: str
    data_dir: Path
    pid: int
    version: str  # the model_version it started with

    login: tuple[str, str] | None = None

    def health(self) -> dict:
        answer = httpx.get(f"{self.url}/health", timeout=5, auth=self.login)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, path: str, **kwargs) -> httpx.Response:
        return httpx.post(f"{self.url}/{path}", timeout=120, auth=self.login, **kwargs)

    def log(self) -> str:
        return (self.data_dir / serve.LOG).read_text(encoding="utf-8")


@contextlib.contextmanager
def running_backend(data_dir: Path, *options: str, model: str = "rules", env: dict | None = None,
                    login: tuple[str, str] | None = None) -> Iterator[Backend]:
    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    process = serve.start(data_dir, model, port, env=env, options=options)
    try:
        health = serve.wait_ready(url, process, data_dir, basic_auth=login)
        yield Backend(url, data_dir, process.pid, health["model_version"], login)
    finally:
        server.stop(process.pid)


@pytest.fixture(scope="session")
def attrib_backend(tmp_path_factory) -> Backend:
    with running_backend(tmp_path_factory.mktemp("backend")) as backend:
        yield backend
