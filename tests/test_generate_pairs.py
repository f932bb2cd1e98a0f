"""Minimal pairs (``GenerateConfig.pairs``): each missing-value record followed by the same request with
the value stated, and its call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from fncall_data.cli.main import cli
from fncall_data.generate import GenerateConfig, catalog_specs, generate
from fncall_data.generate.spec import load_specs
from fncall_data.records import check_record
from fncall_data.types import Record

SPECS = catalog_specs()


def _pairs(lines: list[str]) -> list[tuple[Record, Record]]:
    records = [Record.model_validate_json(line) for line in lines]
    return [(records[i - 1], r) for i, r in enumerate(records) if r.id.endswith("-pair")]


def _words(text: str) -> list[str]:
    return [word.strip(".,?!") for word in text.split()]


def test_each_missing_value_record_is_followed_by_its_twin_with_the_value_stated() -> None:
    result = generate(GenerateConfig(n=100, seed=5, reasoning=False, pairs=True), SPECS)
    pairs = _pairs(result.lines)
    missing = [line for line in result.lines if json.loads(line)["category"] == "missing_param"]
    assert result.pairs == len(pairs) == result.summary()["pairs"]
    assert len(result.lines) == 100 + len(pairs)
    assert len(pairs) >= 0.9 * len(missing) > 0, result.rejects  # a twin is rarely impossible
    for asked, stated in pairs:
        assert stated.id == asked.id + "-pair" and check_record(stated) == []
        assert asked.category == "missing_param"
        assert stated.category == ("multiple" if len(stated.tools) > 1 else "simple")
        # the same system prompt and tools; the question only lacks what the twin states
        assert asked.messages[0] == stated.messages[0] and asked.tools == stated.tools
        question, full = asked.messages[1].content or "", stated.messages[1].content or ""
        assert question != full and len(full) > len(question)
        call = stated.messages[2].tool_calls[0]
        assert not asked.messages[2].tool_calls and call.name in {t.name for t in stated.tools}
        # every word of the question is in the twin, in order: the twin adds the value's phrase
        words = iter(_words(full))
        assert all(word in words for word in _words(question)), (question, full)
        assert [a.name for a in stated.answers or ()] == [call.name]


def test_pairs_leave_the_other_records_byte_for_byte() -> None:
    config = GenerateConfig(n=60, seed=2, reasoning=False)
    plain = generate(config, SPECS)
    paired = generate(config.model_copy(update={"pairs": True}), SPECS)
    assert [line for line in paired.lines if '-pair", ' not in line] == plain.lines
    assert paired.pairs > 0


def test_pairs_for_a_tool_without_phrasings(tmp_path: Path) -> None:
    # tools defined only by JSON Schema speak through generic templates; the twin states the value there too
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([{
        "name": "book_table",
        "description": "Book a restaurant table.",
        "parameters": {"type": "object", "properties": {
            "restaurant": {"type": "string", "enum": ["Luigi's", "Blue Door", "Saffron"]},
            "people": {"type": "integer", "minimum": 1, "maximum": 12},
        }, "required": ["restaurant", "people"]},
    }]), encoding="utf-8")  # fmt: skip
    mix = {"missing_param": 1.0}
    result = generate(GenerateConfig(n=12, seed=1, reasoning=False, pairs=True, mix=mix), load_specs(tools))
    pairs = _pairs(result.lines)
    assert len(pairs) >= 10
    for _, stated in pairs:
        call = stated.messages[2].tool_calls[0]
        assert set(call.arguments) == {"restaurant", "people"}
        assert str(call.arguments["people"]) in (stated.messages[1].content or "")


def test_pairs_refuse_stacked_requests(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="one request a record"):
        GenerateConfig(n=5, pairs=True, requests=2)
    out = tmp_path / "out.jsonl"
    run = CliRunner().invoke(
        cli, ["data", "generate", "--n", "5", "--pairs", "--requests", "2", "-o", str(out)]
    )
    assert run.exit_code == 2 and "--pairs needs one request a record" in run.output and not out.exists()


def test_cli_pairs_says_how_many(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run = CliRunner().invoke(cli, ["data", "generate", "--n", "40", "--seed", "3", "--pairs", "-o", str(out)])
    assert run.exit_code == 0, run.output
    lines = out.read_text(encoding="utf-8").splitlines()
    twins = sum(json.loads(line)["id"].endswith("-pair") for line in lines)
    assert twins > 0 and f"wrote {len(lines)} records ({twins} of them minimal pairs)" in run.output
