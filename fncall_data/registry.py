"""One registry pattern for every pluggable piece: formats, chat profiles, trainers, inference backends.

A :class:`Registry` maps names to lazy factories written as ``"module:attribute"``: registering
imports nothing, and the module loads the first time the name is looked up. Third-party packages add
entries through an entry-point group (``fncall.formats``, ``fncall.profiles``, ``fncall.trainers``,
``fncall.backends``); a name that is not found is a :class:`FncallError` that lists the known names
with a "did you mean"; a plugin that fails to import raises its real error, wrapped with its name.

Example:
    >>> reg: Registry[object] = Registry("greeting", group="fncall.examples")
    >>> reg.register("upper", "builtins:str")
    >>> reg.get("upper") is str
    True
    >>> reg.names()
    ['upper']
"""

from __future__ import annotations

import difflib
import importlib
from importlib import metadata
from typing import Any, Generic, TypeVar

from fncall_data.errors import FncallError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Names to lazily imported objects, extensible through an entry-point group.

    Args:
        kind: what the entries are, for messages ("format", "trainer backend", ...).
        group: the entry-point group that plugins register in, e.g. ``fncall.formats``.
    """

    def __init__(self, kind: str, *, group: str) -> None:
        self.kind = kind
        self.group = group
        self._targets: dict[str, str | T] = {}
        self._loaded: dict[str, T] = {}
        self._plugins_read = False

    def register(self, name: str, target: str | T) -> None:
        """Add ``name``; ``target`` is ``"module:attribute"`` (imported on first use) or the object."""
        if name in self._targets:
            raise FncallError(f"{self.kind} {name!r} is registered twice")
        self._targets[name] = target

    def names(self) -> list[str]:
        """Every known name, built-in and from plugins, sorted."""
        self._read_plugins()
        return sorted(self._targets)

    def __contains__(self, name: object) -> bool:
        self._read_plugins()
        return name in self._targets

    def get(self, name: str) -> T:
        """The object registered as ``name``, imported now if it was not yet.

        Raises:
            FncallError: the name is unknown (the message lists the known ones), or its module
                failed to import (the message carries the real error).
        """
        if name in self._loaded:
            return self._loaded[name]
        self._read_plugins()
        if name not in self._targets:
            known = self.names()
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise FncallError(f"unknown {self.kind} {name!r} (known: {', '.join(known) or 'none'}){hint}")
        target = self._targets[name]
        value: T = _import(target, f"{self.kind} {name!r}") if isinstance(target, str) else target
        self._loaded[name] = value
        return value

    def _read_plugins(self) -> None:
        if self._plugins_read:
            return
        self._plugins_read = True
        for entry in metadata.entry_points(group=self.group):
            # a built-in name wins: a plugin cannot silently replace a shipped format or backend
            self._targets.setdefault(entry.name, entry.value)


def _import(target: str, label: str) -> Any:
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise FncallError(f"{label} could not be loaded from {module_name!r}: {exc}") from exc
    try:
        value = getattr(module, attribute) if attribute else module
    except AttributeError:
        raise FncallError(f"{label}: module {module_name!r} has no attribute {attribute!r}") from None
    return value
