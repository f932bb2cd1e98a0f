"""``xlam``: Salesforce xLAM / APIGen function-calling rows, ``{id, query, tools, answers}``.

``tools`` and ``answers`` are JSON strings. Parameters are xLAM's own dialect
(``{param: {type: "List[int]" | "str, optional" | ..., description, default}}``), converted with
:func:`fncall_data.dialects.xlam_to_json_schema` and written back by :func:`json_schema_to_xlam`.
A row is one question and the calls that answer it (several = parallel calls).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, ClassVar

from fncall_data.dialects import xlam_to_json_schema
from fncall_data.errors import FncallError
from fncall_data.formats.base import Format, RowError
from fncall_data.formats.common import (
    CallLinker,
    build_record,
    decode_json_field,
    read_calls,
    row_id,
    row_meta,
)
from fncall_data.tools import to_tool
from fncall_data.types import Record, Tool

__all__ = ["XLAMFormat", "json_schema_to_xlam"]

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


class XLAMFormat(Format):
    """xLAM / APIGen: a query, its tools in xLAM's dialect, and the calls that answer it."""

    name: ClassVar[str] = "xlam"
    description: ClassVar[str] = "Salesforce xLAM / APIGen: query, tools and answers as JSON strings"

    def detect(self, row: dict[str, Any]) -> bool:
        return isinstance(row.get("query"), str) and "answers" in row and "tools" in row

    def read_row(self, row: dict[str, Any], number: int, repairs: Counter[str]) -> Record:
        query = row.get("query")
        if not isinstance(query, str):
            raise RowError("query: expected text")
        specs = decode_json_field(row.get("tools") or [], "tools")
        answers = decode_json_field(row.get("answers") or [], "answers")
        if not isinstance(specs, list) or not isinstance(answers, list):
            raise RowError("tools and answers must be JSON lists")
        tools = [_tool(spec, index) for index, spec in enumerate(specs)]
        found = read_calls(answers, repairs, "answers") if answers else None
        assistant: dict[str, Any] = {"role": "assistant"}
        if found is not None and found.calls:
            assistant["tool_calls"] = [c.model_dump() for c in found.calls]
        else:
            assistant["content"] = ""  # the honest answer to an irrelevant query is no call
        meta = row_meta(self.name, number, row, ("id", "query", "tools", "answers"))
        return build_record(
            record_id=row_id(row, self.name, number),
            messages=[{"role": "user", "content": query}, CallLinker().name_calls(assistant)],
            tools=tools,
            answers=None if assistant.get("tool_calls") else [],
            meta=meta,
        )

    def write_row(self, record: Record, lost: Counter[str]) -> dict[str, Any]:
        messages = record.messages
        first = next((i for i, m in enumerate(messages) if m.role == "user"), None)
        if first is None or first + 1 >= len(messages) or messages[first + 1].role != "assistant":
            raise RowError("xlam holds a question and the calls that answer it; this record has none")
        if any(m.role == "system" for m in messages):
            lost["system"] += 1
        if len(messages) > first + 2:
            lost["turns after the first answer"] += 1
        answer = messages[first + 1]
        if answer.reasoning is not None:
            lost["reasoning"] += 1
        calls = [{"name": c.name, "arguments": c.arguments} for c in answer.tool_calls or ()]
        tools = [
            {"name": t.name, "description": t.description, "parameters": json_schema_to_xlam(t.parameters)}
            for t in record.tools
        ]
        row: dict[str, Any] = {}
        row["id"] = int(record.id) if record.id.isdigit() else record.id
        row["query"] = messages[first].content
        row["tools"] = json.dumps(tools, ensure_ascii=False)
        row["answers"] = json.dumps(calls, ensure_ascii=False)
        row.update(record.meta.get("extra") or {})
        return row


def _tool(spec: Any, index: int) -> Tool:
    where = f"tools[{index}]"
    if not isinstance(spec, dict):
        raise RowError(f"{where}: expected an object")
    try:
        parameters = xlam_to_json_schema(spec.get("parameters") or {})
        return to_tool(
            {"name": spec.get("name"), "description": spec.get("description", ""), "parameters": parameters}
        )
    except FncallError as exc:
        raise RowError(f"{where}: {exc}") from None


def json_schema_to_xlam(schema: dict[str, Any]) -> dict[str, Any]:
    """Write an object schema in xLAM's parameter dialect, the inverse of ``xlam_to_json_schema``.

    A required parameter has no ``default``; an optional one gets its schema default, or ``""`` as xLAM
    writes when there is none.

    Example:
        >>> json_schema_to_xlam({"type": "object", "properties": {"n": {"type": "array",
        ...     "items": {"type": "integer"}}}, "required": ["n"]})
        {'n': {'type': 'List[int]'}}
    """
    required = set(schema.get("required") or ())
    out: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        param: dict[str, Any] = {}
        if "description" in prop:
            param["description"] = prop["description"]
        param["type"] = _type_name(prop)
        if name not in required:
            param["default"] = prop.get("default", "")
        out[name] = param
    return out


def _type_name(schema: Any) -> str:
    if not isinstance(schema, dict):
        return "Any"
    if "anyOf" in schema:
        return "Union[" + ", ".join(_type_name(s) for s in schema["anyOf"]) + "]"
    kind = schema.get("type")
    if isinstance(kind, list):
        return "Union[" + ", ".join(_type_name({"type": k}) for k in kind) + "]"
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "array":
        if "prefixItems" in schema:
            return "Tuple[" + ", ".join(_type_name(s) for s in schema["prefixItems"]) + "]"
        name = "Set" if schema.get("uniqueItems") else "List"
        return f"{name}[{_type_name(schema['items'])}]" if "items" in schema else name.lower()
    if kind == "object":
        extra = schema.get("additionalProperties")
        return f"Dict[str, {_type_name(extra)}]" if isinstance(extra, dict) else "dict"
    return "Any"
