"""Differential test: fncall's engine (jsonschema-rs) gives the verdict of the reference implementation,
Python's jsonschema, on generated schemas and values, with ``format`` as an annotation in both."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from fncall_data.schema_engine import compile_schema
from fncall_data.validate import validate_value

KEYS = ["a", "b", "c", "d e"]
STRINGS = [
    "",
    "a",
    "ab",
    "abc",
    "b",
    "2024-01-31",
    "2024-02-30",
    "x@y.org",
    "nobody",
    "12:30:00Z",
    "2024-01-31T12:30:00Z",
    "10.0.0.1",
    "::1",
    "zz9",
    "123e4567-e89b-12d3-a456-426614174000",
]
NUMBERS = [0, 1, 2, 3, -1, 5, 10, 2.0, 2.5, 0.5, 0.1, 0.3, -2.5, 7.5, 1e9]
TYPES = ["string", "integer", "number", "boolean", "null", "array", "object"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(NUMBERS),
    st.integers(-20, 20),
    st.floats(-50, 50, allow_nan=False),
    st.sampled_from(STRINGS),
    st.text(max_size=4),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)


def _leaf_keywords(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    kind = draw(st.sampled_from(["number", "string", "enum", "const", "none", "type_only"]))
    if kind == "number":
        for kw in draw(
            st.sets(st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]))
        ):
            schema[kw] = draw(st.sampled_from(NUMBERS))
        if draw(st.booleans()):
            # Steps exact in binary: for 0.1 the engine decides as decimal arithmetic does (0.3 is a
            # multiple) and Python's jsonschema as float division does (it is not); see the edge cases.
            schema["multipleOf"] = draw(st.sampled_from([2, 3, 0.5, 0.25, 2.5, 1]))
    elif kind == "string":
        if draw(st.booleans()):
            schema["minLength"] = draw(st.integers(0, 3))
        if draw(st.booleans()):
            schema["maxLength"] = draw(st.integers(0, 3))
        if draw(st.booleans()):
            schema["pattern"] = draw(st.sampled_from(["^a", "b$", "[0-9]+", "^$", "e"]))
        if draw(st.booleans()):
            schema["format"] = draw(
                st.sampled_from(["date", "date-time", "time", "email", "ipv4", "ipv6", "uuid", "unknown-fmt"])
            )
    elif kind == "enum":
        schema["enum"] = draw(st.lists(scalars, min_size=1, max_size=4))
    elif kind == "const":
        schema["const"] = draw(json_values)
    return schema


@st.composite
def schemas(draw: st.DrawFn, depth: int = 0) -> Any:
    """A schema of the keywords tools use most, with now and then a composite or a reference."""
    if depth > 0 and draw(st.integers(0, 9)) == 0:
        return draw(st.booleans())
    schema: dict[str, Any] = {}
    if draw(st.integers(0, 3)):
        types = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=2, unique=True))
        schema["type"] = types[0] if len(types) == 1 else types
    schema.update(_leaf_keywords(draw))
    if depth < 2 and draw(st.booleans()):
        if draw(st.booleans()):
            names = draw(st.lists(st.sampled_from(KEYS), max_size=3, unique=True))
            schema["properties"] = {n: draw(schemas(depth + 1)) for n in names}
            schema["required"] = draw(st.lists(st.sampled_from(KEYS), max_size=2, unique=True))
            extra = draw(st.sampled_from(["absent", "false", "true", "schema"]))
            if extra in ("false", "true"):
                schema["additionalProperties"] = extra == "true"
            elif extra == "schema":
                schema["additionalProperties"] = draw(schemas(depth + 1))
            if draw(st.integers(0, 3)) == 0:
                schema["minProperties"] = draw(st.integers(0, 2))
            if draw(st.integers(0, 3)) == 0:
                schema["maxProperties"] = draw(st.integers(0, 3))
        else:
            if draw(st.booleans()):
                schema["items"] = draw(schemas(depth + 1))
            if draw(st.integers(0, 2)) == 0:
                schema["prefixItems"] = draw(st.lists(schemas(depth + 1), min_size=1, max_size=2))
            if draw(st.booleans()):
                schema["minItems"] = draw(st.integers(0, 2))
            if draw(st.booleans()):
                schema["maxItems"] = draw(st.integers(0, 3))
    # Composites and references, which the engine must get as right as the plain keywords.
    roll = draw(st.integers(0, 11))
    if roll == 0:
        schema["anyOf"] = [draw(schemas(depth + 1)), draw(schemas(depth + 1))]
    elif roll == 1:
        schema["not"] = draw(schemas(depth + 1))
    elif roll == 2:
        schema["uniqueItems"] = True
    elif roll == 3:
        schema["patternProperties"] = {"^a": draw(schemas(depth + 1))}
    elif roll == 4 and depth == 0:
        schema["$defs"] = {"d": draw(schemas(depth + 1))}
        schema["properties"] = {**schema.get("properties", {}), "b": {"$ref": "#/$defs/d"}}
    return schema


def _values_for(draw: st.DrawFn, schema: Any) -> Any:
    """A value shaped like the schema half the time (so valid values are common), else anything."""
    if draw(st.booleans()) or not isinstance(schema, dict):
        return draw(json_values)
    if "enum" in schema and draw(st.booleans()):
        return draw(st.sampled_from(schema["enum"]))
    if "properties" in schema:
        return {
            k: _values_for(draw, sub) for k, sub in schema["properties"].items() if draw(st.integers(0, 4))
        }
    if "items" in schema or "prefixItems" in schema:
        return [_values_for(draw, schema.get("items", True)) for _ in range(draw(st.integers(0, 3)))]
    return draw(json_values)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Any, Any]:
    schema = draw(schemas())
    return schema, _values_for(draw, schema)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_verdict_equals_jsonschema(case: tuple[Any, Any]) -> None:
    schema, value = case
    Draft202012Validator.check_schema(schema)
    expected = Draft202012Validator(schema).is_valid(value)
    compiled = compile_schema(schema)
    assert compiled.is_valid(value) == expected
    # The error path must agree with the verdict: errors exactly when invalid.
    assert (compiled.errors(value) == []) == expected
    assert (validate_value(value, schema) == []) == expected


@pytest.mark.parametrize(
    ("schema", "valid", "invalid"),
    [
        ({"type": "integer"}, [1, 2.0, -3], [True, 1.5, "1", None]),
        ({"type": "number", "multipleOf": 0.1}, [0.5, 1, 2.5], [0.35]),
        ({"enum": [1, "a", None]}, [1.0, "a", None], [True, "b", 2]),
        ({"const": [1, {"a": False}]}, [[1.0, {"a": False}]], [[True, {"a": 0}]]),
        ({"prefixItems": [{"type": "string"}], "items": False}, [["a"], []], [["a", 1], [2]]),
    ],
)
def test_known_edge_cases(schema: dict[str, Any], valid: list[Any], invalid: list[Any]) -> None:
    compiled = compile_schema(schema)
    reference = Draft202012Validator(schema)
    for v in valid:
        assert compiled.is_valid(v) and reference.is_valid(v), v
    for v in invalid:
        assert not compiled.is_valid(v) and not reference.is_valid(v), v


@pytest.mark.parametrize(
    ("schema", "valid", "invalid"),
    [
        ({"format": "date"}, ["2024-02-29", 5], ["2023-02-29", "2024-2-1"]),
        ({"type": "string", "format": "date-time"}, ["2024-01-31T12:30:00Z"], ["2024-01-31 12:30"]),
    ],
)
def test_known_format_cases_under_strict_format(
    schema: dict[str, Any], valid: list[Any], invalid: list[Any]
) -> None:
    # No reference here: which formats Python's jsonschema asserts depends on optional packages.
    strict = compile_schema(schema, strict_format=True)
    for v in valid:
        assert strict.is_valid(v), v
    for v in invalid:
        assert not strict.is_valid(v), v
        assert compile_schema(schema).is_valid(v), v  # by default format is an annotation


def test_a_multiple_of_a_decimal_step_is_decided_as_decimals() -> None:
    # 0.3 / 0.1 is 2.9999999999999996 in floats: Python's jsonschema rejects 0.3, the engine (and
    # the JSON-Schema-Test-Suite's intent, a multiple in decimal) accepts it. Documented in the README.
    assert compile_schema({"multipleOf": 0.1}).is_valid(0.3)
    assert not Draft202012Validator({"multipleOf": 0.1}).is_valid(0.3)
