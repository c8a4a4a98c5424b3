"""The robustness properties at scale: whatever `attrib validate` passes, every later command accepts and
writes as valid output; whatever it does not, every command refuses in one line (tests/robustness.py).

Runs the two properties of tests/test_robustness_properties.py, records and exports, with every command on
each example (every --choose, every export format, a brat round trip, agreement, push --review's tasks:
the "full" check; CI runs 2,000 of the fast one), split over --jobs processes with their own seeds.
Prints examples run, how many validate passed, failures (0 is the bar) and examples per second.

    .venv/bin/python benchmarks/bench_properties.py --examples 30000 --jobs 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))


def child(kind: str, examples: int, seed: int) -> None:
    """Run one property `examples` times (in its own process) and print one JSON line."""
    from hypothesis import HealthCheck, given, seed as seeded, settings

    import robustness

    check, files = {"records": (robustness.check_records_file, robustness.record_files),
                    "export": (robustness.check_export_file, robustness.export_files)}[kind]
    counts = {"examples": 0, "clean": 0}
    with robustness.scratch() as folder:

        @seeded(seed)
        @settings(max_examples=examples, deadline=None, database=None, derandomize=False, print_blob=True,
                  suppress_health_check=list(HealthCheck))
        @given(files)
        def prop(data):
            counts["examples"] += 1
            source = folder / "probe"
            source.write_bytes(data)
            counts["clean"] += robustness._validates(source) is True
            check(data, folder, full=True)

        start, failure = time.perf_counter(), None
        try:
            prop()
        except Exception as exc:  # the first failure, shrunk as far as a seed can be: reported, not raised
            failure = f"{type(exc).__name__}: {str(exc)[:2000]}"
        seconds = time.perf_counter() - start
    print(json.dumps({"kind": kind, **counts, "failure": failure, "seconds": round(seconds, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=30_000, help="examples a property")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return
    share = -(-args.examples // args.jobs)
    runs = [subprocess.Popen([sys.executable, __file__, "--child", kind, str(share), str(job)], stdout=subprocess.PIPE,
                             text=True) for kind in ("records", "export") for job in range(args.jobs)]
    results = [json.loads(run.communicate()[0].strip().splitlines()[-1]) for run in runs]
    for kind in ("records", "export"):
        mine = [r for r in results if r["kind"] == kind]
        examples, clean = sum(r["examples"] for r in mine), sum(r["clean"] for r in mine)
        failures = [r["failure"] for r in mine if r["failure"]]
        seconds = max(r["seconds"] for r in mine)
        print(f"{kind}: {examples:,} examples ({clean:,} validate-clean) in {seconds:.0f} s over {args.jobs} processes, "
              f"{len(failures)} failures" + "".join(f"\n  {f}" for f in failures))


if __name__ == "__main__":
    main()
