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

__all__ = ["FileReport", "LineProblem", "check_file", "check_record", "format_warnings"]


def check_record(record: Record, *, strict_format: bool = False) -> list[Issue]:
    """Every problem with how a record fits together; empty when it is sound.

    Args:
        record: the record.
        strict_format: a call argument that breaks its ``format`` is a ``bad_format`` problem; by
            default ``format`` is an annotation (see :func:`format_warnings`).

    Example:
        >>> r = Record(id="r1", messages=[{"role": "assistant", "content": "Hi"}])
        >>> [i.code for i in check_record(r)]
        ['role_order']
    """
    issues: list[Issue] = []
    box = _toolbox(record, issues, strict_format)
    issues.extend(_role_order(record.messages))
    issues.extend(_call_links(record.messages))
    if box is None:
        return issues
    for m, message in enumerate(record.messages):
        for c, call in enumerate(message.tool_calls or ()):
            issues.extend(box.validate_call(call, root=f"$.messages[{m}].tool_calls[{c}]"))
    issues.extend(_answers(record, box))
    return issues


def format_warnings(record: Record) -> list[Issue]:
    """The ``bad_format`` issues of a record's calls: what ``strict_format=True`` would reject.

    Example:
        >>> t = Tool(name="f", parameters={"type": "object", "properties": {"d": {"format": "date"}}})
        >>> call = {"name": "f", "arguments": {"d": "soon"}}
        >>> r = Record(id="r", tools=[t], messages=[{"role": "user", "content": "?"},
        ...     {"role": "assistant", "tool_calls": [call]}])
        >>> check_record(r), [(i.code, i.path) for i in format_warnings(r)]
        ([], [('bad_format', '$.messages[1].tool_calls[0].arguments.d')])
    """
    box = _toolbox(record, [], False)
    if box is None:
        return []
    return [
        issue
        for m, message in enumerate(record.messages)
        for c, call in enumerate(message.tool_calls or ())
        for issue in box.format_warnings(call, root=f"$.messages[{m}].tool_calls[{c}]")
    ]


def _toolbox(record: Record, issues: list[Issue], strict_format: bool) -> Toolbox | None:
    """The record's tools, compiled; a problem with them goes into ``issues`` (None: unusable)."""
    try:
        return Toolbox(record.tools, strict_format=strict_format)
    except FncallError as exc:
        unique = {t.name: t for t in record.tools}
        if len(unique) == len(record.tools):  # not a duplicate: a schema that cannot be compiled
            issues.append(Issue("invalid_record", str(exc), "$.tools"))
            return None
        issues.append(Issue("duplicate_tool", str(exc), "$.tools"))
    try:
        return Toolbox(unique.values(), strict_format=strict_format)
    except FncallError as exc:
        issues.append(Issue("invalid_record", str(exc), "$.tools"))
        return None


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
    """What :func:`check_file` found: counts, every bad line in file order, and format warnings.

    ``warnings`` holds the valid lines whose calls break a ``format`` (an annotation unless
    ``strict_format=True``, when they are problems instead).
    """

    path: str
    records: int = 0
    valid: int = 0
    problems: list[LineProblem] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    warnings: list[LineProblem] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        return self.records - self.valid

    @property
    def ok(self) -> bool:
        return self.invalid == 0


def check_file(
    path: str | os.PathLike[str],
    *,
    rejects: str | os.PathLike[str] | None = None,
    strict_format: bool = False,
) -> FileReport:
    """Check every line of a record file; never stops at a bad one.

    Args:
        path: a JSONL file of records.
        rejects: where to write the bad lines (JSONL: line, id, errors, raw), atomically; the file is
            written even when there are none, so that a stale one never survives a clean run.
        strict_format: a call argument that breaks its ``format`` makes the line bad; by default it
            is a warning (``report.warnings``) and the line counts as valid.

    Raises:
        InputError: when the file cannot be read at all.
    """
    report = FileReport(path=os.fspath(path))
    seen_ids: dict[str, int] = {}
    for item in iter_json_lines(path):
        report.records += 1
        record_id, issues, warnings = _check_line(item.value, item.error, item.code, strict_format)
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
            if warnings:
                report.warnings.append(LineProblem(item.line, record_id, tuple(warnings), item.text))
            category = item.value.get("category") or "(none)"
            report.categories[str(category)] += 1
    if rejects is not None:
        with atomic_write(rejects) as handle:
            for problem in report.problems:
                handle.write(json.dumps(problem.to_dict(), ensure_ascii=False) + "\n")
    return report


def _check_line(
    value: Any, parse_error: str | None, code: str | None, strict_format: bool
) -> tuple[str | None, list[Issue], list[Issue]]:
    """The record's id, its problems, and (when it has none) its format warnings."""
    if parse_error is not None:
        return None, [Issue(code or "invalid_json", parse_error)], []
    record_id = value.get("id") if isinstance(value, dict) else None
    record_id = record_id if isinstance(record_id, str) else None
    try:
        record = Record.model_validate(value)
    except ValidationError as exc:
        return record_id, [Issue("invalid_record", line) for line in describe_validation_error(exc)], []
    except FncallError as exc:  # a tool that cannot be used at all (a $ref outside its schema, ...)
        return record_id, [Issue("invalid_record", str(exc), "$.tools")], []
    issues = check_record(record, strict_format=strict_format)
    warnings = format_warnings(record) if not issues and not strict_format else []
    return record_id, issues, warnings
