"""`spacy`: a DocBin file (`.spacy`) for spaCy training and analysis, loadable by `DocBin().from_disk`.

Each Doc has the roles in `doc.spans["attrib_source"]`, `["attrib_cue"]`, `["attrib_content"]` (a span's
`label_` is SOURCE, CUE or CONTENT as in Label Studio, its `id_` its attribution id), the attributions with
exact character offsets in `doc._.attributions` (see spacy_doc.py; importing it registers the extension)
and the record id in `doc.user_data["record_id"]`:

    import spacy, attrib.spacy_doc  # attrib.spacy_doc registers doc._.attributions
    from spacy.tokens import DocBin
    docs = list(DocBin().from_disk("dataset.spacy").get_docs(spacy.blank("en").vocab))

Tokens and sentences: see tokens.py. Drops meta, generator and provenance; spans in `doc.spans` snap
outward to whole tokens (the extension keeps the exact offsets). Not streamed: a DocBin is one
msgpack blob, so it is built in memory (compact token arrays, not Doc objects) and written at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from spacy.tokens import DocBin

from ..jsonio import atomic_write
from ..spacy_doc import set_attributions
from .tokens import docs

RECORD_ID = "record_id"  # doc.user_data key of the record id
ATTRS = ["ORTH", "SENT_START"]  # all a tokenizer-only Doc has (and SPACY, always kept); the default 12 take 4x the memory


def write(records: Iterable[dict], out: Path) -> list[Path]:
    """Tokenise every record, put its attributions on the Doc, and write one DocBin."""
    docbin = DocBin(attrs=ATTRS, store_user_data=True)
    for doc, record in docs(records):
        set_attributions(doc, record.get("attributions") or [])
        doc.user_data[RECORD_ID] = record["id"]
        docbin.add(doc)
    with atomic_write(out, "wb") as handle:
        handle.write(docbin.to_bytes())
    return [out]
