"""Greedy answers and speed of exported GGUF files in llama.cpp against fncall's hf backend.

For every ``--every``-th test record, the prompt is rendered by the chat profile and answered, batch 1,
by llama-cpp-python on each GGUF file and by the hf backend on the first file (transformers reads it
with ``gguf_file=``, dequantized), the engines taking turns prompt by prompt so that a change in the
machine's load falls on all of them alike. Reports, per engine, the median tokens/s (prompt time
included), the median per-prompt ratio to the hf backend, and how many answers equal the hf backend's.

    pip install llama-cpp-python   # builds llama.cpp from source: several minutes on 2 cores
    python benchmarks/gguf_engines.py runs/t-f16.gguf runs/t-q8_0.gguf --data test.jsonl --every 5

docs/train.md ("Export to GGUF") quotes it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+", help="GGUF files; the first is also run by hf.")
    parser.add_argument("--data", type=Path, required=True, help="Test records (fncall JSONL).")
    parser.add_argument("--every", type=int, default=5, help="Take every N-th record.")
    parser.add_argument("--profile", default="gemma")
    parser.add_argument("--max-new-tokens", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("runs/gguf_engines.jsonl"))
    args = parser.parse_args()
    try:
        from llama_cpp import Llama
    except ImportError:
        sys.exit("llama-cpp-python is not installed: pip install llama-cpp-python")

    from fncall_data.profiles import get_profile
    from fncall_data.turns import evaluated_turn
    from fncall_eval.backends import GenerateConfig
    from fncall_eval.backends.hf import create
    from fncall_eval.decision import read_validation

    profile = get_profile(args.profile)
    records = read_validation(args.data)[:: args.every]
    engines: dict[str, Any] = {
        f"llama.cpp {f.name}": Llama(model_path=str(f), n_ctx=2048, n_threads=args.threads, verbose=False)
        for f in args.files
    }
    hf: Any = create(
        GenerateConfig(
            model=str(args.files[0]), batch_size=1, max_new_tokens=args.max_new_tokens, device="cpu"
        )
    )
    rows: list[dict[str, Any]] = []
    for record in records:
        prompt = profile.prompt(record, evaluated_turn(record))
        for name, llm in engines.items():
            began = time.perf_counter()
            reply = llm.create_completion(
                prompt,
                max_tokens=args.max_new_tokens,
                temperature=0.0,
                top_k=1,
                stop=list(profile.stop_strings),
            )
            seconds = time.perf_counter() - began
            text, tokens = reply["choices"][0]["text"], reply["usage"]["completion_tokens"]
            rows.append({"engine": name, "id": record.id, "text": text, "seconds": seconds, "tokens": tokens})
        began = time.perf_counter()
        text = hf.generate_texts([prompt])[0]
        seconds = time.perf_counter() - began
        tokens = len(hf.tokenizer.encode(text, add_special_tokens=False))
        rows.append({"engine": "hf", "id": record.id, "text": text, "seconds": seconds, "tokens": tokens})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    reference = {r["id"]: r for r in rows if r["engine"] == "hf"}
    print(f"{len(records)} prompts, batch 1, {args.threads} threads\n")
    print("| engine | median tokens/s | median ratio to hf, per prompt | answers equal to hf's |")
    print("|---|---|---|---|")
    for name in ["hf", *engines]:
        mine = [r for r in rows if r["engine"] == name]
        rates = [r["tokens"] / r["seconds"] for r in mine if r["seconds"] > 0]
        ratios = [
            (r["tokens"] / r["seconds"]) / (reference[r["id"]]["tokens"] / reference[r["id"]]["seconds"])
            for r in mine
            if r["seconds"] > 0 and reference[r["id"]]["tokens"]
        ]
        same = sum(r["text"].strip() == reference[r["id"]]["text"].strip() for r in mine)
        ratio = f"{statistics.median(ratios):.2f}x" if ratios else "–"
        print(f"| {name} | {statistics.median(rates):.1f} | {ratio} | {same}/{len(mine)} |")


if __name__ == "__main__":
    main()
