"""The original tutorial's rendering, reproduced so that its recipe can run as a baseline.

The tutorial (Hugging Face agents course, bonus unit 1: fine-tune ``google/gemma-2-2b-it`` for function
calling on ``Jofthomas/hermes-function-calling-thinking-V1``) renders each conversation with::

    {{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception(...) }}{% endif %}
    {% for message in messages %}{{ '<start_of_turn>' + message['role'] + '\\n'
        + message['content'] | trim + '<end_of_turn><eos>\\n' }}{% endfor %}
    {% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}

after merging the system text into the first human turn, followed by :data:`PLANNING_SENTENCE`. Roles
are the dataset's own (``human``, ``model``, ``tool``); every turn ends with ``<end_of_turn><eos>``;
the loss covers every token; calls and results are written as the dataset has them (Python reprs,
``<tool_call>\\n{...}\\n</tool_call>``); the added special tokens misspell the response tags
(``<tool_reponse>``, ``</tool_reponse>``), so the real tags are never single tokens; and the text is
tokenized once more with ``<bos>`` added, so every example starts with two. Each of these faults can be
switched off: see :class:`SeedProfile`.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from fncall_data.profiles._layout import Layout, LayoutProfile
from fncall_data.profiles.chat import canonical_json
from fncall_data.types import Message, Record

__all__ = ["HERMES_SYSTEM", "PLANNING_SENTENCE", "SeedProfile", "hermes_system"]

#: Appended to the system text before it is merged into the first human turn.
PLANNING_SENTENCE = (
    "Also, before making a call to a function take the time to plan the function to take. "
    "Make that thinking process between <think>{your thoughts}</think>\n\n"
)

#: The dataset's system text around the tool list (``{tools}`` is a Python repr of OpenAI-style tools).
HERMES_SYSTEM = (
    "You are a function calling AI model. You are provided with function signatures within <tools></tools> "
    "XML tags.You may call one or more functions to assist with the user query. Don't make assumptions "
    "about what values to plug into functions.Here are the available tools:<tools> {tools} </tools>"
    "Use the following pydantic model json schema for each tool call you will make: "
    "{{'title': 'FunctionCall', 'type': 'object', 'properties': {{'arguments': {{'title': 'Arguments', "
    "'type': 'object'}}, 'name': {{'title': 'Name', 'type': 'string'}}}}, 'required': ['arguments', 'name']}}"
    "For each function call return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags as follows:\n<tool_call>\n{{tool_call}}\n</tool_call>"
)

_ROLES = {"user": "human", "assistant": "model", "tool": "tool"}


def hermes_system(record: Record, payloads: Literal["python", "json"] = "python") -> str:
    """The dataset's system text for the record's tools (used when the record has none of its own)."""
    tools = [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in record.tools
    ]
    listed = repr(tools) if payloads == "python" else canonical_json(tools)
    return HERMES_SYSTEM.format(tools=listed)


class SeedProfile(LayoutProfile):
    """The tutorial's rendering; by default every one of its faults is reproduced.

    Args:
        fix_tags: add ``<tool_response>``/``</tool_response>`` as special tokens instead of the
            tutorial's misspelt ``<tool_reponse>``/``</tool_reponse>``.
        doubled_bos: start every example with two ``<bos>``, as the tutorial's training did (its
            template writes one and tokenization adds another).
        payloads: ``python`` writes calls as the dataset does (Python reprs, single quotes);
            ``json`` writes canonical JSON.

    Example:
        >>> from fncall_data.types import Record
        >>> r = Record(id="r", messages=[{"role": "user", "content": " Hi "},
        ...     {"role": "assistant", "content": "Hello!"}])
        >>> SeedProfile().render(r)
        '<start_of_turn>human\\nHi<end_of_turn><eos>\\n<start_of_turn>model\\nHello!<end_of_turn><eos>\\n'
    """

    name: ClassVar[str] = "seed"
    special_tokens: ClassVar[tuple[str, ...]] = (
        "<tools>",
        "</tools>",
        "<think>",
        "</think>",
        "<tool_call>",
        "</tool_call>",
        "<tool_reponse>",
        "</tool_reponse>",
    )
    stop_strings: ClassVar[tuple[str, ...]] = ("<end_of_turn>", "<eos>")

    def __init__(
        self,
        *,
        fix_tags: bool = False,
        doubled_bos: bool = True,
        payloads: Literal["python", "json"] = "python",
    ) -> None:
        self.fix_tags = fix_tags
        self.doubled_bos = doubled_bos
        self.payloads = payloads
        if fix_tags:
            # an instance attribute shadows the class default: the same names, spelt right
            self.special_tokens = tuple(  # type: ignore[misc]  # per-instance choice of tags
                t.replace("reponse", "response") for t in SeedProfile.special_tokens
            )

    def layout(self, record: Record) -> Layout:
        out = Layout()
        turns = self._turns(record)
        for index, role, text in turns:
            out.add(f"<start_of_turn>{role}\n", trained=True)
            if index is not None and record.messages[index].role == "assistant":
                out.start_turn(index)
            out.add(text.strip() + "<end_of_turn><eos>\n", trained=True)
        return out

    def _turns(self, record: Record) -> list[tuple[int | None, str, str]]:
        """(message index, role, text) of each turn after the tutorial's preprocessing."""
        messages = record.messages
        system = messages[0].content or "" if messages[0].role == "system" else None
        if record.tools and (system is None or "<tools>" not in system):
            system = hermes_system(record, self.payloads) + (system or "")
        turns: list[tuple[int | None, str, str]] = []
        for i, message in enumerate(messages):
            if message.role == "system":
                continue
            text = self._text(message)
            if system is not None:
                # the tutorial merges into the message after the system one, whatever its role
                text = system + PLANNING_SENTENCE + text
                system = None
            turns.append((i, _ROLES[message.role], text))
        if system is not None:
            turns.append((None, "human", system + PLANNING_SENTENCE))
        return turns

    def _text(self, message: Message) -> str:
        if message.role == "tool":
            content = message.content or ""
            if content.lstrip().startswith("<tool_response>"):
                return content
            return f"<tool_response>\n{content}\n</tool_response>"
        if message.role != "assistant":
            return message.content or ""
        text = "" if message.reasoning is None else f"<think>{message.reasoning}</think>"
        text += message.content or ""
        blocks = [
            f"<tool_call>\n{self._payload(c.name, c.arguments)}\n</tool_call>"
            for c in message.tool_calls or ()
        ]
        return text + "\n".join(blocks)

    def _payload(self, name: str, arguments: dict[str, object]) -> str:
        value = {"name": name, "arguments": arguments}
        return repr(value) if self.payloads == "python" else canonical_json(value)

    def chat_template(self) -> str:
        return _template(self.doubled_bos, self.payloads)


