"""`attrib import brat` and `attrib export` as a user runs them: messages, exit codes, files written."""

from __future__ import annotations

from runs import attrib
from test_formats_brat import files, polnear_folder


def test_polnear_folder_in_and_out_again(tmp_path):
    source = polnear_folder(tmp_path / "dev")
    imported = attrib("import", "brat", source, "-o", tmp_path / "dev.jsonl")
    assert imported.code == 0, imported.err
    assert imported.err == f"2 records written to {tmp_path / 'dev.jsonl'}\n"
    exported = attrib("export", tmp_path / "dev.jsonl", "-f", "brat", "--layout", "polnear", "-o", tmp_path / "again")
    assert exported.code == 0, exported.err
    assert "2 records of 1 document, 10 attributions written to" in exported.err  # two annotators of one
    assert files(tmp_path / "again") == files(source)


def test_bad_input_is_one_line_and_an_exit_code(tmp_path):
    missing = attrib("export", tmp_path / "nope.jsonl", "-f", "jsonl", "-o", tmp_path / "out.jsonl")
    assert missing.code == 2
    assert missing.err == f"attrib: E100 {tmp_path / 'nope.jsonl'}: no such file\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "doc.txt").write_text("Ann said so.")
    (tmp_path / "in" / "doc.ann").write_text("T1\tContent 0 3\tBob\n")
    broken = attrib("import", "brat", tmp_path / "in", "-o", tmp_path / "out.jsonl")
    assert broken.code == 1 and broken.err.startswith("attrib: E110 ") and len(broken.err.splitlines()) == 1
    assert f"{tmp_path / 'in' / 'doc.ann'}:1: T1 says 'Bob'" in broken.err
    assert not (tmp_path / "out.jsonl").exists()


def test_standard_output_takes_the_text_formats_only(tmp_path, monkeypatch):
    """`-f brat -o -` made a folder named `-`, and spacy and parquet wrote their bytes to the terminal."""
    source = polnear_folder(tmp_path / "dev")
    assert attrib("import", "brat", source, "-o", tmp_path / "dev.jsonl").code == 0
    monkeypatch.chdir(tmp_path)
    for fmt, needs in (("brat", "folder"), ("spacy", "file"), ("parquet", "file")):
        ran = attrib("export", tmp_path / "dev.jsonl", "-f", fmt, "-o", "-")
        assert ran.code == 2 and ran.out == "", ran.err
        assert f"- (standard output) takes jsonl or conll; {fmt} needs a {needs}" in ran.err
    assert not (tmp_path / "-").exists()
    for fmt in ("jsonl", "conll"):
        ran = attrib("export", tmp_path / "dev.jsonl", "-f", fmt, "-o", "-")
        assert ran.code == 0 and ran.out, ran.err


def test_an_option_of_another_format_is_refused_not_ignored(tmp_path):
    source = polnear_folder(tmp_path / "dev")
    assert attrib("import", "brat", source, "-o", tmp_path / "dev.jsonl").code == 0
    for args, said in ((["-f", "jsonl", "--layout", "polnear"], "--layout: applies to -f brat, not -f jsonl"),
                       (["-f", "brat", "--tags", "rich"], "--tags: applies to -f conll, not -f brat")):
        ran = attrib("export", tmp_path / "dev.jsonl", *args, "-o", tmp_path / "out")
        assert ran.code == 2 and said.split(": ", 1)[1] in ran.err and not (tmp_path / "out").exists(), ran.err


def test_choose_on_records_is_refused_not_ignored(tmp_path):
    """--choose picks among an export's annotations; on records it was ignored, and brat's message for two records of
    one id advised it."""
    source = polnear_folder(tmp_path / "dev")
    assert attrib("import", "brat", source, "-o", tmp_path / "dev.jsonl").code == 0
    for command, said in ((["export", tmp_path / "dev.jsonl", "-f", "jsonl", "--choose", "latest"],
                           "holds records, each already one version of a document: --choose picks among"),
                          (["labelstudio", "records", tmp_path / "dev.jsonl"], "holds records, not a Label Studio export")):
        ran = attrib(*command, "-o", tmp_path / "out.jsonl")
        assert ran.code == 2 and said in ran.err and ran.err.count("\n") == 1, ran.err  # one line, E100
        assert not (tmp_path / "out.jsonl").exists()
    assert attrib("export", tmp_path / "dev.jsonl", "-f", "jsonl", "-o", tmp_path / "out.jsonl").code == 0


def test_help_ends_with_an_example():
    for command in (["export"], ["import"], ["import", "brat"]):
        help_text = attrib(*command, "--help").out
        assert "Example: attrib " in help_text, command


def test_the_dataset_card_is_never_written_over_the_input(tmp_path):
    """`export in.card.md -f jsonl -o in.jsonl` replaced the input with the card of its own records."""
    source = polnear_folder(tmp_path / "dev")
    assert attrib("import", "brat", source, "-o", tmp_path / "in.card.md").code == 0
    before = (tmp_path / "in.card.md").read_bytes()
    ran = attrib("export", tmp_path / "in.card.md", "-f", "jsonl", "-o", tmp_path / "in.jsonl")
    assert ran.code == 2 and "is also an input of this command" in ran.err, ran.err
    assert (tmp_path / "in.card.md").read_bytes() == before and not (tmp_path / "in.jsonl").exists()
