"""A record as chat-template inputs: the ``messages`` and ``tools`` that ``apply_chat_template`` takes.

The shapes are the OpenAI / TRL ones, so any chat template that knows tools can read them: calls as
``{"id", "type": "function", "function": {"name", "arguments"}}`` with ``arguments`` a JSON object,
tools as ``{"type": "function", "function": {"name", "description", "parameters"}}``. A tool message
always carries ``name`` (looked up through its ``tool_call_id`` when the record left it out), so a
template never has to search earlier turns; an assistant's reasoning travels as ``reasoning``.
"""

from __future__ import annotations

import json
from typing import Any

from fncall_data.types import Message, Record, ToolCall

__all__ = ["TOOL_TAGS", "canonical_json", "chat_messages", "chat_tools", "tool_names"]

#: The call, result and reasoning tags of the built-in profiles. ``gemma_tokens`` and ``chatml`` add them
#: as special tokens in this order (``gemma`` writes them as text); the tiny test model has them built in.
TOOL_TAGS: tuple[str, ...] = (
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
    "<think>",
    "</think>",
)


def canonical_json(value: Any) -> str:
    """JSON as every profile writes it: UTF-8 text, no ASCII escaping, the default separators.

    It is exactly what the chat templates' ``tojson`` filter writes, so Python and Jinja agree.

    Example:
        >>> canonical_json({"name": "f", "arguments": {"city": "Zürich"}})
        '{"name": "f", "arguments": {"city": "Zürich"}}'
    """
    return json.dumps(value, ensure_ascii=False)


def tool_names(record: Record) -> list[str | None]:
    """For each message, the tool it answers (tool messages) or None: ``name``, else via its call id."""
    by_id: dict[str, str] = {}
    names: list[str | None] = []
    for message in record.messages:
        for call in message.tool_calls or ():
            if call.id is not None:
                by_id[call.id] = call.name
        if message.role == "tool":
            names.append(message.name or by_id.get(message.tool_call_id or ""))
        else:
            names.append(None)
    return names


def chat_messages(record: Record) -> list[dict[str, Any]]:
    """The record's messages in the OpenAI / TRL shape; absent fields are left out.

    Example:
        >>> r = Record(id="r", messages=[{"role": "user", "content": "hi"},
        ...     {"role": "assistant", "tool_calls": [{"name": "f", "arguments": {"a": 1}}]}])
        >>> chat_messages(r)[1]["tool_calls"][0]
        {'type': 'function', 'function': {'name': 'f', 'arguments': {'a': 1}}}
    """
    names = tool_names(record)
    return [_message(message, names[i]) for i, message in enumerate(record.messages)]


def chat_tools(record: Record) -> list[dict[str, Any]]:
    """The record's tools in the OpenAI shape (``name``, ``description``, ``parameters`` in that order)."""
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in record.tools
    ]


def _message(message: Message, tool_name: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role}
    if message.content is not None:
        out["content"] = message.content
    if message.reasoning is not None:
        out["reasoning"] = message.reasoning
    if message.tool_calls:
        out["tool_calls"] = [_call(call) for call in message.tool_calls]
    if message.tool_call_id is not None:
        out["tool_call_id"] = message.tool_call_id
    if message.role == "tool" and tool_name is not None:
        out["name"] = tool_name
    return out


def _call(call: ToolCall) -> dict[str, Any]:
    item: dict[str, Any] = {} if call.id is None else {"id": call.id}
    item["type"] = "function"
    item["function"] = {"name": call.name, "arguments": call.arguments}
    return item
