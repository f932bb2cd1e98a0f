"""``fncall data generate`` and ``fncall data catalog``: verified records from tool definitions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from fncall_data.cli.llm_cmd import llm_config, llm_options, llm_summary_lines, run_with_llm

__all__ = ["catalog", "generate"]


@click.command("generate")
@click.option(
    "--n", "n", type=click.IntRange(min=1), default=1000, show_default=True, help="Records to write."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed and options: the same bytes.")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="The JSONL file to write."
)
@click.option(
    "--tools",
    "tools",
    help="Your tools: a .py file, 'module:ATTR' or a .json/.jsonl of tool specs (default: the catalog).",
)
@click.option(
    "--mix", help="Category shares, e.g. simple=0.3,parallel=0.2 (normalised). Default: see docs/generate.md."
)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Processes to use.")
@click.option(
    "--reasoning/--no-reasoning", default=True, show_default=True, help="Write <think> reasoning text."
)
@click.option(
    "--requests",
    type=click.IntRange(1, 8),
    default=1,
    show_default=True,
    help="Independent requests per record against one tool list, a call beside a refusal or question.",
)
@click.option(
    "--pairs",
    is_flag=True,
    help="Follow each missing-value record with its minimal pair: the same request with the value stated, "
    "and its call (one record more per missing-value record).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    help="Where rejected candidates go, with reasons. Default: <output>.rejects.jsonl.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@llm_options
def generate(
    n: int,
    seed: int,
    output: str,
    tools: str | None,
    mix: str | None,
    workers: int,
    reasoning: bool,
    requests: int,
    pairs: bool,
    rejects: str | None,
    as_json: bool,
    **llm_kw: Any,
) -> None:
    """Generate verified function-calling conversations from tool definitions, offline.

    Every record is checked before it is written: structure, each call against its tool, the tool's
    implementation run on the call, every argument value stated in the conversation, no duplicates.
    The same tools, seed and options give a byte-identical file, whatever --workers is.

    With --llm URL --llm-model NAME, an LLM behind any OpenAI-compatible server then rewrites the
    user turns, or proposes new requests and calls, and each record it touches passes the same
    checks again (a record whose tries fail keeps its offline form; the tries go to the rejects).
    """
    from fncall_data.generate import DEFAULT_MIX, GenerateConfig, GenerateResult, parse_mix, write_result
    from fncall_data.generate import generate as run_generate

    if pairs and requests > 1:
        raise click.UsageError("--pairs needs one request a record (--requests 1)")
    config = GenerateConfig(
        n=n,
        seed=seed,
        mix=parse_mix(mix) if mix else dict(DEFAULT_MIX),
        reasoning=reasoning,
        workers=workers,
        requests=requests,
        pairs=pairs,
    )
    rejects_path = rejects or str(Path(output).with_suffix("")) + ".rejects.jsonl"
    llm = llm_config(llm_kw, output)
    if llm is not None and pairs:
        raise click.UsageError(
            "--pairs keeps a twin's words equal to its record's, which --llm rewrites: use one"
        )
    result: GenerateResult
    if llm is not None:
        result = run_with_llm(config, llm, tools)
    else:
        with click.progressbar(length=n, label="generating", file=sys.stderr) as bar:
            done = [0]

            def progress(count: int, total: int) -> None:
                bar.update(count - done[0])
                done[0] = count

            result = run_generate(config, tools, progress=progress)
    write_result(result, output, rejects_path)
    summary = result.summary()
    if as_json:
        click.echo(
            json.dumps({"output": output, "rejects_file": rejects_path, **summary}, ensure_ascii=False)
        )
        return
    paired = f" ({summary['pairs']} of them minimal pairs)" if summary["pairs"] else ""
    click.echo(f"wrote {summary['records']} records{paired} to {output}")
    click.echo("by category: " + ", ".join(f"{k} {v}" for k, v in summary["categories"].items()))
    click.echo(f"tools called: {len(summary['tools'])} ({_top(summary['tools'])})")
    reasons = summary["rejects_by_reason"]
    click.echo(
        f"rejected {summary['rejected']} candidates"
        + (": " + ", ".join(f"{k} {v}" for k, v in reasons.items()) if reasons else "")
        + f" (details in {rejects_path})"
    )
    if llm is not None:
        click.echo("\n".join(llm_summary_lines(summary)))
    if summary["failed_slots"]:
        click.echo(
            f"warning: {summary['failed_slots']} slots found no valid record; the file is short", err=True
        )


def _top(counts: dict[str, int], k: int = 5) -> str:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return ", ".join(f"{name} {count}" for name, count in ranked) + (", ..." if len(counts) > k else "")


@click.command("catalog")
@click.option("--domain", "domains", multiple=True, help="Only these domains (repeatable).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the tools as JSON (name, description, parameters)."
)
def catalog(domains: tuple[str, ...], as_json: bool) -> None:
    """List the bundled tools, by domain, with their parameters (* = required)."""
    from fncall_data.generate import catalog_specs

    specs = catalog_specs(list(domains) or None)
    if as_json:
        click.echo(json.dumps([s.tool.model_dump() for s in specs], ensure_ascii=False, indent=2))
        return
    current = None
    for spec in specs:
        if spec.domain != current:
            current = spec.domain
            click.echo(f"{current}:")
        click.echo(f"  {spec.name}: {spec.tool.description}")
        click.echo(f"      {_params(spec.properties, set(spec.required))}")
    click.echo(f"{len(specs)} tools in {len({s.domain for s in specs})} domains")


def _params(properties: dict[str, Any], required: set[str]) -> str:
    out = []
    for name, schema in properties.items():
        kind = schema.get("type", "any")
        if "enum" in schema:
            kind = "|".join(map(str, schema["enum"]))
        elif kind == "array":
            kind = f"list[{schema.get('items', {}).get('type', 'any')}]"
        elif "format" in schema:
            kind = schema["format"]
        default = f"={schema['default']}" if "default" in schema else ""
        out.append(f"{name}{'*' if name in required else ''}: {kind}{default}")
    return ", ".join(out) or "(no parameters)"
