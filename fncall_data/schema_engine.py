"""Tool schemas compiled by jsonschema-rs, reported in fncall's issue codes, paths and messages.

Each schema is compiled once into a jsonschema-rs validator (Draft 2020-12 unless the schema's
``$schema`` names another draft). Valid values only ever take its ``is_valid``; an invalid value's
errors are read from ``iter_errors`` and turned into :class:`~fncall_data.issues.Issue` objects whose
codes are stable (:data:`CODES`) and whose paths are JSONPaths below the caller's root.

``format`` is an annotation by default, as Draft 2020-12 says; ``strict_format=True`` asserts the
formats in :data:`ASSERTED_FORMATS`, the same ones on every install (jsonschema-rs checks them itself,
with no optional packages). A format outside that set is never asserted.

Nothing here reaches the network: validators are built with retrieval disabled, and
:func:`external_references` lets tools refuse any ``$ref`` that leaves their own schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jsonschema_rs

from fncall_data.errors import FncallError
from fncall_data.issues import Issue
from fncall_data.pyliteral import MAX_INT_DIGITS, has_lone_surrogate, int_too_long
from fncall_data.tool_schema import SUBSCHEMA_MANY, SUBSCHEMA_NAMED, SUBSCHEMA_ONE

__all__ = [
    "ASSERTED_FORMATS",
    "CODES",
    "CompiledSchema",
    "compile_schema",
    "external_references",
    "json_equal",
    "unknown_dialects",
]

#: The formats ``strict_format=True`` asserts (jsonschema-rs's own checkers); any other is ignored.
ASSERTED_FORMATS = frozenset(
    {
        "date",
        "date-time",
        "time",
        "duration",
        "email",
        "idn-email",
        "hostname",
        "idn-hostname",
        "ipv4",
        "ipv6",
        "uri",
        "uri-reference",
        "iri",
        "iri-reference",
        "uri-template",
        "json-pointer",
        "relative-json-pointer",
        "regex",
        "uuid",
    }
)

#: Issue code per jsonschema-rs error kind; a kind not listed is ``schema_violation``.
CODES = {
    "Type": "wrong_type",
    "Enum": "not_in_enum",
    "Constant": "const_mismatch",
    "Required": "missing_required",
    "AdditionalProperties": "unexpected_argument",
    "UnevaluatedProperties": "unexpected_argument",
    "MinProperties": "too_few_properties",
    "MaxProperties": "too_many_properties",
    "AdditionalItems": "unexpected_item",
    "UnevaluatedItems": "unexpected_item",
    "MinItems": "too_few_items",
    "MaxItems": "too_many_items",
    "UniqueItems": "duplicate_items",
    "Minimum": "below_minimum",
    "ExclusiveMinimum": "below_minimum",
    "Maximum": "above_maximum",
    "ExclusiveMaximum": "above_maximum",
    "MultipleOf": "not_multiple_of",
    "MinLength": "too_short",
    "MaxLength": "too_long",
    "Pattern": "pattern_mismatch",
    "Format": "bad_format",
}

# Python's int() and str() refuse integers longer than MAX_INT_DIGITS digits by default
# (CVE-2020-10735); jsonschema-rs cannot read them either, so they are reported as too_large instead of
# checked, with the same bound as extraction (fncall_data.pyliteral.int_too_long).
_REFERENCE_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")
_NUMERIC = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
# jsonschema-rs reads an integer beyond Python's 4,300-digit limit as a value that is an "integer"
# but not a "number" and passes any maximum; this guard, added where a subschema constrains numbers,
# turns such a value away (and sends the call to the error path, which reports it as too_large).
# Every other value passes it, so verdicts do not change; it costs the engine a few nanoseconds.
_NUMBER_GUARD = {"anyOf": [{"not": {"type": "integer"}}, {"type": "number"}]}

_NAMED = (*SUBSCHEMA_NAMED, "$defs", "definitions")
_KINDS = jsonschema_rs.ValidationErrorKind
_ANY_OF = _KINDS.AnyOf


class CompiledSchema:
    """A schema compiled once for repeated checks.

    Example:
        >>> s = compile_schema({"properties": {"n": {"type": "integer"}}, "required": ["n"]})
        >>> s.is_valid({"n": 3}), [i.code for i in s.errors({})]
        (True, ['missing_required'])
    """

    __slots__ = (
        "_format_validator",
        "_known",
        "_validator",
        "has_formats",
        "is_valid",
        "schema",
        "strict_format",
    )

    def __init__(self, schema: Mapping[str, Any] | bool, *, strict_format: bool = False) -> None:
        self.schema = schema
        self.strict_format = strict_format
        self._validator = _build(schema, strict_format)
        #: the verdict alone; may raise ValueError on values jsonschema-rs cannot read (a lone surrogate)
        self.is_valid: Callable[[Any], bool] = self._validator.is_valid
        self.has_formats = _has_key(schema, "format")
        self._format_validator = self._validator if strict_format else None
        self._known: dict[tuple[str | int, ...], str] = {}

    def accepts(self, value: Any) -> bool:
        """The verdict alone, never raising: a value the engine cannot read is not accepted."""
        try:
            return self.is_valid(value)
        except ValueError:
            return False

    def errors(self, value: Any, path: str = "$") -> list[Issue]:
        """Every problem with ``value`` (empty when it is valid), each at its path below ``path``."""
        unread: list[Issue] = []
        try:
            found = list(self._validator.iter_errors(value))
            # An unreadable integer fails the number guard, an anyOf: only then is the value searched.
            for err in found:
                if type(err.kind) is _ANY_OF:
                    value, unread = _readable(value, path)
                    if unread:
                        found = list(self._validator.iter_errors(value))
                    break
        except ValueError:  # a lone surrogate, which jsonschema-rs refuses to read
            value, unread = _readable(value, path)
            try:
                found = list(self._validator.iter_errors(value))
            except ValueError:  # still unreadable: say so rather than raise
                return [*unread, Issue("schema_violation", "the value cannot be checked", path)]
        issues = list(unread)
        for err in found:
            where = _join(path, err.instance_path) if err.instance_path else path
            if unread and any(_within(where, u.path) for u in unread):
                continue  # the value there was replaced; its own issue says why
            _add_issues(issues, err, where, self, value)
        return issues

    def known_properties(self, schema_path: tuple[str | int, ...]) -> str:
        """The declared property names of the subschema at ``schema_path``, for messages (cached)."""
        known = self._known.get(schema_path)
        if known is None:
            parent = _at(self.schema, list(schema_path))
            props = parent.get("properties") if isinstance(parent, dict) else None
            known = self._known[schema_path] = (
                ", ".join(props) if isinstance(props, dict) and props else "none"
            )
        return known

    def format_warnings(self, value: Any, path: str = "$") -> list[Issue]:
        """The ``bad_format`` issues ``strict_format=True`` would report, whatever this schema asserts."""
        if not self.has_formats:
            return []
        if self._format_validator is None:
            self._format_validator = _build(self.schema, True)
        value, _ = _readable(value, path)
        try:
            found = list(self._format_validator.iter_errors(value))
        except ValueError:
            return []
        return [
            issue
            for err in found
            if type(err.kind).__name__ == "Format"
            for issue in _add_issues([], err, _join(path, err.instance_path), self, value)
        ]


def compile_schema(schema: Mapping[str, Any] | bool, *, strict_format: bool = False) -> CompiledSchema:
    """Compile a JSON Schema (Draft 2020-12 by default) for repeated checks.

    Args:
        schema: the schema; a ``$ref`` must point inside it (see :func:`external_references`).
        strict_format: assert the formats of :data:`ASSERTED_FORMATS` instead of ignoring them.

    Raises:
        FncallError: the schema cannot be compiled (an unresolvable ``$ref``, a bad pattern, ...).
    """
    return CompiledSchema(schema, strict_format=strict_format)


def external_references(schema: Any) -> list[str]:
    """Every ``$ref`` (``$dynamicRef``, ``$recursiveRef``) in ``schema`` that does not start with ``#``.

    Example:
        >>> external_references({"properties": {"a": {"$ref": "https://x.org/a.json"}, "b": {"$ref": "#"}}})
        ['https://x.org/a.json']
    """
    return sorted({v for v in _keyword_strings(schema, _REFERENCE_KEYS) if not v.startswith("#")})


def _keyword_strings(schema: Any, keys: tuple[str, ...]) -> Iterator[str]:
    """The string values of ``keys`` anywhere in ``schema``, outside values that are data (enum, ...)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in keys:
                    if isinstance(value, str):
                        yield value
                elif key not in ("enum", "const", "default", "examples"):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


