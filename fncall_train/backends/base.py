"""What a trainer backend receives, and what it must return."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from fncall_train.config import TrainConfig
from fncall_train.data import Example

if TYPE_CHECKING:
    from transformers import Trainer, TrainerCallback, TrainingArguments

__all__ = ["TrainJob", "TrainerFactory"]


@dataclass(frozen=True)
class TrainJob:
    """Everything a backend needs: all of it already decided by the run, so backends stay small.

    Attributes:
        config: the run's configuration.
        model: the model, already wrapped with its LoRA adapter (a ``peft.PeftModel``).
        tokenizer: the tokenizer, with the profile's tokens and chat template.
        examples: tokenized, checked examples: ``input_ids`` and ``labels`` (-100 = no loss).
        args: the training arguments (TRL's ``SFTConfig``, a ``TrainingArguments``).
        callbacks: callbacks the trainer must run (progress, loss curve).
    """

    config: TrainConfig
    model: Any
    tokenizer: Any
    examples: Sequence[Example]
    args: TrainingArguments
    callbacks: Sequence[TrainerCallback]


class TrainerFactory(Protocol):
    """A backend: builds a ``transformers.Trainer`` (or subclass) ready for ``train()``."""

    def __call__(self, job: TrainJob) -> Trainer: ...
