"""Chat profiles: rendering, prompts, parsing, and templates equivalent to the Python rendering."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from fncall_data.errors import FncallError, InputError
from fncall_data.profiles import PROFILES, ChatProfile, chat_messages, chat_tools, get_profile
from fncall_data.profiles.native import NativeProfile
from fncall_data.profiles.seed import SeedProfile
from fncall_data.types import Record
from tests.profile_helpers import (
    IRRELEVANCE,
    MULTI_TURN,
    PARALLEL,
    RECORDS,
    SIMPLE,
    SYSTEM_REASONING,
    seed_record,
    seed_rows,
    tutorial_text,
)

BUILT_IN = ["chatml", "gemma", "gemma_json", "gemma_tokens", "native", "seed"]


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    from fncall_train.tiny import build_tiny_tokenizer

    return build_tiny_tokenizer()


def _profiles(tokenizer: Any) -> list[ChatProfile]:
    """Every built-in profile; native renders with the gemma template set on a copy of the tokenizer."""
    from copy import deepcopy

    native_tok = deepcopy(tokenizer)
    native_tok.chat_template = get_profile("gemma").chat_template()
    fixed_seed = SeedProfile(fix_tags=True, doubled_bos=False, payloads="json")
    return [
        get_profile("gemma"),
        get_profile("gemma_json"),
        SeedProfile(),
        fixed_seed,
        get_profile("chatml"),
        NativeProfile(native_tok),
    ]


def test_registry_knows_the_built_in_profiles() -> None:
    assert PROFILES.names() == BUILT_IN
    assert [get_profile(name).name for name in BUILT_IN] == BUILT_IN


def test_importing_profiles_loads_no_heavy_package() -> None:
    code = (
        "import sys, fncall_data, fncall_data.profiles\n"
        "from fncall_data.profiles import get_profile\n"
        "for n in ('gemma', 'seed', 'chatml', 'native'): get_profile(n)\n"
        "heavy = ('torch', 'transformers', 'trl', 'peft', 'datasets', 'pandas')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.id)
def test_templates_give_the_same_text_and_trained_tokens_as_segments(tokenizer: Any, record: Record) -> None:
    for profile in _profiles(tokenizer):
        segments = profile.segments(record)
        text = "".join(s.text for s in segments)
        bos = "<bos>" * (2 if profile.doubled_bos else 1)
        out = tokenizer.apply_chat_template(
            profile.chat_messages(record),
            tools=profile.chat_tools(record),
            chat_template=profile.chat_template(),
            tokenize=True,
            return_dict=True,
            return_assistant_tokens_mask=True,
        )
        assert tokenizer.decode(out["input_ids"]) == bos + text, profile.name
        # the same tokens, marked the same way, as the profile's own encoding
        encoded = profile.encode(record, tokenizer)
        assert out["input_ids"] == encoded.input_ids, profile.name
        assert [bool(m) for m in out["assistant_masks"]] == encoded.trained_mask, profile.name


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.id)
def test_prompt_is_the_template_with_a_generation_prompt(tokenizer: Any, record: Record) -> None:
    for profile in _profiles(tokenizer):
        messages, tools = profile.chat_messages(record), profile.chat_tools(record)
        shift = len(messages) - len(record.messages)  # seed puts its system text in front
        bos = "<bos>" * (2 if profile.doubled_bos else 1)
        for turn, message in enumerate(record.messages):
            if message.role != "assistant":
                continue
            prompt = profile.prompt(record, turn)
            expected = tokenizer.apply_chat_template(
                messages[: turn + shift], tools=tools, chat_template=profile.chat_template(),
                tokenize=False, add_generation_prompt=True,
            )  # fmt: skip
            assert bos + prompt == expected, (profile.name, turn)
            assert profile.render(record).startswith(prompt)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.id)
def test_parse_reads_back_what_the_model_was_trained_to_write(tokenizer: Any, record: Record) -> None:
    for profile in _profiles(tokenizer):
        text = profile.render(record)
        for turn, message in enumerate(record.messages):
            if message.role != "assistant":
                continue
            start = len(profile.prompt(record, turn))
            written = text[start:]
            for stop in profile.stop_strings:
                written = written.split(stop)[0]
            result = profile.parse(written)
            assert result.ok, (profile.name, result.errors)
            expected = [(c.name, c.arguments) for c in message.tool_calls or ()]
            assert [(c.name, c.arguments) for c in result.calls] == expected, profile.name
            assert result.reasoning == message.reasoning or (
                result.reasoning is not None and result.reasoning.strip() == (message.reasoning or "").strip()
            )


def test_gemma_trains_only_the_model_turns_including_end_of_turn() -> None:
    segments = get_profile("gemma").segments(PARALLEL)
    trained = [s.text for s in segments if s.trained]
    assert trained == [
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>'
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Rome"}}</tool_call><end_of_turn>',
        "Paris 14 °C, Rome 19 °C.<end_of_turn>",
    ]
    assert not any("<bos>" in s.text for s in segments)


def test_seed_trains_every_token() -> None:
    assert all(s.trained for s in SeedProfile().segments(MULTI_TURN))


def test_seed_renders_the_sample_rows_exactly_as_the_tutorial_template() -> None:
    rows = seed_rows()
    assert len(rows) >= 2
    for i, row in enumerate(rows):
        record = seed_record(row, f"seed-{i}")
        # the template writes <bos>; the profile leaves it to the tokenizer
        assert "<bos>" + SeedProfile().render(record) == tutorial_text(row)


def test_seed_renders_records_from_the_seed_thinking_converter_as_the_tutorial() -> None:
    # the converter normalises (reasoning stripped, results as JSON, system text split into tools);
    # the profile writes them back in the dataset's form, so the tutorial's text comes out unchanged
    from fncall_data.formats import load_records
    from tests.conftest import FORMAT_ROWS

    converted = load_records(FORMAT_ROWS / "seed_thinking.jsonl", fmt="seed_thinking")
    rows = seed_rows()
    assert len(converted.records) == len(rows)
    for record, row in zip(converted.records, rows, strict=True):
        assert "<bos>" + SeedProfile().render(record) == tutorial_text(row)


def test_seed_special_tokens_reproduce_the_misspelt_tags_unless_fixed() -> None:
    assert "</tool_reponse>" in SeedProfile().special_tokens
    assert "<tool_reponse>" in SeedProfile().special_tokens
    fixed = SeedProfile(fix_tags=True).special_tokens
    assert "<tool_response>" in fixed and "</tool_response>" in fixed
    assert not any("reponse" in t for t in fixed)


def test_seed_writes_the_tool_list_for_records_without_its_system_text() -> None:
    text = SeedProfile().render(SIMPLE)
    assert text.startswith("<start_of_turn>human\nYou are a function calling AI model.")
    assert "<tools> [{'type': 'function', 'function': {'name': 'get_weather'" in text
    assert "<think>{your thoughts}</think>\n\nWeather in Zürich" in text
    assert (
        "<tool_call>\n{'name': 'get_weather', 'arguments': {'city': 'Zürich', 'unit': 'celsius'}}"
        "\n</tool_call>" in text
    )


def test_prompt_refuses_a_turn_that_is_not_the_models() -> None:
    with pytest.raises(InputError, match="not an assistant turn"):
        get_profile("gemma").prompt(SIMPLE, 0)


def test_system_message_after_the_first_is_refused() -> None:
    record = Record.model_validate(
        {"id": "x", "messages": [{"role": "user", "content": "a"}, {"role": "system", "content": "b"},
                                 {"role": "assistant", "content": "c"}]}
    )  # fmt: skip
    for name in ("gemma", "chatml"):
        with pytest.raises(InputError, match="system message may only come first"):
            get_profile(name).render(record)


def test_native_needs_a_tokenizer_and_a_template_that_shows_tools(tokenizer: Any) -> None:
    with pytest.raises(FncallError, match="needs a tokenizer"):
        get_profile("native").render(SIMPLE)
    no_tools = "{% for m in messages %}{{ m.role + ': ' + (m.content or '') + '\\n' }}{% endfor %}"
    with pytest.raises(InputError, match="does not show tools"):
        NativeProfile(tokenizer, chat_template=no_tools).render(SIMPLE)
    assert NativeProfile(tokenizer, chat_template=no_tools).render(
        IRRELEVANCE.model_copy(update={"tools": []})
    )


def test_native_without_generation_markers_finds_the_model_turns(tokenizer: Any) -> None:
    plain = (
        get_profile("gemma")
        .chat_template()
        .replace("{% generation %}", "")
        .replace("{% endgeneration %}", "")
    )
    native = NativeProfile(tokenizer, chat_template=plain)
    for record in RECORDS:
        assert native.segments(record) == get_profile("gemma").segments(record)
    with pytest.raises(FncallError, match="no generation markers"):
        native.chat_template()


def test_templates_accept_arguments_given_as_json_strings(tokenizer: Any) -> None:
    # a dataset row (Arrow) carries arguments as JSON strings; the templates write them unchanged
    messages = chat_messages(SYSTEM_REASONING)
    import json

    for m in messages:
        for call in m.get("tool_calls", []):
            call["function"]["arguments"] = json.dumps(call["function"]["arguments"], ensure_ascii=False)
    for name in ("gemma", "chatml"):
        profile = get_profile(name)
        text = tokenizer.apply_chat_template(
            messages,
            tools=chat_tools(SYSTEM_REASONING),
            chat_template=profile.chat_template(),
            tokenize=False,
        )
        assert text == "<bos>" + profile.render(SYSTEM_REASONING)
