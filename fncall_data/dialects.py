"""Tool-parameter dialects that look like JSON Schema but are not, normalised to JSON Schema 2020-12.

Public datasets describe tool arguments in their own notations: the Berkeley Function Calling
Leaderboard (Gorilla) writes ``"type": "dict"`` and ``"float"``, xLAM writes Python type strings such
as ``"List[int]"`` or ``"str, optional"``, and older specs use Draft 7 (tuple ``items``,
``dependencies``), Draft 4 (boolean ``exclusiveMinimum``) or OpenAPI 3.0 (``nullable``). These pure
functions turn them into the schemas that :class:`fncall_data.types.Tool` holds; they never modify
their input.
"""

from __future__ import annotations

import re
from typing import Any

from fncall_data.errors import FncallError

__all__ = ["gorilla_to_json_schema", "older_to_json_schema", "uses_older_keywords", "xlam_to_json_schema"]

# Gorilla names that JSON Schema spells differently; None means "no type constraint".
_GORILLA_TYPES: dict[str, str | None] = {
    "dict": "object",
    "float": "number",
    "tuple": "array",
    "any": None,
    "object": "object",
    "number": "number",
    "array": "array",
    "integer": "integer",
    "string": "string",
    "boolean": "boolean",
    "null": "null",
}
#: Type names that only the Gorilla dialect uses: seeing one means a schema needs converting.
GORILLA_ONLY_TYPES = frozenset({"dict", "float", "tuple", "any"})

# Keywords whose value is one subschema, a list of them, or a name -> subschema mapping.
_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_MANY = ("anyOf", "oneOf", "allOf", "prefixItems")
_NAMED = ("properties", "patternProperties", "$defs", "dependentSchemas")


def gorilla_to_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Convert a Gorilla/BFCL parameters schema to JSON Schema, recursively.

    ``dict`` becomes ``object``, ``float`` ``number``, ``tuple`` ``array``, and ``any`` drops the type
    (the rest of the property, description included, stays). Descriptions and ``default`` keys are kept
    as written. A schema with ``properties`` but no ``type`` gets ``"type": "object"``.

    Raises:
        FncallError: for a type name neither dialect knows, naming where it sits.

    Example:
        >>> gorilla_to_json_schema({"type": "dict", "properties": {"x": {"type": "float"}}})
        {'type': 'object', 'properties': {'x': {'type': 'number'}}}
    """
    return _gorilla(schema, "parameters")


def _gorilla(schema: dict[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(schema, dict):
        raise FncallError(f"{where}: expected a schema object, got {type(schema).__name__}")
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type":
            names = value if isinstance(value, list) else [value]
            mapped = [_gorilla_type(name, where) for name in names]
            kept = [name for name in mapped if name is not None]
            # "any" anywhere in a type list accepts everything, so the list says nothing.
            if len(kept) == len(mapped):
                out["type"] = kept if isinstance(value, list) else kept[0]
        elif key in _ONE and isinstance(value, dict):
            out[key] = _gorilla(value, f"{where}.{key}")
        elif key in _MANY and isinstance(value, list):
            out[key] = [_gorilla(sub, f"{where}.{key}[{i}]") for i, sub in enumerate(value)]
        elif key in _NAMED and isinstance(value, dict):
            out[key] = {name: _gorilla(sub, f"{where}.{name}") for name, sub in value.items()}
        else:
            out[key] = value
    if "type" not in schema and "properties" in schema:
        out = {"type": "object", **out}
    return out


# Keywords and values that only Draft 4/6/7 or OpenAPI 3.0 write (draft 2020-12 reads them otherwise).
_OLDER_DRAFTS = frozenset(
    f"http{s}://json-schema.org/draft-0{n}/schema{end}"
    for s in ("", "s")
    for n in (4, 6, 7)
    for end in ("", "#")
)


def uses_older_keywords(schema: Any) -> bool:
    """Whether ``schema`` (at any depth) uses a keyword :func:`older_to_json_schema` rewrites.

    Example:
        >>> uses_older_keywords({"type": "object", "properties": {"a": {"type": "string", "nullable": True}}})
        True
    """
    if isinstance(schema, list):
        return any(uses_older_keywords(v) for v in schema)
    if not isinstance(schema, dict):
        return False
    if (
        isinstance(schema.get("items"), list)
        or "additionalItems" in schema
        or "nullable" in schema
        or "dependencies" in schema
        or isinstance(schema.get("exclusiveMinimum"), bool)
        or isinstance(schema.get("exclusiveMaximum"), bool)
        or schema.get("$schema") in _OLDER_DRAFTS
    ):
        return True
    return any(
        uses_older_keywords(v) for k, v in schema.items() if k not in ("enum", "const", "default", "examples")
    )


def older_to_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite Draft 4/6/7 and OpenAPI 3.0 keywords as Draft 2020-12 says them, recursively.

    - tuple ``items: [A, B]`` becomes ``prefixItems: [A, B]``, and ``additionalItems: X`` beside it
      ``items: X`` (without a tuple, ``additionalItems`` meant nothing and is dropped);
    - ``dependencies`` splits into ``dependentRequired`` (lists) and ``dependentSchemas`` (schemas);
    - boolean ``exclusiveMinimum``/``exclusiveMaximum`` (Draft 4, OpenAPI 3.0) take the bound's value;
    - OpenAPI's ``nullable: true`` adds ``"null"`` to ``type`` (and ``null`` to ``enum``);
    - a ``$schema`` naming Draft 4, 6 or 7 is dropped: the result is Draft 2020-12.

    ``definitions`` stays as it is: ``$ref: "#/definitions/X"`` is a JSON pointer that resolves as well.

    Raises:
        FncallError: a keyword whose value has the wrong shape (``nullable: "yes"``), naming where.

    Example:
        >>> older_to_json_schema({"type": "array", "items": [{"type": "string"}], "additionalItems": False})
        {'type': 'array', 'prefixItems': [{'type': 'string'}], 'items': False}
        >>> older_to_json_schema({"type": "string", "nullable": True})
        {'type': ['string', 'null']}
    """
    converted: dict[str, Any] = _older(schema, "parameters")
    return converted


