"""Values the engine cannot read (integers past Python's 4,300-digit limit, lone surrogates) are issues.

Validation never raises on them: each is reported where it sits, ``too_large`` or ``invalid_unicode``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from fncall_data.check import check_output
from fncall_data.generate import catalog_specs
from fncall_data.types import Tool, ToolCall
from fncall_data.validate import Toolbox, validate_value

HUGE = 10**5000  # 5,001 digits: int(str) and str(int) refuse it by default
TOOL = Tool(
    name="f",
    parameters={
        "type": "object",
        "properties": {
            "n": {"type": "integer", "maximum": 5},
            "m": {"type": "integer"},
            "x": {"minimum": 0},
            "s": {"type": "string", "maxLength": 3},
            "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}},
        },
    },
)


def issues(arguments: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i.code, i.path) for i in Toolbox([TOOL]).validate_call({"name": "f", "arguments": arguments})]


def test_an_integer_too_long_to_read_is_too_large_wherever_numbers_are_checked() -> None:
    assert issues({"n": HUGE}) == [("too_large", "$.arguments.n")]  # the engine alone would pass it
    assert issues({"m": -HUGE}) == [("too_large", "$.arguments.m")]
    assert issues({"x": HUGE}) == [("too_large", "$.arguments.x")]
    assert issues({"n": 3, "m": 2**70, "x": 2.5}) == []  # long but readable integers are checked
    assert [(i.code, i.path) for i in validate_value(HUGE, {"type": "integer"})] == [("too_large", "$")]


def test_where_the_type_is_wrong_anyway_the_type_is_reported() -> None:
    [issue] = Toolbox([TOOL]).validate_call({"name": "f", "arguments": {"s": HUGE}})
    assert issue == (
        "wrong_type",
        "expected string, got integer (an integer too long to print)",
        "$.arguments.s",
        None,
    )


def test_a_lone_surrogate_is_invalid_unicode() -> None:
    assert issues({"s": "\ud800abcd"}) == [("invalid_unicode", "$.arguments.s")]
    assert issues({"tags": ["ok", "\udfff"]}) == [("invalid_unicode", "$.arguments.tags[1]")]
    assert issues({"\ud800": 1}) == [("invalid_unicode", '$.arguments["?"]')]
    assert issues({"s": "\ud800"}) == []  # nothing here needs the text: the engine passes it unread


def test_check_output_reports_them_from_text_objects_and_calls() -> None:
    box = Toolbox([TOOL])
    text = '<tool_call>{"name": "f", "arguments": {"s": "\\ud800abcd"}}</tool_call>'
    # read from text or from an object, such a call is refused by extraction before validation
    found = [(i.code, i.path) for i in check_output(text, box).issues]
    assert found == [("invalid_unicode", "$.arguments.s")]
    result = check_output({"name": "f", "arguments": {"n": HUGE}}, box)
    assert [i.code for i in result.issues] == ["too_large"] and not result.extraction.calls
    call = ToolCall(name="f", arguments={"n": HUGE, "s": "\ud800abcd"})
    assert sorted((i.code, i.path) for i in box.validate_call(call)) == [
        ("invalid_unicode", "$.arguments.s"),
        ("too_large", "$.arguments.n"),
    ]


CODES = {
    "too_large",
    "invalid_unicode",
    "missing_required",
    "unexpected_argument",
    "wrong_type",
    "not_in_enum",
    "const_mismatch",
    "below_minimum",
    "above_maximum",
    "not_multiple_of",
    "too_short",
    "too_long",
    "pattern_mismatch",
    "bad_format",
    "too_few_items",
    "too_many_items",
    "unexpected_item",
    "duplicate_items",
    "too_few_properties",
    "too_many_properties",
    "schema_violation",
}
BOX = Toolbox([s.tool for s in catalog_specs()])
NAMES = sorted(BOX.tools)
odd = st.one_of(
    st.sampled_from([5000, 4400]).map(lambda digits: 10**digits),  # past the limit (built, not shown)
    st.sampled_from([5000, 4400]).map(lambda digits: -(10**digits) - 7),
    st.sampled_from(["\ud800", "a\udfffb", "ok"]),
    st.integers(-(2**80), 2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
    st.booleans(),
    st.text(max_size=5),
)
values = st.recursive(
    odd,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@seed(15)
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(NAMES), st.data())
def test_no_argument_value_makes_validation_raise(name: str, data: st.DataObject) -> None:
    properties = [*BOX.tools[name].parameters.get("properties", {}), "extra"]
    arguments = data.draw(st.dictionaries(st.sampled_from(properties), values, max_size=4))
    found = BOX.validate_call({"name": name, "arguments": arguments}, 0)
    assert {i.code for i in found} <= CODES
    assert all(i.path.startswith("$[0].arguments") and i.call_index == 0 for i in found)
    strict = Toolbox([BOX.tools[name]], strict_format=True).validate_call(
        {"name": name, "arguments": arguments}
    )
    assert {i.code for i in strict} <= CODES
