"""``toolace``: ToolACE rows, ``{system, conversations}``.

The system text holds the tool list as JSON; assistant calls are Python bracket syntax
``[f(a=1, b="x"), g()]``; a ``tool`` turn holds a JSON list of ``{name, results}``, one per call.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, ClassVar

from fncall_data.formats.base import Format, RowError
from fncall_data.formats.common import (
    CallLinker,
    ToolsBlock,
    build_record,
    read_calls,
    row_id,
    row_meta,
    tool_spec,
    tools_from_specs,
    turns,
)
from fncall_data.types import Message, Record, Tool, ToolCall

__all__ = ["ToolACEFormat"]

_ROLES = {"user": "user", "assistant": "assistant", "tool": "tool", "system": "system"}
_BLOCK = ToolsBlock(
    before=(
        "You are an expert in composing functions. You are given a question and a set of possible "
        "functions. Based on the question, you will need to make one or more function/tool calls to "
        "achieve the purpose.\n"
        "Here is a list of functions in JSON format that you can invoke:\n"
    ),
    after=(
        "\nShould you decide to invoke any of the function(s), you MUST put it in the format of "
        "[func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]\n"
        "You SHOULD NOT include any other text in the response."
    ),
    render=lambda tools: json.dumps([tool_spec(t) for t in tools], ensure_ascii=False),
)


class ToolACEFormat(Format):
    """ToolACE: JSON tool list in the system text, Python bracket calls, JSON result lists."""

    name: ClassVar[str] = "toolace"
    description: ClassVar[str] = "ToolACE: tools as JSON in the system text, calls as [f(a=1), g()]"

    def detect(self, row: dict[str, Any]) -> bool:
        conversation = row.get("conversations")
        return (
            isinstance(row.get("system"), str)
            and isinstance(conversation, list)
            and all(isinstance(t, dict) and t.get("from") in _ROLES for t in conversation)
        )

    def read_row(self, row: dict[str, Any], number: int, repairs: Counter[str]) -> Record:
        conversation = row.get("conversations")
        system_text = row.get("system") or ""
        if not isinstance(conversation, list) or not isinstance(system_text, str):
            raise RowError("expected a system text and a list of conversations")
        meta = row_meta(self.name, number, row, ("id", "system", "conversations"))
        system, tools, found = _system(system_text)
        meta.update(found)
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
        linker = CallLinker()
        for index, turn in enumerate(conversation):
            where = f"conversations[{index}]"
            role, value = (turn.get("from"), turn.get("value")) if isinstance(turn, dict) else (None, None)
            if not isinstance(role, str) or role not in _ROLES or not isinstance(value, str):
                raise RowError(f"{where}: expected {{from, value}} with from in {', '.join(_ROLES)}")
            if role == "assistant":
                messages.append(linker.name_calls(_assistant(value, repairs, where)))
            elif role == "tool":
                messages.extend(linker.result(content, name, where) for name, content in _results(value))
            else:
                messages.append({"role": role, "content": value})
        return build_record(
            record_id=row_id(row, self.name, number), messages=messages, tools=tools, meta=meta
        )

    def write_row(self, record: Record, lost: Counter[str]) -> dict[str, Any]:
        messages = record.messages
        system = messages[0].content if messages and messages[0].role == "system" else None
        conversation: list[dict[str, str]] = []
        for turn in turns(messages[1:] if system is not None else messages):
            if turn.role == "tool":
                conversation.append({"from": "tool", "value": _join(turn.results)})
            elif turn.message is not None and turn.message.tool_calls:
                if turn.message.content:
                    lost["content beside calls"] += 1
                calls = ", ".join(_python_call(c) for c in turn.message.tool_calls)
                conversation.append({"from": "assistant", "value": f"[{calls}]"})
            elif turn.message is not None:
                conversation.append({"from": turn.role, "value": turn.message.content or ""})
            if turn.message is not None and turn.message.reasoning is not None:
                lost["reasoning"] += 1
        row: dict[str, Any] = {"system": _BLOCK.join(system, list(record.tools), record.meta)}
        row["conversations"] = conversation
        row.update(record.meta.get("extra") or {})
        return row


def _system(text: str) -> tuple[str | None, list[Tool], dict[str, Any]]:
    start = text.find("[{")
    if start < 0:
        return text, [], {}
    try:
        specs, end = json.JSONDecoder().raw_decode(text, start)
    except ValueError as exc:
        raise RowError(f"system: the JSON tool list cannot be read ({exc})") from None
    system, meta = _BLOCK.split(text, start, end)
    return system, tools_from_specs(specs, "system tools"), meta


def _assistant(value: str, repairs: Counter[str], where: str) -> dict[str, Any]:
    stripped = value.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")):
        return {"role": "assistant", "content": value}
    found = read_calls(stripped, repairs, where)
    if not found.calls:
        return {"role": "assistant", "content": value}
    return {"role": "assistant", "tool_calls": [c.model_dump() for c in found.calls]}


def _results(value: str) -> list[tuple[str | None, str]]:
    try:
        items = json.loads(value)
    except ValueError:
        return [(None, value)]
    if not isinstance(items, list):
        items = [items]
    out: list[tuple[str | None, str]] = []
    for item in items:
        if isinstance(item, dict) and set(item) == {"name", "results"}:
            results = item["results"]
            out.append(
                (
                    item["name"],
                    results if isinstance(results, str) else json.dumps(results, ensure_ascii=False),
                )
            )
        else:
            out.append((None, json.dumps(item, ensure_ascii=False)))
    return out


def _join(results: tuple[Message, ...]) -> str:
    items = []
    for message in results:
        try:
            value: Any = json.loads(message.content or "")
        except ValueError:
            value = message.content
        items.append({"name": message.name, "results": value})
    return json.dumps(items, ensure_ascii=False)


def _python_call(call: ToolCall) -> str:
    return f"{call.name}(" + ", ".join(f"{k}={_python_value(v)}" for k, v in call.arguments.items()) + ")"


def _python_value(value: Any) -> str:
    """A Python literal with double-quoted strings, as ToolACE writes them."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, str | int | float):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_python_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_python_value(v)}" for k, v in value.items()) + "}"
    return repr(value)
