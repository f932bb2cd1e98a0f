"""Tool calls from raw model text, in the common dialects, with every tolerance reported.

:func:`extract` reads what a model wrote (or a decoded OpenAI-style object) and returns an
:class:`Extraction`: the calls, the syntax they were written in, each repair needed to read them and
each error. It never raises on a string or on a JSON-like object, and it never evaluates code.

What counts as a call attempt (anything else is plain content, status ``no_call``):

- a ``<tool_call>`` tag;
- output that as a whole is JSON or a Python literal shaped like a call: an object with one of the
  keys ``name``, ``arguments``, ``parameters``, ``function`` or ``tool_calls``, or a list holding one
  (output that is some other JSON value is content);
- inside prose, an object that opens with one of those keys (or with ``id``/``type``, when it then
  reads as a call), alone or as the first item of a list; braces in prose ("use {x} here") are not;
- a code fence whose body starts with ``{`` or ``[``, or is Python call syntax with keyword
  arguments (a fenced ``print("hi")`` is a code sample, not a call);
- Python call syntax that is the whole output (``f()``, ``[f(a=1), g()]``, ``f("x")``), or inside
  prose a dotted name followed by ``(`` and a keyword argument (``get_weather(city=...``).

An explicit empty list of calls (``[]``, ``{"tool_calls": []}``) is ``no_call``. A ``<think>`` left
open (output cut while reasoning) is all reasoning; a lone ``</think>`` (the template opened it)
closes the reasoning that starts the output.

Repairs (each becomes a ``strict_repair`` error under ``strict=True``): ``python_literal``,
``arguments_string``, ``arguments_key``, ``code_fence``, ``surrounding_text``, ``unclosed_tag``,
``extra_keys`` (keys other than name/arguments/id/type, ignored). Not repairs: ``<think>`` reasoning,
text around ``<tool_call>`` tags, trailing end-of-turn tokens (``<end_of_turn>``, ``<eos>``,
``<|im_end|>``, ...), and JSON-string arguments in OpenAI objects (their documented form).

Errors: ``invalid_json``, ``invalid_python_call``, ``unclosed_tag``, ``not_a_call``, ``bad_arguments``,
``positional_argument``, ``non_string_key``, ``duplicate_key``, ``too_large`` (also an integer of more
than 4300 digits), ``too_deep``, ``invalid_unicode`` (a lone surrogate such as JSON's ``"\\ud800"``: the
call is dropped, and in prose or reasoning it is replaced by U+FFFD so that the result always encodes
as UTF-8), ``strict_repair``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

from pydantic import ValidationError

from fncall_data.extract_text import read_text
from fncall_data.issues import Issue, Repair
from fncall_data.pyliteral import (
    LiteralParseError,
    lone_surrogate,
    parse_literal,
    plain_json,
    replace_lone_surrogates,
)
from fncall_data.types import ToolCall, describe_validation_error

__all__ = ["Extraction", "extract"]

Status = Literal["calls", "no_call", "malformed"]
Syntax = Literal["tool_call_tags", "json", "openai", "python_call", "none"]

_OPENAI_ITEM_KEYS = frozenset({"id", "type", "function", "index"})
_FUNCTION_KEYS = frozenset({"name", "arguments"})
# Codes that say more than "unreadable" and so pass through unchanged.
_SPECIFIC = frozenset({"too_deep", "too_large", "non_string_key", "duplicate_key", "positional_argument"})


@dataclass(frozen=True)
class Extraction:
    """What :func:`extract` found in one model output.

    Attributes:
        status: ``calls``; ``no_call`` (plain content); ``malformed`` (a call attempt that could not
            be read, or any error, including a repair under strict mode).
        calls: the calls that could be read, in order; arguments are always a dict.
        syntax: how the calls were written; ``none`` when there is no call.
        repairs: every tolerance that was applied to read the calls.
        errors: what could not be read, with stable codes.
        content: the text outside the calls and outside ``<think>``, stripped.
        reasoning: the text of the ``<think>`` block, if any.
    """

    status: Status
    calls: tuple[ToolCall, ...] = ()
    syntax: Syntax = "none"
    repairs: tuple[Repair, ...] = ()
    errors: tuple[Issue, ...] = ()
    content: str = ""
    reasoning: str | None = None

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, with ``ok`` included."""
        return {
            "status": self.status,
            "ok": self.ok,
            "syntax": self.syntax,
            "calls": [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in self.calls],
            "repairs": [r.to_dict() for r in self.repairs],
            "errors": [e.to_dict() for e in self.errors],
            "content": self.content,
            "reasoning": self.reasoning,
        }


