"""Where outputs go: never over one of the command's inputs, into a device as it is (renaming a file over
/dev/null would replace the device), and a folder, a full disk or a file size limit is one line (E140), with
nothing left behind and an earlier output kept."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from runs import ATTRIB, attrib

TEXT = "The mayor said the road was closed.\n"


@pytest.fixture
def records(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"id": "r1", "text": TEXT, "attributions": []}) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("args", [
    ["export", "{r}", "-f", "conll", "-o", "{out}"],
    ["export", "{r}", "-f", "jsonl", "-o", "{out}"],
    ["labelstudio", "tasks", "{r}", "-o", "{out}"],
    ["labelstudio", "records", "{r}", "-o", "{out}"],
    ["validate", "{r}", "-o", "{out}"],
    ["agreement", "{r}", "--html", "{out}"],
    ["annotate", "{r}", "-o", "{out}"],
])
@pytest.mark.parametrize("named", ["same", "link"])
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(records, tmp_path, args, named):
    out = records
    if named == "link":  # the same file under another name
        out = tmp_path / "other-name.jsonl"
        out.symlink_to(records)
    before = records.read_bytes()
    ran = attrib(*(arg.format(r=records, out=out) for arg in args))
    assert ran.code == 2, ran.err
    assert ran.err == f"attrib: E140 {out}: is also an input of this command ({records}); write to another file\n"
    assert records.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({records.name, out.name})  # no temporary file


@pytest.mark.parametrize("command,victim", [
    (["annotate", "{folder}", "-o", "{out}"], "sub/a.txt"),
    (["import", "brat", "{folder}", "-o", "{out}"], "sub/a.ann"),
    (["import", "brat", "{folder}", "-o", "{out}"], "sub/a.txt"),
    (["annotate", "{folder}", "-o", "{out}"], "new.txt"),  # a new one: the next run read the records as an article
    (["import", "brat", "{folder}", "-o", "{out}"], "sub/new.ann"),  # and "no text for it"
])
@pytest.mark.parametrize("linked", [False, True])
def test_an_output_that_a_folder_input_is_read_for_is_refused(tmp_path, command, victim, linked):
    """`annotate corpus/ -o corpus/a.txt` replaced the article with its records, `import brat b/ -o b/a.ann` the
    annotation: a file read from a folder input was not an input to the check. Nor was one an output named
    records.jsonl links to (its name was judged, not its target's)."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "sub" / "a.ann").write_text("T1\tSource 4 9\tmayor\nT2\tCue 10 14\tsaid\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    out = victim_path = folder / victim
    if linked:
        out = tmp_path / "records.jsonl"
        out.symlink_to(victim_path)
    ran = attrib(*(arg.format(folder=folder, out=out) for arg in command))
    assert ran.code == 2, ran.err
    what = f"links to {os.path.realpath(victim_path)}, " if linked else "is "
    assert ran.err == f"attrib: E140 {out}: {what}a file this command reads in the folder {folder}; write to another file\n"
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    beside = attrib(*(arg.format(folder=folder, out=folder / "records.jsonl") for arg in command))
    assert beside.code == 0, beside.err  # a new file of another kind in the folder is no input


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
@pytest.mark.parametrize("fmt", ["jsonl", "brat", "conll", "parquet"])
def test_a_failed_output_leaves_no_folders_it_made(tmp_path, fmt):
    """`-o new/deep/out` that failed on a bad record left `new/deep` behind, empty."""
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "r1", "text": TEXT, "attributions": []}) + "\n{broken\n", encoding="utf-8")
    (tmp_path / "kept").mkdir()
    for out in (tmp_path / "new" / "deep" / "out", tmp_path / "kept" / "inner" / "out"):
        done = attrib("export", bad, "-f", fmt, "-o", out)
        assert done.code != 0 and "bad.jsonl:2" in done.err, done.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "kept"]
    assert list((tmp_path / "kept").iterdir()) == []  # a folder that was there stays


def test_a_device_is_written_to_not_replaced(records, tmp_path):
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a second /dev/null
    for args in (["export", records, "-f", "jsonl", "-o", null], ["labelstudio", "tasks", records, "-o", null]):
        ran = attrib(*args)
        assert ran.code == 0, ran.err
        assert stat.S_ISCHR(null.stat().st_mode)  # still the device, not a file renamed over it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "r.jsonl"]  # no card beside a device


