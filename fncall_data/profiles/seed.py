"""The original tutorial's rendering, reproduced so that its recipe can run as a baseline.

The tutorial (Hugging Face agents course, bonus unit 1: fine-tune ``google/gemma-2-2b-it`` for function
calling on ``Jofthomas/hermes-function-calling-thinking-V1``) renders each conversation with::

    {{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception(...) }}{% endif %}
    {% for message in messages %}{{ '<start_of_turn>' + message['role'] + '\\n'
        + message['content'] | trim + '<end_of_turn><eos>\\n' }}{% endfor %}
    {% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}

after merging the system text, followed by :data:`PLANNING_SENTENCE`, into the first human turn.
Roles are the dataset's own (``human``, ``model``, ``tool``); every turn ends with
``<end_of_turn><eos>``; the loss covers every token. The turns are written as the dataset has them
(the ``seed_thinking`` format's conventions): the Hermes system text around a Python repr of the tool
list, ``<think>{reasoning}\\n</think>``, ``<tool_call>\\n{python repr}\\n</tool_call>`` blocks, and the
results of one step as ``<tool_response>\\n{python repr}\\n</tool_response>`` blocks in one ``tool`` turn.
A record converted from that dataset therefore renders exactly as the tutorial rendered the row.

The tutorial's added special tokens misspell the response tags (``<tool_reponse>``,
``</tool_reponse>``), so the real tags are never single tokens, and its text is tokenized once more
with ``<bos>`` added, so every example starts with two. :class:`SeedProfile` reproduces both by
default; each can be switched off.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from fncall_data.formats.common import payload_as_python
from fncall_data.formats.hermes import SeedThinkingFormat
from fncall_data.profiles._layout import Layout, LayoutProfile, jinja_string
from fncall_data.profiles.chat import canonical_json, chat_tools
from fncall_data.types import Message, Record

__all__ = ["PLANNING_SENTENCE", "SeedProfile"]

#: Appended to the system text before it is merged into the first human turn.
PLANNING_SENTENCE = (
    "Also, before making a call to a function take the time to plan the function to take. "
    "Make that thinking process between <think>{your thoughts}</think>\n\n"
)

_BLOCK = SeedThinkingFormat.block
_ROLES = {"user": "human", "assistant": "model", "tool": "tool"}


class SeedProfile(LayoutProfile):
    """The tutorial's rendering; by default every one of its faults is reproduced.

    Args:
        fix_tags: add ``<tool_response>``/``</tool_response>`` as special tokens instead of the
            tutorial's misspelt ``<tool_reponse>``/``</tool_reponse>``.
        doubled_bos: start every example with two ``<bos>``, as the tutorial's training did (its
            template writes one and tokenization adds another).
        payloads: ``python`` writes calls, results and the tool list as the dataset does (Python
            reprs, single quotes); ``json`` writes canonical JSON.

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
            self.special_tokens = tuple(  # type: ignore[misc]  # a per-instance choice of tags
                t.replace("reponse", "response") for t in SeedProfile.special_tokens
            )

    def chat_messages(self, record: Record) -> list[dict[str, Any]]:
        """Messages with the system text (tool list included) and the results as the dataset has them.

        The template cannot parse JSON, so results are turned into Python reprs here. The system text
        is joined here too, so that a tool list the record placed inside its own system text
        (``meta["tools_at"]``) lands where it was; a system message is put in front when the record
        has none.
        """
        messages = super().chat_messages(record)
        system = self._system(record)
        if messages[0]["role"] == "system":
            messages = messages[1:]
        if system is not None:
            messages = [{"role": "system", "content": system}, *messages]
        for message in messages:
            if message["role"] == "tool":
                message["content"] = self._result(message["content"])
        return messages

    def layout(self, record: Record) -> Layout:
        out = Layout()
        messages = record.messages
        pending = self._system(record)
        i = 1 if messages[0].role == "system" else 0
        while i < len(messages):
            message = messages[i]
            if message.role == "tool":
                group = i
                while i < len(messages) and messages[i].role == "tool":
                    i += 1
                text = "\n".join(self._response(m) for m in messages[group:i])
                role, index = "tool", group
            else:
                text = self._model_text(message) if message.role == "assistant" else message.content or ""
                role, index = _ROLES[message.role], i
                i += 1
            if pending is not None:
                # the tutorial merges into the message after the system one, whatever its role
                text, pending = pending + PLANNING_SENTENCE + text, None
            out.add(f"<start_of_turn>{role}\n", trained=True)
            if messages[index].role == "assistant":
                out.start_turn(index)
            out.add(text.strip() + "<end_of_turn><eos>\n", trained=True)
        if pending is not None:
            out.add(
                "<start_of_turn>human\n" + (pending + PLANNING_SENTENCE).strip() + "<end_of_turn><eos>\n",
                trained=True,
            )
        return out

    def chat_template(self) -> str:
        return _template(self.doubled_bos, self.payloads)

    def _system(self, record: Record) -> str | None:
        first = record.messages[0]
        system = first.content if first.role == "system" else None
        if record.tools and (system is None or "<tools>" not in system):
            if self.payloads == "python":
                system = _BLOCK.join(system, list(record.tools), record.meta)
            else:
                listed = canonical_json(chat_tools(record))
                block = _BLOCK.before + f"<tools> {listed} </tools>" + _BLOCK.after
                system = block if system is None else system + "\n\n" + block
        return system

    def _result(self, content: str) -> str:
        return payload_as_python(content) if self.payloads == "python" else content

    def _response(self, message: Message) -> str:
        content = message.content or ""
        if content.lstrip().startswith("<tool_response>"):
            return content  # already in the dataset's form
        return f"<tool_response>\n{self._result(content)}\n</tool_response>"

    def _model_text(self, message: Message) -> str:
        text = ""
        if message.reasoning is not None:
            newline = "" if message.reasoning.endswith("\n") else "\n"
            text = f"<think>{message.reasoning}{newline}</think>"
        calls = [
            f"<tool_call>\n{self._payload(c.name, c.arguments)}\n</tool_call>"
            for c in message.tool_calls or ()
        ]
        body = message.content or ""
        if calls and body:
            body += "\n"
        return text + body + "\n".join(calls)

    def _payload(self, name: str, arguments: dict[str, Any]) -> str:
        value = {"name": name, "arguments": arguments}
        return repr(value) if self.payloads == "python" else canonical_json(value)


