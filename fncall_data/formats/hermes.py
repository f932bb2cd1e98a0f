"""``seed_thinking`` (the tutorial's dataset) and ``hermes`` (NousResearch hermes-function-calling-v1).

Both hold a conversation whose system text carries the tool list between ``<tools>`` tags, model turns
with ``<tool_call>`` blocks (several = parallel calls) and tool turns with ``<tool_response>`` blocks;
payloads are Python reprs or JSON. They differ in key names, role names, the standard system prompt,
the key order of a call, and whether a response names its tool.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any, ClassVar

from fncall_data.formats.base import Format, RowError
from fncall_data.formats.common import (
    CallLinker,
    ToolsBlock,
    assistant_message,
    build_record,
    payload_as_python,
    payload_as_text,
    row_id,
    row_meta,
    tool_spec,
    tools_from_specs,
    turns,
)
from fncall_data.pyliteral import LiteralParseError, parse_literal
from fncall_data.types import Message, Record, Tool

__all__ = ["HermesFormat", "SeedThinkingFormat"]

_TOOLS = re.compile(r"<tools>(.*?)</tools>", re.DOTALL)
_RESPONSE = re.compile(r"<tool_response>(.*?)</tool_response>", re.DOTALL)


def _openai_repr(tools: list[Tool]) -> str:
    return repr([{"type": "function", "function": tool_spec(t)} for t in tools])


class _TaggedFormat(Format):
    """The shared reader and writer; subclasses set the names, prompts and payload shapes."""

    role_key: ClassVar[str]
    text_key: ClassVar[str]
    roles: ClassVar[dict[str, str]]  # the format's role -> ours
    block: ClassVar[ToolsBlock]
    named_responses: ClassVar[bool]  # hermes wraps a result as {name, content}
    call_keys: ClassVar[tuple[str, str]]  # the key order of a written call
    has_id: ClassVar[bool]

    def detect(self, row: dict[str, Any]) -> bool:
        turns_ = row.get("conversations")
        if not isinstance(turns_, list) or not turns_ or "tools" in row or "system" in row:
            return False
        first = turns_[0]
        if not isinstance(first, dict) or self.role_key not in first or self.text_key not in first:
            return False
        seen = {t.get(self.role_key) for t in turns_ if isinstance(t, dict)}
        return seen <= set(self.roles) and bool(seen - {"system", "human", "tool"})

    def read_row(self, row: dict[str, Any], number: int, repairs: Counter[str]) -> Record:
        conversation = row.get("conversations")
        if not isinstance(conversation, list):
            raise RowError("conversations: expected a list of turns")
        messages: list[dict[str, Any]] = []
        tools: list[Tool] = []
        meta = row_meta(self.name, number, row, ("id", "conversations"))
        linker = CallLinker()
        for index, turn in enumerate(conversation):
            where = f"conversations[{index}]"
            if not isinstance(turn, dict):
                raise RowError(f"{where}: expected an object")
            role = self.roles.get(str(turn.get(self.role_key)))
            text = turn.get(self.text_key)
            if role is None or not isinstance(text, str):
                known = ", ".join(self.roles)
                raise RowError(
                    f"{where}: unknown role {turn.get(self.role_key)!r} (known: {known}) or no text"
                )
            if role == "system" and index == 0:
                system, tools, found = self._system(text, where)
                meta.update(found)
                if system is not None:
                    messages.append({"role": "system", "content": system})
            elif role == "assistant":
                messages.append(linker.name_calls(assistant_message(text, repairs, where)))
            elif role == "tool":
                messages.extend(self._results(text, linker, where))
            else:
                messages.append({"role": role, "content": text})
        return build_record(
            record_id=row_id(row, self.name, number), messages=messages, tools=tools, meta=meta
        )

    def _system(self, text: str, where: str) -> tuple[str | None, list[Tool], dict[str, Any]]:
        for match in _TOOLS.finditer(text):
            body = match.group(1).strip()
            if not body.startswith(("[", "{")):
                continue  # "signatures within <tools></tools> XML tags" is prose, not the list
            try:
                specs, _ = parse_literal(body)
            except LiteralParseError as exc:
                raise RowError(f"{where}: the tool list cannot be read: {exc.message}") from None
            tools = tools_from_specs(specs, f"{where} <tools>")
            system, meta = self.block.split(text, match.start(), match.end())
            return system, tools, meta
        return text, [], {}

    def _results(self, text: str, linker: CallLinker, where: str) -> list[dict[str, Any]]:
        bodies = [m.group(1).strip() for m in _RESPONSE.finditer(text)] or [text]
        results = []
        for body in bodies:
            name = None
            content = payload_as_text(body)
            if self.named_responses:
                try:
                    value, _ = parse_literal(body)
                except LiteralParseError:
                    value = None
                if isinstance(value, dict) and set(value) == {"name", "content"}:
                    name, inner = value["name"], value["content"]
                    content = inner if isinstance(inner, str) else json.dumps(inner, ensure_ascii=False)
            results.append(linker.result(content, name, where))
        return results

    # -- writing ------------------------------------------------------------------------------------

    def write_row(self, record: Record, lost: Counter[str]) -> dict[str, Any]:
        conversation: list[dict[str, str]] = []
        messages = record.messages
        system = messages[0].content if messages and messages[0].role == "system" else None
        if system is not None or record.tools:  # a row without tools has no system turn to hold them
            conversation.append(
                self._turn("system", self.block.join(system, list(record.tools), record.meta))
            )
        ours = {v: k for k, v in self.roles.items()}
        for turn in turns(messages[1:] if system is not None else messages):
            if turn.role == "tool":
                text = "\n".join(self._response(m) for m in turn.results)
                conversation.append(self._turn(ours["tool"], text))
            elif turn.role == "assistant" and turn.message is not None:
                conversation.append(self._turn(ours["assistant"], self._model_text(turn.message)))
            elif turn.message is not None:
                conversation.append(self._turn(ours[turn.role], turn.message.content or ""))
        row: dict[str, Any] = {"id": record.id} if self.has_id else {}
        row["conversations"] = conversation
        row.update(record.meta.get("extra") or {})
        return row

    def _turn(self, role: str, text: str) -> dict[str, str]:
        return (
            {self.role_key: role, self.text_key: text}
            if self.role_key == "from"
            else {"content": text, "role": role}
        )

    def _model_text(self, message: Message) -> str:
        calls = [
            "<tool_call>\n"
            + repr(dict(zip(self.call_keys, _call_values(c.name, c.arguments, self.call_keys), strict=True)))
            + "\n</tool_call>"
            for c in message.tool_calls or ()
        ]
        head = f"<think>{message.reasoning}\n</think>" if message.reasoning is not None else ""
        body = "\n".join([message.content] if message.content else [])
        if calls and body:
            body += "\n"
        return head + body + "\n".join(calls)

    def _response(self, message: Message) -> str:
        content = message.content or ""
        if self.named_responses:
            try:
                value: Any = json.loads(content)
            except ValueError:
                value = content
            payload = repr({"name": message.name, "content": value})
        else:
            payload = payload_as_python(content)
        return f"<tool_response>\n{payload}\n</tool_response>"


def _call_values(name: str, arguments: dict[str, Any], keys: tuple[str, str]) -> tuple[Any, Any]:
    return (name, arguments) if keys[0] == "name" else (arguments, name)


class SeedThinkingFormat(_TaggedFormat):
    """The tutorial's dataset: ``{content, role}`` turns, ``<think>`` reasoning, Python-repr payloads."""

    name: ClassVar[str] = "seed_thinking"
    description: ClassVar[str] = (
        "the tutorial's dataset (hermes-function-calling-thinking-V1): <think> + <tool_call>"
    )
    role_key: ClassVar[str] = "role"
    text_key: ClassVar[str] = "content"
    roles: ClassVar[dict[str, str]] = {
        "system": "system",
        "human": "user",
        "model": "assistant",
        "tool": "tool",
    }
    named_responses: ClassVar[bool] = False
    call_keys: ClassVar[tuple[str, str]] = ("name", "arguments")
    has_id: ClassVar[bool] = False
    block: ClassVar[ToolsBlock] = ToolsBlock(
        before=(
            "You are a function calling AI model. You are provided with function signatures within "
            "<tools></tools> XML tags.You may call one or more functions to assist with the user query. "
            "Don't make assumptions about what values to plug into functions.Here are the available tools:"
        ),
        after=(
            "Use the following pydantic model json schema for each tool call you will make: "
            "{'title': 'FunctionCall', 'type': 'object', 'properties': {'arguments': {'title': 'Arguments', "
            "'type': 'object'}, 'name': {'title': 'Name', 'type': 'string'}}, 'required': ['arguments', "
            "'name']}For each function call return a json object with function name and arguments within "
            "<tool_call></tool_call> XML tags as follows:\n<tool_call>\n{tool_call}\n</tool_call>"
        ),
        render=lambda tools: f"<tools> {_openai_repr(tools)} </tools>",
    )


