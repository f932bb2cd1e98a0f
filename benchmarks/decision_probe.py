"""How well a model's first token of its reply reads the call/no-call decision from the request.

Greedy decoding turns the decision into one bit per example, and with 16 no-call examples a test set
cannot tell a run that leans a little from one that has learnt nothing. This probe reads the
probability the model gives the profile's call opener (the first token of ``<tool_call>``) as the first
token of its reply,
for every test example, and reports how well that number separates the requests that need a call
from those that need none: the AUC (the chance that a random call request gets a higher probability
than a random no-call one; 0.5 is a coin, 1.0 a clean threshold), with a 95% bootstrap interval, and
the median probability in each class. An adapter whose AUC is high but whose greedy decisions are all
"call" has learnt to read the request and only not yet where to put the threshold.

    python benchmarks/decision_probe.py runs/ablation/test.jsonl runs/ablation/baseline/train/adapter ...
    python benchmarks/decision_probe.py test.jsonl ADAPTER --model tiny      # a quick check of the script

Prints a Markdown table, one row per model (the base model first), and writes ``--out`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from pathlib import Path
from typing import Any

from fncall_eval.decision import auc, opener_probabilities, opener_token


def bootstrap(positives: list[float], negatives: list[float], rounds: int = 2000) -> tuple[float, float]:
    """A 95% percentile interval of the AUC, resampling each class on its own (seeded)."""
    rng = random.Random(0)
    values = sorted(
        auc(rng.choices(positives, k=len(positives)), rng.choices(negatives, k=len(negatives)))
        for _ in range(rounds)
    )
    return values[int(0.025 * rounds)], values[int(0.975 * rounds) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("test", type=Path, help="The test set (JSONL records).")
    parser.add_argument("adapters", type=Path, nargs="*", help="Adapter folders to probe beside the base.")
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--profile", default="gemma")
    parser.add_argument("--out", type=Path, default=Path("runs/decision_probe.json"))
    args = parser.parse_args()

    from peft import PeftModel

    from fncall_data.profiles import get_profile
    from fncall_data.turns import evaluated_turn
    from fncall_data.types import Record
    from fncall_train.models import load_model

    profile = get_profile(args.profile)
    records = [Record.model_validate_json(line) for line in args.test.read_text("utf-8").splitlines()]
    prompts = [profile.prompt(r, evaluated_turn(r)) for r in records]
    needs_call = [bool(r.answers) for r in records]
    loaded = load_model(args.model, profile=profile, device="cpu")
    tokenizer = loaded.tokenizer
    # the first token of the opener: "<" when the tag is plain text (the embedded Gemma's tokenizer has
    # no <tool_call> token), which no reply in words starts with in our data
    opener = opener_token(tokenizer, profile)
    model: Any = loaded.model
    rows = []
    for index, adapter in enumerate([None, *args.adapters]):
        name = f"adapter_{index}"
        if adapter is not None and index == 1:
            model = PeftModel.from_pretrained(loaded.model, str(adapter), adapter_name=name)
        elif adapter is not None:
            model.load_adapter(str(adapter), adapter_name=name)
            model.set_adapter(name)
        model.eval()
        probabilities = opener_probabilities(model, tokenizer, prompts, opener)
        calls = [p for p, call in zip(probabilities, needs_call, strict=True) if call]
        quiet = [p for p, call in zip(probabilities, needs_call, strict=True) if not call]
        low, high = bootstrap(calls, quiet)
        rows.append({
            "model": "base" if adapter is None else str(adapter), "auc": auc(calls, quiet), "low": low,
            "high": high, "median_call": statistics.median(calls), "median_no_call": statistics.median(quiet),
            "n_call": len(calls), "n_no_call": len(quiet),
        })  # fmt: skip
        print(f"probed {rows[-1]['model']}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print("\n| model | AUC (95% CI) | median P(call opener), call right | where no call is right |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['model']} | {row['auc']:.2f} ({row['low']:.2f}–{row['high']:.2f}) | "
              f"{row['median_call']:.2f} | {row['median_no_call']:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
