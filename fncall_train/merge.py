"""Loading a finished run (base + adapter) and merging it into a full model.

:func:`load_trained` is what evaluation uses to get a trained model back: it loads the base folder the
adapter names, gives it the run's tokenizer (resizing the embedding when the profile added tokens) and
applies the adapter. :func:`merge_run` folds the adapter into the weights and saves a plain model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fncall_data.errors import FncallError
from fncall_data.io import read_json

__all__ = ["Trained", "load_trained", "merge_run"]


@dataclass(frozen=True)
class Trained:
    """A base model with a run's adapter applied (a ``peft.PeftModel``), its tokenizer and the manifest."""

    model: Any
    tokenizer: Any
    manifest: dict[str, Any]


def load_trained(
    run_dir: str | os.PathLike[str], *, dtype: str = "auto", device: str = "auto", trainable: bool = False
) -> Trained:
    """Load a run's base model with its adapter, ready to generate.

    Args:
        run_dir: a folder written by :func:`fncall_train.run.train`.
        dtype: ``auto`` (bf16 on GPUs that have it, float32 on CPU), ``bfloat16`` or ``float32``.
        device: ``auto``, ``cpu``, ``cuda``, ...
        trainable: keep the adapter trainable (default: inference mode).

    Raises:
        FncallError: the folder is not a finished run, or its base model folder is gone.

    Example:
        >>> trained = load_trained("runs/t")  # doctest: +SKIP
        >>> prompt = trained.tokenizer("<start_of_turn>user\\nhi", return_tensors="pt")  # doctest: +SKIP
        >>> trained.model.generate(**prompt)  # doctest: +SKIP
    """
    from peft import PeftModel
    from transformers import AutoTokenizer

    from fncall_train.models import grow_embeddings, load_model
    from fncall_train.run import MANIFEST

    run = Path(run_dir)
    adapter = run / "adapter"
    if not (adapter / "adapter_config.json").is_file():
        raise FncallError(f"{run} holds no adapter (adapter/adapter_config.json); is it a finished run?")
    manifest = read_json(run / MANIFEST) if (run / MANIFEST).is_file() else {}
    base = read_json(adapter / "adapter_config.json").get("base_model_name_or_path")
    if not base:
        raise FncallError(f"{adapter} names no base model (base_model_name_or_path)")
    loaded = load_model(base, dtype=dtype, device=device)
    tokenizer = AutoTokenizer.from_pretrained(os.fspath(run / "tokenizer"))
    model = loaded.model
    # the same growth as at training time (new rows = the mean row), so the base matches exactly
    grow_embeddings(model, len(tokenizer))
    peft_model = PeftModel.from_pretrained(model, os.fspath(adapter), is_trainable=trainable)
    if not trainable:
        peft_model.eval()
    return Trained(peft_model, tokenizer, manifest)


def merge_run(
    run_dir: str | os.PathLike[str], output_dir: str | os.PathLike[str], *, dtype: str = "auto"
) -> Path:
    """Write a full model with the adapter merged in, and the run's tokenizer, to ``output_dir``.

    Example:
        >>> merge_run("runs/t", "merged/t")  # doctest: +SKIP
        PosixPath('merged/t')
    """
    trained = load_trained(run_dir, dtype=dtype, device="cpu")
    merged = trained.model.merge_and_unload()
    out = Path(output_dir)
    merged.save_pretrained(os.fspath(out))
    trained.tokenizer.save_pretrained(os.fspath(out))
    return out