def _older(schema: Any, where: str) -> Any:
    if not isinstance(schema, dict):
        return schema
    tuple_items = isinstance(schema.get("items"), list)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        here = f"{where}.{key}"
        if key == "$schema" and value in _OLDER_DRAFTS:
            continue
        if key == "items" and tuple_items:
            out["prefixItems"] = [_older(sub, f"{here}[{i}]") for i, sub in enumerate(value)]
        elif key == "additionalItems":
            if tuple_items:
                out["items"] = _older(value, here)
        elif key == "nullable":
            if not isinstance(value, bool):
                raise FncallError(f"{here}: nullable must be true or false, got {value!r}")
        elif key == "dependencies" and isinstance(value, dict):
            for name, dep in value.items():
                if isinstance(dep, list):
                    out.setdefault("dependentRequired", {})[name] = dep
                else:
                    out.setdefault("dependentSchemas", {})[name] = _older(dep, f"{here}.{name}")
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value and bound in schema:
                out[key] = schema[bound]
        elif key in ("minimum", "maximum") and schema.get(f"exclusive{key.capitalize()}") is True:
            continue  # it became the exclusive bound above
        elif key in ("enum", "const", "default", "examples"):
            out[key] = value
        elif isinstance(value, dict):
            out[key] = (
                _older(value, here)
                if key not in ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
                else {n: _older(v, f"{here}.{n}") for n, v in value.items()}
            )
        elif isinstance(value, list) and key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            out[key] = [_older(sub, f"{here}[{i}]") for i, sub in enumerate(value)]
        else:
            out[key] = value
    if schema.get("nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str) and kind != "null":
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def _gorilla_type(name: Any, where: str) -> str | None:
    if not isinstance(name, str) or name.lower() not in _GORILLA_TYPES:
        known = ", ".join(sorted(_GORILLA_TYPES))
        raise FncallError(f"{where}: unknown type {name!r} in a Gorilla schema; known types: {known}")
    return _GORILLA_TYPES[name.lower()]


# xLAM scalar and container names (lower-cased); JSON Schema's own names are accepted as well.
_XLAM_SCALARS: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "string": {"type": "string"},
    "int": {"type": "integer"},
    "integer": {"type": "integer"},
    "float": {"type": "number"},
    "number": {"type": "number"},
    "bool": {"type": "boolean"},
    "boolean": {"type": "boolean"},
    "none": {"type": "null"},
    "nonetype": {"type": "null"},
    "null": {"type": "null"},
    "any": {},
}
_XLAM_EXPR = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?:\[(.*)\])?\s*$", re.DOTALL)
_NULL = {"type": "null"}


