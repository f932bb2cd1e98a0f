"""Tool-call validation, fncall against raw jsonschema-rs and its peers, on 21 realistic tool schemas.

Run: ``python benchmarks/validate.py [--calls 500] [--repeats 21]``.

The schemas: 14 from the bundled catalog, 1 BFCL row (Gorilla dialect, read by fncall's dialect
reader), 5 in the shapes tools have in the wild (pydantic ``Optional`` = ``anyOf [X, null]``, OpenAI
strict mode with type lists and closed nested objects, pydantic ``$defs``/``$ref``, a ``oneOf``
union, ``uniqueItems``) and one of our own (a nested array of objects with bounds and patterns).
Every engine sees the same schemas (closed as fncall closes tools) and the same calls, and must give
the same verdict on every call before anything is timed.

What is timed, per call, on one core in one process; each figure is the median over ``--repeats``
runs of chunks of 50 calls; each ratio is the median of the per-chunk ratios, fncall and its baseline
timed on the same chunk one after the other (in alternating order) so that each pair sees the same
machine:

- valid calls, verdict only: ``Toolbox.validate_call`` against raw jsonschema-rs ``is_valid`` with
  the dict lookup of the tool's validator (target: at most 1.5x);
- invalid calls, every error: ``Toolbox.validate_call`` (issues with codes, paths and messages)
  against raw ``list(iter_errors)`` (target: at most 2x);
- a clean ``<tool_call>`` reply: ``check_output(text, box)`` against a regex, ``json.loads`` and
  raw jsonschema-rs (target: at most 2.5x);
- peers for the same verdicts: Python's ``jsonschema`` with a reused validator and, when installed,
  ``fastjsonschema`` (first error only, by design).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from fncall_data.check import check_output
from fncall_data.generate import catalog_specs
from fncall_data.generate.pools import sample_object
from fncall_data.tools import to_tool
from fncall_data.types import Tool
from fncall_data.validate import Toolbox

Call = dict[str, Any]

# --- the schemas ----------------------------------------------------------------------------------

BFCL_ROW = {  # a BFCL v3 "simple" function, as the leaderboard writes it (Gorilla types)
    "name": "calculate_triangle_area",
    "description": "Calculate the area of a triangle given its base and height.",
    "parameters": {
        "type": "dict",
        "properties": {
            "base": {"type": "integer", "description": "The base of the triangle."},
            "height": {"type": "integer", "description": "The height of the triangle."},
            "unit": {"type": "string", "description": "The unit of measure (defaults to 'units')."},
        },
        "required": ["base", "height"],
    },
}

WILD: list[dict[str, Any]] = [
    {  # pydantic: Optional[...] fields are anyOf [X, null] with a default
        "name": "find_flights",
        "parameters": {
            "type": "object",
            "properties": {
                "origin": {"type": "string", "title": "Origin"},
                "destination": {"type": "string", "title": "Destination"},
                "date": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}], "default": None},
                "max_stops": {
                    "anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}],
                    "default": None,
                },
                "cabin": {"anyOf": [{"enum": ["economy", "business", "first"]}, {"type": "null"}]},
            },
            "required": ["origin", "destination"],
        },
    },
    {  # OpenAI strict mode: every key required, optional ones as type lists, nested objects closed
        "name": "create_ticket",
        "parameters": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "priority": {"type": "string", "enum": ["low", "medium", "high"]},
                "assignee": {"type": ["string", "null"]},
                "labels": {"type": "array", "items": {"type": "string"}},
                "due": {
                    "type": ["object", "null"],
                    "properties": {"date": {"type": "string"}, "hard": {"type": "boolean"}},
                    "required": ["date", "hard"],
                    "additionalProperties": False,
                },
            },
            "required": ["title", "priority", "assignee", "labels", "due"],
            "additionalProperties": False,
        },
    },
    {  # pydantic: nested models as $defs, referenced with $ref
        "name": "place_order",
        "parameters": {
            "$defs": {
                "Item": {
                    "type": "object",
                    "properties": {
                        "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
                        "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
                    },
                    "required": ["sku", "quantity"],
                },
                "Address": {
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
                    "required": ["street", "city"],
                },
            },
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 1},
                "ship_to": {"$ref": "#/$defs/Address"},
            },
            "required": ["items", "ship_to"],
        },
    },
    {  # a discriminated union as oneOf
        "name": "send_notification",
        "parameters": {
            "type": "object",
            "properties": {
                "channel": {
                    "oneOf": [
                        {
                            "type": "object",
                            "properties": {"kind": {"const": "email"}, "address": {"type": "string"}},
                            "required": ["kind", "address"],
                        },
                        {
                            "type": "object",
                            "properties": {"kind": {"const": "sms"}, "number": {"type": "string"}},
                            "required": ["kind", "number"],
                        },
                    ]
                },
                "text": {"type": "string", "maxLength": 160},
            },
            "required": ["channel", "text"],
        },
    },
    {  # uniqueItems on a list of tags
        "name": "tag_document",
        "parameters": {
            "type": "object",
            "properties": {
                "document_id": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "maxItems": 8},
            },
            "required": ["document_id", "tags"],
        },
    },
]

OWN = {  # ours: a nested array of closed objects with bounds and patterns
    "name": "plan_route",
    "parameters": {
        "type": "object",
        "properties": {
            "vehicle": {"type": "string", "enum": ["car", "bike", "foot"]},
            "stops": {
                "type": "array",
                "minItems": 2,
                "maxItems": 10,
                "items": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
                        "wait_minutes": {"type": "integer", "minimum": 0, "maximum": 240},
                    },
                    "required": ["code"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["vehicle", "stops"],
    },
}

# Valid arguments for the hand-written tools (the catalog's come from its own value pools).
WILD_VALID: dict[str, list[dict[str, Any]]] = {
    "calculate_triangle_area": [{"base": 10, "height": 5}, {"base": 3, "height": 4, "unit": "cm"}],
    "find_flights": [
        {"origin": "OSL", "destination": "LIM"},
        {"origin": "CDG", "destination": "NRT", "date": "2026-04-01", "max_stops": 1, "cabin": None},
        {"origin": "LHR", "destination": "JFK", "date": None, "cabin": "business"},
    ],
    "create_ticket": [
        {"title": "Login fails", "priority": "high", "assignee": None, "labels": ["auth"], "due": None},
        {
            "title": "Docs",
            "priority": "low",
            "assignee": "ana",
            "labels": [],
            "due": {"date": "2026-05-01", "hard": False},
        },
    ],
    "place_order": [
        {"items": [{"sku": "ABC-1234", "quantity": 2}], "ship_to": {"street": "Main 1", "city": "Oslo"}},
        {
            "items": [{"sku": "XYZ-0001", "quantity": 1}, {"sku": "QRS-9999", "quantity": 12}],
            "ship_to": {"street": "Rua 5", "city": "Lima"},
        },
    ],
    "send_notification": [
        {"channel": {"kind": "email", "address": "a@b.org"}, "text": "Your order shipped."},
        {"channel": {"kind": "sms", "number": "+4790000000"}, "text": "Code 1234"},
    ],
    "tag_document": [
        {"document_id": "d-17", "tags": ["draft", "legal"]},
        {"document_id": "d-18", "tags": []},
    ],
    "plan_route": [
        {"vehicle": "car", "stops": [{"code": "OSL"}, {"code": "BGO", "wait_minutes": 30}]},
        {"vehicle": "bike", "stops": [{"code": "AAA"}, {"code": "BBB"}, {"code": "CCC", "wait_minutes": 0}]},
    ],
}


def build_tools() -> dict[str, list[Tool]]:
    """The schema classes: catalog (14), bfcl (1), wild (5), own (1)."""
    specs = sorted(catalog_specs(), key=lambda s: s.tool.name)
    catalog = [s.tool for s in specs[:: max(1, len(specs) // 14)][:14]]
    return {
        "catalog": catalog,
        "bfcl": [to_tool(BFCL_ROW)],
        "wild": [to_tool(spec) for spec in WILD],
        "own": [to_tool(OWN)],
    }


# --- the calls ------------------------------------------------------------------------------------


def valid_calls(tools: list[Tool], n: int, rng: random.Random) -> list[Call]:
    pools = {s.tool.name: s.pools for s in catalog_specs()}
    out: list[Call] = []
    while len(out) < n:
        tool = tools[len(out) % len(tools)]
        if tool.name in WILD_VALID:
            args = copy.deepcopy(rng.choice(WILD_VALID[tool.name]))
        else:
            args = sample_object(tool.parameters, rng, pools.get(tool.name, {}), optional_rate=0.5)
        out.append({"name": tool.name, "arguments": args})
    return out


def invalid_call(call: Call, rng: random.Random) -> Call:
    """The call with one or two of the mistakes models make."""
    args = copy.deepcopy(call["arguments"])
    for _ in range(rng.randint(1, 2)):
        mistake = rng.randrange(4)
        if mistake == 0 and args:
            args.pop(next(iter(args)))  # drop a (usually required) argument
        elif mistake == 1:
            args["invented"] = "x"  # an argument the tool does not have
        elif mistake == 2 and args:
            args[rng.choice(list(args))] = {"no": "object expected here"}  # wrong type
        else:
            key = rng.choice(list(args)) if args else "x"
            args[key] = -1  # often out of bounds, or the wrong type
    return {"name": call["name"], "arguments": args}


# --- timing ---------------------------------------------------------------------------------------


def per_call_us(fn: Callable[[Any], object], items: list[Any]) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) / len(items) * 1e6


def side_by_side(
    fns: dict[str, Callable[[Any], object]], items: list[Any], repeats: int, chunk: int = 50
) -> tuple[dict[str, float], float]:
    """Median µs per item of each function, and the median of the paired ratios of the second to the
    first (the baseline).

    The items are timed in chunks of ``chunk``, every function on the same chunk one after another
    (in alternating order), so that each pair of samples sees the same machine; on a shared machine
    a sample that a context switch hit is an outlier that the medians leave out.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    ratios: list[float] = []
    order = list(fns.items())
    first, second = list(fns)[:2]
    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    for r in range(repeats):
        for part in chunks:
            sample = {name: per_call_us(fn, part) for name, fn in (order if r % 2 == 0 else order[::-1])}
            for name, value in sample.items():
                times[name].append(value)
            ratios.append(sample[second] / sample[first])
    return {name: statistics.median(t) for name, t in times.items()}, statistics.median(ratios)


