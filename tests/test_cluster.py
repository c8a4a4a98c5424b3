"""`attrib annotate/validate --cluster` on a real Dask cluster of this machine: the records of a local run,
byte for byte; a worker killed mid-run; resume; a corrupted part; an unreachable scheduler.

A scheduler and two workers started with `dask scheduler` / `dask worker` serve the module (tests reach
it by its tcp:// address or its scheduler file, as a user reaches a remote cluster); the `local:2` test
starts its own LocalCluster, as the command does.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")  # the `cluster` extra (make test installs it)
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from distributed import Client  # noqa: E402

from attrib.annotate import load_pipeline  # noqa: E402
from attrib.cluster.child import child  # noqa: E402
from attrib.cluster.inputs import documents, plan, scan  # noqa: E402
from attrib.documents import iter_documents  # noqa: E402

from constructed import constructed_record  # noqa: E402
from damaged import damaged_parquet  # noqa: E402
from runs import attrib, attrib_process  # noqa: E402

PARTITION = "4kB"  # a few hundred short documents make a dozen partitions
# evaluated in a worker's child: how many times it loaded a pipeline (a function of this module would not unpickle there)
CHILD_LOADS = "__import__('attrib.annotate').annotate.load_pipeline.cache_info().misses"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    """A JSONL of 300 short documents (a few without id, one extra key, CRLF, emoji, a blank line, a line
    that is not JSON) and a folder of .txt files."""
    root = tmp_path_factory.mktemp("corpus")
    rng = random.Random(19)
    lines = []
    for number in range(300):
        text = constructed_record(f"d{number}", rng, sentences=2)["text"]
        doc = {"id": f"d{number}", "text": text}
        if number % 50 == 7:
            doc = {"text": text.replace(". ", ".\r\n") + " 🙂"}  # no id: named by its file and line
        if number == 11:
            doc["source"] = "wire"
        lines.append(json.dumps(doc, ensure_ascii=False))
    lines.insert(120, "")
    lines.insert(200, "{not json")
    jsonl = root / "news.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    folder = root / "texts"
    (folder / "sub").mkdir(parents=True)
    for number in range(12):
        name = folder / ("sub" if number % 3 else "") / f"t{number:02d}.txt"
        name.write_text(constructed_record(f"t{number}", rng, sentences=3)["text"], encoding="utf-8")
    return {"inputs": [str(jsonl), str(folder)], "jsonl": jsonl}


@pytest.fixture(scope="module")
def local_run(corpus, tmp_path_factory):
    """The same inputs annotated by one local process."""
    out = tmp_path_factory.mktemp("local") / "records.jsonl"
    ran = attrib("annotate", *corpus["inputs"], "-o", out)
    assert ran.code == 0, ran.err
    return out.read_bytes(), ran


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A scheduler and two one-thread workers started as a user starts them on other hosts (`dask scheduler`,
    `dask worker`), as processes of their own: a client in this process is then what it is on a laptop."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    dask = str(Path(sys.executable).parent / "dask")
    log = open(folder / "dask.log", "wb")
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address",
                                   ":0", "--scheduler-file", scheduler_file], stdout=log, stderr=log,
                                  start_new_session=True)]
    processes.append(subprocess.Popen([dask, "worker", "--scheduler-file", scheduler_file, "--nworkers", "2",
                                       "--nthreads", "1", "--no-dashboard"], stdout=log, stderr=log,
                                      start_new_session=True, cwd=folder))  # not the tests' directory
    try:
        with Client(scheduler_file=str(scheduler_file), timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
            address = client.scheduler.address
        yield {"address": address, "file": scheduler_file}
    finally:
        for process in processes:  # each with its worker processes: a session of its own
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()


def on_workers(address: str, function):
    """`function()` on every worker of the scheduler at `address`, from a client that is closed again."""
    with Client(address, timeout=30) as client:
        return client.run(function)


def skipped_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("attrib: skipped:")]


def merged(folder: Path, tmp_path: Path) -> bytes:
    ran = attrib("merge", folder, "-o", tmp_path / "merged.jsonl")
    assert ran.code == 0, ran.err
    return (tmp_path / "merged.jsonl").read_bytes()


def manifest(folder: Path) -> dict:
    return json.loads((folder / "_SUCCESS.json").read_text(encoding="utf-8"))


def test_partitions_read_the_documents_of_a_local_run(corpus, tmp_path):
    """Without Dask: at any partition size, the partitions' documents (ids from their first line on) and
    unreadable lines are exactly those a local run reads; a lone CR ends no line, as in a local run."""
    odd = tmp_path / "odd.jsonl"
    deep = b'{"text": "deep", "meta": {"a": ' + b"[" * 2_000 + b"]" * 2_000 + b"}}\n"  # past the limit and Python's recursion
    odd.write_bytes(b'{"text": "one"}\r{"text": "two"}\r\n\r\n{"id": 3, "text": "thr\xc3\xa9e"}\n' + deep + b'{"text": "four"}')
    array = tmp_path / "array.json"  # one partition, whatever the size: elements are found from the start
    array.write_text('[{"text": "one"}, 2, {"id": "b", "text": "two"}, {"text": "thr', encoding="utf-8")
    table = tmp_path / "table.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": f"r{n}" if n % 3 else None, "text": f"row {n}", "meta": "{}" if n % 4
                                          else "[1"} for n in range(30)]), table, row_group_size=7)
    for path, sizes in ((corpus["jsonl"], (97, 3000, 1 << 20)), (odd, (1, 7, 40, 1 << 20)), (array, (1, 1 << 20)),
                        (table, (1, 100, 1 << 20))):
        local_errors = []
        expected = list(iter_documents([str(path)], local_errors.append))
        for size in sizes:
            cluster_errors = []
            got, first = [], 1
            for partition in plan([str(path)], size, cluster_errors.append):
                got.extend(documents(partition, first, cluster_errors.append))
                first += scan(partition).lines
            assert got == expected, (path.name, size)
            assert [str(e) for e in cluster_errors] == [str(e) for e in local_errors], (path.name, size)


def test_a_line_that_is_not_utf8_is_skipped_alone(tmp_path):
    """A partition decodes line by line, as a local run does: the line is reported, the others read."""
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"id": "a", "text": "one"}\n{"id": "b", "text": "t\xffo"}\n{"id": "c", "text": "three"}\n')
    errors = []
    (partition,) = plan([str(path)], 1 << 20, errors.append)
    assert [d.id for d in documents(partition, 1, errors.append)] == ["a", "c"]
    assert [str(e) for e in errors] == [f"E100 {path}:2: not valid UTF-8 (byte 23 of the line)"]
    local = []
    assert [d.id for d in iter_documents([str(path)], local.append)] == ["a", "c"] and list(map(str, local)) == list(map(str, errors))


def test_local_2_gives_the_records_of_a_local_run(corpus, local_run, tmp_path):
    local_bytes, local_ran = local_run
    out = tmp_path / "parts"
    ran = attrib("annotate", *corpus["inputs"], "-o", out, "--cluster", "local:2", "--partition-size", PARTITION)
    assert ran.code == 0, ran.err
    assert "dashboard http" in ran.err
    parts = sorted(p.name for p in out.glob("*.jsonl"))
    assert len(parts) > 10 and parts[0].startswith("000-news-") and parts[-1].startswith("001-texts-")
    assert merged(out, tmp_path) == local_bytes
    assert b"".join((out / name).read_bytes() for name in parts) == local_bytes  # parts in name order: input order
    assert skipped_lines(ran.err) == skipped_lines(local_ran.err) and len(skipped_lines(ran.err)) == 1
    counts = manifest(out)["counts"]
    assert counts["documents"] == local_bytes.count(b"\n") == 312 and counts["skipped"] == 1


@pytest.fixture(scope="module")
def killed_run(corpus, scheduler, tmp_path_factory):
    """A run during which the test kills one worker process (SIGKILL, its pid asked of the cluster) once
    two parts are done; the nanny starts a new one."""
    out = tmp_path_factory.mktemp("killed") / "parts"
    address = scheduler["address"]
    before = on_workers(address, os.getpid)
    killed: dict = {}

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            done = list((out / "_parts").glob("*.json"))
            if len(done) >= 2:
                killed["parts_done"], killed["pid"] = len(done), next(iter(before.values()))
                os.kill(killed["pid"], signal.SIGKILL)
            time.sleep(0.005)

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    ran = attrib("annotate", *corpus["inputs"], "-o", out, "--cluster", address, "--partition-size", PARTITION)
    killed["done"] = True  # stops the killer if the run ended first
    killer.join()
    return {"out": out, "ran": ran, "killed": killed, "address": address,
            "loads": on_workers(address, lambda: (load_pipeline.cache_info().misses, child().call(eval, CHILD_LOADS))),
            "threads": on_workers(address, lambda: len(os.listdir(f"/proc/{child().pid}/task")))}


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(killed_run, local_run, tmp_path):
    out, ran = killed_run["out"], killed_run["ran"]
    assert ran.code == 0, ran.err
    parts = manifest(out)["counts"]["parts"]
    assert 2 <= killed_run["killed"].get("parts_done", parts) < parts  # the kill came while parts were left
    with pytest.raises(ProcessLookupError):
        os.kill(killed_run["killed"]["pid"], 0)  # that worker process is gone (its nanny starts another)
    assert merged(out, tmp_path) == local_run[0]
    assert set(killed_run["loads"].values()) == {(0, 1)}  # the pipeline: loaded once in each worker's child, not in the worker


def test_workers_annotate_in_a_child_of_one_thread(killed_run):
    """A worker has several threads, and in such a process spaCy's parser is 10-13% slower (attrib.threads)."""
    assert set(killed_run["threads"].values()) == {1}


