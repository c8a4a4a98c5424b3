"""The edges of the command line: a named pipe nobody writes to, a file the user may not read, and -v,
which shows the traceback but keeps the exit status of the error it shows."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from runs import attrib, attrib_process

RECORD = '{"id": "r1", "text": "x", "attributions": []}\n'


@contextlib.contextmanager
def at_most(seconds: int):
    """Fail instead of waiting forever (an open() of a pipe without a writer blocks)."""
    def expire(signum, frame):
        raise TimeoutError(f"still waiting after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe.jsonl"
    os.mkfifo(path)
    return path


def test_a_named_pipe_is_refused_not_waited_on(fifo):
    ran = attrib_process("validate", fifo, timeout=60)  # the process, since waiting forever is what is tested
    assert ran.code == 2 and ran.err == f"attrib: E100 {fifo}: is a named pipe, not a file: save what it gives to a " \
                                        "file and read that\n"
    with at_most(20):
        for args in (("export", fifo, "-f", "jsonl", "-o", fifo.with_name("out.jsonl")),
                     ("labelstudio", "records", fifo, "-o", fifo.with_name("out.jsonl")),
                     ("labelstudio", "tasks", fifo, "-o", fifo.with_name("out.json"))):
            ran = attrib(*args)
            assert ran.code == 2 and "is a named pipe, not a file" in ran.err and ran.err.count("\n") == 1, args


def test_annotate_skips_a_named_pipe_and_a_device(fifo, tmp_path):
    (tmp_path / "ok.jsonl").write_text('{"id": "ok", "text": "The mayor said it rains."}\n', encoding="utf-8")
    with at_most(60):
        ran = attrib("annotate", fifo, "/dev/zero", tmp_path / "ok.jsonl", "-o", tmp_path / "out.jsonl")
    assert ran.code == 0, ran.err
    assert f"attrib: skipped: E100 {fifo}: is a named pipe" in ran.err
    assert "attrib: skipped: E100 /dev/zero: is a character device" in ran.err  # would be read forever
    assert [json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()] == ["ok"]


@pytest.mark.parametrize("args, code", [
    (("validate", "missing.json"), 2),  # InputError
    (("labelstudio", "pull", "--project", "p", "-o", "out.json"), 3),  # LabelStudioError: no server named
])
def test_verbose_shows_the_traceback_and_keeps_the_exit_status(args, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"LABEL_STUDIO_URL": "", "ATTRIB_STUDIO": ""}
    quiet, verbose = attrib(*args, env=env), attrib("-v", *args, env=env)
    assert quiet.code == verbose.code == code
    assert "Traceback" not in quiet.err and quiet.err.count("\n") == 1
    assert verbose.err.startswith("Traceback (most recent call last):") and verbose.err.endswith(quiet.err)


def test_a_file_click_finds_unreadable_is_one_line(tmp_path, monkeypatch):
    """Typer's path arguments ask os.access first; this process runs as root, for whom every file is
    readable, so os.access is made to answer as it does for another user (the point is the message)."""
    path = tmp_path / "secret.jsonl"
    path.write_text(RECORD, encoding="utf-8")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if Path(p) == path else real(p, mode, *a, **k))
    ran = attrib("export", path, "-f", "jsonl", "-o", tmp_path / "out.jsonl")
    assert ran.code == 2 and ran.out == ""
    assert ran.err.startswith("attrib: E100 Invalid value for ") and ran.err.count("\n") == 1
    assert ran.err.endswith(f"'{path}' is not readable.\n") and "Usage" not in ran.err


def as_nobody(*args) -> tuple[int | None, str | None, str | None]:
    """`attrib *args` in-process in a forked child that is no longer root (user nobody): exit code, stdout, stderr."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: nobody, running the command in-process, its answer down the pipe
        try:
            os.setgid(65534)
            os.setuid(65534)
            ran = attrib(*args)
            os.write(write, json.dumps([ran.code, ran.out, ran.err]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        code, out, err = json.loads(answer.read() or "[null, null, null]")
    os.waitpid(pid, 0)
    return code, out, err


@pytest.mark.skipif(not hasattr(os, "fork") or os.geteuid() != 0, reason="drops root in a forked child")
def test_a_file_without_permission_is_one_line(tmp_path):
    """The real thing: a child process that is no longer root opens a file only root may read."""
    path = tmp_path / "secret.jsonl"
    path.write_text(RECORD, encoding="utf-8")
    path.chmod(0o600)
    tmp_path.chmod(0o755)
    attrib("validate", path)  # everything validate imports is imported before the child drops root
    code, out, err = as_nobody("validate", path)
    assert code == 2 and out == "" and err.startswith("attrib: E100 ") and err.count("\n") == 1, err
    assert err == f"attrib: E100 {path}: cannot open (Permission denied)\n"



@pytest.mark.parametrize("args, option", [
    (("backend", "--port", "70000", "--data-dir", "{tmp}/b"), "'--port'"),  # was an OverflowError traceback from bind()
    (("backend", "--port", "-1", "--data-dir", "{tmp}/b"), "'--port'"),
    (("studio", "--data-dir", "{tmp}/s", "--port", "70000"), "'--port'"),
    (("backend", "--port", "0", "--data-dir", "{tmp}/afile"), "'--data-dir'"),  # was FileExistsError
    (("studio", "--data-dir", "{tmp}/afile"), "'--data-dir'"),  # was NotADirectoryError
])
def test_a_port_out_of_range_or_a_file_as_data_dir_is_a_usage_error(tmp_path, args, option):
    (tmp_path / "afile").write_text("", encoding="utf-8")
    ran = attrib(*(arg.format(tmp=tmp_path) for arg in args))
    assert ran.code == 2 and "Traceback" not in ran.err
    assert ran.err.startswith(f"attrib: Invalid value for {option}") and ran.err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # nothing made


def test_train_refuses_an_unknown_prefer_before_it_reads_anything(tmp_path):
    """`--prefer banana` was accepted, and train read and parsed its data before the component refused it (E120)."""
    ran = attrib("train", tmp_path / "missing.jsonl", "-o", tmp_path / "model", "--prefer", "banana")
    assert ran.code == 2 and "'banana' is not one of 'rules', 'learned'" in ran.err
    assert "missing.jsonl" not in ran.err and not (tmp_path / "model").exists()


@pytest.mark.skipif(not hasattr(os, "fork") or os.geteuid() != 0, reason="drops root in a forked child")
def test_a_folder_inside_an_input_that_cannot_be_read_is_said_not_dropped():
    """Its .txt files were left out without a word (0 skipped); the child is no longer root, so the folder is shut.
    (In a folder of /tmp: pytest's own are root's alone.)"""
    tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        _shut_folder_said(tmp_path)
    finally:
        (tmp_path / "corpus" / "shut").chmod(0o755)
        shutil.rmtree(tmp_path)


def _shut_folder_said(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "shut").mkdir(parents=True)
    (corpus / "a.txt").write_text("The mayor said that the park is open.", encoding="utf-8")
    (corpus / "shut" / "b.txt").write_text("Police said that two men were arrested.", encoding="utf-8")
    (corpus / "shut").chmod(0o000)
    for folder in (tmp_path, corpus):
        folder.chmod(0o777)
    attrib("annotate", corpus / "a.txt", "-o", tmp_path / "warm.jsonl")  # imports done before the child drops root
    code, _, err = as_nobody("annotate", corpus, "-o", tmp_path / "out.jsonl")
    assert code == 0 and f"skipped: E100 {corpus / 'shut'}: cannot read the folder (Permission denied)" in err, err
    assert "1 skipped" in err


def test_an_error_quoting_a_huge_value_is_still_one_short_line(tmp_path):
    """An id of megabytes was quoted whole: one error "line" of 10 MB (validate's report too); a line break in a
    quoted value split the line."""
    huge = tmp_path / "huge.jsonl"
    huge.write_text(json.dumps({"id": "x" * 3_000_000, "text": "a b", "attributions": [
        {"kind": "indirect", "content": [{"start": 0, "end": 3, "text": "zz"}], "source": [], "cue": []}]}) + "\n",
        encoding="utf-8")  # and a wrong text
    report = attrib("validate", huge)
    assert report.code == 1 and len(report.out) < 2000 and "record xxxx" in report.out
    huge.write_text(huge.read_text(encoding="utf-8").replace('"zz"', '"a b"'), encoding="utf-8")
    ran = attrib("labelstudio", "tasks", huge, huge, "-o", tmp_path / "t.json")  # the id again: quoted twice
    assert ran.code == 2 and ran.err.count("\n") == 1 and len(ran.err) <= 2010 and ran.err.endswith("…\n")
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold.write_text(json.dumps({"id": "g", "text": "x", "attributions": []}) + "\n", encoding="utf-8")
    pred.write_text(json.dumps({"id": "a\nb", "text": "x", "attributions": []}) + "\n", encoding="utf-8")
    ran = attrib("eval", gold, pred)  # no id in common: one line, the ids quoted
    assert ran.code == 2 and ran.err == (f"attrib: E100 {pred}: no document id in common with {gold} (there 'g', here "
                                         "'a\\nb'): nothing to pair; documents pair by id\n")
    pred.write_text(pred.read_text(encoding="utf-8") + gold.read_text(encoding="utf-8"), encoding="utf-8")
    ran = attrib("eval", gold, pred)  # the warning named the predicted id over two lines
    assert ran.code == 0 and ran.err == f"attrib: warning: 1 predicted document not in {gold}, not scored: 'a\\nb'\n"


@pytest.mark.parametrize("args, said", [
    (("annotate", "{tmp}/a.txt", "--force", "-o", "{tmp}/x.jsonl"), "Invalid value for --force: applies to --cluster"),
    (("annotate", "{tmp}/a.txt", "--partition-size", "2MiB", "-o", "{tmp}/x.jsonl"),
     "Invalid value for --partition-size: applies to --cluster"),  # was ignored without a word
    (("train", "{tmp}/a.txt", "-o", "-"), "Invalid value for --output: - (standard output) cannot hold a model"),
    (("studio", "-d", "{tmp}/st", "--stop", "--backend"), "Invalid value for --stop: stops the server: --backend would"),
    (("studio", "-d", "{tmp}/st", "--stop", "-p", "P", "-m", "M"),
     "Invalid value for --stop: stops the server: --project, --model would be ignored"),  # exit 0 before
    (("studio", "-d", "{tmp}/st", "-p", "P"), "Invalid value for --project: names the project of --push or --backend"),
    (("studio", "-d", "{tmp}/st", "-m", "M"), "Invalid value for --model: applies to --backend: give it too"),
    (("studio", "-d", "{tmp}/st", "--train-every", "5"), "Invalid value for --train-every: applies to --backend"),
    (("studio", "-d", "{tmp}/st", "--stop", "--train-steps", "5"), "Invalid value for --stop: stops the server: "
                                                                    "--train-steps would be ignored"),
    (("studio", "-d", "{tmp}/st", "--push", "{tmp}/nope.jsonl"), "E100 {tmp}/nope.jsonl: no such file"),  # after a start
])
def test_an_option_that_would_be_ignored_is_a_usage_error(tmp_path, args, said):
    (tmp_path / "a.txt").write_text("She said so.\n", encoding="utf-8")
    ran = attrib(*(arg.format(tmp=tmp_path) for arg in args))
    assert ran.code == 2 and ran.err.startswith(f"attrib: {said.format(tmp=tmp_path)}") and ran.err.count("\n") == 1, ran.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_messages_say_what_the_file_is(tmp_path):
    """`merge` of a mistyped folder said "run it again: finished parts are kept"; `agreement` of records said
    "expected a JSON array ([...]), found '{'"; `validate --as export` of records said "holding export"."""
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps({"id": "a", "text": "x", "attributions": []}) + "\n", encoding="utf-8")
    assert attrib("merge", tmp_path / "nowhere", "-o", tmp_path / "m.jsonl").err == (
        f"attrib: E100 {tmp_path / 'nowhere'}: no such folder: give the -o folder of an `attrib annotate --cluster` run\n")
    assert attrib("merge", records, "-o", tmp_path / "m.jsonl").err.startswith(
        f"attrib: E100 {records}: a file, not a folder of parts")
    assert attrib("agreement", records).err.startswith(
        f"attrib: E100 {records}: starts with '{{', not a JSON array as a Label Studio export does (JSON Lines of")
    assert attrib("validate", records, "--as", "export").err.startswith(
        f"attrib: E100 {records}: is JSON Lines (or one JSON object), but Label Studio exports are one JSON array")


def test_utf16_text_is_named_so(tmp_path):
    """A file saved as Windows' "Unicode" read as "not JSON (starts with 'ÿ')", "not valid UTF-8 (byte 1 of the
    line)" or "binary data (NUL byte at 3)", by command."""
    text = tmp_path / "doc.txt"
    text.write_bytes("He said so.".encode("utf-16"))
    records = tmp_path / "docs.jsonl"
    records.write_bytes('{"id": "a", "text": "x"}\n'.encode("utf-16"))
    said = "is UTF-16 (or UTF-32) text, by its byte order mark: attrib reads UTF-8; save it as UTF-8"
    assert attrib("annotate", text, "-o", tmp_path / "o.jsonl").err.startswith(f"attrib: skipped: E100 {text}: {said}")
    for args in (("validate", records), ("eval", records, records), ("show", records)):
        ran = attrib(*args)
        assert ran.code != 0 and ran.err.startswith(f"attrib: E100 {records}: {said}"), ran.err
    for stdin in (text.read_bytes(), records.read_bytes()):  # on stdin it read as "binary data (NUL byte at 1)"
        ran = attrib_process("annotate", "-", "-o", tmp_path / "piped.jsonl", stdin=stdin)
        assert ran.code == 1 and ran.err.startswith(f"attrib: skipped: E100 <stdin>: {said}"), ran.err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_txt_name_in_a_folder_that_is_no_file_is_said_not_dropped(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("She said so.\n", encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    ran = attrib("annotate", folder, "-o", tmp_path / "out.jsonl")
    assert ran.code == 0 and sorted(ran.err.splitlines()[:2]) == [
        f"attrib: skipped: E100 {folder / 'gone.txt'}: a broken link, not a file: its text is not read",
        f"attrib: skipped: E100 {folder / 'pipe.txt'}: a named pipe, not a file: its text is not read"], ran.err


@pytest.mark.parametrize("args", [
    ("merge", "{loop}", "-o", "{tmp}/merged.jsonl"),
    ("merge", "{tmp}/records.jsonl", "-o", "{loop}"),
    ("train", "{loop}", "-o", "{tmp}/model"),
    ("train", "{tmp}/records.jsonl", "-o", "{loop}"),
])
def test_a_link_that_loops_is_one_line_in_merge_and_train(tmp_path, args):
    """Path.resolve() raised RuntimeError on a link loop: a traceback; `train -o LOOP` trained, then failed to write."""
    (tmp_path / "records.jsonl").write_text(RECORD + RECORD.replace("r1", "r2"), encoding="utf-8")
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "back")
    (tmp_path / "back").symlink_to(loop)
    ran = attrib(*(a.format(loop=loop, tmp=tmp_path) for a in args))
    assert ran.code == 2 and "Traceback" not in ran.err and len(ran.err.strip().splitlines()) == 1, ran.err
    assert str(loop) in ran.err or args[:2] == ("merge", "{tmp}/records.jsonl")  # there the input is what is wrong


@pytest.mark.skipif(not hasattr(os, "fork") or os.geteuid() != 0, reason="drops root in a forked child")
@pytest.mark.parametrize("mode, said", [(0o000, "shut: cannot read the folder (Permission denied): its documents would "
                                                 "be left out"),
                                        (0o444, "shut/b.txt: cannot open (Permission denied)")])
def test_import_brat_says_which_folder_it_cannot_read(mode, said):
    """A folder that cannot be listed was skipped without a word (1 record written); one that can be listed but not
    searched ended in a PermissionError traceback from Path.is_file()."""
    tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))
    corpus = tmp_path / "corpus"
    try:
        (corpus / "shut").mkdir(parents=True)
        for name in ("a", "shut/b"):
            (corpus / f"{name}.txt").write_text("hi", encoding="utf-8")
            (corpus / f"{name}.ann").write_text("T1\tContent 0 2\thi\nE1\tAttribution:T1 Content:T1\n", encoding="utf-8")
        (corpus / "shut").chmod(mode)
        for folder in (tmp_path, corpus):
            folder.chmod(0o777)
        attrib("import", "brat", corpus / "a.ann", "-o", tmp_path / "warm.jsonl")  # imports done before dropping root
        code, out, err = as_nobody("import", "brat", corpus, "-o", tmp_path / "out.jsonl")
        assert code == 2 and err == f"attrib: E100 {corpus}/{said}\n", err
        assert not (tmp_path / "out.jsonl").exists()
    finally:
        (corpus / "shut").chmod(0o755)
        shutil.rmtree(tmp_path)


