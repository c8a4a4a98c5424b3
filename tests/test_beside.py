"""training/beside.py: a command run beside this process, its failure reported in one line, and no orphan
left running. The commands are small Python one-liners (what runs there is not the point here; that
`attrib train` trains its halves so is checked by the training tests)."""

from __future__ import annotations

import os
import subprocess
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
        with pytest.raises(ModelError, match=r"dying: no message \(killed by SIGKILL\)"):
            job.wait()


def test_check_is_quiet_while_the_command_runs_or_after_it_succeeded_and_raises_once_it_failed():
    with Beside("sleeping", [*PYTHON, "import time; time.sleep(120)"]) as running:
        running.check()
    with Beside("writing", [*PYTHON, "pass"]) as done:
        done._process.wait()
        done.check()
    with Beside("failing", [*PYTHON, "import sys; sys.exit('ValueError: bad half')"]) as failed:
        failed._process.wait()
        with pytest.raises(ModelError, match=r"failing: ValueError: bad half \(exit code 1\)"):
            failed.check()


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


# The middle process starts the command with Beside, prints the command's pid, and kills itself with SIGKILL:
# no `with` block runs, so only end_with_parent can end the command. FORCE_POLL takes the path other systems
# than Linux take (a thread watching the parent's pid) by making the command believe it is not on Linux.
MIDDLE = """
import os, signal, sys
from attrib.training.beside import Beside
command = [sys.executable, "-c", "import sys; sys.platform = {platform!r}; "
           "from attrib.training.beside import end_with_parent; end_with_parent(); import time; time.sleep(120)"]
job = Beside("sleeping", command).__enter__()
print(job._process.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _gone(pid: int, seconds: float) -> bool:
    psutil = pytest.importorskip("psutil")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("platform", ["linux", "darwin"], ids=["parent-death-signal", "polling-thread"])
def test_a_command_ends_when_its_starter_is_killed_outright(platform):
    middle = subprocess.run([*PYTHON, MIDDLE.format(platform=platform)], capture_output=True, text=True, timeout=60)
    assert middle.returncode == -9, middle.stderr
    pid = int(middle.stdout)
    assert _gone(pid, 10), f"the command {pid} still runs after its starter was killed"


def test_end_with_parent_does_nothing_outside_beside():
    script = "from attrib.training.beside import end_with_parent; end_with_parent(); print('still here')"
    done = subprocess.run([*PYTHON, script], capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "ATTRIB_BESIDE_PARENT"})
    assert done.returncode == 0 and done.stdout.strip() == "still here"


# The middle process fits on two worker processes (gradient_boosting.in_workers: joblib's loky), prints their pids while
# they still work and kills itself with SIGKILL, as an out-of-memory kill of `attrib train` would.
WORKERS = """
import os, signal, time
from joblib import delayed
from attrib.training.gradient_boosting import in_workers
pids = set()
for done, pid in enumerate(in_workers([delayed(os.getpid)() for _ in range(8)] + [delayed(time.sleep)(5)] * 4, 2)):
    pids.add(pid)
    if done == 7:
        print(" ".join(map(str, pids - {None})), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_revisions_worker_processes_end_when_train_is_killed_outright():
    """A SIGKILLed `attrib train` left its two loky workers running, 500 MB, reparented to init."""
    middle = subprocess.run([*PYTHON, WORKERS], capture_output=True, text=True, timeout=120)
    assert middle.returncode == -9, middle.stderr
    workers = [int(pid) for pid in middle.stdout.split()]
    assert workers and os.getpid() not in workers
    for pid in workers:
        assert _gone(pid, 15), f"worker {pid} still runs after attrib train was killed"
