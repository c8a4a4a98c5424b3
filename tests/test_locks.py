"""locks.py: where a lock lives. Under the user's home, whatever TMPDIR says (two jobs with a TMPDIR each shared
no lock); in the temporary directory where there is no home to use."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

WHERE = "from attrib.locks import beside_lock; print(beside_lock('push', 'key', '.lock').parent)"


def lock_folder(tmp_path, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("HOME", "TMPDIR")}
    done = subprocess.run([sys.executable, "-c", WHERE], env={**environment, "TMPDIR": str(tmp_path / "tmp"), **env},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_lock_lives_under_the_home_whatever_tmpdir_says(tmp_path):
    (tmp_path / "home").mkdir(), (tmp_path / "tmp").mkdir()
    assert lock_folder(tmp_path, HOME=str(tmp_path / "home")) == str(tmp_path / "home" / ".cache" / "attrib" / "push-locks")


@pytest.mark.parametrize("home", ["relative/home", "/nonexistent-attrib-home/sub", "unwritable"])
def test_without_a_home_to_use_a_lock_lives_in_the_temporary_directory(tmp_path, home):
    """A relative HOME made the lock depend on the folder a command ran in; a HOME that does not exist was made (as
    root); a ~/.cache/attrib another user made (sudo) could not be written in."""
    (tmp_path / "tmp").mkdir()
    if home == "unwritable":
        home = tmp_path / "home"
        (home / ".cache" / "attrib" / "push-locks").mkdir(parents=True)
        (home / ".cache" / "attrib" / "push-locks").chmod(0o500)
        if os.access(home / ".cache" / "attrib" / "push-locks", os.W_OK):
            pytest.skip("root writes in a folder of mode 0500 all the same")
    assert lock_folder(tmp_path, HOME=str(home)) == str(tmp_path / "tmp" / f"attrib-push-locks-{os.getuid()}")
    assert not os.path.exists("/nonexistent-attrib-home")
