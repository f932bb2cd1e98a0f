"""Hand-built records and predictions for the evaluation tests (plain data, no fixtures)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fncall_data.types import Record
from fncall_eval.scoring import ExampleScore

WEATHER: dict[str, Any] = {
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
CURRENCY: dict[str, Any] = {
    "name": "convert_currency",
    "description": "Convert an amount between currencies.",
    "parameters": {
        "type": "object",
        "properties": {"amount": {"type": "number"}, "to": {"type": "string"}},
        "required": ["amount", "to"],
    },
}


def record(
    ident: str,
    category: str,
    calls: list[dict[str, Any]] | None = None,
    *,
    content: str = "Sure.",
    answers: list[dict[str, Any]] | None = None,
    question: str = "Help me.",
) -> Record:
    """A record whose evaluated turn makes ``calls`` (or answers with ``content`` when None)."""
    turn: dict[str, Any] = (
        {"role": "assistant", "tool_calls": [{"name": c["name"], "arguments": c["arguments"]} for c in calls]}
        if calls
        else {"role": "assistant", "content": content}
    )
    return Record.model_validate(
        {
            "id": ident,
            "category": category,
            "tools": [WEATHER, CURRENCY],
            "messages": [{"role": "user", "content": question}, turn],
            "answers": answers,
        }
    )


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def tag(*calls: dict[str, Any]) -> str:
    """Model text with one ``<tool_call>`` block per call."""
    return "".join(f"<tool_call>{json.dumps(c)}</tool_call>" for c in calls)


# The hand-scored set used by the CLI score test and the metrics test: 6 examples.
HAND_RECORDS = [
    record("s1", "simple", [call("get_weather", city="Paris")]),
    record("s2", "simple", [call("get_weather", city="Rome", unit="celsius")]),
    record("p1", "parallel", [call("get_weather", city="Paris"), call("get_weather", city="Rome")]),
    record("i1", "irrelevance", content="I cannot help with that."),
    record("i2", "irrelevance", content="No tool for that."),
    record("m1", "missing_param", content="Which city?"),
]
HAND_OUTPUTS = {
    # right, after a python-literal repair
    "s1": "<tool_call>{'name': 'get_weather', 'arguments': {'city': 'Paris'}}</tool_call>",
    # right tool, one argument wrong: given 2, right 1, gold 2
    "s2": tag(call("get_weather", city="Rome", unit="fahrenheit")),
    # both calls right, reversed order: given 2, right 2, gold 2
    "p1": tag(call("get_weather", city="Rome"), call("get_weather", city="Paris")),
    # a correct abstention
    "i1": "That is not something my tools can do.",
    # a malformed attempt: never an abstention
    "i2": '<tool_call>{"name": "get_weather", "arguments": </tool_call>',
    # invents a city and calls a tool that was never offered
    "m1": tag(call("get_forecast", city="Paris")),
}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_hand_set(folder: Path) -> tuple[Path, Path]:
    """The hand set's records and predictions as files: (test.jsonl, predictions.jsonl)."""
    data = write_jsonl(folder / "test.jsonl", [r.to_dict() for r in HAND_RECORDS])
    preds = write_jsonl(folder / "preds.jsonl", [{"id": k, "text": v} for k, v in HAND_OUTPUTS.items()])
    return data, preds


def example(ident: str, exact: bool, category: str = "simple") -> ExampleScore:
    """A scored single-call example that is right (``exact``) or has its one argument wrong."""
    return ExampleScore(
        id=ident,
        category=category,
        expects_call=True,
        status="calls",
        outcome="correct" if exact else "wrong_call",
        json_valid=True,
        repairs=(),
        schema_valid=True,
        tools_right=True,
        args_right=1 if exact else 0,
        args_given=1,
        args_gold=1,
        call_exact=exact,
        calls_made=1,
        hallucinated_calls=0,
    )
