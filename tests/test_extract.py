"""Tests for fncall_data.extract and fncall_data.pyliteral: every form, repair and error code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fncall_data.extract import Extraction, extract
from fncall_data.issues import Issue, Repair
from fncall_data.pyliteral import LiteralParseError, bracket_end, parse_python_calls, parse_python_value
from fncall_data.types import ToolCall
from tests.conftest import FORMAT_ROWS


def calls_of(result: Extraction) -> list[tuple[str, dict[str, Any]]]:
    return [(call.name, call.arguments) for call in result.calls]


def repair_codes(result: Extraction) -> set[str]:
    return {repair.code for repair in result.repairs}


def error_codes(result: Extraction) -> list[str]:
    return [error.code for error in result.errors]


# -- turns of the sample rows in tests/data/formats, carried here as literals ---------------------------

HERMES_GPT = (
    "<tool_call>\n{'arguments': {'tracking_number': 'PX-1042', 'carrier': 'dhl'}, 'name': 'track_parcel'}"
    "\n</tool_call>\n"
    "<tool_call>\n{'arguments': {'tracking_number': 'PX-2087', 'carrier': 'dhl'}, 'name': 'track_parcel'}"
    "\n</tool_call>"
)
SEED_MODEL_1 = (
    "<think>Three ingredients and a 30 minute limit: search_recipes takes the ingredient list and "
    "max_minutes.\n</think><tool_call>\n{'name': 'search_recipes', 'arguments': {'ingredients': "
    "['chickpeas', 'spinach', 'garlic'], 'max_minutes': 30}}\n</tool_call>"
)
SEED_MODEL_2 = (
    "<think>The user wants a timer of 25 minutes with the label stew.\n</think>"
    "<tool_call>\n{'name': 'set_timer', 'arguments': {'minutes': 25, 'label': 'stew'}}\n</tool_call>"
)
GLAIVE_ASSISTANT = (
    '<functioncall> {"name": "calculate_tip", "arguments": '
    '\'{"bill_amount": 84.5, "tip_percent": 15}\'} <|endoftext|>'
)
XLAM_ANSWERS = (
    '[{"name": "get_product_reviews", "arguments": {"product_id": "ZX-5521", "language": "de"}}, '
    '{"name": "convert_distance", "arguments": {"value": 12, "from_unit": "mi", "to_unit": "km"}}]'
)
SHAREGPT_CALL = '{"name": "get_bus_departures", "arguments": {"stop": "Elm Square", "line": "42"}}'
SHAREGPT_PARALLEL = (
    '[{"name": "check_bikes", "arguments": {"station": "Harbour Gate"}}, '
    '{"name": "check_bikes", "arguments": {"station": "North Station"}}]'
)
OPENAI_ASSISTANT: dict[str, Any] = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {
            "id": "call_lib1",
            "type": "function",
            "function": {
                "name": "search_books",
                "arguments": '{"author": "Octavia Butler", "available_only": true}',
            },
        }
    ],
}
TOOLACE_ASSISTANT = '[get_air_quality(city="Milan"), find_parking(area="Duomo", max_price_per_hour=3)]'


def test_the_literals_are_turns_of_the_sample_rows() -> None:
    text = "".join(path.read_text(encoding="utf-8") for path in FORMAT_ROWS.glob("*.jsonl"))
    for literal in (
        HERMES_GPT,
        SEED_MODEL_1,
        SEED_MODEL_2,
        GLAIVE_ASSISTANT,
        XLAM_ANSWERS,
        SHAREGPT_CALL,
        SHAREGPT_PARALLEL,
        TOOLACE_ASSISTANT,
    ):
        assert json.dumps(literal, ensure_ascii=False)[1:-1] in text, literal
    assert json.dumps(OPENAI_ASSISTANT, ensure_ascii=False) in text


def test_hermes_v1_parallel_python_reprs() -> None:
    result = extract(HERMES_GPT)
    assert result.status == "calls" and result.ok and result.syntax == "tool_call_tags"
    assert calls_of(result) == [
        ("track_parcel", {"tracking_number": "PX-1042", "carrier": "dhl"}),
        ("track_parcel", {"tracking_number": "PX-2087", "carrier": "dhl"}),
    ]
    assert result.repairs == (
        Repair("python_literal", "<tool_call> block 1 is a Python literal, not JSON", 0),
        Repair("python_literal", "<tool_call> block 2 is a Python literal, not JSON", 1),
    )
    assert result.content == ""


def test_seed_thinking_reasoning_and_python_reprs() -> None:
    first, second = extract(SEED_MODEL_1), extract(SEED_MODEL_2)
    assert calls_of(first) == [
        ("search_recipes", {"ingredients": ["chickpeas", "spinach", "garlic"], "max_minutes": 30})
    ]
    assert calls_of(second) == [("set_timer", {"minutes": 25, "label": "stew"})]
    for result in (first, second):
        assert result.ok and result.status == "calls" and repair_codes(result) == {"python_literal"}
        assert result.content == ""
    assert second.reasoning == "The user wants a timer of 25 minutes with the label stew."
    sorry = "I'm sorry, I can't place orders. I can only look up recipes and start kitchen timers."
    plain = extract(sorry)
    assert (plain.status, plain.content, plain.calls, plain.repairs) == ("no_call", sorry, (), ())


def test_glaive_v2_functioncall_whole_result() -> None:
    assert extract(GLAIVE_ASSISTANT).to_dict() == {
        "status": "calls",
        "ok": True,
        "syntax": "json",
        "calls": [
            {
                "id": None,
                "name": "calculate_tip",
                "arguments": {"bill_amount": 84.5, "tip_percent": 15},
            }
        ],
        "repairs": [
            {"code": "arguments_string", "detail": "decoded arguments given as a string", "call_index": 0},
            {
                "code": "python_literal",
                "detail": "the call at character 15 is a Python literal, not JSON",
                "call_index": 0,
            },
            {"code": "surrounding_text", "detail": "dropped the marker <functioncall>", "call_index": None},
        ],
        "errors": [],
        "content": "",
        "reasoning": None,
    }


def test_xlam_answers_string() -> None:
    result = extract(XLAM_ANSWERS)
    assert result.ok and result.syntax == "json" and result.repairs == ()
    assert calls_of(result) == [
        ("get_product_reviews", {"product_id": "ZX-5521", "language": "de"}),
        ("convert_distance", {"value": 12, "from_unit": "mi", "to_unit": "km"}),
    ]


def test_sharegpt_function_call_values() -> None:
    single, parallel = extract(SHAREGPT_CALL), extract(SHAREGPT_PARALLEL)
    assert calls_of(single) == [("get_bus_departures", {"stop": "Elm Square", "line": "42"})]
    assert calls_of(parallel) == [
        ("check_bikes", {"station": "Harbour Gate"}),
        ("check_bikes", {"station": "North Station"}),
    ]
    for result in (single, parallel):
        assert result.ok and result.syntax == "json" and result.repairs == ()


def test_openai_messages_tool_calls_keep_ids() -> None:
    expected = [
        ToolCall(
            id="call_lib1",
            name="search_books",
            arguments={"author": "Octavia Butler", "available_only": True},
        )
    ]
    for output in (
        OPENAI_ASSISTANT,
        OPENAI_ASSISTANT["tool_calls"],
        json.dumps(OPENAI_ASSISTANT["tool_calls"]),
    ):
        result = extract(output)
        assert list(result.calls) == expected
        assert result.ok and result.syntax == "openai" and result.repairs == ()
    assert extract(json.dumps({"tool_calls": OPENAI_ASSISTANT["tool_calls"]})).calls == tuple(expected)


def test_toolace_python_call_list() -> None:
    result = extract(TOOLACE_ASSISTANT)
    assert result.ok and result.syntax == "python_call" and result.repairs == ()
    assert calls_of(result) == [
        ("get_air_quality", {"city": "Milan"}),
        ("find_parking", {"area": "Duomo", "max_price_per_hour": 3}),
    ]


def _model_turns(row: dict[str, Any]) -> Iterator[str | dict[str, Any]]:
    """Every assistant-side turn of a row, in whichever format the row is in."""
    for key in ("conversations", "messages"):
        for turn in row.get(key) or []:
            if turn.get("role", turn.get("from")) not in ("assistant", "model", "gpt", "function_call"):
                continue
            if "tool_calls" in turn:
                yield turn
            elif isinstance(text := turn.get("value", turn.get("content")), str):
                yield text
    if isinstance(row.get("chat"), str):  # glaive: "USER: ...  ASSISTANT: ...  FUNCTION RESPONSE: ..."
        parts = re.split(r"(?:^|\n+)(USER|ASSISTANT|FUNCTION RESPONSE): ", row["chat"])
        yield from (
            text.strip() for role, text in zip(parts[1::2], parts[2::2], strict=True) if role == "ASSISTANT"
        )
    if isinstance(row.get("answers"), str):  # xlam
        yield row["answers"]


def _is_attempt(turn: str | dict[str, Any]) -> bool:
    if isinstance(turn, dict):
        return bool(turn.get("tool_calls"))
    if turn.strip() == "[]":  # xlam's answer to a query that no call serves
        return False
    return (
        any(mark in turn for mark in ("<tool_call>", "<functioncall>", "{", "(")) or turn.lstrip()[:1] == "["
    )


def test_every_sample_turn_in_the_format_rows() -> None:
    with_calls: dict[str, int] = {}
    for path in sorted(FORMAT_ROWS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for turn in _model_turns(json.loads(line)):
                result = extract(turn)
                assert result.ok, (path.name, turn, result.errors)
                assert result.status == ("calls" if _is_attempt(turn) else "no_call"), (path.name, turn)
                with_calls[path.stem] = with_calls.get(path.stem, 0) + (result.status == "calls")
    formats = (
        "seed_thinking",
        "hermes_v1",
        "glaive_v2",
        "xlam",
        "sharegpt_toolcall",
        "openai_messages",
        "toolace",
    )
    assert all(with_calls.get(name, 0) > 0 for name in formats), with_calls


# -- every form ---------------------------------------------------------------------------------------

FORMS: list[tuple[str, list[tuple[str, dict[str, Any]]], str, set[str], str]] = [
    # text, calls, syntax, repair codes, content
    (
        '<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>',
        [("f", {"a": 1})],
        "tool_call_tags",
        set(),
        "",
    ),
    (
        "Let me look.\n<tool_call>\n"
        '[{"name": "f", "arguments": {}}, {"name": "g", "arguments": {"b": [1, 2]}}]\n</tool_call>',
        [("f", {}), ("g", {"b": [1, 2]})],
        "tool_call_tags",
        set(),
        "Let me look.",
    ),
    (
        '<tool_call>{"name": "f", "arguments": {"a": 1}}',
        [("f", {"a": 1})],
        "tool_call_tags",
        {"unclosed_tag"},
        "",
    ),
    (
        '<tool_call>```json\n{"name": "f", "arguments": {}}\n```</tool_call>',
        [("f", {})],
        "tool_call_tags",
        {"code_fence"},
        "",
    ),
    ('{"name": "f", "arguments": {"a": "x"}}', [("f", {"a": "x"})], "json", set(), ""),
    ('{"name": "f", "parameters": {"a": 1}}', [("f", {"a": 1})], "json", {"arguments_key"}, ""),
    ('{"name": "f", "arguments": "{\\"a\\": 1}"}', [("f", {"a": 1})], "json", {"arguments_string"}, ""),
    ('{"name": "f", "arguments": {}, "score": 0.9}', [("f", {})], "json", {"extra_keys"}, ""),
    ('{"name": "get_time"}', [("get_time", {})], "json", set(), ""),
    ('```json\n{"name": "f", "arguments": {"a": 1}}\n```', [("f", {"a": 1})], "json", {"code_fence"}, ""),
    ('```\n[{"name": "f", "arguments": {}}]\n```', [("f", {})], "json", {"code_fence"}, ""),
    (
        'Here it is:\n```json\n{"name": "f", "arguments": {}}\n```',
        [("f", {})],
        "json",
        {"code_fence", "surrounding_text"},
        "Here it is:",
    ),
    (
        "```python\nget_weather(city='Paris')\n```",
        [("get_weather", {"city": "Paris"})],
        "python_call",
        {"code_fence"},
        "",
    ),
    ("{'name': 'f', 'arguments': {'a': 'x'}}", [("f", {"a": "x"})], "json", {"python_literal"}, ""),
    (
        "{'name': 'f', 'arguments': {'b': True, 'n': None, 't': (1, -2.5)}}",
        [("f", {"b": True, "n": None, "t": [1, -2.5]})],
        "json",
        {"python_literal"},
        "",
    ),
    (
        'Sure! {"name": "f", "arguments": {"a": 1}} Hope that helps',
        [("f", {"a": 1})],
        "json",
        {"surrounding_text"},
        "Sure!\nHope that helps",
    ),
    (
        'Calls: [{"name": "f", "arguments": {}}] done',
        [("f", {})],
        "json",
        {"surrounding_text"},
        "Calls:\ndone",
    ),
    ('[TOOL_CALLS][{"name": "f", "arguments": {}}]', [("f", {})], "json", {"surrounding_text"}, ""),
    ("f(a=1)", [("f", {"a": 1})], "python_call", set(), ""),
    ("get_time()", [("get_time", {})], "python_call", set(), ""),
    ("math.factorial(n=5)", [("math.factorial", {"n": 5})], "python_call", set(), ""),
    ('[f(a=1), g(b="x")]', [("f", {"a": 1}), ("g", {"b": "x"})], "python_call", set(), ""),
    ("f(a=[1, (2, 3)], b={'k': -1})", [("f", {"a": [1, [2, 3]], "b": {"k": -1}})], "python_call", set(), ""),
    (
        'I will call get_weather(city="Paris") now.',
        [("get_weather", {"city": "Paris"})],
        "python_call",
        {"surrounding_text"},
        "I will call\nnow.",
    ),
    (
        '{"id": "c9", "type": "function", "function": {"name": "f", "arguments": "{}"}}',
        [("f", {})],
        "openai",
        set(),
        "",
    ),
    (
        '<tool_call>{"name": "f", "arguments": {}}</tool_call><|im_end|>',
        [("f", {})],
        "tool_call_tags",
        set(),
        "",
    ),
    ('{"name": "f", "arguments": {}}<end_of_turn>', [("f", {})], "json", set(), ""),
]


@pytest.mark.parametrize(("text", "calls", "syntax", "repairs", "content"), FORMS)
def test_forms(
    text: str, calls: list[tuple[str, dict[str, Any]]], syntax: str, repairs: set[str], content: str
) -> None:
    result = extract(text)
    assert (result.status, result.errors) == ("calls", ())
    assert calls_of(result) == calls
    assert result.syntax == syntax
    assert repair_codes(result) == repairs
    assert result.content == content


def test_reasoning_is_not_a_repair() -> None:
    result = extract(
        '<think>\nTwo cities.\n</think>\nChecking.<tool_call>{"name": "f", "arguments": {}}</tool_call>'
    )
    assert (result.reasoning, result.content, result.repairs) == ("Two cities.", "Checking.", ())
    opened_by_template = extract('Thinking here.</think><tool_call>{"name": "f"}</tool_call>')
    assert opened_by_template.reasoning == "Thinking here." and opened_by_template.ok
    cut = extract("<think>still thinking")
    assert (cut.status, cut.reasoning, cut.content) == ("no_call", "still thinking", "")
    hidden = extract('<think><tool_call>{"name": "f"}</tool_call></think>Done.')
    assert (hidden.status, hidden.content) == ("no_call", "Done.")


def test_parallel_calls_keep_their_order() -> None:
    text = "".join(
        f'<tool_call>{{"name": "{n}", "arguments": {{"i": {i}}}}}</tool_call>\n' for i, n in enumerate("cab")
    )
    result = extract(text)
    assert calls_of(result) == [("c", {"i": 0}), ("a", {"i": 1}), ("b", {"i": 2})]


def test_openai_ids_and_message_objects() -> None:
    items = [
        {"id": "x1", "type": "function", "function": {"name": "f", "arguments": "{}"}},
        {"id": "x2", "type": "function", "function": {"name": "g", "arguments": {"a": 1}}},
    ]
    result = extract({"role": "assistant", "content": "On it.", "tool_calls": items})
    assert [(c.id, c.name, c.arguments) for c in result.calls] == [("x1", "f", {}), ("x2", "g", {"a": 1})]
    assert (result.syntax, result.content, result.repairs) == ("openai", "On it.", ())
    canonical = extract(
        {"role": "assistant", "tool_calls": [{"id": "c1", "name": "f", "arguments": {"a": 1}}]}
    )
    assert canonical.calls == (ToolCall(id="c1", name="f", arguments={"a": 1}),)
    unparsed = extract(
        {"role": "assistant", "content": '<tool_call>{"name": "f"}</tool_call>', "reasoning": "r"}
    )
    assert (calls_of(unparsed), unparsed.syntax, unparsed.reasoning) == ([("f", {})], "tool_call_tags", "r")
    assert extract({"role": "assistant", "content": "Hi."}).status == "no_call"
    assert extract([]).status == "no_call"
    assert extract(({"name": "f", "arguments": {"t": (1, 2)}},)).calls[0].arguments == {"t": [1, 2]}


# -- no call vs malformed -----------------------------------------------------------------------------

NO_CALLS = [
    "",
    "Hello there.",
    "Use {x} here, or {y: 1}.",
    "The formula f(x) = 2x is linear, and if (a == b) we stop.",
    'The answer is {"temperature": 12}.',
    '{"answer": 42}',
    "[1, 2, 3]",
    "[]",
    "```python\nprint('hi')\n```",
    "Sure (I think) that works.",
    "<think>only thinking</think>",
]


@pytest.mark.parametrize("text", NO_CALLS)
def test_no_call(text: str) -> None:
    result = extract(text)
    assert (result.status, result.syntax, result.calls, result.repairs, result.errors) == (
        "no_call",
        "none",
        (),
        (),
        (),
    )


MALFORMED: list[tuple[str, str]] = [
    ('<tool_call>{"name": "f", "arguments": {"a": </tool_call>', "invalid_json"),
    ('{"name": "f", "arguments": {', "invalid_json"),
    ('Calling {"name": "f", "arguments": {"a": tru}} now', "invalid_json"),
    ('{"name": "f", "arguments": {"a": NaN}}', "invalid_json"),
    ("<tool_call></tool_call>", "invalid_json"),
    ("```json\n{not json}\n```", "invalid_json"),
    ('<tool_call>{"name": "f", "arguments": {"a": 1', "unclosed_tag"),
    ("Let me check.<tool_call>", "unclosed_tag"),
    ("f(a=x)", "invalid_python_call"),
    ('Try get_weather(city="Paris"', "invalid_python_call"),
    ("f(a=1 + 2)", "invalid_python_call"),
    ('<tool_call>{"city": "Paris"}</tool_call>', "not_a_call"),
    ('{"name": 5, "arguments": {}}', "not_a_call"),
    ('<tool_call>"f"</tool_call>', "not_a_call"),
    ('{"tool_calls": {"name": "f"}}', "not_a_call"),
    ('{"name": "f", "arguments": [1]}', "bad_arguments"),
    ('{"name": "f", "arguments": "not json"}', "bad_arguments"),
    ('{"name": "f", "arguments": "[1]"}', "bad_arguments"),
    ('get_weather("Paris")', "positional_argument"),
    ('[f(a=1), g("x")]', "positional_argument"),
    ("{'name': 'f', 'arguments': {1: 'a'}}", "non_string_key"),
    ('{"name": "f", "arguments": {"a": 1, "a": 2}}', "duplicate_key"),
    ("f(a=1, a=2)", "duplicate_key"),
    ('<tool_call>{"name": "f", "arguments": ' + "[" * 100 + "]" * 100 + "}</tool_call>", "too_deep"),
    ('{"name": "f", "arguments": {"a": ' + "[" * 10000, "too_deep"),
    ("f(a=" + "[" * 70 + "]" * 70 + ")", "too_deep"),
]


@pytest.mark.parametrize(("text", "code"), MALFORMED)
def test_malformed(text: str, code: str) -> None:
    result = extract(text)
    assert result.status == "malformed" and not result.ok
    assert error_codes(result) == [code], result.errors
    assert result.syntax != "none"


def test_good_calls_survive_next_to_a_bad_one() -> None:
    result = extract('<tool_call>{"name": "f", "arguments": {}}</tool_call><tool_call>{"name": </tool_call>')
    assert (result.status, calls_of(result), error_codes(result)) == (
        "malformed",
        [("f", {})],
        ["invalid_json"],
    )
    assert "block 2" in result.errors[0].message


def test_limits() -> None:
    big = extract('{"name": "f", "arguments": {"a": "' + "x" * 300 + '"}}', max_chars=100)
    assert error_codes(big) == ["too_large"] and big.status == "malformed"
    assert extract('{"name": "f", "arguments": {"a": [[1]]}}', max_depth=4).ok
    assert error_codes(extract('{"name": "f", "arguments": {"a": [[1]]}}', max_depth=3)) == ["too_deep"]
    nested: list[Any] = []
    nested.append(nested)
    assert error_codes(extract(nested)) == ["too_deep"]
    shared: list[Any] = [1]
    for _ in range(40):
        shared = [shared, shared]
    assert error_codes(extract({"name": "f", "arguments": {"a": shared}})) == ["too_large"]


def test_strict_mode_turns_repairs_into_errors() -> None:
    result = extract(SEED_MODEL_2, strict=True)
    assert result.status == "malformed" and not result.ok
    assert calls_of(result) == [("set_timer", {"minutes": 25, "label": "stew"})]
    assert result.errors == (
        Issue(
            "strict_repair",
            "strict mode allows no repair, and python_literal was needed: "
            "<tool_call> block 1 is a Python literal, not JSON",
            call_index=0,
        ),
    )
    clean = extract('<tool_call>{"name": "f", "arguments": {}}</tool_call>', strict=True)
    assert clean.ok and clean.status == "calls"


def test_non_text_inputs_never_raise() -> None:
    for output in (5, None, b"{}", 1.5, {"a": float("nan")}, {1: "x"}, [object()]):
        result = extract(output)  # type: ignore[arg-type]
        assert result.status == "malformed" and result.errors


def test_nothing_is_evaluated(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for text in (
        f"__import__('os').system(cmd='touch {marker}')",
        f"[__import__('pathlib').Path(p='{marker}').touch(x=1)]",
        f"{{'name': 'f', 'arguments': {{'a': open('{marker}', 'w')}}}}",
    ):
        assert not extract(text).calls
    assert not marker.exists()


def test_import_stays_light() -> None:
    heavy = ("torch", "transformers", "trl", "peft", "datasets", "pandas")
    code = f"import sys, fncall_data.extract; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- pyliteral ----------------------------------------------------------------------------------------


def test_parse_python_value() -> None:
    assert parse_python_value("{'a': (1, -2.5), 'b': {None, True}, 'c': +3}") == {
        "a": [1, -2.5],
        "b": [None, True],
        "c": 3,
    }
    assert parse_python_value("  'x' 'y'  ") == "xy"
    for text, code in [
        ("{'a': b}", "not_literal"),
        ("1 + 2", "not_literal"),
        ("__import__('os')", "not_literal"),
        ("b'x'", "not_literal"),
        ("1j", "not_literal"),
        ("1e999", "not_literal"),
        ("{**x}", "not_literal"),
        ("{(1, 2): 3}", "non_string_key"),
        ("{'a': 1, 'a': 2}", "duplicate_key"),
        ("{'a': ", "syntax"),
        ("'a\x00b'", "syntax"),
        ("[" * 70 + "]" * 70, "too_deep"),
        ("(" * 1000, "too_deep"),
        ("-" * 100_000 + "1", "too_deep"),
        ("x" * 50, "too_large"),
    ]:
        with pytest.raises(LiteralParseError) as caught:
            parse_python_value(text, max_chars=40 if code == "too_large" else 200_000)
        assert caught.value.code == code, text


def test_parse_python_calls() -> None:
    assert parse_python_calls("f(a=1), g()\nh.i.j(k='l')") == [
        ("f", {"a": 1}),
        ("g", {}),
        ("h.i.j", {"k": "l"}),
    ]
    assert parse_python_calls("[]") == []
    for text, code in [
        ("f(1)", "positional_argument"),
        ("f(*a)", "positional_argument"),
        ("f(**a)", "not_literal"),
        ("f(a=g(b=1))", "not_literal"),
        ("x = f(a=1)", "not_a_call"),
        ("f()(a=1)", "not_a_call"),
        ("[f(a=1), 2]", "not_a_call"),
        ("", "not_a_call"),
        ("f(a=1", "syntax"),
    ]:
        with pytest.raises(LiteralParseError) as caught:
            parse_python_calls(text)
        assert caught.value.code == code, text


def test_bracket_end() -> None:
    assert bracket_end('f(a=")", b="""x)""") + 1', 1) == 20
    assert bracket_end("[1, # ]\n 2] tail", 0) == 11
    assert bracket_end("{'a': '}", 0) is None
    with pytest.raises(LiteralParseError):
        bracket_end("[" * 10, 0, max_depth=5)


# -- fuzz: extract never raises and always returns well-typed fields ---------------------------------

STATUSES = {"calls", "no_call", "malformed"}
SYNTAXES = {"tool_call_tags", "json", "openai", "python_call", "none"}


def assert_well_formed(result: Extraction) -> None:
    assert isinstance(result, Extraction)
    assert result.status in STATUSES and result.syntax in SYNTAXES
    assert isinstance(result.calls, tuple) and all(isinstance(c, ToolCall) for c in result.calls)
    assert all(isinstance(c.arguments, dict) and c.name for c in result.calls)
    assert isinstance(result.repairs, tuple) and all(isinstance(r, Repair) for r in result.repairs)
    assert isinstance(result.errors, tuple) and all(isinstance(e, Issue) for e in result.errors)
    assert isinstance(result.content, str) and (result.reasoning is None or isinstance(result.reasoning, str))
    assert result.ok == (not result.errors) == (result.status != "malformed")
    assert (result.status == "no_call") == (result.ok and not result.calls)
    json.dumps(result.to_dict())


FRAGMENTS = [
    "<tool_call>", "</tool_call>", "<think>", "</think>", "<functioncall>", "<|im_end|>", "<eos>",
    "{", "}", "[", "]", "(", ")", ":", ",", "=", "==", '"', "'", "'''", "\\", "#", "*", "**", "-", ".",
    '"name"', "'name'", '"arguments"', '"parameters"', '"tool_calls"', '"function"', '"id"', '"type"',
    "f", "get.x", "0", "7", "1e999", "NaN", "True", "None", "null", " ", "\n", "\x00", "\ud800", '"\\ud800"',
    "```", "```json\n", "```python\n", "[" * 10_000, "{" * 300, "(" * 300, "-" * 3000, "9" * 5000,
    '{"name": "f", "arguments": {}}', "{'name': 'f', 'arguments': {'a': 1}}", "f(a=1)", "g()",
]  # fmt: skip
grammar_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=30).map("".join)
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
call_like = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=5), json_like)},
    optional={
        "arguments": st.one_of(json_like, st.text(max_size=10)),
        "id": json_like,
        "function": json_like,
    },
)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_fuzz_any_text(text: str) -> None:
    assert_well_formed(extract(text))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        json_like,
        call_like,
        st.lists(call_like, max_size=3),
        st.builds(lambda c: {"tool_calls": c}, json_like),
    )
)
def test_fuzz_json_like_objects(output: Any) -> None:
    assert_well_formed(extract(output))
    assert_well_formed(extract(json.dumps(output)))


@pytest.mark.slow
@settings(
    max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(grammar_text, st.booleans())
def test_fuzz_call_grammar(text: str, strict: bool) -> None:
    result = extract(text, strict=strict, max_depth=32)
    assert_well_formed(result)
    if strict and result.repairs:
        assert result.status == "malformed"
