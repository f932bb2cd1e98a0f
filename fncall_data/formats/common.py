"""Helpers every format shares: building checked records, reading calls, linking results, tool blocks.

Calls are read with :func:`fncall_data.extract.extract` and tools built with
:func:`fncall_data.tools.to_tool`; nothing here parses call syntax itself.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from fncall_data.errors import FncallError
from fncall_data.extract import Extraction, extract
from fncall_data.formats.base import RowError
from fncall_data.pyliteral import LiteralParseError, parse_literal
from fncall_data.records import check_record
from fncall_data.tools import to_tool
from fncall_data.types import Message, Record, Tool, describe_validation_error

__all__ = [
    "CallLinker",
    "ToolsBlock",
    "assistant_message",
    "build_record",
    "checked_record",
    "decode_json_field",
    "payload_as_python",
    "payload_as_text",
    "read_calls",
    "row_id",
    "row_meta",
    "tool_spec",
    "tools_from_specs",
    "turns",
]


def build_record(
    *,
    record_id: str,
    messages: list[dict[str, Any]],
    tools: Sequence[Tool] = (),
    category: str | None = None,
    answers: list[dict[str, Any]] | None = None,
    meta: dict[str, Any] | None = None,
) -> Record:
    """A :class:`Record` that passed both the types and :func:`check_record`, or a :class:`RowError`."""
    data = {
        "id": record_id,
        "category": category,
        "tools": list(tools),
        "messages": messages,
        "answers": answers,
        "meta": meta or {},
    }
    return checked_record(data)


def checked_record(data: Any) -> Record:
    """Validate ``data`` as a record and run :func:`check_record`; any problem is a :class:`RowError`."""
    try:
        record = Record.model_validate(data)
    except ValidationError as exc:
        raise RowError("; ".join(describe_validation_error(exc))) from None
    issues = check_record(record)
    if issues:
        raise RowError(
            "; ".join(f"{i.code} at {i.path}: {i.message}" if i.path else i.message for i in issues)
        )
    return record


def tools_from_specs(specs: Any, where: str = "tools", repairs: Counter[str] | None = None) -> list[Tool]:
    """Tools from a list of specs in any form :func:`to_tool` reads (JSON Schema, OpenAI, Gorilla).

    A spec that read from Arrow (parquet, a saved dataset) may carry ``null`` for every key that
    another row's spec had: when such a spec is not a valid tool, it is read again without its null
    keys, and that counts as a ``null_keys`` repair.
    """
    if isinstance(specs, dict):
        specs = [specs]
    if not isinstance(specs, list):
        raise RowError(f"{where}: expected a list of tool specs, got {type(specs).__name__}")
    tools = []
    for index, spec in enumerate(specs):
        try:
            tools.append(_tool(spec))
        except FncallError as exc:
            pruned = _without_nulls(spec)
            if pruned == spec:
                raise RowError(f"{where}[{index}]: {exc}") from None
            try:
                tools.append(_tool(pruned))
            except FncallError:
                raise RowError(f"{where}[{index}]: {exc}") from None
            if repairs is not None:
                repairs["null_keys"] += 1
    return tools


def _tool(spec: Any) -> Tool:
    try:
        key = json.dumps(spec, ensure_ascii=False)
    except (TypeError, ValueError):  # not JSON (a Tool object, a model class): no caching
        return to_tool(spec)
    return _tool_from_json(key)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


# Datasets repeat the same tool specs row after row (BFCL's live files: 4,178 specs, ~1,000 distinct),
# and checking a schema against the JSON Schema meta-schema costs milliseconds: build each one once.
# Tools are frozen, so rows can share them. Keyed by the exact JSON text, so key order is kept.
@functools.lru_cache(maxsize=4096)
def _tool_from_json(spec: str) -> Tool:
    return to_tool(json.loads(spec))


def tool_spec(tool: Tool) -> dict[str, Any]:
    """The bare ``{name, description, parameters}`` form of a tool."""
    return {"name": tool.name, "description": tool.description, "parameters": tool.parameters}


def read_calls(text: str | dict[str, Any] | list[Any], repairs: Counter[str], where: str) -> Extraction:
    """Extract the calls in ``text``; a malformed call attempt is a :class:`RowError`."""
    found = extract(text)
    if found.status == "malformed":
        reasons = "; ".join(f"{e.code}: {e.message}" for e in found.errors)
        raise RowError(f"{where}: cannot read the tool call ({reasons})")
    repairs.update(r.code for r in found.repairs)
    return found


def assistant_message(
    text: str, repairs: Counter[str], where: str, *, marker: str | None = "<tool_call>"
) -> dict[str, Any]:
    """An assistant message from model text: ``<think>`` goes to ``reasoning``, calls to ``tool_calls``.

    With a ``marker``, text without it is plain content (only split from its reasoning), so that
    prose that happens to look like code is never read as a call.
    """
    if marker is not None and marker not in text and "<think>" not in text and "</think>" not in text:
        return {"role": "assistant", "content": text}
    found = read_calls(text, repairs, where)
    message: dict[str, Any] = {"role": "assistant"}
    if found.reasoning is not None:
        message["reasoning"] = found.reasoning
    if found.calls:
        message["tool_calls"] = [call.model_dump() for call in found.calls]
        if found.content:
            message["content"] = found.content
    else:
        message["content"] = found.content if found.reasoning is not None else text
    return message


class CallLinker:
    """Gives calls record-unique ids (``call_1``, ``call_2``, ...) and links tool results to them.

    Formats without call ids answer the calls of the previous assistant turn in order; each result
    takes the id and name of the call at its position.
    """

    def __init__(self) -> None:
        self.count = 0
        self.pending: list[dict[str, Any]] = []
        self.answered = 0

    def name_calls(self, message: dict[str, Any]) -> dict[str, Any]:
        """Give each call of an assistant message an id (kept if it has one) and remember them."""
        calls = message.get("tool_calls") or []
        for call in calls:
            self.count += 1
            if not call.get("id"):
                call["id"] = f"call_{self.count}"
        self.pending, self.answered = list(calls), 0
        return message

    def result(self, content: str, name: str | None = None, where: str = "tool turn") -> dict[str, Any]:
        """A tool message answering the next unanswered call of the previous assistant turn."""
        if self.answered >= len(self.pending):
            made = len(self.pending)
            raise RowError(f"{where}: a tool result with no call to answer ({made} call(s) before it)")
        call = self.pending[self.answered]
        self.answered += 1
        if name is not None and name != call["name"]:
            raise RowError(f"{where}: the result names {name!r} but answers a call of {call['name']!r}")
        return {"role": "tool", "tool_call_id": call["id"], "name": call["name"], "content": content}


def payload_as_text(text: str) -> str:
    """A tool payload as JSON text when it is JSON or a Python literal, else the text unchanged."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return text
    try:
        value, python = parse_literal(stripped)
    except LiteralParseError:
        return text
    return json.dumps(value, ensure_ascii=False) if python else stripped


