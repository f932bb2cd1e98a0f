"""The JSON Schema side of building a tool: Google-style docstrings and Pydantic schemas, cleaned.

:func:`parse_docstring` splits a docstring into its summary and its ``Args:``/``Attributes:`` lines.
:func:`model_json_schema` asks Pydantic for a model's schema, with each model's summary as its
description and ``Args:`` lines for fields that have no ``Field(description=...)``;
:func:`clean_schema` then makes it self-contained: ``$ref``s inlined, ``$defs`` and ``title`` keys
dropped.

How optional arguments are written: a field typed ``X | None`` whose default is ``None`` becomes
plain ``X``, left out of ``required`` and without ``"default": null``. A model reading the schema is
told "leave it out to mean none" instead of "write null", which is how tool calls are usually
written; the price is that the schema rejects an explicit ``null`` there, the one value the Python
side accepts and the schema does not. ``X | None`` with no default stays ``anyOf [X, null]`` (and
required); ``X | None`` with another default keeps both its ``anyOf`` and its default.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, cast

from pydantic import BaseModel, PydanticUserError, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from fncall_data.errors import FncallError

__all__ = [
    "SUBSCHEMA_MANY",
    "SUBSCHEMA_NAMED",
    "SUBSCHEMA_ONE",
    "clean_schema",
    "first_line",
    "model_json_schema",
    "parse_docstring",
]


# --- Google-style docstrings ------------------------------------------------------------------------

_ARG_SECTIONS = frozenset(
    {"args", "arguments", "attributes", "parameters", "params", "keyword_args", "other_parameters"}
)
_OTHER_SECTIONS = {"returns", "return", "yields", "raises", "example", "examples", "note", "notes"}
_SECTIONS = _ARG_SECTIONS | _OTHER_SECTIONS | {"see_also", "warning", "warnings", "todo", "references"}
_HEADER = re.compile(r"^\s*([A-Za-z][A-Za-z ]*):\s*$")
_ITEM = re.compile(r"^\*{0,2}([A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a docstring into its text before the first section and its per-argument lines."""
    if not doc:
        return "", {}
    summary: list[str] = []
    args: dict[str, str] = {}
    section: str | None = None  # None while still in the summary
    header_indent = 0
    item_indent = 0
    current: str | None = None
    for line in inspect.cleandoc(doc).splitlines():
        indent = len(line) - len(line.lstrip())
        header = _HEADER.match(line)
        if header and header.group(1).strip().lower().replace(" ", "_") in _SECTIONS:
            section = header.group(1).strip().lower().replace(" ", "_")
            header_indent, current = indent, None
            continue
        if section is None:
            summary.append(line)
        elif not line.strip() or section not in _ARG_SECTIONS:
            continue
        elif indent <= header_indent:  # dedented text closes the section
            section, current = "", None
        elif current is not None and indent > item_indent:  # a wrapped description line
            args[current] = f"{args[current]} {line.strip()}".strip()
        elif item := _ITEM.match(line.strip()):
            current, item_indent = item.group(1), indent
            args[current] = item.group(2).strip()
    return "\n".join(summary).strip(), args


# --- Pydantic JSON Schema, cleaned --------------------------------------------------------------------


class _ToolSchemaGenerator(GenerateJsonSchema):
    """Pydantic's generator, reading every model's docstring the Google way.

    Pydantic copies a model's whole docstring into ``description``; a tool wants its summary only, and
    fields with no ``Field(description=...)`` can borrow their ``Args:`` line.
    """

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        cls = cast("type[BaseModel]", schema["cls"])
        doc = vars(cls).get("__doc__")
        if not doc:
            return json_schema
        summary, arg_docs = parse_docstring(doc)
        if summary:
            json_schema["description"] = summary
        else:
            json_schema.pop("description", None)
        properties = json_schema.get("properties", {})
        for field_name, info in cls.model_fields.items():
            key = info.alias if self.by_alias and info.alias else field_name
            text = arg_docs.get(field_name) or arg_docs.get(key)
            prop = properties.get(key)
            if text and isinstance(prop, dict) and "description" not in prop:
                prop["description"] = text
        return json_schema


