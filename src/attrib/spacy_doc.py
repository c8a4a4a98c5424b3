"""Attributions on a spaCy Doc: where the pre-annotator puts them and where exports and training read them.

- `doc.spans["attrib_source"]`, `["attrib_cue"]`, `["attrib_content"]`: one Span per fragment, its
  `label_` the role's label in Label Studio (SOURCE, CUE, CONTENT: one name for a role wherever people
  see it) and its `id_` the attribution id, so the groups survive a DocBin round trip;
- `doc._.attributions`: the attributions in the record format (character offsets, see records.py).

Importing this module registers the extension; so does loading any pipeline with attrib's component
(spaCy imports the component's module through its entry point). A script that only reads a DocBin
imports it itself: `import attrib.spacy_doc`.

Character offsets are the truth; a fragment that does not fall on token boundaries is snapped
outward (`alignment_mode="expand"`) for its Span but kept exact in `doc._.attributions`.
"""

from __future__ import annotations

from spacy.tokens import Doc

from .lsjson.names import ROLE_LABELS
from .records import ROLES

SPAN_KEYS = {role: f"attrib_{role}" for role in ROLES}
KEYS_KEY = "attrib_span_keys"  # doc.user_data: the span keys the attribution component wrote under

if not Doc.has_extension("attributions"):
    Doc.set_extension("attributions", default=None)


def set_attributions(doc: Doc, attributions: list[dict], keys: dict[str, str] | None = None) -> None:
    """Store record-format attributions on `doc`: the extension, and a span group per role under `keys[role]` (each
    span's id_ its attribution's id, its kb_id_ the kind). Given keys (the attribution component's, from its
    spans_key_prefix) are kept in doc.user_data, so that the components after it (attrib_combine, attrib_revise)
    write under the same keys; without, the keys kept there, else SPAN_KEYS."""
    if keys is None:
        keys = doc.user_data.get(KEYS_KEY) or SPAN_KEYS
    else:
        doc.user_data[KEYS_KEY] = dict(keys)
    doc._.attributions = attributions
    for role, key in keys.items():
        group = []
        for attr in attributions:
            for frag in attr.get(role) or []:
                span = doc.char_span(frag["start"], frag["end"], label=ROLE_LABELS[role], alignment_mode="expand")
                if span is not None:
                    span.id_ = attr["id"]
                    span.kb_id_ = attr.get("kind") or ""
                    group.append(span)
        doc.spans[key] = group


def _lists(value):
    """A DocBin gives lists back as tuples (msgpack): make them lists again, as in records."""
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value


def get_attributions(doc: Doc, keys: dict[str, str] | None = None) -> list[dict]:
    """The record-format attributions of `doc`: the extension if set, else rebuilt from the span groups under `keys`
    (default: those set_attributions kept in doc.user_data, else SPAN_KEYS), the kind from the spans' kb_id_;
    fragments are then token-aligned, and there is no confidence (a DocBin without user data keeps only spans)."""
    if doc._.attributions is not None:
        return _lists(doc._.attributions)
    keys = keys or doc.user_data.get(KEYS_KEY) or SPAN_KEYS
    grouped: dict[str, dict] = {}
    for role, key in keys.items():
        for span in doc.spans.get(key, []):
            attr = grouped.setdefault(span.id_, {"id": span.id_, "kind": None, "source": [], "cue": [], "content": [],
                                                 "source_entity": None})
            attr[role].append({"start": span.start_char, "end": span.end_char, "text": span.text})
            attr["kind"] = attr["kind"] or span.kb_id_ or None
    return list(grouped.values())
