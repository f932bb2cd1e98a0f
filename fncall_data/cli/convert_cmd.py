"""``fncall data convert`` and ``fncall data formats``: foreign dataset formats in and out."""

from __future__ import annotations

import sys

import click

__all__ = ["convert", "formats"]


@click.command("convert")
@click.argument("source")
@click.option(
    "--from",
    "source_format",
    default="auto",
    show_default=True,
    help="The input format (see `fncall data formats`); auto detects it from the first rows.",
)
@click.option(
    "--to", "target_format", default="records", show_default=True, help="The output format (records = ours)."
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The file to write (--to bfcl also writes possible_answer/<name> beside it).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    help="Write every row that could not be converted here (JSONL).",
)
@click.option(
    "--split", default=None, help="The split of a saved DatasetDict or a hub dataset (default train)."
)
@click.option("--max-errors", default=10, show_default=True, help="How many rejected rows to print.")
@click.option(
    "--strict-format",
    is_flag=True,
    help="Reject a row whose call breaks a `format` of its tool (date-time, email, uuid, ...). By default "
    "`format` is an annotation: such rows are kept and counted as format warnings.",
)
def convert(
    source: str,
    source_format: str,
    target_format: str,
    output: str,
    rejects: str | None,
    split: str | None,
    max_errors: int,
    strict_format: bool,
) -> None:
    """Convert SOURCE (JSON, JSONL, parquet, a saved HF dataset folder or a hub id) to another format.

    Every record is checked like `fncall data validate` does; a row that cannot be converted is
    reported with its row number and reason (and written to --rejects), the others are converted.
    A call argument that breaks its `format` is a warning (the row is kept) unless --strict-format.
    Exit status 1 when any row was rejected.
    """
    from fncall_data.formats import Reject, load_records, write_records, write_rejects

    result = load_records(
        source, fmt=source_format, split=split, progress=_progress, strict_format=strict_format
    )
    if result.rows >= _EVERY:
        click.echo(err=True)  # end the progress line
    if result.detected:
        click.echo(f"detected format: {result.format}")
    click.echo(
        f"{source}: {result.rows} rows, {len(result.records)} converted, {len(result.rejects)} rejected"
    )
    if result.repairs:
        click.echo("repairs: " + ", ".join(f"{k} {v}" for k, v in result.repairs.most_common()))
    if result.warnings:
        rows = len({w.row for w in result.warnings})
        click.echo(
            f"format warnings: {len(result.warnings)} in {rows} kept rows (--strict-format rejects them)"
        )
        for warning in result.warnings[:max_errors]:
            click.echo(f"{source}: row {warning.row}: {warning.code} at {warning.path}: {warning.message}")
    written = write_records(result.records, output, target_format)
    refused = [
        Reject(
            _row(result.records[r.row - 1].meta, r.row), f"cannot write as {target_format}: {r.reason}", r.raw
        )
        for r in written.rejects
    ]
    click.echo(f"wrote {written.written} rows in the {target_format} format to {', '.join(written.paths)}")
    if written.lost:
        click.echo(
            "fields the format cannot hold: " + ", ".join(f"{k} {v}" for k, v in written.lost.most_common())
        )
    problems = sorted([*result.rejects, *refused], key=lambda r: r.row)
    for problem in problems[:max_errors]:
        click.echo(f"{source}: row {problem.row}: {problem.reason}")
    if len(problems) > max_errors:
        click.echo(f"... and {len(problems) - max_errors} more" + (f" (all in {rejects})" if rejects else ""))
    if rejects:
        write_rejects(rejects, problems)
        click.echo(f"wrote {len(problems)} rejected rows to {rejects}")
    sys.exit(1 if problems else 0)


_EVERY = 5000


def _progress(rows: int) -> None:
    if rows % _EVERY == 0:
        click.echo(f"\rread {rows} rows", nl=False, err=True)


def _row(meta: dict[str, object], position: int) -> int:
    row = meta.get("row")
    return row if isinstance(row, int) else position


@click.command("formats")
def formats() -> None:
    """List the dataset formats that `fncall data convert` reads and writes."""
    from fncall_data.formats import FORMATS, get_format

    for name in FORMATS.names():
        fmt = get_format(name)
        mode = "read, write" if fmt.writable else "read"
        click.echo(f"{name:<14} {mode:<12} {fmt.description}")