# Keywords whose value is one subschema, a list of them, or a name -> subschema mapping.
SUBSCHEMA_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
SUBSCHEMA_MANY = ("anyOf", "oneOf", "allOf", "prefixItems")
SUBSCHEMA_NAMED = ("properties", "patternProperties", "dependentSchemas")
_NULL = {"type": "null"}


def clean_schema(raw: dict[str, Any], owner: str) -> dict[str, Any]:
    """Inline ``$defs``, drop titles and the top description, simplify ``X | None = None``."""
    defs = raw.get("$defs", {})
    body = {key: value for key, value in raw.items() if key != "$defs"}
    out = _inline(body, defs, (), owner)
    out.pop("description", None)  # the tool's own description already says it
    return out


def _inline(node: dict[str, Any], defs: dict[str, Any], stack: tuple[str, ...], owner: str) -> dict[str, Any]:
    if "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            raise FncallError(
                f"{owner}: cannot inline $ref {ref!r}; only '#/$defs/...' references are supported"
            )
        name = ref.removeprefix("#/$defs/").replace("~1", "/").replace("~0", "~")
        if name in stack:
            chain = " -> ".join((*stack, name))
            raise FncallError(
                f"{owner}: {name} refers to itself ({chain}); a tool schema must be finite, "
                "so replace the recursive field with a fixed-depth model or a plain dict"
            )
        if name not in defs:
            raise FncallError(f"{owner}: $ref {ref!r} points at no definition")
        target = _inline(defs[name], defs, (*stack, name), owner)
        rest = _inline({k: v for k, v in node.items() if k != "$ref"}, defs, stack, owner)
        return _drop_none_default({**target, **rest})  # the field's own keys win over the model's
    out: dict[str, Any] = {}
    for key, value in node.items():
        # "discriminator" is OpenAPI, not JSON Schema, and its mapping points into the dropped $defs.
        if key in ("title", "discriminator"):
            continue
        if key in SUBSCHEMA_ONE and isinstance(value, dict):
            out[key] = _inline(value, defs, stack, owner)
        elif key in SUBSCHEMA_MANY and isinstance(value, list):
            out[key] = [_inline(sub, defs, stack, owner) if isinstance(sub, dict) else sub for sub in value]
        elif key in SUBSCHEMA_NAMED and isinstance(value, dict):
            out[key] = {name: _inline(sub, defs, stack, owner) for name, sub in value.items()}
        else:
            out[key] = value
    return _drop_none_default(out)


def _drop_none_default(schema: dict[str, Any]) -> dict[str, Any]:
    """``X | None = None`` -> ``X``: leaving the argument out is how a call says "none"."""
    if "default" not in schema or schema["default"] is not None:
        return schema
    out = {key: value for key, value in schema.items() if key != "default"}
    branches = out.get("anyOf")
    if isinstance(branches, list) and _NULL in branches:
        rest = [branch for branch in branches if branch != _NULL]
        del out["anyOf"]
        if len(rest) == 1:
            out = {**rest[0], **out}
        elif rest:
            out["anyOf"] = rest
    return out


def first_line(exc: Exception) -> str:
    """The first line of an exception's message, for a one-line error."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def model_json_schema(model: type[BaseModel], owner: str, noun: str = "field") -> dict[str, Any]:
    """The model's raw JSON Schema (``$defs`` and all); a type without one names the field to fix."""
    try:
        return model.model_json_schema(schema_generator=_ToolSchemaGenerator)
    except PydanticUserError as exc:  # a type with no JSON form, e.g. a callable: find whose it is
        for field_name, info in model.model_fields.items():
            annotation: Any = info.annotation
            try:
                TypeAdapter(annotation).json_schema()
            except PydanticUserError:
                raise FncallError(
                    f"{owner}: {noun} {info.alias or field_name!r} has no JSON Schema ({first_line(exc)}); "
                    "use JSON-like types (str, int, list[...], a BaseModel, ...)"
                ) from None
        raise FncallError(f"{owner}: cannot build a JSON Schema: {first_line(exc)}") from None
