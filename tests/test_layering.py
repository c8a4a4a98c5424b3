"""The package's layering: each module or package of attrib imports only those below it.

LAYERS is the one place that states the order. A module may import from its own package and
from any unit listed before its own; an import of a unit listed after it (a cycle in the making)
fails here with the file, the line and the import. Imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "attrib"

# Lowest first. A unit is a top-level module (records.py -> "records") or a subpackage ("lsjson").
LAYERS = [
    "__init__",  # the version
    "errors",
    "counts",  # "1 document", "2 documents"
    "threads",  # one thread per annotating process
    "bundled",  # files shipped with the package
    "jsonsafe",  # parsing one JSON text: depth, numbers, surrogates
    "jsonarray",  # a JSON array element by element
    "jsonio",
    "locks",  # runs on this machine that must not overlap
    "lines",  # JSON Lines, and Parquet rows as the lines they stand for
    "records",
    "schemas",
    "documents",  # annotate's inputs
    "lsjson",  # Label Studio's JSON: pure conversions, no network
    "evaluate",
    "validation",
    "review",
    "alpha",  # chance-corrected agreement over characters
    "agreement",
    "report_html",
    "spacy_doc",
    "long_runs",  # text quick for spaCy's tokenizer, offsets kept
    "emoji",  # an emoji of several code points one token
    "formats",
    "pipeline",  # the spaCy components
    "pipe_workers",  # a multi-process nlp.pipe's workers, stopped by their parent
    "torch_kept_out",  # out of a process whose pipeline needs none
    "annotate",
    "cluster",  # annotate and validate on Dask
    "training",
    "labelstudio",  # the network: client, servers, project operations
    "backend",  # attrib backend: the Label Studio ML backend (an HTTP server)
    "cli",
    "console",  # the console script: imports cli under a Ctrl-C guard
    "__main__",
]
RANK = {unit: rank for rank, unit in enumerate(LAYERS)}


def unit_of(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return parts[0]


def imported_units(path: Path) -> list[tuple[int, str, str]]:
    """(line, attrib unit, import as written) for every import of attrib code in the file at `path`."""
    package = path.relative_to(SRC.parent).with_suffix("").parts[:-1]  # ("attrib", "cli") for cli/app.py
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            target = base + (node.module.split(".") if node.module else [])
            targets = [target] if node.module else [target + [alias.name] for alias in node.names]
            written = "from " + "." * node.level + (node.module or "") + " import " + ", ".join(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
            written = "import " + ", ".join(alias.name for alias in node.names)
        else:
            continue
        for target in targets:
            if target[0] == "attrib":
                name = target[1] if len(target) > 1 else "__init__"
                is_unit = (SRC / name).is_dir() or (SRC / f"{name}.py").is_file()
                found.append((node.lineno, name if is_unit else "__init__", written))
    return found


FILES = sorted(SRC.rglob("*.py"))


def test_every_unit_has_a_layer():
    units = {unit_of(path) for path in FILES}
    assert units <= set(LAYERS), f"add {sorted(units - set(LAYERS))} to LAYERS in {Path(__file__).name}"


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SRC)) for p in FILES])
def test_imports_go_down_only(path):
    own = unit_of(path)
    wrong = [
        f"{path.relative_to(SRC.parents[1])}:{line}: `{written}` ({own} may not import {unit}, which is above it)"
        for line, unit, written in imported_units(path)
        if unit != own and RANK.get(unit, -1) > RANK[own]
    ]
    assert not wrong, "\n".join(wrong)


def test_the_scan_sees_relative_and_absolute_imports(tmp_path):
    """The scanner itself: a relative import two levels up, a package import and an absolute one."""
    module = SRC / "validation" / "checks.py"
    units = {unit for _, unit, _ in imported_units(module)}
    assert {"lsjson", "records"} <= units
    cli = {unit for _, unit, _ in imported_units(SRC / "cli" / "labelstudio.py")}
    assert "labelstudio" in cli and "lsjson" in cli


HEAVY = ("spacy", "numpy", "thinc", "torch", "label_studio_sdk", "starlette", "uvicorn", "dask", "distributed",
         "pyarrow", "sklearn", "httpx")


def test_the_cli_imports_no_heavy_library_before_a_command_runs():
    """`attrib --help` and a command's start stay quick and small: heavy libraries are imported inside the
    commands that use them (numpy alone reserves ~120 MB of address space for its thread pools)."""
    import subprocess
    import sys

    code = "import sys, attrib.cli; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert not loaded & set(HEAVY), f"imported by attrib.cli at start: {sorted(loaded & set(HEAVY))}"
