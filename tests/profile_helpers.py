"""Records for the chat-profile tests, and the seed rows converted without using fncall's profiles."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from fncall_data.types import Record
from tests.conftest import FORMAT_ROWS
from tests.eval_helpers import WEATHER  # the same weather tool as the evaluation tests

EMAIL = {
    "name": "send_email",
    "description": "Send an email.",
    "parameters": {
        "type": "object",
        "properties": {"to": {"type": "string"}, "body": {"type": "string"}},
        "required": ["to", "body"],
    },
}


def _record(
    rid: str, category: str, messages: list[dict[str, Any]], tools: list[Any] | None = None
) -> Record:
    return Record.model_validate(
        {
            "id": rid,
            "category": category,
            "tools": [WEATHER, EMAIL] if tools is None else tools,
            "messages": messages,
        }
    )


SIMPLE = _record(
    "simple-1",
    "simple",
    [
        {"role": "user", "content": "Weather in Zürich, in celsius?"},
        {
            "role": "assistant",
            "reasoning": "One city, the unit is given.",
            "tool_calls": [
                {"id": "c1", "name": "get_weather", "arguments": {"city": "Zürich", "unit": "celsius"}}
            ],
        },
    ],
)

PARALLEL = _record(
    "parallel-1",
    "parallel",
    [
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}},
                {"id": "c2", "name": "get_weather", "arguments": {"city": "Rome"}},
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": '{"temp_c": 14}'},
        {"role": "tool", "tool_call_id": "c2", "name": "get_weather", "content": '{"temp_c": 19}'},
        {"role": "assistant", "content": "Paris 14 °C, Rome 19 °C."},
    ],
)

MULTI_TURN = _record(
    "multi-1",
    "multi_turn",
    [
        {"role": "user", "content": "Weather in Oslo?"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "a", "name": "get_weather", "arguments": {"city": "Oslo"}}],
        },
        {"role": "tool", "tool_call_id": "a", "content": '{"temp_c": -3}'},
        {"role": "assistant", "content": "It is -3 °C in Oslo."},
        {"role": "user", "content": "Mail that to ann@example.com."},
        {
            "role": "assistant",
            "content": "Sending it now.",
            "tool_calls": [
                {
                    "id": "b",
                    "name": "send_email",
                    "arguments": {"to": "ann@example.com", "body": "Oslo: -3 °C"},
                }
            ],
        },
    ],
)

IRRELEVANCE = _record(
    "irrelevance-1",
    "irrelevance",
    [
        {"role": "user", "content": "Book me a table for two."},
        {"role": "assistant", "content": "I can't book tables; I can check weather or send an email."},
    ],
)

MISSING_PARAM = _record(
    "missing-1",
    "missing_param",
    [
        {"role": "user", "content": "Send an email saying I'm late."},
        {"role": "assistant", "content": "Who should I send it to?"},
    ],
)

SYSTEM_REASONING = _record(
    "system-1",
    "simple",
    [
        {"role": "system", "content": "You are terse. Answer in English."},
        {"role": "user", "content": "Is it 'cold' in \"Reykjavík\"?"},
        {
            "role": "assistant",
            "reasoning": "Check the weather first.\nThen answer.",
            "tool_calls": [{"id": "r", "name": "get_weather", "arguments": {"city": "Reykjavík"}}],
        },
    ],
    tools=[WEATHER],
)

NO_TOOLS = _record(
    "plain-1",
    "irrelevance",
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
    tools=[],
)

RECORDS = [SIMPLE, PARALLEL, MULTI_TURN, IRRELEVANCE, MISSING_PARAM, SYSTEM_REASONING, NO_TOOLS]

# The tutorial's template, exactly as it set it on the tokenizer.
TUTORIAL_TEMPLATE = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}"
    "{{ '<start_of_turn>' + message['role'] + '\\n' + "
    "message['content'] | trim + '<end_of_turn><eos>\\n' }}{% endfor %}{% if add_generation_prompt %}"
    "{{'<start_of_turn>model\\n'}}{% endif %}"
)
TUTORIAL_PLANNING = (
    "Also, before making a call to a function take the time to plan the function to take. "
    "Make that thinking process between <think>{your thoughts}</think>\n\n"
)


def seed_rows() -> list[list[dict[str, str]]]:
    """The sample rows in the shape of the tutorial's dataset."""
    path = FORMAT_ROWS / "seed_thinking.jsonl"
    return [
        json.loads(line)["conversations"] for line in path.read_text(encoding="utf-8").splitlines() if line
    ]


def tutorial_text(conversation: list[dict[str, str]]) -> str:
    """What the tutorial's preprocessing and template make of one row (its <bos> included)."""
    import jinja2

    messages = [dict(m) for m in conversation]
    if messages[0]["role"] == "system":
        messages[1]["content"] = messages[0]["content"] + TUTORIAL_PLANNING + messages[1]["content"]
        messages.pop(0)

    def raise_exception(message: str) -> None:
        raise jinja2.TemplateError(message)

    env = jinja2.Environment()
    env.globals["raise_exception"] = raise_exception
    return env.from_string(TUTORIAL_TEMPLATE).render(
        messages=messages, bos_token="<bos>", add_generation_prompt=False
    )


_MODEL_TURN = re.compile(r"^(?:<think>(?P<think>.*?)</think>)?(?P<rest>.*)$", re.S)
_CALL = re.compile(r"<tool_call>\n(.*?)\n</tool_call>", re.S)


def seed_record(conversation: list[dict[str, str]], rid: str) -> Record:
    """A seed row as a record, the text kept as the dataset has it (reasoning not stripped)."""
    roles = {"system": "system", "human": "user", "model": "assistant", "tool": "tool"}
    messages: list[dict[str, Any]] = []
    last_call = None
    for turn in conversation:
        role = roles[turn["role"]]
        content = turn["content"]
        if role == "assistant":
            match = _MODEL_TURN.match(content)
            assert match is not None
            calls = [ast.literal_eval(body) for body in _CALL.findall(match["rest"])]
            message: dict[str, Any] = {"role": role}
            if match["think"] is not None:
                message["reasoning"] = match["think"]
            if calls:
                message["tool_calls"] = calls
                last_call = calls[-1]["name"]
            else:
                message["content"] = match["rest"]
            messages.append(message)
        elif role == "tool":
            body = content.removeprefix("<tool_response>\n").removesuffix("\n</tool_response>")
            messages.append({"role": role, "name": last_call, "content": body})
        else:
            messages.append({"role": role, "content": content})
    return Record.model_validate({"id": rid, "messages": messages})
