from __future__ import annotations

from typing import Any

import pytest

from fncall_data.errors import FncallError
from fncall_data.issues import Issue
from fncall_data.types import Tool, ToolCall
from fncall_data.validate import Toolbox, validate_call, validate_calls


def codes(issues: list[Issue]) -> list[tuple[str, str]]:
    return [(i.code, i.path) for i in issues]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"city": "Paris"}, []),
        ({}, [("missing_required", "$.arguments.city")]),
        ({"city": "Paris", "country": "FR"}, [("unexpected_argument", "$.arguments.country")]),
        ({"city": 3}, [("wrong_type", "$.arguments.city")]),
        ({"city": ""}, [("too_short", "$.arguments.city")]),
        ({"city": "Oslo", "unit": "kelvin"}, [("not_in_enum", "$.arguments.unit")]),
        ({"city": "Oslo", "days": 0}, [("below_minimum", "$.arguments.days")]),
        ({"city": "Oslo", "days": 15}, [("above_maximum", "$.arguments.days")]),
        ({"city": "Oslo", "days": True}, [("wrong_type", "$.arguments.days")]),
        ({"city": "Oslo", "days": 2.0}, []),  # Draft 2020-12: 2.0 is an integer
        ({"city": "Oslo", "date": "2026-02-30"}, []),  # format is an annotation unless asked for
        (
            {"city": "Oslo", "stops": [{"code": "OSL"}, {"code": "osl"}, {}]},
            [
                ("pattern_mismatch", "$.arguments.stops[1].code"),
                ("missing_required", "$.arguments.stops[2].code"),
            ],
        ),
    ],
)
def test_each_problem_has_its_code_and_path(
    tools: list[Tool], arguments: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert codes(validate_call({"name": "get_weather", "arguments": arguments}, tools)) == expected


def test_all_problems_are_reported_at_once(tools: list[Tool]) -> None:
    call = ToolCall(name="get_weather", arguments={"unit": "K", "days": 99, "extra": 1})
    assert sorted(c for c, _ in codes(Toolbox(tools).validate_call(call))) == [
        "above_maximum",
        "missing_required",
        "not_in_enum",
        "unexpected_argument",
    ]


def test_unknown_tool_suggests_the_closest_name(tools: list[Tool]) -> None:
    [issue] = validate_call({"name": "get_wether", "arguments": {}}, tools)
    assert issue.code == "unknown_tool"
    assert "did you mean 'get_weather'?" in issue.message


def test_parallel_calls_carry_their_index(tools: list[Tool]) -> None:
    calls = [
        {"name": "get_weather", "arguments": {"city": "Paris"}},
        {"name": "convert_currency", "arguments": {"amount": -1, "to": "EUR"}},
        {"name": "nope", "arguments": {}},
    ]
    assert [(i.code, i.path, i.call_index) for i in validate_calls(calls, tools)] == [
        ("below_minimum", "$[1].arguments.amount", 1),
        ("unknown_tool", "$[2].name", 2),
    ]


def test_arguments_that_are_not_an_object(tools: list[Tool]) -> None:
    assert codes(validate_call({"name": "get_weather", "arguments": "Paris"}, tools)) == [
        ("bad_arguments", "$.arguments")
    ]
    assert codes(validate_call({"arguments": {}}, tools)) == [("not_a_call", "$.name")]


def test_a_tool_that_allows_extra_keys_keeps_them() -> None:
    tool = Tool(name="log", parameters={"type": "object", "properties": {}, "additionalProperties": True})
    assert validate_call({"name": "log", "arguments": {"anything": 1}}, [tool]) == []


def test_composites_references_and_unique_items_have_their_codes() -> None:
    tool = Tool(
        name="pick",
        parameters={
            "type": "object",
            "properties": {
                "x": {"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 2}]},
                "tags": {"type": "array", "uniqueItems": True},
                "ref": {"$ref": "#/$defs/code"},
            },
            "$defs": {"code": {"type": "string", "pattern": "^[a-z]+$"}},
        },
    )
    box = Toolbox([tool])
    assert box.validate_call({"name": "pick", "arguments": {"x": 3, "tags": [1, 2], "ref": "abc"}}) == []
    bad = box.validate_call({"name": "pick", "arguments": {"x": "long", "tags": [1, 1], "ref": "ABC"}})
    assert sorted(codes(bad)) == [
        ("duplicate_items", "$.arguments.tags"),
        ("pattern_mismatch", "$.arguments.ref"),
        ("schema_violation", "$.arguments.x"),
    ]


def test_duplicate_tool_names_are_a_user_error(tools: list[Tool]) -> None:
    with pytest.raises(FncallError, match="two tools are named 'get_weather'"):
        Toolbox([*tools, tools[0]])