def test_a_child_killed_mid_run_is_started_again_and_loses_nothing(corpus, scheduler, local_run, tmp_path):
    """The test kills one worker's annotating child (SIGKILL) once two parts are done: the worker starts another
    and redoes the call, and the run ends with every document once."""
    out = tmp_path / "parts"
    before = on_workers(scheduler["address"], lambda: child().pid)
    killed: dict = {}

    def kill_a_child() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            if len(list((out / "_parts").glob("*.json"))) >= 2:
                pid = next(iter(before.values()))
                os.kill(pid, signal.SIGKILL)  # the child of the run before this one: a run keeps the children
                killed["pid"] = pid
            time.sleep(0.005)

    killer = threading.Thread(target=kill_a_child)
    killer.start()
    ran = attrib("annotate", *corpus["inputs"], "-o", out, "--cluster", scheduler["address"], "--partition-size", PARTITION)
    killed["done"] = True
    killer.join()
    assert ran.code == 0, ran.err
    assert "pid" in killed  # the kill came before the run ended
    assert killed["pid"] not in on_workers(scheduler["address"], lambda: child().pid).values()
    assert merged(out, tmp_path) == local_run[0]


def test_a_second_run_resumes_and_writes_nothing(killed_run, corpus, scheduler):
    out = killed_run["out"]
    stamps = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("*.jsonl")}
    ran = attrib("annotate", *corpus["inputs"], "-o", out, "--cluster", scheduler["file"],  # a scheduler file, too
                 "--partition-size", PARTITION)
    assert ran.code == 0, ran.err
    counts = manifest(out)["counts"]
    assert counts["parts_written"] == 0 and counts["parts_resumed"] == counts["parts"] == len(stamps)
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("*.jsonl")} == stamps


