"""``records``: fncall's own JSONL records, read and written as they are (the default output)."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

from fncall_data.errors import InputError
from fncall_data.formats.base import Format, RowError
from fncall_data.formats.common import checked_record
from fncall_data.types import Record

__all__ = ["RecordsFormat"]


class RecordsFormat(Format):
    """fncall records: ``{id, category, tools, messages, answers, meta}``, one per line."""

    name: ClassVar[str] = "records"
    description: ClassVar[str] = "fncall records (JSONL, or a dataset saved by fncall_data.hf.to_hf_dataset)"

    def detect(self, row: dict[str, Any]) -> bool:
        messages, tools = row.get("messages"), row.get("tools", [])
        if isinstance(tools, str) and isinstance(row.get("meta"), str):  # a row of fncall_data.hf
            tools = []
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
        if isinstance(row.get("tools"), str):  # written by fncall_data.hf.to_hf_dataset: JSON strings inside
            from fncall_data.hf import record_from_hf_row

            try:
                return checked_record(record_from_hf_row(row).to_dict())
            except InputError as exc:
                raise RowError(exc.reason) from None
        return checked_record(row)

    def write_row(self, record: Record, lost: Counter[str]) -> dict[str, Any]:
        return record.to_dict()
