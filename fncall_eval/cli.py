"""``fncall eval``: run, score, compare, report and BFCL commands (thin: options in, one call, text out)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from fncall_data.cli.options import apply_options, request_options

__all__ = ["eval_group"]

_MODES = click.Choice(["strict", "bfcl"])


def _generate_options(fn: Any) -> Any:
    options = [
        click.option(
            "--model",
            "-m",
            required=True,
            help="Base model: tiny, embedded, a folder, a .gguf, a hub id "
            "(hf); a served model name (openai); a predictions JSONL (predictions).",
        ),
        click.option(
            "--adapter",
            "-a",
            "adapters",
            multiple=True,
            help="An adapter to evaluate on top of the "
            "base (repeatable): a PEFT folder (hf), a served name (openai), a predictions file.",
        ),
        click.option("--no-base", is_flag=True, help="Skip the base model; evaluate only the adapters."),
        click.option(
            "--backend", default="hf", show_default=True, help="hf, openai, predictions, or a plugin."
        ),
        click.option(
            "--profile", default="gemma", show_default=True, help="Chat profile for prompts and parsing."
        ),
        click.option(
            "--batch-size",
            default=8,
            show_default=True,
            type=click.IntRange(1),
            help="hf: prompts per batch.",
        ),
        click.option("--max-new-tokens", default=256, show_default=True, type=click.IntRange(1)),
        click.option(
            "--temperature", default=0.0, show_default=True, type=click.FloatRange(0), help="0 = greedy."
        ),
        click.option("--limit", type=click.IntRange(1), help="Only the first N test records."),
        click.option("--device", default="auto", show_default=True, help="hf: auto, cpu, cuda."),
        click.option("--dtype", default="auto", show_default=True, help="hf: auto, float32, bfloat16."),
        click.option(
            "--base-url", default="http://127.0.0.1:8000/v1", show_default=True, help="openai: server URL."
        ),
        click.option(
            "--concurrency",
            default=8,
            show_default=True,
            type=click.IntRange(1),
            help="openai: requests in flight.",
        ),
        *request_options(scope="openai: "),
        click.option(
            "--tools",
            "tools_mode",
            type=click.Choice(["native", "profile"]),
            default="native",
            show_default=True,
            help="openai: send tools natively, or render the prompt with the profile.",
        ),
        click.option(
            "--constrained",
            is_flag=True,
            help="Calls the model opens name an offered tool with arguments that fit its schema (hf: needs "
            'pip install "fncall[constrained]"; openai: the server enforces them, see docs/constrained.md).',
        ),
        click.option(
            "--decision",
            type=click.Choice(["greedy", "calibrated"]),
            default="greedy",
            show_default=True,
            help="hf: calibrated applies the call threshold `fncall eval calibrate` saved beside each "
            "adapter to the first token of its replies (docs/eval.md).",
        ),
        click.option(
            "--dots-as-underscores", is_flag=True, help="Accept weather_get for a tool named weather.get."
        ),
        click.option(
            "--n-boot", default=1000, show_default=True, type=click.IntRange(0), help="Bootstrap resamples."
        ),
        click.option(
            "--output", "-o", "out", required=True, type=click.Path(path_type=Path), help="The run folder."
        ),
        click.option(
            "--overwrite",
            is_flag=True,
            help="Replace predictions in the run folder that other settings made (a rerun with the same "
            "settings resumes without it).",
        ),
    ]
    return apply_options(options, fn)


def _data_options(fn: Any) -> Any:
    """The test data and matching options that ``run`` and ``score`` share."""
    fn = click.option(
        "--mode", type=_MODES, default="strict", show_default=True, help="Argument matching rules."
    )(fn)
    fn = click.option(
        "--from", "data_format", default="auto", show_default=True, help="The test file's format."
    )(fn)
    return click.option(
        "--data", "-d", required=True, type=click.Path(exists=True, path_type=Path), help="Test records."
    )(fn)


def _config(data: Path, mode: str, data_format: str, kw: dict[str, Any]) -> Any:
    from fncall_eval.backends import GenerateConfig
    from fncall_eval.run import RunConfig

    renamed = {"timeout": "timeout_s", "tools_mode": "tools"}
    fields = {renamed.get(k, k): v for k, v in kw.items() if renamed.get(k, k) in GenerateConfig.model_fields}
    return RunConfig(
        data=data,
        out=kw["out"],
        generate=GenerateConfig(**fields),
        backend=kw["backend"],
        adapters=tuple(kw["adapters"]),
        include_base=not kw["no_base"],
        mode=mode,
        dots_as_underscores=kw["dots_as_underscores"],
        limit=kw["limit"],
        data_format=data_format,
        n_boot=kw["n_boot"],
        overwrite=kw["overwrite"],
    )


class _Progress:
    """Per-model progress on stderr: a line per tenth of the way (or each example on a terminal)."""

    def __init__(self) -> None:
        self.label = ""
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, label: str, done: int, total: int) -> None:
        if label != self.label:
            self.label, self.shown = label, -1
            click.echo(
                f"{label}: {done}/{total} already done" if done else f"{label}: generating {total}", err=True
            )
        step = max(1, total // 10)
        if self.tty:
            click.echo(f"\r  {label} {done}/{total}", nl=done == total, err=True)
        elif done != self.shown and (done % step == 0 or done == total):
            click.echo(f"  {label} {done}/{total}", err=True)
        self.shown = done


def _finish(result: Any, out: Path | None) -> None:
    from fncall_eval.report import markdown_comparison, markdown_table

    click.echo(markdown_table(result.frame), nl=False)
    if result.comparisons:
        from fncall_eval.compare import comparison_frame

        frame = comparison_frame(result.comparisons)
        # the terminal gets the overall rows and exact match per category; report.md has everything
        brief = frame[(frame["category"] == "overall") | (frame["metric"] == "call_exact_match")]
        click.echo()
        click.echo(markdown_comparison(brief), nl=False)
        for c in result.comparisons:
            click.echo(f"{c.b} vs {c.a}: {len(c.improved)} example(s) fixed, {len(c.regressed)} broken")
    if out is not None:
        click.echo(f"report: {out / 'report.html'}")


@click.group(name="eval")
def eval_group() -> None:
    """Evaluate a base model and its adapters on function calling, side by side."""


@eval_group.command()
@_data_options
@_generate_options
def run(data: Path, data_format: str, mode: str, **kw: Any) -> None:
    """Generate, score and report: the base model (unless --no-base) and each --adapter.

    Predictions are written as they come; running the same command again resumes where it stopped.
    A rerun with other settings stops rather than mix its outputs in: use another -o, or --overwrite.
    Writes predictions/, scores/, metrics.csv/.json, report.md and report.html into the run folder.
    Exit status 1 when test rows were rejected (see rejects.jsonl in the run folder).
    """
    from fncall_eval.run import run_eval

    config = _config(data, mode, data_format, kw)
    result = run_eval(config, progress=_Progress())
    _finish(result, config.out)
    _exit_for_rejects(result.rejected, config.out / "rejects.jsonl")


def _exit_for_rejects(rejected: int, rejects: Path) -> None:
    if rejected:
        click.echo(f"{rejected} test row(s) rejected: see {rejects}", err=True)
        sys.exit(1)


@eval_group.command()
@click.argument("predictions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_data_options
@click.option("--profile", help="Read outputs with this chat profile's parser (default: general extraction).")
@click.option("--dots-as-underscores", is_flag=True, help="Accept weather_get for a tool named weather.get.")
@click.option("--output", "-o", "out", type=click.Path(path_type=Path), help="Write scores and reports here.")
def score(
    predictions: tuple[Path, ...],
    data: Path,
    data_format: str,
    mode: Any,
    profile: str | None,
    dots_as_underscores: bool,
    out: Path | None,
) -> None:
    """Score PREDICTIONS files ({"id", "text"} per line) against the test records.

    The first file is the baseline the others are compared with. Exit status 1 when test rows were
    rejected.
    """
    import tempfile

    from fncall_data.profiles import get_profile
    from fncall_eval.run import read_test_records, score_and_report, variant_labels

    parse = get_profile(profile).parse if profile else None
    labels = variant_labels([str(p) for p in predictions], include_base=False)
    files = {label: Path(str(path)) for label, path in labels}
    with tempfile.TemporaryDirectory() as scratch:
        folder = out if out is not None else Path(scratch)
        records, rejected = read_test_records(
            data, fmt=data_format, rejects=folder / "rejects.jsonl", limit=None
        )
        result = score_and_report(
            records, files, folder, mode=mode, parse=parse, dots_as_underscores=dots_as_underscores,
            baseline=labels[0][0],
        )  # fmt: skip
        _finish(result, out)
        _exit_for_rejects(rejected, folder / "rejects.jsonl" if out is not None else data)


@eval_group.command()
@click.option("--model", "-m", required=True, help="The base model (tiny, embedded, a folder, a hub id).")
@click.option(
    "--adapter", "-a", "adapters", multiple=True, required=True,
    type=click.Path(exists=True, file_okay=False), help="An adapter folder to calibrate (repeatable).",
)  # fmt: skip
@click.option(
    "--data", "-d", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Validation records (fncall JSONL) with and without calls; never the test set.",
)  # fmt: skip
@click.option(
    "--profile", default="gemma", show_default=True, help="The chat profile the adapter was trained with."
)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda.")
@click.option("--dtype", default="auto", show_default=True, help="auto, float32, bfloat16.")
def calibrate(
    model: str, adapters: tuple[str, ...], data: Path, profile: str, device: str, dtype: str
) -> None:
    """Choose each adapter's call threshold on validation records and save it beside the adapter.

    Reads the probability of the call opener as the first token of the reply on every record and
    keeps the threshold that best separates the requests that need a call from those that need none.
    `fncall eval run --decision calibrated` then applies it.
    """
    from fncall_eval.backends import GenerateConfig
    from fncall_eval.backends.hf import create
    from fncall_eval.decision import calibrate as calibrate_adapter
    from fncall_eval.decision import read_validation

    records = read_validation(data)
    backend: Any = create(GenerateConfig(model=model, profile=profile, device=device, dtype=dtype))
    try:
        for adapter in adapters:
            decision = calibrate_adapter(backend, adapter, records)
            click.echo(f"{adapter}: {decision.describe()}")
    finally:
        backend.close()


@eval_group.command(name="compare")
@click.argument(
    "runs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--output", "-o", "out", type=click.Path(path_type=Path), help="Write the comparison reports here."
)
@click.option(
    "--n-boot", default=1000, show_default=True, type=click.IntRange(0), help="Bootstrap resamples."
)
@click.option("--seed", default=0, show_default=True, help="Bootstrap seed.")
def compare_cmd(runs: tuple[Path, ...], out: Path | None, n_boot: int, seed: int) -> None:
    """Compare run folders: every model in RUNS against the first run's first model.

    Per category and metric: both values, the delta with a paired bootstrap 95% interval, McNemar's
    exact test on call exact match, and how many examples flipped each way.
    """
    from fncall_eval.run import compare_runs

    result = compare_runs(runs, out, n_boot=n_boot, seed=seed)
    _finish(result, out)
    for c in result.comparisons:
        if c.improved:
            click.echo(f"fixed by {c.b}: {', '.join(c.improved[:20])}{' ...' * (len(c.improved) > 20)}")
        if c.regressed:
            click.echo(f"broken by {c.b}: {', '.join(c.regressed[:20])}{' ...' * (len(c.regressed) > 20)}")


@eval_group.command(name="report")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--data",
    "-d",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The run's test records (default: the file its run.json names).",
)
@click.option(
    "--groups",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON object of test id -> group (default: groups.json beside the test records).",
)
@click.option(
    "--train-run",
    "train_runs",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="A training run's folder or fncall_run.json, for its loss curve (repeatable; default: "
    "the one beside each adapter, else beside RUN_DIR).",
)
@click.option(
    "--output",
    "-o",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the reports here instead of into RUN_DIR.",
)
def report_cmd(
    run_dir: Path, data: Path | None, groups: Path | None, train_runs: tuple[Path, ...], out: Path | None
) -> None:
    """Rebuild RUN_DIR's reports (report.html, report.md, metrics, comparisons) from its scores,
    predictions and test records; nothing is generated or scored again."""
    from fncall_eval.report_inputs import rebuild_report

    result = rebuild_report(run_dir, data=data, groups=groups, training=train_runs or None, out=out)
    _finish(result, out if out is not None else run_dir)


@eval_group.command()
@click.option("--category", "-c", default="simple_python", show_default=True,
              help="Comma-separated BFCL categories (simple_python, multiple, parallel, parallel_multiple, "
              "irrelevance, live_simple, live_multiple).")  # fmt: skip
@click.option(
    "--wheel",
    type=click.Path(exists=True, path_type=Path),
    help="The bfcl-eval wheel (default: .cache/bfcl).",
)
@_generate_options
def bfcl(category: str, wheel: Path | None, **kw: Any) -> None:
    """Import BFCL categories and evaluate in BFCL matching mode (the official checker's rules).

    Exit status 1 when BFCL rows could not be imported (listed in OUT/bfcl_rejects.jsonl).
    """
    from fncall_data.formats import write_records, write_rejects
    from fncall_data.formats.bfcl import load_bfcl
    from fncall_eval.run import run_eval

    out: Path = kw["out"]
    records = []
    rejects = []
    for name in [c.strip() for c in category.split(",") if c.strip()]:
        result = load_bfcl(name, wheel=wheel)
        click.echo(f"{name}: {len(result.records)} records, {len(result.rejects)} rejected", err=True)
        records.extend(result.records)
        rejects.extend(result.rejects)
    data = out / "bfcl_test.jsonl"
    out.mkdir(parents=True, exist_ok=True)
    write_records(records, data)
    write_rejects(out / "bfcl_rejects.jsonl", rejects)
    config = _config(data, "bfcl", "records", kw)
    _finish(run_eval(config, progress=_Progress()), out)
    _exit_for_rejects(len(rejects), out / "bfcl_rejects.jsonl")
