"""Kill test of `attrib labelstudio push --update`, many rounds: tests/interrupted.py against a local Label Studio.

Starts its own server (as bench_push.py does) unless --url is given (token from LABEL_STUDIO_API_KEY).
Each round SIGKILLs a forked `push --update` at a random point of the time a whole update takes, checks
that no task holds two predictions and at most one batch is empty, and every other round runs a plain
push that must fill the empty ones; a last `push --update` must leave every task with exactly one
prediction, the new one, and the project on the new model version. Prints how many kills left tasks
empty (landed between a batch's delete and its import) and how many were repaired.

    .venv/bin/python benchmarks/bench_push_kill.py --rounds 200
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_push import local_server  # noqa: E402
from interrupted import kill_rounds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--documents", type=int, default=40)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="an existing server (token from LABEL_STUDIO_API_KEY); default: start one")
    args = parser.parse_args()

    def run(url: str, token: str) -> None:
        t0 = time.perf_counter()
        seen = kill_rounds(url, token, f"kill bench {time.strftime('%H%M%S')}", args.rounds, args.documents,
                           args.batch, args.seed)
        hit = sum(1 for n in seen.empty if n)
        print(f"{args.rounds} rounds of push --update ({args.documents} documents, batch {args.batch}) killed at random "
              f"within {seen.seconds:.2f} s: {hit} kills left tasks without a prediction ({sum(seen.empty)} tasks), "
              f"{seen.repaired} repaired by a plain re-run; the last update left every task with exactly one current "
              f"prediction and the project on the new model version ({time.perf_counter() - t0:.0f} s)")

    if args.url:
        run(args.url, os.environ.get("LABEL_STUDIO_API_KEY", ""))
    else:
        with local_server() as (url, token):
            run(url, token)


if __name__ == "__main__":
    main()
