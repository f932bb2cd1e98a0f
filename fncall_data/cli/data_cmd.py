"""``fncall data ...``: commands over record files."""

from __future__ import annotations

import json
import sys

import click

from fncall_data.cli.main import LazyGroup

__all__ = ["data"]


@click.group(
    cls=LazyGroup,
    lazy={
        "generate": "fncall_data.cli.generate_cmd:generate",
        "catalog": "fncall_data.cli.generate_cmd:catalog",
        "draft-tools": "fncall_data.cli.llm_cmd:draft_tools",
        "split": "fncall_data.cli.split_cmd:split",
        "stats": "fncall_data.cli.split_cmd:stats",
        "convert": "fncall_data.cli.convert_cmd:convert",
        "formats": "fncall_data.cli.convert_cmd:formats",
    },
)
def data() -> None:
    """Commands over function-calling record files (JSONL)."""


@data.command("validate")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--rejects", type=click.Path(dir_okay=False), help="Write every bad line here (JSONL, with reasons)."
)
@click.option("--max-errors", default=20, show_default=True, help="How many bad lines to print.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary and every bad line as JSON.")
@click.option(
    "--strict-format",
    is_flag=True,
    help="A call that breaks a `format` of its tool (date-time, email, uuid, ...) makes its record "
    "invalid. By default `format` is an annotation: such records are valid and counted as format warnings.",
)
def validate_records(
    path: str, rejects: str | None, max_errors: int, as_json: bool, strict_format: bool
) -> None:
    """Check every record of a JSONL file: structure, role order, call ids, each call against its tools.

    Keeps going past bad lines and reports each with its line number. A call argument that breaks
    its `format` is a warning unless --strict-format. Exit status 1 when any record is invalid.
    """
    from fncall_data.records import check_file

    report = check_file(path, rejects=rejects, strict_format=strict_format)
    if as_json:
        summary = {
            "path": report.path,
            "records": report.records,
            "valid": report.valid,
            "invalid": report.invalid,
            "errors_by_code": dict(report.codes.most_common()),
            "categories": dict(report.categories),
            "problems": [p.to_dict() for p in report.problems],
            "format_warnings": [p.to_dict() for p in report.warnings],
        }
        click.echo(json.dumps(summary, ensure_ascii=False))
        sys.exit(0 if report.ok else 1)
    click.echo(f"{report.path}: {report.records} records, {report.valid} valid, {report.invalid} invalid")
    if report.categories:
        click.echo(
            "valid by category: " + ", ".join(f"{k} {v}" for k, v in sorted(report.categories.items()))
        )
    if report.codes:
        click.echo("errors by code: " + ", ".join(f"{k} {v}" for k, v in report.codes.most_common()))
    if report.warnings:
        count = sum(len(w.issues) for w in report.warnings)
        click.echo(
            f"format warnings: {count} in {len(report.warnings)} valid records (--strict-format rejects them)"
        )
        for warning in report.warnings[:max_errors]:
            for issue in warning.issues:
                where = f"{report.path}:{warning.line}"
                click.echo(f"{where}: warning {issue.code} at {issue.path}: {issue.message}")
    for problem in report.problems[:max_errors]:
        ident = f" [{problem.record_id}]" if problem.record_id else ""
        for issue in problem.issues:
            where = f" at {issue.path}" if issue.path else ""
            click.echo(f"{report.path}:{problem.line}:{ident} {issue.code}{where}: {issue.message}")
    hidden = len(report.problems) - max_errors
    if hidden > 0:
        click.echo(
            f"... and {hidden} more bad lines" + (f" (all in {rejects})" if rejects else " (use --rejects)")
        )
    if rejects:
        click.echo(f"wrote {len(report.problems)} rejected lines to {rejects}")
    sys.exit(0 if report.ok else 1)
