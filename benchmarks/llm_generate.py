"""LLM-assisted generation against a real local server: acceptance rate, records per second, start time.

Run: ``python benchmarks/llm_generate.py [--model embedded] [--n 40] [--agree 10]``. It serves the
model with ``transformers serve`` on 127.0.0.1 (CPU, offline; the ``transformers[serving]`` extra),
then:

- times the server's start (until ``/health`` answers);
- runs ``generate_with_llm`` for ``--n`` records of the bundled catalog, every record worked on by
  the LLM, and prints how many of its tries the checks accepted and the records per second;
- with ``--agree K``, evaluates K offline test records with the ``openai`` backend on the server and
  with the ``hf`` backend on the same folder (greedy), and counts the examples where the two agree
  (the same text, special tokens aside, and the same score).

``--model`` is ``embedded`` (Gemma 3 270M base, from the ``demo`` extra's cached folder), ``tiny``,
or a local model folder. A folder without a chat template is served through a copy of links that
adds a Gemma-style one: a chat endpoint needs a template to turn messages into a prompt.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' server helpers, shared with this script

from click.testing import CliRunner  # noqa: E402

from fncall_data.cli.main import cli  # noqa: E402
from fncall_data.generate import GenerateConfig, LLMConfig, generate, generate_with_llm, write_result  # noqa: E402
from tests.serve_helpers import GEMMA_CHAT_TEMPLATE, save_tiny_for_serving, transformers_serve  # noqa: E402


def servable(model: str, work: Path) -> Path:
    """A folder ``transformers serve`` can load, with a chat template."""
    if model == "tiny":
        return save_tiny_for_serving(work / "tiny")
    if model == "embedded":
        from fncall_train.models import cache_root, embedded_folder

        source = embedded_folder(cache_root())
    else:
        source = Path(model)
    if (source / "chat_template.jinja").is_file() or "chat_template" in (
        source / "tokenizer_config.json"
    ).read_text():
        return source
    folder = work / source.name
    folder.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        link = folder / item.name
        if item.name != "generation_config.json" and not link.exists():
            link.symlink_to(item.resolve())
    (folder / "chat_template.jinja").write_text(GEMMA_CHAT_TEMPLATE)
    # a chat turn ends at <end_of_turn>, as in Gemma's instruction-tuned releases; the base model's
    # generation config stops at <eos> only, and the server would write on to the token limit
    generation = json.loads((source / "generation_config.json").read_text())
    end = json.loads((source / "tokenizer.json").read_text())["added_tokens"]
    ids = [t["id"] for t in end if t["content"] == "<end_of_turn>"]
    generation["eos_token_id"] = sorted({generation["eos_token_id"], *ids})
    # transformers serve takes do_sample from this file: without it a request's temperature is ignored,
    # the seed does nothing, and a record's second try repeats its first word for word
    generation["do_sample"] = True
    (folder / "generation_config.json").write_text(json.dumps(generation))
    return folder


def cpu_ticks() -> tuple[int, int] | None:
    """All cores' busy and total clock ticks so far (Linux ``/proc/stat``), or None elsewhere."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def _busy_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    if before is None or after is None or after[1] == before[1]:
        return None
    return round((after[0] - before[0]) / (after[1] - before[1]), 2)