def test_a_corrupted_part_is_found_by_the_manifest_and_redone(killed_run, corpus, local_run, tmp_path):
    out = tmp_path / "parts"
    shutil.copytree(killed_run["out"], out)
    victim = sorted(out.glob("000-news-*.jsonl"))[3]
    victim.write_bytes(victim.read_bytes().replace(b'"confidence":0.', b'"confidence":1.', 1))
    checked = attrib("validate", out, "--cluster", killed_run["address"])
    assert checked.code == 1
    assert "error V801" in checked.out and victim.name in checked.out
    refused = attrib("merge", out, "-o", tmp_path / "merged.jsonl")
    assert refused.code == 2 and victim.name in refused.err and "differ" in refused.err
    assert not (tmp_path / "merged.jsonl").exists()
    ran = attrib("annotate", *corpus["inputs"], "-o", out, "--cluster", killed_run["address"],
                 "--partition-size", PARTITION)
    assert ran.code == 0 and manifest(out)["counts"]["parts_written"] == 1
    assert attrib("validate", out).out.endswith("clean\n")
    assert merged(out, tmp_path) == local_run[0]


def test_parquet_in_parquet_out(killed_run, corpus, local_run, tmp_path, monkeypatch):
    """Paths relative to the client's directory, which is not the workers' (as on another host)."""
    local = {r["id"]: r for r in map(json.loads, local_run[0].decode("utf-8").splitlines())}
    rows = [{"id": r["id"], "text": r["text"]} for r in local.values() if not r["id"].startswith(("/", "t", "sub"))]
    source = tmp_path / "news.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=40)
    out = tmp_path / "parts"
    monkeypatch.chdir(tmp_path)
    ran = attrib("annotate", source.name, "-o", out.name, "--cluster", killed_run["address"], "--format", "parquet",
                 "--partition-size", "4kB")
    assert ran.code == 0, ran.err
    assert len(list(out.glob("*.parquet"))) > 1
    assert attrib("merge", out, "-o", tmp_path / "all.parquet").code == 0
    got = pq.read_table(tmp_path / "all.parquet").to_pylist()
    assert [r["id"] for r in got] == [r["id"] for r in rows]
    def set_keys(attributions: list[dict]) -> list[dict]:
        return [{key: value for key, value in a.items() if value is not None} for a in attributions]

    assert all(set_keys(r["attributions"]) == set_keys(local[r["id"]]["attributions"]) for r in got)


def test_a_json_array_and_parquet_give_the_records_of_a_local_run(scheduler, tmp_path):
    """A JSON array (one partition) and a Parquet file beside it, on the cluster: a local run's records, byte for byte."""
    rng = random.Random(7)
    docs = [constructed_record(f"j{n}", rng, sentences=2) for n in range(24)]
    array = tmp_path / "array.json"
    array.write_text(json.dumps([{"id": d["id"], "text": d["text"]} if n % 5 else {"text": d["text"]}
                                 for n, d in enumerate(docs[:12])] + [3]), encoding="utf-8")
    table = tmp_path / "table.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": d["id"], "text": d["text"]} for d in docs[12:]]), table, row_group_size=4)
    local = attrib("annotate", array, table, "-o", tmp_path / "local.jsonl")
    assert local.code == 0, local.err
    out = tmp_path / "parts"
    ran = attrib("annotate", array, table, "-o", out, "--cluster", scheduler["address"], "--partition-size", "1kB")
    assert ran.code == 0, ran.err
    assert [p.name.split("-")[:2] for p in sorted(out.glob("*.jsonl"))].count(["000", "array"]) == 1
    assert len(list(out.glob("001-table-*.jsonl"))) == 3
    assert merged(out, tmp_path) == (tmp_path / "local.jsonl").read_bytes()
    assert skipped_lines(ran.err) == skipped_lines(local.err) == [f"attrib: skipped: E100 {array}:$[12]: expected a JSON "
                                                                  "object with \"text\", got a number"]


def test_strict_stops_at_the_line_that_is_not_json(killed_run, corpus, tmp_path):
    ran = attrib("annotate", corpus["jsonl"], "-o", tmp_path / "parts", "--cluster", killed_run["address"],
                 "--partition-size", PARTITION, "--strict")
    line = corpus["jsonl"].read_text(encoding="utf-8").splitlines().index("{not json") + 1
    assert ran.code == 2
    assert ran.err.strip().splitlines()[-1] == f"attrib: E100 {corpus['jsonl']}:{line}: not JSON (Expecting property " \
                                               "name enclosed in double quotes, column 2)"
    assert "Traceback" not in ran.err and not (tmp_path / "parts" / "_SUCCESS.json").exists()


def test_an_unreachable_scheduler_is_one_line_and_exit_3(corpus, tmp_path):
    ran = attrib("annotate", corpus["jsonl"], "-o", tmp_path / "parts", "--cluster", "tcp://127.0.0.1:1")
    assert ran.code == 3
    assert ran.err.count("\n") == 1 and ran.err.startswith("attrib: E300 cannot reach the Dask scheduler")
    assert not (tmp_path / "parts").exists()


def test_a_run_removes_the_parts_of_earlier_runs_and_nothing_else(tmp_path):
    """Without Dask: what a run keeps in its folder (another partition size or format leaves other parts)."""
    from attrib.cluster.parts import Folder
    from attrib.cluster.run import _remove_stale

    for name in ("000-news-00000.jsonl", "000-news-00000.parquet", "000-news-00001.jsonl", "notes.jsonl",
                 "_parts/000-news-00000.json", "_parts/000-news-00001.json"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("{}", encoding="utf-8")
    _remove_stale(Folder(str(tmp_path)), [{"part": "000-news-00000", "file": "000-news-00000.parquet"}])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")) == [
        "000-news-00000.parquet", "_parts/000-news-00000.json", "notes.jsonl"]