def test_a_folder_as_the_output_file_is_one_line(records, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    for args in (["export", records, "-f", "jsonl", "-o", folder], ["labelstudio", "tasks", records, "-o", folder],
                 ["validate", records, "-o", folder]):
        ran = attrib(*args)
        assert ran.code == 2 and ran.err == f"attrib: E140 {folder}: is a folder: name a file to write\n", args
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("name", [".", ""])
def test_the_current_folder_as_the_output_file_is_one_line(records, tmp_path, monkeypatch, name):
    """`export -f jsonl -o .` ended in a traceback: the dataset card's name is made from the output's."""
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.chdir(folder)
    ran = attrib("export", records, "-f", "jsonl", "-o", name)
    assert ran.code == 2 and ran.err == "attrib: E140 .: is a folder: name a file to write\n"
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("args, out", [
    (["annotate", "{r}", "-o", "{out}"], "x.parquet"),
    (["export", "{r}", "-f", "jsonl", "-o", "{out}"], "x.pq"),
    (["export", "{r}", "-f", "conll", "-o", "{out}"], "x.parquet"),
    (["labelstudio", "tasks", "{r}", "-o", "{out}"], "x.PARQUET"),
    (["validate", "{r}", "-o", "{out}"], "x.parquet"),
    (["export", "{r}", "-f", "parquet", "-o", "{out}"], "x.jsonl"),
], ids=["annotate", "export-jsonl", "export-conll", "tasks", "validate", "parquet-as-jsonl"])
def test_an_output_named_as_another_format_is_refused(records, tmp_path, args, out):
    """Every command reads a file by its name: `annotate -o x.parquet` wrote JSON Lines that every reader then called
    "not a Parquet file"."""
    target = tmp_path / out
    ran = attrib(*[a.format(r=records, out=target) for a in args])
    assert ran.code == 2 and ran.err.count("\n") == 1 and ran.err.startswith(f"attrib: E140 {target}: a "), ran.err
    assert "Parquet" in ran.err and sorted(p.name for p in tmp_path.iterdir()) == ["r.jsonl"]


def test_a_file_where_the_output_needs_a_folder_is_named(records, tmp_path):
    """`-o doc.txt/x.jsonl` said "cannot write (File exists)", one level deeper "(Not a directory)"; a file given as
    brat's output folder "exists and is not an empty folder"."""
    doc = tmp_path / "doc.txt"
    doc.write_text("mine", encoding="utf-8")
    for out in (doc / "x.jsonl", doc / "y" / "x.jsonl"):
        ran = attrib("annotate", records, "-o", out)
        assert ran.code == 2 and ran.err == f"attrib: E140 {out}: {doc} is a file, not a folder: name another place\n"
    ran = attrib("export", records, "-f", "brat", "-o", doc)
    assert ran.code == 2 and ran.err == f"attrib: E140 {doc}: is a file: name a new folder to write into\n"
    ran = attrib("export", records, "-f", "brat", "-o", doc / "b")
    assert ran.code == 2 and ran.err == f"attrib: E140 {doc / 'b'}: {doc} is a file, not a folder: name another place\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.txt", "r.jsonl"] and doc.read_text() == "mine"


