"""Greedy decoding: ``model.generate`` against :func:`fncall_eval.backends.greedy.greedy_generate`.

The same model, adapter, prompts (the quickstart's test prompts, longest first, in batches) and token
limit, run one after the other in this process; each side repeated, medians quoted. ``generate`` runs a
batch until its last row stops; ``greedy_generate`` takes each row out as it stops and runs the output
layer as ``weight @ x.T``. Also counts the prompts on which both wrote the same tokens, and times the
output layer alone both ways.

    python benchmarks/decode.py --adapter runs/quickstart/train/adapter   # after bash scripts/quickstart.sh
    python benchmarks/decode.py --model tiny --prompts 8                   # a quick check of the script
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from _decoding import decoding_parser, first_records, load_decoder

from fncall_data.turns import evaluated_turn
from fncall_eval.backends.greedy import greedy_generate


def main() -> None:
    args = decoding_parser(__doc__).parse_args()

    import torch

    profile, model, tokenizer = load_decoder(args)
    records = first_records(args)
    prompts = sorted((profile.prompt(r, evaluated_turn(r)) for r in records), key=len)[::-1]
    stops = [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<end_of_turn>")]
    batches = [prompts[i : i + args.batch_size] for i in range(0, len(prompts), args.batch_size)]

    def with_generate() -> list[list[int]]:
        rows = []
        for batch in batches:
            enc = tokenizer(batch, return_tensors="pt", padding=True)
            with torch.inference_mode():
                out = model.generate(**enc, max_new_tokens=args.max_new_tokens, do_sample=False,
                                     eos_token_id=stops, pad_token_id=tokenizer.pad_token_id)  # fmt: skip
            for row in out[:, enc["input_ids"].shape[1] :].tolist():
                ends = [i for i, t in enumerate(row) if t in stops]
                rows.append(row[: ends[0] + 1] if ends else row)
        return rows

    def with_greedy() -> list[list[int]]:
        rows = []
        for batch in batches:
            enc = tokenizer(batch, return_tensors="pt", padding=True)
            rows += greedy_generate(model, enc["input_ids"], enc["attention_mask"],
                                    max_new_tokens=args.max_new_tokens, stop_ids=stops)  # fmt: skip
        return rows

    times: dict[str, list[float]] = {"generate": [], "greedy_generate": []}
    outputs: dict[str, list[list[int]]] = {}
    for _ in range(args.repeats):
        for name, run in (("generate", with_generate), ("greedy_generate", with_greedy)):
            started = time.perf_counter()
            outputs[name] = run()
            times[name].append(time.perf_counter() - started)
    same = sum(a == b for a, b in zip(outputs["generate"], outputs["greedy_generate"], strict=True))
    lengths = [len(r) for r in outputs["greedy_generate"]]
    base, fast = statistics.median(times["generate"]), statistics.median(times["greedy_generate"])
    print(f"{len(prompts)} prompts, batches of {args.batch_size}, new tokens per row: median "
          f"{statistics.median(lengths):g}, max {max(lengths)}")  # fmt: skip
    print(f"generate        {base:7.1f} s (median of {args.repeats})")
    print(f"greedy_generate {fast:7.1f} s   ratio {base / fast:.2f}x; same tokens on {same}/{len(prompts)}")
    _head(model, args.batch_size)


def _head(model: Any, rows: int) -> None:
    """The output layer alone on ``rows`` hidden states: ``x @ W.T`` against ``W @ x.T``."""
    import torch

    weight = model.get_output_embeddings().weight
    x = torch.randn(rows, weight.shape[1])
    for name, run in (("x @ W.T", lambda: torch.nn.functional.linear(x, weight)),
                      ("W @ x.T", lambda: (weight @ x.T).T)):  # fmt: skip
        run()
        seconds = []
        for _ in range(5):
            started = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - started)
        print(f"output layer, {rows} rows, {name}: {statistics.median(seconds) * 1000:.0f} ms (median of 5)")


if __name__ == "__main__":
    main()