def test_the_nesting_limit_of_the_client_holds_on_the_workers(tmp_path):
    """`attrib --max-depth N` reaches the workers: a run on the cluster reads the lines a local run reads."""
    path = tmp_path / "deep.jsonl"
    meta = "[" * 300 + "]" * 300
    path.write_text(f'{{"id": "a", "text": "One.", "meta": {{"deep": {meta}}}}}\n{{"id": "b", "text": "Two."}}\n',
                    encoding="utf-8")
    local = attrib("--max-depth", "400", "annotate", path, "-o", tmp_path / "local.jsonl")
    ran = attrib("--max-depth", "400", "annotate", path, "-o", tmp_path / "parts", "--cluster", "local:1")
    assert local.code == ran.code == 0, ran.err
    assert merged(tmp_path / "parts", tmp_path) == (tmp_path / "local.jsonl").read_bytes()
    assert [json.loads(line)["id"] for line in (tmp_path / "local.jsonl").read_text().splitlines()] == ["a", "b"]


def test_a_dashboard_port_in_use_is_no_warning(tmp_path):
    """Dask's default dashboard port taken (by another cluster) gave four lines of UserWarning before attrib's own
    line, which names the port the dashboard took instead."""
    import contextlib
    import socket

    (tmp_path / "a.txt").write_text("The mayor said the road was closed.\n", encoding="utf-8")
    with socket.socket() as taken:
        with contextlib.suppress(OSError):  # else something holds the port already, as the test wants
            taken.bind(("127.0.0.1", 8787))
            taken.listen()
        ran = attrib_process("annotate", tmp_path / "a.txt", "-o", tmp_path / "parts", "--cluster", "local:1")
    assert ran.code == 0, ran.err
    assert "already in use" not in ran.err and "warn" not in ran.err and ", dashboard http://" in ran.err


def test_local_workers_get_the_batch_settings():
    """`local:N` workers run without Dask's profiler and with slower monitors (connect.LOCAL_WORKER_CONFIG)."""
    import dask

    from attrib.cluster.connect import LOCAL_WORKER_CONFIG, connect

    with connect("local:1") as client:
        got = client.run(lambda: {key: dask.config.get(key) for key in LOCAL_WORKER_CONFIG})
    assert list(got.values()) == [LOCAL_WORKER_CONFIG]


def _hand_made_run(folder: Path) -> dict:
    """A finished run's folder written by hand (no cluster needed to merge or check one): a part and its manifest."""
    folder.mkdir()
    part = folder / "000-in-00000.jsonl"
    part.write_text(json.dumps(constructed_record("d1", random.Random(0))) + "\n", encoding="utf-8")
    manifest = {"format": "jsonl", "counts": {"parts": 1, "documents": 1},
                "parts": [{"file": part.name, "sha256": hashlib.sha256(part.read_bytes()).hexdigest(), "documents": 1}]}
    (folder / "_SUCCESS.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


@pytest.mark.parametrize("change, where", [
    (lambda m: m.update(parts=[1]), "$.parts[0].file: None is not the name of a jsonl part"),
    (lambda m: m["parts"][0].pop("sha256"), "$.parts[0].sha256: not a SHA-256"),
    (lambda m: m["parts"][0].update(file=""), "$.parts[0].file: '' is not the name of a jsonl part"),
    (lambda m: m.update(format="parquet"), "$.parts[0].file: '000-in-00000.jsonl' is not the name of a parquet part"),
    (lambda m: m.pop("counts"), "$.counts: not an object with the numbers of parts and documents"),
    (lambda m: m["parts"][0].update(file="../../outside.jsonl"), "$.parts[0].file: '../../outside.jsonl' is not the"),
    ("[" * 100_000 + "]" * 100_000, "not JSON attrib reads (nested too deep)"),  # past what json parses
    (b'{"format": "jsonl", "parts": "\xff"}', "not UTF-8 (byte 30)"),  # merge said "not a JSON object"
    ('{"format": "jsonl",\n "parts": [}', "not JSON (line 2, column 12: Expecting value)"),  # (the same)
    ("[]", "not a JSON object"),
    (lambda m: m.update(parts=[]), "$.counts.parts: 1, but $.parts lists 0"),  # merged an empty file, exit 0
    (lambda m: m["parts"].append(dict(m["parts"][0])), "$.parts: '000-in-00000.jsonl' is listed twice"),  # a part twice
    (lambda m: m["counts"].update(documents=7), "$.counts.documents: 7, but the parts listed hold 1"),
    (lambda m: m.update(format=["jsonl"]), "$.format: ['jsonl'] is not one of jsonl, parquet"),  # TypeError traceback
])
def test_a_manifest_attrib_did_not_write_is_one_line_and_nothing_merged(tmp_path, change, where):
    folder = tmp_path / "parts"
    manifest = _hand_made_run(folder)
    assert attrib("merge", folder, "-o", tmp_path / "ok.jsonl").code == 0  # as written, it merges
    if isinstance(change, (str, bytes)):
        (folder / "_SUCCESS.json").write_bytes(change if isinstance(change, bytes) else change.encode())
    else:
        change(manifest)
        (folder / "_SUCCESS.json").write_text(json.dumps(manifest), encoding="utf-8")
    out = tmp_path / "merged.jsonl"
    ran = attrib("merge", folder, "-o", out)
    assert ran.code == 2 and ran.err.count("\n") == 1 and "Traceback" not in ran.err
    assert ran.err.startswith(f"attrib: E100 {folder}/_SUCCESS.json: {where}")
    assert not out.exists()
    checked = attrib("validate", folder)
    assert checked.code == 1 and "V804" in checked.out


@pytest.mark.parametrize("make, said", [
    (lambda at: (at.unlink(), os.symlink("/dev/zero", at)), "not a file (a folder, a device or a pipe)"),  # endless
    (lambda at: (at.unlink(), at.mkdir()), "not a file (a folder, a device or a pipe)"),  # IsADirectoryError
    (lambda at: (at.unlink(), os.mkfifo(at)), "not a file (a folder, a device or a pipe)"),  # hung
    (lambda at: (at.unlink(), os.symlink(at.parent / "gone", at)), "missing, though _SUCCESS.json lists it"),
    (lambda at: (at.unlink(), os.symlink(at, at)), "cannot read it (Too many levels of symbolic links)"),  # traceback
], ids=["dev-zero", "folder", "fifo", "dangling", "loop"])
def test_a_part_that_is_no_file_is_one_line_and_nothing_merged(tmp_path, make, said):
    """A part linked to /dev/zero was merged without end (1 GB in 10 s), one that is a pipe hung merge and validate."""
    folder = tmp_path / "parts"
    _hand_made_run(folder)
    part = folder / "000-in-00000.jsonl"
    make(part)
    out = tmp_path / "merged.jsonl"
    ran = attrib("merge", folder, "-o", out)
    assert ran.code == 2 and ran.err == f"attrib: E100 {part}: {said}" + ("\n" if said.startswith("missing") else
                                                                           ", though _SUCCESS.json lists it\n")
    assert not out.exists()
    checked = attrib("validate", folder)
    assert checked.code == 1 and "V802" in checked.out


def test_a_receipt_whose_ids_are_not_strings_cannot_say_and_breaks_nothing(tmp_path):
    """A receipt changed by hand to hold ["d1"] as an id: validate of the folder ended in a traceback (unhashable)."""
    folder = tmp_path / "parts"
    manifest = _hand_made_run(folder)
    manifest["parts"][0]["part"] = "000-in-00000"  # what a run's manifest names its receipt by
    (folder / "_SUCCESS.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "_parts").mkdir()
    (folder / "_parts" / "000-in-00000.json").write_text(json.dumps({"ids": [["d1"]]}), encoding="utf-8")
    checked = attrib("validate", folder)  # the hand-made part (gold format) is clean: the receipt is what is said
    assert checked.code == 0 and checked.err == "" and "V805" in checked.out and "000-in-00000.jsonl" in checked.out


@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir], ids=["fifo", "folder"])
def test_a_manifest_that_is_no_file_is_one_line(tmp_path, make):
    """A pipe hung merge and validate, reading it; a folder was "not a JSON object"."""
    folder = tmp_path / "parts"
    _hand_made_run(folder)
    (folder / "_SUCCESS.json").unlink()
    make(folder / "_SUCCESS.json")
    ran = attrib("merge", folder, "-o", tmp_path / "merged.jsonl")
    assert ran.code == 2 and ran.err.startswith(f"attrib: E100 {folder}/_SUCCESS.json: not a file (a folder, a device "
                                                "or a pipe): not a manifest attrib wrote")
    checked = attrib("validate", folder)
    assert checked.code == 1 and "no readable _SUCCESS.json (not a file (a folder, a device or a pipe))" in checked.out


