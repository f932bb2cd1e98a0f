"""Checks of whole records and of record files.

:func:`check_record` looks at how a record's parts fit together, which the types alone cannot: the
order of roles, the links between calls and tool results, every call against its tools, and the
expected answers. :func:`check_file` runs it over a JSONL file and keeps going past bad lines,
reporting each with its line number.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from fncall_data.errors import FncallError
from fncall_data.io import atomic_write, iter_json_lines
from fncall_data.issues import Issue
from fncall_data.types import Message, Record, describe_validation_error
from fncall_data.validate import Toolbox

__all__ = ["FileReport", "LineProblem", "check_file", "check_record"]


def check_record(record: Record) -> list[Issue]:
    """Every problem with how a record fits together; empty when it is sound.

    Example:
        >>> r = Record(id="r1", messages=[{"role": "assistant", "content": "Hi"}])
        >>> [i.code for i in check_record(r)]
        ['role_order']
    """
    issues: list[Issue] = []
    try:
        box = Toolbox(record.tools)
    except FncallError as exc:
        issues.append(Issue("duplicate_tool", str(exc), "$.tools"))
        box = Toolbox({t.name: t for t in record.tools}.values())
    issues.extend(_role_order(record.messages))
    issues.extend(_call_links(record.messages))
    for m, message in enumerate(record.messages):
        for c, call in enumerate(message.tool_calls or ()):
            issues.extend(box.validate_call(call, root=f"$.messages[{m}].tool_calls[{c}]"))
    issues.extend(_answers(record, box))
    return issues


def _role_order(messages: list[Message]) -> Iterator[Issue]:
    previous = None
    for i, message in enumerate(messages):
        role, where = message.role, f"$.messages[{i}].role"
        if role == "system" and previous not in (None, "system"):
            yield Issue("role_order", "a system message may only open the conversation", where)
        elif role == "user" and previous == "user":
            yield Issue("role_order", "two user turns in a row", where)
        elif role == "assistant" and previous not in ("user", "tool"):
            after = previous or "the start"
            yield Issue(
                "role_order", f"an assistant turn must follow a user or tool turn, not {after}", where
            )
        elif role == "tool" and previous not in ("assistant", "tool"):
            yield Issue(
                "role_order", "a tool result must follow the assistant turn that made the call", where
            )
        previous = role
    if previous != "assistant":
        yield Issue(
            "role_order",
            "the conversation must end with an assistant turn",
            f"$.messages[{len(messages) - 1}]",
        )


def _call_links(messages: list[Message]) -> Iterator[Issue]:
    """Each tool result answers one call of the assistant turn just before it, once."""
    seen_ids: set[str] = set()
    open_calls: dict[str, str] = {}  # id -> tool name, for the calls of the latest assistant turn
    answered: set[str] = set()
    for i, message in enumerate(messages):
        if message.role == "assistant":
            yield from _unanswered(open_calls, answered, i)
            open_calls, answered = {}, set()
            for c, call in enumerate(message.tool_calls or ()):
                if call.id is None:
                    continue
                if call.id in seen_ids:
                    where = f"$.messages[{i}].tool_calls[{c}].id"
                    yield Issue("duplicate_call_id", f"call id {call.id!r} is used twice", where)
                seen_ids.add(call.id)
                open_calls[call.id] = call.name
        elif message.role == "tool":
            where = f"$.messages[{i}]"
            if message.tool_call_id is not None:
                if message.tool_call_id not in open_calls:
                    known = ", ".join(open_calls) or "none"
                    text = f"tool_call_id {message.tool_call_id!r} answers no call of the turn before"
                    text += f" (its calls: {known})"
                    yield Issue("unknown_call_id", text, where + ".tool_call_id")
                elif message.tool_call_id in answered:
                    yield Issue("duplicate_result", f"call {message.tool_call_id!r} is answered twice", where)
                elif message.name is not None and message.name != open_calls[message.tool_call_id]:
                    tool = open_calls[message.tool_call_id]
                    yield Issue(
                        "result_name_mismatch", f"the result names {message.name!r}, the call {tool!r}", where
                    )
                answered.add(message.tool_call_id)
        elif message.role == "user":
            yield from _unanswered(open_calls, answered, i)
            open_calls, answered = {}, set()


def _unanswered(open_calls: dict[str, str], answered: set[str], index: int) -> Iterator[Issue]:
    # Calls at the very end of a record may stay open (an evaluation prompt ends on the call);
    # calls followed by another turn must each have had their result.
    for call_id in open_calls.keys() - answered:
        yield Issue(
            "unanswered_call",
            f"call {call_id!r} gets no tool result before the next turn",
            f"$.messages[{index}]",
        )


def _answers(record: Record, box: Toolbox) -> Iterator[Issue]:
    for a, answer in enumerate(record.answers or ()):
        tool = box.tools.get(answer.name)
        where = f"$.answers[{a}]"
        if tool is None:
            yield Issue("unknown_tool", f"expected call names unknown tool {answer.name!r}", where + ".name")
            continue
        declared = tool.parameters.get("properties", {})
        for key in answer.arguments:
            if key not in declared:
                yield Issue(
                    "unexpected_argument",
                    f"{answer.name} has no argument {key!r}",
                    f"{where}.arguments.{key}",
                )


# --- files ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A bad line of a file: where it is, what is wrong with it, and its text as read."""

    line: int
    record_id: str | None
    issues: tuple[Issue, ...]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "id": self.record_id,
            "errors": [i.to_dict() for i in self.issues],
            "raw": self.text.rstrip("\n"),
        }