def extract(
    output: str | Mapping[str, Any] | Sequence[Any],
    *,
    strict: bool = False,
    max_chars: int = 200_000,
    max_depth: int = 64,
) -> Extraction:
    """Read the tool calls in one model output.

    Args:
        output: the model's text, or a decoded object: an assistant message, ``{"tool_calls": [...]}``,
            one call or a list of calls (OpenAI items or ``{"name", "arguments"}`` objects).
        strict: turn every repair into a ``strict_repair`` error.
        max_chars: the longest text read (for an object: the most values in it).
        max_depth: the deepest nesting of objects and lists read.

    Example:
        >>> result = extract("<tool_call>{'name': 'f', 'arguments': {'a': 'x'}}</tool_call>")
        >>> result.status, result.calls[0].arguments, [r.code for r in result.repairs]
        ('calls', {'a': 'x'}, ['python_literal'])
    """
    if isinstance(output, str) and len(output) <= max_chars:
        clean = _read_clean(output, max_depth)
        if clean is not None:
            return clean
    return _extract_tolerant(output, strict=strict, max_chars=max_chars, max_depth=max_depth)


def _extract_tolerant(
    output: str | Mapping[str, Any] | Sequence[Any], *, strict: bool, max_chars: int, max_depth: int
) -> Extraction:
    """The full reader: every dialect, every repair, every error."""
    run = _Run(max_chars, max_depth)
    if isinstance(output, str):
        run.unicode_risk = _may_hold_surrogate(output)
        read_text(run, output)
    elif isinstance(output, bytes | bytearray | memoryview):
        run.error("not_a_call", "the output is bytes; decode it to text first")
    elif isinstance(output, Mapping | Sequence):
        run.read_object(output)
    else:
        run.error("not_a_call", f"cannot read a {type(output).__name__} as model output")
    return run.finish(strict)


def _may_hold_surrogate(text: str) -> bool:
    """Only non-ASCII text or a ``\\u`` escape can hold a lone surrogate: plain text skips the search."""
    return not text.isascii() or "\\u" in text or "\\U" in text


