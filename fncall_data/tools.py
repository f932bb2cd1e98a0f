"""Tools from anything a user has: Pydantic models, typed functions, JSON Schemas, OpenAI or Gorilla specs.

Every path ends in a :class:`fncall_data.types.Tool` whose parameters are a clean, self-contained
JSON Schema: nested models are inlined (no ``$ref``, no ``$defs``), pydantic's ``title`` keys are
gone (noise in a prompt), and descriptions come from ``Field(description=...)`` or, failing that,
from the Google-style docstring (``Args:`` / ``Attributes:``). :mod:`fncall_data.tool_schema` does
that cleaning and says how optional arguments are written; :mod:`fncall_data.tool_loading` loads
many tools at once (:func:`load_tools`, re-exported here).
"""

from __future__ import annotations

import copy
import inspect
import re
import typing
from collections.abc import Callable
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

from fncall_data.dialects import (
    GORILLA_ONLY_TYPES,
    gorilla_to_json_schema,
    older_to_json_schema,
    uses_older_keywords,
)
from fncall_data.errors import FncallError
from fncall_data.tool_loading import load_tools  # re-exported; no cycle: tool_loading imports us lazily
from fncall_data.tool_schema import (
    SUBSCHEMA_MANY,
    SUBSCHEMA_NAMED,
    SUBSCHEMA_ONE,
    clean_schema,
    first_line,
    model_json_schema,
    parse_docstring,
)
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


# --- Models and functions ---------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _make_tool(name: Any, description: Any, parameters: Any, source: str, hint: str = "") -> Tool:
    try:
        return Tool(name=name, description=description, parameters=parameters)
    except ValidationError as exc:
        raise FncallError(f"{source}: " + "; ".join(describe_validation_error(exc)) + hint) from None


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
        description, _ = parse_docstring(vars(model_cls).get("__doc__"))
    parameters = clean_schema(model_json_schema(model_cls, owner), owner)
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
        description, _ = parse_docstring(getattr(fn, "__doc__", None))
    parameters = clean_schema(model_json_schema(model, owner, "parameter"), owner)
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
    _, arg_docs = parse_docstring(getattr(fn, "__doc__", None))
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
        raise FncallError(f"{owner}: {first_line(exc)}") from None
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
    return _make_tool(name, description, _current(schema, name), f"tool {name!r}", hint)


def _current(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """A copy of ``schema`` in Draft 2020-12: Draft 4/6/7 and OpenAPI 3.0 keywords rewritten."""
    if not uses_older_keywords(schema):
        return copy.deepcopy(schema)
    try:
        return older_to_json_schema(schema)
    except FncallError as exc:
        raise FncallError(f"tool {name!r}: {exc}") from None


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
    return _make_tool(name, description, _current(converted, name), f"tool {name!r}")


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
    subs: list[Any] = [schema.get(key) for key in SUBSCHEMA_ONE]
    subs += [sub for key in SUBSCHEMA_MANY for sub in schema.get(key) or []]
    subs += [sub for key in SUBSCHEMA_NAMED for sub in (schema.get(key) or {}).values()]
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
