"""Label Studio's JSON, as attrib's projects use it: pure functions on plain data, no network.

- `names`: the names of attrib's labeling config (labels, relations, choices, the Text tag);
- `config`: the labeling config itself, with the annotation guidelines as the project's instructions;
- `convert`: records <-> tasks, predictions, results (regions and relations) and exports.

Everything that reads or writes Label Studio's JSON builds on this package: the validator, the
dataset formats, agreement, and the network layer (`attrib.labelstudio`) on top.
"""
