from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from fncall_data.contracts import render_contracts, stale_contracts
from fncall_data.types import Message

from .conftest import REPO


def test_checked_in_schemas_match_the_types() -> None:
    assert stale_contracts(REPO / "schemas") == [], "run `fncall schema` to regenerate schemas/"


def test_a_sound_record_validates_with_plain_jsonschema(good_record: dict[str, Any]) -> None:
    schema = json.loads(render_contracts()["record.schema.json"])
    Draft202012Validator.check_schema(schema)
    assert list(Draft202012Validator(schema).iter_errors(good_record)) == []


MESSAGES = [
    {"role": "user", "content": "hi"},
    {"role": "user"},
    {"role": "user", "content": "hi", "reasoning": "no"},
    {"role": "assistant", "content": "ok"},
    {"role": "assistant", "tool_calls": [{"name": "f", "arguments": {}}]},
    {"role": "assistant", "tool_calls": []},
    {"role": "assistant"},
    {"role": "tool", "content": "{}", "tool_call_id": "c1"},
    {"role": "tool", "content": "{}", "name": "f"},
    {"role": "tool", "content": "{}"},
    {"role": "tool", "name": "f"},
    {"role": "system", "content": "s", "tool_call_id": "x"},
]


@pytest.mark.parametrize("message", MESSAGES)
def test_the_contract_and_the_type_agree_on_messages(message: dict[str, Any]) -> None:
    schema = json.loads(render_contracts()["record.schema.json"])
    contract = Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/Message"})
    try:
        Message.model_validate(message)
        accepted = True
    except ValidationError:
        accepted = False
    assert contract.is_valid(message) == accepted
