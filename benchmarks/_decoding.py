"""What the decoding benchmarks share: their options, the model (adapter merged) and the test records.

A sibling module of the scripts (``python benchmarks/decode.py`` puts this folder on ``sys.path``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fncall_data.profiles import ChatProfile, get_profile
from fncall_data.types import Record


def decoding_parser(doc: str) -> argparse.ArgumentParser:
    """The options of a decoding benchmark: model, adapter, data, prompts, batches, limit, repeats."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--adapter", type=Path, help="A LoRA adapter folder, merged for the run.")
    parser.add_argument("--data", type=Path, default=Path("runs/quickstart/data/test.jsonl"))
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2)
    return parser


def load_decoder(args: argparse.Namespace) -> tuple[ChatProfile, Any, Any]:
    """The gemma profile, the model on CPU (the adapter merged into it) and its left-padding tokenizer."""
    from fncall_train.models import load_model

    profile = get_profile("gemma")
    loaded = load_model(args.model, profile=profile, device="cpu")
    model, tokenizer = loaded.model, loaded.tokenizer
    if args.adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(args.adapter)).merge_and_unload()
    model.eval()
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return profile, model, tokenizer


def first_records(args: argparse.Namespace) -> list[Record]:
    """The first ``--prompts`` records of ``--data``."""
    lines = args.data.read_text(encoding="utf-8").splitlines()
    return [Record.model_validate_json(line) for line in lines][: args.prompts]
