"""A compiled JSON Schema checker for tool arguments, with jsonschema as the fallback.

Tool schemas are small and checked millions of times (every generated record, every evaluated
output), so each schema is compiled once into two closures per node:

* ``check(value) -> bool``: the fast path, no allocation; valid calls only ever take this one.
* ``collect(value, path, out)``: run only when ``check`` fails; appends every problem as an
  :class:`~fncall_data.issues.Issue`.

The verdicts equal jsonschema's Draft 2020-12 validator with its format checker, keyword by keyword
(``tests/test_validate_differential.py`` proves it on generated schemas). A subschema that uses a
keyword this module does not handle is given whole to jsonschema, so nothing is ever ignored; a schema
with ``$ref`` anywhere goes to jsonschema entirely, since references resolve against the root.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from jsonschema import Draft202012Validator

from fncall_data.issues import Issue
from fncall_data.schema_codegen import generate_check

__all__ = ["HANDLED_KEYWORDS", "CompiledSchema", "compile_schema", "json_equal"]

Check = Callable[[Any], bool]
Collect = Callable[[Any, str, list[Issue]], None]

_FORMATS = Draft202012Validator.FORMAT_CHECKER
# Tuples, not ``int | float``: a union written inside a function is rebuilt on every call.
_NUMBERS = (int, float)
_SEQUENCES = (list, tuple)

#: Keywords checked here; any other assertion keyword sends its subschema to jsonschema.
HANDLED_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "maxProperties",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "format",
    }
)
# Keywords that never change a verdict.
_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "$schema",
        "contentMediaType",
        "contentEncoding",
        "contentSchema",
    }
)
_REFERENCES = ("$ref", "$dynamicRef", "$recursiveRef")

# Messages and codes per keyword, shared by our own checks and by errors that jsonschema reports.
CODES = {
    "type": "wrong_type",
    "enum": "not_in_enum",
    "const": "const_mismatch",
    "required": "missing_required",
    "additionalProperties": "unexpected_argument",
    "minProperties": "too_few_properties",
    "maxProperties": "too_many_properties",
    "items": "unexpected_item",
    "minItems": "too_few_items",
    "maxItems": "too_many_items",
    "uniqueItems": "duplicate_items",
    "minimum": "below_minimum",
    "exclusiveMinimum": "below_minimum",
    "maximum": "above_maximum",
    "exclusiveMaximum": "above_maximum",
    "multipleOf": "not_multiple_of",
    "minLength": "too_short",
    "maxLength": "too_long",
    "pattern": "pattern_mismatch",
    "format": "bad_format",
}


@dataclass(frozen=True, slots=True)
class CompiledSchema:
    """A schema compiled for repeated checks.

    Example:
        >>> s = compile_schema({"properties": {"n": {"type": "integer"}}, "required": ["n"]})
        >>> s.is_valid({"n": 3}), [i.code for i in s.errors({})]
        (True, ['missing_required'])
    """

    schema: Mapping[str, Any] | bool
    is_valid: Check
    _collect: Collect

    def errors(self, value: Any, path: str = "$", *, known_invalid: bool = False) -> list[Issue]:
        """Every problem with ``value``; empty when it is valid.

        ``known_invalid`` skips the fast check when the caller has just made it.
        """
        if not known_invalid and self.is_valid(value):
            return []
        out: list[Issue] = []
        self._collect(value, path, out)
        if not out:  # both paths must agree; an empty list here would hide an invalid value
            out.append(Issue("schema_violation", "the value does not match its schema", path))
        return out


def compile_schema(schema: Mapping[str, Any] | bool, *, generate: bool = True) -> CompiledSchema:
    """Compile a Draft 2020-12 schema (assumed valid: :class:`~fncall_data.types.Tool` checks it).

    Args:
        schema: the schema.
        generate: build the fast path as generated code (the default); False keeps the closure tree
            for both paths, which is slower and exists for tests and for comparison.
    """
    if not isinstance(schema, bool) and _has_reference(schema):
        check, collect = _fallback(schema)
        return CompiledSchema(schema, check, collect)
    check, collect = _compile(schema)
    if generate:
        fast = generate_check(
            schema,
            handled=HANDLED_KEYWORDS,
            annotations=_ANNOTATIONS,
            fallback=lambda sub: _fallback(sub)[0],
            helpers=_CODEGEN_HELPERS,
        )
        check = fast or check
    return CompiledSchema(schema, check, collect)


# --- JSON semantics -----------------------------------------------------------------------------


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema means it: ``1 == 1.0`` but ``True != 1``, recursively."""
    if a is b:
        return True
    if isinstance(a, str) or isinstance(b, str):
        return bool(a == b)
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return len(a) == len(b) and all(k in b and json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _is_number(x: Any) -> bool:
    return isinstance(x, _NUMBERS) and not isinstance(x, bool)


_TYPE_TESTS: dict[str, Check] = {
    "string": lambda x: isinstance(x, str),
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "number": _is_number,
    # Draft 2020-12 counts 2.0 as an integer.
    "integer": lambda x: (
        (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, float) and x.is_integer())
    ),
}


