"""``fncall quickstart``: the main job end to end, with a line of progress per stage."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from fncall_eval.quickstart import QuickstartConfig

__all__ = ["quickstart"]

# the defaults live in QuickstartConfig alone; the options show them
_D = {name: field.default for name, field in QuickstartConfig.model_fields.items()}


@click.command()
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=_D["output_dir"],
    show_default=True,
    help="Where everything is written.",
)
@click.option(
    "--model", default=_D["model"], show_default=True, help="Base model: embedded, tiny, a folder, ..."
)
@click.option(
    "--minutes",
    "train_minutes",
    type=float,
    default=_D["train_minutes"],
    show_default=True,
    help="Training time budget.",
)
@click.option("--steps", type=int, help="Optimizer steps (default: planned from --minutes).")
@click.option(
    "--min-steps",
    type=int,
    default=_D["min_steps"],
    show_default=True,
    help="On a machine too slow for this many steps in --minutes, train on to this many (said on screen).",
)
@click.option("--clock-only", is_flag=True, help="Stop at --minutes however few steps that gives.")
@click.option(
    "--seed",
    type=int,
    default=_D["seed"],
    show_default=True,
    help="Seed of the data, the held-out tools and training.",
)
@click.option(
    "--held-out-tools",
    type=int,
    default=_D["held_out_tools"],
    show_default=True,
    help="Catalog tools kept out of training.",
)
@click.option(
    "--test-per-group",
    type=int,
    default=_D["test_per_group"],
    show_default=True,
    help="Test records per group (training tools, held-out tools).",
)
@click.option(
    "--bfcl-per-category",
    type=int,
    default=_D["bfcl_per_category"],
    show_default=True,
    help="BFCL questions per category when the BFCL data is at hand (0: skip).",
)
@click.option(
    "--learning-rate", type=float, default=_D["learning_rate"], show_default=True, help="Peak learning rate."
)
@click.option(
    "--reasoning/--no-reasoning",
    default=_D["reasoning"],
    show_default=True,
    help="Write <think> reasoning in the generated data.",
)
@click.option(
    "--calls-only/--whole-records",
    default=_D["calls_only"],
    show_default=True,
    help="End each training record of the short run at its last call (what follows is not scored).",
)
@click.option(
    "--no-call-share",
    type=float,
    default=_D["no_call_share"],
    show_default=True,
    help="Share of irrelevance and missing_param records in the short run's training set.",
)
@click.option(
    "--ask-share",
    type=float,
    default=_D["ask_share"],
    show_default=True,
    help="Of those no-call records, the share that ask for a missing value (the rest: irrelevance).",
)
@click.option(
    "--requests",
    type=int,
    default=_D["requests"],
    show_default=True,
    help="Independent requests per training record against one tool list (the test set keeps one).",
)
@click.option(
    "--lora-layers",
    type=int,
    default=None,
    help="LoRA on the top N decoder layers only: a cheaper step, so more steps in the minutes "
    "(default: every layer).",
)
@click.option(
    "--full/--budget",
    default=None,
    help="--full: the default recipe as it is (one epoch on --full-records records, no time budget); "
    "--budget: the short CPU run. Default: --full for a hub model on a GPU, --budget otherwise.",
)
@click.option(
    "--full-records",
    type=int,
    default=_D["full_records"],
    show_default=True,
    help="Training records of a --full run.",
)
@click.option(
    "--max-new-tokens",
    type=int,
    default=_D["max_new_tokens"],
    show_default=True,
    help="Longest generated answer, in tokens.",
)
@click.option(
    "--constrained/--unconstrained",
    default=_D["constrained"],
    show_default=True,
    help="Hold each call the model opens to the offered tools' schemas while it is written (the "
    "constrained extra; docs/constrained.md); --unconstrained: the model's own tokens.",
)
@click.option(
    "--decision",
    type=click.Choice(["greedy", "calibrated"]),
    default=_D["decision"],
    show_default=True,
    help="calibrated: set the adapter's call threshold on validation records of the training tools "
    "(data/val.jsonl) and apply it in evaluation; greedy: the likeliest first token decides.",
)
def quickstart(**options: Any) -> None:
    """Generate data from the bundled catalog, train a LoRA adapter, and score base and adapter.

    \b
    1. data: a training set from the catalog with some tools held out, and a test set of new queries
       for the training tools and queries for the held-out tools, every category in each;
    2. train: the default recipe on --model (the embedded Gemma 3 270M by default), within --minutes
       (warm-up and decay follow the clock);
    3. decision: the adapter's call threshold, set on validation records of the training tools
       (--decision calibrated, the default);
    4. eval: the base model and the adapter side by side, their calls held to the tool schemas
       (--unconstrained: the models' own tokens); the report is OUTPUT_DIR/eval/report.html;
    5. bfcl: a sample of simple_python, multiple, parallel and irrelevance, scored with BFCL's rules,
       when the bfcl-eval wheel is in .cache/bfcl (bash scripts/fetch_bfcl.sh).

    A finished stage is not run again: run the same command after an interruption to continue.
    """
    from pydantic import ValidationError

    from fncall_data.cli.quiet import stderr_to_log
    from fncall_data.errors import FncallError
    from fncall_data.types import describe_validation_error
    from fncall_eval.quickstart import run_quickstart

    if options.pop("clock_only"):
        options["min_steps"] = None
    try:
        config = QuickstartConfig(**options)
    except ValidationError as exc:
        raise FncallError("quickstart: " + "; ".join(describe_validation_error(exc))) from None
    started = time.perf_counter()

    def notify(stage: str, text: str) -> None:
        minutes_in = (time.perf_counter() - started) / 60
        click.echo(f"[{minutes_in:5.1f} min] {stage}: {text}")

    log_path = config.output_dir / "quickstart.log"
    notify("log", f"library messages (warnings, progress bars) go to {log_path}")
    with stderr_to_log(log_path):
        result = run_quickstart(config, notify)
    click.echo("")
    click.echo(_table(result.summary, "group"))
    if result.bfcl:
        click.echo("")
        click.echo("BFCL sample (BFCL matching rules):")
        click.echo(_table(result.bfcl, "category"))
    total = sum(result.timings.values()) / 60
    click.echo("")
    click.echo(f"done in {total:.1f} min; report: {result.report}; log: {log_path}")


def _table(rows: list[dict[str, Any]], key: str) -> str:
    from fncall_eval.quickstart import SUMMARY_METRICS

    columns = ["model", key, "n", *SUMMARY_METRICS]
    shown = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in shown)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in shown]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{100 * value:.1f}%"
    return "-" if value is None else str(value)