TAG = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="calls per schema class and kind")
    parser.add_argument("--repeats", type=int, default=21)
    opts = parser.parse_args()
    rng = random.Random(0)
    classes = build_tools()
    every = [t for tools in classes.values() for t in tools]
    box = Toolbox(every)
    # The closed schemas fncall validates against, compiled by each engine once.
    closed = {name: schema.schema for name, schema in box._schemas.items()}
    raw = {name: jsonschema_rs.validator_for(s) for name, s in closed.items()}
    python = {name: Draft202012Validator(s) for name, s in closed.items()}
    try:
        import fastjsonschema

        fast: dict[str, Callable[[Any], Any]] | None = {
            n: fastjsonschema.compile(s) for n, s in closed.items()
        }
    except ImportError:
        fast = None

    def fast_ok(call: Call) -> bool:
        assert fast is not None
        try:
            fast[call["name"]](call["arguments"])
        except Exception:  # fastjsonschema's JsonSchemaValueException
            return False
        return True

    print(f"{len(every)} schemas, {opts.calls} calls per class and kind, median of {opts.repeats} runs")
    rows: list[tuple[str, ...]] = []
    for label, tools in [*classes.items(), ("all", every)]:
        good = valid_calls(tools, opts.calls, rng)
        bad = [b for b in (invalid_call(c, rng) for c in good) if not raw[b["name"]].is_valid(b["arguments"])]
        for call in good + bad:  # the same verdict everywhere, or the timing means nothing
            verdict = raw[call["name"]].is_valid(call["arguments"])
            reference = python[call["name"]].is_valid(call["arguments"])
            assert verdict == (box.validate_call(call) == []) == reference, call
            assert fast is None or fast_ok(call) == verdict, call
        valid, valid_ratio = side_by_side(
            {
                "raw": lambda c: raw[c["name"]].is_valid(c["arguments"]),
                "fncall": box.validate_call,
                "jsonschema": lambda c: python[c["name"]].is_valid(c["arguments"]),
                **({"fastjsonschema": fast_ok} if fast else {}),
            },
            good,
            opts.repeats,
        )
        invalid, invalid_ratio = side_by_side(
            {
                "raw": lambda c: list(raw[c["name"]].iter_errors(c["arguments"])),
                "fncall": box.validate_call,
                "jsonschema": lambda c: list(python[c["name"]].iter_errors(c["arguments"])),
            },
            bad,
            opts.repeats,
        )
        rows.append(
            (
                f"{label} ({len(tools)})",
                f"{valid['fncall']:.2f}",
                f"{valid['raw']:.2f}",
                f"{valid_ratio:.2f}x",
                f"{invalid['fncall']:.2f}",
                f"{invalid['raw']:.2f}",
                f"{invalid_ratio:.2f}x",
                f"{valid['jsonschema']:.1f}",
                f"{valid['fastjsonschema']:.2f}" if fast else "-",
                f"{invalid['jsonschema']:.1f}",
            )
        )

    header = (
        "schemas",
        "valid fncall",
        "rs is_valid",
        "ratio",
        "invalid fncall",
        "rs iter_errors",
        "ratio",
        "jsonschema",
        "fastjsonschema",
        "jsonschema all errors",
    )
    print("\nµs per call (valid: verdict; invalid: every error)")
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(row))

    # A clean reply, read and checked: check_output against a regex, json.loads and raw jsonschema-rs.
    replies = [f"<tool_call>{json.dumps(c)}</tool_call>" for c in valid_calls(every, opts.calls, rng)]
    replies += [
        "<think>Two cities.</think>\n"
        + "\n".join(f"<tool_call>{json.dumps(c)}</tool_call>" for c in valid_calls(every, 2, rng))
        for _ in range(opts.calls // 4)
    ]

    def baseline(text: str) -> bool:
        ok = True
        for block in TAG.findall(text):
            call = json.loads(block)
            ok = raw[call["name"]].is_valid(call["arguments"]) and ok
        return ok

    for text in replies:
        assert baseline(text) and check_output(text, box).valid, text
    clean, clean_ratio = side_by_side(
        {"baseline": baseline, "fncall": lambda t: check_output(t, box)}, replies, opts.repeats
    )
    print(
        f"\ncheck_output on a clean reply: {clean['fncall']:.2f} µs; regex + json.loads + rs: "
        f"{clean['baseline']:.2f} µs; ratio {clean_ratio:.2f}x"
    )


if __name__ == "__main__":
    main()
