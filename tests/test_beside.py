"""training/beside.py: a command run beside this process, its failure reported in one line, and no orphan
left running. The commands are small Python one-liners (what runs there is not the point here; that
`attrib train` trains its halves so is checked by the training tests)."""

from __future__ import annotations

import sys
import time

import pytest

from attrib.errors import ModelError
from attrib.training.beside import Beside

PYTHON = [sys.executable, "-c"]


def test_a_command_that_succeeds_waits_quietly(tmp_path):
    target = tmp_path / "done"
    with Beside("writing", [*PYTHON, f"open({str(target)!r}, 'w').write('yes')"]) as job:
        job.wait()
    assert target.read_text() == "yes"


def test_a_failing_command_gives_its_last_line_and_exit_code():
    noisy = "import sys; print('warning: ignore me', file=sys.stderr); print('ValueError: bad half', file=sys.stderr); sys.exit(1)"
    with Beside("training the halves", [*PYTHON, noisy]) as job, pytest.raises(ModelError) as caught:
        job.wait()
    assert str(caught.value).endswith("training the halves: ValueError: bad half (exit code 1)")  # the line, not the warning


def test_a_command_killed_from_outside_is_reported_not_waited_for_forever():
    with Beside("dying", [*PYTHON, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]) as job:
        with pytest.raises(ModelError, match=r"dying: no message \(exit code -9\)"):
            job.wait()


def test_leaving_early_stops_the_command():
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        with Beside("sleeping", [*PYTHON, "import time; time.sleep(120)"]) as job:
            raise KeyboardInterrupt  # this process fails while the command still runs
    assert job._process.poll() is not None
    assert time.perf_counter() - started < 30


def test_the_halves_process_reports_a_bad_job_in_one_line(tmp_path):
    command = [sys.executable, "-m", "attrib.training.halves", str(tmp_path / "missing.json")]
    with Beside("training the halves", command) as job, pytest.raises(ModelError, match=r"training the halves: FileNotFoundError: .*missing\.json.*\(exit code 1\)"):
        job.wait()