def test_a_parquet_part_that_is_no_parquet_is_one_line(tmp_path):
    """Its bytes match the manifest but are not attrib's Parquet: pyarrow's ArrowInvalid was a traceback."""
    folder = tmp_path / "parts"
    folder.mkdir()
    part = folder / "000-in-00000.parquet"
    part.write_bytes(b"not parquet")
    manifest = {"format": "parquet", "counts": {"parts": 1, "documents": 1},
                "parts": [{"file": part.name, "sha256": hashlib.sha256(part.read_bytes()).hexdigest(), "documents": 1}]}
    (folder / "_SUCCESS.json").write_text(json.dumps(manifest), encoding="utf-8")
    ran = attrib("merge", folder, "-o", tmp_path / "merged.parquet")
    assert ran.code == 2 and ran.err.startswith(f"attrib: E100 {folder}/{part.name}: not a Parquet part attrib wrote (")
    assert ran.err.count("\n") == 1 and not (tmp_path / "merged.parquet").exists()


def test_a_damaged_parquet_part_is_one_line_and_a_clean_exit(tmp_path):
    """A part whose bytes match the manifest and whose pages are damaged: pyarrow's OSError went past the check for
    ArrowInvalid, a traceback; and read_table's threads, after such a page, abort the interpreter at its exit (exit
    134): a real process, so that its exit is seen."""
    folder = tmp_path / "parts"
    folder.mkdir()
    part = damaged_parquet(folder / "000-in-00000.parquet")
    manifest = {"format": "parquet", "counts": {"parts": 1, "documents": 3000},
                "parts": [{"file": part.name, "sha256": hashlib.sha256(part.read_bytes()).hexdigest(),
                           "documents": 3000}]}
    (folder / "_SUCCESS.json").write_text(json.dumps(manifest), encoding="utf-8")
    ran = attrib_process("merge", folder, "-o", tmp_path / "merged.parquet")
    assert ran.code == 2 and ran.err.startswith(f"attrib: E100 {folder}/{part.name}: not a Parquet part attrib wrote (")
    assert ran.err.count("\n") == 1 and not (tmp_path / "merged.parquet").exists()


def test_merge_into_the_folder_it_merges_is_refused(tmp_path):
    """-o on one of its own parts wrote the merge over that part (exit 0), and the run was broken."""
    folder = tmp_path / "parts"
    _hand_made_run(folder)
    part = folder / "000-in-00000.jsonl"
    before = part.read_bytes()
    for out in (part, folder / "merged.jsonl"):
        ran = attrib("merge", folder, "-o", out)
        assert ran.code == 2 and ran.err.startswith(f"attrib: E140 {out}: is inside {folder}, the folder being merged")
    assert part.read_bytes() == before and not (folder / "merged.jsonl").exists()


