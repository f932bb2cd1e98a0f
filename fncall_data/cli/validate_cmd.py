"""``fncall validate`` (tool calls in model output) and ``fncall schema`` (the JSON contracts)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

__all__ = ["render_check", "schema", "validate"]

if TYPE_CHECKING:
    from fncall_data.check import OutputCheck


@click.command()
@click.argument("source", default="-")
@click.option(
    "--tools",
    "tools_source",
    metavar="TOOLS",
    help="The tools to check calls against: a .json/.jsonl file of tool specs, a .py file, or module:ATTR. "
    "Without it, only extraction is checked.",
)
@click.option(
    "--strict", is_flag=True, help="Reject any output that needed a repair (single quotes, fences, ...)."
)
@click.option(
    "--each-line",
    is_flag=True,
    help="Treat every non-blank line as a separate output; a line that is a JSON string is decoded first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per output instead of text.")
@click.option(
    "--strict-format",
    is_flag=True,
    help="Assert `format` (date-time, email, uuid, ...): a value that breaks it is a bad_format error. "
    "By default `format` is an annotation and is not checked, as in the library.",
)
def validate(
    source: str,
    tools_source: str | None,
    strict: bool,
    each_line: bool,
    as_json: bool,
    strict_format: bool,
) -> None:
    """Extract the tool calls in SOURCE (a file, or - for stdin) and check them against the tools.

    Prints the calls, every repair applied to read them and every error; bytes that are not UTF-8
    are an error too (invalid_utf8). `format` is not asserted unless --strict-format. Exit status:
    0 when every output is valid, 1 when one is not, 2 on a usage error.
    """
    from fncall_data.check import check_output, check_output_bytes
    from fncall_data.tools import load_tools
    from fncall_data.validate import Toolbox

    box = Toolbox(load_tools(tools_source), strict_format=strict_format) if tools_source else None
    raw = _read(source)
    outputs = _split_lines(raw) if each_line else [raw]
    all_valid = True
    for number, output in enumerate(outputs, start=1):
        if isinstance(output, str):
            result = check_output(output, box, strict=strict)
        else:
            result = check_output_bytes(output, box, strict=strict)
        all_valid = all_valid and result.valid
        label = f"output {number}: " if len(outputs) > 1 else ""
        click.echo(render_check(result, as_json=as_json, label=label))
    sys.exit(0 if all_valid else 1)


def render_check(result: OutputCheck, *, as_json: bool = False, label: str = "") -> str:
    """What ``fncall validate`` prints for one output: a JSON line, or a verdict and one line per finding."""
    if as_json:
        return json.dumps(result.to_dict(), ensure_ascii=False)
    ex = result.extraction
    verdict = "valid" if result.valid else "INVALID"
    lines = [f"{label}{verdict} ({ex.status}, {len(ex.calls)} call{'s' * (len(ex.calls) != 1)})"]
    lines += [
        f"  call {i}: {c.name} {json.dumps(c.arguments, ensure_ascii=False)}" for i, c in enumerate(ex.calls)
    ]
    lines += [f"  repaired [{r.code}] {r.detail}" for r in ex.repairs]
    for issue in result.issues:
        where = f" at {issue.path}" if issue.path else ""
        lines.append(f"  error [{issue.code}]{where}: {issue.message}")
    return "\n".join(lines)


def _read(source: str) -> bytes:
    from fncall_data.errors import InputError

    if source == "-":
        return sys.stdin.buffer.read()
    try:
        with open(source, "rb") as handle:
            return handle.read()
    except IsADirectoryError:
        raise InputError("is a folder; give a file of model output, or - for stdin", file=source) from None
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror}", file=source) from None


def _split_lines(raw: bytes) -> list[str | bytes]:
    """Each non-blank line; one that is a JSON string, as the text it holds (others stay bytes)."""
    outputs: list[str | bytes] = []
    for line in raw.splitlines():
        if not line.strip():
            continue
        decoded = None
        if line.lstrip().startswith(b'"'):
            try:
                decoded = json.loads(line)
            except ValueError:  # not JSON, or not UTF-8
                decoded = None
        outputs.append(decoded if isinstance(decoded, str) else line)
    return outputs


@click.command()
@click.option(
    "-o",
    "--out",
    "folder",
    default="schemas",
    show_default=True,
    type=click.Path(file_okay=False),
    help="The folder to write record/tool/tool_call .schema.json into.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the files there differ from the types.")
def schema(folder: str, check: bool) -> None:
    """Write the JSON Schema contracts of records, tools and tool calls (Draft 2020-12)."""
    from fncall_data.contracts import stale_contracts, write_contracts

    if check:
        stale = stale_contracts(folder)
        for name in stale:
            click.echo(f"{folder}/{name} is stale or missing: run `fncall schema -o {folder}`", err=True)
        sys.exit(1 if stale else 0)
    for path in write_contracts(folder):
        click.echo(f"wrote {path}")