class _Run:
    """The state of one extraction: calls, repairs and errors in the order they were found."""

    def __init__(self, max_chars: int, max_depth: int) -> None:
        self.max_chars = max_chars
        self.max_depth = max_depth
        self.calls: list[ToolCall] = []
        self.repairs: list[Repair] = []
        self.errors: list[Issue] = []
        self.prose: list[str] = []
        self.syntax: Syntax = "none"
        self.openai = False
        self.reasoning: str | None = None
        self.unicode_risk = True

    def repair(self, code: str, detail: str, index: int | None = None) -> None:
        self.repairs.append(Repair(code, detail, index))

    def error(self, code: str, message: str, path: str = "") -> None:
        self.errors.append(Issue(code, message, path))

    def set_syntax(self, syntax: Syntax) -> None:
        if self.syntax == "none":
            self.syntax = syntax

    def finish(self, strict: bool) -> Extraction:
        content = self._unicode_text("\n".join(p.strip() for p in self.prose if p.strip()), "the content")
        reasoning = self._unicode_text(self.reasoning, "the reasoning")
        if self.unicode_risk:  # messages quote the text they could not read, lone surrogates included
            self.errors = [e._replace(message=replace_lone_surrogates(e.message)) for e in self.errors]
            self.repairs = [r._replace(detail=replace_lone_surrogates(r.detail)) for r in self.repairs]
        errors = list(self.errors)
        if strict:
            errors += [
                Issue(
                    "strict_repair",
                    f"strict mode allows no repair, and {r.code} was needed: {r.detail}",
                    call_index=r.call_index,
                )
                for r in self.repairs
            ]
        status: Status = "malformed" if errors else "calls" if self.calls else "no_call"
        syntax: Syntax = "openai" if self.syntax == "json" and self.openai else self.syntax
        return Extraction(
            status=status,
            calls=tuple(self.calls),
            syntax="none" if status == "no_call" else syntax,
            repairs=tuple(self.repairs),
            errors=tuple(errors),
            content=content,
            reasoning=reasoning,
        )

    @overload
    def _unicode_text(self, text: str, what: str) -> str: ...
    @overload
    def _unicode_text(self, text: None, what: str) -> None: ...
    def _unicode_text(self, text: str | None, what: str) -> str | None:
        """``text`` with lone surrogates replaced by U+FFFD, each text that had one reported."""
        if text is None or not self.unicode_risk:
            return text
        clean = replace_lone_surrogates(text)
        if clean != text:
            self.error("invalid_unicode", f"{what} holds a lone surrogate, replaced by U+FFFD")
        return clean

    # -- decoding ---------------------------------------------------------------------------------

    def decode(self, text: str) -> tuple[Any, bool]:
        return parse_literal(text, max_depth=self.max_depth, max_chars=self.max_chars)

    def json_error(self, exc: LiteralParseError, where: str) -> None:
        self.set_syntax("json")
        self.error(exc.code if exc.code in _SPECIFIC else "invalid_json", f"{where}: {exc.message}")

    def python_error(self, exc: LiteralParseError, where: str) -> None:
        self.set_syntax("python_call")
        self.error(exc.code if exc.code in _SPECIFIC else "invalid_python_call", f"{where}: {exc.message}")

    # -- values to calls ---------------------------------------------------------------------------

    def add_value(self, value: Any, where: str, python: bool = False) -> int | None:
        """Add the calls in a decoded value; return the index of the call if there was exactly one."""
        first = len(self.calls)
        items: Any = value
        if isinstance(value, dict) and "tool_calls" in value:
            self.openai = True
            items = value["tool_calls"] if value["tool_calls"] is not None else []
            if not isinstance(items, list):
                self.error("not_a_call", f"{where}: tool_calls is {_kind(items)}, not an array")
                return None
        elif not isinstance(value, list):
            items = [value]
        for n, item in enumerate(items):
            self._add_item(item, f"{where}, item {n + 1}" if isinstance(value, list) else where)
        index = first if len(self.calls) == first + 1 else None
        if python:
            self.repair("python_literal", f"{where} is a Python literal, not JSON", index)
        return index

    def _add_item(self, item: Any, where: str) -> None:
        if not isinstance(item, dict):
            self.error("not_a_call", f"{where}: expected a call object, got {_kind(item)}")
            return
        found: list[tuple[str, str]] = []
        function = item.get("function")
        if isinstance(function, dict):
            self.openai = True
            if item.get("type", "function") != "function":
                self.error("not_a_call", f"{where}: type is {item['type']!r}, not 'function'")
                return
            name, raw, native = function.get("name"), function.get("arguments", {}), True
            extra = sorted(set(item) - _OPENAI_ITEM_KEYS) + sorted(
                f"function.{k}" for k in set(function) - _FUNCTION_KEYS
            )
        else:
            name, raw, native = item.get("name"), item.get("arguments", {}), False
            allowed = {"name", "arguments", "id", "type"}
            if "arguments" not in item and "parameters" in item:
                raw = item["parameters"]
                allowed.add("parameters")
                found.append(("arguments_key", 'read "parameters" as the arguments'))
            extra = sorted(set(item) - allowed)
        if not isinstance(name, str) or not name:
            self.error("not_a_call", f'{where}: no string "name" (got {_kind(name)})', "$.name")
            return
        call_id = item.get("id")
        if call_id is not None and not isinstance(call_id, str):
            extra.append("id")
            call_id = None
        arguments = self._arguments(raw, native, where, found)
        if arguments is None:
            return
        if extra:
            found.append(("extra_keys", f"ignored the keys {', '.join(extra)}"))
        self._append(call_id, name, arguments, where, found)

    def _arguments(
        self, raw: Any, native: bool, where: str, found: list[tuple[str, str]]
    ) -> dict[str, Any] | None:
        if isinstance(raw, str):
            if not native:
                found.append(("arguments_string", "decoded arguments given as a string"))
            try:
                raw, python = self.decode(raw) if raw.strip() else ({}, False)
            except LiteralParseError as exc:
                code = exc.code if exc.code in _SPECIFIC else "bad_arguments"
                self.error(
                    code, f"{where}: the arguments string cannot be read: {exc.message}", "$.arguments"
                )
                return None
            if python:
                found.append(("python_literal", "the arguments string is a Python literal, not JSON"))
        if isinstance(raw, dict):
            return raw
        self.error("bad_arguments", f"{where}: arguments must be an object, got {_kind(raw)}", "$.arguments")
        return None

    def _append(
        self,
        call_id: str | None,
        name: str,
        arguments: dict[str, Any],
        where: str,
        found: list[tuple[str, str]],
    ) -> None:
        bad = None
        if self.unicode_risk:
            bad = lone_surrogate(arguments, "$.arguments") or lone_surrogate(call_id or "", "$.id")
        if bad is not None:
            self.error("invalid_unicode", f"{where}: a string holds a lone surrogate, not Unicode text", bad)
            return
        try:
            call = ToolCall(id=call_id, name=name, arguments=arguments)
        except ValidationError as exc:  # e.g. a lone surrogate from a "\ud800" escape
            self.error("not_a_call", f"{where}: {'; '.join(describe_validation_error(exc))}")
            return
        self.calls.append(call)
        for code, detail in found:
            self.repair(code, detail, len(self.calls) - 1)

    def add_python(self, calls: list[tuple[str, dict[str, Any]]], where: str) -> int | None:
        self.set_syntax("python_call")
        first = len(self.calls)
        for n, (name, arguments) in enumerate(calls):
            self._append(None, name, arguments, f"{where}, call {n + 1}", [])
        return first if len(self.calls) == first + 1 else None

    # -- objects ------------------------------------------------------------------------------------

    def read_object(self, output: Mapping[str, Any] | Sequence[Any]) -> None:
        try:
            value = plain_json(output, max_depth=self.max_depth, max_values=self.max_chars)
        except LiteralParseError as exc:
            self.json_error(exc, "the object")
            return
        if isinstance(value, dict) and ("role" in value or "tool_calls" in value):
            for key in ("reasoning", "reasoning_content"):
                if isinstance(value.get(key), str):
                    self.reasoning = value[key]
            content = value.get("content")
            if value.get("tool_calls"):
                self.set_syntax("json")
                self.add_value({"tool_calls": value["tool_calls"]}, "the message")
                self.prose.append(content if isinstance(content, str) else "")
            elif isinstance(content, str):
                read_text(self, content)
            return
        if value != []:
            self.set_syntax("json")
            self.add_value(value, "the object")


