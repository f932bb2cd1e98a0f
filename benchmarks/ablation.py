"""Which change to the training data teaches the quickstart's model most: one row per variant, each
trained for the same number of steps from the same seed, all scored on one fixed test set.

A variant is the quickstart's short run with one lever changed (see VARIANTS). The test set, the held-out
tools, the seed, the step count and every training option stay the same; steps, not minutes, so that a
busy machine changes how long a row takes and not what it measures. A lever that makes a step cheaper
is also run for the steps its speed buys in the baseline's time (STEP_FACTOR, measured side by side on
a quiet machine), which is what a time-budgeted run gains from it. The base model is scored once; each
adapter is added to the same evaluation folder, so a rerun only scores what is new.

For each variant, group (training tools, held-out tools) and kind of request, it reports exact match
and the call/no-call decision (the share of examples where the model called exactly when a call was
right), each with a 95% Wilson interval, and the tokens under the loss per training minute.

    python benchmarks/ablation.py              # every variant, 69 steps each, on the embedded model
    python benchmarks/ablation.py --variants baseline opener --steps 2 --model tiny --test-per-group 7

Writes ``<out>/ablation.json`` and prints a Markdown table; docs/data.md quotes it.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fncall_eval.metrics import wilson_interval
from fncall_eval.quickstart import (
    QuickstartConfig,
    _calibrate,
    _data,
    _evaluate,
    _first_user,
    _held_out,
    _train,
    _user_turns,
)

# Kinds of request, from the generator's categories: what the model has to decide and write.
KINDS = {
    "simple": "single call",
    "multiple": "single call",
    "multi_turn": "single call",
    "parallel": "parallel",
    "parallel_multiple": "parallel",
    "irrelevance": "no call",
    "missing_param": "missing value",
}
KIND_ORDER = ("single call", "parallel", "no call", "missing value")

Transform = Callable[[dict[str, Any]], dict[str, Any]]


def _declines_a_tool(reply: str) -> bool:
    """Whether an irrelevance reply declines a request for a tool the list lacks (the generator's
    wordings all name the tools), rather than answering small talk."""
    return "tool" in reply


def _opener(record: dict[str, Any]) -> dict[str, Any]:
    """No-call replies that open the same short way ("I ..."), so that the first token is the decision."""
    if record["category"] not in ("irrelevance", "missing_param"):
        return record
    last = record["messages"][-1]
    text = last["content"]
    if record["category"] == "missing_param":
        keep = text.startswith(("I ", "I'"))  # "I can do that, but ..." keeps its capital
        last["content"] = "I need one more detail: " + (text if keep else text[0].lower() + text[1:])
    elif _declines_a_tool(text):  # a request for a tool the list does not have
        names = ", ".join(t["name"] for t in record["tools"])
        last["content"] = f"I can't do that with the tools I have ({names})."
    else:  # small talk, answered without a tool
        last["content"] = "I don't need a tool for that: " + text
    return record


@functools.cache
def _training_pool() -> dict[str, Any]:
    """The catalog's training tools by name (the quickstart's held-out tools left out, at its defaults)."""
    from fncall_data.generate import catalog_specs

    defaults = QuickstartConfig()
    specs = catalog_specs()
    held = set(_held_out(specs, defaults.held_out_tools, defaults.seed))
    return {s.name: s for s in specs if s.name not in held}


def _tool_requests(record: dict[str, Any]) -> dict[str, Any]:
    """Small-talk irrelevance records turned into requests for a tool the list does not offer (from a
    domain none of the offered tools is in), the kind the decision finds hard; the rest as they are."""
    from fncall_data.generate.builders import irrelevant_exchange

    last = record["messages"][-1]
    if record["category"] != "irrelevance" or _declines_a_tool(last.get("content") or ""):
        return record
    pool = _training_pool()
    offered = [pool[t["name"]] for t in record["tools"]]
    for attempt in range(100):  # the exchange is a tool request three times in five
        rng = random.Random(f"{record['id']}/{attempt}")
        exchange = irrelevant_exchange(offered, list(pool.values()), rng, reasoning=False)
        if _declines_a_tool(exchange[1]["content"]):
            record["messages"][-2:] = exchange
            break
    return record


#: name -> (QuickstartConfig changes, a transform of each training record or None, what it tests): the
#: variants that train an adapter of their own
_TRAINED: dict[str, tuple[dict[str, Any], Transform | None, str]] = {
    "baseline": ({"requests": 1}, None, "one request a record: the quickstart's short run before stacking"),
    "opener": ({"requests": 1}, _opener, "no-call replies open the same short way"),
    "no-call-50": ({"requests": 1, "no_call_share": 0.5}, None, "half the records need no call (not 30%)"),
    "opener+50": ({"requests": 1, "no_call_share": 0.5}, _opener, "both"),
    "stack3": ({"requests": 3}, None, "three requests against one tool list a record, call beside no call"),
    "lr-2e-3": ({"requests": 1, "learning_rate": 2e-3}, None, "twice the peak learning rate (2e-3)"),
    "pairs": ({"requests": 1, "pairs": True}, None, "each missing-value record beside its minimal pair"),
    "decision-x10+calibrated": (
        {"requests": 1, "decision_weight": 10.0, "decision": "calibrated"},
        None,
        "the first token of each reply weighs 10 in the loss, calibrated",
    ),
    "lora-9+calibrated": (
        {"requests": 1, "lora_layers": 9, "decision": "calibrated"},
        None,
        "LoRA on the top 9 of 18 layers only (a cheaper step), calibrated",
    ),
    "lora-9x1.36+calibrated": (
        {"requests": 1, "lora_layers": 9, "decision": "calibrated"},
        None,
        "lora-9 for the steps its cheaper step buys in the baseline's time (1.36 times), calibrated",
    ),
    "tool-requests+calibrated+constrained": (
        {"requests": 1, "decision": "calibrated", "constrained": True},
        _tool_requests,
        "every irrelevance record asks for a tool the list lacks (no small talk), calibrated, constrained",
    ),
    "asks-2x+calibrated+constrained": (
        {"requests": 1, "ask_share": 2 / 3, "decision": "calibrated", "constrained": True},
        None,
        "two in three no-call records ask for a missing value (not one in two), calibrated, constrained",
    ),
}
_CALIBRATED = {"decision": "calibrated"}
#: name -> (the variant it trains exactly as, what its evaluation changes, what it tests): the same data,
#: seed and steps, so it takes that variant's trained folder when it is there instead of training again
_TWINS: dict[str, tuple[str, dict[str, Any], str]] = {
    "calibrated": (
        "baseline",
        _CALIBRATED,
        "the baseline's adapter, its call threshold chosen on validation records of the training tools",
    ),
    "no-call-50+calibrated": ("no-call-50", _CALIBRATED, "no-call-50's adapter, calibrated"),
    "lr-2e-3+calibrated": ("lr-2e-3", _CALIBRATED, "lr-2e-3's adapter, calibrated"),
    "pairs+calibrated": ("pairs", _CALIBRATED, "pairs' adapter, calibrated"),
    "calibrated+constrained": (
        "baseline",
        {**_CALIBRATED, "constrained": True},
        "the calibrated baseline, its calls held to their tool schemas while decoding (docs/constrained.md)",
    ),
    "stack3+calibrated": ("stack3", _CALIBRATED, "stack3's adapter, calibrated"),
    "opener+calibrated": (
        "opener",
        _CALIBRATED,
        "opener's adapter, calibrated: one sure first token on each side, the threshold set on purpose",
    ),
}
#: every variant: name -> (QuickstartConfig changes, transform, what it tests)
VARIANTS = {
    **_TRAINED,
    **{
        name: ({**_TRAINED[twin][0], **evaluation}, _TRAINED[twin][1], what)
        for name, (twin, evaluation, what) in _TWINS.items()
    },
}
#: variants that train exactly as another and differ only in evaluation
TRAINS_LIKE = {name: twin for name, (twin, _, _) in _TWINS.items()}
#: a variant's steps as a multiple of --steps: a cheaper step buys more of them in the same minutes.
#: lora-9's runs took 243 s for 69 steps where the baseline's took 330 s on the same quiet machine.
STEP_FACTOR = {"lora-9x1.36+calibrated": 1.36}


def _prepare(train: Path, test: Path, transform: Transform | None, say: Callable[[str, str], None]) -> None:
    """Apply the variant's transform, then drop training records that ask a test question (the shared
    test set may not be this variant's own); the file as generated stays beside it."""
    asked = {_first_user(json.loads(line)) for line in test.read_text(encoding="utf-8").splitlines()}
    lines = train.read_text(encoding="utf-8").splitlines()
    shutil.copy(train, train.with_suffix(".generated.jsonl"))
    records = [transform(r) if transform is not None else r for r in map(json.loads, lines)]
    records = [r for r in records if asked.isdisjoint(_user_turns(r))]  # what a transform asks as well
    train.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    say("data", f"{len(records)} training records after {len(lines) - len(records)} that ask a test question")


