"""The fast path of extraction gives exactly what the tolerant reader gives, on clean and near-clean text."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from fncall_data.extract import _extract_tolerant, _read_clean, extract


def tolerant(text: str) -> object:
    return _extract_tolerant(text, strict=False, max_chars=200_000, max_depth=64)


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>',
        '  <think> why </think>\n<tool_call>\n{"name": "f", "arguments": {}, "id": "c1"}\n</tool_call>\n',
        '<tool_call>{"name": "f", "arguments": {}}</tool_call> '
        '<tool_call>{"name": "g", "arguments": {"x": [1.5]}}</tool_call>',
        '{"name": "f", "arguments": {"q": "a < b"}}',
        '<think></think><tool_call>{"name": "f", "arguments": {}}</tool_call>',
    ],
)
def test_clean_replies_take_the_fast_path_with_the_same_result(text: str) -> None:
    assert _read_clean(text, 64) is not None
    assert extract(text) == tolerant(text)


@pytest.mark.parametrize(
    "text",
    [
        "<tool_call>{'name': 'f', 'arguments': {}}</tool_call>",  # a Python literal: a repair
        '<tool_call>{"name": "f", "arguments": "{}"}</tool_call>',  # arguments as a string: a repair
        '<tool_call>{"name": "f", "arguments": {}, "x": 1}</tool_call>',  # extra key: a repair
        '<tool_call>{"name": "f", "arguments": {"a": 1, "a": 2}}</tool_call>',  # duplicate key
        '<tool_call>{"name": "f", "arguments": {"a": NaN}}</tool_call>',  # not JSON
        '<tool_call>{"name": "f", "arguments": {"a": 1e999}}</tool_call>',  # out of range
        '<tool_call>{"name": "f", "arguments": {"a": "<think>"}}</tool_call>',  # markup inside
        '<tool_call>{"name": "f", "arguments": {"a": "<tool_call>"}}</tool_call>',
        '{"name": "f", "arguments": {"a": "<tool_call>x</tool_call>"}}',
        'Sure: <tool_call>{"name": "f", "arguments": {}}</tool_call>',  # text around the call
        '<tool_call>{"name": "f", "arguments": {}}</tool_call><end_of_turn>',
        '<tool_call>{"name": "f", "arguments": {}}',  # unclosed
        '<tool_call>{"name": "", "arguments": {}}</tool_call>',
        '<tool_call>{"name": "f", "arguments": {}, "id": 3}</tool_call>',
        '<tool_call>{"name": "f", "arguments": {"a": "\\ud800"}}</tool_call>',
        '<tool_call>{"name": "f", "arguments": ' + "[" * 70 + "]" * 70 + "}</tool_call>",
        '{"tool_calls": [{"name": "f", "arguments": {}}]}',
    ],
)
def test_anything_else_gives_way_to_the_tolerant_reader(text: str) -> None:
    assert extract(text) == tolerant(text)
    assert extract(text, strict=True) == _extract_tolerant(text, strict=True, max_chars=200_000, max_depth=64)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.lists(
        st.sampled_from([*"ab <>/{}[]\"'\\\n", "think>", "<tool_call>", "</tool_call>"]), max_size=6
    ).map("".join),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)
calls = st.fixed_dictionaries(
    {"name": st.sampled_from(["f", "get_weather", ""]), "arguments": json_values},
    optional={"id": st.sampled_from(["c1", None, 3]), "type": st.just("function")},
)


@st.composite
def replies(draw: st.DrawFn) -> str:
    blocks = [
        json.dumps(c, ensure_ascii=draw(st.booleans())) for c in draw(st.lists(calls, min_size=1, max_size=3))
    ]
    if len(blocks) == 1 and draw(st.booleans()):
        return draw(st.sampled_from(["", " ", "\n"])) + blocks[0]
    gap = draw(st.sampled_from(["", "\n", " \n "]))
    think = draw(st.sampled_from(["", "<think>plan</think>\n", "<think></think>", "<think>a <b></think>"]))
    return (
        think
        + gap.join(f"<tool_call>{b}</tool_call>" for b in blocks)
        + draw(st.sampled_from(["", "\n", "<eos>"]))
    )


@seed(6)
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies())
def test_fast_and_tolerant_agree_on_generated_replies(text: str) -> None:
    assert extract(text) == tolerant(text)
