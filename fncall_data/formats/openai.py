"""``openai``: OpenAI chat completions / TRL conversational rows, ``{messages, tools}``.

Calls are ``{id, type: "function", function: {name, arguments}}`` with the arguments as a JSON string;
tools are ``{type: "function", function: {...}}``; tool messages answer a call by ``tool_call_id``.
Reasoning travels as ``reasoning_content`` (``reasoning`` is read too).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, ClassVar

from fncall_data.formats.base import Format, RowError
from fncall_data.formats.common import (
    build_record,
    decode_json_field,
    read_calls,
    row_id,
    row_meta,
    tool_spec,
    tools_from_specs,
)
from fncall_data.types import Message, Record

__all__ = ["OpenAIFormat"]

_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool"}


class OpenAIFormat(Format):
    """OpenAI / TRL ``messages`` + ``tools`` rows."""

    name: ClassVar[str] = "openai"
    description: ClassVar[str] = (
        "OpenAI chat completions / TRL: messages with tool_calls, arguments as JSON strings"
    )

    def detect(self, row: dict[str, Any]) -> bool:
        messages = row.get("messages")
        return isinstance(messages, list) and all(isinstance(m, dict) and "role" in m for m in messages)

    def read_row(self, row: dict[str, Any], number: int, repairs: Counter[str]) -> Record:
        messages = row.get("messages")
        if not isinstance(messages, list):
            raise RowError("messages: expected a list")
        tools = tools_from_specs(decode_json_field(row.get("tools") or [], "tools"), repairs=repairs)
        names: dict[str, str] = {}
        out = []
        for index, message in enumerate(messages):
            where = f"messages[{index}]"
            if (
                not isinstance(message, dict)
                or not isinstance(message.get("role"), str)
                or message["role"] not in _ROLES
            ):
                raise RowError(f"{where}: expected a message with a role ({', '.join(_ROLES)})")
            role = _ROLES[message["role"]]
            content = _text(message.get("content"), where)
            item: dict[str, Any] = {"role": role, "content": content}
            if role == "assistant":
                reasoning = message.get("reasoning_content") or message.get("reasoning")
                if reasoning:
                    item["reasoning"] = reasoning
                if message.get("tool_calls"):
                    found = read_calls({"tool_calls": message["tool_calls"]}, repairs, where)
                    item["tool_calls"] = [c.model_dump() for c in found.calls]
                    names.update({c.id: c.name for c in found.calls if c.id})
            elif role == "tool":
                item["tool_call_id"] = message.get("tool_call_id")
                item["name"] = message.get("name") or names.get(str(message.get("tool_call_id")))
            out.append({k: v for k, v in item.items() if v is not None})
        meta = row_meta(self.name, number, row, ("id", "messages", "tools"))
        return build_record(record_id=row_id(row, self.name, number), messages=out, tools=tools, meta=meta)

    def write_row(self, record: Record, lost: Counter[str]) -> dict[str, Any]:
        ids = _call_ids(record.messages)
        row: dict[str, Any] = {"messages": [_message(m, ids) for m in record.messages]}
        row["tools"] = [{"type": "function", "function": tool_spec(t)} for t in record.tools]
        row.update(record.meta.get("extra") or {})
        return row


def _text(content: Any, where: str) -> str | None:
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: keep the text ones, in order
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    raise RowError(f"{where}: content must be text or a list of parts, got {type(content).__name__}")


def _call_ids(messages: list[Message]) -> dict[int, str]:
    """An id for every call and tool result that has none (OpenAI requires them): ``call_<n>``,
    results answering the previous turn's calls in order. Keyed by ``id()`` of the call or message."""
    ids: dict[int, str] = {}
    pending: list[str] = []
    count = 0
    for message in messages:
        if message.role == "assistant":
            pending = []
            for call in message.tool_calls or ():
                count += 1
                ids[id(call)] = call.id or f"call_{count}"
                pending.append(ids[id(call)])
        elif message.role == "tool":
            if message.tool_call_id is None and pending:
                ids[id(message)] = pending[0]
            if pending:
                pending.pop(0)
    return ids


def _message(message: Message, ids: dict[int, str]) -> dict[str, Any]:
    if message.role == "tool":
        # OpenAI tool messages carry no name: the call id says which call they answer
        call_id = message.tool_call_id or ids.get(id(message))
        return {"role": "tool", "tool_call_id": call_id, "content": message.content}
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.reasoning is not None:
        out["reasoning_content"] = message.reasoning
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "id": ids[id(call)],
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments, ensure_ascii=False)},
            }
            for call in message.tool_calls
        ]
    return out
