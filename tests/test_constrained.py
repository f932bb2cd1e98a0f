"""Constrained decoding on the tiny model: calls the model opens are valid, the rest stays the model's."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, Field

from fncall_data.cli.main import cli
from fncall_data.errors import FncallError
from fncall_data.profiles import get_profile
from fncall_data.tools import tool_from_model
from fncall_data.types import Tool, ToolCall
from fncall_data.validate import Toolbox
from fncall_eval.backends import GenerateConfig, create_backend
from fncall_eval.constrained import (
    CallConstrainer,
    ConstrainedLogits,
    bounded_numbers,
    call_grammar,
    closed_objects,
    fenced_strings,
)
from fncall_eval.fingerprint import prediction_fingerprint
from tests.eval_helpers import HAND_RECORDS, write_hand_set

pytest.importorskip("llguidance", reason="the constrained extra is part of the test install")


class Address(BaseModel):
    street: str = Field(max_length=12)
    city: Literal["Paris", "Rome", "Oslo"]


class Item(BaseModel):
    sku: str = Field(pattern=r"^[A-Z]{3}$")
    quantity: int = Field(ge=1, le=9)


class ShipOrder(BaseModel):
    """Ship items to an address (nested object, array of objects)."""

    address: Address
    items: list[Item] = Field(min_length=1, max_length=2)


class SetAlarm(BaseModel):
    """Set an alarm (enum, bounded integer, optional boolean)."""

    hour: int = Field(ge=1, le=12)
    half: Literal["am", "pm"]
    repeat: bool = False


class TagNote(BaseModel):
    """Tag a note (array of enums)."""

    tags: list[Literal["work", "home", "urgent"]] = Field(min_length=1, max_length=3)


SHIP, ALARM, TAG = (tool_from_model(m) for m in (ShipOrder, SetAlarm, TagNote))
SYNTAX = get_profile("gemma").call_syntax


@pytest.fixture(scope="module")
def tiny() -> Any:
    from fncall_train.tiny import build_tiny

    return build_tiny()


@pytest.fixture(scope="module")
def constrainer(tiny: Any) -> CallConstrainer:
    assert SYNTAX is not None
    stops = [tiny.tokenizer.eos_token_id, tiny.tokenizer.convert_tokens_to_ids("<end_of_turn>")]
    return CallConstrainer(tiny.tokenizer, len(tiny.tokenizer), stops, SYNTAX)


def _call(name: str, **arguments: Any) -> str:
    return "<tool_call>" + json.dumps({"name": name, "arguments": arguments}) + "</tool_call>"


def _accepted(constrainer: CallConstrainer, tokenizer: Any, tools: list[Tool], text: str | list[int]) -> bool:
    """Whether the grammar of a turn offering ``tools`` takes the whole of ``text``."""
    ids = tokenizer.encode(text, add_special_tokens=False) if isinstance(text, str) else text
    return bool(constrainer.matcher(tools).validate_tokens(ids) == len(ids))


def test_the_grammar_takes_valid_turns_and_nothing_else(constrainer: CallConstrainer, tiny: Any) -> None:
    tok = tiny.tokenizer
    end = [tok.convert_tokens_to_ids("<end_of_turn>")]
    tools = [ALARM, SHIP]
    ship = {"address": {"street": "1 Main St", "city": "Rome"}, "items": [{"sku": "ABC", "quantity": 2}]}
    good = [
        "I cannot help with that.",
        "<think>no tool fits</think>Which city?",  # special tokens in free text
        _call("set_alarm", hour=7, half="am"),
        _call("set_alarm", hour=7, half="am", repeat=True) + "\n" + _call("ship_order", **ship),
    ]
    for text in good:
        assert _accepted(constrainer, tok, tools, tok.encode(text, add_special_tokens=False) + end), text
    bad = [
        _call("book_flight", hour=7),  # a tool that was not offered
        _call("set_alarm", hour=13, half="am"),  # above the maximum
        _call("set_alarm", hour=7, half="noon"),  # not in the enum
        _call("set_alarm", hour="7", half="am"),  # wrong type
        _call("set_alarm", hour=7),  # a required argument missing
        _call("set_alarm", hour=7, half="am", volume=3),  # an argument the tool does not declare
        _call("set_alarm", half="am", hour=7),  # not in schema order (canonical form)
        _call("ship_order", **{**ship, "items": []}),  # fewer items than minItems
        _call("ship_order", **{**ship, "address": {"street": "1 Main St", "city": "Rome", "zip": "1"}}),
        _call("ship_order", **{**ship, "items": [{"sku": "abc", "quantity": 2}]}),  # pattern
        '<tool_call>{"name":"set_alarm","arguments":{"hour":7,"half":"am"}}</tool_call>',  # not canonical
    ]
    for text in bad:
        assert not _accepted(constrainer, tok, tools, text), text
    # the turn cannot end inside a call, and can after it
    opened = '<tool_call>{"name": "set_alarm", "arguments": {"hour": 7, "half": "am"}'
    assert not _accepted(constrainer, tok, tools, tok.encode(opened, add_special_tokens=False) + end)
    assert _accepted(
        constrainer, tok, tools, tok.encode(opened + "}</tool_call>", add_special_tokens=False) + end
    )


def test_the_open_tag_as_text_opens_a_call_too(constrainer: CallConstrainer, tiny: Any) -> None:
    tok = tiny.tokenizer
    # "<tool_call>" written in pieces rather than as its single token: still a call, still checked
    pieces = [i for part in ("<", "tool", "_call", ">") for i in tok.encode(part, add_special_tokens=False)]
    assert tok.convert_tokens_to_ids("<tool_call>") not in pieces
    body = tok.encode(
        '{"name": "set_alarm", "arguments": {"hour": 7, "half": "am"}}', add_special_tokens=False
    )
    bogus = tok.encode('{"name": "nope", "arguments": {}}', add_special_tokens=False)
    assert _accepted(constrainer, tok, [ALARM], pieces + body)
    assert not _accepted(constrainer, tok, [ALARM], pieces + bogus)


def test_no_tools_means_no_call(constrainer: CallConstrainer, tiny: Any) -> None:
    assert _accepted(constrainer, tiny.tokenizer, [], "Hello there.")
    assert not _accepted(constrainer, tiny.tokenizer, [], _call("set_alarm", hour=7, half="am"))


def test_what_the_engine_cannot_enforce_is_listed(constrainer: CallConstrainer, tiny: Any) -> None:
    def one(name: str, code: dict[str, Any]) -> Tool:
        return Tool(
            name=name, parameters={"type": "object", "properties": {"code": code}, "required": ["code"]}
        )

    negated = one("negated", {"type": "string", "not": {"const": "X"}})  # "not": unsupported, ignored
    lookahead = one("lookahead", {"type": "string", "pattern": "^(?=A)[A-Z]+$"})  # the regex cannot compile
    tools = [ALARM, negated, lookahead]
    assert constrainer.grammar(tools).notes == (
        'tool negated: keywords the engine cannot express are ignored (Unimplemented keys: ["not"])',
        "tool lookahead: arguments only held to a JSON object (regex parse error:)",
    )
    accepted = [_accepted(constrainer, tiny.tokenizer, tools, _call(name, code=code))
                for name in ("negated", "lookahead") for code in ("X", 3)]  # fmt: skip
    # negated: what can be expressed still is (a string); lookahead: any object, left to the validator
    assert accepted == [True, False, True, True]
    assert not _accepted(constrainer, tiny.tokenizer, tools, _call("set_alarm", hour=13, half="am"))


def test_closed_objects_closes_every_object_schema_and_leaves_data_alone() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}}},
                       "properties": {"type": "array", "items": {"type": "object"}},
                       "c": {"type": "object", "additionalProperties": {"type": "integer"}}},
        "$defs": {"D": {"type": "object", "properties": {}}},
        "default": {"type": "object"},
    }  # fmt: skip
    assert closed_objects(schema) == {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}},
                             "additionalProperties": False},
                       "properties": {"type": "array",
                                      "items": {"type": "object", "additionalProperties": False}},
                       "c": {"type": "object", "additionalProperties": {"type": "integer"}}},
        "$defs": {"D": {"type": "object", "properties": {}, "additionalProperties": False}},
        "default": {"type": "object"},
        "additionalProperties": False,
    }  # fmt: skip


LOAN = Tool(
    name="loan_payment",
    parameters={"type": "object", "properties": {"principal": {"type": "number", "exclusiveMinimum": 0}},
                "required": ["principal"]},
)  # fmt: skip


def test_numbers_are_bounded_and_the_rest_left_alone() -> None:
    safe = {"minimum": -(2**53 - 1), "maximum": 2**53 - 1}
    schema = {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": ["number", "null"], "maximum": 3},
                       "c": {"type": "number", "multipleOf": 0.5, "exclusiveMinimum": 0},
                       "d": {"type": "integer", "minimum": 1}, "s": {"type": "string"},
                       "e": {"type": "array", "items": {"type": "number"}}},
        "default": {"type": "number"},
    }  # fmt: skip
    assert bounded_numbers(schema, places=3) == {
        "type": "object",
        "properties": {"a": {"type": "number", **safe, "multipleOf": 0.001},
                       "b": {"type": ["number", "null"], "maximum": 3, "minimum": -(2**53 - 1),
                             "multipleOf": 0.001},
                       "c": {"type": "number", "multipleOf": 0.5, "exclusiveMinimum": 0,
                             "maximum": 2**53 - 1},
                       "d": {"type": "integer", "minimum": 1, "maximum": 2**53 - 1}, "s": {"type": "string"},
                       "e": {"type": "array", "items": {"type": "number", **safe, "multipleOf": 0.001}}},
        "default": {"type": "number"},
    }  # fmt: skip


def test_a_number_held_off_its_excluded_bound_cannot_run_on(constrainer: CallConstrainer, tiny: Any) -> None:
    """``exclusiveMinimum: 0`` and a model that means 0: at most 8 zeros after the point, then a digit."""
    tok = tiny.tokenizer
    opened = '<tool_call>{"name": "loan_payment", "arguments": {"principal": 0.'
    assert _accepted(constrainer, tok, [LOAN], opened + "00000001}}</tool_call>")
    assert _accepted(constrainer, tok, [LOAN], opened + "5}}</tool_call>")
    assert not _accepted(constrainer, tok, [LOAN], opened + "000000000")
    assert not _accepted(constrainer, tok, [LOAN], opened + "123456789")
    assert not _accepted(constrainer, tok, [LOAN], opened + "0}}</tool_call>")  # the bound still holds
    whole = '<tool_call>{"name": "loan_payment", "arguments": {"principal": '
    assert _accepted(constrainer, tok, [LOAN], whole + "9007199254740991}}</tool_call>")
    assert not _accepted(constrainer, tok, [LOAN], whole + "10000000000000000")  # 17 digits


@pytest.mark.slow
def test_a_model_that_writes_zeros_still_closes_its_call(constrainer: CallConstrainer, tiny: Any) -> None:
    """The runaway seen on a real adapter: a call for a number above 0 from a model that writes "0"s."""
    import torch

    from fncall_eval.backends.greedy import greedy_generate

    tok, model = tiny.tokenizer, tiny.model
    encoded = tok(["<start_of_turn>user\nPay<end_of_turn>\n<start_of_turn>model\n"], return_tensors="pt")
    rows = constrainer.rows([[LOAN]])
    push = torch.zeros(model.config.vocab_size)
    push[tok.convert_tokens_to_ids("<tool_call>")] = 2e4  # open a call whenever one may be opened
    push[tok.convert_tokens_to_ids("0")] = 1e4  # and write zeros wherever they are allowed
    stops = [tok.eos_token_id, tok.convert_tokens_to_ids("<end_of_turn>")]
    (ids,) = greedy_generate(
        model, encoded["input_ids"], encoded["attention_mask"], max_new_tokens=120, stop_ids=stops,
        pick=lambda logits, live: rows.pick(logits + push, live),
    )  # fmt: skip
    text = tok.decode(ids, skip_special_tokens=False)
    calls = get_profile("gemma").parse(text[: text.rfind("</tool_call>") + len("</tool_call>")]).calls
    assert calls, text
    for call in calls:
        assert Toolbox([LOAN]).validate_call(ToolCall(name=call.name, arguments=call.arguments)) == [], text
    # each number ends within its digits: 16 before the point, 8 after
    assert len(calls) >= 2 and all(len(repr(c.arguments["principal"])) <= 26 for c in calls), text


def test_strings_are_fenced_from_the_close_tag_and_fixed_ones_left_alone() -> None:
    fence = "^[^<]*(<(|[^<x][^<]*|x(|[^<>][^<]*)))*$"  # no "<x>" anywhere
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string", "pattern": "^[a-z<>]+$"},
                       "c": {"type": "string", "enum": ["<x>"]}, "d": {"type": "string", "format": "date"},
                       "e": {"type": "array", "items": {"type": ["string", "null"]}}},
    }  # fmt: skip
    assert fenced_strings(schema, ["<x>"]) == {
        "type": "object",
        "properties": {"a": {"type": "string", "pattern": fence},
                       "b": {"type": "string", "pattern": "^[a-z<>]+$", "allOf": [{"pattern": fence}]},
                       "c": {"type": "string", "enum": ["<x>"]}, "d": {"type": "string", "format": "date"},
                       "e": {"type": "array", "items": {"type": ["string", "null"], "pattern": fence}}},
    }  # fmt: skip
    assert fenced_strings(schema, ["<a<>"]) == schema  # the first character repeats: no simple pattern
    assert fenced_strings(schema, ["<x>", "[y]"]) == schema  # nor where the tags start differently
    both = fenced_strings({"type": "string"}, ["<x>", "</x>"])["pattern"]
    assert [bool(re.fullmatch(both, s)) for s in ("<b>x</b>", "a<x", "a<x>", "</x", "</x>b")] == [
        True, True, False, True, False
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("<b>hi</b>", True),
        ("a</tool_call", True),
        ("a</tool_call>b", False),
        ("</tool_call>", False),
        ("a<tool_call", True),
        ("</tool_call<tool_call>{", False),
    ],
)
def test_a_string_cannot_hold_the_call_tags(
    constrainer: CallConstrainer, tiny: Any, value: str, accepted: bool
) -> None:
    """The profile reads a call between its tags: a string holding one could not be read back."""
    note = Tool(name="note", parameters={"type": "object", "properties": {"text": {"type": "string"},
                                         "code": {"type": "string", "pattern": "^[a-z<>/_]+$"}}})  # fmt: skip
    assert _accepted(constrainer, tiny.tokenizer, [note], _call("note", text=value)) == accepted
    code = value.replace(" ", "").lower()
    assert _accepted(constrainer, tiny.tokenizer, [note], _call("note", code=code)) == accepted


@pytest.mark.parametrize("name", ["gemma", "gemma_json", "gemma_tokens", "chatml"])
def test_the_call_syntax_is_how_the_profile_writes_calls(name: str) -> None:
    from fncall_data.profiles.chat import canonical_json

    profile = get_profile(name)
    syntax = profile.call_syntax
    assert syntax is not None
    parallel = HAND_RECORDS[2]
    text = profile.render(parallel)
    for call in parallel.messages[-1].tool_calls or ():
        body = canonical_json({"name": call.name, "arguments": call.arguments})
        assert syntax.open + syntax.before + body + syntax.after + syntax.close in text
    assert get_profile("seed").call_syntax is None and get_profile("native").call_syntax is None


def test_grammar_text_for_a_profile_with_newlines_around_the_json() -> None:
    syntax = get_profile("chatml").call_syntax
    assert syntax is not None
    lark = call_grammar([ALARM], syntax)
    assert 'call: "\\n" body "\\n" close' in lark
    assert 'close: "</tool_call>"' in lark


@pytest.mark.slow
def test_an_untrained_model_is_forced_into_valid_calls_row_by_row(
    constrainer: CallConstrainer, tiny: Any
) -> None:
    """A random model pushed to open calls writes only valid ones, each row to its own tools."""
    import torch

    from fncall_eval.backends.greedy import greedy_generate

    tok, model = tiny.tokenizer, tiny.model
    rows_tools = [[SHIP], [ALARM], [TAG, ALARM]]
    prompts = ["<start_of_turn>user\nShip it<end_of_turn>\n<start_of_turn>model\n",
               "<start_of_turn>user\nWake me<end_of_turn>\n<start_of_turn>model\n",
               "<start_of_turn>user\nTag it<end_of_turn>\n<start_of_turn>model\n"]  # fmt: skip
    encoded = tok(prompts, return_tensors="pt", padding=True)
    rows = constrainer.rows(rows_tools)
    # free text: the call-open token wins whenever it is allowed, so the model calls and calls again
    push = torch.zeros(model.config.vocab_size)
    push[tok.convert_tokens_to_ids("<tool_call>")] = 1e4
    stops = [tok.eos_token_id, tok.convert_tokens_to_ids("<end_of_turn>")]
    out = greedy_generate(
        model, encoded["input_ids"], encoded["attention_mask"], max_new_tokens=320, stop_ids=stops,
        pick=lambda logits, live: rows.pick(logits + push, live),
    )  # fmt: skip
    assert rows.masked_steps > 0  # the model alone would not have written these calls
    profile = get_profile("gemma")
    for tools, ids in zip(rows_tools, out, strict=True):
        text = tok.decode(ids, skip_special_tokens=False)
        complete = text[: text.rfind("</tool_call>") + len("</tool_call>")]
        calls = profile.parse(complete).calls
        assert len(calls) >= 2, text  # parallel calls
        box = Toolbox(tools)
        for call in calls:
            assert box.validate_call(ToolCall(name=call.name, arguments=call.arguments)) == [], text
    # every schema was exercised: nested object + array of objects, enums, array of enums
    names = {c.name for ids in out for c in profile.parse(tok.decode(ids, skip_special_tokens=False)).calls}
    assert {"ship_order", "set_alarm"} <= names and names & {"tag_note", "set_alarm"}


def test_the_sampling_processor_masks_what_the_grammar_forbids(
    constrainer: CallConstrainer, tiny: Any
) -> None:
    import torch

    tok = tiny.tokenizer
    rows = constrainer.rows([[ALARM]])
    prompt = torch.tensor([[tok.bos_token_id]])
    processor = ConstrainedLogits(rows, prompt_length=1)
    opened = tok.encode('<tool_call>{"name": "', add_special_tokens=False)
    scores = processor(prompt, torch.zeros(1, len(tok)))
    # free text: nothing is masked but bytes that cannot start UTF-8 text (a lone continuation byte)
    whole = [i for i in range(len(tok)) if "\ufffd" not in tok.decode([i])]
    assert len(whole) > 500 and torch.isfinite(scores[0, whole]).all()
    for token in opened:
        prompt = torch.cat([prompt, torch.tensor([[token]])], dim=1)
        scores = processor(prompt, torch.zeros(1, len(tok)))
    allowed = torch.isfinite(scores[0]).nonzero().flatten().tolist()
    assert allowed and all(tok.decode([i]) and "set_alarm".startswith(tok.decode([i])) for i in allowed)


def test_missing_engine_says_what_to_install(monkeypatch: Any, tmp_path: Any) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "llguidance" else real(name, *a)
    )
    with pytest.raises(FncallError, match=r'needs llguidance: pip install "fncall\[constrained\]"'):
        create_backend("hf", GenerateConfig(model="tiny", constrained=True))
    data, _ = write_hand_set(tmp_path)
    result = CliRunner().invoke(cli, ["eval", "run", "-d", str(data), "-m", "tiny", "--constrained",
                                      "-o", str(tmp_path / "run")])  # fmt: skip
    assert result.exit_code == 2 and 'pip install "fncall[constrained]"' in result.output
    assert "Traceback" not in result.output


def test_a_profile_without_a_call_syntax_is_refused(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("FNCALL_CACHE", str(tmp_path))
    with pytest.raises(FncallError, match="profile seed has no fixed call syntax"):
        create_backend("hf", GenerateConfig(model="tiny", profile="seed", constrained=True, device="cpu"))


def test_constrained_predictions_have_their_own_fingerprint(tmp_path: Any) -> None:
    data, _ = write_hand_set(tmp_path)
    plain, on = (
        prediction_fingerprint(backend="hf", generate=GenerateConfig(model="tiny", constrained=c),
                               adapter=None, data=data)
        for c in (False, True)
    )  # fmt: skip
    assert "constrained" not in plain.settings  # earlier runs' fingerprints and caches keep their keys
    assert on.difference(plain) == ("constrained", 4, None)  # the grammar's revision


@pytest.mark.slow
def test_the_backend_leaves_turns_without_calls_as_they_were(tmp_path: Any, monkeypatch: Any) -> None:
    """Through the hf backend, batched: where the model writes no call, constrained = free decoding."""
    monkeypatch.setenv("FNCALL_CACHE", str(tmp_path))
    texts = {}
    for constrained in (False, True):
        config = GenerateConfig(model="tiny", max_new_tokens=12, batch_size=4, device="cpu",
                                constrained=constrained)  # fmt: skip
        backend = create_backend("hf", config)
        texts[constrained] = {p.id: p.text for p in backend.generate(HAND_RECORDS)}
    assert not any("<tool_call>" in (t or "") for t in texts[False].values())
    assert texts[True] == texts[False]
    # sampling goes through model.generate, with the grammar as a logits processor
    sampled = GenerateConfig(model="tiny", max_new_tokens=8, device="cpu", temperature=0.8, constrained=True)
    predictions = list(create_backend("hf", sampled).generate(HAND_RECORDS))
    assert len(predictions) == len(HAND_RECORDS) and all(p.error is None for p in predictions)