def test_shortening_for_one_line_reads_only_the_start_of_a_long_text():
    """`shorten(..., one_line=True)` split the whole text into words first: a content of megabytes, shown by `attrib
    show`, made a list of every word. The start alone is read now, and the cut is still marked."""
    from attrib.errors import shorten

    assert shorten("a  b\n\tc", 10, one_line=True) == "a b c"
    assert shorten("word " * 1000, 12, one_line=True) == "word word w…"
    assert shorten("x" + " " * 500 + "y", 12, one_line=True) == "x…"  # y lies past the start read, which ended in space
    assert shorten("x" + " " * 50 + "y", 12, one_line=True) == "x y"
    assert shorten("a\x1b[2J" + "b" * 100, 8, one_line=True) == "a\\x1b[2…"


@pytest.mark.parametrize("attributions, said", [
    ({"attributons": []}, 'no "attributions" (a record without any has "attributions": []'),  # a misspelt key
    ({"attributions": None}, '"attributions" must be an array, got null'),
])
@pytest.mark.parametrize("command", [["eval", "{path}", "{path}"], ["export", "{path}", "-f", "jsonl", "-o", "{out}"],
                                     ["show", "{path}"]])
def test_a_record_without_its_attributions_list_is_refused_not_read_as_none(tmp_path, attributions, said, command):
    """A misspelt "attributions" (or null) was read as a record without attributions: eval scored the reference
    as empty, export moved the key into meta and wrote "attributions": [], both exit 0 (validate: V101)."""
    path, out = tmp_path / "gold.jsonl", tmp_path / "out.jsonl"
    path.write_text(json.dumps({"id": "d1", "text": "Officials said the plan failed.", **attributions}) + "\n")
    ran = attrib(*(arg.format(path=path, out=out) for arg in command))
    assert ran.code == 2 and ran.err.startswith(f"attrib: E100 {path}:1: {said}"), ran.err
    assert ran.err.count("\n") == 1 and not out.exists() and ran.out == ""


