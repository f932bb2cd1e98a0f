"""What more training time buys: exact match on new queries for the training tools and on held-out tools,
after 5, 10, 20 and 40 minutes of training the embedded model on this machine.

One run with the quickstart's data split and settings, except that the learning rate stays constant
after warm-up, so the adapter saved when the clock passes each mark is what a run of that length with
a constant rate would give (the quickstart itself decays the rate with a cosine, which usually helps
its single end point a little). Each saved adapter is then scored on the quickstart's test set.

    python benchmarks/quickstart_curve.py                          # 5 10 20 40 minutes, the embedded model
    python benchmarks/quickstart_curve.py --marks 1 2 --model tiny # a quick check of the script itself

Writes ``<out>/curve.json`` and prints a Markdown table; the README quotes it.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from fncall_eval.quickstart import QuickstartConfig, _data, _evaluate, _group_summary
from fncall_eval.run import variant_labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marks", type=float, nargs="+", default=[5, 10, 20, 40], help="Minutes.")
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--out", type=Path, default=Path("runs/curve"))
    args = parser.parse_args()
    marks = sorted(args.marks)
    # data for the longest mark at a brisk rate, so no example is seen twice
    config = QuickstartConfig(output_dir=args.out, model=args.model, train_minutes=marks[-1],
                              tokens_per_s=170, bfcl_per_category=0)  # fmt: skip

    def say(stage: str, text: str) -> None:
        print(f"{stage}: {text}", flush=True)

    _, groups, steps = _data(config, say)
    saved = _train(config, steps, marks, say)
    adapters = [Path(info["adapter"]) for info in saved.values()]
    test = args.out / "data" / "test.jsonl"
    result = _evaluate(config, test, args.out / "eval", "strict", say, adapters, include_base=False)
    summary = _group_summary(result.scores, groups)
    # variant_labels names the adapters in the order given, which is the order of the marks
    labels = [label for label, _ in variant_labels([os.fspath(a) for a in adapters], include_base=False)]
    mark_of = dict(zip(labels, saved, strict=True))
    rows = [{"minutes": mark_of[row["model"]], **saved[mark_of[row["model"]]], **row}
            for row in summary if row["model"] in mark_of]  # fmt: skip
    rows.sort(key=lambda row: (row["group"] != "training tools", row["minutes"]))
    (args.out / "curve.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print("\n| minutes | steps | examples seen | group | n | JSON valid | tool choice | exact match |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        rates = [_pct(row[m]) for m in ("json_validity", "tool_accuracy", "call_exact_match")]
        print(
            f"| {row['minutes']:g} | {row['step']} | {row['examples']} | {row['group']} | {row['n']} | "
            + " | ".join(rates)
            + " |"
        )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _train(config: QuickstartConfig, steps: int, marks: list[float], say: Any) -> dict[float, dict[str, Any]]:
    """Train once with a constant rate; save the adapter as the clock passes each mark."""
    from transformers import TrainerCallback

    from fncall_train.config import load_config
    from fncall_train.run import prepare_run

    folder = config.output_dir / "train"
    # the step budget only has to outlast the last mark; warm-up is the quickstart's (~6 steps)
    budget = steps * 4
    train_config = load_config(
        recipe="default", model=config.model, data=config.output_dir / "data" / "train.jsonl",
        output_dir=folder, max_steps=budget, max_minutes=marks[-1], max_length=config.max_length,
        seed=config.seed, save_steps=10**6, learning_rate=config.learning_rate,
        grad_accum=config.grad_accum, scheduler="constant_with_warmup", warmup_fraction=6 / budget,
    )  # fmt: skip
    run = prepare_run(train_config)
    run.model.peft_config["default"].base_model_name_or_path = run.base_model
    mean_tokens = sum(len(e.input_ids) for e in run.examples) / max(1, len(run.examples))
    saved: dict[float, dict[str, Any]] = {}

    def save(mark: float, state: Any) -> None:
        path = folder / f"adapter-{mark:g}min"
        run.model.save_pretrained(os.fspath(path))
        loss = next((h["loss"] for h in reversed(state.log_history) if "loss" in h), None)
        seen = int(state.num_input_tokens_seen)
        saved[mark] = {"adapter": os.fspath(path), "step": state.global_step,
                       "examples": round(seen / mean_tokens), "loss": loss}  # fmt: skip
        say("train", f"{mark:g} min: step {state.global_step}, ~{saved[mark]['examples']} examples")

    class Saver(TrainerCallback):  # type: ignore[misc]
        started = 0.0

        def on_train_begin(self, *a: Any, **k: Any) -> None:
            self.started = time.perf_counter()

        def on_step_end(self, args: Any, state: Any, control: Any, **k: Any) -> None:
            minutes = (time.perf_counter() - self.started) / 60
            for mark in marks:
                if mark not in saved and minutes >= mark:
                    save(mark, state)

        def on_train_end(self, args: Any, state: Any, control: Any, **k: Any) -> None:
            for mark in marks:  # the step budget ran out before the clock: the end stands for the rest
                if mark not in saved:
                    save(mark, state)

    run.trainer.add_callback(Saver())
    run.trainer.train()
    return saved


if __name__ == "__main__":
    main()