def _folder(variant: str, replicate: int) -> str:
    """The run folder of a variant's replicate: ``baseline``, ``baseline-r1``, ..."""
    return variant if replicate == 0 else f"{variant}-r{replicate}"


def _cell(hits: int, n: int) -> str:
    if n == 0:
        return "–"
    low, high = wilson_interval(hits, n)
    return f"{hits}/{n} ({low:.0%}–{high:.0%})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--steps", type=int, default=69, help="Optimizer steps of every variant.")
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--test-per-group", type=int, default=35)
    parser.add_argument(
        "--replicates", type=int, default=1, help="Training runs per variant, each from another seed."
    )
    parser.add_argument("--out", type=Path, default=Path("runs/ablation"))
    args = parser.parse_args()

    def say(stage: str, text: str) -> None:
        print(f"{stage}: {text}", flush=True)

    # minutes far beyond the steps: the step count alone ends every run, whatever the machine's load
    base = QuickstartConfig(
        output_dir=args.out / "baseline",
        model=args.model,
        steps=args.steps,
        train_minutes=10_000,
        bfcl_per_category=0,
        test_per_group=args.test_per_group,
        constrained=False,  # the table was measured on the model's own tokens; one variant turns it on
    )
    test_path = args.out / "test.jsonl"
    groups: dict[str, str] = {}
    scores: dict[str, list[Any]] = {}
    trained: dict[str, dict[str, Any]] = {}
    for name in args.variants:
        changes, transform, _ = VARIANTS[name]
        steps = round(args.steps * STEP_FACTOR.get(name, 1.0))  # the training set is sized for them too
        config = base.model_copy(update={"output_dir": args.out / name, "steps": steps, **changes})
        _, variant_groups, _ = _data(config, say)
        data = config.output_dir / "data"
        if not test_path.is_file():  # the first variant's test set is every variant's
            args.out.mkdir(parents=True, exist_ok=True)
            shutil.copy(data / "test.jsonl", test_path)
            (args.out / "groups.json").write_text(json.dumps(variant_groups), encoding="utf-8")
        groups = json.loads((args.out / "groups.json").read_text(encoding="utf-8"))
        marker = data / "prepared"
        if not marker.exists():
            _prepare(data / "train.jsonl", test_path, transform, say)
            # the shared test set in the variant's folder too, so that validation records avoid its queries
            shutil.copy(test_path, data / "test.jsonl")
            marker.write_text(name + "\n", encoding="utf-8")
        for replicate in range(args.replicates):
            # a replicate trains on the same records from another seed (LoRA init, data order)
            run = name if replicate == 0 else f"{name}#{replicate}"
            run_config = config
            if replicate:
                folder = args.out / _folder(name, replicate)
                run_config = config.model_copy(update={"output_dir": folder, "seed": config.seed + replicate})
                if not (run_config.output_dir / "data").is_dir():
                    shutil.copytree(data, run_config.output_dir / "data")
            twin = TRAINS_LIKE.get(name)
            twin_train = args.out / _folder(twin, replicate) / "train" if twin else None
            if (
                twin_train is not None
                and (twin_train / "fncall_run.json").is_file()
                and not (run_config.output_dir / "train").exists()
            ):
                shutil.copytree(twin_train, run_config.output_dir / "train")
                say(
                    "train",
                    f"{run}: the trained folder of {twin_train.parent.name} (the same data, seed and steps)",
                )
            _train(run_config, steps, say)
            if run_config.decision == "calibrated":
                _calibrate(run_config, say)
            trained[run] = json.loads(
                (run_config.output_dir / "train" / "fncall_run.json").read_text("utf-8")
            )
            adapter = run_config.output_dir / "train" / "adapter"
            result = _evaluate(
                run_config, test_path, run_config.output_dir / "eval", "strict", say, [adapter], False
            )
            scores[run] = next(iter(result.scores.values()))
    result = _evaluate(base, test_path, args.out / "base-eval", "strict", say, [], True)
    scores = {"base": result.scores["base"], **scores}
    rows = []
    for name, items_all in scores.items():
        run = trained.get(name)
        per_minute = per_step = None
        if run is not None:  # the share under the loss is the training set's; per step holds under any load
            data_info = run["data"]
            under_loss = run["tokens"] * data_info["loss_tokens"] / data_info["tokens"]
            per_minute, per_step = under_loss / (run["wall_s"] / 60), under_loss / run["steps"]
        for group in ("training tools", "held-out tools"):
            for kind in KIND_ORDER:
                items = [s for s in items_all if groups.get(s.id) == group and KINDS.get(s.category) == kind]
                exact = sum(s.call_exact for s in items)
                # the decision: an attempt at a call (well-formed or not) exactly where a call is right
                decided = sum((s.status != "no_call") == s.expects_call for s in items)
                rows.append({
                    "variant": name, "group": group, "kind": kind, "n": len(items), "exact": exact,
                    "decision": decided, "loss_tokens_per_min": per_minute, "loss_tokens_per_step": per_step,
                    "steps": run["steps"] if run else None,
                })  # fmt: skip
    (args.out / "ablation.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print("\n| variant | group | kind | exact match (95% CI) | call/no-call right (95% CI) |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['variant']} | {row['group']} | {row['kind']} | {_cell(row['exact'], row['n'])} | "
              f"{_cell(row['decision'], row['n'])} |")  # fmt: skip
    print("\n| variant | steps | tokens under the loss per step | per minute | what it tests |")
    print("|---|---|---|---|---|")
    for name in trained:
        row = next(r for r in rows if r["variant"] == name)
        per_step, per_minute = row["loss_tokens_per_step"], row["loss_tokens_per_min"]
        what = VARIANTS[name.split("#")[0]][2]
        print(f"| {name} | {row['steps']} | {per_step:.0f} | {per_minute:.0f} | {what} |")


if __name__ == "__main__":
    main()
