"""The README as a newcomer follows it, on the demo, against a real Label Studio.

The `console` blocks of the Quick start and of the Label Studio section run in order, in a folder laid
out as a fresh clone after `make demo` (the bundled example, `.studio` the test server `attrib studio`
started); `make demo` runs the Makefile's own recipe. Each `$ command` must exit as the README shows
(an `attrib: E...` line: non-zero, else 0) and print what it shows, line for line, stdout and stderr
interleaved as on a terminal: `…` stands for any text within a line, a line of `…` for any lines. Between
the two blocks of the Label Studio section, two annotators do what its step 2 asks, through the API (the
browser check does it by hand). Then the record example must be what `attrib annotate` wrote, the
Datasets section's commands must run, and so must every command's `--help` example.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from attrib.cli import command
from attrib.cli.app import example_of
from attrib.lsjson.convert import attributions_to_result
from attrib.records import iter_records
from conftest import ROOT
from runs import Ran, attrib
from test_cli_help import ALL

pytestmark = pytest.mark.labelstudio

README = (ROOT / "README.md").read_text(encoding="utf-8")
ELLIPSIS = "…"


@dataclass
class Step:
    """A `$ command` of a console block and the lines the README shows it printing."""

    command: str
    shown: list[str]


def section(title: str) -> str:
    """The text under the heading that starts with `title`, up to the next heading of the same or a higher level."""
    found = re.search(rf"^(#+) {re.escape(title)}.*$", README, re.M)
    assert found, f"README has no section {title!r}"
    level = len(found[1])
    end = re.search(rf"^#{{1,{level}}} ", README[found.end():], re.M)
    return README[found.end(): found.end() + end.start() if end else len(README)]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.M | re.S)


def console_steps(block: str) -> list[Step]:
    steps: list[Step] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append(Step(line[2:], []))
        else:
            steps[-1].shown.append(line)
    return steps


def shows(shown: list[str], printed: list[str]) -> bool:
    """True when `printed` is what `shown` shows: `…` any text in a line, a line of `…` any lines."""
    if not shown:
        return not printed
    head, rest = shown[0], shown[1:]
    if head == ELLIPSIS:
        return any(shows(rest, printed[i:]) for i in range(len(printed) + 1))
    pattern = ".*".join(map(re.escape, head.split(ELLIPSIS)))
    return bool(printed) and re.fullmatch(pattern, printed[0]) is not None and shows(rest, printed[1:])


def demo_recipe() -> list[str]:
    """The commands of the Makefile's `demo` target, as attrib command lines."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", makefile, re.M)[1]
    lines = [line.strip() for line in recipe.splitlines()]
    return [line.replace("$(BIN)/attrib", "attrib") for line in lines if not line.startswith("@echo")]


def run(line: str) -> Ran:
    """A command line as a shell would run it: `make demo` by its recipe, `attrib ...` in this process."""
    words = shlex.split(line, comments=True)
    env = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    if words == ["make", "demo"]:
        runs = [run(recipe_line) for recipe_line in demo_recipe()]
        failed = [r.code for r in runs if r.code]
        return Ran(failed[0] if failed else 0, "".join(r.out for r in runs), "")
    assert words[0] == "attrib", f"the README walk runs attrib and make demo, not {line!r}"
    return attrib(*words[1:], env=env, merged=True)


def walk(block: str) -> None:
    for step in console_steps(block):
        done = run(step.command)
        failing = any(line.startswith("attrib: E") for line in step.shown)
        assert (done.code != 0) == failing, f"$ {step.command}\nexit {done.code}\n{done.out}"
        assert shows(step.shown, done.out.splitlines()), f"$ {step.command}\nprinted:\n{done.out}\nREADME shows:\n" + "\n".join(step.shown)


def like(shown, actual) -> bool:
    """The README's example value against a real one: strings with `…` as patterns, attributions by id."""
    if isinstance(shown, str) and ELLIPSIS in shown:
        return isinstance(actual, str) and re.fullmatch(".*".join(map(re.escape, shown.split(ELLIPSIS))), actual, re.S) is not None
    if isinstance(shown, dict):
        return isinstance(actual, dict) and set(shown) == set(actual) and all(like(v, actual[k]) for k, v in shown.items())
    if isinstance(shown, list) and shown and all(isinstance(v, dict) and "id" in v for v in shown):
        by_id = {v.get("id"): v for v in actual}
        return all(v["id"] in by_id and like(v, by_id[v["id"]]) for v in shown)
    if isinstance(shown, list):
        return isinstance(actual, list) and len(shown) == len(actual) and all(map(like, shown, actual))
    return shown == actual


def annotate_as_two_people(label_studio) -> None:
    """Step 2 of the walk: the admin deletes one drafted attribution and submits; a second annotator submits
    the drafts as they are."""
    client = label_studio.client()
    project = client.project("attrib seed")
    (task,) = client.tasks(project["id"], predictions=True)
    (prediction,) = task["predictions"]
    (record,) = iter_records([Path("out/seed.records.jsonl")])
    corrected = attributions_to_result(record["text"], record["attributions"][1:])
    second = client._http("POST", "api/users/", "adding an annotator", json={"email": "reader-two@localhost", "username": "reader-two"})
    client.sdk.annotations.create(id=task["id"], result=corrected, lead_time=30.0, parent_prediction=prediction["id"])
    client.sdk.annotations.create(id=task["id"], result=prediction["result"], lead_time=12.0,
                                  parent_prediction=prediction["id"], completed_by=second["id"])


def test_the_readme_walk_works_as_written(label_studio, tmp_path, monkeypatch):
    shutil.copytree(ROOT / "annotations", tmp_path / "annotations")
    (tmp_path / ".studio").symlink_to(label_studio.data_dir)  # the server `make demo` started
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("ATTRIB_STUDIO", raising=False)

    for block in blocks(section("Quick start"), "console"):
        walk(block)
    (record,) = iter_records([Path("out/seed.records.jsonl")])
    (shown,) = blocks(section("The record"), "json")
    assert like(json.loads(shown), record), "the README's record example is not what attrib annotate writes"

    before, after = blocks(section("Label Studio"), "console")
    walk(before)
    annotate_as_two_people(label_studio)
    walk(after)
    assert "alpha" in Path("out/agreement.html").read_text(encoding="utf-8")

    for block in blocks(section("Datasets"), "sh"):
        for line in block.splitlines():
            done = run(line)
            assert done.code == 0, f"$ {line}\n{done.out}"
    (python,) = blocks(section("Datasets"), "python")
    scope: dict = {}
    exec(python, scope)  # noqa: S102  the README's DocBin snippet, as written
    assert scope["attributions"] == record["attributions"]
    assert json.loads(json.dumps(scope["docs"][0]._.attributions)) == record["attributions"]

    for path, cmd in ALL:
        example = example_of(cmd)
        words = shlex.split(example)
        if path in (("train",), ("backend",)):  # a training run, a server: parsed, not run
            command().commands[path[0]].make_context(path[0], words[2:])
            continue
        if path == ("merge",):  # merge joins the parts of a cluster run: make one first
            made = run("attrib annotate annotations/examples/seed-000.txt -o out/archive.parts --cluster local:1")
            assert made.code == 0, made.out
        done = run(example)
        assert done.code == 0, f"{' '.join(path)}: $ {example}\n{done.out}"
