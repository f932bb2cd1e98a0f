"""Trainer backends, looked up by name: ``trl`` (TRL's SFTTrainer, the default) and ``hf`` (a plain
``transformers.Trainer`` with fncall's own collator).

A backend is one function, ``build(job) -> transformers.Trainer``, registered by name; third-party
packages add theirs in the ``fncall.trainers`` entry-point group. Registering imports nothing.

Example:
    >>> TRAINERS.names()[:2]
    ['hf', 'trl']
"""

from __future__ import annotations

from fncall_data.registry import Registry
from fncall_train.backends.base import TrainerFactory, TrainJob

__all__ = ["TRAINERS", "TrainJob", "TrainerFactory", "get_trainer_factory"]

#: Trainer factories by name; plugins register in the ``fncall.trainers`` entry-point group.
TRAINERS: Registry[TrainerFactory] = Registry("trainer backend", group="fncall.trainers")
TRAINERS.register("trl", "fncall_train.backends.trl_sft:build")
TRAINERS.register("hf", "fncall_train.backends.hf_trainer:build")


def get_trainer_factory(name: str) -> TrainerFactory:
    """The backend registered as ``name`` (unknown names list the known ones, with a did-you-mean)."""
    return TRAINERS.get(name)
