"""Evaluation speed: the hf backend batched vs one prompt at a time, and scoring examples per second.

Run: ``python benchmarks/eval.py [--model tiny] [--prompts 32] [--batch-size 16] [--max-new-tokens 32]
[--repeats 3] [--threads 1] [--examples 20000] [--skip-hf]``.

1. Generation. The same prompts (rendered by the gemma profile from the same records) and the same
   model, greedy, the same number of new tokens: the tutorial's way (``tokenizer(prompt)``, then
   ``model.generate`` per prompt, one after another) against :class:`fncall_eval.backends.hf.HFBackend`
   (length-sorted batches, left padding). It also counts the prompts on which both give the same text.
2. Scoring. ``score_predictions`` over a mix of outputs (right, wrong, parallel, irrelevance,
   malformed) on one core; references are built once per record, as a run does.

Every figure is the median of the repeats. Other processes on the machine slow both sides alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from fncall_data.types import Record
from fncall_eval.predictions import Prediction
from fncall_eval.scoring import Reference, score_predictions

WEATHER = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city"],
    },
}
CURRENCY = {
    "name": "convert_currency",
    "description": "Convert an amount between currencies.",
    "parameters": {
        "type": "object",
        "properties": {"amount": {"type": "number"}, "to": {"type": "string"}},
        "required": ["amount", "to"],
    },
}
CITIES = ["Paris", "Rome", "Oslo", "Lima", "Cairo", "Tokyo", "Quito", "Dakar", "Hanoi", "Perth", "Bern"]


def _call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def _tag(*calls: dict[str, Any]) -> str:
    return "".join(f"<tool_call>{json.dumps(c)}</tool_call>" for c in calls)


def make_examples(n: int) -> tuple[list[Record], dict[str, Prediction]]:
    """``n`` records over five shapes, each with a model output."""
    records: list[Record] = []
    outputs: dict[str, Prediction] = {}
    for i in range(n):
        city, other = CITIES[i % len(CITIES)], CITIES[(i * 7 + 3) % len(CITIES)]
        kind = i % 5
        ident = f"x{i}"
        if kind == 0:
            calls, output = [_call("get_weather", city=city)], _tag(_call("get_weather", city=city))
        elif kind == 1:
            calls = [_call("convert_currency", amount=i, to="EUR")]
            output = _tag(_call("convert_currency", amount=i + 1, to="EUR"))
        elif kind == 2:
            calls = [_call("get_weather", city=city), _call("get_weather", city=other, unit="celsius")]
            output = _tag(calls[1], calls[0])
        elif kind == 3:
            calls, output = [], "None of my tools can answer that."
        else:
            calls, output = (
                [_call("get_weather", city=city)],
                "<tool_call>{'name': 'get_weather', 'arguments': {",
            )
        turn: dict[str, Any] = (
            {"role": "assistant", "tool_calls": calls} if calls else {"role": "assistant", "content": "No."}
        )
        records.append(
            Record.model_validate(
                {
                    "id": ident,
                    "category": ["simple", "simple", "parallel", "irrelevance", "simple"][kind],
                    "tools": [WEATHER, CURRENCY],
                    "messages": [
                        {"role": "user", "content": f"What about {city} and {other}? Request {i}."},
                        turn,
                    ],
                }
            )
        )
        outputs[ident] = Prediction(ident, output)
    return records, outputs


def bench_scoring(n: int, repeats: int) -> None:
    records, outputs = make_examples(n)
    with_refs, without, cpu = [], [], []
    for _ in range(repeats):
        started = time.perf_counter()
        references = [Reference.from_record(r) for r in records]
        built = time.perf_counter()
        cpu_started = time.process_time()
        scores = score_predictions(references, outputs)
        cpu.append(n / (time.process_time() - cpu_started))
        done = time.perf_counter()
        without.append(n / (done - built))
        with_refs.append(n / (done - started))
    exact = sum(s.call_exact for s in scores) / n
    print(f"scoring, {n} examples (exact match {exact:.0%}), median of {repeats}, one thread:")
    print(f"  score_predictions, wall clock:      {statistics.median(without):>10,.0f} examples/s")
    print(f"  score_predictions, per CPU second:  {statistics.median(cpu):>10,.0f} examples/s")
    print(f"  with building the references, wall: {statistics.median(with_refs):>9,.0f} examples/s")


def bench_generation(
    model: str, prompts: int, batch_size: int, max_new_tokens: int, repeats: int, threads: int
) -> None:
    import torch

    from fncall_eval.backends import GenerateConfig
    from fncall_eval.backends.hf import HFBackend

    torch.manual_seed(0)
    torch.set_num_threads(threads)  # a fixed thread count: busy neighbours make spare threads spin
    records, _ = make_examples(prompts)
    config = GenerateConfig(model=model, batch_size=batch_size, max_new_tokens=max_new_tokens, device="cpu")
    backend = HFBackend(config)
    texts = backend.prompts(records)
    model_, tokenizer = backend.model, backend.tokenizer

    def tutorial() -> list[str]:
        out = []
        for prompt in texts:
            encoded = tokenizer(prompt, return_tensors="pt")
            with torch.inference_mode():
                generated = model_.generate(
                    **encoded, max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=backend._stop_ids,
                    pad_token_id=tokenizer.pad_token_id, temperature=None, top_p=None, top_k=None,
                )  # fmt: skip
            new = generated[0, encoded["input_ids"].shape[1] :]
            out.append(backend._cut(tokenizer.decode(new, skip_special_tokens=False)))
        return out

    def batched() -> list[str]:
        got = {p.id: p.text or "" for p in backend.generate(records)}
        return [got[r.id] for r in records]

    # Greedy decoding gives the same text either way, up to float rounding that padding can change
    # in a long generation; the count is printed so a disagreement is visible.
    same = sum(a == b for a, b in zip(tutorial(), batched(), strict=True))
    one, many = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        tutorial()
        one.append(time.perf_counter() - started)
        started = time.perf_counter()
        batched()
        many.append(time.perf_counter() - started)
    a, b = statistics.median(one), statistics.median(many)
    print(f"generation, {backend.loaded.description}")
    print(
        f"  {prompts} prompts, {max_new_tokens} new tokens max, greedy, {threads} thread(s),",
        f"median of {repeats}:",
    )
    print(f"  one prompt at a time (tutorial): {a:7.2f} s  {prompts / a:7.2f} prompts/s")
    print(f"  hf backend, batch {batch_size:<3}           {b:7.2f} s  {prompts / b:7.2f} prompts/s")
    print(f"  ratio: {a / b:.1f}x   (identical outputs: {same}/{prompts})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for generation")
    parser.add_argument("--skip-hf", action="store_true")
    args = parser.parse_args()
    print(f"cpu cores visible: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    bench_scoring(args.examples, max(args.repeats, 5))
    if not args.skip_hf:
        bench_generation(
            args.model, args.prompts, args.batch_size, args.max_new_tokens, args.repeats, args.threads
        )


if __name__ == "__main__":
    main()
