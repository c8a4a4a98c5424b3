"""training/beside.py: a job in a spawned process, its value or its error back, and no orphan left running.

The jobs are standard-library functions (what runs in the second process is not the point here; that
`attrib train` trains its halves there is checked by the training tests)."""

from __future__ import annotations

import math
import os
import time

import pytest

from attrib.errors import ModelError
from attrib.training.beside import Beside


def test_the_value_comes_back_from_the_second_process():
    with Beside("factorial", math.factorial, 20) as job:
        assert job.result() == 2432902008176640000


def test_the_second_process_error_is_raised_here():
    with Beside("int", int, "not a number") as job, pytest.raises(ValueError, match="not a number"):
        job.result()


def test_a_second_process_that_dies_gives_a_clear_error_not_a_hang():
    with Beside("exiting", os._exit, 3) as job, pytest.raises(ModelError, match=r"exiting: .*exit code 3"):
        job.result()


def test_leaving_early_stops_the_second_process():
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        with Beside("sleeping", time.sleep, 120) as job:
            raise KeyboardInterrupt  # this process fails while the job still runs
    assert not job._process.is_alive() and job._process.exitcode is not None
    assert time.perf_counter() - started < 30
