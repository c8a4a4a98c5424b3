"""Progress of the long steps of `attrib train` as log lines with the time left, for a terminal or a log file."""

from __future__ import annotations

import time
from typing import Callable


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


class Progress:
    """Counts done out of `total`; logs `what: done/total, ETA` at most every `every` seconds, and at the end."""

    def __init__(self, log: Callable[[str], None], what: str, total: int, every: float = 10.0):
        self.log, self.what, self.total, self.every = log, what, total, every
        self.done = 0
        self.started = self.last = time.perf_counter()

    def step(self, count: int = 1) -> None:
        self.done += count
        now = time.perf_counter()
        if self.done == self.total:
            self.log(f"{self.what}: {self.done}/{self.total} in {_duration(now - self.started)}")
        elif self.done < self.total and now - self.last >= self.every:  # (spaCy calls before_update once more)
            self.last = now
            left = (now - self.started) / self.done * (self.total - self.done)
            self.log(f"{self.what}: {self.done}/{self.total}, about {_duration(left)} left")
