"""Loading a whole set of tools at once: from a list, a JSON or JSONL file, a Python file or a module.

:func:`load_tools` gathers the entries, turns each into a :class:`~fncall_data.types.Tool` with
:func:`fncall_data.tools.to_tool` and checks that the names are unique. It is re-exported by
:mod:`fncall_data.tools`, so both import paths give the same function.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fncall_data.errors import FncallError, InputError
from fncall_data.types import Tool

__all__ = ["load_tools"]

_MODULE_ATTR = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


def load_tools(source: Sequence[Any] | str | os.PathLike[str]) -> list[Tool]:
    """Load tools from a list of anything :func:`to_tool` accepts, or from a file or module.

    A path may be a ``.json`` file (a list, one tool, or ``{"tools": [...]}``), a ``.jsonl`` file (a
    tool per line), a ``.py`` file (its ``TOOLS`` list, else its ``@tool`` functions and models), or
    ``"package.module:ATTR"`` naming a list. Tool names must be unique.

    Example:
        >>> [t.name for t in load_tools([{"name": "a"}, {"name": "b"}])]
        ['a', 'b']
    """
    # Imported here, not at the top: tools.py re-exports load_tools, so a top-level import is a cycle.
    from fncall_data.tools import _short, to_tool

    if isinstance(source, str | os.PathLike):
        items = _load_path(os.fspath(source))
    elif isinstance(source, list | tuple):
        items = [(f"tools[{index}]", obj) for index, obj in enumerate(source)]
    else:
        raise FncallError(
            f"load_tools takes a list, a .json/.jsonl/.py path or 'module:ATTR', not {_short(source)}"
        )
    tools: list[Tool] = []
    seen: dict[str, str] = {}
    for label, obj in items:
        try:
            built = to_tool(obj)
        except FncallError as exc:
            raise FncallError(f"{label}: {exc}") from None
        if built.name in seen:
            raise FncallError(
                f"duplicate tool name {built.name!r} ({seen[built.name]} and {label}); tool names must be "
                "unique, so rename one (e.g. @tool(name=...))"
            )
        seen[built.name] = label
        tools.append(built)
    return tools


def _load_path(text: str) -> list[tuple[str, Any]]:
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".jsonl", ".py"):
        if _MODULE_ATTR.match(text):
            return _load_module_attr(text)
        raise FncallError(
            f"{text}: cannot load tools from it; give a .json, .jsonl or .py file or 'module:ATTR'"
        )
    if not path.is_file():
        raise FncallError(f"{text}: no such file")
    if suffix == ".py":
        return _load_py(path, text)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FncallError(f"{text}: cannot read it: {exc}") from None
    if suffix == ".jsonl":
        return [
            (f"{text}:{number}", _decode(line, text, number))
            for number, line in enumerate(content.splitlines(), start=1)
            if line.strip()
        ]
    data = _decode(content, text, None)
    if isinstance(data, dict) and isinstance(data.get("tools"), list):
        data = data["tools"]
    entries = data if isinstance(data, list) else [data]
    return [(f"{text}: tool {index}", entry) for index, entry in enumerate(entries)]


def _decode(content: str, file: str, line: int | None) -> Any:
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg} at column {exc.colno}", file=file, line=line or exc.lineno
        ) from None


def _load_py(path: Path, text: str) -> list[tuple[str, Any]]:
    from fncall_data.tools import _attached  # not at the top: see load_tools

    # A private, path-unique module name: two tools.py files in different folders must not collide.
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    stem = re.sub(r"\W", "_", path.stem)
    module_name = f"_fncall_tools_{stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise FncallError(f"{text}: cannot import it as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # pydantic resolves forward references through sys.modules
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's code failed: show its real error
        sys.modules.pop(module_name, None)
        raise FncallError(f"{text}: importing it failed: {type(exc).__name__}: {exc}") from exc
    if hasattr(module, "TOOLS"):
        return _as_list(module.TOOLS, f"{text}: TOOLS")
    found = [
        (f"{text}: {attr}", value)
        for attr, value in vars(module).items()
        if _attached(value) is not None and getattr(value, "__module__", None) == module_name
    ]
    if not found:
        raise FncallError(
            f"{text}: no TOOLS list and no @tool function or model; define TOOLS = [...] or use @tool"
        )
    return found


def _load_module_attr(text: str) -> list[tuple[str, Any]]:
    module_name, attr = text.split(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # missing module or failing user code: show the real error
        raise FncallError(f"{text}: cannot import {module_name!r}: {type(exc).__name__}: {exc}") from exc
    if not hasattr(module, attr):
        raise FncallError(f"{text}: module {module_name!r} has no attribute {attr!r}")
    return _as_list(getattr(module, attr), text)


def _as_list(value: Any, label: str) -> list[tuple[str, Any]]:
    if not isinstance(value, list | tuple):
        raise FncallError(f"{label} must be a list of tools, got {type(value).__name__}")
    return [(f"{label}[{index}]", entry) for index, entry in enumerate(value)]
