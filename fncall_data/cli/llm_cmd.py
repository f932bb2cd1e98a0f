"""The ``--llm-*`` options of ``fncall data generate``, its LLM progress bar, and ``data draft-tools``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from fncall_data.cli.options import apply_options, request_options

if TYPE_CHECKING:
    from fncall_data.generate import GenerateConfig
    from fncall_data.generate.llm import LLMConfig, LLMResult

__all__ = [
    "connection_options",
    "draft_tools",
    "llm_config",
    "llm_options",
    "llm_summary_lines",
    "run_with_llm",
]


def _connection_options(max_tokens: int) -> list[Callable[[Any], Any]]:
    """The options every command that talks to an LLM takes."""
    return [
        click.option("--llm", "llm_url", metavar="URL", help="An OpenAI-compatible server's /v1 URL."),
        click.option("--llm-model", metavar="NAME", help="The model name the server serves."),
        click.option(
            "--llm-key-env",
            default="OPENAI_API_KEY",
            show_default=True,
            help="The environment variable holding the API key (none is sent when it is unset).",
        ),
        click.option(
            "--llm-temperature", default=0.7, show_default=True, type=click.FloatRange(0), help="Sampling."
        ),
        click.option(
            "--llm-max-tokens",
            default=max_tokens,
            show_default=True,
            type=click.IntRange(16),
            help="The longest reply asked for.",
        ),
        *request_options("llm-"),
    ]


def connection_options(max_tokens: int) -> Callable[[Any], Any]:
    """Add the options that say where the LLM is and how to ask it (``max_tokens``: the default)."""
    return lambda fn: apply_options(_connection_options(max_tokens), fn)


def llm_options(fn: Any) -> Any:
    """Add the ``--llm-*`` options of ``fncall data generate`` to a command."""
    return apply_options(
        [
            *_connection_options(256),
            click.option(
                "--llm-share",
                default=1.0,
                show_default=True,
                type=click.FloatRange(0, 1),
                help="Share of the records the LLM works on.",
            ),
            click.option(
                "--llm-propose",
                default=0.3,
                show_default=True,
                type=click.FloatRange(0, 1),
                help="Of the simple and multiple records it works on, the share where it proposes a new "
                "request and call instead of rewriting.",
            ),
            click.option(
                "--llm-languages",
                default="",
                metavar="LIST",
                help="Languages a rewrite may be asked for besides styles, e.g. French,German.",
            ),
            click.option(
                "--llm-attempts",
                default=2,
                show_default=True,
                type=click.IntRange(1, 10),
                help="Tries per record; a record whose tries all fail keeps its offline form.",
            ),
            click.option(
                "--llm-concurrency",
                default=4,
                show_default=True,
                type=click.IntRange(1, 256),
                help="Requests in flight.",
            ),
            click.option(
                "--llm-cache",
                type=click.Path(file_okay=False),
                help="Request cache folder (default <output>.llm-cache): a rerun or a resumed run asks "
                "nothing it has an answer for, and gives the same bytes.",
            ),
            click.option(
                "--llm-price",
                metavar="IN,OUT",
                help="Prices per million prompt and completion tokens, for the running cost.",
            ),
        ],
        fn,
    )


def llm_config(kw: dict[str, Any], output: str) -> LLMConfig | None:
    """The LLM settings from the options, or None when ``--llm`` is not given."""
    from fncall_data.errors import FncallError
    from fncall_data.generate.llm import LLMConfig

    if not kw.get("llm_url"):
        if kw.get("llm_model"):
            raise FncallError("--llm-model needs --llm URL (the server's /v1 URL)")
        return None
    if not kw.get("llm_model"):
        raise FncallError(f"--llm {kw['llm_url']} needs --llm-model NAME (a model the server serves)")
    price_in, price_out = _prices(kw.get("llm_price"))
    return LLMConfig(
        url=kw["llm_url"],
        model=kw["llm_model"],
        api_key_env=kw["llm_key_env"],
        share=kw["llm_share"],
        propose=kw["llm_propose"],
        languages=tuple(x.strip() for x in kw["llm_languages"].split(",") if x.strip()),
        attempts=kw["llm_attempts"],
        temperature=kw["llm_temperature"],
        max_tokens=kw["llm_max_tokens"],
        concurrency=kw["llm_concurrency"],
        timeout_s=kw["llm_timeout"],
        retries=kw["llm_retries"],
        cache_dir=kw["llm_cache"] or str(Path(output).with_suffix("")) + ".llm-cache",
        price_in=price_in,
        price_out=price_out,
    )


def _prices(text: str | None) -> tuple[float, float]:
    from fncall_data.errors import FncallError

    if not text:
        return 0.0, 0.0
    parts = text.split(",")
    try:
        prices = [float(p) for p in parts]
    except ValueError:
        prices = []
    if len(prices) != 2 or min(prices) < 0:
        raise FncallError(f"--llm-price {text!r}: give two prices per million tokens, e.g. 0.15,0.60")
    return prices[0], prices[1]


def run_with_llm(config: GenerateConfig, llm: LLMConfig, tools: str | None) -> LLMResult:
    """Run the LLM generation under a progress bar that shows tokens, cost and accepted records."""
    from fncall_data.generate.llm import LLMProgress, generate_with_llm

    def show(state: LLMProgress | None) -> str:
        if state is None:
            return ""
        usage = state.usage
        tokens = usage.prompt_tokens + usage.completion_tokens
        text = f"{state.accepted} from the LLM, {tokens:,} tokens"
        if usage.cached:
            text += f" (+{usage.cached} cached replies)"
        return text + (f", ${state.cost:.4f}" if llm.price_in or llm.price_out else "")

    client = llm.client()
    client.check()  # a dead endpoint or a refused key: one line, before the bar starts
    with click.progressbar(
        length=config.n, label="generating with the LLM", file=sys.stderr, item_show_func=show
    ) as bar:
        done = [0]

        def progress(state: LLMProgress) -> None:
            bar.update(state.done - done[0], current_item=state)
            done[0] = state.done

        return generate_with_llm(config, llm, tools, progress=progress, client=client)


def llm_summary_lines(summary: dict[str, Any]) -> list[str]:
    """What the LLM did, in two or three lines for the terminal."""
    llm = summary["llm"]
    rate = f"{llm['acceptance']:.0%}" if llm["acceptance"] is not None else "-"
    lines = [
        f"LLM {llm['model']} at {llm['url']}: {llm['accepted']} of {llm['records_worked']} records taken "
        f"({llm['rewrite']['accepted']} rewritten, {llm['propose']['accepted']} proposed); "
        f"{rate} of {llm['tries']} tries accepted",
        f"requests: {llm['requests']} sent, {llm['cached_requests']} from the cache, "
        f"{llm['failed_requests']} failed; tokens: {llm['prompt_tokens']:,} prompt, "
        f"{llm['completion_tokens']:,} completion" + (f"; cost ${llm['cost']:.4f}" if llm["cost"] else ""),
    ]
    reasons = llm["rejects_by_reason"]
    if reasons:
        lines.append("LLM tries rejected: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
    return lines


@click.command("draft-tools")
@click.argument("descriptions", nargs=-1, required=True)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="The JSON file of tool specs."
)
@click.option("--attempts", default=3, show_default=True, type=click.IntRange(1, 10), help="Tries per tool.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seeds the requests.")
@click.option("--cache", type=click.Path(file_okay=False), help="Request cache folder (default: none).")
@connection_options(1024)
def draft_tools(
    descriptions: tuple[str, ...], output: str, attempts: int, seed: int, cache: str | None, **kw: Any
) -> None:
    """Draft tool specs from one-line descriptions with an LLM, for you to read and edit.

    A draft is kept when it is a valid tool whose phrasings and pools let the offline generator
    verify records from it; refused drafts go to <output>.rejects.jsonl with their reasons. The specs
    have no implementation: results are synthesised from their "returns" schema. Use them with
    `fncall data generate --tools OUTPUT`.
    """
    from fncall_data.errors import FncallError
    from fncall_data.generate.llm import LLMConfig
    from fncall_data.generate.llm_tools import draft_tools as run_draft
    from fncall_data.io import atomic_write

    if not kw["llm_url"] or not kw["llm_model"]:
        raise FncallError("draft-tools needs --llm URL and --llm-model NAME")
    client = LLMConfig(
        url=kw["llm_url"], model=kw["llm_model"], api_key_env=kw["llm_key_env"], timeout_s=kw["llm_timeout"],
        retries=kw["llm_retries"], cache_dir=cache,
    ).client()  # fmt: skip
    client.check()
    drafted = run_draft(
        descriptions,
        client,
        attempts=attempts,
        temperature=kw["llm_temperature"],
        max_tokens=kw["llm_max_tokens"],
        seed=seed,
    )
    rejects = str(Path(output).with_suffix("")) + ".rejects.jsonl"
    with atomic_write(output) as handle:
        handle.write(json.dumps(drafted.specs, ensure_ascii=False, indent=2) + "\n")
    with atomic_write(rejects) as handle:
        for row in drafted.rejects:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    click.echo(
        f"wrote {len(drafted.specs)} tool specs to {output} "
        f"({len(drafted.rejects)} drafts refused, in {rejects})"
    )
    if drafted.failed:
        click.echo("no usable spec for: " + "; ".join(drafted.failed), err=True)
        sys.exit(1)
