"""Every command has help that ends with a runnable `Example:` of that very command."""

from __future__ import annotations

import pytest
import typer.main

from attrib.cli import app


def commands(group, path: tuple[str, ...] = ()) -> list:
    found = [(path, group)]
    if hasattr(group, "commands"):
        for name, command in group.commands.items():
            found.extend(commands(command, path + (name,)))
    return found


ALL = commands(typer.main.get_command(app))


def test_the_tree_holds_the_main_commands():
    names = {" ".join(path) for path, _ in ALL}
    assert {"annotate", "eval", "validate", "export", "labelstudio push", "labelstudio pull"} <= names


@pytest.mark.parametrize("path, command", ALL, ids=[" ".join(p) or "attrib" for p, _ in ALL])
def test_help_ends_with_an_example_of_the_command(path, command):
    help_text = (command.help or "").strip()
    assert help_text, f"attrib {' '.join(path)} has no help"
    last = help_text.splitlines()[-1].strip()
    assert last.startswith("Example: "), last
    words = last.removeprefix("Example: ").split()
    at = words.index("attrib")
    assert all("=" in w for w in words[:at]), last  # only environment settings before the command
    assert words[at + 1 : at + 1 + len(path)] == list(path), last


def test_usage_errors_are_short_and_exit_2():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "attrib", "annotate", "--bogus"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "No such option: --bogus" in result.stderr and "Traceback" not in result.stderr
