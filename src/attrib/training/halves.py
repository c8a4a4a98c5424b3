"""The cross-fitting halves' training (cross_fit.py), as a process of its own: `attrib train` runs
`python -m attrib.training.halves JOB.json` beside its main run (beside.py), so that both cores train.

A module run by the interpreter, not a function handed to multiprocessing: a spawned child imports the
caller's main module again, so a user's script without an `if __name__ == "__main__":` guard would start
its own training there; and nothing large is pickled through a pipe (the halves are DocBins on disk).
JOB.json: {"folders": [...], "dev": ..., "settings": {...TrainSettings}, "max_steps": N, "eval_frequency": N}.
On failure it prints one line to stderr and exits 1; `attrib train` reports that line. It ends when
`attrib train` dies, even by SIGKILL.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .beside import end_with_parent
from .settings import TrainSettings


def main(argv: list[str]) -> int:
    end_with_parent()  # attrib train killed outright (SIGKILL, out of memory): no orphan trains on
    try:
        job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
        from .spacy_fit import fit  # spaCy: after the job is read

        settings = TrainSettings(**{**job["settings"], "show_progress": False})
        for folder in job["folders"]:
            fit(Path(folder), Path(job["dev"]), settings, job["max_steps"], job["eval_frequency"])
    except KeyboardInterrupt:  # the user's Ctrl-C reaches both processes: attrib train reports it
        return 130
    except SystemExit as exc:  # spaCy's own checks print to the silenced stdout and exit
        print(f"spaCy stopped the training (its exit code {exc.code})", file=sys.stderr)
        return 1
    except Exception as exc:  # one line for attrib train to report
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
