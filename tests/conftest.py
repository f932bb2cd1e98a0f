"""Shared fixtures: a small tool set and a sound record, as plain data."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from fncall_data.types import Tool

REPO = Path(__file__).resolve().parents[1]
#: The project's own sample rows, one file per foreign format (a clone needs nothing beside it).
FORMAT_ROWS = REPO / "tests" / "data" / "formats"

WEATHER: dict[str, Any] = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string", "minLength": 1},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 14},
            "date": {"type": "string", "format": "date"},
            "stops": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}$"}},
                    "required": ["code"],
                },
            },
        },
        "required": ["city"],
    },
}
CURRENCY: dict[str, Any] = {
    "name": "convert_currency",
    "description": "Convert an amount between currencies.",
    "parameters": {
        "type": "object",
        "properties": {"amount": {"type": "number", "exclusiveMinimum": 0}, "to": {"type": "string"}},
        "required": ["amount", "to"],
    },
}

GOOD_RECORD: dict[str, Any] = {
    "id": "w-000017",
    "category": "parallel",
    "tools": [WEATHER],
    "messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {
            "role": "assistant",
            "reasoning": "Two cities, one call each.",
            "tool_calls": [
                {"id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}},
                {"id": "c2", "name": "get_weather", "arguments": {"city": "Rome"}},
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "name": "get_weather", "content": '{"temp_c": 14}'},
        {"role": "tool", "tool_call_id": "c2", "name": "get_weather", "content": '{"temp_c": 19}'},
        {"role": "assistant", "content": "Paris 14 °C, Rome 19 °C."},
    ],
    "answers": None,
    "meta": {"source": "test"},
}


@pytest.fixture
def tools() -> list[Tool]:
    return [Tool.model_validate(WEATHER), Tool.model_validate(CURRENCY)]


@pytest.fixture
def good_record() -> dict[str, Any]:
    return copy.deepcopy(GOOD_RECORD)
