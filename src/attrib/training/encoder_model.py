"""The boundary tagger `attrib_encoder` runs (encoder.py): a Hugging Face encoder and a linear layer of six sigmoid
outputs per wordpiece. It imports torch and transformers (the `learn` extra); nothing else in attrib does."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Iterator

import numpy
import torch
from safetensors.torch import load_file, save_file
from spacy.tokens import Doc
from transformers import AutoConfig, AutoModel, AutoTokenizer, logging

from ..errors import ModelError
from ..records import ROLES
from .encoder import kept_from, per_token, windows

SETTINGS = "tagger.json"  # the roles it scores, beside encoder/, tokenizer/ and head.safetensors


def wordpieces(tokenizer, text: str) -> tuple[list[int], numpy.ndarray]:
    """The wordpiece ids of `text` and each one's character offsets."""
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return encoded["input_ids"], numpy.array(encoded["offset_mapping"], numpy.int64).reshape(-1, 2)


def _quiet() -> None:
    """No table of the layers left out, no bar over the weights loaded: attrib's log says what it does."""
    logging.set_verbosity_error()
    logging.disable_progress_bar()


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Work on one thread. torch's copies of large tensors start GNU OpenMP's thread pool, which is not fork-safe: a
    process forked after that hangs in its first parallel region, as spaCy's `--n-process` workers did on a model
    loaded with its pool started. Loaded on one thread, no pool is started before they fork."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class Tagger(torch.nn.Module):
    """An encoder and a linear layer: per wordpiece, the logit of a fragment of each role starting and ending there."""

    def __init__(self, encoder, tokenizer):
        super().__init__()
        self.encoder, self.tokenizer = encoder, tokenizer
        self.head = torch.nn.Linear(encoder.config.hidden_size, 2 * len(ROLES))

    @classmethod
    def build(cls, folder: Path, layers: int | None = None) -> "Tagger":
        """From a Hugging Face encoder folder, its first `layers` layers kept (all of them with None; the head
        initialised at random)."""
        _quiet()
        try:
            tokenizer = AutoTokenizer.from_pretrained(folder)
            encoder = AutoModel.from_pretrained(folder, **({} if layers is None else {"num_hidden_layers": layers}))
        except (OSError, ValueError) as exc:
            raise ModelError(f"{folder}: not a Hugging Face encoder folder ({exc})") from None
        if not getattr(tokenizer, "is_fast", False):
            raise ModelError(f"{folder}: its tokenizer gives no character offsets (not a fast tokenizer)")
        return cls(encoder, tokenizer)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state)

    def window_ids(self, pieces: list[int]) -> torch.Tensor:
        return torch.tensor([[self.tokenizer.cls_token_id, *pieces, self.tokenizer.sep_token_id]])

    def token_scores(self, doc: Doc) -> dict[str, numpy.ndarray]:
        """Per role, each token's (start, end) probability (encoder.per_token)."""
        ids, offsets = wordpieces(self.tokenizer, doc.text)
        logits = numpy.zeros((len(ids), 2 * len(ROLES)), numpy.float32)
        with torch.inference_mode():
            for start, end in windows(len(ids)):
                if start == end:
                    continue
                row = self(self.window_ids(ids[start:end]), torch.ones((1, end - start + 2), dtype=torch.long))
                logits[start + kept_from(start) : end] = row[0, 1:-1].numpy()[kept_from(start):]
        return per_token(doc, offsets, 1 / (1 + numpy.exp(-logits)))

    def save(self, path: Path) -> None:
        self.encoder.save_pretrained(path / "encoder")
        self.tokenizer.save_pretrained(path / "tokenizer")
        save_file(self.head.state_dict(), str(path / "head.safetensors"))
        (path / SETTINGS).write_text(json.dumps({"roles": list(ROLES)}), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Tagger":
        try:
            settings = json.loads((path / SETTINGS).read_text(encoding="utf-8"))
            _quiet()
            with _one_thread():
                encoder = AutoModel.from_config(AutoConfig.from_pretrained(path / "encoder"))
                encoder.load_state_dict(load_file(str(path / "encoder" / "model.safetensors")))
                tagger = cls(encoder, AutoTokenizer.from_pretrained(path / "tokenizer"))
                tagger.head.load_state_dict(load_file(str(path / "head.safetensors")))
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            raise ModelError(f"{path}: the encoder tagger is damaged ({type(exc).__name__}: {exc}); copy the model "
                             "again, or train it again") from None
        if settings.get("roles") != list(ROLES):
            raise ModelError(f"{path}: the tagger scores roles {settings.get('roles')}, not {list(ROLES)}")
        return tagger.eval()
