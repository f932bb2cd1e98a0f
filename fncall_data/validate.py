"""Check tool calls against the tools they name.

:class:`Toolbox` compiles each tool's schema once (with jsonschema-rs, see
:mod:`fncall_data.schema_engine`) and then checks calls fast; the module functions
:func:`validate_call` and :func:`validate_calls` do the same for one-off use (compiled schemas are
cached per tool object). A tool's top-level arguments are closed: an argument the tool does not
declare is ``unexpected_argument`` unless its schema sets ``additionalProperties``. Every problem
is reported at once, each with a stable code and the JSON path of the bad value.

``format`` is an annotation unless ``strict_format=True``; :meth:`Toolbox.format_warnings` lists
what strict mode would reject, so that callers can count it without rejecting anything.
"""

from __future__ import annotations

import difflib
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fncall_data.errors import FncallError
from fncall_data.issues import Issue
from fncall_data.schema_engine import CompiledSchema, compile_schema, external_references, unknown_dialects
from fncall_data.tools import to_tool
from fncall_data.types import Tool, ToolCall

__all__ = ["Toolbox", "validate_call", "validate_calls", "validate_value"]

# Compiled schemas keyed by the id of the Tool and the format mode; the entry keeps the Tool alive so
# that the id stays its own.
_CACHE: OrderedDict[tuple[int, bool], tuple[Tool, CompiledSchema]] = OrderedDict()
_CACHE_SIZE = 4096


def _compiled(tool: Tool, strict_format: bool) -> CompiledSchema:
    key = (id(tool), strict_format)
    entry = _CACHE.get(key)
    if entry is not None and entry[0] is tool:
        _CACHE.move_to_end(key)
        return entry[1]
    try:
        compiled = compile_schema(_closed(tool.parameters), strict_format=strict_format)
    except FncallError as exc:
        raise FncallError(f"tool {tool.name!r}: {exc}") from None
    _CACHE[key] = (tool, compiled)
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return compiled