def _template(doubled_bos: bool, payloads: str) -> str:
    """The same rendering from OpenAI-shaped messages, every turn inside generation markers."""
    bos = "{% if bos_token %}{{ bos_token }}" + ("{{ bos_token }}" if doubled_bos else "") + "{% endif %}"
    payload = (
        "{{ {'name': call.function.name, 'arguments': call.function.arguments} }}"
        if payloads == "python"
        else "{{ {'name': call.function.name, 'arguments': call.function.arguments} | tojson }}"
    )
    return "".join(
        [
            bos,
            "{% set ns = namespace(system=none, first=true) %}",
            "{% if messages and messages[0].role == 'system' %}{% set ns.system = messages[0].content %}"
            "{% endif %}",
            "{% if tools and (ns.system is none or '<tools>' not in ns.system) %}",
            "{% set tl = namespace(items=[]) %}{% for tool in tools %}",
            "{% set fn = tool.function if tool.function is defined else tool %}",
            "{% set tl.items = tl.items + [{'type': 'function', 'function': {'name': fn.name,"
            " 'description': fn.description | default(''), 'parameters': fn.parameters}}] %}",
            "{% endfor %}{% set listed = tl.items %}",
            "{% set ns.system = " + _hermes_jinja(payloads) + " + (ns.system or '') %}",
            "{% endif %}",
            "{% for message in messages %}{% if message.role != 'system' %}",
            "{% set role = {'user': 'human', 'assistant': 'model', 'tool': 'tool'}[message.role] %}",
            "{% if message.role == 'tool' %}",
            "{% if message.content.lstrip().startswith('<tool_response>') %}{% set text = message.content %}",
            "{% else %}{% set text = '<tool_response>\\n' + message.content + '\\n</tool_response>' %}",
            "{% endif %}",
            "{% elif message.role == 'assistant' %}",
            "{% set text = ('<think>' + message.reasoning + '</think>') if message.reasoning is defined"
            " and message.reasoning is not none else '' %}",
            "{% set text = text + (message.content if message.content is defined"
            " and message.content is not none else '') %}",
            "{% set blocks = namespace(items=[]) %}",
            "{% for call in message.tool_calls | default([]) %}",
            "{% set blocks.items = blocks.items + ['<tool_call>\\n' ~ ("
            + payload[3:-3]
            + ") ~ '\\n</tool_call>'] %}",
            "{% endfor %}",
            "{% set text = text + (blocks.items | join('\\n')) %}",
            "{% else %}{% set text = message.content %}{% endif %}",
            "{% if ns.system is not none %}{% set text = ns.system + "
            + _str(PLANNING_SENTENCE)
            + " + text %}"
            "{% set ns.system = none %}{% endif %}",
            "{% generation %}{{ '<start_of_turn>' + role + '\\n' + text | trim + '<end_of_turn><eos>\\n' }}"
            "{% endgeneration %}",
            "{% endif %}{% endfor %}",
            "{% if ns.system is not none %}{% generation %}{{ '<start_of_turn>human\\n' + (ns.system + "
            + _str(PLANNING_SENTENCE)
            + ") | trim + '<end_of_turn><eos>\\n' }}{% endgeneration %}{% endif %}",
            "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}",
        ]
    )


def _hermes_jinja(payloads: str) -> str:
    head, _, tail = HERMES_SYSTEM.partition("{tools}")
    listed = "(listed | string)" if payloads == "python" else "(listed | tojson)"
    return (
        "("
        + _str(head.replace("{{", "{").replace("}}", "}"))
        + " + "
        + listed
        + " + "
        + _str(tail.replace("{{", "{").replace("}}", "}"))
        + ")"
    )


def _str(text: str) -> str:
    """A Python string as a Jinja string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"
