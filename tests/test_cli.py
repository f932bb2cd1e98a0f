"""The CLI through click's runner, and once through the installed ``fncall`` executable."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from fncall_data.cli.main import cli

from .conftest import FORMAT_ROWS, REPO

TOOLS = str(REPO / "examples" / "tools.json")


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_validate_prints_calls_repairs_and_errors() -> None:
    text = "<tool_call>{'name': 'get_weather', 'arguments': {'city': 'Oslo', 'unit': 'kelvin'}}</tool_call>"
    result = run("validate", "--tools", TOOLS, input=text)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "INVALID (calls, 1 call)",
        '  call 0: get_weather {"city": "Oslo", "unit": "kelvin"}',
        "  repaired [python_literal] <tool_call> block 1 is a Python literal, not JSON",
        "  error [not_in_enum] at $[0].arguments.unit: 'kelvin' is not one of 'celsius', 'fahrenheit'",
    ]


def test_validate_exit_codes_and_strict_mode() -> None:
    good = '<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}</tool_call>'
    assert run("validate", "--tools", TOOLS, input=good).exit_code == 0
    repaired = good.replace('"', "'")
    assert run("validate", "--tools", TOOLS, input=repaired).exit_code == 0
    strict = run("validate", "--tools", TOOLS, "--strict", input=repaired)
    assert strict.exit_code == 1
    assert "strict_repair" in strict.output


def test_validate_json_output_one_object_per_output() -> None:
    lines = "\n".join(json.dumps(o) for o in ['get_weather(city="Lima")', "No call needed.", '{"name": "x"'])
    result = run("validate", "--tools", TOOLS, "--each-line", "--json", input=lines)
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["status"], r["valid"]) for r in rows] == [
        ("calls", True),
        ("no_call", True),
        ("malformed", False),
    ]
    assert rows[0]["calls"] == [{"id": None, "name": "get_weather", "arguments": {"city": "Lima"}}]
    assert result.exit_code == 1


def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run("validate", "--tools", str(tmp_path / "missing.json"), input="x")
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: ")
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert run("validate", "--no-such-option").exit_code == 2


def test_data_validate_reports_each_broken_line(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    result = run("data", "validate", str(REPO / "examples" / "records.jsonl"), "--rejects", str(rejects))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].endswith("records.jsonl: 6 records, 3 valid, 3 invalid")
    located = [m.group(1) for m in map(re.compile(r"records\.jsonl:(\d+):").search, lines) if m]
    assert located == ["3", "4", "5"]
    assert [json.loads(row)["line"] for row in rejects.read_text().splitlines()] == [3, 4, 5]


def test_schema_check_detects_stale_files(tmp_path: Path) -> None:
    assert run("schema", "--check", "-o", str(REPO / "schemas")).exit_code == 0
    assert run("schema", "--check", "-o", str(tmp_path)).exit_code == 1
    assert run("schema", "-o", str(tmp_path)).exit_code == 0
    assert run("schema", "--check", "-o", str(tmp_path)).exit_code == 0


def _turns_with_calls(row: dict[str, Any]) -> list[str]:
    """The call-bearing texts of one foreign-format row, whatever the format."""
    texts = []
    for turn in row.get("conversations", []):
        role = turn.get("role", turn.get("from"))
        text = turn.get("content", turn.get("value"))
        if role in ("model", "gpt", "assistant", "function_call") and text and ("(" in text or "{" in text):
            texts.append(text)
    for message in row.get("messages", []):
        if message.get("tool_calls"):
            texts.append(json.dumps({"tool_calls": message["tool_calls"]}))
    for chunk in row.get("chat", "").split("ASSISTANT:")[1:]:
        if "<functioncall>" in chunk:
            texts.append(chunk.split("\n\n\n")[0])
    if "answers" in row and json.loads(row["answers"]):  # xlam; "[]" answers a query with no call
        texts.append(row["answers"])
    return texts


def test_validate_reads_every_call_in_the_format_sample_rows() -> None:
    texts = []
    for path in sorted(FORMAT_ROWS.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            texts.extend(_turns_with_calls(json.loads(line)))
    result = run("validate", "--each-line", "--json", input="\n".join(json.dumps(t) for t in texts))
    rows = [json.loads(line) for line in result.output.splitlines()]
    # 2 seed_thinking, 2 hermes, 2 glaive, 2 xlam, 2 sharegpt, 3 openai and 2 toolace turns
    assert len(rows) == len(texts) == 15
    assert all(r["status"] == "calls" and r["valid"] for r in rows), rows
    assert sum(len(r["calls"]) for r in rows) == 20
    # The tutorial's and Hermes' Python reprs, and glaive's quoted arguments, are read and said to be
    # repaired.
    repaired = [r for r in rows if any(p["code"] == "python_literal" for p in r["repairs"])]
    assert len(repaired) == 6


def test_the_installed_executable_runs() -> None:
    exe = shutil.which("fncall") or str(Path(sys.executable).with_name("fncall"))
    done = subprocess.run(
        [exe, "validate", "--tools", TOOLS], input='get_weather(city="Oslo")', capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == '  call 0: get_weather {"city": "Oslo"}'
    assert subprocess.run([exe, "--help"], capture_output=True, text=True).stdout.startswith("Usage: fncall")
