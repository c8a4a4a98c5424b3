"""`attrib studio`: a local Label Studio for people who have none, kept in a folder of their choosing.

The folder holds Label Studio's data, its log, and `attrib-studio.json` (mode 0600): the server's
URL and pid and the admin's login and API token, so that later pushes can use it (`--studio DIR`)
without the token ever being printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import LabelStudioError, TokenRefusedError
from ..locks import one_at_a_time
from . import server
from .client import Client

STATE = "attrib-studio.json"
LOG = "label-studio.log"
ADMIN = "admin@localhost"


@dataclass
class Studio:
    """A local server: where it is, its process, and its admin."""

    data_dir: str
    url: str
    port: int
    pid: int | None
    email: str
    password: str
    token: str

    @property
    def login(self) -> server.Login:
        return server.Login(self.email, self.password, self.token)

    def client(self) -> Client:
        return Client(self.url, self.token)

    def running(self) -> bool:
        """True when the server answers to the token; False when its process is gone or it does not answer.

        TokenRefusedError when it answers and refuses the token (reset in Label Studio's Account & Settings):
        a server that refuses a token is running, and is never stopped or started again for it.
        """
        if self.pid is None or not server.is_label_studio(self.pid):
            return False
        try:
            Client(self.url, self.token, timeout=5).whoami()
        except TokenRefusedError:
            raise TokenRefusedError(
                f"the local Label Studio of {self.data_dir} runs (pid {self.pid}, {self.url}) but refused the token "
                f"kept in {Path(self.data_dir) / STATE} (was it reset in Account & Settings?): with its new token in "
                f"LABEL_STUDIO_API_KEY, use --url {self.url}; the server was left running") from None
        except LabelStudioError:
            return False
        return True


STATE_LIMIT = 1 << 20  # bytes: a state file holds a few lines; anything larger is something else under its name


def load(data_dir: Path) -> Studio | None:
    """The studio `attrib studio` started in `data_dir`, if any. A state file that is no regular file (a pipe would be
    waited on, a device read without end) or is too large is refused, not read."""
    path = data_dir / STATE
    try:
        found = os.stat(path)
        if not stat.S_ISREG(found.st_mode) or found.st_size > STATE_LIMIT:
            raise LabelStudioError(f"{path}: not a studio state file (not a regular file of a few lines): remove it "
                                   "and start the studio again")
        return Studio(**json.loads(path.read_text(encoding="utf-8")))
    except (FileNotFoundError, NotADirectoryError):  # a file given as the folder: no studio there
        return None
    except (ValueError, TypeError) as exc:
        raise LabelStudioError(f"{path}: not a studio state file ({exc}): remove it with the folder and start again") from None
    except OSError as exc:  # a link that loops, no permission
        raise LabelStudioError(f"{path}: cannot be read ({exc.strerror})") from None


def _save(studio: Studio) -> None:
    """Write the state file atomically and 0600 from the start (atomic_write would widen it to the umask)."""
    path = Path(studio.data_dir) / STATE
    fd, tmp = tempfile.mkstemp(prefix=f".{STATE}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(studio), out, indent=1)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def up(data_dir: Path, port: int | None = None) -> tuple[Studio, bool, bool]:
    """Start (or find running) the local server of `data_dir`: (studio, admin just created, just started). Two at
    once take turns: the second finds the first's server (two started on a new folder made two admins in one
    database, and one failed on it)."""
    data_dir = Path(os.path.realpath(data_dir))
    with one_at_a_time("studio", str(data_dir)):
        return _up(data_dir, port)


def _up(data_dir: Path, port: int | None) -> tuple[Studio, bool, bool]:
    studio = load(data_dir)
    if studio is not None and studio.running() and port in (None, studio.port):
        return studio, False, False
    if studio is None and (data_dir / server.DATABASE).exists():
        raise LabelStudioError(f"{data_dir} holds a Label Studio database that `attrib studio` did not make "
                               f"(no {STATE}): choose an empty folder")
    busy = LabelStudioError(f"port {port} on 127.0.0.1 is in use: choose another with --port")
    if port is not None and (studio is None or port != studio.port) and not server.port_free(port):
        raise busy  # before the running server is stopped for the move: it was stopped, and nothing started
    if studio is not None and studio.pid is not None and server.is_label_studio(studio.pid):
        server.stop(studio.pid)  # running but not answering, or asked for another port
    if port is not None and not server.port_free(port):
        raise busy
    if port is None:
        port = studio.port if studio is not None and server.port_free(studio.port) else server.free_port()
    created = studio is None
    if created:
        studio = Studio(str(data_dir), "", port, None, ADMIN, secrets.token_urlsafe(12), secrets.token_hex(20))
    studio.url, studio.port, studio.pid = f"http://127.0.0.1:{port}", port, None
    if server.prepare(data_dir):
        os.chmod(data_dir, 0o700)  # the database holds the admin's token
    _save(studio)  # the login exists before the server does: a crash here leaves nothing unknown
    process = server.start(data_dir, port, studio.login, data_dir / LOG)
    studio.pid = process.pid
    _save(studio)
    server.wait_ready(studio.url, studio.token, process.pid, data_dir / LOG)
    return studio, created, True


def down(data_dir: Path) -> int | None:
    """Stop the local server of `data_dir` if it runs: the pid it had, else None (after a start under way)."""
    data_dir = Path(os.path.realpath(data_dir))
    with one_at_a_time("studio", str(data_dir)):
        return _down(data_dir)


def _down(data_dir: Path) -> int | None:
    studio = load(data_dir)
    if studio is None or studio.pid is None or not server.is_label_studio(studio.pid):
        return None
    pid, studio.pid = studio.pid, None
    server.stop(pid)
    _save(studio)
    return pid


def running(data_dir: Path) -> Studio:
    """The running studio of `data_dir`, for a push or pull, or an error saying how to start it."""
    if data_dir.exists() and not data_dir.is_dir():
        raise LabelStudioError(f"{data_dir}: a file, where --studio names the folder `attrib studio --data-dir` made")
    studio = load(Path(os.path.realpath(data_dir)))
    if studio is None:
        raise LabelStudioError(f"{data_dir} has no local Label Studio: start one with `attrib studio --data-dir {data_dir}`")
    if not studio.running():
        raise LabelStudioError(f"the local Label Studio of {data_dir} is not running: `attrib studio --data-dir {data_dir}` starts it")
    return studio