@dataclass
class FileReport:
    """What :func:`check_file` found: counts, and every bad line in file order."""

    path: str
    records: int = 0
    valid: int = 0
    problems: list[LineProblem] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)

    @property
    def invalid(self) -> int:
        return self.records - self.valid

    @property
    def ok(self) -> bool:
        return self.invalid == 0


def check_file(path: str | os.PathLike[str], *, rejects: str | os.PathLike[str] | None = None) -> FileReport:
    """Check every line of a record file; never stops at a bad one.

    Args:
        path: a JSONL file of records.
        rejects: where to write the bad lines (JSONL: line, id, errors, raw), atomically; the file is
            written even when there are none, so that a stale one never survives a clean run.

    Raises:
        InputError: when the file cannot be read at all.
    """
    report = FileReport(path=os.fspath(path))
    seen_ids: dict[str, int] = {}
    for item in iter_json_lines(path):
        report.records += 1
        record_id, issues = _check_line(item.value, item.error, item.code)
        if record_id is not None:
            if record_id in seen_ids:
                text = f"id {record_id!r} is already used on line {seen_ids[record_id]}"
                issues.append(Issue("duplicate_id", text, "$.id"))
            else:
                seen_ids[record_id] = item.line
        if issues:
            report.problems.append(LineProblem(item.line, record_id, tuple(issues), item.text))
            report.codes.update(i.code for i in issues)
        else:
            report.valid += 1
            category = item.value.get("category") or "(none)"
            report.categories[str(category)] += 1
    if rejects is not None:
        with atomic_write(rejects) as handle:
            for problem in report.problems:
                handle.write(json.dumps(problem.to_dict(), ensure_ascii=False) + "\n")
    return report


def _check_line(value: Any, parse_error: str | None, code: str | None) -> tuple[str | None, list[Issue]]:
    if parse_error is not None:
        return None, [Issue(code or "invalid_json", parse_error)]
    record_id = value.get("id") if isinstance(value, dict) else None
    record_id = record_id if isinstance(record_id, str) else None
    try:
        record = Record.model_validate(value)
    except ValidationError as exc:
        return record_id, [Issue("invalid_record", line) for line in describe_validation_error(exc)]
    return record_id, check_record(record)
