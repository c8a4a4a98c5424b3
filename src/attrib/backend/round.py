"""One training round, in a process of its own (`python -m attrib.backend.round ROUND_DIR`), so that the
server keeps drafting while it runs.

ROUND_DIR/round.json (written by the server) holds the serving model and the training settings;
ROUND_DIR/annotations.jsonl the accepted annotations at the round's start. The round holds out a
share of those documents, trains a candidate on the rest (`attrib.training.train`; its own dev split
comes from them too), scores the candidate and the serving model on the held-out documents by
the four F1s drafts are judged by (attribution F1 and the roles' exact F1), and writes ROUND_DIR/candidate/ and
then ROUND_DIR/result.json (atomically). Whether the candidate replaces the serving model is the server's
decision, from that file.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from ..annotate import annotate_documents
from ..documents import Document
from ..evaluate import Scores
from ..jsonio import atomic_write, dumps_line
from ..training.policy import judged_figures
from ..training.settings import TrainSettings
from . import models

SPEC = "round.json"
SNAPSHOT = "annotations.jsonl"
RESULT = "result.json"
CANDIDATE = "candidate"
HELD_OUT_SHARE = 0.25
MIN_DOCUMENTS = 4  # one held out, and the three `attrib train` needs
INHERITED = ("base", "prefer", "encoder")  # what a model is made of, not how long it trains


def settings_for(meta: dict, train_steps: int | None = None) -> TrainSettings:
    """A round's training settings: `train_steps` (default: attrib train's), and the base pipeline, the side preferred
    and the encoder the serving model was trained with (its `meta.json`), so that a round of a model trained with
    `--encoder` fine-tunes that encoder too: a candidate without it would be judged against a model with it."""
    defaults = TrainSettings()
    steps = train_steps or defaults.max_steps
    attrib = meta.get("attrib")
    trained = attrib.get("settings") if isinstance(attrib, dict) else None
    kept = {key: trained[key] for key in INHERITED if isinstance(trained, dict) and isinstance(trained.get(key), str)}
    return TrainSettings(max_steps=steps, eval_frequency=min(defaults.eval_frequency, max(1, steps // 2)), **kept)


def held_out_split(records: list[dict], share: float = HELD_OUT_SHARE) -> tuple[list[dict], list[dict]]:
    """(train, held out): the documents ordered by a hash of their id, the first `share` of them held out
    (at least one): the same documents give the same split, whatever order the events came in."""
    ordered = sorted(records, key=lambda r: hashlib.sha256(str(r["id"]).encode()).hexdigest())
    n_out = max(1, round(len(ordered) * share))
    return ordered[n_out:], ordered[:n_out]


def judged(served: models.Served, records: list[dict]) -> dict:
    """The four F1s drafts are judged by (`attrib eval`'s attribution F1 and the roles' exact F1) of `served` on the
    annotated `records`, and their mean: a candidate that finds more attributions with spans to redraw is no better."""
    scores = Scores()
    predicted = annotate_documents(served.nlp, (Document(r["id"], r["text"]) for r in records))
    for gold, pred in zip(records, predicted):
        scores.add(gold, pred)
    return judged_figures(scores)


def snapshot(round_dir: Path) -> list[dict]:
    """The annotated records the server wrote for this round. Lines end at "\n" only: a record's text may hold
    U+2028, U+2029 or U+0085 unescaped (dumps_line keeps them), where str.splitlines() would cut it."""
    text = (round_dir / SNAPSHOT).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n") if line]


def run(round_dir: Path) -> dict:
    from ..training.train import train  # spaCy's training machinery: only in this process

    spec = json.loads((round_dir / SPEC).read_text(encoding="utf-8"))  # written by the server
    records = snapshot(round_dir)
    train_records, held_out = held_out_split(records)
    train_path = round_dir / "train.jsonl"
    with atomic_write(train_path) as out:
        out.writelines(dumps_line(r) for r in train_records)
    settings = TrainSettings(**spec["settings"])
    train([train_path], round_dir / CANDIDATE, settings=settings, log=lambda message: print(message, flush=True))
    candidate = models.load(str(round_dir / CANDIDATE), fresh=True)
    serving = models.load(spec["serving"])
    result = {
        "documents": {"train": len(train_records), "held_out": len(held_out)},
        "held_out_ids": [r["id"] for r in held_out],
        "candidate": {"version": candidate.version, "figures": judged(candidate, held_out)},
        "serving": {"version": serving.version, "source": spec["serving"], "figures": judged(serving, held_out)},
    }
    with atomic_write(round_dir / RESULT) as out:
        json.dump(result, out, indent=1)
    return result


if __name__ == "__main__":
    import os

    from ..training.beside import PARENT_VARIABLE, end_with

    # ends once the backend is gone, killed too: no one would decide on the round. Not by the kernel's parent-death
    # signal, which follows the thread that started the round (a request's, which may end first).
    if PARENT_VARIABLE in os.environ:
        end_with(int(os.environ[PARENT_VARIABLE]))
    print(json.dumps(run(Path(sys.argv[1]))), flush=True)