class Toolbox:
    """A set of tools, compiled once, against which calls are checked.

    Example:
        >>> box = Toolbox([Tool(name="add", parameters={"type": "object",
        ...     "properties": {"a": {"type": "integer"}}, "required": ["a"]})])
        >>> [i.code for i in box.validate_call(ToolCall(name="add", arguments={"a": "x"}))]
        ['wrong_type']
    """

    def __init__(self, tools: Iterable[Tool | Any], *, strict_format: bool = False) -> None:
        """Args:
        tools: Tool objects, or anything :func:`fncall_data.tools.to_tool` reads (a ``@tool`` model
            or function, an OpenAI spec, a JSON Schema tool dict, ...).
        strict_format: assert ``format`` (the set in
            :data:`~fncall_data.schema_engine.ASSERTED_FORMATS`) instead of treating it as an annotation.

        Raises:
            FncallError: two tools share a name, or a tool's schema cannot be compiled.
        """
        self.strict_format = strict_format
        self.tools: dict[str, Tool] = {}
        for item in tools:
            tool = item if isinstance(item, Tool) else to_tool(item)
            if tool.name in self.tools:
                raise FncallError(f"two tools are named {tool.name!r}; tool names must be unique")
            self.tools[tool.name] = tool
        self._schemas = {name: _compiled(tool, strict_format) for name, tool in self.tools.items()}
        self._checks = {name: schema.is_valid for name, schema in self._schemas.items()}

    def is_valid(self, call: ToolCall | Mapping[str, Any]) -> bool:
        """True when the call names a known tool and its arguments match the schema (fast path)."""
        name, arguments = _parts(call)
        schema = self._schemas.get(name) if isinstance(name, str) else None
        return schema is not None and isinstance(arguments, dict) and schema.accepts(arguments)

    def validate_call(
        self, call: ToolCall | Mapping[str, Any], index: int | None = None, *, root: str | None = None
    ) -> list[Issue]:
        """Every problem with one call; empty when it is valid.

        Args:
            call: a ToolCall or a ``{"name", "arguments"}`` mapping.
            index: the call's place among parallel calls; goes into each issue and its path.
            root: the JSON path of the call itself, when it sits inside something larger
                (``$.messages[2].tool_calls[0]``); defaults to ``$`` or ``$[index]``.
        """
        # The fast path, written out because valid calls only ever take it: the tool's compiled
        # check, called on the arguments (a non-dict never passes the tools' "type": "object").
        try:
            if type(call) is dict:
                if self._checks[call["name"]](call["arguments"]):
                    return []
            elif isinstance(call, ToolCall) and self._checks[call.name](call.arguments):
                return []
        except (KeyError, TypeError, ValueError):
            pass  # a key missing, an unknown or unhashable name, a value the engine cannot read
        name, arguments = _parts(call)
        schema = self._schemas.get(name) if isinstance(name, str) else None
        if root is None:
            root = "$" if index is None else f"$[{index}]"
        if not isinstance(name, str) or not name:
            return [Issue("not_a_call", "the call has no tool name", f"{root}.name", index)]
        if schema is None:
            return [Issue("unknown_tool", self._unknown(name), f"{root}.name", index)]
        if not isinstance(arguments, dict):
            got = type(arguments).__name__
            return [
                Issue(
                    "bad_arguments", f"arguments must be a JSON object, got {got}", f"{root}.arguments", index
                )
            ]
        issues = schema.errors(arguments, f"{root}.arguments")
        return issues if index is None else [i._replace(call_index=index) for i in issues]

    def format_warnings(
        self, call: ToolCall | Mapping[str, Any], index: int | None = None, *, root: str | None = None
    ) -> list[Issue]:
        """The ``bad_format`` issues of one call that ``strict_format=True`` would report.

        Arguments are the same as :meth:`validate_call`'s. A call that names no known tool, or whose
        arguments are not an object, has none (:meth:`validate_call` reports it).
        """
        name, arguments = _parts(call)
        schema = self._schemas.get(name) if isinstance(name, str) else None
        if schema is None or not schema.has_formats or not isinstance(arguments, dict):
            return []
        if root is None:
            root = "$" if index is None else f"$[{index}]"
        issues = schema.format_warnings(arguments, f"{root}.arguments")
        return issues if index is None else [i._replace(call_index=index) for i in issues]

    def validate_calls(self, calls: Sequence[ToolCall | Mapping[str, Any]]) -> list[Issue]:
        """Every problem with every call, each issue carrying its call's index."""
        issues: list[Issue] = []
        for i, call in enumerate(calls):
            issues.extend(self.validate_call(call, i))
        return issues

    def _unknown(self, name: str) -> str:
        close = difflib.get_close_matches(name, list(self.tools), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(sorted(self.tools)) or "none"
        return f"unknown tool {name!r} (known: {known}){hint}"


def validate_call(
    call: ToolCall | Mapping[str, Any], tools: Iterable[Tool], *, strict_format: bool = False
) -> list[Issue]:
    """Every problem with one call against ``tools`` (see :class:`Toolbox` for ``strict_format``).

    Example:
        >>> t = Tool(name="f", parameters={"type": "object", "properties": {}, "additionalProperties": False})
        >>> [i.code for i in validate_call({"name": "f", "arguments": {"x": 1}}, [t])]
        ['unexpected_argument']
    """
    return Toolbox(tools, strict_format=strict_format).validate_call(call)


def validate_calls(
    calls: Sequence[ToolCall | Mapping[str, Any]], tools: Iterable[Tool], *, strict_format: bool = False
) -> list[Issue]:
    """Every problem with several calls (e.g. parallel ones) against ``tools``."""
    return Toolbox(tools, strict_format=strict_format).validate_calls(calls)


def validate_value(
    value: Any, schema: Mapping[str, Any] | bool, *, strict_format: bool = False
) -> list[Issue]:
    """Every problem with any JSON value against any JSON Schema, with the same engine and codes.

    For values that are not tool arguments (a tool result, one argument on its own). The schema is
    used exactly as written (no closing of its top-level properties), compiled on each call: for
    repeated checks, build a :class:`Toolbox`. A ``$ref`` that leaves the schema is refused.

    Raises:
        FncallError: the schema cannot be compiled or refers outside itself.

    Example:
        >>> schema = {"type": "array", "items": {"type": "integer"}}
        >>> [(i.code, i.path) for i in validate_value([1, "x"], schema)]
        [('wrong_type', '$[1]')]
    """
    refs = external_references(schema) + unknown_dialects(schema)
    if refs:
        raise FncallError(
            f"the schema refers outside itself ({', '.join(refs)}); only '#...' references are read"
        )
    compiled = compile_schema(schema, strict_format=strict_format)
    return [] if compiled.accepts(value) else compiled.errors(value)


def _closed(parameters: dict[str, Any]) -> dict[str, Any]:
    # An argument the tool does not declare is a hallucination, even though plain JSON Schema allows
    # unknown keys by default. A tool that really takes extra keys says so with additionalProperties
    # (or patternProperties / unevaluatedProperties), and then its schema is used as written.
    if any(k in parameters for k in ("additionalProperties", "patternProperties", "unevaluatedProperties")):
        return parameters
    return {**parameters, "additionalProperties": False}


def _parts(call: ToolCall | Mapping[str, Any]) -> tuple[Any, Any]:
    if isinstance(call, dict):  # checked first: a dict check is cheaper than a model-class check
        return call.get("name"), call.get("arguments", {})
    if isinstance(call, ToolCall):
        return call.name, call.arguments
    return call.get("name"), call.get("arguments", {})
