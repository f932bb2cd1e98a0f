"""Verification of a drafted record before it is written.

A record passes when: it is a valid :class:`~fncall_data.types.Record`;
:func:`fncall_data.records.check_record` finds nothing (role order, call ids, each call against its
tool, answers); every argument value is stated earlier in the conversation or is the parameter's
default; each tool result is what the implementation returns for those arguments; every number in
a grounded answer appears in the text before it; and ``answers`` match the calls of the scored
turn. Each failure has a stable reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from pydantic import ValidationError

from fncall_data.generate.builders import Draft
from fncall_data.generate.calls import to_json_value
from fncall_data.generate.spec import ToolSpec
from fncall_data.generate.text import surfaces
from fncall_data.records import check_record
from fncall_data.turns import evaluated_turn
from fncall_data.types import Record, describe_validation_error

__all__ = ["Rejection", "found_in", "verify_draft"]

_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w]|\.\d)")
_SLOT = re.compile(r"\{\w+\}|\[[^\]]*\{")

Rejection = tuple[str, str]


def found_in(form: str, text: str) -> bool:
    """Whether ``form`` occurs in lower-cased ``text`` as a whole word or number (not inside one).

    Example:
        >>> found_in("5", "in 2025"), found_in("5", "for 5 nights"), found_in("5", "5.5 km")
        (False, True, False)
    """
    needle = form.lower()
    if not needle:
        return False
    start = text.find(needle)
    while start != -1:
        end = start + len(needle)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        glued_before = needle[0].isalnum() and (before.isalnum() or (before == "." and needle[0].isdigit()))
        glued_after = needle[-1].isalnum() and after.isalnum()
        decimal_after = needle[-1].isdigit() and after == "." and text[end + 1 : end + 2].isdigit()
        if not (glued_before or glued_after or decimal_after):
            return True
        start = text.find(needle, start + 1)
    return False


def _ungrounded(spec: ToolSpec, name: str, value: Any, schema: dict[str, Any], text: str) -> str | None:
    """The first leaf of ``value`` that the text does not state, as ``path=value``; None if all are."""
    if "default" in schema and schema["default"] == value:
        return None
    if isinstance(value, list):
        items = schema.get("items", {})
        return next((bad for v in value if (bad := _ungrounded(spec, name, v, items, text))), None)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return next(
            (bad for k, v in value.items() if (bad := _ungrounded(spec, k, v, props.get(k, {}), text))), None
        )
    forms = surfaces(spec, name, value, schema)
    return None if any(found_in(form, text) for form in forms) else f"{name}={value!r}"


def verify_draft(draft: Draft, record_id: str, meta: dict[str, Any]) -> tuple[Record | None, list[Rejection]]:
    """The verified record, or None and every reason it was rejected."""
    data = {
        "id": record_id,
        "category": draft.category,
        "tools": [spec.tool for spec in draft.tools],
        "messages": draft.messages,
        "answers": draft.answers,
        "meta": meta,
    }
    try:
        record = Record.model_validate(data)
    except ValidationError as exc:
        return None, [("invalid_record", "; ".join(describe_validation_error(exc)))]
    problems: list[Rejection] = [(f"check_{i.code}", i.message) for i in check_record(record)]
    specs = {spec.name: spec for spec in draft.tools}
    seen: list[str] = []
    constants = set().union(*(_constants(spec) for spec in draft.tools))
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    for index, message in enumerate(record.messages):
        if message.role == "user" and _SLOT.search(message.content or ""):
            problems.append(("template_leak", message.content or ""))
        if message.role == "assistant" and message.tool_calls:
            text = "\n".join(seen).lower()
            for call in message.tool_calls:
                seen.append(json.dumps(call.arguments))
                spec = specs[call.name]
                calls[call.id or ""] = (call.name, call.arguments)
                for name, value in call.arguments.items():
                    bad = _ungrounded(spec, name, value, spec.properties.get(name, {}), text)
                    if bad:
                        problems.append(("ungrounded_value", f"{call.name}: {bad}"))
        if message.role == "tool":
            problems.extend(_result_problems(specs, calls, message.tool_call_id, message.content or ""))
        if (
            message.role == "assistant"
            and message.content
            and seen
            and record.messages[index - 1].role == "tool"
        ):
            known = _numbers("\n".join(seen)) | constants
            missing = [n for n in _NUMBER.findall(message.content) if float(n) not in known]
            if missing:
                problems.append(("ungrounded_answer", f"numbers not in the results: {', '.join(missing)}"))
        if message.role != "system":
            seen.append(message.content or "")
    problems.extend(_answer_problems(record))
    return (None, problems) if problems else (record, [])


# Per spec object (kept alive by the entry, so its id stays its own): the numbers of _constants.
_CONSTANTS: dict[int, tuple[ToolSpec, frozenset[float]]] = {}


def _constants(spec: ToolSpec) -> frozenset[float]:
    """Numbers an answer may say without a source: its templates' own words ("rated 4/5") and defaults."""
    entry = _CONSTANTS.get(id(spec))
    if entry is not None and entry[0] is spec:
        return entry[1]
    defaults = [sub.get("default") for sub in spec.properties.values()]
    numbers = {float(d) for d in defaults if isinstance(d, int | float) and not isinstance(d, bool)}
    found = frozenset(numbers | _numbers(" ".join(spec.answers)))
    if len(_CONSTANTS) > 4096:
        _CONSTANTS.clear()
    _CONSTANTS[id(spec)] = (spec, found)
    return found


