"""A second backend in one file: a plain ``transformers.Trainer`` with fncall's own collator.

It exists to keep the backend interface honest (a backend is a ``build(job)`` function) and as a
fallback that depends on transformers alone. It does not implement the tutorial's ``wrapped``
packing: ``padding_free`` packs a batch into one row with restarting position ids (the model then
keeps the examples apart), ``none`` pads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fncall_data.errors import FncallError
from fncall_train.backends.base import TrainJob
from fncall_train.loss import IGNORE_INDEX, SelectiveLossMixin

__all__ = ["Collator", "build"]


@dataclass(frozen=True)
class Collator:
    """Batches ``input_ids``/``labels`` rows: padded on the right, or flattened into one row.

    Example:
        >>> batch = Collator(pad_token_id=0, padding_free=True)(
        ...     [{"input_ids": [5, 6], "labels": [5, 6]}, {"input_ids": [7, 8, 9], "labels": [-100, 8, 9]}])
        >>> batch["position_ids"].tolist(), batch["labels"].tolist()
        ([[0, 1, 0, 1, 2]], [[-100, 6, -100, 8, 9]])
    """

    pad_token_id: int
    padding_free: bool

    def __call__(self, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        if self.padding_free:
            ids = [t for row in rows for t in row["input_ids"]]
            # the first token of each example is never a target: that would predict across examples
            labels = [IGNORE_INDEX if i == 0 else t for row in rows for i, t in enumerate(row["labels"])]
            positions = [i for row in rows for i in range(len(row["input_ids"]))]
            return {
                "input_ids": torch.tensor([ids]),
                "labels": torch.tensor([labels]),
                "position_ids": torch.tensor([positions]),
            }
        width = max(len(row["input_ids"]) for row in rows)
        batch_ids = torch.full((len(rows), width), self.pad_token_id)
        batch_labels = torch.full((len(rows), width), IGNORE_INDEX)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            n = len(row["input_ids"])
            batch_ids[i, :n] = torch.tensor(row["input_ids"])
            batch_labels[i, :n] = torch.tensor(row["labels"])
            attention[i, :n] = 1
        return {"input_ids": batch_ids, "labels": batch_labels, "attention_mask": attention}


def build(job: TrainJob) -> Any:
    """A ``transformers.Trainer`` for ``job``."""
    from transformers import Trainer

    if job.config.packing == "wrapped":
        raise FncallError(
            "the 'hf' backend does not do 'wrapped' packing; use --backend trl or packing: none"
        )

    class FncallTrainer(SelectiveLossMixin, Trainer):
        only_loss_positions = job.config.logits == "loss_positions"
        decision_weight = job.config.decision_weight

    pad = job.tokenizer.pad_token_id
    rows = [{"input_ids": e.input_ids, "labels": e.labels} for e in job.examples]
    return FncallTrainer(
        model=job.model,
        args=job.args,
        train_dataset=rows,
        data_collator=Collator(
            pad_token_id=0 if pad is None else pad, padding_free=job.config.packing != "none"
        ),
        processing_class=job.tokenizer,
        callbacks=list(job.callbacks),
    )
