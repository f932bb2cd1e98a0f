"""What the generator knows about one tool: its schema, its implementation and its authoring hints.

A :class:`ToolSpec` pairs the :class:`~fncall_data.types.Tool` with the callable that runs it (from
:func:`fncall_data.tools.implementation_of`), or, for a spec without code, the JSON Schema of its
result (``"returns"`` in a JSON tool spec, or a function's return annotation) from which results are
synthesised. Authoring hints are read from class attributes (``__phrasings__``, ``__answers__``,
``__say__``, ``__pools__``, ``__ask__``; see :mod:`fncall_data.catalog`) or from the same keys without
underscores in a JSON spec (``"phrasings": [...]``).
"""

from __future__ import annotations

import functools
import os
import re
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from fncall_data.errors import FncallError, InputError
from fncall_data.tools import implementation_of, to_tool
from fncall_data.types import Tool

__all__ = ["ToolSpec", "catalog_specs", "load_specs", "spec_of"]

_HINTS = ("phrasings", "answers", "say", "pools", "ask")


@dataclass(frozen=True)
class ToolSpec:
    """One tool as the generator uses it.

    Attributes:
        tool: the tool as shown to the model.
        run: runs the tool on an arguments dict; None when there is no implementation.
        returns: JSON Schema of the result, used to synthesise one when ``run`` is None.
        domain: the catalog domain, "" for other tools.
    """

    tool: Tool
    run: Callable[[dict[str, Any]], Any] | None = None
    returns: dict[str, Any] | None = None
    domain: str = ""
    phrasings: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    say: dict[str, Any] = field(default_factory=dict)
    pools: dict[str, list[Any]] = field(default_factory=dict)
    ask: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.tool.name

    @functools.cached_property
    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = self.tool.parameters.get("properties", {})
        return props

    @functools.cached_property
    def required(self) -> list[str]:
        return [name for name in self.tool.parameters.get("required", []) if name in self.properties]

    @property
    def has_result(self) -> bool:
        return self.run is not None or self.returns is not None


def spec_of(obj: object, *, domain: str = "") -> ToolSpec:
    """A :class:`ToolSpec` for anything :func:`fncall_data.tools.to_tool` accepts.

    Example:
        >>> def add(a: int, b: int = 1) -> int:
        ...     '''Add two numbers.'''
        ...     return a + b
        >>> spec = spec_of(add)
        >>> spec.name, spec.run({"a": 2}), spec.returns
        ('add', 3, {'type': 'integer'})
    """
    tool = to_tool(obj)
    hints: dict[str, Any] = {}
    for key in _HINTS:
        value = obj.get(key) if isinstance(obj, dict) else getattr(obj, f"__{key}__", None)
        if value is not None:
            hints[key] = value
    returns = obj.get("returns") if isinstance(obj, dict) else _return_schema(obj)
    if returns is not None and not isinstance(returns, dict):
        raise FncallError(f"tool {tool.name!r}: 'returns' must be a JSON Schema object, got {returns!r}")
    phrasings = tuple(hints.get("phrasings") or ())
    for text in phrasings:
        _check_phrasing(tool, text)
    return ToolSpec(
        tool=tool,
        run=implementation_of(obj),
        returns=returns,
        domain=domain,
        phrasings=phrasings,
        answers=tuple(hints.get("answers") or ()),
        say=dict(hints.get("say") or {}),
        pools={key: list(values) for key, values in (hints.get("pools") or {}).items()},
        ask=dict(hints.get("ask") or {}),
    )


def _return_schema(obj: object) -> dict[str, Any] | None:
    """The JSON Schema of a function's return annotation (string annotations resolved), if any."""
    if isinstance(obj, type) or not callable(obj):
        return None
    try:
        annotation = typing.get_type_hints(obj).get("return")
        if annotation is None:
            return None
        schema: dict[str, Any] = TypeAdapter(annotation).json_schema()
        return schema
    except Exception:  # an odd or unresolvable annotation only means no synthesised result
        return None


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _check_phrasing(tool: Tool, text: str) -> None:
    unknown = [
        name for name in _PLACEHOLDER.findall(text) if name not in tool.parameters.get("properties", {})
    ]
    if unknown:
        raise FncallError(
            f"tool {tool.name!r}: phrasing {text!r} names unknown parameter {unknown[0]!r}; "
            f"use one of {sorted(tool.parameters.get('properties', {}))}"
        )
    if text.count("[") != text.count("]"):
        raise FncallError(f"tool {tool.name!r}: phrasing {text!r} has unbalanced [ ] brackets")


def catalog_specs(domains: list[str] | None = None) -> list[ToolSpec]:
    """Specs of the bundled catalog (every domain, or the ones named)."""
    from fncall_data.catalog import DOMAINS, catalog_tools, domain_of

    unknown = [name for name in domains or () if name not in DOMAINS]
    if unknown:
        raise FncallError(f"unknown catalog domain {unknown[0]!r}; known: {', '.join(DOMAINS)}")
    return [spec_of(cls, domain=domain_of(cls)) for cls in catalog_tools(domains)]


def load_specs(source: Sequence[Any] | str | os.PathLike[str] | None) -> list[ToolSpec]:
    """Specs from a list of tool objects, a ``.py``/``.json``/``.jsonl`` file or ``module:ATTR``.

    ``None`` means the bundled catalog. Names are checked for uniqueness by
    :func:`fncall_data.tools.load_tools`.
    """
    from fncall_data.tool_loading import _load_path, load_tools

    if source is None:
        return catalog_specs()
    file: str | None = None
    if isinstance(source, str | os.PathLike):
        file = os.fspath(source)
        objects = [obj for _, obj in _load_path(file)]
    else:
        objects = list(source)
    try:
        load_tools(objects)  # the shared checks: every entry is a tool, names are unique
    except FncallError as exc:
        if file is None or str(exc).startswith(file):
            raise
        raise InputError(str(exc), file=file) from None  # checked as objects: say which file
    return [spec_of(obj) for obj in objects]
