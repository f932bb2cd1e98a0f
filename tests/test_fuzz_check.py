"""Fuzz: no model output makes extraction, validation or the rendering of their results raise.

Outputs are mutations of well-formed calls in every dialect the extractor reads, spliced with the
values that broke it before (integers beyond CPython's 4300-digit text limit, lone surrogates) and
with the usual hostile bytes. The run is seeded; ``FNCALL_FUZZ_N`` sets how many outputs it tries
(CI runs the default; ``FNCALL_FUZZ_N=100000 pytest tests/test_fuzz_check.py`` is the long run).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from fncall_data import check_output
from fncall_data.cli.validate_cmd import render_check
from fncall_data.types import Tool
from fncall_data.validate import Toolbox

from .conftest import CURRENCY, WEATHER

N_OUTPUTS = int(os.environ.get("FNCALL_FUZZ_N", "20000"))

BOUNDED: dict[str, Any] = {
    "name": "set_volume",
    "parameters": {
        "type": "object",
        "properties": {
            "level": {"type": "integer", "minimum": 0, "maximum": 100, "multipleOf": 5},
            "gain": {"type": "number", "exclusiveMinimum": -1.5, "exclusiveMaximum": 2},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}, "maxItems": 3},
            "mode": {"enum": ["loud", 3, None]},
        },
        "required": ["level"],
    },
}

SEEDS = [
    '<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo", "days": 3}}</tool_call>',
    "<tool_call>\n{'name': 'set_volume', 'arguments': {'level': 40, 'gain': 0.5, 'tags': ['a']}}"
    "\n</tool_call>",
    '<think>two calls</think><tool_call>{"name": "convert_currency", "arguments": '
    '{"amount": 12.5, "to": "EUR"}}</tool_call>'
    '<tool_call>{"name": "get_weather", "arguments": {"city": "Rome"}}</tool_call>',
    '{"name": "set_volume", "arguments": {"level": 10, "mode": "loud"}}',
    '[{"name": "get_weather", "parameters": {"city": "Lima", "unit": "celsius"}}]',
    '{"tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", '
    '"arguments": "{\\"city\\": \\"Kyiv\\", \\"days\\": 2}"}}]}',
    'get_weather(city="Paris", days=2)',
    "[set_volume(level=15, gain=-0.25), get_weather(city='Nice')]",
    'Sure.\n```json\n{"name": "convert_currency", "arguments": {"amount": 3, "to": "JPY"}}\n```',
    'I will call it: get_weather(city="Quito", stops=[{"code": "UIO"}]) now.',
    "No tool is needed for that; the answer is 42.",
]

SPLICES = [
    "9" * 4301,
    "-" + "7" * 5000,
    "0x" + "f" * 3700,
    "-0X" + "A" * 5000,
    "0b" + "1" * 15000,
    "1" + "0" * 400,
    "1e999",
    "-1e400",
    "NaN",
    "Infinity",
    '"\\ud800"',
    '"\\udfff\\ud800"',
    '"\\ud83d\\ude00"',
    "'\\ud800'",
    '"\\U0000d800"',
    "\ud800",
    "\udc80\udcff",
    "\x00",
    "\\",
    "{" * 300,
    "[" * 80,
    "]}",
    "'",
    '"',
    "<tool_call>",
    "</tool_call>",
    "<think>",
    "</think>",
    "```",
    "(",
    ")",
    "=",
    ", ",
    "None",
    "True",
    "**x",
    "\n",
    "é",
    "\U0001f600",
    "<end_of_turn>",
]


def _mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        at = rng.randint(0, len(text))
        if op < 0.45:
            text = text[:at] + rng.choice(SPLICES) + text[at:]
        elif op < 0.6:
            text = text[:at] + text[at + rng.randint(1, 12) :]
        elif op < 0.7:
            end = min(len(text), at + rng.randint(1, 40))
            text = text[:end] + text[at:end] + text[end:]
        elif op < 0.8:
            text = text[:at]
        elif op < 0.9:
            text = text.replace('"', "'") if rng.random() < 0.5 else text.replace("'", '"')
        else:
            digits = [i for i, c in enumerate(text) if c.isdigit()]
            if digits:
                i = rng.choice(digits)
                text = text[:i] + rng.choice(SPLICES[:6]) + text[i + 1 :]
    return text


def _object(rng: random.Random) -> Any:
    """A decoded-object output whose argument values are drawn from the troublesome ones."""
    values: list[Any] = [
        10**4400,
        -(2**20_000),
        2**14_284 - 1,
        "\ud800",
        {"\udc00": 1},
        float("nan"),
        float("inf"),
        1e308,
        (1, 2),
        b"bytes",
        None,
        [[[]]],
        "ok",
        -3,
    ]
    arguments = {key: rng.choice(values) for key in rng.sample(["city", "days", "level", "gain", "tags"], 2)}
    call = {"name": rng.choice(["get_weather", "set_volume", "convert_currency"]), "arguments": arguments}
    shape = rng.random()
    if shape < 0.3:
        return call
    if shape < 0.6:
        return [call, call]
    if shape < 0.8:
        return {"role": "assistant", "tool_calls": [{"type": "function", "function": call}]}
    return {"tool_calls": [{"type": "function", "function": {**call, "arguments": json.dumps({"x": 1})}}]}


def _check_everything(output: Any, box: Toolbox) -> None:
    for strict in (False, True):
        result = check_output(output, box, strict=strict)
        for as_json in (False, True):
            render_check(result, as_json=as_json).encode("utf-8")
        json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")
        assert result.valid == (not result.issues)


@pytest.mark.slow
def test_no_output_makes_the_checker_raise() -> None:
    box = Toolbox([Tool.model_validate(t) for t in (WEATHER, CURRENCY, BOUNDED)])
    rng = random.Random(20261206)
    escapes: list[str] = []
    for n in range(N_OUTPUTS):
        output: Any = _object(rng) if n % 10 == 9 else _mutate(rng, rng.choice(SEEDS))
        try:
            _check_everything(output, box)
        except Exception:
            escapes.append(f"{output!a:.200}\n{traceback.format_exc(limit=-3)}")
    assert not escapes, f"{len(escapes)} of {N_OUTPUTS} outputs raised; the first:\n{escapes[0]}"


TOO_LARGE, UNICODE = "too_large", "invalid_unicode"


@pytest.mark.parametrize(
    ("output", "code"),
    [
        (
            '<tool_call>{"name": "set_volume", "arguments": {"level": ' + "9" * 4400 + "}}</tool_call>",
            "too_large",
        ),
        (
            "<tool_call>{'name': 'set_volume', 'arguments': {'level': 0x" + "f" * 4000 + "}}</tool_call>",
            "too_large",
        ),
        ("set_volume(level=-" + "8" * 4500 + ")", "too_large"),
        ({"name": "set_volume", "arguments": {"level": 10**4400}}, "too_large"),
        (
            '<tool_call>{"name": "get_weather", "arguments": {"city": "\\ud800"}}</tool_call>',
            "invalid_unicode",
        ),
        ({"name": "get_weather", "arguments": {"city": "Oslo", "\udc00": 1}}, UNICODE),
        ("Answer: \ud800", UNICODE),
    ],
)
def test_values_no_report_could_print_are_issues(output: Any, code: str) -> None:
    box = Toolbox([Tool.model_validate(t) for t in (WEATHER, BOUNDED)])
    result = check_output(output, box)
    assert [i.code for i in result.issues] == [code]
    assert not result.extraction.calls
    render_check(result).encode("utf-8")


def test_a_long_integer_within_the_limit_is_still_a_number() -> None:
    box = Toolbox([Tool.model_validate(BOUNDED)])
    result = check_output('{"name": "set_volume", "arguments": {"level": 5' + "0" * 4299 + "}}", box)
    assert [i.code for i in result.issues] == ["above_maximum"]
    assert result.extraction.calls[0].arguments["level"] == 5 * 10**4299


@pytest.mark.parametrize("flags", [[], ["--json"], ["--each-line"], ["--each-line", "--json"]])
def test_the_validate_command_reports_them_and_prints_utf8(flags: list[str], tmp_path: Path) -> None:
    source = tmp_path / "outputs.txt"
    source.write_text(
        '<tool_call>{"name": "get_weather", "arguments": {"city": "\\ud800"}}</tool_call>\n'
        "\"get_weather(city='\\\\ud800')\"\n"
        "set_volume(level=0x" + "f" * 4000 + ")\n",
        encoding="utf-8",
    )
    exe = shutil.which("fncall") or str(Path(sys.executable).with_name("fncall"))
    done = subprocess.run([exe, "validate", str(source), *flags], capture_output=True)
    assert done.returncode == 1, done.stderr
    assert done.stderr == b""
    out = done.stdout.decode("utf-8")  # strict: a lone surrogate would have failed to print at all
    assert "invalid_unicode" in out
    if "--each-line" in flags:
        assert "too_large" in out and len(out.splitlines()) >= 3