def _template(doubled_bos: bool, payloads: str) -> str:
    """The same rendering from :meth:`SeedProfile.chat_messages`, every turn inside generation markers.

    Given plain OpenAI-shaped messages, it writes tool results as they are (it cannot parse JSON).
    """
    bos = "{% if bos_token %}{{ bos_token }}" + ("{{ bos_token }}" if doubled_bos else "") + "{% endif %}"
    call = "{'name': call.function.name, 'arguments': call.function.arguments}"
    listed = "(tl.items | string)" if payloads == "python" else "(tl.items | tojson)"
    return "".join(
        [
            bos,
            "{% set ns = namespace(system=none, turn='') %}",
            "{% if messages and messages[0].role == 'system' %}{% set ns.system = messages[0].content %}",
            "{% endif %}",
            "{% if tools and (ns.system is none or '<tools>' not in ns.system) %}",
            "{% set tl = namespace(items=[]) %}{% for tool in tools %}",
            "{% set fn = tool.function if tool.function is defined else tool %}",
            "{% set tl.items = tl.items + [{'type': 'function', 'function': {'name': fn.name,",
            " 'description': fn.description | default(''), 'parameters': fn.parameters}}] %}",
            "{% endfor %}",
            "{% set block = "
            + jinja_string(_BLOCK.before)
            + " + '<tools> ' + "
            + listed
            + " + ' </tools>' + ",
            jinja_string(_BLOCK.after) + " %}",
            "{% set ns.system = block if ns.system is none else ns.system + '\\n\\n' + block %}",
            "{% endif %}",
            "{% for message in messages %}",
            "{% if message.role == 'tool' %}",
            "{% if message.content.lstrip().startswith('<tool_response>') %}{% set text = message.content %}",
            "{% else %}{% set text = '<tool_response>\\n' + message.content + '\\n</tool_response>' %}",
            "{% endif %}",
            "{% if not loop.first and loop.previtem.role == 'tool' %}",
            "{% set ns.turn = ns.turn + '\\n' + text %}{% else %}{% set ns.turn = text %}{% endif %}",
            "{% if loop.last or loop.nextitem.role != 'tool' %}",
            "{% set role = 'tool' %}{% set text = ns.turn %}",
            "{% else %}{% set role = none %}{% endif %}",
            "{% elif message.role == 'assistant' %}{% set role = 'model' %}",
            "{% set text = '' %}{% if message.reasoning is defined and message.reasoning is not none %}",
            "{% set text = '<think>' + message.reasoning",
            " + ('' if message.reasoning.endswith('\\n') else '\\n') + '</think>' %}{% endif %}",
            "{% set blocks = namespace(items=[]) %}",
            "{% for call in message.tool_calls | default([]) %}",
            "{% set blocks.items = blocks.items + ['<tool_call>\\n' ~ ("
            + (call if payloads == "python" else f"{call} | tojson")
            + ") ~ '\\n</tool_call>'] %}",
            "{% endfor %}",
            "{% set body = message.content if message.content is defined",
            " and message.content is not none else '' %}",
            "{% if blocks.items and body %}{% set body = body + '\\n' %}{% endif %}",
            "{% set text = text + body + (blocks.items | join('\\n')) %}",
            "{% elif message.role == 'user' %}{% set role = 'human' %}{% set text = message.content %}",
            "{% else %}{% set role = none %}{% endif %}",
            "{% if role is not none %}",
            "{% if ns.system is not none %}{% set text = ns.system + "
            + jinja_string(PLANNING_SENTENCE)
            + " + text %}",
            "{% set ns.system = none %}{% endif %}",
            "{% generation %}{{ '<start_of_turn>' + role + '\\n' + text | trim + '<end_of_turn><eos>\\n' }}",
            "{% endgeneration %}",
            "{% endif %}{% endfor %}",
            "{% if ns.system is not none %}{% generation %}{{ '<start_of_turn>human\\n' + (ns.system + ",
            jinja_string(PLANNING_SENTENCE)
            + ") | trim + '<end_of_turn><eos>\\n' }}{% endgeneration %}{% endif %}",
            "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}",
        ]
    )
