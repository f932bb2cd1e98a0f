"""``format`` is an annotation by default and an assertion on request, in the library and every command.

The glaive row below is written for this test: a real-looking call whose ``when`` has no seconds and
no offset (``2026-03-02T09:30``), which RFC 3339's ``date-time`` does not accept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.check import check_output
from fncall_data.cli.main import cli
from fncall_data.errors import FncallError
from fncall_data.formats import RowWarning, load_records
from fncall_data.records import check_file
from fncall_data.schema_engine import ASSERTED_FORMATS
from fncall_data.types import Tool
from fncall_data.validate import Toolbox, validate_call, validate_value

SCHEDULE = {
    "name": "schedule_meeting",
    "description": "Book a meeting room.",
    "parameters": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "What the meeting is about"},
            "when": {"type": "string", "format": "date-time", "description": "Start time"},
        },
        "required": ["title", "when"],
    },
}
GLAIVE_ROW = {
    "system": "SYSTEM: You are a helpful assistant with access to the following functions. "
    "Use them if required -\n" + json.dumps(SCHEDULE, indent=4) + "\n",
    "chat": "USER: Book the design review for March 2nd at 9:30.\n\n\n"
    'ASSISTANT: <functioncall> {"name": "schedule_meeting", "arguments": '
    '\'{"title": "Design review", "when": "2026-03-02T09:30"}\'} <|endoftext|>\n\n\n'
    'FUNCTION RESPONSE: {"status": "booked"}\n\n\n'
    "ASSISTANT: The design review is booked for March 2nd at 9:30. <|endoftext|>\n\n\n",
}
WHERE = "$.messages[1].tool_calls[0].arguments.when"
WARNING = "'2026-03-02T09:30' is not a valid date-time"


def _run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def glaive_file(tmp_path: Path) -> Path:
    path = tmp_path / "glaive.jsonl"
    path.write_text(json.dumps(GLAIVE_ROW) + "\n", encoding="utf-8")
    return path


def test_import_keeps_the_glaive_row_with_a_format_warning(glaive_file: Path) -> None:
    result = load_records(glaive_file, fmt="glaive")
    assert [r.id for r in result.records] == ["glaive-000001"]
    assert result.rejects == []
    assert result.warnings == [RowWarning(1, "bad_format", WHERE, WARNING)]
    call = result.records[0].messages[1].tool_calls
    assert call is not None and call[0].arguments == {"title": "Design review", "when": "2026-03-02T09:30"}


def test_import_under_strict_format_rejects_the_glaive_row(glaive_file: Path) -> None:
    result = load_records(glaive_file, fmt="glaive", strict_format=True)
    assert result.records == [] and result.warnings == []
    assert [(r.row, r.reason) for r in result.rejects] == [(1, f"bad_format at {WHERE}: {WARNING}")]


def test_convert_command_reports_the_warning_and_strict_format_rejects(
    glaive_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "records.jsonl"
    kept = _run("data", "convert", str(glaive_file), "--from", "glaive", "-o", str(out))
    assert kept.exit_code == 0, kept.output
    assert kept.output == (
        f"{glaive_file}: 1 rows, 1 converted, 0 rejected\n"
        "repairs: arguments_string 1\n"
        "format warnings: 1 in 1 kept rows (--strict-format rejects them)\n"
        f"{glaive_file}: row 1: bad_format at {WHERE}: {WARNING}\n"
        f"wrote 1 rows in the records format to {out}\n"
    )
    strict = _run("data", "convert", str(glaive_file), "--from", "glaive", "-o", str(out), "--strict-format")
    assert strict.exit_code == 1
    assert strict.output == (
        f"{glaive_file}: 1 rows, 0 converted, 1 rejected\n"
        "repairs: arguments_string 1\n"
        f"wrote 0 rows in the records format to {out}\n"
        f"{glaive_file}: row 1: bad_format at {WHERE}: {WARNING}\n"
    )


def test_data_validate_counts_format_warnings_and_strict_format_rejects(
    glaive_file: Path, tmp_path: Path
) -> None:
    records = tmp_path / "records.jsonl"
    [record] = load_records(glaive_file, fmt="glaive").records
    records.write_text(record.model_dump_json(exclude_none=True) + "\n", encoding="utf-8")

    report = check_file(records)
    assert (report.records, report.valid, report.problems) == (1, 1, [])
    assert [(w.line, [(i.code, i.path) for i in w.issues]) for w in report.warnings] == [
        (1, [("bad_format", WHERE)])
    ]
    strict = check_file(records, strict_format=True)
    assert (strict.valid, strict.warnings) == (0, [])
    assert [(p.line, [(i.code, i.path) for i in p.issues]) for p in strict.problems] == [
        (1, [("bad_format", WHERE)])
    ]

    kept = _run("data", "validate", str(records))
    assert kept.exit_code == 0, kept.output
    assert kept.output == (
        f"{records}: 1 records, 1 valid, 0 invalid\n"
        "valid by category: (none) 1\n"
        "format warnings: 1 in 1 valid records (--strict-format rejects them)\n"
        f"{records}:1: warning bad_format at {WHERE}: {WARNING}\n"
    )
    rejected = _run("data", "validate", str(records), "--strict-format")
    assert rejected.exit_code == 1
    assert rejected.output == (
        f"{records}: 1 records, 0 valid, 1 invalid\n"
        "errors by code: bad_format 1\n"
        f"{records}:1: [glaive-000001] bad_format at {WHERE}: {WARNING}\n"
    )


def test_fncall_validate_asserts_formats_only_with_strict_format(tmp_path: Path) -> None:
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([SCHEDULE]), encoding="utf-8")
    call = {"name": "schedule_meeting", "arguments": {"title": "x", "when": "2026-03-02T09:30"}}
    output = f"<tool_call>{json.dumps(call)}</tool_call>"
    assert _run("validate", "--tools", str(tools), input=output).exit_code == 0
    strict = _run("validate", "--tools", str(tools), "--strict-format", input=output)
    assert strict.exit_code == 1
    assert f"  error [bad_format] at $[0].arguments.when: {WARNING}" in strict.output.splitlines()


def test_library_default_and_strict_format() -> None:
    tool = Tool.model_validate(SCHEDULE)
    call = {"name": "schedule_meeting", "arguments": {"title": "x", "when": "2026-03-02T09:30"}}
    assert validate_call(call, [tool]) == []
    assert [(i.code, i.path) for i in validate_call(call, [tool], strict_format=True)] == [
        ("bad_format", "$.arguments.when")
    ]
    assert [(i.code, i.path) for i in Toolbox([tool]).format_warnings(call)] == [
        ("bad_format", "$.arguments.when")
    ]
    text = f"<tool_call>{json.dumps(call)}</tool_call>"
    assert check_output(text, [tool]).valid
    assert [i.code for i in check_output(text, [tool], strict_format=True).issues] == ["bad_format"]
    strict_box = Toolbox([tool], strict_format=True)
    assert [i.code for i in check_output(text, strict_box).issues] == ["bad_format"]
    with pytest.raises(FncallError, match="needs a Toolbox built with strict_format=True"):
        check_output(text, Toolbox([tool]), strict_format=True)
    good = {"name": "schedule_meeting", "arguments": {"title": "x", "when": "2026-03-02T09:30:00Z"}}
    assert validate_call(good, [tool], strict_format=True) == []


# One value each format must turn away when asserted (and accept when it is an annotation).
BAD_VALUES = {
    "date": "2026-02-30",
    "date-time": "2026-03-02T09:30",
    "time": "25:00:00Z",
    "duration": "3 days",
    "email": "nobody",
    "idn-email": "nobody",
    "hostname": "-bad-.example",
    "idn-hostname": "-bad-.example",
    "ipv4": "300.1.1.1",
    "ipv6": "1:::2",
    "uri": "no scheme",
    "uri-reference": "\\\\not a reference",
    "iri": "no scheme",
    "iri-reference": "\\\\not a reference",
    "uri-template": "{unclosed",
    "json-pointer": "no-slash",
    "relative-json-pointer": "/absolute",
    "regex": "(unclosed",
    "uuid": "not-a-uuid",
}


def test_every_asserted_format_is_asserted_under_strict_format_only() -> None:
    assert set(BAD_VALUES) == ASSERTED_FORMATS
    for fmt, value in sorted(BAD_VALUES.items()):
        schema = {"type": "string", "format": fmt}
        assert validate_value(value, schema) == [], fmt
        assert [i.code for i in validate_value(value, schema, strict_format=True)] == ["bad_format"], fmt


def test_unknown_formats_are_never_asserted() -> None:
    for fmt in ("phone-number", "currency", "int32", "binary"):
        assert validate_value("???", {"type": "string", "format": fmt}, strict_format=True) == [], fmt
