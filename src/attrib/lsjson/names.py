"""The names attrib's Label Studio config uses: shared by the config, the converters and the validator.

One attribution becomes regions and relations (see convert.py):
- one region per fragment, labelled SOURCE, CUE or CONTENT on the `Text` tag;
- the attribution's anchor is its first CUE region (its first CONTENT region if it has no cue);
  a relation from the anchor to every other region of the attribution ties them together
  (relation label = the target's role: "source", "cue", "content"); a source fragment shared by
  several attributions is one SOURCE region with a relation from each anchor;
- a pronoun source's entity is a REFERENT region, linked from the (first) SOURCE region ("refers_to");
- the kind (direct/indirect/mixed) is a per-region choice on the anchor; an unnamed source is a
  per-region choice on the SOURCE region.
"""

TEXT_NAME = "text"  # <Text name=...>, the to_name of every result
LABELS_NAME = "role"  # <Labels name=...>, the from_name of span regions
KIND_NAME = "kind"  # per-region <Choices> on the anchor region
SOURCE_TYPE_NAME = "source_type"  # per-region <Choices> on SOURCE regions

ROLE_LABELS = {"source": "SOURCE", "cue": "CUE", "content": "CONTENT"}
ROLE_OF_LABEL = {label: role for role, label in ROLE_LABELS.items()}
SOURCE, CUE, CONTENT = ROLE_LABELS["source"], ROLE_LABELS["cue"], ROLE_LABELS["content"]
REFERENT_LABEL = "REFERENT"
SPAN_LABELS = (*ROLE_LABELS.values(), REFERENT_LABEL)

RELATION_LABELS = ("source", "cue", "content", "refers_to")
