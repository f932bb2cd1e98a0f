"""``records``: fncall's own JSONL records, read and written as they are (the default output)."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

from fncall_data.formats.base import Format
from fncall_data.formats.common import checked_record
from fncall_data.types import Record

__all__ = ["RecordsFormat"]


class RecordsFormat(Format):
    """fncall records: ``{id, category, tools, messages, answers, meta}``, one per line."""

    name: ClassVar[str] = "records"
    description: ClassVar[str] = "fncall records (id, tools, messages with tool_calls, answers, meta)"

    def detect(self, row: dict[str, Any]) -> bool:
        messages, tools = row.get("messages"), row.get("tools", [])
        if (
            not isinstance(row.get("id"), str)
            or not isinstance(messages, list)
            or not isinstance(tools, list)
        ):
            return False
        # OpenAI rows wrap tools and calls in {"type": "function", "function": {...}}; ours never do.
        wrapped = any(isinstance(t, dict) and "function" in t for t in tools)
        calls = [c for m in messages if isinstance(m, dict) for c in (m.get("tool_calls") or [])]
        return not wrapped and not any(isinstance(c, dict) and "function" in c for c in calls)

    def read_row(self, row: dict[str, Any], number: int, repairs: Counter[str]) -> Record:
        return checked_record(row)

    def write_row(self, record: Record, lost: Counter[str]) -> dict[str, Any]:
        return record.to_dict()
