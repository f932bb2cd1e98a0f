"""What more training time buys: exact match on new queries for the training tools and on held-out tools,
after 5, 10, 20 and 40 minutes of training the embedded model on this machine.

One training run per mark, each exactly the quickstart's short run with ``--minutes`` set to the mark:
the same data split and settings, the learning rate's warm-up and cosine decay laid over that many
minutes of wall time, and (as the quickstart does by default) the adapter's call threshold set on the
validation records. All runs read one training set, generated for the longest mark, so a shorter run
sees a prefix of what a longer one sees. Every adapter is then scored on the quickstart's test set.

    python benchmarks/quickstart_curve.py                            # 5 10 20 40 minutes, the embedded model
    python benchmarks/quickstart_curve.py --decision greedy          # the likeliest first token decides
    python benchmarks/quickstart_curve.py --marks 0.2 0.4 --model tiny # a quick check of the script itself

Writes ``<out>/curve.json`` and prints a Markdown table; the README quotes it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path
from typing import Any

from fncall_eval.quickstart import (
    QuickstartConfig,
    _calibrate,
    _data,
    _evaluate,
    _group_summary,
    _train,
    _validation,
)
from fncall_eval.run import variant_labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marks", type=float, nargs="+", default=[5, 10, 20, 40], help="Minutes.")
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--decision", choices=("calibrated", "greedy"), default="calibrated")
    parser.add_argument("--out", type=Path, default=Path("runs/curve"))
    args = parser.parse_args()
    marks = sorted(args.marks)
    config = QuickstartConfig(
        output_dir=args.out,
        model=args.model,
        train_minutes=marks[-1],
        bfcl_per_category=0,
        decision=args.decision,
    )

    def say(stage: str, text: str) -> None:
        print(f"{stage}: {text}", flush=True)

    _, groups, cap = _data(config, say)  # the step cap of the longest mark caps every run
    if args.decision == "calibrated":
        _validation(config)  # written once beside the shared data, copied with it to every mark
    runs: dict[float, dict[str, Any]] = {}
    for mark in marks:
        folder = args.out / f"{mark:g}min"
        if not (folder / "data").is_dir():
            shutil.copytree(args.out / "data", folder / "data")
        run = config.model_copy(update={"output_dir": folder, "train_minutes": mark})
        info = _train(run, cap, say)
        threshold = _calibrate(run, say)["threshold"] if args.decision == "calibrated" else None
        manifest = json.loads((folder / "train" / "fncall_run.json").read_text(encoding="utf-8"))
        last = (manifest.get("loss_curve") or [{}])[-1]
        runs[mark] = {"adapter": folder / "train" / "adapter", "steps": info["steps"],
                      "tokens": last.get("num_input_tokens_seen"), "threshold": threshold}  # fmt: skip
    adapters = [runs[m]["adapter"] for m in marks]
    test = args.out / "data" / "test.jsonl"
    result = _evaluate(config, test, args.out / "eval", "strict", say, adapters, include_base=False)
    summary = _group_summary(result.scores, groups)
    # variant_labels names the adapters in the order given, which is the order of the marks
    labels = [label for label, _ in variant_labels([os.fspath(a) for a in adapters], include_base=False)]
    mark_of = dict(zip(labels, marks, strict=True))
    rows = []
    for row in summary:
        if row["model"] in mark_of:
            mark = mark_of[row["model"]]
            rows.append(
                {
                    "minutes": mark,
                    "steps": runs[mark]["steps"],
                    "tokens": runs[mark]["tokens"],
                    "threshold": runs[mark]["threshold"],
                    **row,
                }
            )
    rows.sort(key=lambda row: (row["group"] != "training tools", row["minutes"]))
    (args.out / "curve.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    columns = ("minutes", "steps", "tokens seen", "threshold", "group", "n", "JSON valid", "tool choice",
               "exact match", "no-call right")  # fmt: skip
    print("\n| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        metrics = ("json_validity", "tool_accuracy", "call_exact_match", "irrelevance_detection")
        rates = [_pct(row[m]) for m in metrics]
        threshold = "–" if row["threshold"] is None else f"{row['threshold']:.2f}"
        cells = [f"{row['minutes']:g}", str(row["steps"]), str(row["tokens"]), threshold, row["group"],
                 str(row["n"]), *rates]  # fmt: skip
        print("| " + " | ".join(cells) + " |")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


if __name__ == "__main__":
    main()
