"""Validations per second of tool calls: jsonschema per call, a reused jsonschema validator, fncall.

Run: ``python benchmarks/validate.py [--calls 2000] [--repeats 7]``. All three see the same calls and
the same schemas (closed with additionalProperties: false, as fncall treats tools) and must agree on
every verdict; the script checks that before timing. Each figure is the median of the repeats, on one
core (one process, one thread).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

from fncall_data.types import Tool
from fncall_data.validate import Toolbox

FORMATS = Draft202012Validator.FORMAT_CHECKER

TOOLS = [
    Tool(
        name="get_weather",
        description="Current weather or forecast for a city.",
        parameters={
            "type": "object",
            "properties": {
                "city": {"type": "string", "minLength": 1},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 14},
            },
            "required": ["city"],
            "additionalProperties": False,
        },
    ),
    Tool(
        name="convert_currency",
        description="Convert an amount between currencies.",
        parameters={
            "type": "object",
            "properties": {
                "amount": {"type": "number", "exclusiveMinimum": 0},
                "from_currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "to_currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            },
            "required": ["amount", "from_currency", "to_currency"],
            "additionalProperties": False,
        },
    ),
    Tool(
        name="create_event",
        description="Add an event to the calendar.",
        parameters={
            "type": "object",
            "properties": {
                "title": {"type": "string", "maxLength": 120},
                "date": {"type": "string", "format": "date"},
                "duration_minutes": {"type": "integer", "minimum": 5, "maximum": 600},
                "attendees": {
                    "type": "array",
                    "maxItems": 20,
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "email": {"type": "string", "format": "email"},
                            "optional": {"type": "boolean"},
                        },
                        "required": ["email"],
                        "additionalProperties": False,
                    },
                },
                "reminder": {"type": ["integer", "null"]},
            },
            "required": ["title", "date"],
            "additionalProperties": False,
        },
    ),
]

CITIES = ["Paris", "Oslo", "Lima", "Tokyo", "Nairobi", "Quito"]


def valid_call(rng: random.Random) -> dict[str, Any]:
    kind = rng.randrange(3)
    if kind == 0:
        args: dict[str, Any] = {"city": rng.choice(CITIES)}
        if rng.random() < 0.5:
            args["unit"] = rng.choice(["celsius", "fahrenheit"])
        if rng.random() < 0.5:
            args["days"] = rng.randint(1, 14)
        return {"name": "get_weather", "arguments": args}
    if kind == 1:
        codes = ["USD", "EUR", "JPY", "GBP", "CHF"]
        return {
            "name": "convert_currency",
            "arguments": {
                "amount": round(rng.uniform(1, 900), 2),
                "from_currency": rng.choice(codes),
                "to_currency": rng.choice(codes),
            },
        }
    people = [{"name": n, "email": f"{n.lower()}@example.org"} for n in ("Ana", "Bo", "Chen")]
    return {
        "name": "create_event",
        "arguments": {
            "title": "Review",
            "date": f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "duration_minutes": rng.choice([15, 30, 60]),
            "attendees": people[: rng.randint(0, 3)],
        },
    }


def invalid_call(rng: random.Random) -> dict[str, Any]:
    """A valid call with one or two of the mistakes models make."""
    call = valid_call(rng)
    args = call["arguments"]
    for _ in range(rng.randint(1, 2)):
        mistake = rng.randrange(4)
        if mistake == 0 and args:
            args.pop(next(iter(args)))  # drop a (usually required) argument
        elif mistake == 1:
            args["invented"] = "x"  # an argument the tool does not have
        elif mistake == 2:
            args[rng.choice(list(args)) if args else "city"] = {"no": "object is expected here"}  # wrong type
        else:
            args["days" if call["name"] == "get_weather" else "duration_minutes"] = 0  # out of bounds
    return call


def median_rate(fn: Callable[[dict[str, Any]], object], calls: list[dict[str, Any]], repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for call in calls:
            fn(call)
        rates.append(len(calls) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    opts = parser.parse_args()

    rng = random.Random(0)
    schemas = {t.name: t.parameters for t in TOOLS}
    reused = {name: Draft202012Validator(s, format_checker=FORMATS) for name, s in schemas.items()}
    box = Toolbox(TOOLS)

    def per_call(call: dict[str, Any]) -> bool:
        try:
            jsonschema.validate(call["arguments"], schemas[call["name"]], format_checker=FORMATS)
        except jsonschema.ValidationError:
            return False
        return True

    def reused_validator(call: dict[str, Any]) -> list[Any]:
        return list(reused[call["name"]].iter_errors(call["arguments"]))  # all errors, as fncall reports

    def fncall(call: dict[str, Any]) -> list[Any]:
        return box.validate_call(call)

    print(f"{opts.calls} calls per set, median of {opts.repeats} runs, one process")
    header = ("set", "(a) jsonschema.validate", "(b) reused validator", "(c) fncall", "c/b", "c/a")
    print("{:8} {:>24} {:>21} {:>12} {:>7} {:>7}".format(*header))
    for label, make in (("valid", valid_call), ("invalid", invalid_call)):
        calls = [make(rng) for _ in range(opts.calls)]
        for call in calls:  # same verdicts everywhere, or the timing means nothing
            verdict = per_call(call)
            assert verdict == (not reused_validator(call)) == (not fncall(call)), call
            assert verdict == (label == "valid"), call
        a = median_rate(per_call, calls, max(1, opts.repeats // 3))
        b = median_rate(reused_validator, calls, opts.repeats)
        c = median_rate(fncall, calls, opts.repeats)
        print(f"{label:8} {a:>22,.0f}/s {b:>19,.0f}/s {c:>10,.0f}/s {c / b:>6.1f}x {c / a:>6.0f}x")


if __name__ == "__main__":
    main()
