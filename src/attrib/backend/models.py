"""The model a backend serves, and tasks -> predictions with it.

A prediction is exactly the one `attrib labelstudio push` imports for the same text and model
(lsjson.convert.record_to_task: same converter, region ids, relations, kinds, scores), under the
served model's version. A task the backend cannot draft gets an error naming it, not a prediction:
the other tasks of the request are drafted all the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language

from ..annotate import RULES, annotate_documents, load_pipeline, version_of
from ..documents import Document
from ..errors import InputError, ModelError, shorten
from ..jsonsafe import json_type
from ..lsjson.convert import RECORD_ID, record_to_task
from ..lsjson.names import TEXT_NAME

MAX_TEXT_CHARS = 200_000  # ~30,000 words: drafted in seconds, well inside Label Studio's 100 s predict timeout
# What Label Studio puts in data.text for a file imported whole, or a task in cloud storage: a reference, not text
FILE_REFERENCE = re.compile(r"(/data/(upload|local-files)/|(s3|gs|azure-blob)://)\S*")


@dataclass(frozen=True)
class Served:
    """A loaded pipeline, the model_version its predictions carry, and where it came from (RULES or a folder)."""

    nlp: Language
    version: str
    source: str


def load(source: str, fresh: bool = False) -> Served:
    """The rules on the default English pipeline (`rules`) or a model folder from `attrib train`.

    `fresh` loads a folder outside load_pipeline's per-process cache: a model that replaces another must
    not keep the one it replaced alive.
    """
    if source == RULES:
        nlp = load_pipeline()
    else:
        check_source(source)
        nlp = (load_pipeline.__wrapped__ if fresh else load_pipeline)(str(Path(source).resolve()))
    return Served(nlp, version_of(nlp), source)


def check_source(source: str) -> None:
    """ModelError unless `source` is `rules` or a folder with a model's meta.json: told before anything is loaded."""
    if source != RULES and not (Path(source) / "meta.json").is_file():
        raise ModelError(f"{source}: not a model folder (no meta.json): pass `rules` or a folder `attrib train` wrote")


def task_name(task: object) -> str:
    """A task's id as a message names it: shortened, as a request may send any value there."""
    return shorten(str(task.get("id") if isinstance(task, dict) else None), 40, one_line=True)


def document_of(task: object, max_chars: int, index: int = 0) -> Document:
    """The document of a task Label Studio sends (`index`: its place in $.tasks), or an InputError naming the task
    and what is wrong."""
    if not isinstance(task, dict):
        raise InputError(f"$.tasks[{index}]: a task must be an object, got {json_type(task)}")
    where = f"task {task_name(task)}"
    data = task.get("data")
    text = data.get(TEXT_NAME) if isinstance(data, dict) else None
    if not isinstance(text, str):
        got = "nothing" if text is None else json_type(text)
        raise InputError(f"{where}: data.{TEXT_NAME} must be a string, got {got}")
    if FILE_REFERENCE.fullmatch(text):
        raise InputError(f"{where}: data.{TEXT_NAME} is a file reference ({shorten(text, 80)}), not the text: import "
                         "text files as a list of tasks (one per line) or as JSON with a text field")
    if len(text) > max_chars:
        raise InputError(f"{where}: data.{TEXT_NAME} has {len(text):,} characters, more than this backend drafts "
                         f"({max_chars:,}, `attrib backend --max-chars`)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{where}: data.{TEXT_NAME} is not valid Unicode (a lone surrogate at {exc.start})") from None
    record_id = data.get(RECORD_ID)
    return Document(str(record_id if isinstance(record_id, str) else task.get("id")), text)


def predict(served: Served, tasks: list, max_chars: int = MAX_TEXT_CHARS, unreadable: dict[int, str] | None = None
            ) -> list[dict]:
    """One answer per task, in order: its prediction, or {"error": message} for a task that cannot be drafted or is
    `unreadable` (index -> why: a value in it no output can hold)."""
    answers: list[dict] = [{} for _ in tasks]
    documents, positions = [], []
    for i, task in enumerate(tasks):
        try:
            if unreadable and i in unreadable:
                raise InputError(f"task {task_name(task)}: {unreadable[i]}")
            documents.append(document_of(task, max_chars, i))
            positions.append(i)
        except InputError as exc:
            answers[i] = {"error": str(exc)}
    for i, record in zip(positions, annotate_documents(served.nlp, documents)):
        answers[i] = record_to_task(record, served.version)["predictions"][0]
    return answers