def test_merge_onto_a_file_a_part_links_to_is_refused(tmp_path):
    """A part that is a link to a file outside the folder, merged with -o that file: the merged file replaced the
    part's own bytes (exit 0), and the run was broken."""
    folder = tmp_path / "parts"
    _hand_made_run(folder)
    part, outside = folder / "000-in-00000.jsonl", tmp_path / "outside.jsonl"
    part.rename(outside)
    part.symlink_to(outside)
    before = outside.read_bytes()
    ran = attrib("merge", folder, "-o", outside)
    assert ran.code == 2 and ran.err.startswith(f"attrib: E140 {outside}: is inside {folder}, the folder being merged, "
                                                "or a file one of its parts links to")
    assert outside.read_bytes() == before and attrib("merge", folder, "-o", tmp_path / "merged.jsonl").code == 0


def test_a_url_whose_filesystem_is_not_installed_is_one_line(tmp_path):
    """s3:// without s3fs (not installed here): fsspec's ImportError was a traceback."""
    for args in (("merge", "s3://bucket/x.parts"), ("merge", "nosuchprotocol://bucket/x.parts")):
        ran = attrib(*args, "-o", tmp_path / "out.jsonl")
        assert ran.code == 2 and ran.err.count("\n") == 1 and ran.err.startswith(f"attrib: E100 {args[1]}: "), ran.err
    assert "Install s3fs" in attrib("merge", "s3://bucket/x.parts", "-o", tmp_path / "out.jsonl").err
    local = attrib("annotate", "s3://bucket/more.parquet", "-o", tmp_path / "out.jsonl")  # a local run reads files
    assert local.code == 1 and "attrib: skipped: E100 s3://bucket/more.parquet: a URL: `attrib annotate --cluster`" in local.err
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("content, said", [
    (None, "no such scheduler file"),  # Dask waited for it forever
    ("garbage", "not a scheduler file (Expecting value"),  # an AssertionError traceback
    ("[1]", "not a scheduler file (no \"address\" in it)"),  # a TypeError traceback
])
def test_a_missing_or_broken_scheduler_file_is_one_line(tmp_path, content, said):
    scheduler = tmp_path / "scheduler.json"
    if content is not None:
        scheduler.write_text(content, encoding="utf-8")
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "The mayor said it rains."}\n', encoding="utf-8")
    started = time.monotonic()
    ran = attrib("annotate", tmp_path / "in.jsonl", "-o", tmp_path / "parts", "--cluster", scheduler)
    assert ran.code == 3 and ran.err.startswith(f"attrib: E300 --cluster {scheduler}: {said}"), ran.err
    assert time.monotonic() - started < 30 and not (tmp_path / "parts").exists()


def test_a_cluster_run_of_no_document_says_so_and_writes_no_manifest(tmp_path):
    """It wrote a manifest of one empty part (exit 0), and merge an empty file, where a local run says E160."""
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    ran = attrib("annotate", empty, "-o", tmp_path / "parts", "--cluster", "local:1")
    assert ran.code == 1 and ran.err.splitlines()[-1] == f"attrib: E160 {empty}: no document in it: no manifest written"
    assert not (tmp_path / "parts" / "_SUCCESS.json").exists()
    merged = attrib("merge", tmp_path / "parts", "-o", tmp_path / "merged.jsonl")
    assert merged.code == 2 and "no _SUCCESS.json" in merged.err and not (tmp_path / "merged.jsonl").exists()


@pytest.mark.parametrize("size, said", [
    ("", "'' is not a size"), (" ", "' ' is not a size"), ("kB", "'kB' is not a size"),  # parse_bytes: 1 and 1000
    ("1", "must be at least 1kB"),  # 1,158 parts for 3 documents, 1,155 of them empty
    ("0", "must be at least 1kB"), ("abc", "'abc' is not a size"),
])
def test_a_partition_size_that_is_no_size_or_under_a_document_is_refused(tmp_path, size, said):
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "The mayor said it rains."}\n', encoding="utf-8")
    ran = attrib("annotate", tmp_path / "in.jsonl", "-o", tmp_path / "parts", "--cluster", "local:1",
                 "--partition-size", size)
    assert ran.code == 2 and said in ran.err and not (tmp_path / "parts").exists()


def test_merge_names_the_format_the_parts_are_in(tmp_path):
    """Parquet parts merged to `-o merged.jsonl` wrote Parquet bytes into a .jsonl file (exit 0)."""
    folder = tmp_path / "parts"
    _hand_made_run(folder)  # JSONL parts
    ran = attrib("merge", folder, "-o", tmp_path / "merged.parquet")
    assert ran.code == 2 and ran.err == (f"attrib: E140 {tmp_path / 'merged.parquet'}: the parts are jsonl, and so is "
                                         "the merged file: name it .jsonl\n")
    assert attrib("merge", folder, "-o", tmp_path / "merged.records").code == 0  # a name that says no format
    assert not (tmp_path / "merged.parquet").exists()


def test_validate_says_a_missing_manifest_is_missing(tmp_path):
    folder = tmp_path / "parts"
    _hand_made_run(folder)
    (folder / "_SUCCESS.json").unlink()
    ran = attrib("validate", folder)
    assert ran.code == 1 and "no readable _SUCCESS.json (missing)" in ran.out  # it said "not a JSON object"