# --- the fast path for well-formed replies ----------------------------------------------------------
#
# Most outputs are clean: optional <think> reasoning, then one or more <tool_call>{json}</tool_call>
# blocks and nothing else, or one bare JSON call. Those are read here with json alone; anything this
# path is not sure of (a repair, an error, a key or a value it does not expect) returns None and the
# tolerant reader above reads the output from scratch, so the results are the same either way
# (tests/test_extract_fast.py compares them).

_CLEAN_KEYS = frozenset({"name", "arguments", "id"})


class _NotClean(Exception):
    """Raised inside json decoding when the fast path must give way to the tolerant reader."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _NotClean  # a duplicate key: the tolerant reader reports it
    return result


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: out of range, which the tolerant reader reports
        raise _NotClean
    return value


def _constant(text: str) -> Any:
    raise _NotClean  # NaN, Infinity: not JSON


_CLEAN_JSON = json.JSONDecoder(object_pairs_hook=_unique_pairs, parse_float=_finite, parse_constant=_constant)


def _read_clean(text: str, max_depth: int) -> Extraction | None:
    """The extraction of a well-formed reply, or None when the tolerant reader must read it."""
    text = text.strip()
    risky = _may_hold_surrogate(text)  # then checked after decoding
    if text[:1] == "{":  # a bare JSON call
        if "<" in text and ("think>" in text or "<tool_call>" in text):
            return None
        call = _clean_call(text, max_depth, risky)
        return None if call is None else Extraction(status="calls", calls=(call,), syntax="json")
    reasoning = None
    if text.startswith("<think>"):
        end = text.find("</think>")
        if end < 0:
            return None
        reasoning = text[7:end].strip()
        if risky and lone_surrogate(reasoning) is not None:
            return None
        text = text[end + 8 :].lstrip()
    if not text.startswith("<tool_call>") or not text.endswith("</tool_call>"):
        return None
    calls = []
    for block in text[: -len("</tool_call>")].split("</tool_call>"):
        block = block.strip()
        if not block.startswith("<tool_call>"):
            return None  # text between the blocks
        body = block[len("<tool_call>") :]
        if "<tool_call>" in body or "think>" in body:
            return None
        call = _clean_call(body.strip(), max_depth, risky)
        if call is None:
            return None
        calls.append(call)
    return Extraction(status="calls", calls=tuple(calls), syntax="tool_call_tags", reasoning=reasoning)


def _clean_call(body: str, max_depth: int, risky: bool) -> ToolCall | None:
    if (
        body[:1] != "{" or body.count("{") + body.count("[") > max_depth
    ):  # maybe too deep: let the tolerant reader count
        return None
    try:
        value = _CLEAN_JSON.decode(body)
    except (_NotClean, ValueError, RecursionError):
        return None
    if type(value) is not dict or not value.keys() <= _CLEAN_KEYS:
        return None
    name, arguments, call_id = value.get("name"), value.get("arguments"), value.get("id")
    if type(name) is not str or not name or type(arguments) is not dict:
        return None
    if call_id is not None and type(call_id) is not str:
        return None
    if risky and (lone_surrogate(value) is not None):  # the tolerant reader reports it
        return None
    try:
        return ToolCall(id=call_id, name=name, arguments=arguments)
    except ValidationError:
        return None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}
    return names.get(type(value), "an object" if isinstance(value, dict) else f"a {type(value).__name__}")
