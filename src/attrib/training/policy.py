"""How learned attributions and the rules' attributions combine: learned first, rules fill.

Both sides are record-format attributions. Two attributions *agree* when their contents share a
character (the attribution-level match of `attrib eval`).
- A learned attribution is always kept. When a rule attribution agrees with it, the learned spans
  stay and the rules fill the roles the model left empty (a source, a cue); its origin is "both".
- A rule attribution that agrees with no learned one is kept as it is (origin "rules") when
  `fill` is on: the rules' recall on forms the model has not seen yet is the point of keeping them.
- Origins let calibration give each kind of draft its own reliability (see calibration.py).
Every output attribution carries `origin` and `raw` (the uncalibrated score); the combiner
replaces them with a calibrated `confidence` before the attributions are written.
"""

from __future__ import annotations

from ..evaluate import match_attributions

ORIGINS = ("both", "learned", "rules")


def combine(text: str, learned: list[dict], rules: list[dict], fill: bool = True) -> list[dict]:
    """Combined attributions, in text order of their content (see the module docstring)."""
    pairs = dict(match_attributions(text, learned, rules))  # learned index -> rule index
    used = set(pairs.values())
    out = []
    for i, attr in enumerate(learned):
        merged = dict(attr, origin="learned", raw=attr.get("raw", attr.get("confidence", 0.0)))
        if i in pairs:
            rule = rules[pairs[i]]
            for role in ("source", "cue"):
                if not merged.get(role) and rule.get(role):
                    merged[role] = rule[role]
                    if role == "source":
                        merged["source_entity"] = rule.get("source_entity")
            merged["origin"] = "both"
        out.append(merged)
    if fill:
        for j, rule in enumerate(rules):
            if j not in used:
                out.append(dict(rule, origin="rules", raw=rule.get("confidence", 0.5)))
    out.sort(key=lambda a: (a["content"][0]["start"], a["content"][0]["end"]))
    return out