def _type_name(x: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPE_TESTS[name](x):
            return name
    return type(x).__name__


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if key.isidentifier():
        return f"{path}.{key}"
    return f'{path}["{key}"]'


# --- compilation --------------------------------------------------------------------------------


def _has_reference(schema: Any) -> bool:
    if isinstance(schema, dict):
        return any(k in schema for k in _REFERENCES) or any(_has_reference(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_reference(v) for v in schema)
    return False


def _fallback(schema: Mapping[str, Any] | bool) -> tuple[Check, Collect]:
    validator = Draft202012Validator(schema, format_checker=_FORMATS)

    def collect(x: Any, path: str, out: list[Issue]) -> None:
        for err in validator.iter_errors(x):
            where = path
            for part in err.absolute_path:
                where = _child(where, part)
            out.append(Issue(CODES.get(str(err.validator), "schema_violation"), err.message, where))

    return validator.is_valid, collect


def _compile(schema: Mapping[str, Any] | bool) -> tuple[Check, Collect]:
    if schema is True or schema == {}:
        return (lambda x: True), (lambda x, p, o: None)
    if schema is False:

        def never(x: Any, path: str, out: list[Issue]) -> None:
            out.append(Issue("schema_violation", "no value is allowed here", path))

        return (lambda x: False), never
    assert not isinstance(schema, bool)
    if any(k not in HANDLED_KEYWORDS and k not in _ANNOTATIONS for k in schema):
        return _fallback(schema)

    parts: list[tuple[Check, Collect]] = []
    if "type" in schema:
        parts.append(_type_part(schema["type"]))

    if "enum" in schema:
        parts.append(_enum_part(schema["enum"]))
    if "const" in schema:
        parts.append(_const_part(schema["const"]))
    parts.extend(_number_parts(schema))
    parts.extend(_string_parts(schema))
    if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems")):
        parts.append(_array_part(schema))
    if any(
        k in schema
        for k in ("properties", "required", "additionalProperties", "minProperties", "maxProperties")
    ):
        parts.append(_object_part(schema))
    return _all_of(parts)


def _all_of(parts: list[tuple[Check, Collect]]) -> tuple[Check, Collect]:
    if not parts:
        return (lambda x: True), (lambda x, p, o: None)
    if len(parts) == 1:
        return parts[0]
    checks = tuple(c for c, _ in parts)
    collects = tuple(c for _, c in parts)
    check: Check
    if len(checks) == 2:
        c1, c2 = checks
        check = lambda x: c1(x) and c2(x)  # noqa: E731 -- a plain call chain beats all() on the hot path
    else:

        def check(x: Any) -> bool:
            return all(c(x) for c in checks)

    def collect(x: Any, path: str, out: list[Issue]) -> None:
        for c in collects:
            c(x, path, out)

    return check, collect


def _part(check: Check, code: str, message: Callable[[Any], str]) -> tuple[Check, Collect]:
    """A leaf keyword: one check, one issue when it fails."""

    def collect(x: Any, path: str, out: list[Issue]) -> None:
        if not check(x):
            out.append(Issue(code, message(x), path))

    return check, collect


def _type_part(types: str | list[str]) -> tuple[Check, Collect]:
    names = [types] if isinstance(types, str) else list(types)
    tests = tuple(_TYPE_TESTS[n] for n in names)
    check: Check = tests[0] if len(tests) == 1 else (lambda x: any(t(x) for t in tests))
    wanted = " or ".join(names)
    return _part(check, CODES["type"], lambda x: f"expected {wanted}, got {_type_name(x)} {_short(x)}")


def _enum_part(values: list[Any]) -> tuple[Check, Collect]:
    if all(isinstance(v, str) for v in values):
        allowed = frozenset(values)

        def check(x: Any) -> bool:
            return isinstance(x, str) and x in allowed
    else:

        def check(x: Any) -> bool:
            return any(json_equal(x, v) for v in values)

    shown = ", ".join(_short(v) for v in values)
    return _part(check, CODES["enum"], lambda x: f"{_short(x)} is not one of {shown}")


def _const_part(value: Any) -> tuple[Check, Collect]:
    return _part(
        lambda x: json_equal(x, value), CODES["const"], lambda x: f"expected {_short(value)}, got {_short(x)}"
    )


def _number_parts(schema: Mapping[str, Any]) -> Iterable[tuple[Check, Collect]]:
    if "minimum" in schema:
        lo = schema["minimum"]
        yield _part(
            lambda x: not _is_number(x) or not x < lo, CODES["minimum"], lambda x: f"{x!r} is below {lo}"
        )
    if "exclusiveMinimum" in schema:
        xlo = schema["exclusiveMinimum"]
        yield _part(
            lambda x: not _is_number(x) or not x <= xlo,
            CODES["exclusiveMinimum"],
            lambda x: f"{x!r} is not above {xlo}",
        )
    if "maximum" in schema:
        hi = schema["maximum"]
        yield _part(
            lambda x: not _is_number(x) or not x > hi, CODES["maximum"], lambda x: f"{x!r} is above {hi}"
        )
    if "exclusiveMaximum" in schema:
        xhi = schema["exclusiveMaximum"]
        yield _part(
            lambda x: not _is_number(x) or not x >= xhi,
            CODES["exclusiveMaximum"],
            lambda x: f"{x!r} is not below {xhi}",
        )
    if "multipleOf" in schema:
        step = schema["multipleOf"]
        yield _part(
            lambda x: not _is_number(x) or _is_multiple(x, step),
            CODES["multipleOf"],
            lambda x: f"{x!r} is not a multiple of {step}",
        )


def _format_test(fmt: str) -> Check:
    """jsonschema's format checker, minus two layers of calls: same function, same verdict."""
    func, raises = _FORMATS.checkers[fmt]

    def test(x: Any) -> bool:
        try:
            return bool(func(x))
        except raises:
            return False

    return test


def _is_multiple(x: int | float, step: int | float) -> bool:
    # Same arithmetic as jsonschema, so that float rounding gives the same verdicts.
    if isinstance(step, float):
        quotient = x / step
        try:
            return int(quotient) == quotient
        except OverflowError:
            return (Fraction(x) / Fraction(step)).denominator == 1
        except ValueError:  # NaN: jsonschema itself raises here; we call it "not a multiple"
            return False
    return not (x % step)


def _string_parts(schema: Mapping[str, Any]) -> Iterable[tuple[Check, Collect]]:
    if "minLength" in schema:
        n = schema["minLength"]
        yield _part(
            lambda x: not isinstance(x, str) or len(x) >= n,
            CODES["minLength"],
            lambda x: f"{_short(x)} is shorter than {n} characters",
        )
    if "maxLength" in schema:
        m = schema["maxLength"]
        yield _part(
            lambda x: not isinstance(x, str) or len(x) <= m,
            CODES["maxLength"],
            lambda x: f"{_short(x)} is longer than {m} characters",
        )
    if "pattern" in schema:
        regex = re.compile(schema["pattern"])
        yield _part(
            lambda x: not isinstance(x, str) or regex.search(x) is not None,
            CODES["pattern"],
            lambda x: f"{_short(x)} does not match the pattern {regex.pattern!r}",
        )
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS.checkers:
        yield _part(_format_test(fmt), CODES["format"], lambda x: f"{_short(x)} is not a valid {fmt}")


def _array_part(schema: Mapping[str, Any]) -> tuple[Check, Collect]:
    prefix = [_compile(s) for s in schema.get("prefixItems", [])]
    rest = _compile(schema["items"]) if "items" in schema else None
    rest_check = rest[0] if rest is not None else None
    lo = schema.get("minItems")
    hi = schema.get("maxItems")
    n_prefix = len(prefix)

    def check(x: Any) -> bool:
        if not isinstance(x, list):
            return True
        if (lo is not None and len(x) < lo) or (hi is not None and len(x) > hi):
            return False
        if n_prefix:
            for (item_check, _), item in zip(prefix, x, strict=False):
                if not item_check(item):
                    return False
        if rest_check is not None:
            for item in x[n_prefix:] if n_prefix else x:  # slice only when there is a prefix
                if not rest_check(item):
                    return False
        return True

    def collect(x: Any, path: str, out: list[Issue]) -> None:
        if not isinstance(x, list):
            return
        if lo is not None and len(x) < lo:
            out.append(Issue(CODES["minItems"], f"{len(x)} items, fewer than the {lo} required", path))
        if hi is not None and len(x) > hi:
            out.append(Issue(CODES["maxItems"], f"{len(x)} items, more than the {hi} allowed", path))
        for i, ((item_check, item_collect), item) in enumerate(zip(prefix, x, strict=False)):
            if not item_check(item):
                item_collect(item, _child(path, i), out)
        if rest is not None:
            for i in range(n_prefix, len(x)):
                if not rest[0](x[i]):
                    if schema["items"] is False:
                        out.append(
                            Issue(CODES["items"], f"no item is allowed past index {n_prefix - 1}", path)
                        )
                        return
                    rest[1](x[i], _child(path, i), out)

    return check, collect


def _object_part(schema: Mapping[str, Any]) -> tuple[Check, Collect]:
    props = {name: _compile(sub) for name, sub in schema.get("properties", {}).items()}
    prop_checks = {name: c for name, (c, _) in props.items()}
    required = tuple(schema.get("required", ()))
    extra_schema = schema.get("additionalProperties", True)
    extra = None if extra_schema is True else _compile(extra_schema)
    extra_check = extra[0] if extra is not None else None
    lo = schema.get("minProperties")
    hi = schema.get("maxProperties")

    required_keys = frozenset(required)
    closed = extra_schema is False

    def check(x: Any) -> bool:
        if not isinstance(x, dict):
            return True
        if required_keys and not required_keys <= x.keys():
            return False
        if (lo is not None and len(x) < lo) or (hi is not None and len(x) > hi):
            return False
        if closed:
            for key, value in x.items():
                c = prop_checks.get(key)
                if c is None or not c(value):
                    return False
            return True
        for key, value in x.items():
            c = prop_checks.get(key)
            if c is None:
                if extra_check is not None and not extra_check(value):
                    return False
            elif not c(value):
                return False
        return True

    def collect(x: Any, path: str, out: list[Issue]) -> None:
        if not isinstance(x, dict):
            return
        for name in required:
            if name not in x:
                out.append(
                    Issue(CODES["required"], f"required argument {name!r} is missing", _child(path, name))
                )
        if lo is not None and len(x) < lo:
            out.append(Issue(CODES["minProperties"], f"{len(x)} keys, fewer than the {lo} required", path))
        if hi is not None and len(x) > hi:
            out.append(Issue(CODES["maxProperties"], f"{len(x)} keys, more than the {hi} allowed", path))
        for key, value in x.items():
            sub = props.get(key)
            where = _child(path, key)
            if sub is not None:
                if not sub[0](value):
                    sub[1](value, where, out)
            elif extra is not None and not extra[0](value):
                if extra_schema is False:
                    known = ", ".join(props) or "none"
                    out.append(
                        Issue(CODES["additionalProperties"], f"unexpected {key!r} (known: {known})", where)
                    )
                else:
                    extra[1](value, where, out)

    return check, collect


def _format_test_or_none(fmt: str) -> Check | None:
    return _format_test(fmt) if fmt in _FORMATS.checkers else None


# What generated code may call; see schema_codegen.
_CODEGEN_HELPERS: dict[str, Any] = {
    "json_equal": json_equal,
    "is_multiple": _is_multiple,
    "is_integer": _TYPE_TESTS["integer"],
    "format_test": _format_test_or_none,
    "NUMBERS": _NUMBERS,
}