def payload_as_python(content: str) -> str:
    """The Python repr of JSON text (the tutorial's payload style), or the text unchanged."""
    try:
        return repr(json.loads(content))
    except ValueError:
        return content


def decode_json_field(value: Any, where: str) -> Any:
    """A column that holds JSON either decoded or as a JSON string (as Arrow stores it)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise RowError(f"{where}: not valid JSON ({exc})") from None


def row_id(row: dict[str, Any], fmt: str, number: int) -> str:
    """The row's own id when it has one, else ``<format>-<row number>``."""
    value = row.get("id")
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
        return str(value)
    return f"{fmt}-{number:06d}"


def row_meta(fmt: str, number: int, row: dict[str, Any], known: Sequence[str]) -> dict[str, Any]:
    """A record's provenance: its format and row number, and in ``extra`` the columns the format does
    not define (hermes' ``category``, ``task``, ...), which writers put back."""
    meta: dict[str, Any] = {"source": fmt, "row": number}
    extra = {key: value for key, value in row.items() if key not in known and value is not None}
    if extra:
        meta["extra"] = extra
    return meta


@dataclass(frozen=True)
class Turn:
    """One turn for a writer: a message, or a run of consecutive tool messages."""

    role: str
    message: Message | None
    results: tuple[Message, ...] = ()


def turns(messages: Sequence[Message]) -> Iterator[Turn]:
    """Messages with consecutive tool messages grouped into one turn (most formats hold them so)."""
    group: list[Message] = []
    for message in messages:
        if message.role == "tool":
            group.append(message)
            continue
        if group:
            yield Turn("tool", None, tuple(group))
            group = []
        yield Turn(message.role, message)
    if group:
        yield Turn("tool", None, tuple(group))


_SEPARATOR = "\n\n"  # between a custom system prompt and the standard one, when joined


@dataclass(frozen=True)
class ToolsBlock:
    """A format's standard system prompt: the text before the tool list, the list, the text after.

    Reading takes the tool list out of the system text into ``record.tools``. When what is left is the
    format's standard prompt, the record keeps no system message (the writer restores the standard
    prompt); otherwise the record keeps the rest of the text and ``meta["tools_at"]``, the offset
    where the list stood, so that writing puts it back at the same place.
    """

    before: str
    after: str
    render: Callable[[list[Tool]], str]

    def split(self, text: str, start: int, end: int) -> tuple[str | None, dict[str, Any]]:
        """The system content to keep (None when standard) and the meta to add."""
        before, after = text[:start], text[end:]
        if before == self.before and after == self.after:
            return None, {}
        if after == self.after and before.endswith(_SEPARATOR + self.before):
            return before[: -len(_SEPARATOR + self.before)], {}  # what join writes for a custom prompt
        return before + after, {"tools_at": len(before)}

    def join(self, system: str | None, tools: list[Tool], meta: dict[str, Any]) -> str:
        """The system text with the tool list put back."""
        block = self.render(tools)
        if system is None:
            return self.before + block + self.after
        at = meta.get("tools_at")
        if isinstance(at, int) and 0 <= at <= len(system):
            return system[:at] + block + system[at:]
        return system + _SEPARATOR + self.before + block + self.after
