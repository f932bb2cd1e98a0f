from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from fncall_data.errors import InputError
from fncall_data.types import Message, Record, Tool, ToolCall, describe_validation_error, parse_record


def test_record_round_trips_to_the_canonical_json(good_record: dict[str, Any]) -> None:
    record = Record.model_validate(good_record)
    assert json.loads(record.to_json()) == good_record
    assert Record.model_validate_json(record.to_json()) == record


def test_errors_name_the_field_and_the_bad_value(good_record: dict[str, Any]) -> None:
    good_record["messages"][1]["role"] = "human"
    with pytest.raises(InputError) as info:
        parse_record(good_record, file="d.jsonl", line=7)
    message = str(info.value)
    assert message.startswith("d.jsonl:7: messages.1")
    assert "'human'" in message


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"role": "user"}, "a user message needs content"),
        ({"role": "user", "content": "x", "tool_calls": [{"name": "f"}]}, "a user message has only content"),
        ({"role": "assistant"}, "an assistant message needs content or tool_calls"),
        ({"role": "assistant", "content": "x", "tool_call_id": "c"}, "tool_call_id belongs on tool messages"),
        ({"role": "tool", "content": "{}"}, "a tool message needs tool_call_id or name"),
        ({"role": "tool", "tool_call_id": "c"}, "a tool message needs content"),
        (
            {"role": "robot", "content": "x"},
            "role: Input should be 'system', 'user', 'assistant' or 'tool' (got 'robot')",
        ),
    ],
)
def test_message_rules(message: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError) as info:
        Message.model_validate(message)
    assert any(expected in line for line in describe_validation_error(info.value)), describe_validation_error(
        info.value
    )


def test_tool_rejects_a_schema_that_is_not_an_object_schema() -> None:
    with pytest.raises(ValidationError, match='must have "type": "object"'):
        Tool(name="f", parameters={"type": "string"})
    with pytest.raises(ValidationError, match="not a valid JSON Schema at properties/x/type"):
        Tool(name="f", parameters={"type": "object", "properties": {"x": {"type": "strin"}}})
    with pytest.raises(ValidationError, match="name"):
        Tool(name="bad name", parameters={"type": "object"})


def test_tool_call_arguments_must_be_an_object() -> None:
    with pytest.raises(ValidationError, match="arguments"):
        ToolCall.model_validate({"name": "f", "arguments": '{"a": 1}'})
    assert ToolCall(name="weather.get").arguments == {}
