"""Schemas in the dialects tools use in the wild: normalised to Draft 2020-12, or refused clearly.

Draft 7 (``definitions``, tuple ``items``, ``dependencies``), Draft 4 / OpenAPI 3.0 (boolean
``exclusiveMinimum``, ``nullable``) and BFCL's Gorilla types (``dict``, ``float``, ``tuple``) each
become the schema a :class:`Tool` holds, and calls are checked against it; a schema that cannot be
read is a :class:`FncallError` naming the tool and the place, never a TypeError.
"""

from __future__ import annotations

from typing import Any

import pytest

from fncall_data import FncallError, Toolbox, to_tool
from fncall_data.dialects import older_to_json_schema, uses_older_keywords

DRAFT7 = {
    "name": "plot",
    "parameters": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "point": {
                "type": "array",
                "items": [{"type": "number"}, {"type": "number"}],
                "additionalItems": False,
            },
            "style": {"$ref": "#/definitions/Style"},
            "label": {"type": "string"},
        },
        "definitions": {"Style": {"enum": ["dot", "cross"]}},
        "dependencies": {"label": ["style"], "style": {"required": ["point"]}},
    },
}
OPENAPI = {
    "type": "function",
    "function": {
        "name": "find_user",
        "parameters": {
            "type": "object",
            "properties": {
                "email": {"type": "string", "nullable": True},
                "age": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "maximum": 150},
                "role": {"type": "string", "enum": ["admin", "user"], "nullable": True},
            },
            "required": ["email"],
        },
    },
}
BFCL = {
    "name": "geometry.area",
    "parameters": {
        "type": "dict",
        "properties": {
            "sides": {"type": "tuple", "items": {"type": "float"}},
            "options": {"type": "dict", "properties": {"round": {"type": "boolean"}}},
        },
        "required": ["sides"],
    },
}


def test_each_dialect_becomes_draft_2020_12() -> None:
    assert to_tool(DRAFT7).parameters == {
        "type": "object",
        "properties": {
            "point": {
                "type": "array",
                "prefixItems": [{"type": "number"}, {"type": "number"}],
                "items": False,
            },
            "style": {"$ref": "#/definitions/Style"},
            "label": {"type": "string"},
        },
        "definitions": {"Style": {"enum": ["dot", "cross"]}},
        "dependentRequired": {"label": ["style"]},
        "dependentSchemas": {"style": {"required": ["point"]}},
    }
    assert to_tool(OPENAPI).parameters == {
        "type": "object",
        "properties": {
            "email": {"type": ["string", "null"]},
            "age": {"type": "integer", "exclusiveMinimum": 0, "maximum": 150},
            "role": {"type": ["string", "null"], "enum": ["admin", "user", None]},
        },
        "required": ["email"],
    }
    assert to_tool(BFCL).parameters == {
        "type": "object",
        "properties": {
            "sides": {"type": "array", "items": {"type": "number"}},
            "options": {"type": "object", "properties": {"round": {"type": "boolean"}}},
        },
        "required": ["sides"],
    }
    assert DRAFT7["parameters"]["dependencies"] == {"label": ["style"], "style": {"required": ["point"]}}


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("plot", {"point": [1, 2.5], "style": "dot", "label": "A"}, []),
        (
            "plot",
            {"point": [1, 2, 3], "label": "A"},
            [("unexpected_item", "$.arguments.point[2]"), ("missing_required", "$.arguments.style")],
        ),
        (
            "plot",
            {"style": "star"},
            [("not_in_enum", "$.arguments.style"), ("missing_required", "$.arguments.point")],
        ),
        ("find_user", {"email": None, "role": None, "age": 1}, []),
        ("find_user", {"email": "a@b.org", "age": 0}, [("below_minimum", "$.arguments.age")]),
        ("geometry.area", {"sides": [3, 4.5]}, []),
        ("geometry.area", {"sides": "3,4"}, [("wrong_type", "$.arguments.sides")]),
    ],
)
def test_calls_are_checked_against_the_normalised_schema(
    name: str, arguments: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    box = Toolbox([DRAFT7, OPENAPI, BFCL])
    got = [(i.code, i.path) for i in box.validate_call({"name": name, "arguments": arguments})]
    assert sorted(got) == sorted(expected)


def test_current_schemas_are_left_alone() -> None:
    schema = {"type": "object", "properties": {"x": {"type": "array", "prefixItems": [{"type": "string"}]}}}
    assert not uses_older_keywords(schema)
    assert to_tool({"name": "f", "parameters": schema}).parameters == schema
    # a value that happens to hold an old keyword's name is data, not schema
    assert not uses_older_keywords({"type": "object", "properties": {"x": {"const": {"nullable": True}}}})
    assert older_to_json_schema({"type": "string", "nullable": False}) == {"type": "string"}


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"type": "object", "properties": []}, "tool 'z': parameters: not a valid JSON Schema at properties"),
        ({"type": "object", "required": "x"}, "tool 'z': parameters: not a valid JSON Schema at required"),
        (
            {"type": "object", "properties": {"a": {"nullable": "yes"}}},
            "tool 'z': parameters.properties.a.nullable",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "dict2"}}},
            "tool 'z': parameters: not a valid JSON",
        ),
        (
            {"type": "object", "properties": {"a": {"items": 5}}},
            "tool 'z': parameters: not a valid JSON Schema",
        ),
        ({"type": "dict", "properties": {"a": {"type": "float64"}}}, "tool 'z': parameters.a: unknown type"),
        (
            {"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}},
            "tool 'z': the schema cannot be",
        ),
    ],
)
def test_unreadable_schemas_are_refused_with_a_clear_error(parameters: dict[str, Any], message: str) -> None:
    with pytest.raises(FncallError) as info:
        Toolbox([{"name": "z", "parameters": parameters}])
    assert str(info.value).startswith(message), str(info.value)