def test_ctrl_c_stops_a_local_cluster_run_with_one_line(corpus, tmp_path):
    """A terminal's Ctrl-C goes to every process of the group: each local worker printed a KeyboardInterrupt
    traceback (70-100 lines), and attrib itself said nothing. Sent here as a terminal sends it, to the group."""
    out = tmp_path / "out.parts"
    process = subprocess.Popen([str(Path(sys.executable).parent / "attrib"), "annotate", *corpus["inputs"], "-o",
                                str(out), "--cluster", "local:2", "--partition-size", "1kB"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not (out.is_dir() and any(p.suffix == ".jsonl" for p in out.iterdir())):  # the workers are annotating
        assert time.monotonic() < deadline and process.poll() is None, "the run never wrote a part"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    err = process.communicate(timeout=120)[1]
    assert process.returncode == 130, err
    assert err.splitlines()[1:] == ["attrib: interrupted"], err  # after the line naming the cluster
    assert not (out / "_SUCCESS.json").exists()


def test_a_second_run_into_a_folder_another_run_is_writing_is_refused(corpus, scheduler, tmp_path):
    """Two runs into one folder at once: the second one's clean-up deleted the first one's parts while it ran,
    then the first wrote a manifest listing parts that were gone; both exited 0. The first run is stood for by
    this test holding the lock a run holds."""
    from attrib.cluster.parts import Folder
    from attrib.locks import one_at_a_time

    out = tmp_path / "out.parts"
    out.mkdir()
    (out / "000-earlier-00000.jsonl").write_text("{}\n", encoding="utf-8")
    with one_at_a_time("cluster", Folder(str(out)).location, wait=False) as alone:
        assert alone
        ran = attrib("annotate", corpus["jsonl"], "-o", out, "--cluster", scheduler["address"])
    assert ran.code == 3, ran.err
    assert ran.err.splitlines()[-1] == (f"attrib: E300 {out}: another run on this machine is writing there: wait for "
                                        "it to end, or write elsewhere")
    assert [p.name for p in out.iterdir()] == ["000-earlier-00000.jsonl"]


def small_inputs(folder: Path, names=("a", "b")) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / f"{name}.jsonl"
        path.write_text(json.dumps({"id": name, "text": f"The mayor of {name} said that the park is open."}) + "\n",
                        encoding="utf-8")
        paths.append(path)
    return paths


def listing(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_missing_input_stops_a_rerun_before_it_deletes_that_inputs_parts(scheduler, tmp_path):
    """A re-run with a mistyped input (or an unmounted share) reported it skipped, deleted its finished parts as
    another run's and exited 0; with every input missing, it emptied the folder."""
    a, b = small_inputs(tmp_path / "in")
    out = tmp_path / "parts"
    assert attrib("annotate", a, b, "-o", out, "--cluster", scheduler["address"]).code == 0
    before = listing(out)
    for inputs in ([a, tmp_path / "in" / "bb.jsonl"], [tmp_path / "in" / "aa.jsonl"]):
        ran = attrib("annotate", *inputs, "-o", out, "--cluster", scheduler["address"])
        assert ran.code == 2 and "no such file or folder: nothing in" in ran.err and "was changed" in ran.err, ran.err
        assert listing(out) == before


def test_a_folder_holding_what_no_run_writes_is_refused_and_kept(scheduler, tmp_path):
    """`-o data` over the inputs' own folder deleted the inputs (named like parts: 2024-news-00001.jsonl), notes and
    hidden .tmp files: whatever matched the names a run cleans up."""
    data = tmp_path / "data"
    (inputs := small_inputs(data, ("2024-news-00001", "2024-news-00002")))
    ran = attrib("annotate", *inputs, "-o", data, "--cluster", scheduler["address"])
    assert ran.code == 2 and "holds the input" in ran.err and "2024-news-00001.jsonl" in ran.err, ran.err
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    (other / ".draft.tmp").write_text("mine too", encoding="utf-8")
    before = listing(other)
    ran = attrib("annotate", *inputs, "-o", other, "--cluster", scheduler["address"])
    assert ran.code == 2 and "holds 'notes.txt', which no cluster run writes" in ran.err, ran.err
    assert listing(other) == before and sorted(p.name for p in data.iterdir()) == [p.name for p in inputs]


def test_inputs_a_local_run_reads_or_skips_are_read_or_skipped_alike(scheduler, tmp_path):
    """A linked .txt in a folder was dropped without a word; a .parquet that is not Parquet stopped the run (E100)
    and an unreadable file ended in a traceback; a named pipe hung the scan. A local run reads the link and skips
    the others in one line each."""
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "a.txt").write_text("The mayor said that the park is open.", encoding="utf-8")
    (tmp_path / "elsewhere.txt").write_text("Police said that two men were arrested.", encoding="utf-8")
    (texts / "b.txt").symlink_to(tmp_path / "elsewhere.txt")
    (tmp_path / "fake.parquet").write_text("not parquet", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.jsonl")
    inputs = [texts, tmp_path / "fake.parquet", tmp_path / "pipe.jsonl"]
    local = attrib("annotate", *inputs, "-o", tmp_path / "local.jsonl")
    ran = attrib("annotate", *inputs, "-o", tmp_path / "parts", "--cluster", scheduler["address"])
    assert ran.code == local.code == 0, ran.err
    assert skipped_lines(ran.err) == skipped_lines(local.err) and len(skipped_lines(ran.err)) == 2
    assert merged(tmp_path / "parts", tmp_path) == (tmp_path / "local.jsonl").read_bytes()


def test_a_part_resumes_only_where_its_records_would_be_the_same(scheduler, tmp_path, monkeypatch):
    """Parts were resumed whose ids and messages name the input as the first run spelled it (`in/a.jsonl` and then
    the absolute path: both spellings in one merged file)."""
    (a,) = small_inputs(tmp_path / "in", ("a",))
    a.write_text(a.read_text(encoding="utf-8") + json.dumps({"text": "Critics said it was late."}) + "\n",
                 encoding="utf-8")  # no id: named by its file and line
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "parts"
    assert attrib("annotate", "in/a.jsonl", "-o", out, "--cluster", scheduler["address"]).code == 0
    assert json.loads(merged(out, tmp_path).splitlines()[1])["id"] == "in/a.jsonl:2"
    ran = attrib("annotate", a, "-o", out, "--cluster", scheduler["address"])
    assert ran.code == 0 and manifest(out)["counts"]["parts_resumed"] == 0, ran.err
    assert json.loads(merged(out, tmp_path).splitlines()[1])["id"] == f"{a}:2"


def test_part_names_sort_in_input_order_past_a_thousand_inputs(tmp_path):
    names = [f"in{i}.jsonl" for i in range(1002)]
    for name in names:
        (tmp_path / name).write_text('{"text": "x"}\n', encoding="utf-8")
    parts = [p.part for p in plan([str(tmp_path / name) for name in names], 1 << 20, lambda error: None)]
    assert sorted(parts) == parts and parts[1000].startswith("1000-")  # were 100-, 1000-, 101-


def test_a_part_broken_from_its_first_line_is_reported_not_the_end_of_the_report(scheduler, tmp_path):
    """validate DIR stopped at it (E100, exit 2) where it reports V801, and merge to stdout wrote the parts before
    it, then failed."""
    inputs = small_inputs(tmp_path / "in", ("a", "b", "c"))
    out = tmp_path / "parts"
    assert attrib("annotate", *inputs, "-o", out, "--cluster", scheduler["address"]).code == 0
    victim = sorted(out.glob("*.jsonl"))[1]
    victim.write_bytes(b'{"id": "b", "te\n' + victim.read_bytes())  # a line cut short before it
    checked = attrib("validate", out)
    assert checked.code == 1 and "V801" in checked.out and "V002" in checked.out and victim.name in checked.out
    streamed = attrib_process("merge", out)  # to stdout (of a real process): nothing of it is written
    assert streamed.code == 2 and streamed.out == "" and victim.name in streamed.err


def test_a_tls_address_without_its_configuration_is_one_line(tmp_path):
    (a,) = small_inputs(tmp_path / "in", ("a",))
    ran = attrib("annotate", a, "-o", tmp_path / "parts", "--cluster", "tls://127.0.0.1:1")
    assert ran.code == 3 and ran.err.count("\n") == 1 and "E300" in ran.err, ran.err


def test_validate_reads_a_folder_of_parts_by_its_url(killed_run):
    """`attrib validate file:///…/parts` (or s3://…) was read as the local path `file:/…`: no such file."""
    by_path = attrib("validate", killed_run["out"])
    by_url = attrib("validate", killed_run["out"].as_uri())
    assert by_url.code == by_path.code == 0 and by_url.out == by_path.out and by_url.out.endswith("clean\n"), by_url.err


def test_ids_given_twice_across_inputs_are_warned_of_and_found_by_validate(scheduler, tmp_path):
    """A local run warns of them; a cluster run did not, and `validate DIR` said clean where `validate` of the merged
    file says V701 (the check was part by part)."""
    for folder, text in (("p", "The mayor said that the park is open."), ("q", "Officials said the bridge was closed.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(text, encoding="utf-8")
    inputs = [tmp_path / "p", tmp_path / "q"]
    local = attrib("annotate", *inputs, "-o", tmp_path / "local.jsonl")
    ran = attrib("annotate", *inputs, "-o", tmp_path / "parts", "--cluster", scheduler["address"])
    warning = "attrib: warning: 1 document has the id of an earlier one (first: 'x'"
    assert ran.code == local.code == 0 and warning in ran.err and warning in local.err, ran.err
    checked = attrib("validate", tmp_path / "parts")
    assert checked.code == 1 and "001-q-00000.jsonl:1 $.id (record x): record 'x' is also in 000-p-00000.jsonl" in checked.out
    assert attrib("validate", tmp_path / "local.jsonl").out.splitlines()[-1] == checked.out.splitlines()[-1].replace(
        "2 files", "1 file")
    shutil.rmtree(tmp_path / "parts" / "_parts")  # without the receipts, validate said clean
    unsure = attrib("validate", tmp_path / "parts")
    assert unsure.code == 0 and "V701" not in unsure.out and unsure.out.count("no readable receipt of") == 2, unsure.out
    assert "parts/_parts/001-q-00000.json $: no readable receipt of 001-q-00000.jsonl (its ids): a document in two " \
        "parts goes unseen" in unsure.out and unsure.out.endswith("2 documents in 2 files: 0 errors, 2 warnings\n")


def test_a_broken_link_in_an_input_folder_is_skipped_in_one_line(tmp_path):
    """A .txt link to nothing in a folder stopped the cluster run in a FileNotFoundError traceback."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("She said so.\n", encoding="utf-8")
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    ran = attrib("annotate", folder, "-o", tmp_path / "parts", "--cluster", "local:1")
    assert ran.code == 0 and ran.err.splitlines()[0] == (  # said as the inputs are planned, before the cluster starts
        f"attrib: skipped: E100 {folder / 'gone.txt'}: a broken link, not a file: its text is not read"), ran.err


def test_inputs_and_the_output_folder_are_checked_before_a_cluster_is_asked_for(tmp_path):
    """A missing input, stdin or a folder holding a file of the user's was found only once the cluster was up (a local
    one started for it, a remote one connected to). The address here is one nothing listens on: what is said is the
    input's or the folder's fault, not the cluster's."""
    (a,) = small_inputs(tmp_path / "in", ("a",))
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    nowhere = "tcp://127.0.0.1:9"
    for inputs, out, said in (([a, tmp_path / "in" / "b.jsonl"], tmp_path / "parts", "no such file or folder"),
                              (["-"], tmp_path / "parts", "stdin cannot be read by a cluster"),
                              ([a], other, "holds 'notes.txt', which no cluster run writes")):
        ran = attrib("annotate", *inputs, "-o", out, "--cluster", nowhere)
        assert ran.code == 2 and said in ran.err and "cluster tcp" not in ran.err, ran.err
    assert not (tmp_path / "parts").exists() and listing(other) == {"notes.txt": b"mine"}
