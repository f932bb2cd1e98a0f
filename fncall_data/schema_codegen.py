"""The fast path of :mod:`fncall_data.schema_check`: a schema turned into one Python function.

A tree of closures pays a call per keyword; straight-line code pays none, and checks a typical tool
call 2-3x faster. The generated source holds only this module's templates and names it made up
(``v3``, ``C7``); every value that comes from the schema (property names, enums, bounds, patterns) is
passed in as a named constant, so no schema text is ever compiled as code. Anything outside the
handled keywords calls back into a checker built elsewhere (jsonschema, for unhandled keywords).

Only the boolean verdict is generated; the errors of an invalid value come from the closure tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["generate_check"]

Check = Callable[[Any], bool]

# Python refuses more than 20 nested blocks (each array item loop or property loop is one).
_MAX_NESTING = 8


class _Unsupported(Exception):
    """The schema is too deep for generated code; the caller keeps the closure tree."""


class _Writer:
    def __init__(self, helpers: Mapping[str, Any]) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = dict(helpers)
        self._count = 0

    def const(self, value: Any) -> str:
        name = f"C{self._count}"
        self._count += 1
        self.namespace[name] = value
        return name

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


def generate_check(
    schema: Mapping[str, Any] | bool,
    *,
    handled: frozenset[str],
    annotations: frozenset[str],
    fallback: Callable[[Mapping[str, Any]], Check],
    helpers: Mapping[str, Any],
) -> Check | None:
    """Build ``check(value) -> bool`` for ``schema``, or None when it cannot be generated.

    Args:
        schema: a Draft 2020-12 schema without references.
        handled: keywords this generator writes code for.
        annotations: keywords that never change a verdict.
        fallback: builds a checker for a subschema that uses any other keyword.
        helpers: the functions the generated code calls: ``json_equal``, ``is_multiple``,
            ``format_test`` (format name -> check), ``is_integer``.

    Example:
        >>> from fncall_data.schema_check import compile_schema
        >>> compile_schema({"type": "string", "maxLength": 2}).is_valid("abc")
        False
    """
    writer = _Writer(helpers)
    writer.emit(0, "def check(v0):")
    try:
        _node(writer, schema, "v0", 1, 0, handled | annotations, fallback)
    except _Unsupported:
        return None
    writer.emit(1, "return True")
    try:
        code = compile("\n".join(writer.lines), "<fncall schema check>", "exec")
        # Safe to run: the source is only our templates and generated names (see the module doc).
        exec(code, writer.namespace)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    check: Check = writer.namespace["check"]
    return check


def _node(
    w: _Writer,
    schema: Mapping[str, Any] | bool,
    var: str,
    ind: int,
    depth: int,
    known: frozenset[str],
    fallback: Callable[[Mapping[str, Any]], Check],
) -> None:
    """Emit statements that ``return False`` when ``var`` fails ``schema``, and fall through otherwise."""
    if schema is True:
        return
    if schema is False:
        w.emit(ind, "return False")
        return
    assert not isinstance(schema, bool)
    if depth > _MAX_NESTING:
        raise _Unsupported
    if any(k not in known for k in schema):
        w.emit(ind, f"if not {w.const(fallback(schema))}({var}): return False")
        return

    kind = schema.get("type")
    single = kind if isinstance(kind, str) else None
    if kind is not None:
        names = [kind] if isinstance(kind, str) else list(kind)
        tests = " or ".join(_type_test(n, var) for n in names)
        w.emit(ind, f"if not ({tests}): return False")
    if "enum" in schema:
        values = schema["enum"]
        if all(isinstance(v, str) for v in values):
            w.emit(
                ind,
                f"if not (isinstance({var}, str) and {var} in {w.const(frozenset(values))}): return False",
            )
        else:
            w.emit(ind, f"if not any(json_equal({var}, e) for e in {w.const(list(values))}): return False")
    if "const" in schema:
        w.emit(ind, f"if not json_equal({var}, {w.const(schema['const'])}): return False")
    _numbers(w, schema, var, ind, single in ("integer", "number"))
    _strings(w, schema, var, ind, single == "string")
    _arrays(w, schema, var, ind, depth, known, fallback, single == "array")
    _objects(w, schema, var, ind, depth, known, fallback, single == "object")


def _type_test(name: str, var: str) -> str:
    return {
        "string": f"isinstance({var}, str)",
        "object": f"isinstance({var}, dict)",
        "array": f"isinstance({var}, list)",
        "boolean": f"isinstance({var}, bool)",
        "null": f"{var} is None",
        "number": f"(isinstance({var}, NUMBERS) and not isinstance({var}, bool))",
        "integer": f"is_integer({var})",
    }[name]


def _guarded(w: _Writer, ind: int, typed: bool, guard: str) -> int:
    """Open ``if <guard>:`` unless the type is already known; return the indent for the body."""
    if typed:
        return ind
    w.emit(ind, f"if {guard}:")
    return ind + 1


def _numbers(w: _Writer, schema: Mapping[str, Any], var: str, ind: int, typed: bool) -> None:
    # Each bound fails only by its own comparison, exactly as jsonschema compares.
    tests = [
        (k, op)
        for k, op in (
            ("minimum", "<"),
            ("maximum", ">"),
            ("exclusiveMinimum", "<="),
            ("exclusiveMaximum", ">="),
        )
        if k in schema
    ]
    if not tests and "multipleOf" not in schema:
        return
    body = _guarded(w, ind, typed, f"isinstance({var}, NUMBERS) and not isinstance({var}, bool)")
    for key, op in tests:
        w.emit(body, f"if {var} {op} {w.const(schema[key])}: return False")
    if "multipleOf" in schema:
        w.emit(body, f"if not is_multiple({var}, {w.const(schema['multipleOf'])}): return False")


def _strings(w: _Writer, schema: Mapping[str, Any], var: str, ind: int, typed: bool) -> None:
    fmt = schema.get("format")
    format_test = w.namespace["format_test"](fmt) if isinstance(fmt, str) else None
    if not any(k in schema for k in ("minLength", "maxLength", "pattern")) and format_test is None:
        return
    if format_test is not None and not typed:
        # A format checker also decides for non-strings (jsonschema's all pass them): call it as is.
        w.emit(ind, f"if not {w.const(format_test)}({var}): return False")
        format_test = None
    body = _guarded(w, ind, typed, f"isinstance({var}, str)")
    if "minLength" in schema:
        w.emit(body, f"if len({var}) < {w.const(schema['minLength'])}: return False")
    if "maxLength" in schema:
        w.emit(body, f"if len({var}) > {w.const(schema['maxLength'])}: return False")
    if "pattern" in schema:
        w.emit(body, f"if {w.const(re.compile(schema['pattern']))}.search({var}) is None: return False")
    if format_test is not None:
        w.emit(body, f"if not {w.const(format_test)}({var}): return False")


def _arrays(
    w: _Writer,
    schema: Mapping[str, Any],
    var: str,
    ind: int,
    depth: int,
    known: frozenset[str],
    fallback: Callable[[Mapping[str, Any]], Check],
    typed: bool,
) -> None:
    if not any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems")):
        return
    body = _guarded(w, ind, typed, f"isinstance({var}, list)")
    w.emit(body, "pass")
    if "minItems" in schema:
        w.emit(body, f"if len({var}) < {w.const(schema['minItems'])}: return False")
    if "maxItems" in schema:
        w.emit(body, f"if len({var}) > {w.const(schema['maxItems'])}: return False")
    prefix = schema.get("prefixItems", [])
    for i, sub in enumerate(prefix):
        item = f"v{depth + 1}_{i}"
        w.emit(body, f"if len({var}) > {i}:")
        w.emit(body + 1, f"{item} = {var}[{i}]")
        _node(w, sub, item, body + 2, depth + 1, known, fallback)
    if "items" in schema:
        item = f"v{depth + 1}"
        source = f"{var}[{len(prefix)}:]" if prefix else var
        w.emit(body, f"for {item} in {source}:")
        w.emit(body + 1, "pass")
        _node(w, schema["items"], item, body + 1, depth + 1, known, fallback)


def _objects(
    w: _Writer,
    schema: Mapping[str, Any],
    var: str,
    ind: int,
    depth: int,
    known: frozenset[str],
    fallback: Callable[[Mapping[str, Any]], Check],
    typed: bool,
) -> None:
    keys = ("properties", "required", "additionalProperties", "minProperties", "maxProperties")
    if not any(k in schema for k in keys):
        return
    body = _guarded(w, ind, typed, f"isinstance({var}, dict)")
    w.emit(body, "pass")
    for name in schema.get("required", ()):
        w.emit(body, f"if {w.const(name)} not in {var}: return False")
    if "minProperties" in schema:
        w.emit(body, f"if len({var}) < {w.const(schema['minProperties'])}: return False")
    if "maxProperties" in schema:
        w.emit(body, f"if len({var}) > {w.const(schema['maxProperties'])}: return False")
    props: Mapping[str, Any] = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    if not props and extra is True:
        return
    key, value = f"k{depth + 1}", f"v{depth + 1}"
    w.emit(body, f"for {key}, {value} in {var}.items():")
    branch = "if"
    for name, sub in props.items():
        w.emit(body + 1, f"{branch} {key} == {w.const(name)}:")
        w.emit(body + 2, "pass")
        _node(w, sub, value, body + 2, depth + 1, known, fallback)
        branch = "elif"
    if extra is not True:
        if props:
            w.emit(body + 1, "else:")
            _node(w, extra, value, body + 2, depth + 1, known, fallback)
        else:
            _node(w, extra, value, body + 1, depth + 1, known, fallback)
