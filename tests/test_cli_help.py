"""Every command's help ends with an `Example:` of that very command, printed last, on one line.

tests/test_readme.py runs each example on the demo's files."""

from __future__ import annotations

import pytest

from attrib import __version__
from attrib.cli import command
from attrib.cli.app import example_of
from runs import attrib


def commands(group, path: tuple[str, ...] = ()) -> list:
    found = [(path, group)]
    if hasattr(group, "commands"):
        for name, sub in group.commands.items():
            found.extend(commands(sub, path + (name,)))
    return found


ALL = commands(command())


def test_the_tree_holds_the_main_commands():
    names = {" ".join(path) for path, _ in ALL}
    assert {"annotate", "eval", "validate", "export", "labelstudio push", "labelstudio pull"} <= names


@pytest.mark.parametrize("path, cmd", ALL, ids=[" ".join(p) or "attrib" for p, _ in ALL])
def test_help_ends_with_an_example_of_the_command(path, cmd):
    assert (cmd.help or "").strip(), f"attrib {' '.join(path)} has no help"
    shown = attrib(*path, "--help", env={"COLUMNS": "80"})
    assert shown.code == 0
    last = shown.out.rstrip("\n").split("\n\n")[-1]
    assert "\n" not in last.strip(), last  # one line, however long: click does not rewrap it
    assert last.strip() == f"Example: {example_of(cmd)}"
    words = example_of(cmd).split()
    assert words[: 1 + len(path)] == ["attrib", *path], last
    assert "Options:" in shown.out.split(last)[0]  # after the options


def test_version():
    done = attrib("--version")
    assert done.code == 0 and done.out == f"attrib {__version__}\n"


def test_usage_errors_are_short_and_exit_2():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "attrib", "annotate", "--bogus"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("attrib: No such option: --bogus") and result.stderr.count("\n") == 1
    assert result.stderr.endswith("attrib annotate --help')\n")  # was click's four lines


@pytest.mark.parametrize("args, says, help_of", [
    (("eval",), "Missing argument 'gold'.", "attrib eval"),
    (("nosuch",), "No such command 'nosuch'.", "attrib"),
    (("labelstudio", "push", "--bogus"), "No such option: --bogus", "attrib labelstudio push"),
    # click gives these no context: the help named was attrib's own
    (("annotate", "x.txt", "-o"), "Option '-o' requires an argument.", "attrib annotate"),
    (("-v", "labelstudio", "push", "-p"), "Option '-p' requires an argument.", "attrib labelstudio push"),
])
def test_every_usage_error_is_one_line_naming_the_help_to_read(args, says, help_of):
    done = attrib(*args)
    assert done.code == 2 and done.err.startswith(f"attrib: {says} (see '") and done.err.count("\n") == 1
    assert done.err.endswith(f"{help_of} --help')\n")


@pytest.mark.parametrize("args", [(), ("labelstudio",), ("import",)])
def test_a_command_group_without_a_command_shows_its_help_as_it_is(args):
    """Made one line with the other usage errors, the whole help came out on one line."""
    done = attrib(*args)
    assert done.code == 2 and done.err.startswith("Usage: ") and "\n\nOptions:\n" in done.err, done.err
