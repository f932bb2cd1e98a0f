"""Training speed and memory: the ``seed`` recipe (the tutorial) and ``default`` (fncall's), side by side.

Same data, same model, same number of optimizer steps; each run in its own process, so that peak
memory is that run's alone. Prints tokens/s (non-padding input tokens read per second of training),
examples/s, peak memory, and the default/seed ratios (median of ``--repeats`` runs).

    python benchmarks/train.py                       # tiny model, CPU
    python benchmarks/train.py --embedded            # also the embedded Gemma 3 270M (slow on CPU)
    python benchmarks/train.py --gpu                 # random model with the real gemma-2-2b config, bf16

The GPU section needs CUDA; without it, it says so and is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "train_records.jsonl"
H100_BF16_FLOPS = 989e12

# google/gemma-2-2b-it's config.json, written out so that nothing is downloaded
GEMMA2_2B = {
    "vocab_size": 256000,
    "hidden_size": 2304,
    "intermediate_size": 9216,
    "num_hidden_layers": 26,
    "num_attention_heads": 8,
    "num_key_value_heads": 4,
    "head_dim": 256,
    "max_position_embeddings": 8192,
    "sliding_window": 4096,
    "query_pre_attn_scalar": 256,
    "attn_logit_softcapping": 50.0,
    "final_logit_softcapping": 30.0,
    "hidden_activation": "gelu_pytorch_tanh",
    "tie_word_embeddings": True,
}


def one_run(args: argparse.Namespace) -> None:
    """Train once (in this process) and print the measurements as JSON."""
    from fncall_train import load_config, train

    with tempfile.TemporaryDirectory() as out:
        overrides: dict[str, Any] = {"max_steps": args.steps, "save_steps": 10_000}
        if args.device:
            overrides["device"] = args.device
        if args.max_length:
            overrides["max_length"] = args.max_length
        if args.grad_accum:
            overrides["grad_accum"] = args.grad_accum
        cfg = load_config(recipe=args.recipe, model=args.model, data=args.data, output_dir=out, **overrides)
        result = train(cfg)
        print(
            json.dumps(
                {
                    "tokens_per_s": result.tokens_per_s,
                    "wall_s": result.wall_s,
                    "tokens": result.tokens,
                    "examples": result.data.examples,
                    "steps": result.steps,
                    "peak_memory_mb": result.peak_memory_mb,
                    "adapter_mb": result.adapter_mb,
                    "first_loss": result.first_loss,
                    "last_loss": result.last_loss,
                }
            )
        )


def run_once(recipe: str, model: str, args: argparse.Namespace, data: Path) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--one", "--recipe", recipe, "--model", model, "--data", str(data)]
    cmd += ["--steps", str(args.steps)]
    if args.device:
        cmd += ["--device", args.device]
    if args.max_length:
        cmd += ["--max-length", str(args.max_length)]
    if args.grad_accum:
        cmd += ["--grad-accum", str(args.grad_accum)]
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{recipe} on {model} failed:\n{done.stderr[-3000:]}")
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def compare(label: str, model: str, args: argparse.Namespace, data: Path = DATA) -> None:
    # interleaved (seed, default, seed, default, ...): load from other processes hits both alike
    runs: dict[str, list[dict[str, Any]]] = {"seed": [], "default": []}
    for _ in range(args.repeats):
        for recipe in runs:
            runs[recipe].append(run_once(recipe, model, args, data))
    seed, default = (
        {k: statistics.median(r[k] for r in rows) for k in rows[0] if rows[0][k] is not None}
        for rows in (runs["seed"], runs["default"])
    )
    ratios = [
        d["tokens_per_s"] / s["tokens_per_s"] for s, d in zip(runs["seed"], runs["default"], strict=True)
    ]
    print(f"\n## {label}: {args.steps} steps, median of {args.repeats}, {args.threads} thread(s) per run")
    print(f"(max_length {args.max_length or 'per recipe'}, grad_accum {args.grad_accum or 'per recipe'})")
    print(
        f"{'recipe':<8} {'tokens/s':>10} {'wall s':>8} {'peak MB':>9} {'adapter MB':>11} "
        f"{'loss first->last':>18}"
    )
    for name, row in (("seed", seed), ("default", default)):
        print(
            f"{name:<8} {row['tokens_per_s']:>10.0f} {row['wall_s']:>8.1f} {row['peak_memory_mb']:>9.0f} "
            f"{row['adapter_mb']:>11.2f} {row.get('first_loss', 0):>8.3f}->{row.get('last_loss', 0):.3f}"
        )
    print(
        f"default/seed: tokens/s x{default['tokens_per_s'] / seed['tokens_per_s']:.2f} "
        f"(per pair: {', '.join(f'x{r:.2f}' for r in ratios)}), "
        f"wall time x{default['wall_s'] / seed['wall_s']:.2f}, "
        f"peak memory x{default['peak_memory_mb'] / seed['peak_memory_mb']:.2f}"
    )


def gpu_section(args: argparse.Namespace) -> None:
    import torch

    if not torch.cuda.is_available():
        print("\n## GPU: no CUDA device here; skipped (run with --gpu where one is lent)")
        return
    from transformers import Gemma2Config, Gemma2ForCausalLM

    from fncall_train.tiny import build_tiny_tokenizer

    with tempfile.TemporaryDirectory() as folder:
        torch.manual_seed(0)
        config = Gemma2Config(**GEMMA2_2B, attn_implementation="eager")
        model = Gemma2ForCausalLM(config).to(torch.bfloat16)
        model.save_pretrained(folder)
        build_tiny_tokenizer().save_pretrained(folder)
        params = sum(p.numel() for p in model.parameters())
        del model
        gpu_args = argparse.Namespace(**{**vars(args), "device": "cuda", "max_length": 2048})
        compare("GPU, random gemma-2-2b (bf16)", folder, gpu_args)
        print(
            f"model FLOPs utilisation uses 6 x {params / 1e9:.2f}B params x tokens/s / {H100_BF16_FLOPS:.0e}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--recipe", default="default", help=argparse.SUPPRESS)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--max-length", type=int, default=None, help="both recipes (default: theirs, 1500)")
    parser.add_argument("--grad-accum", type=int, default=None, help="both recipes (default: theirs, 4)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads per run (default 1: on a shared machine, spinning threads swing timings 5x)",
    )
    parser.add_argument("--embedded", action="store_true", help="also compare on the embedded Gemma 3 270M")
    parser.add_argument("--gpu", action="store_true", help="also the GPU section (needs CUDA)")
    args = parser.parse_args()
    if args.one:
        one_run(args)
        return
    compare(f"CPU, {args.model} model", args.model, args)
    if args.embedded:
        # one repeat, shorter rows and steps: a full-size step takes minutes on 2 cores
        small = {"repeats": 1, "max_length": args.max_length or 512, "grad_accum": args.grad_accum or 1}
        compare("CPU, embedded Gemma 3 270M", "embedded", argparse.Namespace(**{**vars(args), **small}))
    if args.gpu:
        gpu_section(args)


if __name__ == "__main__":
    main()
