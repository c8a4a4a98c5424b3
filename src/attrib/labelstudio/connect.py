"""Which server a command talks to: the local one `attrib studio` started (`--studio DIR`), or
`--url` with the token from LABEL_STUDIO_API_KEY (never from a flag that would show in `ps`)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import LabelStudioError
from .client import Client
from .studio import running


def connect(url: str | None, studio_dir: Path | None) -> Client:
    """A client for `--studio DIR` (URL and token from there) or `--url` with LABEL_STUDIO_API_KEY."""
    if studio_dir is not None and url is None:
        return running(studio_dir).client()
    if url is None:
        raise LabelStudioError("no Label Studio URL: pass --url or set LABEL_STUDIO_URL "
                               "(or --studio DIR for a server `attrib studio` started)")
    return Client(url, os.environ.get("LABEL_STUDIO_API_KEY", ""))