#: The ``$schema`` values fncall reads (each JSON Schema draft jsonschema-rs implements).
KNOWN_DIALECTS = frozenset(
    f"{scheme}://json-schema.org/{path}{end}"
    for scheme in ("http", "https")
    for path in (
        "draft/2020-12/schema",
        "draft/2019-09/schema",
        "draft-07/schema",
        "draft-06/schema",
        "draft-04/schema",
    )
    for end in ("", "#")
)


def unknown_dialects(schema: Any) -> list[str]:
    """Every ``$schema`` in ``schema`` that names no draft fncall knows (a custom meta-schema).

    Such a meta-schema would have to be fetched; fncall refuses it instead.

    Example:
        >>> unknown_dialects({"$schema": "https://example.org/my-meta.json"})
        ['https://example.org/my-meta.json']
    """
    return sorted({v for v in _keyword_strings(schema, ("$schema",)) if v not in KNOWN_DIALECTS})


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema means it: ``1 == 1.0`` but ``True != 1``, recursively."""
    if a is b:
        return True
    if isinstance(a, str) or isinstance(b, str):
        return bool(a == b)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return len(a) == len(b) and all(k in b and json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


# --- building -------------------------------------------------------------------------------------


def _build(schema: Mapping[str, Any] | bool, strict_format: bool) -> jsonschema_rs.Validator:
    try:
        return jsonschema_rs.validator_for(
            _guarded(schema),
            validate_formats=strict_format,
            ignore_unknown_formats=True,
            offline=True,  # never fetch a remote $ref, whatever the schema says
        )
    except jsonschema_rs.ValidationError as exc:
        raise FncallError(f"the schema cannot be compiled: {exc.message}") from None
    except (ValueError, TypeError) as exc:
        raise FncallError(f"the schema cannot be compiled: {exc}") from None


def _guarded(schema: Any) -> Any:
    """``schema`` with :data:`_NUMBER_GUARD` added to every subschema that constrains numbers."""
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in SUBSCHEMA_ONE:
            out[key] = _guarded(value)
        elif key in SUBSCHEMA_MANY and isinstance(value, list):
            out[key] = [_guarded(sub) for sub in value]
        elif key in _NAMED and isinstance(value, Mapping):
            out[key] = {name: _guarded(sub) for name, sub in value.items()}
        else:
            out[key] = value
    types = schema.get("type")
    numeric = types in ("integer", "number") or (
        isinstance(types, list) and ("integer" in types or "number" in types)
    )
    if numeric or any(k in schema for k in _NUMERIC):
        existing = out.get("allOf")
        out["allOf"] = [*existing, _NUMBER_GUARD] if isinstance(existing, list) else [_NUMBER_GUARD]
    return out


def _has_key(schema: Any, key: str) -> bool:
    if isinstance(schema, dict):
        return key in schema or any(_has_key(v, key) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_key(v, key) for v in schema)
    return False


# --- values jsonschema-rs cannot read -------------------------------------------------------------


def _readable(value: Any, path: str) -> tuple[Any, list[Issue]]:
    """``value`` with every integer too long to read and every lone surrogate replaced, and why.

    Such values come only from Python callers or tolerant readers (``json.loads`` refuses the first);
    jsonschema-rs would misread the integers and raise on the strings.
    """
    if not _unreadable(value):
        return value, []
    unread: list[Issue] = []
    return _clean(value, path, unread), unread


def _unreadable(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if not item.isascii() and has_lone_surrogate(item):
                return True
        elif kind is int:
            if int_too_long(item):
                return True
        elif kind is dict:
            stack.extend(item.values())
            stack.extend(item.keys())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif isinstance(item, int | str) and not isinstance(item, bool):
            return True  # a subclass: let the careful pass decide
    return False


def _clean(value: Any, path: str, unread: list[Issue]) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(k, str) and has_lone_surrogate(k):
                text = "a key holding a lone surrogate (not Unicode text) cannot be checked"
                where = _child(path, k.encode("utf-8", "replace").decode())
                unread.append(Issue("invalid_unicode", text, where))
            else:
                out[k] = _clean(v, _child(path, k), unread)
        return out
    if isinstance(value, list | tuple):
        return [_clean(v, _child(path, i), unread) for i, v in enumerate(value)]
    if isinstance(value, int) and not isinstance(value, bool) and int_too_long(value):
        digits = int(value.bit_length() * 0.30103) + 1
        text = (
            f"an integer of about {digits} digits, more than the {MAX_INT_DIGITS} that can be read "
            "and checked"
        )
        unread.append(Issue("too_large", text, path))
        return 0
    if isinstance(value, str) and has_lone_surrogate(value):
        text = "a string holding a lone surrogate (not Unicode text) cannot be checked"
        unread.append(Issue("invalid_unicode", text, path))
        return ""
    return value


def _within(path: str, root: str) -> bool:
    return path == root or (path.startswith(root) and path[len(root)] in ".[")


# --- errors as issues -----------------------------------------------------------------------------


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{_quoted(key)}]"


def _quoted(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _join(path: str, parts: list[str | int]) -> str:
    for part in parts:
        path = _child(path, part)
    return path


def _short(value: Any, limit: int = 40) -> str:
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print, or a value holding one
        return "(an integer too long to print)" if isinstance(value, int) else "(a value too long to print)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


_TYPE_NAMES: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    str: "string",
    list: "array",
    tuple: "array",
    dict: "object",
}


def _type_name(x: Any) -> str:
    if type(x) is float:
        return "integer" if x.is_integer() else "number"
    return _TYPE_NAMES.get(type(x)) or type(x).__name__


def _value_at(value: Any, instance_path: list[str | int]) -> Any:
    for part in instance_path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _at(schema: Any, schema_path: list[str | int]) -> Any:
    """The subschema at ``schema_path``, or None when the path leaves the schema (through a $ref)."""
    node = schema
    for part in schema_path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _add_issues(
    out: list[Issue], err: jsonschema_rs.ValidationError, where: str, compiled: CompiledSchema, value: Any
) -> list[Issue]:
    """Append the issues of one jsonschema-rs error (several for several unexpected keys) to ``out``."""
    kind = err.kind
    kind_name = type(kind).__name__
    message = _MESSAGES.get(kind_name)
    if message is not None:
        x = err.instance
        if x is None:  # jsonschema-rs gives null for a value it could not read back: take ours
            x = _value_at(value, err.instance_path)
        out.append(Issue(CODES.get(kind_name, "schema_violation"), message(kind, x), where))
    elif isinstance(kind, _KINDS.Required):
        name = kind.property
        out.append(Issue("missing_required", f"required argument {name!r} is missing", _child(where, name)))
    elif isinstance(kind, _KINDS.AdditionalProperties | _KINDS.UnevaluatedProperties):
        known = compiled.known_properties(tuple(err.schema_path[:-1]))
        for key in kind.unexpected:
            out.append(
                Issue("unexpected_argument", f"unexpected {key!r} (known: {known})", _child(where, key))
            )
    elif kind_name == "FalseSchema" and err.schema_path[-1:] == ["items"]:  # "items": false
        out.append(Issue("unexpected_item", f"no item is allowed at index {err.instance_path[-1]}", where))
    else:
        x = err.instance if err.instance is not None else _value_at(value, err.instance_path)
        text = (
            "no value is allowed here"
            if kind_name == "FalseSchema"
            else f"{_short(x)} does not match its schema ({kind.name})"
        )
        out.append(Issue(CODES.get(kind_name, "schema_violation"), text, where))
    return out


def _count(x: Any, unit: str) -> str:
    return f"{len(x)} {unit}" if isinstance(x, list | dict) else f"? {unit}"


# fncall's own message per jsonschema-rs error kind, from the kind's fields and the bad value.
_MESSAGES: dict[str, Callable[[Any, Any], str]] = {
    "Type": lambda k, x: f"expected {' or '.join(k.types)}, got {_type_name(x)} {_short(x)}",
    "Enum": lambda k, x: f"{_short(x)} is not one of {', '.join(_short(v) for v in k.options)}",
    "Constant": lambda k, x: f"expected {_short(k.expected_value)}, got {_short(x)}",
    "Minimum": lambda k, x: f"{_short(x)} is below {k.limit}",
    "ExclusiveMinimum": lambda k, x: f"{_short(x)} is not above {k.limit}",
    "Maximum": lambda k, x: f"{_short(x)} is above {k.limit}",
    "ExclusiveMaximum": lambda k, x: f"{_short(x)} is not below {k.limit}",
    "MultipleOf": lambda k, x: f"{_short(x)} is not a multiple of {k.multiple_of}",
    "MinLength": lambda k, x: f"{_short(x)} is shorter than {k.limit} characters",
    "MaxLength": lambda k, x: f"{_short(x)} is longer than {k.limit} characters",
    "Pattern": lambda k, x: f"{_short(x)} does not match the pattern {k.pattern!r}",
    "Format": lambda k, x: f"{_short(x)} is not a valid {k.format}",
    "MinItems": lambda k, x: f"{_count(x, 'items')}, fewer than the {k.limit} required",
    "MaxItems": lambda k, x: f"{_count(x, 'items')}, more than the {k.limit} allowed",
    "AdditionalItems": lambda k, x: f"no item is allowed past index {k.limit - 1}",
    "UnevaluatedItems": lambda k, x: f"no item is allowed at index {', '.join(map(str, k.unexpected))}",
    "UniqueItems": lambda k, x: f"{_short(x)} holds the same item twice",
    "MinProperties": lambda k, x: f"{_count(x, 'keys')}, fewer than the {k.limit} required",
    "MaxProperties": lambda k, x: f"{_count(x, 'keys')}, more than the {k.limit} allowed",
    "AnyOf": lambda k, x: f"{_short(x)} matches none of the allowed schemas (anyOf)",
    "OneOfNotValid": lambda k, x: f"{_short(x)} matches none of the alternatives (oneOf)",
    "OneOfMultipleValid": lambda k, x: f"{_short(x)} matches more than one alternative (oneOf)",
    "Not": lambda k, x: f"{_short(x)} matches a schema it must not match (not)",
    "Contains": lambda k, x: f"{_short(x)} holds too few or too many items that match (contains)",
}
