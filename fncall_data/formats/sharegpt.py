"""``sharegpt``: LLaMA-Factory's ShareGPT with tools.

Turns are ``{from, value}`` with the roles ``human``, ``gpt``, ``function_call`` and ``observation``.
A ``function_call`` value is one JSON call or a list of them (parallel calls); the ``observation`` after
a list holds a JSON list of results, one per call. ``system`` and ``tools`` (a JSON string) are
columns of their own.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, ClassVar

from fncall_data.formats.base import Format, RowError
from fncall_data.formats.common import (
    CallLinker,
    build_record,
    decode_json_field,
    read_calls,
    row_id,
    row_meta,
    tool_spec,
    tools_from_specs,
    turns,
)
from fncall_data.types import Message, Record

__all__ = ["ShareGPTFormat"]

_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}


class ShareGPTFormat(Format):
    """LLaMA-Factory ShareGPT rows with ``function_call`` / ``observation`` turns."""

    name: ClassVar[str] = "sharegpt"
    description: ClassVar[str] = "LLaMA-Factory ShareGPT: function_call / observation turns, tools column"

    def detect(self, row: dict[str, Any]) -> bool:
        conversation = row.get("conversations")
        if not isinstance(conversation, list) or not conversation or not isinstance(conversation[0], dict):
            return False
        roles = {t.get("from") for t in conversation if isinstance(t, dict)}
        return (
            "from" in conversation[0]
            and roles <= {*_ROLES, "function_call", "observation"}
            and ("tools" in row or bool(roles & {"function_call", "observation"}))
        )

    def read_row(self, row: dict[str, Any], number: int, repairs: Counter[str]) -> Record:
        conversation = row.get("conversations")
        if not isinstance(conversation, list):
            raise RowError("conversations: expected a list of turns")
        tools = tools_from_specs(decode_json_field(row.get("tools") or [], "tools"), repairs=repairs)
        messages: list[dict[str, Any]] = []
        if isinstance(row.get("system"), str) and row["system"]:
            messages.append({"role": "system", "content": row["system"]})
        linker = CallLinker()
        for index, turn in enumerate(conversation):
            where = f"conversations[{index}]"
            role, value = (turn.get("from"), turn.get("value")) if isinstance(turn, dict) else (None, None)
            if not isinstance(value, str) or not isinstance(role, str):
                raise RowError(f"{where}: expected {{from, value}} with text")
            if role == "function_call":
                found = read_calls(value, repairs, where)
                if not found.calls:
                    raise RowError(f"{where}: a function_call turn without a call")
                calls = [c.model_dump() for c in found.calls]
                messages.append(linker.name_calls({"role": "assistant", "tool_calls": calls}))
            elif role == "observation":
                messages.extend(
                    linker.result(part, None, where) for part in _split(value, len(linker.pending))
                )
            elif role in _ROLES:
                messages.append({"role": _ROLES[role], "content": value})
            else:
                raise RowError(f"{where}: unknown role {role!r}")
        meta = row_meta(self.name, number, row, ("id", "conversations", "system", "tools"))
        return build_record(
            record_id=row_id(row, self.name, number), messages=messages, tools=tools, meta=meta
        )

    def write_row(self, record: Record, lost: Counter[str]) -> dict[str, Any]:
        conversation: list[dict[str, str]] = []
        system = None
        for turn in turns(record.messages):
            message = turn.message
            if turn.role == "tool":
                conversation.append({"from": "observation", "value": _join(turn.results)})
            elif message is None:
                continue
            elif message.role == "system":
                system = message.content
            elif message.role == "user":
                conversation.append({"from": "human", "value": message.content or ""})
            elif message.tool_calls:
                if message.content:
                    lost["content beside calls"] += 1
                calls = [{"name": c.name, "arguments": c.arguments} for c in message.tool_calls]
                value = calls[0] if len(calls) == 1 else calls
                conversation.append({"from": "function_call", "value": json.dumps(value, ensure_ascii=False)})
            else:
                conversation.append({"from": "gpt", "value": message.content or ""})
            if message is not None and message.reasoning is not None:
                lost["reasoning"] += 1
        row: dict[str, Any] = {"conversations": conversation}
        if system is not None:
            row["system"] = system
        row["tools"] = json.dumps([tool_spec(t) for t in record.tools], ensure_ascii=False)
        row.update(record.meta.get("extra") or {})
        return row


def _split(value: str, calls: int) -> list[str]:
    """The results of an observation: one per call when it is a JSON list of as many items."""
    if calls > 1:
        try:
            items = json.loads(value)
        except ValueError:
            items = None
        if isinstance(items, list) and len(items) == calls:
            return [item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in items]
    return [value]


def _join(results: tuple[Message, ...]) -> str:
    if len(results) == 1:
        return results[0].content or ""
    items: list[Any] = []
    for message in results:
        try:
            items.append(json.loads(message.content or ""))
        except ValueError:
            items.append(message.content)
    return json.dumps(items, ensure_ascii=False)
