"""What constrained decoding costs per generated token on CPU, against plain greedy decoding.

The same model (and adapter, merged), prompts (the test set's, longest first, in batches) and token
limit, both arms in this process and interleaved batch by batch, so that a busy machine slows both
alike: plain :func:`~fncall_eval.backends.greedy.greedy_generate`, and the same with each row's
matcher choosing the tokens (:meth:`fncall_eval.constrained.RowMatchers.pick`; the constrained arm
pays for its matchers, grammars included, inside the timing). The quantity is seconds per generated
token (a batch's time over the tokens its rows wrote); the medians over batches and repeats are
compared as a ratio. The engine's one-time view of the tokenizer is timed apart.

Constrained rows write other tokens than free ones (an answer may run longer, and on a CPU a step
of one row costs nearly what a step of several does), so that ratio mixes the engine's cost with the
answers' lengths. A third arm, ``replay``, writes the constrained arm's tokens again without the
engine: the same forward passes, so constrained over replay, per batch, is the engine's own cost.

    python benchmarks/constrained_overhead.py --adapter runs/quickstart/train/adapter \\
        --data runs/quickstart/data/test.jsonl
    python benchmarks/constrained_overhead.py --model tiny --prompts 8   # a quick check of the script
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from _decoding import decoding_parser, first_records, load_decoder

from fncall_data.turns import evaluated_turn
from fncall_eval.backends.greedy import greedy_generate


def main() -> None:
    args = decoding_parser(__doc__).parse_args()

    from fncall_eval.constrained import CallConstrainer

    profile, model, tokenizer = load_decoder(args)
    records = first_records(args)
    records.sort(key=lambda r: -len(profile.prompt(r, evaluated_turn(r))))
    stops = [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<end_of_turn>")]
    started = time.perf_counter()
    assert profile.call_syntax is not None
    width = int(model.get_output_embeddings().weight.shape[0])
    constrainer = CallConstrainer(tokenizer, width, stops, profile.call_syntax)
    print(f"llguidance's view of the tokenizer: {time.perf_counter() - started:.1f} s (once per run)")
    batches = [records[i : i + args.batch_size] for i in range(0, len(records), args.batch_size)]

    per_token: dict[str, list[float]] = {"greedy": [], "constrained": [], "replay": []}
    # the constrained arm's time in the engine: making the matchers, and choosing each step's tokens
    setup: list[float] = []
    picking: list[float] = []
    paired: list[float] = []  # per batch: constrained time over the replay of its tokens
    # CPU time of this process (all its threads) as well: on a shared machine, wall time also counts
    # the moments another process had the cores
    cpu_per_token: dict[str, list[float]] = {"greedy": [], "constrained": [], "replay": []}
    paired_cpu: list[float] = []
    # per batch: the engine's own seconds over the rest of the constrained arm (what it costs on top
    # of decoding the same tokens without it, whatever the machine's load did to the forward passes)
    shares: list[float] = []
    masked = steps = 0
    for repeat in range(args.repeats):
        for number, batch in enumerate(batches):
            prompts = [profile.prompt(r, evaluated_turn(r)) for r in batch]
            encoded = tokenizer(prompts, return_tensors="pt", padding=True)
            written: list[list[int]] = []
            seconds, cpu_seconds = {}, {}
            # the free arm first, then last, batch by batch: where the machine's load drifts, it drifts
            # over both orders (the replay follows the constrained arm, whose tokens it writes)
            order = (
                ["greedy", "constrained", "replay"]
                if (repeat + number) % 2 == 0
                else ["constrained", "replay", "greedy"]
            )
            for arm in order:
                started, cpu = time.perf_counter(), time.process_time()
                pick = None
                if arm == "constrained":
                    rows = constrainer.rows([r.tools for r in batch])
                    setup.append(time.perf_counter() - started)
                    pick, spent = _timed(rows.pick)
                elif arm == "replay":
                    pick = _replay(written)
                out = greedy_generate(
                    model, encoded["input_ids"], encoded["attention_mask"],
                    max_new_tokens=args.max_new_tokens, stop_ids=stops, pick=pick,
                )  # fmt: skip
                seconds[arm] = time.perf_counter() - started
                cpu_seconds[arm] = time.process_time() - cpu
                tokens = sum(len(r) for r in out)
                per_token[arm].append(seconds[arm] / tokens)
                cpu_per_token[arm].append(cpu_seconds[arm] / tokens)
                if arm == "constrained":
                    written = out
                    picking.append(spent[0] / tokens)
                    masked, steps = masked + rows.masked_steps, steps + rows.steps
            paired.append(seconds["constrained"] / seconds["replay"])
            paired_cpu.append(cpu_seconds["constrained"] / cpu_seconds["replay"])
            engine_seconds = setup[-1] + spent[0]
            shares.append(engine_seconds / (seconds["constrained"] - engine_seconds))
            print(f"batch {number} (repeat {repeat}): " + ", ".join(f"{a} {seconds[a]:.1f} s" for a in order)
                  + f"; engine {engine_seconds:.2f} s; CPU: "
                  + ", ".join(f"{a} {cpu_seconds[a]:.1f} s" for a in order))  # fmt: skip
    plain, constrained = statistics.median(per_token["greedy"]), statistics.median(per_token["constrained"])
    replay = statistics.median(per_token["replay"])
    runs = len(per_token["greedy"])
    print(f"{len(records)} prompts, batches of {args.batch_size}, {runs} timed batches per arm")
    print(f"greedy       {plain * 1000:7.2f} ms per token (median)")
    print(f"constrained  {constrained * 1000:7.2f} ms per token (median)")
    print(f"replay       {replay * 1000:7.2f} ms per token (median; the constrained tokens, no engine)")
    print(f"end to end: ratio {constrained / plain:.3f} (overhead {100 * (constrained / plain - 1):+.1f}%), "
          "other tokens included")  # fmt: skip
    engine = statistics.median(paired)
    print(f"the engine alone (same tokens): ratio {engine:.3f} (overhead {100 * (engine - 1):+.1f}%, "
          f"median over batches); the full mask was needed at {masked} of {steps} row steps")  # fmt: skip
    cpu = {arm: statistics.median(values) for arm, values in cpu_per_token.items()}
    print("CPU time per token (median): " + ", ".join(f"{a} {v * 1000:.2f} ms" for a, v in cpu.items())
          + f"; end to end {100 * (cpu['constrained'] / cpu['greedy'] - 1):+.1f}%, the engine alone "
          f"{100 * (statistics.median(paired_cpu) - 1):+.1f}%")  # fmt: skip
    share = statistics.median(shares)
    print(f"the engine's own time over the rest of the constrained arm: {100 * share:+.1f}% "
          f"(median over batches; max {100 * max(shares):+.1f}%)")  # fmt: skip
    print(f"in the engine: matchers {statistics.median(setup) * 1000:.1f} ms per batch (median), "
          f"choosing tokens {statistics.median(picking) * 1e6:.0f} µs per token (median, the argmax "
          "over the logits included)")  # fmt: skip


def _replay(rows: list[list[int]]) -> Callable[[Any, list[int]], Any]:
    """A pick that writes ``rows`` again, step by step: the same forward passes, no engine."""
    import torch

    step = [0]

    def pick(logits: Any, live: list[int]) -> Any:
        tokens = [rows[row][step[0]] for row in live]
        step[0] += 1
        return torch.tensor(tokens, dtype=torch.long, device=logits.device)

    return pick


def _timed(pick: Callable[[Any, list[int]], Any]) -> tuple[Callable[[Any, list[int]], Any], list[float]]:
    """``pick`` and a one-item list that adds up the seconds spent in it."""
    spent = [0.0]

    def timed(logits: Any, live: list[int]) -> Any:
        started = time.perf_counter()
        try:
            return pick(logits, live)
        finally:
            spent[0] += time.perf_counter() - started

    return timed, spent


if __name__ == "__main__":
    main()
