"""The default backend: TRL's ``SFTTrainer`` on pre-tokenized examples.

The examples arrive as ``input_ids`` + ``labels``, so TRL does no rendering or masking of its own; it
packs (``bfd`` with position ids, or the tutorial's ``wrapped`` blocks), collates and optimises. The
loss is fncall's (:mod:`fncall_train.loss`): logits only where the loss is taken.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from fncall_train.backends.base import TrainJob
from fncall_train.data import as_dataset
from fncall_train.loss import SelectiveLossMixin

__all__ = ["build"]


def build(job: TrainJob) -> Any:
    """An ``SFTTrainer`` for ``job``."""
    from trl.trainer.sft_trainer import SFTTrainer

    class FncallSFTTrainer(SelectiveLossMixin, SFTTrainer):
        only_loss_positions = job.config.logits == "loss_positions"
        decision_weight = job.config.decision_weight

    with _adapter_on_lm_head_allowed(job.model):
        return FncallSFTTrainer(
            model=job.model,
            args=job.args,
            train_dataset=as_dataset(job.examples),
            processing_class=job.tokenizer,
            callbacks=list(job.callbacks),
        )


@contextlib.contextmanager
def _adapter_on_lm_head_allowed(model: Any) -> Iterator[None]:
    """Let TRL accept LoRA on ``lm_head`` (the ``seed`` recipe has it).

    TRL 1.16 refuses it because its own fused loss reads ``lm_head.weight`` and would skip the
    adapter. Our loss calls the head module, adapter included, so the refusal does not apply: during
    the constructor's check the model shows its plain head, then the real one is back.
    """
    from peft.tuners.tuners_utils import BaseTunerLayer

    head = model.get_output_embeddings()
    if not isinstance(head, BaseTunerLayer):
        yield
        return
    model.get_output_embeddings = head.get_base_layer
    try:
        yield
    finally:
        del model.get_output_embeddings
