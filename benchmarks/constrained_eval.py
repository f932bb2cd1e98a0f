"""Scores with and without constrained decoding, side by side: the README's table.

Runs ``fncall eval run`` twice on the same test set, base model and adapter, once as they are and once
with ``constrained=True``, then prints per group (the quickstart's ``groups.json``: training tools,
held-out tools) and overall: schema validity among the answers that attempt a call, the share of calls
naming a tool that was not offered, call exact match, and no-call right (irrelevance detection).
Predictions are kept in the prediction cache, so a rerun with the same adapter and data only scores.

    python benchmarks/constrained_eval.py --adapter runs/quickstart/train/adapter \\
        --data runs/quickstart/data/test.jsonl --groups runs/quickstart/data/groups.json
    python benchmarks/constrained_eval.py --model tiny --data tests/data/... --limit 8   # a quick check
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

METRICS = {
    "schema_validity": "schema valid (calling answers)",
    "hallucinated_tool_rate": "hallucinated tool (calls)",
    "call_exact_match": "exact match",
    "irrelevance_detection": "no-call right",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--adapter", type=Path, action="append", default=[], help="Repeatable.")
    parser.add_argument("--data", type=Path, default=Path("runs/quickstart/data/test.jsonl"))
    parser.add_argument("--groups", type=Path, help="id -> group JSON (the quickstart's groups.json).")
    parser.add_argument("--out", type=Path, default=Path("runs/constrained-eval"))
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=200)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--no-base", action="store_true", help="Only the adapters.")
    args = parser.parse_args()

    from fncall_eval.backends import GenerateConfig
    from fncall_eval.run import RunConfig, run_eval
    from fncall_train.models import cache_root

    groups = json.loads(args.groups.read_text(encoding="utf-8")) if args.groups else {}
    scores: dict[str, dict[str, list[Any]]] = {}
    for mode in ("unconstrained", "constrained"):
        generate = GenerateConfig(
            model=args.model, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens,
            constrained=mode == "constrained",
        )  # fmt: skip
        config = RunConfig(
            data=args.data, out=args.out / mode, generate=generate, limit=args.limit,
            adapters=tuple(str(a) for a in args.adapter), cache=cache_root() / "predictions", n_boot=0,
            include_base=not args.no_base,
        )  # fmt: skip
        result = run_eval(
            config, progress=lambda label, done, total, m=mode: _progress(m, label, done, total)
        )
        scores[mode] = result.scores
    rows = _rows(scores, groups)
    (args.out / "side_by_side.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    print(_markdown(rows))


def _progress(mode: str, label: str, done: int, total: int) -> None:
    if done == total or done % 10 == 0:
        print(f"  {mode} {label}: {done}/{total}", flush=True)


def _rows(scores: dict[str, dict[str, list[Any]]], groups: dict[str, str]) -> list[dict[str, Any]]:
    from fncall_eval.metrics import aggregate

    names = [*sorted(set(groups.values())), "all"] if groups else ["all"]
    rows = []
    for label in scores["unconstrained"]:
        for group in names:
            for mode in ("unconstrained", "constrained"):
                items = [s for s in scores[mode][label] if group == "all" or groups.get(s.id) == group]
                metrics = aggregate(items)
                rows.append({"model": label, "group": group, "decoding": mode, "n": metrics["n"],
                             "calling": sum(1 for s in items if s.json_valid is not None),
                             **{m: metrics[m] for m in METRICS}})  # fmt: skip
    return rows


def _markdown(rows: list[dict[str, Any]]) -> str:
    head = ["model", "group", "decoding", "n", "calling", *METRICS.values()]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [str(row[k]) for k in ("model", "group", "decoding", "n", "calling")]
        cells += ["-" if row[m] is None else f"{100 * row[m]:.1f}%" for m in METRICS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
