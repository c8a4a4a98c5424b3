"""locks.py: where a lock lives. Under the account's home, whatever TMPDIR or HOME say (two jobs with a TMPDIR each,
or a command run with another HOME, shared no lock); in the temporary directory where there is no home to use."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from types import SimpleNamespace

import pytest

from attrib import locks

WHERE = "from attrib.locks import beside_lock; print(beside_lock('push', 'key', '.lock').parent)"


def test_a_lock_lives_under_the_accounts_home_whatever_tmpdir_and_home_say(tmp_path):
    home = pwd.getpwuid(os.getuid()).pw_dir
    if not os.path.isdir(home) or not os.access(home, os.W_OK):
        pytest.skip("this account has no home to write in")
    folders = set()
    for env in ({"TMPDIR": str(tmp_path)}, {"HOME": str(tmp_path)}, {"HOME": "/nonexistent"}, {}):
        environment = {k: v for k, v in os.environ.items() if k not in ("HOME", "TMPDIR")}
        done = subprocess.run([sys.executable, "-c", WHERE], env={**environment, **env}, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        folders.add(done.stdout.strip())
    assert folders == {os.path.join(home, ".cache", "attrib", "push-locks")}


@pytest.mark.parametrize("home", ["no account", "relative/home", "/nonexistent-attrib-home/sub", "unwritable"])
def test_without_a_home_to_use_a_lock_lives_in_the_temporary_directory(tmp_path, monkeypatch, home):
    """A uid with no account, or an account whose home is relative, missing (it was made, as root) or holds a
    ~/.cache/attrib another user made (sudo). The account is a stand-in (pwd's answer is the point, not the system's)."""
    if home == "unwritable":
        home = str(tmp_path / "home")
        os.makedirs(os.path.join(home, ".cache", "attrib", "push-locks"))
        os.chmod(os.path.join(home, ".cache", "attrib", "push-locks"), 0o500)
        if os.access(os.path.join(home, ".cache", "attrib", "push-locks"), os.W_OK):
            pytest.skip("root writes in a folder of mode 0500 all the same")

    def account(uid: int) -> SimpleNamespace:
        if home == "no account":
            raise KeyError(f"getpwuid(): uid not found: {uid}")
        return SimpleNamespace(pw_dir=home)

    monkeypatch.setattr(locks.pwd, "getpwuid", account)
    monkeypatch.setattr(locks.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert locks.beside_lock("push", "key", ".lock").parent == tmp_path / f"attrib-push-locks-{os.getuid()}"
    assert not os.path.exists("/nonexistent-attrib-home") and not (tmp_path / "relative").exists()
