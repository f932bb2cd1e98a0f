"""fncall_train: LoRA SFT of function-calling models, with the tutorial's recipe as a baseline.

Importing the package loads nothing heavy: torch, transformers, TRL and PEFT load when a run starts.

Example:
    >>> from fncall_train import load_config
    >>> load_config(recipe="seed", data="d.jsonl", output_dir="runs/s").lora_targets[-2:]
    ('embed_tokens', 'lm_head')
"""

from __future__ import annotations

from fncall_train.config import TrainConfig, load_config
from fncall_train.recipes import RECIPES
from fncall_train.run import ProgressEvent, RunResult, train

__all__ = ["RECIPES", "ProgressEvent", "RunResult", "TrainConfig", "load_config", "load_trained", "train"]


def __getattr__(name: str) -> object:
    # merge pulls in the model loader; keep it out of the package import
    if name == "load_trained":
        from fncall_train.merge import load_trained

        return load_trained
    raise AttributeError(f"module 'fncall_train' has no attribute {name!r}")
