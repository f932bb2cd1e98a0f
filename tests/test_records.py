from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fncall_data.records import check_file, check_record
from fncall_data.types import Record


def issues_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i.code, i.path) for i in check_record(Record.model_validate(data))]


def test_a_sound_record_has_no_issues(good_record: dict[str, Any]) -> None:
    assert issues_of(good_record) == []


def test_a_record_may_end_on_the_call_it_is_evaluated_on(good_record: dict[str, Any]) -> None:
    good_record["messages"] = good_record["messages"][:3]
    assert issues_of(good_record) == []


def test_role_order(good_record: dict[str, Any]) -> None:
    messages = good_record["messages"]
    messages.insert(2, {"role": "system", "content": "late"})
    assert issues_of(good_record) == [
        ("role_order", "$.messages[2].role"),
        ("role_order", "$.messages[3].role"),
    ]
    good_record["messages"] = [messages[1], messages[1]]
    assert issues_of(good_record) == [("role_order", "$.messages[1].role"), ("role_order", "$.messages[1]")]


def test_call_links(good_record: dict[str, Any]) -> None:
    messages = good_record["messages"]
    messages[3]["tool_call_id"] = "c9"
    messages[4]["name"] = "other"
    assert issues_of(good_record) == [
        ("unknown_call_id", "$.messages[3].tool_call_id"),
        ("result_name_mismatch", "$.messages[4]"),
        ("unanswered_call", "$.messages[5]"),
    ]
    fixed = copy.deepcopy(good_record)
    fixed["messages"][3]["tool_call_id"] = "c2"
    fixed["messages"][4]["name"] = "get_weather"
    assert [c for c, _ in issues_of(fixed)] == ["duplicate_result", "unanswered_call"]


def test_calls_are_checked_against_the_record_tools(good_record: dict[str, Any]) -> None:
    good_record["messages"][2]["tool_calls"][1]["arguments"] = {"city": "Rome", "unit": "K"}
    good_record["messages"][2]["tool_calls"][0]["id"] = "c2"
    assert issues_of(good_record) == [
        ("duplicate_call_id", "$.messages[2].tool_calls[1].id"),
        ("unknown_call_id", "$.messages[3].tool_call_id"),  # "c1" no longer exists
        ("not_in_enum", "$.messages[2].tool_calls[1].arguments.unit"),
    ]


def test_answers_name_known_tools_and_arguments(good_record: dict[str, Any]) -> None:
    good_record["answers"] = [
        {"name": "get_weather", "arguments": {"city": ["Paris"], "unit": ["celsius", ""], "zip": ["1"]}},
        {"name": "get_time", "arguments": {}},
    ]
    assert issues_of(good_record) == [
        ("unexpected_argument", "$.answers[0].arguments.zip"),
        ("unknown_tool", "$.answers[1].name"),
    ]


def test_check_file_reports_every_bad_line_and_keeps_going(
    tmp_path: Path, good_record: dict[str, Any]
) -> None:
    second = {**good_record, "id": "w-2"}
    bad_call = copy.deepcopy(good_record)
    bad_call["id"] = "w-3"
    bad_call["messages"][2]["tool_calls"][0]["arguments"] = {}
    lines = [
        json.dumps(good_record),
        '{"id": "broken", "messages": [',  # cut in the middle
        "",
        json.dumps(second),
        json.dumps({"id": "w-4", "messages": [{"role": "human", "content": "hi"}]}),
        json.dumps(bad_call),
        json.dumps(good_record),  # same id as line 1
        "[1, 2]",
    ]
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rejects = tmp_path / "rejects.jsonl"
    report = check_file(path, rejects=rejects)
    assert (report.records, report.valid, report.invalid) == (7, 2, 5)
    assert [(p.line, p.record_id, [i.code for i in p.issues]) for p in report.problems] == [
        (2, None, ["invalid_json"]),
        (5, "w-4", ["invalid_record"]),
        (6, "w-3", ["missing_required"]),
        (7, "w-000017", ["duplicate_id"]),
        (8, None, ["invalid_record"]),
    ]
    assert "messages.0.role" in report.problems[1].issues[0].message
    written = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["line"], r["raw"]) for r in written] == [(p.line, lines[p.line - 1]) for p in report.problems]
    assert report.categories == {"parallel": 2}


def test_a_clean_run_replaces_a_stale_rejects_file(tmp_path: Path, good_record: dict[str, Any]) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(good_record) + "\n")
    rejects = tmp_path / "rejects.jsonl"
    rejects.write_text("old\n")
    assert check_file(path, rejects=rejects).ok
    assert rejects.read_text() == ""


def test_unreadable_files_are_a_user_error(tmp_path: Path) -> None:
    from fncall_data.errors import InputError

    path = tmp_path / "d.jsonl"
    path.write_bytes("{}\n".encode("utf-16"))
    with pytest.raises(InputError, match=r"d\.jsonl: the file is UTF-16 text; save it as UTF-8"):
        check_file(path)
    with pytest.raises(InputError, match=r"no-such\.jsonl: cannot read it"):
        check_file(tmp_path / "no-such.jsonl")
