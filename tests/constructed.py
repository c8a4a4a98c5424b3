"""Constructed training documents (no corpus text) and a tiny model trained on them, shared by the
training tests and the wheel test (which packages it with `spacy package`)."""

from __future__ import annotations

import random

import pytest

from attrib.jsonio import dumps_line
from attrib.training.train import TrainSettings, train


SOURCES = ["The minister", "Maria Lopez", "A spokesman for the council", "Union leaders", "The report", "Dr. Chen"]
CONTENTS = ["taxes will fall next year", "the bridge is unsafe", "talks had broken down", "prices would keep rising",
            "the plan was never approved", "the vote should be delayed"]
TEMPLATES = [
    ("{s} said that {c}.", "said", "that {c}"),
    ("{s} warned that {c}.", "warned", "that {c}"),
    ("“{C},” {s} said.", "said", "“{C},”"),
    ("According to {s}, {c}.", "According to", "{c}"),
    ("{s} told reporters that {c}.", "told", "that {c}"),
    # a cue whose prior (0.089) is under the rules' threshold for a clause (0.1) but over half of it: only
    # a trained pipeline drafts it, from the laxer rules' candidates (assembly.more_candidates)
    ("{s} understood that {c}.", "understood", "that {c}"),
]


DISTRACTOR = "{s} said goodbye to the staff."  # the rules draft it; the constructed annotation never has it


def constructed_record(doc_id: str, rng: random.Random, sentences: int = 4, that_in_content: bool = True,
                       distractors: float = 0.0) -> dict:
    """A small news-like document whose attributions are known by construction (no corpus text).

    `that_in_content=False` annotates "said that X" with X alone as content (a convention the rules do not
    follow); `distractors` is the chance of a DISTRACTOR sentence after each attribution."""
    text, attributions = "", []
    for _ in range(sentences):
        template, cue, content = rng.choice(TEMPLATES)
        s, c = rng.choice(SOURCES), rng.choice(CONTENTS)
        s_here = s if template.startswith("{s}") else s[0].lower() + s[1:] if s.startswith(("The", "A ")) else s
        sentence = template.format(s=s_here, c=c, C=c[0].upper() + c[1:])
        content = content if that_in_content else content.replace("that ", "")
        content_text = content.format(c=c, C=c[0].upper() + c[1:])
        base = len(text) + (1 if text else 0)
        text += (" " if text else "") + sentence
        spans = {}
        for role, part in (("source", s_here), ("cue", cue), ("content", content_text)):
            start = base + sentence.index(part)
            spans[role] = [[start, start + len(part)]]
        attributions.append({"content": spans["content"][0], "source": spans["source"][0], "cue": spans["cue"][0],
                             "kind": "direct" if content_text.startswith("“") else "indirect",
                             "parts": spans})
        text += " Nothing else happened." if rng.random() < 0.3 else ""
        text += " " + DISTRACTOR.format(s=rng.choice(SOURCES)) if rng.random() < distractors else ""
    return {"id": doc_id, "text": text, "attributions": attributions}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    rng = random.Random(7)
    folder = tmp_path_factory.mktemp("corpus")
    train_path, dev_path = folder / "train.gold.jsonl", folder / "dev.gold.jsonl"
    # annotated by a convention the rules do not follow, with sentences the rules draft and the annotation
    # never has: what attrib_revise learns to correct
    def records(prefix: str, n: int) -> str:
        return "".join(dumps_line(constructed_record(f"{prefix}{i}", rng, that_in_content=False, distractors=0.4))
                       for i in range(n))

    train_path.write_text(records("t", 30), encoding="utf-8")  # 24 to train on: enough to cross-fit (cross_fit.py)
    dev_path.write_text(records("d", 4), encoding="utf-8")
    return train_path, dev_path


@pytest.fixture(scope="session")
def trained(corpus, tmp_path_factory):
    train_path, dev_path = corpus
    model_dir = tmp_path_factory.mktemp("models") / "tiny"
    settings = TrainSettings(max_steps=40, eval_frequency=20, calibration_fraction=0.2)
    meta = train([train_path], model_dir, dev=[dev_path], settings=settings)
    return model_dir, meta
