"""Verified records per second from the bundled catalog, on one process, beside two baselines.

Run: ``python benchmarks/generate.py [--n 3000] [--repeats 5]``. Three ways over the same seed and
default mix, one process each:

- ``fncall generate``: the real run (build, execute the tools, verify every record, dedup, JSON);
- ``build only``: the same builders and tool runs with no verification and no dedup, the record
  written straight from the draft, which prices what verification costs;
- ``jsonschema check``: building plus the check a user could write by hand, every record validated
  against ``schemas/record.schema.json`` with jsonschema and each call against its tool.

Each figure is the median of the repeats, in records per second; the ratio is against ``build only``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from jsonschema import Draft202012Validator

from fncall_data.generate import GenerateConfig, catalog_specs, generate
from fncall_data.generate.builders import BUILDERS, ToolSet
from fncall_data.generate.calls import BuildError
from fncall_data.generate.runner import _rng, schedule

RECORD_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "schemas" / "record.schema.json").read_text()
)


def _drafts(n: int, seed: int, check: Callable[[dict[str, object]], None] | None) -> int:
    specs = catalog_specs()
    ts = ToolSet(specs)
    written = 0
    for slot, category in enumerate(schedule(n, GenerateConfig().mix)):
        try:
            draft = BUILDERS[category](ts, _rng(seed, slot, 0), True)
        except BuildError:
            continue
        record = {
            "id": f"b-{slot}",
            "category": draft.category,
            "tools": [s.tool.model_dump() for s in draft.tools],
            "messages": draft.messages,
            "answers": draft.answers,
            "meta": {},
        }
        if check is not None:
            check(record)
        json.dumps(record, ensure_ascii=False)
        written += 1
    return written


def _by_hand() -> Callable[[dict[str, object]], None]:
    validator = Draft202012Validator(RECORD_SCHEMA)
    tools = {s.name: Draft202012Validator(s.tool.parameters) for s in catalog_specs()}

    def check(record: dict[str, object]) -> None:
        validator.validate(record)
        for message in record["messages"]:  # type: ignore[attr-defined]
            for call in message.get("tool_calls", ()):
                tools[call["name"]].validate(call["arguments"])

    return check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    specs = catalog_specs()
    generate(GenerateConfig(n=200, seed=1), specs)  # warm caches and imports
    check = _by_hand()
    ways: dict[str, Callable[[], int]] = {
        "fncall generate": lambda: len(generate(GenerateConfig(n=args.n, seed=7), specs).lines),
        "build only": lambda: _drafts(args.n, 7, None),
        "jsonschema check": lambda: _drafts(args.n, 7, check),
    }
    rates: dict[str, float] = {}
    for name, run in ways.items():
        samples = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            count = run()
            samples.append(count / (time.perf_counter() - start))
        rates[name] = statistics.median(samples)
    base = rates["build only"]
    print(f"{args.n} records, default mix, median of {args.repeats} runs, one process")
    for name, rate in rates.items():
        print(f"{name:<18} {rate:>8.0f} records/s   {rate / base:5.2f}x build only")


if __name__ == "__main__":
    main()
