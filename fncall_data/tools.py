"""Tools from anything a user has: Pydantic models, typed functions, JSON Schemas, OpenAI or Gorilla specs.

Every path ends in a :class:`fncall_data.types.Tool` whose parameters are a clean, self-contained
JSON Schema: nested models are inlined (no ``$ref``, no ``$defs``), pydantic's ``title`` keys are
gone (noise in a prompt), and descriptions come from ``Field(description=...)`` or, failing that,
from the Google-style docstring (``Args:`` / ``Attributes:``).

How optional arguments are written: a field typed ``X | None`` whose default is ``None`` becomes
plain ``X``, left out of ``required`` and without ``"default": null``. A model reading the schema is
told "leave it out to mean none" instead of "write null", which is how tool calls are usually
written; the price is that the schema rejects an explicit ``null`` there, the one value the Python
side accepts and the schema does not. ``X | None`` with no default stays ``anyOf [X, null]`` (and
required); ``X | None`` with another default keeps both its ``anyOf`` and its default.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import re
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast, overload

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PydanticUserError,
    TypeAdapter,
    ValidationError,
    create_model,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from fncall_data.dialects import GORILLA_ONLY_TYPES, gorilla_to_json_schema
from fncall_data.errors import FncallError, InputError
from fncall_data.types import Tool, describe_validation_error

__all__ = [
    "implementation_of",
    "load_tools",
    "to_tool",
    "tool",
    "tool_from_function",
    "tool_from_gorilla",
    "tool_from_json_schema",
    "tool_from_model",
    "tool_from_openai",
    "tool_of",
]

_T = TypeVar("_T", bound=Callable[..., Any])
_ATTR = "__fncall_tool__"
_ACCEPTED = (
    "a Tool, a pydantic model class, a typed function (or anything made by @tool), "
    'an OpenAI spec {"type": "function", "function": {...}}, '
    "or a {name, description, parameters} dict (JSON Schema or Gorilla dialect)"
)


# --- Google-style docstrings ------------------------------------------------------------------------

_ARG_SECTIONS = frozenset(
    {"args", "arguments", "attributes", "parameters", "params", "keyword_args", "other_parameters"}
)
_OTHER_SECTIONS = {"returns", "return", "yields", "raises", "example", "examples", "note", "notes"}
_SECTIONS = _ARG_SECTIONS | _OTHER_SECTIONS | {"see_also", "warning", "warnings", "todo", "references"}
_HEADER = re.compile(r"^\s*([A-Za-z][A-Za-z ]*):\s*$")
_ITEM = re.compile(r"^\*{0,2}([A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def _parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
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
        summary, arg_docs = _parse_docstring(doc)
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
_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_MANY = ("anyOf", "oneOf", "allOf", "prefixItems")
_NAMED = ("properties", "patternProperties", "dependentSchemas")
_NULL = {"type": "null"}


def _clean_schema(raw: dict[str, Any], owner: str) -> dict[str, Any]:
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
        if key in _ONE and isinstance(value, dict):
            out[key] = _inline(value, defs, stack, owner)
        elif key in _MANY and isinstance(value, list):
            out[key] = [_inline(sub, defs, stack, owner) if isinstance(sub, dict) else sub for sub in value]
        elif key in _NAMED and isinstance(value, dict):
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


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _make_tool(name: Any, description: Any, parameters: Any, source: str, hint: str = "") -> Tool:
    try:
        return Tool(name=name, description=description, parameters=parameters)
    except ValidationError as exc:
        raise FncallError(f"{source}: " + "; ".join(describe_validation_error(exc)) + hint) from None


def _model_json_schema(model: type[BaseModel], owner: str, noun: str = "field") -> dict[str, Any]:
    try:
        return model.model_json_schema(schema_generator=_ToolSchemaGenerator)
    except PydanticUserError as exc:  # a type with no JSON form, e.g. a callable: find whose it is
        for field_name, info in model.model_fields.items():
            annotation: Any = info.annotation
            try:
                TypeAdapter(annotation).json_schema()
            except PydanticUserError:
                raise FncallError(
                    f"{owner}: {noun} {info.alias or field_name!r} has no JSON Schema ({_first_line(exc)}); "
                    "use JSON-like types (str, int, list[...], a BaseModel, ...)"
                ) from None
        raise FncallError(f"{owner}: cannot build a JSON Schema: {_first_line(exc)}") from None


# --- Models and functions ---------------------------------------------------------------------------


def tool_from_model(
    model_cls: type[BaseModel], *, name: str | None = None, description: str | None = None
) -> Tool:
    """Build a tool from a Pydantic v2 model class: its fields are the tool's arguments.

    The name is ``name``, else a ``__tool_name__`` class attribute, else the class name in snake_case;
    the description is ``description``, else the docstring up to its first section (``Args:``...).

    Example:
        >>> class GetWeather(BaseModel):
        ...     '''Current weather.'''
        ...     city: str
        >>> tool_from_model(GetWeather).parameters
        {'properties': {'city': {'type': 'string'}}, 'required': ['city'], 'type': 'object'}
    """
    if not (isinstance(model_cls, type) and issubclass(model_cls, BaseModel)):
        raise FncallError(f"tool_from_model needs a pydantic BaseModel subclass, got {model_cls!r}")
    owner = f"model {model_cls.__name__}"
    tool_name = name or vars(model_cls).get("__tool_name__") or _snake(model_cls.__name__)
    if description is None:
        description, _ = _parse_docstring(vars(model_cls).get("__doc__"))
    parameters = _clean_schema(_model_json_schema(model_cls, owner), owner)
    return _make_tool(tool_name, description, parameters, owner)


def tool_from_function(
    fn: Callable[..., Any], *, name: str | None = None, description: str | None = None
) -> Tool:
    """Build a tool from a typed function: its signature and its Google-style docstring.

    Parameters without a default are required; ``Args:`` lines describe the parameters.

    Example:
        >>> def get_weather(city: str, days: int = 1) -> str:
        ...     '''Forecast for a city.
        ...
        ...     Args:
        ...         city: The city name.
        ...     '''
        ...     return "sunny"
        >>> tool_from_function(get_weather).parameters["required"]
        ['city']
    """
    model, _ = _signature_model(fn)
    owner = f"function {_callable_name(fn)!r}"
    if description is None:
        description, _ = _parse_docstring(getattr(fn, "__doc__", None))
    parameters = _clean_schema(_model_json_schema(model, owner, "parameter"), owner)
    return _make_tool(name or _callable_name(fn), description, parameters, owner)


def _callable_name(fn: Any) -> str:
    return str(getattr(fn, "__name__", type(fn).__name__))


def _signature_model(fn: Callable[..., Any]) -> tuple[type[BaseModel], dict[str, str]]:
    """A pydantic model of the function's parameters, and its field names -> parameter names.

    Fields are called p0, p1, ... with the parameter name as alias, so that parameters named like
    BaseModel attributes (``json``, ``copy``, ``schema``) or starting with "_" still work.
    """
    owner = f"function {_callable_name(fn)!r}"
    if isinstance(fn, type) or not callable(fn):
        raise FncallError(f"{owner}: expected a function, got {fn!r}")
    try:
        signature = inspect.signature(fn)
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:  # unresolvable string annotations raise whatever their names raise
        raise FncallError(f"{owner}: cannot read its signature: {type(exc).__name__}: {exc}") from None
    _, arg_docs = _parse_docstring(getattr(fn, "__doc__", None))
    fields: dict[str, Any] = {}
    names: dict[str, str] = {}
    for index, param in enumerate(signature.parameters.values()):
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            star = "*" if param.kind is param.VAR_POSITIONAL else "**"
            raise FncallError(
                f"{owner}: parameter {star}{param.name} is not allowed; a tool takes named arguments, "
                "so list each one as its own typed parameter"
            )
        if param.kind is param.POSITIONAL_ONLY:
            raise FncallError(
                f"{owner}: parameter {param.name!r} is positional-only; tools are called by keyword, "
                "so remove the '/'"
            )
        if param.name not in hints:
            raise FncallError(
                f"{owner}: parameter {param.name!r} has no type hint; annotate it, e.g. {param.name}: str"
            )
        default = ... if param.default is param.empty else param.default
        key = f"p{index}"
        fields[key] = (
            hints[param.name],
            Field(default, alias=param.name, description=arg_docs.get(param.name)),
        )
        names[key] = param.name
    try:
        # extra="forbid": a function cannot take arguments it does not name, and the schema says so.
        model = create_model(
            f"{_callable_name(fn)}_arguments", __config__=ConfigDict(extra="forbid"), **fields
        )
    except PydanticUserError as exc:
        for key, (hint, _) in fields.items():
            try:
                TypeAdapter(hint)
            except PydanticUserError:
                raise FncallError(
                    f"{owner}: parameter {names[key]!r} has a type pydantic cannot validate ({hint!r}); "
                    "use JSON-like types (str, int, list[...], a BaseModel, ...)"
                ) from None
        raise FncallError(f"{owner}: {_first_line(exc)}") from None
    return model, names


# --- Specs as dicts -----------------------------------------------------------------------------------


def tool_from_json_schema(schema: dict[str, Any], *, name: str, description: str = "") -> Tool:
    """Wrap a JSON Schema (Draft 2020-12, ``"type": "object"``) for the arguments as a tool.

    Example:
        >>> schema = {"type": "object", "properties": {"q": {"type": "string"}}}
        >>> tool_from_json_schema(schema, name="search").name
        'search'
    """
    if not isinstance(schema, dict):
        raise FncallError(f"tool {name!r}: the parameters schema must be a JSON object, got {schema!r}")
    hint = (
        " (it looks like the Gorilla dialect: use tool_from_gorilla or to_tool)"
        if _looks_gorilla(schema)
        else ""
    )
    return _make_tool(name, description, copy.deepcopy(schema), f"tool {name!r}", hint)


def tool_from_openai(spec: dict[str, Any]) -> Tool:
    """Build a tool from an OpenAI tool spec, wrapped (``{"type": "function", "function": {...}}``) or bare.

    Missing or empty ``parameters`` mean a tool without arguments.

    Example:
        >>> tool_from_openai({"type": "function", "function": {"name": "now"}}).name
        'now'
    """
    name, description, parameters = _unwrap(spec)
    return tool_from_json_schema(parameters, name=name, description=description)


def tool_from_gorilla(spec: dict[str, Any]) -> Tool:
    """Build a tool from a Gorilla/BFCL function spec, normalising its dialect to JSON Schema.

    Example:
        >>> spec = {"name": "f", "parameters": {"type": "dict", "properties": {"x": {"type": "float"}}}}
        >>> tool_from_gorilla(spec).parameters
        {'type': 'object', 'properties': {'x': {'type': 'number'}}}
    """
    name, description, parameters = _unwrap(spec)
    try:
        converted = gorilla_to_json_schema(parameters)
    except FncallError as exc:
        raise FncallError(f"tool {name!r}: {exc}") from None
    return _make_tool(name, description, converted, f"tool {name!r}")


def _unwrap(spec: Any) -> tuple[str, str, dict[str, Any]]:
    """(name, description, parameters) of a wrapped or bare spec."""
    if not isinstance(spec, dict):
        raise FncallError(f"a tool spec must be a JSON object, got {type(spec).__name__}")
    wrapped = isinstance(spec.get("function"), dict) and "name" not in spec
    body: dict[str, Any] = spec["function"] if wrapped else spec
    name = body.get("name")
    if not isinstance(name, str):
        raise FncallError(f"a tool spec needs a string 'name'; got keys {sorted(body)}")
    description = body.get("description") or ""
    if not isinstance(description, str):
        raise FncallError(f"tool {name!r}: 'description' must be a string, got {description!r}")
    parameters = body.get("parameters") or {"type": "object", "properties": {}}
    if not isinstance(parameters, dict):
        raise FncallError(f"tool {name!r}: 'parameters' must be a JSON object, got {parameters!r}")
    return name, description, parameters


def _looks_gorilla(schema: Any, top: bool = True) -> bool:
    """Whether a schema uses a Gorilla-only type name (or, at the top, has properties but no type)."""
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if any(isinstance(k, str) and k.lower() in GORILLA_ONLY_TYPES for k in kinds):
        return True
    if top and "type" not in schema and "properties" in schema:
        return True
    subs: list[Any] = [schema.get(key) for key in _ONE]
    subs += [sub for key in _MANY for sub in schema.get(key) or []]
    subs += [sub for key in _NAMED for sub in (schema.get(key) or {}).values()]
    return any(_looks_gorilla(sub, top=False) for sub in subs)


# --- One entry point, the decorator, implementations ------------------------------------------------------


def to_tool(obj: Any) -> Tool:
    """Turn anything that describes a tool into a :class:`Tool`.

    Accepts a Tool, a pydantic model class, a typed function, anything made by ``@tool``, an OpenAI
    spec, or a bare ``{name, description, parameters}`` dict (the Gorilla dialect is detected).

    Example:
        >>> to_tool({"name": "f", "parameters": {"type": "dict", "properties": {}}}).parameters
        {'type': 'object', 'properties': {}}
    """
    if isinstance(obj, Tool):
        return obj
    attached = _attached(obj)
    if attached is not None:
        return attached
    if isinstance(obj, type) and issubclass(obj, BaseModel):
        return tool_from_model(obj)
    if isinstance(obj, dict):
        name, description, parameters = _unwrap(obj)
        if _looks_gorilla(parameters):
            return tool_from_gorilla({"name": name, "description": description, "parameters": parameters})
        return tool_from_json_schema(parameters, name=name, description=description)
    if callable(obj) and not isinstance(obj, type):
        return tool_from_function(obj)
    raise FncallError(f"cannot make a tool from {_short(obj)}; expected {_ACCEPTED}")


@overload
def tool(obj: _T, /) -> _T: ...
@overload
def tool(*, name: str | None = None, description: str | None = None) -> Callable[[_T], _T]: ...
def tool(obj: Any = None, /, *, name: str | None = None, description: str | None = None) -> Any:
    """Mark a function or a pydantic model class as a tool; it is returned unchanged.

    The built :class:`Tool` is stored on it as ``__fncall_tool__`` (read it with :func:`tool_of`).

    Example:
        >>> @tool(name="weather")
        ... def get_weather(city: str) -> str:
        ...     return "sunny"
        >>> tool_of(get_weather).name, get_weather("Paris")
        ('weather', 'sunny')
    """

    def attach(target: _T) -> _T:
        if isinstance(target, type) and issubclass(target, BaseModel):
            built = tool_from_model(target, name=name, description=description)
        elif callable(target) and not isinstance(target, type):
            built = tool_from_function(target, name=name, description=description)
        else:
            raise FncallError(f"@tool decorates a function or a pydantic model class, not {_short(target)}")
        try:
            setattr(target, _ATTR, built)
        except AttributeError:
            raise FncallError(
                f"@tool cannot store the tool on {_short(target)}; decorate a plain function"
            ) from None
        return target

    return attach if obj is None else attach(obj)


def tool_of(obj: object) -> Tool:
    """The tool that ``@tool`` attached to a function or model class.

    Example:
        >>> @tool
        ... def ping() -> str:
        ...     return "pong"
        >>> tool_of(ping).name
        'ping'
    """
    found = _attached(obj)
    if found is None:
        raise FncallError(f"{_short(obj)} has no tool attached; decorate it with @tool or use to_tool()")
    return found


def _attached(obj: object) -> Tool | None:
    # A class's own dict only: a subclass of a decorated model is a different tool.
    found = vars(obj).get(_ATTR) if isinstance(obj, type) else getattr(obj, _ATTR, None)
    return found if isinstance(found, Tool) else None


def implementation_of(obj: object) -> Callable[[dict[str, Any]], Any] | None:
    """A callable that runs the tool on an arguments dict, or None when ``obj`` has no implementation.

    A function is called with the validated arguments as keywords (nested models, enums and dates
    arrive as their Python types); a model class is built from the arguments and its ``run()`` (or
    ``__call__``) is called.

    Raises:
        FncallError: from the returned callable, when the arguments do not fit the parameters.

    Example:
        >>> def add(a: int, b: int = 1) -> int:
        ...     return a + b
        >>> implementation_of(add)({"a": 2})
        3
    """
    if isinstance(obj, type):
        return _model_runner(obj) if issubclass(obj, BaseModel) else None
    if isinstance(obj, Tool | dict) or not callable(obj):
        return None
    fn = cast("Callable[..., Any]", obj)
    model, names = _signature_model(fn)
    attached = _attached(fn)
    label = f"tool {attached.name if attached else _callable_name(fn)!r}"

    def call(arguments: dict[str, Any]) -> Any:
        parsed = _validate(model, arguments, label)
        # Only the arguments given: the function applies its own defaults to the rest.
        return fn(**{names[key]: getattr(parsed, key) for key in parsed.model_fields_set})

    return call


def _model_runner(cls: type[BaseModel]) -> Callable[[dict[str, Any]], Any] | None:
    own = [klass for klass in cls.__mro__ if klass not in (BaseModel, object)]
    if callable(getattr(cls, "run", None)):
        method = "run"
    elif any("__call__" in vars(klass) for klass in own):
        method = "__call__"
    else:
        return None
    label = f"tool {to_tool(cls).name!r}"

    def call(arguments: dict[str, Any]) -> Any:
        return getattr(_validate(cls, arguments, label), method)()

    return call


def _validate(model: type[BaseModel], arguments: Any, label: str) -> BaseModel:
    if not isinstance(arguments, dict):
        raise FncallError(f"{label}: the arguments must be a JSON object, got {_short(arguments)}")
    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        raise FncallError(f"{label}: bad arguments: " + "; ".join(describe_validation_error(exc))) from None


def _short(obj: object, limit: int = 80) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- Loading many -------------------------------------------------------------------------------------

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