class HermesFormat(_TaggedFormat):
    """NousResearch hermes-function-calling-v1: ShareGPT ``{from, value}`` turns, named tool responses."""

    name: ClassVar[str] = "hermes"
    description: ClassVar[str] = (
        "NousResearch hermes-function-calling-v1 (ShareGPT from/value, <tool_call> tags)"
    )
    role_key: ClassVar[str] = "from"
    text_key: ClassVar[str] = "value"
    roles: ClassVar[dict[str, str]] = {
        "system": "system",
        "human": "user",
        "gpt": "assistant",
        "tool": "tool",
    }
    named_responses: ClassVar[bool] = True
    call_keys: ClassVar[tuple[str, str]] = ("arguments", "name")
    has_id: ClassVar[bool] = True
    block: ClassVar[ToolsBlock] = ToolsBlock(
        before=(
            "You are a function calling AI model. You are provided with function signatures within <tools> "
            "</tools> XML tags. You may call one or more functions to assist with the user query. Don't make "
            "assumptions about what values to plug into functions.\n"
        ),
        after=(
            "\nFor each function call return a json object with function name and arguments within "
            "<tool_call> </tool_call> tags with the following schema:\n<tool_call>\n"
            "{'arguments': <args-dict>, 'name': <function-name>}\n</tool_call>\n"
        ),
        render=lambda tools: f"<tools>\n{_openai_repr(tools)}\n</tools>",
    )
