"""Every command: bad bytes reject their own line, OS errors are one line with exit 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from tests.conftest import GOOD_RECORD
from tests.eval_helpers import write_hand_set


def run(*args: str, input: bytes | str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input)


def _one_line_error(result: Any, text: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not an uncaught error
    assert result.output.strip().splitlines()[-1] == f"error: {text}"


def _records_with_a_bad_byte(path: Path, n: int = 300, bad: int = 150) -> Path:
    lines = []
    for i in range(1, n + 1):
        row = {**GOOD_RECORD, "id": f"r{i}"}
        line = json.dumps(row).encode()
        lines.append(line.replace(b"Paris", b"Par\xffis", 1) if i == bad else line)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_validate_reads_bytes_that_are_not_utf8_as_an_issue(tmp_path: Path) -> None:
    result = run("validate", "-", input=b"\xff<tool_call>\n")
    assert result.exit_code == 1
    assert "error [invalid_utf8]: byte 0xff at offset 0 is not UTF-8 text (read as U+FFFD)" in result.output
    (tmp_path / "out.txt").write_bytes(b"fine\n\xfe<tool_call>{}</tool_call>\n")
    lines = run("validate", "--each-line", "--json", str(tmp_path / "out.txt"))
    rows = [json.loads(line) for line in lines.output.splitlines()]
    assert [[i["code"] for i in r["issues"]][:1] for r in rows] == [[], ["invalid_utf8"]]
    assert lines.exit_code == 1


def test_validate_given_a_folder_is_one_line(tmp_path: Path) -> None:
    _one_line_error(run("validate", str(tmp_path)), f"{tmp_path}: is a folder; give a file of model output, "
                    "or - for stdin")  # fmt: skip


def test_data_validate_rejects_the_bad_line_and_checks_the_others(tmp_path: Path) -> None:
    source = _records_with_a_bad_byte(tmp_path / "badutf8.jsonl")
    rejects = tmp_path / "rejects.jsonl"
    result = run("data", "validate", str(source), "--rejects", str(rejects))
    assert result.exit_code == 1
    assert f"{source}: 300 records, 299 valid, 1 invalid" in result.output
    assert f"{source}:150: invalid_utf8: not UTF-8 text: byte 0xff at column " in result.output
    rows = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["line"], r["errors"][0]["code"]) for r in rows] == [(150, "invalid_utf8")]


def test_data_convert_rejects_the_bad_line_and_converts_the_others(tmp_path: Path) -> None:
    source = _records_with_a_bad_byte(tmp_path / "badutf8.jsonl")
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    result = run("data", "convert", str(source), "-o", str(out), "--rejects", str(rejects))
    assert result.exit_code == 1, result.output
    assert f"{source}: 300 rows, 299 converted, 1 rejected" in result.output
    assert [json.loads(line)["row"] for line in rejects.read_text().splitlines()] == [150]
    assert len(out.read_text().splitlines()) == 299


def _blocked(tmp_path: Path) -> Path:
    """A path whose parent is a file: no command can write there."""
    (tmp_path / "taken").write_text("keep\n")
    return tmp_path / "taken"


@pytest.mark.parametrize(
    "command",
    [
        ["data", "generate", "--n", "3", "-o", "{out}/d.jsonl"],
        ["data", "convert", "{records}", "-o", "{out}/d.jsonl"],
        ["data", "validate", "{records}", "--rejects", "{out}/r.jsonl"],
        [
            "eval",
            "run",
            "--backend",
            "predictions",
            "--model",
            "{preds}",
            "--data",
            "{records}",
            "-o",
            "{out}",
        ],
    ],
    ids=["generate", "convert", "validate-rejects", "eval-run"],
)
def test_an_unwritable_output_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    records, preds = write_hand_set(tmp_path)
    blocked = _blocked(tmp_path)
    args = [a.format(out=blocked, records=records, preds=preds) for a in command]
    _one_line_error(run(*args), f"cannot write {blocked}: it is a file, not a folder")
    assert blocked.read_text() == "keep\n"


def test_generate_names_the_tools_file_it_refuses(tmp_path: Path) -> None:
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([{"name": "get_weather", "parameters": {"type": "objekt"}}]))
    result = run("data", "generate", "--tools", str(tools), "--n", "3", "-o", str(tmp_path / "d.jsonl"))
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f"error: {tools}: tools[0]: tool 'get_weather': ")


def test_eval_run_with_rejected_test_rows_exits_1(tmp_path: Path) -> None:
    records, preds = write_hand_set(tmp_path)
    records.write_bytes(records.read_bytes() + b'{"id": "\xff"}\n')
    out = tmp_path / "run"
    result = run("eval", "run", "--backend", "predictions", "--model", str(preds), "--data", str(records),
                 "--n-boot", "0", "-o", str(out))  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1] == f"1 test row(s) rejected: see {out / 'rejects.jsonl'}"
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert [(r["row"], r["reason"]) for r in rejects] == [(7, "not UTF-8 text: byte 0xff at column 9")]


def test_eval_score_with_rejected_test_rows_exits_1_too(tmp_path: Path) -> None:
    records, preds = write_hand_set(tmp_path)
    records.write_bytes(records.read_bytes() + b'{"id": "\xff"}\n')
    out = tmp_path / "scored"
    result = run("eval", "score", str(preds), "--data", str(records), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1] == f"1 test row(s) rejected: see {out / 'rejects.jsonl'}"
    clean, _ = write_hand_set(tmp_path / "clean")
    assert run("eval", "score", str(preds), "--data", str(clean)).exit_code == 0
