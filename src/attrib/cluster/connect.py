"""Reaching a Dask cluster: a scheduler's address, a scheduler file, or `local:N` worker processes here.

Whatever the address, the client checks before any work that the cluster has workers and that they
run this attrib version: a record names the attrib that made it, so mixed versions would mix records.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import socket
import warnings
from typing import Iterator
from urllib.parse import urlsplit

from .. import __version__
from ..errors import ClusterError

LOCAL = re.compile(r"local(?::(\d+))?")
# For the scheduler and workers `local:N` starts (the nannies hand it to the workers, restarted ones too). Dask's
# statistical profiler keeps an hour of per-second stack samples in every worker: memory that grows with the run's
# length (the dashboard's Profile page is all it serves). Its event-loop, system and memory monitors poll every
# 20, 500 and 100 ms, 7% of a core for an idle local:2 (2.2 CPU-s in 30 s; 0.5 at these intervals) that a batch
# run takes from annotation; the memory monitor watches the worker process, where the pipeline is not (child.py).
LOCAL_WORKER_CONFIG = {"distributed.worker.profile.enabled": False,
                       "distributed.admin.tick.interval": "500ms",
                       "distributed.admin.system-monitor.interval": "2s",
                       "distributed.worker.memory.monitor-interval": "1s"}
HINT = ("start one with `dask scheduler` and workers with `dask worker ADDRESS` (attrib[cluster] installed), "
        "or use --cluster local:N")


def attrib_version() -> str:
    """Run on each worker: the attrib version it imports."""
    return __version__


@contextlib.contextmanager
def connect(address: str, quiet: bool = True) -> Iterator:
    """A `distributed.Client` for `address`: `local:N` (a LocalCluster of N one-thread worker processes;
    `local` alone: one per core), `tcp://host:8786` (any Dask address), or a scheduler file `*.json`.

    The connect timeout is Dask's (`distributed.comm.timeouts.connect`, e.g. DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s).
    """
    import dask
    from dask.utils import parse_timedelta
    from distributed import Client, LocalCluster

    if quiet:  # worker restarts and port fallbacks are the cluster's business, not lines on the user's terminal
        logging.getLogger("distributed").setLevel(logging.ERROR)
        # a run stopped while it gathers leaves the client's waiting tasks failed with AllExit: asyncio logged each
        # ("Task exception was never retrieved", a traceback apiece, hundreds of them) after attrib's one line
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
    local = LOCAL.fullmatch(address)
    cluster = None
    try:
        if local:
            workers = int(local.group(1) or os.cpu_count() or 1)
            if workers < 1:
                raise ClusterError(f"--cluster {address}: a local cluster needs at least one worker")
            with dask.config.set(LOCAL_WORKER_CONFIG), _without_ctrl_c(), warnings.catch_warnings():
                # a dashboard port in use (another cluster's 8787) was a four-line warning; the run names its port
                warnings.filterwarnings("ignore", message=r"\s*Port \d+ is already in use", category=UserWarning)
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       silence_logs=logging.CRITICAL if quiet else logging.WARNING)
            client = Client(cluster, timeout=timeout)
        elif address.endswith(".json"):
            scheduler = _scheduler_address(address)
            _probe(scheduler, timeout)
            client = Client(scheduler, timeout=timeout)
        else:
            _probe(address, timeout)
            client = Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:  # TypeError: tls:// without a TLS configuration
        if cluster is not None:
            cluster.close()
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({reason}): {HINT}") from None
    try:
        _check_workers(client, address, timeout)
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextlib.contextmanager
def _without_ctrl_c() -> Iterator[None]:
    """Start the local cluster's processes with Ctrl-C ignored (an ignored signal stays ignored in a child). A
    terminal's Ctrl-C goes to every process of the group: each worker printed its own KeyboardInterrupt traceback
    while attrib, which gets it too, stops them anyway. Outside the main thread nothing changes."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _scheduler_address(path: str) -> str:
    """The address a scheduler file (`dask scheduler --scheduler-file F`) holds; ClusterError when it is missing or holds
    none (Dask's own reader waited forever for a missing file, and failed with an AssertionError on a bad one)."""
    try:
        with open(path, encoding="utf-8") as handle:
            found = json.load(handle)
    except FileNotFoundError:
        raise ClusterError(f"--cluster {path}: no such scheduler file (`dask scheduler --scheduler-file {path}` "
                           "writes it): is the scheduler started?") from None
    except (OSError, ValueError) as exc:
        raise ClusterError(f"--cluster {path}: not a scheduler file ({exc})") from None
    if not isinstance(found, dict) or not isinstance(found.get("address"), str):
        raise ClusterError(f"--cluster {path}: not a scheduler file (no \"address\" in it)")
    return found["address"]


def _probe(address: str, timeout: float) -> None:
    """Fail at once (OSError) when nothing listens at a tcp:// address, instead of retrying until the timeout."""
    parsed = urlsplit(address if "://" in address else f"tcp://{address}")
    if parsed.scheme == "tcp" and parsed.hostname:
        with socket.create_connection((parsed.hostname, parsed.port or 8786), timeout=timeout):
            pass


def _check_workers(client, address: str, timeout: float) -> None:
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise ClusterError(f"the Dask scheduler at {address} has no workers after {timeout:g} s: {HINT}") from None
    try:
        versions = client.run(attrib_version)
    except Exception as exc:  # a worker that cannot import attrib fails to unpickle the function
        raise ClusterError(f"the workers of {address} cannot run attrib ({type(exc).__name__}: {exc}): "
                           "install attrib[cluster] on every worker") from None
    other = {worker: version for worker, version in versions.items() if version != __version__}
    if other:
        worker, version = next(iter(other.items()))
        raise ClusterError(f"{len(other)} workers of {address} run attrib {version} (e.g. {worker}), "
                           f"this client attrib {__version__}: install the same version everywhere")
