"""Structure: every JSON Schema error of one document, each as a finding with its JSON path.

The tasks and export schemas describe a JSON array; a stream is checked one element at a time
against the array's `items` schema, so nothing but the current element is ever held. A compiled
validator (jsonschema-rs) passes the valid documents fast; only an invalid one is gone through by
jsonschema, whose errors (every one, with its path and keyword) become the findings.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Iterable, Iterator

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ..errors import shorten
from ..jsonsafe import DEPTH, DUPLICATE, NUMBER, SURROGATE, Problem, problems_in
from ..schemas import load_schema
from .findings import Finding, Where

MESSAGE = 200  # characters of a schema error's message kept

_PROBLEM_CODES = {DEPTH: "V003", NUMBER: "V004", SURROGATE: "V005", DUPLICATE: "V007"}
_KEYWORD_CODES = {
    "required": "V101",
    "type": "V102",
    "enum": "V103",
    "const": "V103",
    "additionalProperties": "V105",
    "unevaluatedProperties": "V105",
}


@cache
def element_schema(name: str) -> dict:
    """The schema of one document of `name`: an array schema's `items` (with its $defs), else the schema."""
    schema = load_schema(name)
    if schema.get("type") != "array":
        return schema
    rest = {key: value for key, value in schema.items() if key not in ("type", "items")}
    return {**rest, **schema["items"]}


@cache
def element_validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(element_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def fast_validator(name: str):
    return jsonschema_rs.Draft202012Validator(element_schema(name))


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
    """Every error of `document` against schema `name` (tasks/export: one task), in document order.

    A document built in Python (not read from a file, whose reader reports them) may hold what JSON Schema
    does not see and no output can hold: NaN passes `minimum`, jsonschema-rs refuses a lone surrogate in a
    key. Those are its findings (V004, V005) instead.
    """
    try:
        if fast_validator(name).is_valid(document):
            return
    except ValueError:  # (UnicodeEncodeError too) what jsonschema-rs cannot convert: looked for below
        pass
    if problems := list(problems_in(document)):
        yield from problem_findings(document, where, problems)
        return
    errors = sorted(element_validator(name).iter_errors(document),
                    key=lambda e: [(isinstance(p, str), p) for p in e.absolute_path])
    said = set()  # subschemas that check the same thing (a region is an object in every branch) say it once
    for error in errors:
        for leaf in _leaves(error):
            code = "V102" if leaf.context else _KEYWORD_CODES.get(leaf.validator, "V104")
            message = shorten(leaf.message, MESSAGE)  # it quotes the value, of any length
            if (code, tuple(leaf.absolute_path), message) in said:
                continue
            said.add((code, tuple(leaf.absolute_path), message))
            at, region_id = _locate(document, list(leaf.absolute_path), where)
            yield at.finding(code, message, region_id)


def problem_findings(document: Any, where: Where, problems: Iterable[Problem]) -> list[Finding]:
    """The findings of a document's reading problems (jsonsafe), each at its JSON path below `where`, with the
    annotation and region it is in (`document` is None when it was not parsed: too deep)."""
    found = []
    for problem in problems:
        at, region_id = _locate(document, list(problem.keys), where)
        found.append(at.finding(_PROBLEM_CODES[problem.kind], problem.message, region_id))
    return found


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
    return where.at(*path), region_id
