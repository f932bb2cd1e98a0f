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
    python benchmarks/decision_probe.py val.jsonl ADAPTER --second-call     # after the first call: another?

With ``--second-call`` the probe reads the next decision instead: the model's first reference call is
written for it, and the number is the probability of the token that opens another call right where
that call closes, separating the requests that ask for two or three calls from those that ask for
one (records whose scored turn follows an earlier exchange are left out: their prior differs).

With ``--forced-call`` the number is read from more than the first token: the model is made to open a
call (the opener written for it) and writes the rest greedily, and the score is the mean log-probability
of the tokens it writes up to the closing tag. A model that calls a tool for a request no tool fits, or
invents a value the user never gave, may be less sure of that call than of one the request supports.

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
    parser.add_argument("--second-call", action="store_true", help="Probe the decision after the first call.")
    parser.add_argument(
        "--forced-call", action="store_true", help="Score the call the model writes when made to call."
    )
    parser.add_argument("--out", type=Path, default=Path("runs/decision_probe.json"))
    args = parser.parse_args()

    from peft import PeftModel

    from fncall_data.profiles import get_profile
    from fncall_data.turns import evaluated_turn
    from fncall_data.types import Record
    from fncall_train.models import load_model

    profile = get_profile(args.profile)
    records = [Record.model_validate_json(line) for line in args.test.read_text("utf-8").splitlines()]
    loaded = load_model(args.model, profile=profile, device="cpu")
    tokenizer = loaded.tokenizer
    if args.second_call:
        prompts, needs_call, opener = _after_first_call(records, profile, tokenizer)
    else:
        prompts = [profile.prompt(r, evaluated_turn(r)) for r in records]
        needs_call = [bool(r.answers) for r in records]
        # the first token of the opener: "<" when the tag is plain text (the embedded Gemma's tokenizer
        # has no <tool_call> token), which no reply in words starts with in our data
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
        if args.forced_call:
            scores = _forced_call_scores(model, tokenizer, prompts, profile.call_syntax)
        else:
            scores = opener_probabilities(model, tokenizer, prompts, opener)
        calls = [p for p, call in zip(scores, needs_call, strict=True) if call]
        quiet = [p for p, call in zip(scores, needs_call, strict=True) if not call]
        low, high = bootstrap(calls, quiet)
        rows.append({
            "model": "base" if adapter is None else str(adapter), "auc": auc(calls, quiet), "low": low,
            "high": high, "median_call": statistics.median(calls), "median_no_call": statistics.median(quiet),
            "n_call": len(calls), "n_no_call": len(quiet),
        })  # fmt: skip
        print(f"probed {rows[-1]['model']}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    what = ("median P(another call), more asked", "where one call is asked") if args.second_call else (
        "median P(call opener), call right", "where no call is right")  # fmt: skip
    if args.forced_call:
        what = ("median mean log-prob of the forced call, call right", "where no call is right")
    print(f"\n| model | AUC (95% CI) | {what[0]} | {what[1]} |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['model']} | {row['auc']:.2f} ({row['low']:.2f}–{row['high']:.2f}) | "
              f"{row['median_call']:.2f} | {row['median_no_call']:.2f} |")  # fmt: skip


def _forced_call_scores(model: Any, tokenizer: Any, prompts: list[str], syntax: Any) -> list[float]:
    """For each prompt, the mean log-probability of the tokens the model writes greedily after the call
    opener is written for it, up to the closing tag (at most 96 tokens; one prompt at a time)."""
    import torch

    values = []
    with torch.inference_mode():
        for prompt in prompts:
            encoded = tokenizer(prompt + syntax.open, return_tensors="pt", add_special_tokens=True)
            out = model.generate(
                **encoded, max_new_tokens=96, do_sample=False, output_scores=True,
                return_dict_in_generate=True, stop_strings=[syntax.close], tokenizer=tokenizer,
                pad_token_id=tokenizer.pad_token_id,
            )  # fmt: skip
            new = out.sequences[0, encoded["input_ids"].shape[1] :]
            logs = [
                float(torch.log_softmax(step[0].float(), -1)[token])
                for step, token in zip(out.scores, new, strict=True)
            ]
            values.append(sum(logs) / len(logs) if logs else 0.0)
    return values


def _after_first_call(records: list[Any], profile: Any, tokenizer: Any) -> tuple[list[str], list[bool], int]:
    """Each call record's prompt with its first reference call written up to where another call can
    follow, whether more calls are asked, and the token that opens the next call there.

    Tag texts can merge across the boundary (Gemma writes ``</tool_call><tool_call>`` with a ``><``
    token), so the decision point is where the tokens of "close, open" and "close, end of turn" part.
    """
    from fncall_data.turns import evaluated_turn

    syntax = profile.call_syntax
    more = tokenizer.encode(syntax.close + syntax.open, add_special_tokens=False)
    stop = tokenizer.encode(syntax.close + profile.stop_strings[0], add_special_tokens=False)
    split = next(i for i, (a, b) in enumerate(zip(more, stop, strict=False)) if a != b)
    closing = tokenizer.decode(more[:split])  # "</tool_call" for the Gemma profile
    prompts, asks_more = [], []
    for record in records:
        turn = evaluated_turn(record)
        calls = record.messages[turn].tool_calls or ()
        if not calls or any(m.role == "assistant" for m in record.messages[:turn]):
            continue
        prompt = profile.prompt(record, turn)
        text = profile.render(record)
        first_close = text.find(syntax.close, len(prompt))
        if not text.startswith(prompt) or first_close < 0:
            continue
        prompts.append(text[:first_close] + closing)
        asks_more.append(len(calls) > 1)
    return prompts, asks_more, more[split]


if __name__ == "__main__":
    main()
