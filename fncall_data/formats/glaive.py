"""``glaive``: glaive-function-calling-v2 rows, ``{system, chat}``, both plain text.

The system text lists the tools as indented JSON objects after a fixed sentence; the chat is a run of
``USER:``, ``ASSISTANT:`` and ``FUNCTION RESPONSE:`` turns, assistant turns ending in ``<|endoftext|>``.
A call is ``<functioncall> {"name": ..., "arguments": '{...}'}``: the arguments' JSON text sits between
single quotes as it is (quotes and backslashes inside are not escaped), so the line is not JSON nor a
Python literal; the JSON text is taken from between the quotes (an ``arguments_string`` repair). One
call per turn.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any, ClassVar

from fncall_data.formats.base import Format, RowError
from fncall_data.formats.common import (
    CallLinker,
    build_record,
    read_calls,
    row_id,
    row_meta,
    tool_spec,
    tools_from_specs,
    turns,
)
from fncall_data.types import Message, Record, Tool

__all__ = ["GlaiveFormat"]

_TURN = re.compile(r"(?:^|\n)(USER|ASSISTANT|FUNCTION RESPONSE): ?")
_END = "<|endoftext|>"
_CALL = "<functioncall>"
_WITH_TOOLS = (
    "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n"
)
_NO_TOOLS = "SYSTEM: You are a helpful assistant, with no access to external functions.\n"
_GAP = "\n\n\n"
_ENVELOPE = re.compile(
    r'^\{"name":\s*"(?P<name>[^"\\]+)",\s*"arguments":\s*\'(?P<arguments>.*)\'\s*\}$', re.DOTALL
)


class GlaiveFormat(Format):
    """glaive-function-calling-v2: ``SYSTEM:`` tool text and a ``USER:/ASSISTANT:`` chat."""

    name: ClassVar[str] = "glaive"
    description: ClassVar[str] = "glaive-function-calling-v2: system + chat text, <functioncall> lines"

    def detect(self, row: dict[str, Any]) -> bool:
        return isinstance(row.get("chat"), str) and isinstance(row.get("system"), str)

    def read_row(self, row: dict[str, Any], number: int, repairs: Counter[str]) -> Record:
        system_text, chat = row.get("system"), row.get("chat")
        if not isinstance(system_text, str) or not isinstance(chat, str):
            raise RowError("expected text in both system and chat")
        system, tools = _system(system_text)
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
        linker = CallLinker()
        parts = _TURN.split(chat)
        if parts[0].strip():
            raise RowError(f"chat: text before the first turn: {parts[0].strip()[:60]!r}")
        for index in range(1, len(parts), 2):
            role, text = parts[index], parts[index + 1].strip()
            where = f"chat turn {index // 2 + 1} ({role})"
            if role == "USER":
                messages.append({"role": "user", "content": text})
            elif role == "FUNCTION RESPONSE":
                messages.append(linker.result(text, None, where))
            else:
                text = text.removesuffix(_END).rstrip()
                messages.append(linker.name_calls(_assistant(text, repairs, where)))
        meta = row_meta(self.name, number, row, ("id", "system", "chat"))
        return build_record(
            record_id=row_id(row, self.name, number), messages=messages, tools=tools, meta=meta
        )

    def write_row(self, record: Record, lost: Counter[str]) -> dict[str, Any]:
        system = None
        chat: list[str] = []
        for turn in turns(record.messages):
            message = turn.message
            if turn.role == "tool":
                chat.extend(f"FUNCTION RESPONSE: {m.content}{_GAP}" for m in turn.results)
            elif message is None:
                continue
            elif message.role == "system":
                system = message.content
            elif message.role == "user":
                chat.append(f"USER: {message.content}{_GAP}")
            else:
                chat.append(f"ASSISTANT: {_assistant_text(message, lost)} {_END}{_GAP}")
        row: dict[str, Any] = {"system": _system_text(system, list(record.tools)), "chat": "".join(chat)}
        row.update(record.meta.get("extra") or {})
        return row


def _system(text: str) -> tuple[str | None, list[Tool]]:
    """The custom system text left (None for glaive's standard sentences) and the tools."""
    if text == _NO_TOOLS:
        return None, []
    decoder = json.JSONDecoder()
    specs: list[Any] = []
    start = text.find("{")
    head = text if start < 0 else text[:start]
    while start >= 0:
        try:
            spec, end = decoder.raw_decode(text, start)
        except ValueError as exc:
            raise RowError(f"system: a tool's JSON cannot be read ({exc})") from None
        specs.append(spec)
        rest = text[end:]
        if rest.strip() and not rest.lstrip().startswith("{"):
            raise RowError(f"system: unexpected text after the tools: {rest.strip()[:60]!r}")
        start = text.find("{", end)
    tools = tools_from_specs(specs, "system tools")
    if head == _WITH_TOOLS:
        return None, tools
    return head.removeprefix("SYSTEM: ").strip() or None, tools


def _system_text(system: str | None, tools: list[Tool]) -> str:
    head = (_WITH_TOOLS if tools else _NO_TOOLS) if system is None else f"SYSTEM: {system}\n"
    return head + "".join(json.dumps(tool_spec(t), indent=4, ensure_ascii=False) + "\n" for t in tools)


def _assistant(text: str, repairs: Counter[str], where: str) -> dict[str, Any]:
    at = text.find(_CALL)
    if at < 0:
        return {"role": "assistant", "content": text}
    line = text[at + len(_CALL) :].strip()
    # glaive writes the arguments' JSON text between single quotes as it is, without escaping quotes
    # or backslashes in it, so the line is no Python literal: take the JSON text from the envelope.
    envelope = _ENVELOPE.match(line)
    if envelope is not None:
        call: str | dict[str, Any] = {
            "name": envelope.group("name"),
            "arguments": envelope.group("arguments"),
        }
    else:
        call = line
    found = read_calls(call, repairs, where)
    if len(found.calls) != 1:
        raise RowError(f"{where}: expected one call after <functioncall>, found {len(found.calls)}")
    message: dict[str, Any] = {"role": "assistant", "tool_calls": [found.calls[0].model_dump()]}
    if text[:at].strip():
        message["content"] = text[:at].strip()
    return message


def _assistant_text(message: Message, lost: Counter[str]) -> str:
    if message.reasoning is not None:
        lost["reasoning"] += 1
    calls = message.tool_calls or []
    if len(calls) > 1:
        raise RowError("glaive holds one call per assistant turn; this record has parallel calls")
    if not calls:
        return message.content or ""
    call = calls[0]
    arguments = json.dumps(call.arguments, ensure_ascii=False)  # as glaive writes it: unescaped
    line = f"{_CALL} {{{json.dumps('name')}: {json.dumps(call.name)}, \"arguments\": '{arguments}'}}"
    return f"{message.content} {line}" if message.content else line
