"""Records in and out of Hugging Face ``datasets``, and a TRL-ready ``messages`` + ``tools`` export.

Arrow stores a column of objects as one struct type for the whole column: objects whose keys differ
from row to row (tool schemas, call arguments, answers, meta) get every key of every row, the missing
ones filled with null, and nothing says which nulls were real. So those values travel here as JSON
strings (:func:`fncall_data.profiles.chat.canonical_json`, key order kept) and are decoded back,
which makes ``from_hf_dataset(to_hf_dataset(records)) == records`` exact.

``datasets`` is imported inside the functions that need it; the row builders are plain Python.

Example:
    >>> from fncall_data.types import Record
    >>> r = Record(id="r1", messages=[{"role": "user", "content": "Hi"},
    ...                               {"role": "assistant", "content": "Hello"}])
    >>> trl_row(r)["messages"][1]
    {'role': 'assistant', 'content': 'Hello'}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fncall_data.errors import InputError
from fncall_data.profiles.chat import canonical_json
from fncall_data.types import Message, Record, parse_record

__all__ = ["from_hf_dataset", "hf_row", "record_from_hf_row", "to_hf_dataset", "to_trl_dataset", "trl_row"]

_MESSAGE_KEYS = ("role", "content", "reasoning", "tool_calls", "tool_call_id", "name")


def hf_row(record: Record) -> dict[str, Any]:
    """One dataset row: ``tools``, ``answers``, ``meta`` and every call's ``arguments`` as JSON strings.

    Every message has every key (absent ones None), so that all rows share one Arrow type.
    """
    data = record.to_dict()
    return {
        "id": record.id,
        "category": record.category,
        "tools": canonical_json(data["tools"]),
        "messages": [_hf_message(m) for m in record.messages],
        "answers": None if record.answers is None else canonical_json(data["answers"]),
        "meta": canonical_json(record.meta),
    }


def _hf_message(message: Message) -> dict[str, Any]:
    calls = None
    if message.tool_calls is not None:
        calls = [
            {"id": c.id, "name": c.name, "arguments": canonical_json(c.arguments)} for c in message.tool_calls
        ]
    return {
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "tool_calls": calls,
        "tool_call_id": message.tool_call_id,
        "name": message.name,
    }


def record_from_hf_row(row: dict[str, Any], *, number: int | None = None) -> Record:
    """The record of one :func:`hf_row` row, decoded exactly.

    Raises:
        InputError: a JSON column cannot be decoded or the result is not a valid record.
    """
    try:
        messages = []
        for message in row["messages"]:
            item = {k: message.get(k) for k in _MESSAGE_KEYS if message.get(k) is not None}
            if message.get("tool_calls") is not None:
                item["tool_calls"] = [
                    {"id": c.get("id"), "name": c["name"], "arguments": json.loads(c["arguments"])}
                    for c in message["tool_calls"]
                ]
            messages.append(item)
        data = {
            "id": row["id"],
            "category": row.get("category"),
            "tools": json.loads(row["tools"]),
            "messages": messages,
            "answers": None if row.get("answers") is None else json.loads(row["answers"]),
            "meta": json.loads(row.get("meta") or "{}"),
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"not a row written by to_hf_dataset ({type(exc).__name__}: {exc})", line=number
        ) from None
    return parse_record(data, line=number)


def to_hf_dataset(records: Iterable[Record]) -> Any:
    """A ``datasets.Dataset`` of records (see :func:`hf_row`); :func:`from_hf_dataset` reverses it exactly.

    Example:
        >>> ds = to_hf_dataset(records)  # doctest: +SKIP
        >>> from_hf_dataset(ds) == records  # doctest: +SKIP
        True
    """
    from datasets import Dataset

    return Dataset.from_list([hf_row(r) for r in records])


def from_hf_dataset(dataset: Iterable[dict[str, Any]]) -> list[Record]:
    """The records of a dataset made by :func:`to_hf_dataset` (or any iterable of such rows)."""
    return [record_from_hf_row(row, number=n) for n, row in enumerate(dataset, start=1)]


def trl_row(record: Record) -> dict[str, Any]:
    """A conversational row as TRL's ``SFTTrainer`` and chat templates take it.

    ``messages`` use the OpenAI shape (``tool_calls: [{type, function: {name, arguments}}]``, with the
    arguments as a JSON string; ``reasoning`` on assistant turns, ``tool_call_id`` and ``name`` on tool
    turns); ``tools`` is a JSON string of ``{type: "function", function: {...}}`` specs, which TRL
    decodes before it renders the chat template.
    """
    messages = []
    for message in record.messages:
        item: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.reasoning is not None:
            item["reasoning"] = message.reasoning
        if message.tool_calls:
            item["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": canonical_json(c.arguments)},
                }
                for c in message.tool_calls
            ]
        if message.role == "tool":
            item["tool_call_id"] = message.tool_call_id
            item["name"] = message.name
        messages.append(item)
    tools = [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in record.tools
    ]
    return {"id": record.id, "messages": messages, "tools": canonical_json(tools)}


def to_trl_dataset(records: Iterable[Record]) -> Any:
    """A ``datasets.Dataset`` with ``messages`` and ``tools`` columns that ``SFTTrainer`` accepts as is.

    Example:
        >>> trainer = SFTTrainer(model=model, train_dataset=to_trl_dataset(records), ...)  # doctest: +SKIP
    """
    from datasets import Dataset

    return Dataset.from_list([trl_row(r) for r in records])