def _limited(size: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


def test_a_file_size_limit_is_one_line_and_keeps_the_earlier_output(records, tmp_path):
    """A real process under a file size limit (RLIMIT_FSIZE: writes past it fail with EFBIG, as a full disk
    fails with ENOSPC), after a first run wrote the output whole."""
    out = tmp_path / "tasks.json"
    assert attrib("labelstudio", "tasks", records, "-o", out).code == 0
    before = out.read_bytes()
    done = subprocess.run([ATTRIB, "labelstudio", "tasks", str(records), "-o", str(out)], capture_output=True,
                          text=True, preexec_fn=_limited(100), timeout=120)
    assert done.returncode == 2
    assert done.stderr == f"attrib: E140 {out}: cannot write (File too large)\n"
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.jsonl", "tasks.json"]


def test_an_output_that_is_a_link_is_written_through(records, tmp_path):
    """The new file was renamed over the link, which became a plain file: `-o /dev/stdout > out` as root replaced
    the system's /dev/stdout, and `latest.jsonl -> v3.jsonl` stopped being a link. A link to a folder was refused."""
    (tmp_path / "v3.jsonl").write_text("old\n", encoding="utf-8")
    (tmp_path / "latest.jsonl").symlink_to("v3.jsonl")
    assert attrib("export", records, "-f", "jsonl", "-o", tmp_path / "latest.jsonl").code == 0
    assert (tmp_path / "latest.jsonl").is_symlink() and (tmp_path / "v3.jsonl").read_text(encoding="utf-8") != "old\n"
    assert (tmp_path / "v3.card.md").exists() and not (tmp_path / "latest.card.md").exists()  # beside the file
    (tmp_path / "folder").mkdir()
    (tmp_path / "brat").symlink_to("folder")
    assert attrib("export", records, "-f", "brat", "-o", tmp_path / "brat").code == 0
    assert (tmp_path / "brat").is_symlink() and (tmp_path / "folder" / "r1.txt").exists()


def test_the_card_of_an_output_that_is_a_link_is_checked_where_it_goes(records, tmp_path):
    """The card is written beside the file a link names, but the check for an input in its place looked beside the
    link: reading `data/v3.card.md`, `-o latest.jsonl` linking to data/v3.jsonl replaced the input with the card."""
    (tmp_path / "data").mkdir()
    source = tmp_path / "data" / "v3.card.md"  # records, under the name a card of v3.jsonl takes
    source.write_bytes(records.read_bytes())
    (tmp_path / "latest.jsonl").symlink_to(tmp_path / "data" / "v3.jsonl")
    ran = attrib("export", source, "-f", "jsonl", "-o", tmp_path / "latest.jsonl")
    assert ran.code == 2 and ran.err == f"attrib: E140 {source}: is also an input of this command ({source}); write " \
                                        "to another file\n"
    assert source.read_bytes() == records.read_bytes() and not (tmp_path / "data" / "v3.jsonl").exists()


def test_a_full_standard_output_is_one_line(records):
    with open("/dev/full", "w") as full:
        done = subprocess.run([ATTRIB, "show", str(records)], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    assert done.returncode == 2
    assert done.stderr == "attrib: E140 standard output: cannot write (No space left on device)\n"


@pytest.mark.parametrize("args", [
    ["export", "{r}", "-f", "jsonl", "-o", "-"],
    ["export", "{r}", "-f", "conll", "-o", "-"],
    ["annotate", "{r}", "--strict", "-o", "-"],
])
def test_standard_output_is_written_whole_or_not_at_all(records, args):
    """The records before a broken line reached the reader of the pipe, then the error: stdout takes nothing back.
    A real process (stdout's binary buffer) and one in this process (a text stream) alike."""
    with open(records, "a", encoding="utf-8") as out:
        out.write('{"id": "r2", "text": 5}\n')
    ran = subprocess.run([ATTRIB, *(a.format(r=records) for a in args)], capture_output=True, text=True, timeout=300)
    assert ran.returncode != 0 and ran.stdout == "" and f"{records}:2" in ran.stderr
    assert attrib(*(a.format(r=records) for a in args)).out == ""
    whole = records.with_name("whole.jsonl")
    whole.write_text(records.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")
    ran = subprocess.run([ATTRIB, *(a.format(r=whole) for a in args)], capture_output=True, timeout=300)
    assert ran.returncode == 0 and ran.stdout.decode("utf-8") == attrib(*(a.format(r=whole) for a in args)).out != ""


def test_stdout_held_where_there_is_no_room_is_one_line_naming_where(tmp_path):
    """Past 16 MB the output for stdout is held in a temporary file until complete: under a file size limit (or on a
    full disk) the error named standard output, which had room, and its temporary folder was not said."""
    source = tmp_path / "big.jsonl"
    line = json.dumps({"id": "{}", "text": TEXT * 60, "attributions": []})
    source.write_text("".join(line.replace('"{}"', f'"d{i}"') + "\n" for i in range(9000)), encoding="utf-8")
    assert source.stat().st_size > 17_000_000

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))

    done = subprocess.run([ATTRIB, "export", str(source), "-f", "jsonl", "-o", "-"], capture_output=True, timeout=300,
                          preexec_fn=small_files, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode() == (f"attrib: E140 standard output: cannot hold the output in {tmp_path} until it is "
                                    "complete (File too large): set TMPDIR to a roomier folder, or write to a file "
                                    "with -o\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl"]


def test_annotate_that_reads_nothing_keeps_the_earlier_output(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("earlier\n", encoding="utf-8")
    missing = tmp_path / "typo.txt"
    for inputs in ([missing], [tmp_path / "empty.jsonl", missing]):  # beside another, it was skipped: exit 0 without it
        (tmp_path / "empty.jsonl").write_text('{"text": "She said so."}\n', encoding="utf-8")
        ran = attrib("annotate", *inputs, "-o", out)
        assert (ran.code, ran.err) == (2, f"attrib: E100 {missing}: no such file or folder: nothing was annotated\n")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    ran = attrib("annotate", empty, "-o", out)
    assert ran.code == 1 and ran.err == f"attrib: E160 {empty}: no document in it: nothing written\n"
    assert out.read_text(encoding="utf-8") == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl", "out.jsonl"]


@pytest.mark.parametrize("signum, code, said", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
@pytest.mark.parametrize("processes, to", [(1, "process"), (2, "process"), (2, "group")])
def test_sigterm_and_ctrl_c_stop_annotate_with_one_line_and_leave_no_half_output(tmp_path, signum, code, said,
                                                                                 processes, to):
    """kill, timeout, systemd and docker stop send SIGTERM: it ended the process mid-write, leaving the temporary
    file of half the records beside the output. Ctrl-C (SIGINT) left no half output but said nothing. With
    --n-process 2, each worker printed a traceback (a terminal's Ctrl-C goes to the whole group), and attrib never
    exited: it waited on workers it had stopped reading, or signalled alone, on workers that went on."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"d{i}", "text": TEXT * 40}) + "\n" for i in range(2000)),
                      encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.write_text("earlier\n", encoding="utf-8")
    process = subprocess.Popen([ATTRIB, "annotate", str(corpus), "-o", str(out), "--n-process", str(processes)],
                               stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint, start_new_session=True)
    deadline = time.monotonic() + 120
    while not any(p.name.endswith(".part") and p.stat().st_size for p in tmp_path.iterdir()):  # writing, mid-run
        assert time.monotonic() < deadline and process.poll() is None, "annotate never began to write"
        time.sleep(0.05)
    workers = _children(process.pid)
    assert len(workers) == (processes if processes > 1 else 0)
    os.killpg(process.pid, signum) if to == "group" else process.send_signal(signum)
    try:
        err = process.communicate(timeout=60)[1]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == code and err == f"attrib: {said}\n", err
    assert out.read_text(encoding="utf-8") == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.jsonl", "out.jsonl"]
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]  # none left running


def _children(pid: int) -> list[int]:
    """The process ids of `pid`'s children (Linux)."""
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as listed:
        return [int(child) for child in listed.read().split()]


def _default_sigint() -> None:
    """A test run started in the background inherits an ignored SIGINT, which its children would keep."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_while_the_commands_are_imported_is_one_line():
    """Importing the commands takes a while: a Ctrl-C then printed the traceback of whatever was being imported
    and the process died by the signal. The Ctrl-C is made to come at that moment (an import hook raises it when
    the commands are imported) rather than waited for."""
    program = textwrap.dedent("""
        import sys
        class CtrlC:
            def find_spec(self, name, path=None, target=None):
                if name == "attrib.cli":
                    raise KeyboardInterrupt
        sys.meta_path.insert(0, CtrlC())
        from attrib.console import main
        main()
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (130, "attrib: interrupted\n")


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_records_on_standard_output_are_utf8_whatever_the_locale_says(tmp_path, encoding):
    """With PYTHONIOENCODING (or a C locale) naming an encoding without the text's characters, writing to stdout
    ended in a UnicodeEncodeError traceback; stdout is now what the file would hold, byte for byte."""
    text = "Ana said: \u201cCaf\u00e9 \U0001F469\U0001F3FD\u200d\U0001F4BB\u201d\n"
    path = tmp_path / "r.jsonl"
    def frag(part: str) -> dict:
        start = text.index(part)
        return {"start": start, "end": start + len(part), "text": part}

    said = {"id": "a0", "kind": "direct", "source": [frag("Ana")], "cue": [frag("said")], "content": [frag(text[10:-1])]}
    path.write_text(json.dumps({"id": "r1", "text": text, "attributions": [said]}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    for fmt in ("jsonl", "conll"):
        assert attrib("export", path, "-f", fmt, "-o", tmp_path / f"file.{fmt}").code == 0
        done = subprocess.run([ATTRIB, "export", str(path), "-f", fmt, "-o", "-"], capture_output=True, env=env,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout == (tmp_path / f"file.{fmt}").read_bytes()
    done = subprocess.run([ATTRIB, "show", str(path)], capture_output=True, env=env, timeout=120)
    assert done.returncode == 0 and "Caf\u00e9" in done.stdout.decode("utf-8")


def test_what_a_killed_run_left_beside_an_output_is_removed_by_the_next(records, tmp_path):
    """A SIGKILL mid-write left the hidden temporary file (or folder) for good: every run killed so added one, as
    large as the output. A later run of the same output removes those of processes that no longer run, only."""
    dead = subprocess.Popen(["true"])  # its pid: a process that no longer runs
    dead.wait()
    out = tmp_path / "tasks.json"
    orphans = [tmp_path / f".tasks.json.{dead.pid}.x1y2_3z4.part", tmp_path / f".tasks.json.{dead.pid}.z3abcdef.old"]
    orphans[0].write_text("half a file", encoding="utf-8")
    orphans[1].mkdir()
    kept = [tmp_path / f".tasks.json.{os.getpid()}.live0000.part",  # a run still going (this process)
            tmp_path / f".other.json.{dead.pid}.a0000000.part",  # another output's
            tmp_path / ".tasks.json.notapid.part",
            # output tasks.json.2024's, written by this process: not an orphan of a process 2024 (taken for one once)
            tmp_path / f".tasks.json.{dead.pid}.jsonl.{os.getpid()}.abcd1234.part"]
    for path in kept:
        path.write_text("", encoding="utf-8")
    assert attrib("labelstudio", "tasks", records, "-o", out).code == 0
    assert not any(p.exists() for p in orphans) and all(p.exists() for p in kept)
    brat = tmp_path / "brat"
    orphan_folder = tmp_path / f".brat.{dead.pid}.q1234567.part"
    (orphan_folder / "sub").mkdir(parents=True)
    assert attrib("export", records, "-f", "brat", "-o", brat).code == 0
    assert brat.is_dir() and not orphan_folder.exists()


def test_workers_die_with_an_annotate_killed_outright(tmp_path):
    """SIGKILL (or the out-of-memory killer) gives attrib no chance to stop its --n-process workers: they stayed for
    good, each blocked writing into a pipe it holds both ends of, with hundreds of MB each."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"d{i}", "text": TEXT * 40}) + "\n" for i in range(2000)),
                      encoding="utf-8")
    process = subprocess.Popen([ATTRIB, "annotate", str(corpus), "-o", str(tmp_path / "out.jsonl"), "--n-process", "2"],
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not any(p.name.endswith(".part") and p.stat().st_size for p in tmp_path.iterdir()):  # workers at work
        assert time.monotonic() < deadline and process.poll() is None, "annotate never began to write"
        time.sleep(0.05)
    workers = _children(process.pid)
    assert len(workers) == 2
    process.kill()
    process.wait()
    deadline = time.monotonic() + 20
    try:
        while [pid for pid in workers if _alive(pid)]:
            assert time.monotonic() < deadline, "the workers outlived their killed parent"
            time.sleep(0.1)
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead and not yet reaped by init, does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_name_longer_than_the_system_takes_is_one_line(records, tmp_path):
    """Python 3.11's Path.is_symlink(), is_file() and is_dir() raise ENAMETOOLONG where they answer False to a name
    that does not exist: a traceback for an output, an input or brat's folder named so, and for an id of thousands
    of parts exported as brat's folders (each part short enough)."""
    long = "x" * 256
    for command in (("export", records, "-f", "jsonl", "-o", tmp_path / long),
                    ("export", records, "-f", "brat", "-o", tmp_path / long),
                    ("validate", records, "-o", tmp_path / long)):
        ran = attrib(*command)
        assert ran.code == 2 and ran.err.startswith(f"attrib: E140 {tmp_path / long}: cannot write ("), ran.err
    for command in (("export", tmp_path / long, "-f", "jsonl", "-o", tmp_path / "out.jsonl"),
                    ("import", "brat", tmp_path / long, "-o", tmp_path / "out.jsonl")):
        ran = attrib(*command)
        assert ran.code == 2 and ran.err.startswith(f"attrib: E100 {tmp_path / long}: cannot open ("), ran.err
    deep = tmp_path / "deep.jsonl"
    deep.write_text(json.dumps({"id": "/".join(["d"] * 3000), "text": TEXT, "attributions": []}) + "\n",
                    encoding="utf-8")
    ran = attrib("export", deep, "-f", "brat", "-o", tmp_path / "brat")
    assert ran.code == 2 and ran.err.startswith(f"attrib: E140 {tmp_path / 'brat'}: record 'd/d/d/") \
        and ran.err.rstrip().endswith(": cannot write its files (File name too long)"), ran.err
    assert not (tmp_path / "brat").exists() and not (tmp_path / "out.jsonl").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left