def agreement(url: str, folder: Path, k: int, work: Path) -> dict[str, Any]:
    from transformers import AutoTokenizer

    data = work / "test.jsonl"
    write_result(generate(GenerateConfig(n=k, seed=3, requests=1)), data, None)
    common = ["eval", "run", "-d", str(data), "-m", str(folder), "--max-new-tokens", "64", "--n-boot", "0"]
    runs = {
        "openai": [
            *common,
            "--backend",
            "openai",
            "--tools",
            "profile",
            "--base-url",
            url,
            "-o",
            str(work / "oa"),
        ],
        "hf": [*common, "--backend", "hf", "--device", "cpu", "-o", str(work / "hf")],
    }
    seconds = {}
    for name, args in runs.items():
        began = time.perf_counter()
        result = CliRunner().invoke(cli, args)
        if result.exit_code != 0:
            raise SystemExit(f"eval run --backend {name} failed:\n{result.output}")
        seconds[name] = round(time.perf_counter() - began, 1)

    def rows(path: Path) -> dict[str, dict[str, Any]]:
        return {r["id"]: r for r in map(json.loads, path.read_text().splitlines())}

    special = AutoTokenizer.from_pretrained(folder).all_special_tokens
    texts = {
        name: rows(work / sub / "predictions" / "base.jsonl")
        for name, sub in (("openai", "oa"), ("hf", "hf"))
    }
    scores = {
        name: rows(work / sub / "scores" / "base.jsonl") for name, sub in (("openai", "oa"), ("hf", "hf"))
    }
    same = 0
    for key, local in texts["hf"].items():
        text = local["text"]
        for token in special:
            text = text.replace(token, "")
        same += texts["openai"][key]["text"] == text and scores["openai"][key] == scores["hf"][key]
    return {"examples": k, "agree": same, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--propose", type=float, default=0.3)
    parser.add_argument("--requests", type=int, default=1, help="Requests per record (the CLI's default).")
    parser.add_argument("--agree", type=int, default=0, help="Test records for the openai/hf agreement.")
    parser.add_argument("--keep", type=Path, help="Write the records and rejects here.")
    parser.add_argument("--timeout", type=float, default=600.0, help="Seconds per request.")
    parser.add_argument("--cache", type=Path, help="Keep the request cache here (a rerun resumes).")
    parser.add_argument(
        "--url", help="A server already running (then --model is the folder it serves; no start time)."
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # killed by `timeout` or a scheduler: leave through the context managers, which stop the server
    # (it runs in a session of its own and would go on generating)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="fncall-llm-bench-") as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        start_s: float | None = None
        if args.url:
            url, folder = args.url, Path(args.model)
        else:
            # the served name is the folder's path and part of every cached request: with --cache the
            # folder stays beside it, so that a rerun asks the same requests and resumes
            root = args.cache.with_name(args.cache.name + ".served") if args.cache else work
            folder = servable(args.model, root)
            began = time.perf_counter()
            url = stack.enter_context(transformers_serve(folder, work / "serve.log"))
            start_s = round(time.perf_counter() - began, 1)
        llm = LLMConfig(
            url=url, model=str(folder), concurrency=args.concurrency, max_tokens=args.max_tokens,
            propose=args.propose, cache_dir=str(args.cache or work / "cache"), timeout_s=args.timeout,
        )  # fmt: skip
        load_before, busy_before = os.getloadavg(), cpu_ticks()
        began = time.perf_counter()
        result = generate_with_llm(GenerateConfig(n=args.n, seed=args.seed, requests=args.requests), llm)
        seconds = time.perf_counter() - began
        load_after, busy_after = os.getloadavg(), cpu_ticks()
        agree = agreement(url, folder, args.agree, work) if args.agree else None
        if args.keep:
            write_result(result, args.keep, args.keep.with_suffix(".rejects.jsonl"))
    summary = result.summary()["llm"]
    out = {
        "model": args.model,
        "resumed": summary["cached_requests"] > 0,  # then the time is not the whole run's
        "server_start_s": start_s,
        "records": args.n,
        "seconds": round(seconds, 1),
        "records_per_s": round(args.n / seconds, 3),
        "llm_records_per_s": round(summary["accepted"] / seconds, 3),
        **{
            k: summary[k]
            for k in ("accepted", "tries", "acceptance", "rewrite", "propose", "rejects_by_reason")
        },
        "requests": summary["requests"],
        "prompt_tokens": summary["prompt_tokens"],
        "completion_tokens": summary["completion_tokens"],
        "completion_tokens_per_s": round(summary["completion_tokens"] / seconds, 2),
        "tokens_per_s": round((summary["prompt_tokens"] + summary["completion_tokens"]) / seconds, 1),
        # the machine while it ran: its cores, the 1-minute load before and after, and the share of
        # all cores' time that was busy (this run, its server and whatever else ran beside them)
        "cores": os.cpu_count(),
        "load_1min": [round(load_before[0], 2), round(load_after[0], 2)],
        "cpu_busy": _busy_share(busy_before, busy_after),
        "agreement": agree,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
