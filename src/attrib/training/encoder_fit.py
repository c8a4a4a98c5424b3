"""Fine-tuning `attrib_encoder`'s tagger on annotated documents, with transformers' Trainer (the `learn` extra).

Each document is cut into encoder.windows of wordpieces; a wordpiece's targets are whether an annotated fragment of
each role starts or ends there (encoder.targets); the loss is binary cross-entropy over the six outputs, a boundary
weighted POSITIVE_WEIGHT times (they are rare: about one wordpiece in thirty starts or ends a fragment of some role),
[CLS], [SEP] and padding left out. Settings as measured in benchmarks/bench_encoder_finder.py.
"""

from __future__ import annotations

import ctypes
import gc
import math
from pathlib import Path
from typing import Callable

import torch
from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments

from .encoder import targets, windows
from .encoder_model import Tagger, wordpieces
from .progress import Progress

EPOCHS = 2
LEARNING_RATE = 1e-4
BATCH = 16  # windows per step
POSITIVE_WEIGHT = 3.0


class _Windows(torch.utils.data.Dataset):
    def __init__(self, tagger: Tagger, records: list[dict]):
        self.items = []
        for record in records:
            ids, offsets = wordpieces(tagger.tokenizer, record["text"])
            labels = targets(record["attributions"], offsets)
            self.items += [(ids[s:e], labels[s:e]) for s, e in windows(len(ids)) if e > s]
        self.cls, self.sep = tagger.tokenizer.cls_token_id, tagger.tokenizer.sep_token_id

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> tuple[list[int], object]:
        return self.items[i]

    def collate(self, batch: list[tuple[list[int], object]]) -> dict[str, torch.Tensor]:
        width = max(len(ids) for ids, _ in batch) + 2
        ids = torch.zeros((len(batch), width), dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        labels = torch.zeros((len(batch), width, batch[0][1].shape[1]))
        inner = torch.zeros((len(batch), width, 1))
        for k, (pieces, gold) in enumerate(batch):
            ids[k, : len(pieces) + 2] = torch.tensor([self.cls, *pieces, self.sep])
            mask[k, : len(pieces) + 2] = 1
            labels[k, 1 : len(pieces) + 1] = torch.from_numpy(gold)
            inner[k, 1 : len(pieces) + 1] = 1
        return {"ids": ids, "mask": mask, "labels": labels, "inner": inner}


class _BoundaryTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        logits = model(inputs["ids"], inputs["mask"])
        weight = torch.full((logits.shape[-1],), POSITIVE_WEIGHT)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, inputs["labels"], reduction="none",
                                                                    pos_weight=weight)
        loss = (loss * inputs["inner"]).sum() / inputs["inner"].sum()
        return (loss, logits) if return_outputs else loss


class _Logged(TrainerCallback):
    def __init__(self, progress: Progress):
        self.progress = progress

    def on_step_end(self, args, state, control, **kwargs):
        self.progress.step()


def fine_tune(encoder: Path, layers: int | None, records: list[dict], work: Path, seed: int,
              log: Callable[[str], None], what: str = "encoder", epochs: int = EPOCHS,
              learning_rate: float = LEARNING_RATE) -> Tagger:
    """The tagger on `encoder` (its first `layers` layers, or all), fine-tuned on `records` (on a GPU where torch sees
    one: not measured, this machine has none); the steps and the time left go to `log`."""
    torch.manual_seed(seed)
    tagger = Tagger.build(encoder, layers)
    data = _Windows(tagger, records)
    steps = epochs * math.ceil(len(data) / BATCH)
    arguments = TrainingArguments(
        output_dir=str(work), per_device_train_batch_size=BATCH, num_train_epochs=epochs, learning_rate=learning_rate,
        weight_decay=0.01, warmup_steps=max(1, steps // 10), lr_scheduler_type="linear", max_grad_norm=1.0,
        seed=seed, data_seed=seed, save_strategy="no", report_to=[], disable_tqdm=True, logging_strategy="no",
        use_cpu=not torch.cuda.is_available(), dataloader_num_workers=0, remove_unused_columns=False)
    trainer = _BoundaryTrainer(model=tagger, args=arguments, train_dataset=data, data_collator=data.collate,
                               callbacks=[_Logged(Progress(log, f"{what}: fine-tuning steps", steps, every=30.0))])
    trainer.remove_callback(PrinterCallback)  # it printed the run's figures to standard output
    trainer.train()
    del trainer
    release_freed_memory()
    return tagger.cpu().eval()  # it tags on the CPU, in the pipeline


def release_freed_memory() -> None:
    """Give memory torch freed back to the system. glibc keeps it for the process otherwise: after a fine-tuning on
    120 PolNeAR documents the process held 1,470 MB, 557 MB once trimmed, and `attrib train` peaked at 4.5 GB, over
    issue 15's bar of 4, with three fine-tunings' worth kept (README)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim this way
        pass
