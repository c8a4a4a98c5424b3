"""Structure: every JSON Schema error of one document, each as a finding with its JSON path.

The tasks and export schemas describe a JSON array; a stream is checked one element at a time
against the array's `items` schema, so nothing but the current element is ever held.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Iterator

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from ..schemas import load_schema, validator
from .findings import Finding, Where, json_path

_KEYWORD_CODES = {
    "required": "V101",
    "type": "V102",
    "enum": "V103",
    "const": "V103",
    "additionalProperties": "V105",
    "unevaluatedProperties": "V105",
}


@cache
def element_validator(name: str) -> Draft202012Validator:
    """A validator for one document of schema `name`: the `items` of an array schema, else the schema."""
    schema = load_schema(name)
    if schema.get("type") != "array":
        return validator(name)
    registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    items = {"$ref": schema["$id"] + "#/items"}
    return Draft202012Validator(items, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors to report for one error: under an anyOf/oneOf, those of the branches whose type fits."""
    if not error.context:
        yield error
        return
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [errs for errs in branches.values()
               if not any(e.validator == "type" and not e.relative_path for e in errs)]
    if not fitting:
        yield error  # the value fits no branch's type: one error, on the value
        return
    for errs in fitting:
        for sub in errs:
            yield from _leaves(sub)


def schema_findings(name: str, document: object, where: Where) -> Iterator[Finding]:
    """Every error of `document` against schema `name` (tasks/export: one task), in document order."""
    errors = sorted(element_validator(name).iter_errors(document),
                    key=lambda e: [(isinstance(p, str), p) for p in e.absolute_path])
    for error in errors:
        for leaf in _leaves(error):
            code = "V102" if leaf.context else _KEYWORD_CODES.get(leaf.validator, "V104")
            at, region_id = _locate(document, list(leaf.absolute_path), where)
            yield at.finding(code, leaf.message, region_id)


def _locate(document: Any, path: list, where: Where) -> tuple[Where, str | None]:
    """`where` at `path`, with the id of the annotation and of the region the path goes through."""
    region_id = None
    node = document
    for parent_key, key in zip([None, *path], path):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(key, int):
            if parent_key == "annotations" and isinstance(node.get("id"), int) and not isinstance(node["id"], bool):
                where = where.but(annotation_id=node["id"])
            elif parent_key == "result" and isinstance(node.get("id"), str):
                region_id = node["id"]
    return where.but(path=where.path + json_path(path)), region_id
