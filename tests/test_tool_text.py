"""Tools as short text: whole blocks for known schemas, and the Jinja twin agreeing with Python on
every tool of the catalog, of BFCL's sampled categories and on odd schemas."""

from __future__ import annotations

from typing import Any

import pytest

from fncall_data.formats.bfcl import load_bfcl
from fncall_data.generate import catalog_specs
from fncall_data.profiles import get_profile
from fncall_data.profiles.tool_text import TOOL_TEXT_MACRO, tool_text
from fncall_data.types import Message, Tool

ODD: list[dict[str, Any]] = [
    {"name": "no_params", "description": "", "parameters": {"type": "object", "properties": {}}},
    {
        "name": "odd",
        "description": "Every short form and every fallback.",
        "parameters": {
            "type": "object",
            "properties": {
                "tags": {"type": "array", "items": {"type": "string"}, "description": "Labels."},
                "points": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"x": {"type": "number"}}},
                    "description": "Points to plot.",
                },
                "mode": {"enum": [1, "two", None], "default": 1},
                "maybe": {"type": ["string", "null"], "maxLength": 5},
                "either": {"anyOf": [{"type": "string"}, {"type": "integer"}], "description": "A or B."},
                "flag": {"type": "boolean", "default": False},
                "empty_enum": {"enum": [], "type": "string"},
                "options": {"type": "object", "properties": {"k": {"type": "string"}}, "required": ["k"]},
                "bare": {},
            },
            "required": ["tags", "either", "bare"],
            "additionalProperties": False,
        },
    },
]


def test_a_catalog_tool_reads_as_a_short_block() -> None:
    forecast = next(s.tool for s in catalog_specs() if s.name == "get_forecast")
    assert tool_text(forecast) == (
        "get_forecast: Daily weather forecast for a city.\n"
        "- city (string, required): City name.\n"
        "- days (integer, maximum 7, minimum 1, default 3): Number of days to forecast.\n"
        '- unit ("celsius" | "fahrenheit", default "celsius"): Temperature unit.'
    )


def test_schemas_without_a_short_form_are_written_as_json() -> None:
    assert tool_text(Tool.model_validate(ODD[1])) == (
        "odd: Every short form and every fallback.\n"
        "- tags (array of string, required): Labels.\n"
        '- points ({"type": "array", "items": {"type": "object", "properties": {"x": {"type": "number"}}}}):'
        " Points to plot.\n"
        '- mode (1 | "two" | null, default 1)\n'
        "- maybe (string | null, maxLength 5)\n"
        '- either ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, required): A or B.\n'
        "- flag (boolean, default false)\n"
        '- empty_enum ({"enum": [], "type": "string"})\n'
        '- options ({"type": "object", "properties": {"k": {"type": "string"}}, "required": ["k"]})\n'
        "- bare ({}, required)\n"
        "(additionalProperties false)"
    )
    assert tool_text(Tool.model_validate(ODD[0])) == "no_params"


def _tools() -> list[Tool]:
    tools = [s.tool for s in catalog_specs()] + [Tool.model_validate(t) for t in ODD]
    for category in ("simple_python", "multiple", "parallel", "irrelevance", "live_multiple"):
        for record in load_bfcl(category).records:
            tools.extend(record.tools)
    return list({t.name + repr(t.parameters): t for t in tools}.values())


def test_the_jinja_macro_writes_what_python_writes() -> None:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from fncall_data.profiles.chat import canonical_json

    # the same environment settings and tojson filter as transformers' chat templates
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = canonical_json
    macro = env.from_string(TOOL_TEXT_MACRO + "{{ fncall_tool_text(fn) }}")
    tools = _tools()
    assert len(tools) > 1000  # BFCL's live tools bring every kind of schema
    for tool in tools:
        fn = {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
        assert macro.render(fn=fn) == tool_text(tool), tool.name


@pytest.mark.parametrize("name", ["gemma", "gemma_json"])
def test_profile_prompt_matches_the_tokenizer_template_on_bfcl_tools(name: str) -> None:
    from fncall_train.tiny import build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer()
    profile = get_profile(name)
    for record in load_bfcl("live_multiple").records[:40]:
        answered = record.model_copy(
            update={"messages": [*record.messages, Message(role="assistant", content="ok")]}
        )
        expected = tokenizer.apply_chat_template(
            profile.chat_messages(record), tools=profile.chat_tools(record),
            chat_template=profile.chat_template(), tokenize=False, add_generation_prompt=True,
        )  # fmt: skip
        assert expected == "<bos>" + profile.prompt(answered, len(record.messages)), record.id
