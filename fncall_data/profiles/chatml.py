"""Hermes / Qwen style ChatML: ``<|im_start|>role ... <|im_end|>``, tools in the system turn.

Layout::

    <|im_start|>system
    {system}

    # Tools

    You may call one or more functions to assist with the user query.

    You are provided with function signatures within <tools></tools> XML tags:
    <tools>
    {"type": "function", "function": {...}}
    </tools>

    For each function call, return a json object with function name and arguments within
    <tool_call></tool_call> XML tags:
    <tool_call>
    {"name": <function-name>, "arguments": <args-json-object>}
    </tool_call><|im_end|>
    <|im_start|>user
    {text}<|im_end|>
    <|im_start|>assistant
    <think>
    {reasoning}
    </think>

    {text}
    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call><|im_end|>
    <|im_start|>user
    <tool_response>
    {result}
    </tool_response><|im_end|>

(the instruction is on one line in the text). The model learns its turns up to and including
``<|im_end|>``.
"""

from __future__ import annotations

from typing import ClassVar

from fncall_data.profiles._layout import Layout, LayoutProfile, check_system_first, jinja_string
from fncall_data.profiles.base import CallSyntax
from fncall_data.profiles.chat import TOOL_TAGS, canonical_json, chat_tools
from fncall_data.types import Message, Record

__all__ = ["TOOLS_INSTRUCTIONS", "ChatMLProfile"]

_TOOLS_HEAD = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
_TOOLS_TAIL = (
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
    '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": '
    "<args-json-object>}\n</tool_call>"
)
#: The text around the tool list (``{tools}`` marks one JSON line per tool; not a format string).
TOOLS_INSTRUCTIONS = _TOOLS_HEAD + "\n{tools}" + _TOOLS_TAIL


class ChatMLProfile(LayoutProfile):
    """ChatML turns with Hermes tool tags, for Qwen-, Hermes- and Llama-like models.

    Example:
        >>> from fncall_data.types import Record
        >>> r = Record(id="r", messages=[{"role": "user", "content": "Hi"},
        ...     {"role": "assistant", "content": "Hello!"}])
        >>> ChatMLProfile().render(r)
        '<|im_start|>user\\nHi<|im_end|>\\n<|im_start|>assistant\\nHello!<|im_end|>\\n'
    """

    name: ClassVar[str] = "chatml"
    special_tokens: ClassVar[tuple[str, ...]] = (
        "<|im_start|>",
        "<|im_end|>",
        "<tools>",
        "</tools>",
        *TOOL_TAGS,
    )
    stop_strings: ClassVar[tuple[str, ...]] = ("<|im_end|>",)
    call_syntax: ClassVar[CallSyntax | None] = CallSyntax("<tool_call>", "</tool_call>", "\n", "\n")

    def layout(self, record: Record) -> Layout:
        out = Layout()
        messages = record.messages
        system = _system(record)
        if system is not None:
            out.add(f"<|im_start|>system\n{system}<|im_end|>\n")
        for i, message in enumerate(messages):
            if message.role == "system":
                check_system_first(record, i)
            elif message.role == "user":
                out.add(f"<|im_start|>user\n{message.content}<|im_end|>\n")
            elif message.role == "assistant":
                out.add_model_turn(i, "<|im_start|>assistant\n", _model_text(message) + "<|im_end|>")
            else:
                result = f"<tool_response>\n{message.content}\n</tool_response>"
                out.add_tool_result(messages, i, result, opening="<|im_start|>user\n", closing="<|im_end|>\n")
        return out

    def chat_template(self) -> str:
        return _TEMPLATE


def _system(record: Record) -> str | None:
    text = record.messages[0].content if record.messages[0].role == "system" else None
    if record.tools:
        listed = "\n".join(canonical_json(tool) for tool in chat_tools(record))
        tools = _TOOLS_HEAD + "\n" + listed + _TOOLS_TAIL
        text = tools if text is None else f"{text}\n\n{tools}"
    return text


def _model_text(message: Message) -> str:
    text = "" if message.reasoning is None else f"<think>\n{message.reasoning}\n</think>\n\n"
    parts = [message.content] if message.content else []
    parts += [
        "<tool_call>\n" + canonical_json({"name": c.name, "arguments": c.arguments}) + "\n</tool_call>"
        for c in message.tool_calls or ()
    ]
    return text + "\n".join(parts)


# Mirrors ChatMLProfile.layout; one step per line and no whitespace between tags (see gemma.py).
_TEMPLATE = "".join(
    [
        "{% if bos_token %}{{ bos_token }}{% endif %}",
        "{% set ns = namespace(system=none) %}",
        "{% if messages and messages[0].role == 'system' %}",
        "{% set ns.system = messages[0].content %}{% endif %}",
        "{% if tools %}{% set tl = namespace(text=" + jinja_string(_TOOLS_HEAD) + ") %}",
        "{% for tool in tools %}{% set fn = tool.function if tool.function is defined else tool %}",
        "{% set tl.text = tl.text + '\\n' + ({'type': 'function', 'function': {'name': fn.name,",
        " 'description': fn.description | default(''), 'parameters': fn.parameters}} | tojson) %}",
        "{% endfor %}{% set tl.text = tl.text + " + jinja_string(_TOOLS_TAIL) + " %}",
        "{% set ns.system = tl.text if ns.system is none else ns.system + '\\n\\n' + tl.text %}{% endif %}",
        "{% if ns.system is not none %}",
        "{{ '<|im_start|>system\\n' + ns.system + '<|im_end|>\\n' }}{% endif %}",
        "{% for message in messages %}",
        "{% if message.role == 'system' %}",
        "{% if not loop.first %}{{ raise_exception('a system message may only come first') }}{% endif %}",
        "{% elif message.role == 'user' %}",
        "{{ '<|im_start|>user\\n' + message.content + '<|im_end|>\\n' }}",
        "{% elif message.role == 'assistant' %}",
        "{{ '<|im_start|>assistant\\n' }}{% generation %}",
        "{% if message.reasoning is defined and message.reasoning is not none %}",
        "{{ '<think>\\n' + message.reasoning + '\\n</think>\\n\\n' }}{% endif %}",
        "{% set parts = namespace(items=[]) %}",
        "{% if message.content is defined and message.content %}",
        "{% set parts.items = [message.content] %}{% endif %}",
        "{% for call in message.tool_calls | default([]) %}{% set fn = call.function %}",
        "{% if fn.arguments is string %}",
        "{% set body = '{\"name\": ' + (fn.name | tojson) + ', \"arguments\": ' + fn.arguments + '}' %}",
        "{% else %}{% set body = {'name': fn.name, 'arguments': fn.arguments} | tojson %}{% endif %}",
        "{% set parts.items = parts.items + ['<tool_call>\\n' + body + '\\n</tool_call>'] %}",
        "{% endfor %}",
        "{{ parts.items | join('\\n') }}{{ '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}",
        "{% else %}",
        "{% if not loop.first and loop.previtem.role == 'tool' %}{{ '\\n' }}",
        "{% else %}{{ '<|im_start|>user\\n' }}{% endif %}",
        "{{ '<tool_response>\\n' + message.content + '\\n</tool_response>' }}",
        "{% if loop.last or loop.nextitem.role != 'tool' %}{{ '<|im_end|>\\n' }}{% endif %}",
        "{% endif %}",
        "{% endfor %}",
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    ]
)
