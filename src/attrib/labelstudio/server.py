"""Starting and stopping a local Label Studio on 127.0.0.1, for `attrib studio` and the tests.

Migrating a fresh database takes most of a cold start, so it is done once into a template under the user's
cache dir (keyed by the Label Studio version) and copied into each new data dir, without the
template's secret key: Label Studio makes a fresh one per data dir. The admin is created on the
first start of a data dir, with legacy API tokens enabled (the flag only counts then).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..errors import LabelStudioError, TokenRefusedError
from .client import Client

DATABASE = "label_studio.sqlite3"
# Read by Label Studio as fallbacks for its own settings: never let the caller's environment leak in.
FALLBACK_ENV = ("HOST", "PORT", "USERNAME", "PASSWORD", "USER_TOKEN", "DEBUG")
QUIET_ENV = {"SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "", "LATEST_VERSION_CHECK": "false", "COLLECT_ANALYTICS": "false"}
# Label Studio refuses ML backends and webhooks on reserved addresses (its SSRF guard, core/utils/io.py). A local
# server is one user's, on 127.0.0.1 next to `attrib backend`: loopback is allowed, every other range stays banned.
BANNED_BUT_LOOPBACK = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
    "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",
    "233.252.0.0/24", "240.0.0.0/4", "255.255.255.255/32", "::/128", "::ffff:0:0/96", "::ffff:0:0:0/96",
    "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:0000::/32", "2001:20::/28", "2001:db8::/32", "2002::/16",
    "fc00::/7", "fe80::/10", "ff00::/8",
)
LOOPBACK_ENV = {"USE_DEFAULT_BANNED_SUBNETS": "false", "USER_ADDITIONAL_BANNED_SUBNETS": ",".join(BANNED_BUT_LOOPBACK)}


@dataclass(frozen=True)
class Login:
    """The admin of a local server: email and password for the browser, token for the API."""

    email: str
    password: str
    token: str


def executable() -> str:
    """The `label-studio` script of this Python environment (the `studio` extra)."""
    beside = Path(sys.executable).parent / "label-studio"
    found = str(beside) if beside.exists() else shutil.which("label-studio")
    if not found:
        raise LabelStudioError("label-studio is not installed: pip install 'attrib[studio]'")
    return found


def server_env(data_dir: Path, url: str | None = None, login: Login | None = None) -> dict[str, str]:
    """The environment a server (or a `label-studio` maintenance command) runs with."""
    env = {k: v for k, v in os.environ.items() if k not in FALLBACK_ENV}
    env.update(QUIET_ENV, **LOOPBACK_ENV, LABEL_STUDIO_BASE_DATA_DIR=str(data_dir))
    if url:
        env["LABEL_STUDIO_HOST"] = url
    if login:
        env.update(LABEL_STUDIO_USERNAME=login.email, LABEL_STUDIO_PASSWORD=login.password,
                   LABEL_STUDIO_USER_TOKEN=login.token, LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
                   LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true")
    return env


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(os.environ.get("ATTRIB_CACHE_DIR") or Path(base) / "attrib")


def template() -> Path:
    """A migrated, user-less Label Studio data dir, made once per Label Studio version."""
    target = cache_dir() / f"label-studio-{metadata.version('label-studio')}"
    if (target / DATABASE).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".migrating-", dir=target.parent))
    try:
        # Every `label-studio` command migrates first; `version` then only prints.
        done = subprocess.run([executable(), "version"], env=server_env(work), capture_output=True, text=True)
        if done.returncode != 0 or not (work / DATABASE).exists():
            raise LabelStudioError(f"migrating a Label Studio database in {work} failed: {done.stderr.strip()[-300:]}")
        (work / ".env").unlink(missing_ok=True)  # the secret key: each data dir gets its own
        with contextlib.suppress(OSError):  # another process finished first: theirs is as good
            os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def prepare(data_dir: Path) -> bool:
    """Give `data_dir` a migrated database unless it has one; True when it was new."""
    if (data_dir / DATABASE).exists():
        return False
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template(), data_dir, dirs_exist_ok=True)
    return True


def port_free(port: int) -> bool:
    """Whether a server can listen on 127.0.0.1:port now (TIME_WAIT counts as free, as servers bind)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(data_dir: Path, port: int, login: Login, log: Path) -> subprocess.Popen:
    """Start `label-studio` on 127.0.0.1:port in its own session, output to `log`; not yet ready."""
    url = f"http://127.0.0.1:{port}"
    command = [executable(), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
               "--log-level", "WARNING"]
    with open(log, "ab") as out:
        return subprocess.Popen(command, env=server_env(data_dir, url, login), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def runs(pid: int, command: bytes) -> bool:
    """True if `pid` runs a command line holding `command` (arguments joined by NUL), not a process that
    reused the pid of one that died."""
    try:
        return command in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: trust the pid
        return alive(pid)


def is_label_studio(pid: int) -> bool:
    return runs(pid, b"label-studio")


def wait_ready(url: str, token: str, pid: int, log: Path, timeout: float = 180) -> None:
    """Wait until the API answers with `token`; fail early if the process died."""
    client = Client(url, token, timeout=5)
    deadline = time.monotonic() + timeout
    while True:
        if not alive(pid) or _reaped(pid):
            raise LabelStudioError(f"label-studio (pid {pid}) stopped before it was ready: see {log}")
        try:
            client.whoami()
            return
        except TokenRefusedError:  # it is up: waiting would not make the token right
            raise TokenRefusedError(f"label-studio (pid {pid}) answers at {url} but refuses the token it was started "
                                    f"with; it was left running: see {log}") from None
        except LabelStudioError:
            if time.monotonic() > deadline:
                raise LabelStudioError(f"label-studio (pid {pid}) not ready at {url} after {timeout:.0f} s: see {log}") from None
            time.sleep(0.5)


def _reaped(pid: int) -> bool:
    """True if `pid` is our child and has exited (a zombie still answers kill(pid, 0))."""
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == pid
    return False


def stop(pid: int, timeout: float = 20) -> None:
    """Stop the server started as `pid` (and its session): TERM, then KILL after `timeout`."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid) and not _reaped(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            break
        time.sleep(0.2)
