"""``fncall train``: LoRA SFT of a function-calling model, ``fncall train merge`` and ``fncall train export``.

The command parses options into a :class:`~fncall_train.config.TrainConfig` (recipe, then the YAML
file, then the options given), calls :func:`fncall_train.run.train` and prints progress and the result.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, cast

import click

from fncall_train.export import QUANTS

__all__ = ["train"]


@click.group(invoke_without_command=True)
@click.option(
    "--model", help="Hub id, local folder, .gguf file, 'embedded' or 'tiny'. [default: google/gemma-2-2b-it]"
)
@click.option(
    "--data", type=click.Path(), help="Training records: a JSONL file of records or a dataset folder."
)
@click.option("-o", "--output-dir", type=click.Path(file_okay=False), help="Run folder (adapter, manifest).")
@click.option(
    "--recipe", help="'default' (fncall's) or 'seed' (the tutorial, faithfully). [default: default]"
)
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), help="YAML file of TrainConfig fields."
)
@click.option("--backend", help="Trainer backend: 'trl' or 'hf'.")
@click.option("--profile", help="Chat profile that renders the records.")
@click.option("--max-steps", type=int, help="Stop after this many optimizer steps.")
@click.option("--max-minutes", type=float, help="Stop after the step that passes this many minutes.")
@click.option(
    "--min-steps", type=int, help="With --max-minutes: at least this many steps, past the minutes if need be."
)
@click.option(
    "--schedule-by",
    type=click.Choice(["steps", "minutes"]),
    help="Lay the warm-up and decay over --max-steps, or over the --max-minutes of wall time.",
)
@click.option("--epochs", type=float, help="Passes over the data.")
@click.option("--learning-rate", "--lr", "learning_rate", type=float, help="Peak learning rate.")
@click.option("--batch-size", type=int, help="Examples per device per micro-step.")
@click.option("--grad-accum", type=int, help="Micro-steps per optimizer step.")
@click.option("--max-length", type=int, help="Longest example in tokens; longer ones are dropped (counted).")
@click.option(
    "--packing", type=click.Choice(["none", "padding_free", "wrapped"]), help="How examples share rows."
)
@click.option("--loss-on", type=click.Choice(["model_turns", "all"]), help="What the loss covers.")
@click.option("--lora-r", type=int, help="LoRA rank.")
@click.option("--lora-alpha", type=int, help="LoRA alpha.")
@click.option("--lora-layers", type=int, help="Adapt only the top N decoder layers (a cheaper step).")
@click.option("--precision", type=click.Choice(["auto", "bf16", "fp32"]), help="Compute precision.")
@click.option("--device", help="'auto', 'cpu', 'cuda', ...")
@click.option("--seed", type=int, help="Random seed.")
@click.option("--save-steps", type=int, help="Write a checkpoint every N steps.")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Where converted models are cached.")
@click.option("--resume", is_flag=True, help="Continue from the last checkpoint in OUTPUT_DIR/checkpoints.")
@click.pass_context
def train(
    ctx: click.Context, /, config_file: str | None, recipe: str | None, resume: bool, **options: Any
) -> None:
    """Train a LoRA adapter on function-calling records.

    \b
    fncall train --model tiny --data d.jsonl -o runs/t
    fncall train --model embedded --data d.jsonl -o runs/e --max-steps 20
    fncall train --recipe seed --data d.jsonl -o runs/seed     # the tutorial, as a baseline
    fncall train merge runs/t -o merged/                       # a full model with the adapter merged
    fncall train export runs/t --to gguf -o t.gguf             # one GGUF file for llama.cpp / Ollama

    Writes OUTPUT_DIR/adapter (PEFT), OUTPUT_DIR/tokenizer and OUTPUT_DIR/fncall_run.json (config,
    versions, data sha256, loss curve, tokens/s, peak memory). Examples longer than --max-length are
    dropped and listed in OUTPUT_DIR/rejects.jsonl, never cut. Exit status 1 when data rows could
    not be read (they are listed there too).
    """
    if ctx.invoked_subcommand is not None:
        return
    from fncall_train.config import load_config
    from fncall_train.run import ProgressEvent, RunComplete
    from fncall_train.run import train as run_training

    config = load_config(config_file, recipe=recipe, **options)
    _show_library_logs()
    click.echo(
        f"training {config.model} with recipe {config.recipe!r} ({config.backend}) into {config.output_dir}"
    )

    def show(event: ProgressEvent) -> None:
        parts = [f"step {event.step}/{event.max_steps}"]
        if event.loss is not None:
            parts.append(f"loss {event.loss:.4f}")
        if event.learning_rate is not None:
            parts.append(f"lr {event.learning_rate:.2e}")
        if event.tokens_per_s is not None:
            parts.append(f"{event.tokens_per_s:.0f} tok/s")
        click.echo("  ".join(parts))
        if event.note:
            click.echo(f"note: {event.note}")

    try:
        result = run_training(config, show, resume=resume)
    except RunComplete as done:
        click.echo(str(done))
        return
    _close_process_group()
    rank = int(os.environ.get("RANK", "0"))
    if rank != 0:
        click.echo(f"done: {result.steps} steps (rank {rank})")
        return
    click.echo(
        f"done: {result.steps} steps in {result.wall_s:.1f}s, {result.tokens_per_s:.0f} tokens/s, "
        f"loss {_fmt(result.first_loss)} -> {_fmt(result.last_loss)}, "
        f"peak memory {result.peak_memory_mb:.0f} MB"
    )
    click.echo(f"adapter: {result.adapter_dir} ({result.adapter_mb:.2f} MB), base {result.base_model}")
    if result.data.unreadable:  # exit 1, as every command does when input rows were rejected
        click.echo(
            f"{result.data.unreadable} row(s) could not be read: see {result.data.rejects_file}", err=True
        )
        sys.exit(1)


@train.command("merge")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option(
    "-o", "--output-dir", required=True, type=click.Path(file_okay=False), help="Merged model folder."
)
@click.option(
    "--dtype", type=click.Choice(["auto", "bfloat16", "float32"]), default="auto", show_default=True
)
def merge(run_dir: str, output_dir: str, dtype: str) -> None:
    """Merge a run's adapter into its base model and save the full model with the run's tokenizer."""
    from fncall_train.merge import merge_run

    out = merge_run(run_dir, output_dir, dtype=dtype)
    click.echo(f"merged model written to {out}")


@train.command("export")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--to", "target", type=click.Choice(["gguf"]), default="gguf", show_default=True, help="Format to write."
)
@click.option(
    "--quant",
    type=click.Choice(QUANTS),
    default="f16",
    show_default=True,
    help="f16: float16 weights; q8_0: 8-bit blocks, about half the size.",
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .gguf file.")
@click.option("--no-modelfile", is_flag=True, help="Do not write an Ollama Modelfile beside the file.")
def export(run_dir: str, target: str, quant: str, output: str, no_modelfile: bool) -> None:
    """Merge a run's adapter into its base model and write one GGUF file.

    \b
    fncall train export runs/t --to gguf -o t.gguf
    fncall train export runs/t --quant q8_0 -o t-q8_0.gguf

    Gemma 2 and Gemma 3 text models only. The file holds the merged weights (rows of added tag
    tokens included), the run's tokenizer and its chat profile's template; it loads in llama.cpp,
    Ollama, LM Studio and transformers (gguf_file=). Before the file is kept, its config is read
    back with transformers and must equal the merged model's. An Ollama Modelfile is written beside
    it as NAME.Modelfile.
    """
    from fncall_train.export import Quant, export_gguf

    del target  # GGUF is the only format so far
    result = export_gguf(run_dir, output, quant=cast(Quant, quant), modelfile=not no_modelfile)
    click.echo(
        f"wrote {result.path} ({result.architecture}, {result.quant}, {result.size_bytes / 2**20:.1f} MiB, "
        f"{result.tensors} tensors, {result.vocab_size} tokens) in {result.seconds:.0f} s"
    )
    if result.modelfile is not None:
        click.echo(f"Ollama: ollama create NAME -f {result.modelfile}")


def _close_process_group() -> None:
    """Under torchrun: wait until every rank is done (rank 0 writes the run folder), then close the
    process group, so that no rank exits with its communication threads still running (which aborts
    the process at exit now and then)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _show_library_logs() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("fncall_train")
    if not logger.handlers:
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
