"""Reliability of the drafts' confidence: among attributions drafted with confidence ≈ p, how many are right?

    attrib annotate ../shared/data/polnear-dev.gold.jsonl -o dev.jsonl
    python benchmarks/bench_confidence.py ../shared/data/polnear-dev.gold.jsonl dev.jsonl

Right, two ways: the draft is found (its content matches a gold attribution, as in `attrib eval`), and
its cue overlaps a gold cue (what the confidence table in attrib/pipeline/confidence.py measures).
"""

from __future__ import annotations

import argparse

from attrib.evaluate import match_attributions
from attrib.records import iter_records, spans

BINS = [(0.0, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]


def overlaps(a: list, b: list) -> bool:
    return any(s < e2 and s2 < e for s, e in a for s2, e2 in b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold")
    parser.add_argument("pred")
    args = parser.parse_args()
    gold = {r["id"]: r for r in iter_records([args.gold])}
    rows = {b: [0, 0, 0, 0.0] for b in BINS}  # drafts, found, cue right, sum of confidence
    for pred in iter_records([args.pred]):
        ref = gold.get(pred["id"])
        if ref is None:
            continue
        found = {p for _, p in match_attributions(ref["text"], ref["attributions"], pred["attributions"])}
        gold_cues = [c for a in ref["attributions"] for c in spans(a, "cue")]
        for i, attr in enumerate(pred["attributions"]):
            c = attr.get("confidence", 0.0)
            row = rows[next(b for b in BINS if b[0] <= c < b[1])]
            row[0] += 1
            row[1] += i in found
            row[2] += overlaps(spans(attr, "cue"), gold_cues)
            row[3] += c
    print(f"{'confidence':>12} {'drafts':>7} {'mean conf':>9} {'found':>7} {'cue right':>9}")
    total = [0, 0, 0, 0.0]
    for (lo, hi), (n, f, c, s) in rows.items():
        total = [total[0] + n, total[1] + f, total[2] + c, total[3] + s]
        if n:
            print(f"{lo:4.1f}–{min(hi, 1.0):3.1f}    {n:7d} {s / n:9.2f} {f / n:7.2f} {c / n:9.2f}")
    n, f, c, s = total
    print(f"{'all':>12} {n:7d} {s / n:9.2f} {f / n:7.2f} {c / n:9.2f}")
    ece = sum(abs(r[3] - r[2]) for r in rows.values()) / n
    print(f"expected calibration error (cue right): {ece:.3f}")


if __name__ == "__main__":
    main()
