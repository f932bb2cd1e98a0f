"""The default profile: Gemma turns, tools folded into the first user turn, JSON calls in tags.

Layout of a conversation (``<bos>`` is the tokenizer's, never part of the text)::

    <start_of_turn>user
    {system}

    Tools (call one with <tool_call>{"name": ..., "arguments": {...}}</tool_call>, one block per call):
    get_weather: Current weather for a city.
    - city (string, required): City name.

    {user text}<end_of_turn>
    <start_of_turn>model
    <think>{reasoning}</think>{text}<tool_call>{"name": ..., "arguments": {...}}</tool_call><end_of_turn>
    <start_of_turn>user
    <tool_response>{result}</tool_response>
    <tool_response>{result}</tool_response><end_of_turn>
    <start_of_turn>model
    {answer}<end_of_turn>

The model learns everything it writes in its turns, its ``<end_of_turn>`` included; the newline after
that token is not trained, because generation stops at the token. Prompts stay short: one instruction
line, and each tool as a name line and a line per parameter (:mod:`fncall_data.profiles.tool_text`),
since small models are trained on CPU with this profile; ``gemma_json`` writes each tool's JSON
Schema instead.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from fncall_data.errors import InputError
from fncall_data.profiles._layout import Layout, LayoutProfile, check_system_first, jinja_string
from fncall_data.profiles.base import CallSyntax
from fncall_data.profiles.chat import TOOL_TAGS, canonical_json
from fncall_data.profiles.tool_text import TOOL_TEXT_MACRO, tool_text
from fncall_data.types import Message, Record

__all__ = ["TOOLS_HEADER", "GemmaJsonProfile", "GemmaProfile", "GemmaTokensProfile"]

#: The one instruction line above the tool list.
TOOLS_HEADER = (
    'Tools (call one with <tool_call>{"name": ..., "arguments": {...}}</tool_call>, one block per call):'
)


class GemmaProfile(LayoutProfile):
    """Gemma 2 / Gemma 3 turns with ``<tool_call>`` JSON calls and ``<tool_response>`` results.

    Example:
        >>> from fncall_data.types import Record
        >>> r = Record(id="r", messages=[{"role": "user", "content": "Hi"},
        ...     {"role": "assistant", "content": "Hello!"}])
        >>> GemmaProfile().render(r)
        '<start_of_turn>user\\nHi<end_of_turn>\\n<start_of_turn>model\\nHello!<end_of_turn>\\n'
    """

    name: ClassVar[str] = "gemma"
    # The call and result tags stay plain text: a model writes them with tokens it already knows. Added
    # as new tokens they start from an untrained row whose logit sits ~10 below the top choice, and a
    # short LoRA run never lifts it (measured on the embedded model; see docs/profiles.md).
    special_tokens: ClassVar[tuple[str, ...]] = ("<start_of_turn>", "<end_of_turn>")
    # The turn ends at <end_of_turn>; a model that skips it and opens the next turn, or writes the tool's
    # answer itself, has ended its turn as well (an untrained base model does both). Most of the base
    # model's answers echo the prompt instead and still run to max_new_tokens: these stops saved no
    # measurable time in the quickstart.
    stop_strings: ClassVar[tuple[str, ...]] = ("<end_of_turn>", "<start_of_turn>", "<tool_response>")
    call_syntax: ClassVar[CallSyntax | None] = CallSyntax("<tool_call>", "</tool_call>")
    #: how the tool list is written: short text blocks (:mod:`fncall_data.profiles.tool_text`), or
    #: one JSON object per tool with its whole JSON Schema
    tool_format: ClassVar[Literal["text", "json"]] = "text"

    def layout(self, record: Record) -> Layout:
        out = Layout()
        messages = record.messages
        prelude = _prelude(record, self.tool_format)
        first_user = True
        for i, message in enumerate(messages):
            if message.role == "system":
                check_system_first(record, i)
            elif message.role == "user":
                out.add("<start_of_turn>user\n" + (prelude if first_user else "") + (message.content or ""))
                out.add("<end_of_turn>\n")
                first_user = False
            elif message.role == "assistant":
                if first_user:
                    raise InputError(
                        "the first turn after the system text must be a user turn",
                        field=f"record {record.id}",
                    )
                out.add_model_turn(i, "<start_of_turn>model\n", _model_text(message) + "<end_of_turn>")
            else:
                result = f"<tool_response>{message.content}</tool_response>"
                out.add_tool_result(
                    messages, i, result, opening="<start_of_turn>user\n", closing="<end_of_turn>\n"
                )
        return out

    def chat_template(self) -> str:
        return _template(self.tool_format)


class GemmaTokensProfile(GemmaProfile):
    """The ``gemma`` layout with every tag a single token, added to the vocabulary where missing.

    Their embedding rows are then trained (``train_new_tokens``); that needs a long enough run.
    """

    name: ClassVar[str] = "gemma_tokens"
    special_tokens: ClassVar[tuple[str, ...]] = ("<start_of_turn>", "<end_of_turn>", *TOOL_TAGS)


class GemmaJsonProfile(GemmaProfile):
    """The ``gemma`` layout with each tool written as its JSON Schema, one JSON object a line.

    About 1.7 times the prompt tokens of the text form on the bundled catalog.
    """

    name: ClassVar[str] = "gemma_json"
    tool_format: ClassVar[Literal["text", "json"]] = "json"


def _prelude(record: Record, tool_format: str) -> str:
    """System text and tool list, which open the first user turn."""
    text = ""
    if record.messages[0].role == "system":
        text = (record.messages[0].content or "") + "\n\n"
    if record.tools:
        if tool_format == "json":
            blocks = [
                canonical_json({"name": t.name, "description": t.description, "parameters": t.parameters})
                for t in record.tools
            ]
        else:
            blocks = [tool_text(t) for t in record.tools]
        text += TOOLS_HEADER + "\n" + "\n".join(blocks) + "\n\n"
    return text


def _model_text(message: Message) -> str:
    text = "" if message.reasoning is None else f"<think>{message.reasoning}</think>"
    text += message.content or ""
    for call in message.tool_calls or ():
        text += (
            "<tool_call>" + canonical_json({"name": call.name, "arguments": call.arguments}) + "</tool_call>"
        )
    return text


# The template mirrors GemmaProfile.layout step by step; tests check that both give the same text and
# the same trained tokens. It is kept on one line per step and without whitespace between tags, so
# the trim_blocks setting of transformers' Jinja environment changes nothing.
def _template(tool_format: str) -> str:
    if tool_format == "json":
        tool = "{'name': fn.name, 'description': fn.description | default(''), 'parameters': fn.parameters}"
        return _BEFORE_TOOL + "(" + tool + " | tojson)" + _AFTER_TOOL
    return TOOL_TEXT_MACRO + _BEFORE_TOOL + "fncall_tool_text(fn)" + _AFTER_TOOL


# the template up to the expression that writes one tool (``fn``) of the list, and from there on
_BEFORE_TOOL = "".join(
    [
        "{% if bos_token %}{{ bos_token }}{% endif %}",
        "{% set ns = namespace(prelude='', first=true) %}",
        "{% if messages and messages[0].role == 'system' %}",
        "{% set ns.prelude = messages[0].content + '\\n\\n' %}{% endif %}",
        "{% if tools %}{% set ns.prelude = ns.prelude + " + jinja_string(TOOLS_HEADER) + " %}",
        "{% for tool in tools %}{% set fn = tool.function if tool.function is defined else tool %}",
        "{% set ns.prelude = ns.prelude + '\\n' + ",
    ]
)
_AFTER_TOOL = "".join(
    [
        " %}{% endfor %}",
        "{% set ns.prelude = ns.prelude + '\\n\\n' %}{% endif %}",
        "{% for message in messages %}",
        "{% if message.role == 'system' %}",
        "{% if not loop.first %}{{ raise_exception('a system message may only come first') }}{% endif %}",
        "{% elif message.role == 'user' %}",
        "{{ '<start_of_turn>user\\n' }}",
        "{% if ns.first %}{{ ns.prelude }}{% set ns.first = false %}{% endif %}",
        "{{ message.content }}{{ '<end_of_turn>\\n' }}",
        "{% elif message.role == 'assistant' %}",
        "{% if ns.first %}{{ raise_exception('the first turn after the system text must be a user turn') }}"
        "{% endif %}",
        "{{ '<start_of_turn>model\\n' }}{% generation %}",
        "{% if message.reasoning is defined and message.reasoning is not none %}"
        "{{ '<think>' + message.reasoning + '</think>' }}{% endif %}",
        "{% if message.content is defined and message.content is not none %}{{ message.content }}{% endif %}",
        "{% for call in message.tool_calls | default([]) %}{% set fn = call.function %}{{ '<tool_call>' }}",
        "{% if fn.arguments is string %}{{ '{\"name\": ' + (fn.name | tojson) + ', \"arguments\": '"
        " + fn.arguments + '}' }}",
        "{% else %}{{ {'name': fn.name, 'arguments': fn.arguments} | tojson }}{% endif %}",
        "{{ '</tool_call>' }}{% endfor %}",
        "{{ '<end_of_turn>' }}{% endgeneration %}{{ '\\n' }}",
        "{% else %}",
        "{% if not loop.first and loop.previtem.role == 'tool' %}{{ '\\n' }}"
        "{% else %}{{ '<start_of_turn>user\\n' }}{% endif %}",
        "{{ '<tool_response>' + message.content + '</tool_response>' }}",
        "{% if loop.last or loop.nextitem.role != 'tool' %}{{ '<end_of_turn>\\n' }}{% endif %}",
        "{% endif %}",
        "{% endfor %}",
        "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}",
    ]
)