@pytest.mark.parametrize("fmt", ["jsonl", "conll", "brat"])
def test_export_refuses_a_span_of_white_space_only(tmp_path, fmt):
    """validate calls it V205; export wrote it, and `-f conll` wrote its attribution with no CONTENT tag at all
    ("2 attributions written"), exit 0."""
    text = "Officials said   the plan failed."
    frag = lambda s, e: {"start": s, "end": e, "text": text[s:e]}  # noqa: E731
    record = {"id": "w", "text": text, "attributions": [
        {"id": "a0", "kind": "indirect", "source": [frag(0, 9)], "cue": [frag(10, 14)], "content": [frag(17, 32)]},
        {"id": "a1", "kind": "indirect", "source": [frag(0, 9)], "cue": [frag(10, 14)], "content": [frag(14, 16)]}]}
    path, out = tmp_path / "records.jsonl", tmp_path / f"out.{fmt}"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    ran = attrib("export", path, "-f", fmt, "-o", out)
    assert ran.code == 2 and ran.err == (f"attrib: E100 {path}: document 'w', $.attributions[1].content[0]: span [14, "
                                         "16) covers white space only: correct or remove it (`attrib validate` lists "
                                         "such spans: V205)\n")
    assert not out.exists()


def test_a_folder_tree_deeper_than_pythons_recursion_limit_is_read(tmp_path, monkeypatch):
    """Python 3.11's os.walk (and Path.rglob) recurse once per level: a tree 1,100 folders deep ended annotate and
    import brat in E170 ("nested past Python's recursion limit"), naming no folder. jsonio.walk is a loop."""
    import sys

    from attrib.jsonio import walk
    from attrib.training.train import _fingerprint

    monkeypatch.chdir(tmp_path)
    levels = sys.getrecursionlimit() + 100
    os.mkdir("tree")
    try:
        os.chdir("tree")
        for _ in range(levels):  # os.makedirs recurses too
            os.mkdir("a")
            os.chdir("a")
        Path("d.txt").write_text("Officials said the plan failed.\n", encoding="utf-8")
        Path("d.ann").write_text("T1\tSource 0 9\tOfficials\nT2\tCue 10 14\tsaid\nT3\tContent 15 30\tthe plan failed\n"
                                 "E1\tAttribution:T2 Source:T1 Cue:T2 Content:T3\n", encoding="utf-8")
        os.chdir(tmp_path)
        for command in (["annotate", "tree", "-o", "records.jsonl"], ["import", "brat", "tree", "-o", "brat.jsonl"]):
            ran = attrib(*command)
            assert ran.code == 0 and "Traceback" not in ran.err, ran.err
            assert [r["text"] for r in map(json.loads, Path(command[-1]).read_text(encoding="utf-8").splitlines())] == \
                ["Officials said the plan failed.\n"]
        assert len(_fingerprint(["tree"])[0]["sha256"]) == 64
        assert list(walk(tmp_path / "no such folder")) == [] and len(list(walk("tree"))) == levels + 1
    finally:  # shutil.rmtree recurses too: pytest's clean-up of tmp_path would end in a RecursionError
        os.chdir(tmp_path)
        for here, _, files in reversed(list(walk("tree"))):
            for name in files:
                os.unlink(os.path.join(here, name))
            os.rmdir(here)


