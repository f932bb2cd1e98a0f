"""Generation end to end: categories and mix, verification, determinism, users' tools through the CLI."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from fncall_data.cli.main import cli
from fncall_data.errors import FncallError
from fncall_data.generate import GenerateConfig, catalog_specs, generate, parse_mix
from fncall_data.generate.builders import BUILDERS, ToolSet
from fncall_data.generate.runner import schedule
from fncall_data.generate.verify import verify_draft
from fncall_data.records import check_file, check_record
from fncall_data.turns import evaluated_turn
from fncall_data.types import CATEGORIES, Record

from .conftest import REPO
from .generate_helpers import SPEC_TOOLS, USER_TOOLS

SPECS = catalog_specs()
SCHEMA = Draft202012Validator(json.loads((REPO / "schemas" / "record.schema.json").read_text()))


def _records(lines: list[str]) -> list[Record]:
    return [Record.model_validate_json(line) for line in lines]


def test_a_run_covers_every_category_and_every_record_is_sound() -> None:
    result = generate(GenerateConfig(n=280, seed=3), SPECS)
    records = _records(result.lines)
    assert len(records) == 280 and result.failed_slots == 0
    assert {r.category for r in records} == set(CATEGORIES)
    assert len({r.id for r in records}) == 280
    for record, line in zip(records, result.lines, strict=True):
        assert line == record.to_json()  # the fast writer gives the canonical bytes
        assert check_record(record) == []
        assert not list(SCHEMA.iter_errors(json.loads(line)))
        scored = record.messages[evaluated_turn(record)]
        assert record.answers is not None
        assert [a.name for a in record.answers] == [c.name for c in scored.tool_calls or ()]
        assert record.meta["source"] == "generated"
        if record.category in ("irrelevance", "missing_param"):  # the scored (last) request asks no call
            assert record.answers == [] and not scored.tool_calls and scored is record.messages[-1]


def test_the_mix_is_met_within_two_points() -> None:
    mix = parse_mix("simple=0.3,parallel=0.2,multi_turn=0.2,irrelevance=0.1,missing_param=0.2")
    result = generate(GenerateConfig(n=300, seed=5, mix=mix), SPECS)
    for name, share in mix.items():
        assert abs(result.categories[name] / 300 - share) <= 0.02
    assert schedule(7, {"simple": 0.5, "parallel": 0.5})[:4] == ["simple", "parallel", "simple", "parallel"]


def test_parse_mix_names_the_bad_part() -> None:
    with pytest.raises(FncallError, match="unknown category 'simpel'"):
        parse_mix("simpel=1")
    with pytest.raises(FncallError, match="needs a number"):
        parse_mix("simple=lots")


def test_every_argument_value_is_stated_in_the_conversation_or_a_default() -> None:
    result = generate(GenerateConfig(n=140, seed=9, reasoning=False), SPECS)
    for record in _records(result.lines):
        spoken = " ".join(m.content or "" for m in record.messages if m.role == "user").lower()
        for message in record.messages:
            assert message.reasoning is None
            for call in message.tool_calls or ():
                for value in call.arguments.values():
                    if isinstance(value, str) and "-" not in value and not value.islower():
                        assert value.lower() in spoken, (value, spoken)


def test_verification_rejects_an_invented_value_and_a_wrong_result() -> None:
    ts = ToolSet([s for s in SPECS if s.name == "get_current_weather"])
    draft = BUILDERS["simple"](ts, random.Random(1), True)
    record, problems = verify_draft(draft, "x", {})
    assert record is not None and problems == []
    draft.messages[2]["tool_calls"][0]["arguments"]["city"] = "Atlantis"
    _, problems = verify_draft(draft, "x", {})
    assert [reason for reason, _ in problems] == ["ungrounded_value", "result_not_reproducible"]


def test_progress_is_reported_up_to_the_total() -> None:
    seen: list[tuple[int, int]] = []
    generate(GenerateConfig(n=30, seed=2), SPECS, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (30, 30) and len(seen) == 30
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_same_seed_same_bytes_and_workers_do_not_change_them(tmp_path: Path) -> None:
    one = generate(GenerateConfig(n=600, seed=7), SPECS).lines
    assert one == generate(GenerateConfig(n=600, seed=7), SPECS).lines
    assert one == generate(GenerateConfig(n=600, seed=7, workers=2), SPECS).lines
    assert one != generate(GenerateConfig(n=600, seed=8), SPECS).lines


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_cli_writes_valid_identical_files_with_one_or_two_workers(tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = []
    for name, extra in (("a", []), ("b", ["--workers", "2"])):
        out = tmp_path / f"{name}.jsonl"
        result = runner.invoke(cli, ["data", "generate", "--n", "700", "--seed", "7", "-o", str(out), *extra])
        assert result.exit_code == 0, result.output
        assert "wrote 700 records" in result.output
        outputs.append(out)
    assert _sha(outputs[0]) == _sha(outputs[1])
    assert check_file(outputs[0]).ok
    rejects = [json.loads(line) for line in (tmp_path / "a.rejects.jsonl").read_text().splitlines()]
    assert all({"slot", "reason", "detail", "category"} <= set(row) for row in rejects)


def test_a_users_module_with_two_pydantic_tools_goes_through_the_cli(
    tmp_path: Path, monkeypatch: Any
) -> None:
    (tmp_path / "my_tools.py").write_text(USER_TOOLS)
    monkeypatch.syspath_prepend(str(tmp_path))
    for source in (str(tmp_path / "my_tools.py"), "my_tools:TOOLS"):
        out = tmp_path / "user.jsonl"
        result = CliRunner().invoke(
            cli, ["data", "generate", "--tools", source, "--n", "80", "--seed", "1", "-o", str(out), "--json"]
        )
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output.splitlines()[-1])
        assert summary["records"] == 80 and set(summary["tools"]) == {"book_table", "tip"}
        assert check_file(out).ok
        records = _records(out.read_text().splitlines())
        texts = [m.content for r in records for m in r.messages if m.role == "user"]
        assert any("Book a table at" in (t or "") for t in texts)  # the author's phrasing
        assert any("compute a tip" in (t or "").lower() for t in texts)  # the generic one, from the docstring
        booked = [m for r in records for m in r.messages if m.role == "tool" and m.name == "book_table"]
        assert booked and all(json.loads(m.content or "")["code"] for m in booked)


def test_json_specs_without_code_get_synthesised_results_or_none(tmp_path: Path) -> None:
    path = tmp_path / "tools.json"
    path.write_text(json.dumps(SPEC_TOOLS))
    result = generate(GenerateConfig(n=60, seed=2, mix={"simple": 1.0}, requests=1), str(path))
    records = _records(result.lines)
    stock = [r for r in records if r.meta["tool_names"] == ["get_stock_price"]]
    city = [r for r in records if r.meta["tool_names"] == ["lookup_city"]]
    assert stock and city
    assert all(json.loads(r.messages[3].content or "")["price"] >= 1 for r in stock)
    assert all(r.messages[-1].tool_calls and len(r.messages) == 3 for r in city)


def test_a_failing_implementation_rejects_the_record_with_its_reason() -> None:
    def explode(city: str) -> str:
        """Look up a city."""
        raise RuntimeError("backend down")

    result = generate(GenerateConfig(n=3, seed=1, mix={"simple": 1.0}), [explode])
    assert result.lines == [] and result.failed_slots == 3
    assert set(result.reasons) == {"execution_error"}
    assert "backend down" in result.rejects[0]["detail"]


def test_a_bad_tools_option_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["data", "generate", "--tools", "nope.txt", "-o", str(tmp_path / "x.jsonl")]
    )
    assert result.exit_code == 2
    assert "nope.txt: cannot load tools from it" in result.output


# A whole record, as written: the bytes must not drift without a reason (update it on purpose).
SNAPSHOT = {
    "id": "gen-6-000000",
    "category": "multi_turn",
    "tools": [
        {
            "name": "search_products",
            "description": "Search the shop's catalog for products.",
            "parameters": {
                "properties": {
                    "query": {"description": "What to search for.", "minLength": 1, "type": "string"},
                    "max_price": {
                        "exclusiveMinimum": 0,
                        "type": "number",
                        "description": "Highest price in USD.",
                    },
                    "sort": {
                        "default": "relevance",
                        "description": "Order.",
                        "enum": ["relevance", "price_asc", "price_desc", "rating"],
                        "type": "string",
                    },
                },
                "required": ["query"],
                "type": "object",
            },
        },
        {
            "name": "get_file_info",
            "description": "Size, type and last change of a file.",
            "parameters": {
                "properties": {"path": {"description": "File path.", "minLength": 1, "type": "string"}},
                "required": ["path"],
                "type": "object",
            },
        },
    ],
    "messages": [
        {
            "role": "system",
            "content": "You are an assistant that can call functions. Call one only when it fits the "
            "request.",
        },
        {"role": "user", "content": "Search: a kids' bike"},
        {
            "role": "assistant",
            "reasoning": 'This calls for search_products. Arguments: query="a kids\' bike"; the rest '
            "keep their defaults. The other tools don't apply.",
            "tool_calls": [{"id": "c1", "name": "search_products", "arguments": {"query": "a kids' bike"}}],
        },
        {
            "role": "tool",
            "content": '{"count": 9, "top_product": "Nordic kids\' bike", "top_price": 116.06, '
            '"rating": 3.7}',
            "tool_call_id": "c1",
            "name": "search_products",
        },
        {
            "role": "assistant",
            "content": "Nordic kids' bike looks best: 116.06 USD with a 3.7/5 rating (9 matches in all).",
        },
        {"role": "user", "content": "Thanks. Give me the details of the file Documents/report_q3.pdf."},
        {
            "role": "assistant",
            "reasoning": "The user wants the size, type and last change of a file. get_file_info does "
            'that; from the request: path="Documents/report_q3.pdf".',
            "tool_calls": [
                {"id": "c2", "name": "get_file_info", "arguments": {"path": "Documents/report_q3.pdf"}}
            ],
        },
        {
            "role": "tool",
            "content": '{"size_kb": 31277, "modified": "2026-07-13"}',
            "tool_call_id": "c2",
            "name": "get_file_info",
        },
        {"role": "assistant", "content": "That file is 31277 KB and was last changed 2026-07-13."},
    ],
    "answers": [{"name": "get_file_info", "arguments": {"path": ["Documents/report_q3.pdf"]}}],
    "meta": {"source": "generated", "seed": 6, "tool_names": ["search_products", "get_file_info"]},
}


def test_a_whole_multi_turn_record_is_stable() -> None:
    line = generate(GenerateConfig(n=1, seed=6, mix={"multi_turn": 1.0}, requests=1), SPECS).lines[0]
    assert json.loads(line) == SNAPSHOT
    assert line == json.dumps(SNAPSHOT, ensure_ascii=False)
