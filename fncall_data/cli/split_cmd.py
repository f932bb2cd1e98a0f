"""``fncall data split`` and ``fncall data stats``: train/test splits and tables of a record file."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

__all__ = ["split", "stats"]


@click.command("split")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--train", "train_path", required=True, type=click.Path(dir_okay=False), help="Train file to write."
)
@click.option(
    "--test", "test_path", required=True, type=click.Path(dir_okay=False), help="Test file to write."
)
@click.option(
    "--by",
    type=click.Choice(["random", "tool"]),
    default="random",
    show_default=True,
    help="random: stratified by category. tool: held-out tools appear only in test.",
)
@click.option("--test-size", type=float, default=0.1, show_default=True, help="Share of records in test.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same split.")
@click.option("--rejects", type=click.Path(dir_okay=False), help="Write unreadable or invalid lines here.")
def split(
    path: str, train_path: str, test_path: str, by: str, test_size: float, seed: int, rejects: str | None
) -> None:
    """Split a record file into train and test, copying each line unchanged."""
    from fncall_data.io import atomic_write, write_jsonl
    from fncall_data.splits import read_rows, split_records

    rows, bad = read_rows(path)
    result = split_records(rows, by="tool" if by == "tool" else "random", test_size=test_size, seed=seed)
    for target, rows_out in ((train_path, result.train), (test_path, result.test)):
        with atomic_write(target) as handle:
            for row in rows_out:
                handle.write(row.text + "\n")
    if rejects:
        write_jsonl(rejects, bad)
    click.echo(f"train: {len(result.train)} records -> {train_path}")
    click.echo(f"test: {len(result.test)} records -> {test_path}")
    for side in ("train", "test"):
        counts = result.categories("train" if side == "train" else "test")
        click.echo(f"  {side} by category: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if result.held_out:
        click.echo(f"held-out tools ({len(result.held_out)}): {', '.join(result.held_out)}")
    if bad:
        where = f" (written to {rejects})" if rejects else " (use --rejects to keep them)"
        click.echo(f"skipped {len(bad)} bad lines{where}", err=True)


@click.command("stats")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--tokenizer", type=click.Path(file_okay=False), help="A local tokenizer folder, for token lengths."
)
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def stats(path: str, tokenizer: str | None, as_json: bool) -> None:
    """Tables of a record file: categories, tools, calls per record and lengths."""
    from fncall_data.splits import read_rows, record_stats

    rows, bad = read_rows(path)
    result = record_stats(rows, tokenizer=tokenizer)
    if as_json:
        click.echo(json.dumps({**result.to_dict(), "bad_lines": len(bad)}, ensure_ascii=False))
        return
    click.echo(f"{path}: {result.records} records" + (f", {len(bad)} bad lines skipped" if bad else ""))
    _table("category", "records", result.categories.most_common(), result.records)
    _table("tool", "calls", sorted(result.tools_called.items(), key=lambda kv: (-kv[1], kv[0])), None)
    _table("calls per record", "records", sorted(result.calls_per_record.items()), result.records)
    for unit, values in result.lengths.items():
        click.echo(f"length in {unit}: " + ", ".join(f"{k} {v:g}" for k, v in values.items()))


def _table(title: str, unit: str, rows: Sequence[tuple[object, int]], total: int | None) -> None:
    width = max([len(title), *(len(str(key)) for key, _ in rows)])
    click.echo(f"\n{title:<{width}}  {unit:>8}" + ("  share" if total else ""))
    for key, count in rows:
        share = f"  {count / total:6.1%}" if total else ""
        click.echo(f"{key!s:<{width}}  {count:>8}{share}")