@pytest.mark.parametrize("args", [("export", "-", "-f", "jsonl", "-o", "{tmp}/x.jsonl"), ("validate", "-"),
                                  ("labelstudio", "records", "-", "-o", "{tmp}/r.jsonl"), ("agreement", "-"),
                                  ("train", "-", "-o", "{tmp}/model")])
def test_standard_input_where_a_file_is_read_is_said_so(tmp_path, args):
    """`show`, `eval` and `labelstudio tasks` read `-` as standard input; these read files, and said "-: no such file"."""
    ran = attrib(*(arg.format(tmp=tmp_path) for arg in args), stdin=b"{}\n")
    assert ran.code == 2 and ran.err == "attrib: E100 - (standard input): this input is read as a file: name one\n"
    assert list(tmp_path.iterdir()) == []


def test_a_loop_of_links_given_to_annotate_is_said_as_the_other_commands_say_it(tmp_path):
    """Path.exists() says False to a link that loops, and annotate said "no such file or folder" of a name `ls` lists;
    the other commands said what stat says."""
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    ran = attrib("annotate", loop, "-o", tmp_path / "out.jsonl")
    assert ran.code == 1 and f"attrib: skipped: E100 {loop}: cannot open (Too many levels of symbolic links)" in ran.err
    said = f"attrib: E100 {loop}: cannot open (Too many levels of symbolic links)"
    assert attrib("validate", loop).err.strip() == said