def xlam_to_json_schema(params: dict[str, Any]) -> dict[str, Any]:
    """Convert xLAM's ``{param: {type, description, default}}`` mapping to an object schema.

    Type strings are Python-like: ``str``, ``int``, ``float``, ``bool``, ``list``, ``dict``,
    ``List[X]``, ``Dict[K, V]``, ``Tuple[...]``, ``Set[X]``, ``Any``, ``Optional[X]``, ``Union[...]``,
    and a trailing ``", optional"``. A parameter is required unless it is marked optional (by that
    suffix, ``Optional`` or ``None`` in a union) or has a ``default`` key, whatever its value. xLAM
    writes ``""`` or ``null`` as a placeholder default, so those are not copied into the schema; a
    real default is.

    Raises:
        FncallError: naming the parameter and the type string it cannot read.

    Example:
        >>> xlam_to_json_schema({"n": {"type": "int"}, "s": {"type": "str, optional"}})["required"]
        ['n']
    """
    if not isinstance(params, dict):
        raise FncallError(f"xLAM parameters must be an object of parameters, got {type(params).__name__}")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, spec in params.items():
        if not isinstance(spec, dict):
            raise FncallError(f"xLAM parameter {name!r}: expected an object with a type, got {spec!r}")
        type_text = spec.get("type", "Any")
        if not isinstance(type_text, str):
            raise FncallError(f"xLAM parameter {name!r}: the type must be a string, got {type_text!r}")
        schema, optional = _xlam_top(type_text, name)
        if "description" in spec:
            schema["description"] = spec["description"]
        if spec.get("default") not in ("", None):
            schema["default"] = spec["default"]
        properties[name] = schema
        if not optional and "default" not in spec:
            required.append(name)
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out


def _xlam_top(text: str, param: str) -> tuple[dict[str, Any], bool]:
    """A parameter's schema and whether the type string itself marks it optional."""
    parts = _split_top(text, param, text)
    optional = len(parts) > 1 and parts[-1].strip().lower() == "optional"
    if optional:
        parts = parts[:-1]
    if len(parts) != 1:
        raise FncallError(f"xLAM parameter {param!r}: cannot read type {text!r}")
    schema = _xlam_type(parts[0], param, text)
    # At the top level a nullable type means "may be left out": omission is how a call says None.
    branches = schema.get("anyOf")
    if isinstance(branches, list) and _NULL in branches:
        rest = [b for b in branches if b != _NULL]
        schema = dict(rest[0]) if len(rest) == 1 else {"anyOf": rest}
        optional = True
    elif schema == _NULL:
        optional = True
    return schema, optional


def _xlam_type(expr: str, param: str, whole: str) -> dict[str, Any]:
    match = _XLAM_EXPR.match(expr)
    if match is None:
        raise FncallError(f"xLAM parameter {param!r}: cannot read type {whole!r}")
    base = match.group(1).lower().removeprefix("typing.")
    args = [] if match.group(2) is None else _split_top(match.group(2), param, whole)
    subs = [_xlam_type(arg, param, whole) for arg in args if arg.strip() != "..."]
    if base in _XLAM_SCALARS and not args:
        return dict(_XLAM_SCALARS[base])
    if base in ("list", "array", "sequence", "iterable") and len(subs) <= 1:
        return {"type": "array", **({"items": subs[0]} if subs else {})}
    if base in ("set", "frozenset") and len(subs) <= 1:
        return {"type": "array", "uniqueItems": True, **({"items": subs[0]} if subs else {})}
    if base == "tuple":
        if not subs:
            return {"type": "array"}
        if "..." in (arg.strip() for arg in args):  # Tuple[X, ...]: any length of X
            return {"type": "array", "items": subs[0]}
        n = len(subs)
        return {"type": "array", "prefixItems": subs, "minItems": n, "maxItems": n}
    if base in ("dict", "object", "mapping") and len(subs) in (0, 2):
        # JSON object keys are always strings, so the key type K has nothing to say.
        return {"type": "object", **({"additionalProperties": subs[1]} if subs else {})}
    if base == "optional" and len(subs) == 1:
        return {"anyOf": [subs[0], dict(_NULL)]}
    if base == "union" and subs:
        return subs[0] if len(subs) == 1 else {"anyOf": subs}
    raise FncallError(f"xLAM parameter {param!r}: unknown type {whole!r}")


def _split_top(text: str, param: str, whole: str) -> list[str]:
    """Split on commas that are not inside brackets: "Dict[str, int], optional" -> two parts."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth < 0:
                break
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise FncallError(f"xLAM parameter {param!r}: unbalanced brackets in type {whole!r}")
    parts.append(text[start:])
    return [part.strip() for part in parts]
