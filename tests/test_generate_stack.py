"""Several requests against one tool list per record (``GenerateConfig.requests``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_data.generate import GenerateConfig, ToolSpec, builders, catalog_specs, generate
from fncall_data.generate import stack as stack_module
from fncall_data.generate.verify import _ungrounded
from fncall_data.records import check_file, check_record
from fncall_data.turns import evaluated_turn
from fncall_data.types import Record

SPECS = catalog_specs()
BY_NAME = {spec.name: spec for spec in SPECS}
NO_CALL = ("irrelevance", "missing_param")


def _exchanges(record: Record) -> list[tuple[str, list[dict[str, object]]]]:
    """Each user turn with the calls of the assistant turn right after it ([] for a reply in words)."""
    out = []
    messages = record.messages
    for i, message in enumerate(messages):
        if message.role == "user" and i + 1 < len(messages):
            reply = messages[i + 1]
            calls = [{"name": c.name, "arguments": c.arguments} for c in reply.tool_calls or ()]
            out.append((message.content or "", calls))
    return out


def test_each_record_asks_several_requests_one_deciding_the_other_way() -> None:
    result = generate(GenerateConfig(n=120, seed=4, requests=3, reasoning=False), SPECS)
    records = [Record.model_validate_json(line) for line in result.lines]
    assert len(records) == 120 and result.failed_slots == 0
    for record, line in zip(records, result.lines, strict=True):
        assert line == record.to_json() and check_record(record) == []
        exchanges = _exchanges(record)
        # the two stacked requests, then the scheduled one (multi_turn brings a second exchange of its own)
        assert len(exchanges) == (3 if record.category != "multi_turn" else 4), record.id
        decisions = [bool(calls) for _, calls in exchanges[:3]]
        assert True in decisions and False in decisions, (record.id, decisions)
        # the scheduled category is the last request, and it is the one scored
        scored = record.messages[evaluated_turn(record)]
        assert [a.name for a in record.answers or ()] == [c.name for c in scored.tool_calls or ()]
        if record.category in NO_CALL:
            assert not scored.tool_calls and evaluated_turn(record) == len(record.messages) - 1
        # call ids are unique across the record, and each tool message answers a call made before it
        ids = [c.id for m in record.messages for c in m.tool_calls or ()]
        assert len(ids) == len(set(ids))
        made: set[str | None] = set()
        for message in record.messages:
            made.update(c.id for c in message.tool_calls or ())
            if message.role == "tool":
                assert message.tool_call_id in made


def test_every_value_is_stated_in_its_own_request_not_an_earlier_one() -> None:
    result = generate(GenerateConfig(n=80, seed=11, requests=3, reasoning=False), SPECS)
    checked = 0
    for line in result.lines:
        record = Record.model_validate_json(line)
        if record.category == "multi_turn":  # its follow-up leans on the request before, by design
            continue
        for request, calls in _exchanges(record):
            for call in calls:
                spec = BY_NAME[str(call["name"])]
                arguments = call["arguments"]
                assert isinstance(arguments, dict)
                for name, value in arguments.items():
                    schema = spec.properties.get(name, {})
                    assert _ungrounded(spec, name, value, schema, request.lower()) is None, (request, name)
                    checked += 1
    assert checked > 150


def test_a_stacked_refusal_asks_for_a_tool_of_another_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused request must not be one that the record's own tools could serve."""
    real_exchange, real_plan = stack_module.irrelevant_exchange, builders.plan_call
    asked: list[tuple[set[str], str]] = []

    def spy(offered: list[ToolSpec], pool: list[ToolSpec], rng: Any, reasoning: bool) -> Any:
        def plan(spec: ToolSpec, rng: Any, **options: Any) -> Any:
            asked.append(({s.domain for s in offered}, spec.domain))
            return real_plan(spec, rng, **options)

        monkeypatch.setattr(builders, "plan_call", plan)
        try:
            exchange = real_exchange(offered, pool, rng, reasoning)
        finally:
            monkeypatch.setattr(builders, "plan_call", real_plan)
        names = [s.name for s in offered]
        reply = exchange[1]["content"]
        assert "tool" not in reply or all(name in reply for name in names), (reply, names)
        return exchange

    monkeypatch.setattr(stack_module, "irrelevant_exchange", spy)
    generate(GenerateConfig(n=80, seed=5, requests=4, reasoning=False), SPECS)
    assert len(asked) > 20
    assert all(domain not in offered for offered, domain in asked)


def test_one_request_is_the_default_and_stacking_keeps_bytes_stable_across_workers() -> None:
    default = generate(GenerateConfig(n=40, seed=2), SPECS).lines
    assert default == generate(GenerateConfig(n=40, seed=2, requests=1), SPECS).lines
    assert all(sum(m["role"] == "user" for m in json.loads(x)["messages"]) <= 2 for x in default)
    stacked = generate(GenerateConfig(n=300, seed=2, requests=2), SPECS).lines
    assert stacked == generate(GenerateConfig(n=300, seed=2, requests=2, workers=2), SPECS).lines
    assert all(sum(m["role"] == "user" for m in json.loads(x)["messages"]) >= 2 for x in stacked)


def test_the_cli_option_writes_valid_stacked_records(tmp_path: Path) -> None:
    out = tmp_path / "stacked.jsonl"
    result = CliRunner().invoke(
        cli, ["data", "generate", "--n", "30", "--seed", "3", "--requests", "3", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert check_file(out).ok
    bad = CliRunner().invoke(cli, ["data", "generate", "--n", "3", "--requests", "0", "-o", str(out)])
    assert bad.exit_code == 2 and "--requests" in bad.output
