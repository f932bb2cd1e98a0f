"""Named starting points for :class:`~fncall_train.config.TrainConfig`.

``default`` is fncall's recipe (the config's own defaults). ``seed`` reproduces the tutorial this
project grew from, faults included, so that it can be run and measured as a baseline; every value
that differs is explained in ``docs/train.md``.

Example:
    >>> recipe_values("seed")["loss_on"]
    'all'
    >>> recipe_values("default")
    {}
"""

from __future__ import annotations

import difflib
from typing import Any

from fncall_data.errors import FncallError
from fncall_train.config import ATTENTION_AND_MLP

__all__ = ["RECIPES", "recipe_values"]

RECIPES: dict[str, dict[str, Any]] = {
    # fncall's recipe: TrainConfig's defaults, listed in docs/train.md
    "default": {},
    # The tutorial, mapped to current TRL names (max_seq_length -> max_length, warmup_ratio -> a
    # fractional warmup_steps). Its optimisation settings are the same as ours; what differs is what
    # it trains on, how it packs and which layers it adapts.
    "seed": {
        "profile": "seed",
        "loss_on": "all",
        "packing": "wrapped",
        "logits": "all",
        "lora_targets": (*ATTENTION_AND_MLP, "embed_tokens", "lm_head"),
        "train_new_tokens": False,
        "gradient_checkpointing": "on",
        "lora_r": 16,
        "lora_alpha": 64,
        "lora_dropout": 0.05,
        "learning_rate": 1e-4,
        "epochs": 1.0,
        "batch_size": 1,
        "grad_accum": 4,
        "scheduler": "cosine",
        "warmup_fraction": 0.1,
        "weight_decay": 0.1,
        "max_grad_norm": 1.0,
        "max_length": 1500,
        "precision": "auto",
        "seed": 42,
    },
}


def recipe_values(name: str) -> dict[str, Any]:
    """The field values of recipe ``name``.

    Raises:
        FncallError: unknown recipe, with the known ones and a did-you-mean.
    """
    if name not in RECIPES:
        close = difflib.get_close_matches(name, list(RECIPES), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise FncallError(f"unknown recipe {name!r} (known: {', '.join(sorted(RECIPES))}){hint}")
    return dict(RECIPES[name])