def _numbers(text: str) -> set[float]:
    return {float(token) for token in _NUMBER.findall(text)}


def _result_problems(
    specs: dict[str, ToolSpec],
    calls: dict[str, tuple[str, dict[str, Any]]],
    call_id: str | None,
    content: str,
) -> list[Rejection]:
    name, arguments = calls.get(call_id or "", ("", {}))
    spec = specs.get(name)
    if spec is None or spec.run is None:
        return []
    try:
        again = to_json_value(spec.run(dict(arguments)))
    except Exception as exc:  # the implementation must not fail on arguments it accepted once
        return [("execution_error", f"{name}: {type(exc).__name__}: {exc}")]
    if json.loads(content) != again:
        return [("result_not_reproducible", f"{name} returned a different result for the same arguments")]
    return []


def _answer_problems(record: Record) -> list[Rejection]:
    turn = record.messages[evaluated_turn(record)]
    expected = Counter(answer.name for answer in record.answers or ())
    made = Counter(call.name for call in turn.tool_calls or ())
    if expected != made:
        return [("answers_mismatch", f"answers name {dict(expected)}, the scored turn calls {dict(made)}")]
    return []


_MESSAGE_KEYS = ("role", "content", "reasoning", "tool_calls", "tool_call_id", "name")
_TOOL_DICTS: dict[int, tuple[Any, dict[str, Any]]] = {}


def record_line(draft: Draft, record_id: str, meta: dict[str, Any]) -> str:
    """The canonical JSON line of a verified draft: the bytes of ``Record.to_json()``, built directly.

    Verified drafts hold plain JSON data already, so the line is written from them without a second
    pass through pydantic; a test checks that the bytes equal ``Record.to_json()``.
    """
    tools = []
    for spec in draft.tools:
        entry = _TOOL_DICTS.get(id(spec.tool))
        if entry is None or entry[0] is not spec.tool:
            entry = (spec.tool, spec.tool.model_dump(mode="json"))
            _TOOL_DICTS[id(spec.tool)] = entry
        tools.append(entry[1])
    messages = []
    for message in draft.messages:
        out = {key: message[key] for key in _MESSAGE_KEYS if message.get(key) is not None}
        if "tool_calls" in out:
            out["tool_calls"] = [
                {"id": c["id"], "name": c["name"], "arguments": c["arguments"]} for c in out["tool_calls"]
            ]
        messages.append(out)
    data = {
        "id": record_id,
        "category": draft.category,
        "tools": tools,
        "messages": messages,
        "answers": draft.answers,
        "meta": meta,
    }
    return json.dumps(data, ensure_ascii=False)
