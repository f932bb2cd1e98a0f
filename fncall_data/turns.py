"""Which assistant turn of a record is the one a model is scored on.

The evaluated turn is the record's last assistant turn, except when that turn is a grounded answer
(plain text right after tool results): then it is the assistant turn whose calls those results
answer. So a conversation "call, result, answer" is scored on its call, while "call, result, answer,
follow-up, reply without a call" is scored on that last reply. ``Record.answers``, when set, lists
the acceptable calls of this turn; without it, the turn's own calls are the reference.
"""

from __future__ import annotations

from fncall_data.errors import InputError
from fncall_data.types import Record, ToolCall

__all__ = ["evaluated_turn", "reference_calls"]


def evaluated_turn(record: Record) -> int:
    """The index in ``record.messages`` of the assistant turn that is scored.

    Raises:
        InputError: the record has no assistant turn.

    Example:
        >>> r = Record(id="r", messages=[
        ...     {"role": "user", "content": "Paris?"},
        ...     {"role": "assistant", "tool_calls": [{"id": "c1", "name": "w", "arguments": {}}]},
        ...     {"role": "tool", "tool_call_id": "c1", "content": "14"},
        ...     {"role": "assistant", "content": "14 degrees."}])
        >>> evaluated_turn(r)
        1
    """
    messages = record.messages
    last = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].role == "assistant"), None)
    if last is None:
        raise InputError("the record has no assistant turn to score", field=f"record {record.id}")
    if messages[last].tool_calls or last == 0 or messages[last - 1].role != "tool":
        return last
    caller = last - 1
    while caller >= 0 and messages[caller].role == "tool":
        caller -= 1
    return caller if caller >= 0 and messages[caller].role == "assistant" else last


def reference_calls(record: Record) -> tuple[ToolCall, ...]:
    """The calls of the evaluated turn as written in the record (empty: no call is expected)."""
    return tuple(record.messages[evaluated_turn(record)].tool_calls or ())
