"""Tools as short text blocks for prompts: a name line, then one line per parameter.

The JSON Schema of a tool costs about 128 tokens with Gemma's tokenizer for a tool of the bundled
catalog; this form says the same in about 76, and the prompt is most of what a small model reads
while it trains on a CPU budget. Example of the block for a forecast tool::

    get_forecast: Daily weather forecast for a city.
    - city (string, required): City name.
    - days (integer, minimum 1, maximum 7, default 3): Number of days to forecast.
    - unit ("celsius" | "fahrenheit", default "celsius"): Temperature unit.

A parameter whose schema has no short form (an object, an array of objects, ``anyOf``...) shows its
schema as JSON instead, so nothing in the schema is left out. :data:`TOOL_TEXT_MACRO` is the same
rendering as a Jinja macro, for the chat templates; tests check that both agree.
"""

from __future__ import annotations

from typing import Any

from fncall_data.profiles.chat import canonical_json
from fncall_data.types import Tool

__all__ = ["TOOL_TEXT_MACRO", "tool_text"]

_SIMPLE = ("string", "integer", "number", "boolean", "null")
# keys the short form states in its own way; every other keyword is written as "key value"
_SHOWN = ("type", "description", "enum", "default", "title")
# top-level keys of the parameters object that the parameter lines already say
_TOP = ("type", "properties", "required", "title", "description")


def tool_text(tool: Tool) -> str:
    """``tool`` as a name line and one line per parameter (see the module docstring).

    Example:
        >>> t = Tool(name="add", description="Add two numbers.", parameters={"type": "object",
        ...     "properties": {"a": {"type": "integer"}, "b": {"type": "integer", "default": 1}},
        ...     "required": ["a"]})
        >>> print(tool_text(t))
        add: Add two numbers.
        - a (integer, required)
        - b (integer, default 1)
    """
    schema = tool.parameters
    lines = [f"{tool.name}: {tool.description}" if tool.description else tool.name]
    required = schema.get("required") or []
    for name, prop in (schema.get("properties") or {}).items():
        lines.append(_parameter(name, prop, name in required))
    rest = [f"{key} {canonical_json(value)}" for key, value in schema.items() if key not in _TOP]
    if rest:
        lines.append(f"({', '.join(rest)})")
    return "\n".join(lines)


def _parameter(name: str, prop: Any, required: bool) -> str:
    if not isinstance(prop, dict):
        return f"- {name} ({canonical_json(prop)})"
    short = _short_type(prop)
    if short is None:
        # no short form: the schema itself, less what the line says apart
        parts = [canonical_json({k: v for k, v in prop.items() if k not in ("description", "default")})]
    else:
        parts = [short]
        parts += [f"{k} {canonical_json(v)}" for k, v in prop.items() if k not in _SHOWN and k != "items"]
    if required:
        parts.append("required")
    if "default" in prop:
        parts.append(f"default {canonical_json(prop['default'])}")
    line = f"- {name} ({', '.join(parts)})"
    description = prop.get("description")
    return f"{line}: {description}" if description else line


def _short_type(prop: dict[str, Any]) -> str | None:
    """``"a" | "b"``, ``integer``, ``string | null``, ``array of string``; None when there is none."""
    if "enum" in prop:
        enum = prop["enum"]
        return " | ".join(canonical_json(v) for v in enum) if isinstance(enum, list) and enum else None
    kind = prop.get("type")
    if "items" in prop and kind != "array":
        return None
    if isinstance(kind, str) and kind in _SIMPLE:
        return kind
    if isinstance(kind, list) and kind and all(isinstance(k, str) and k in _SIMPLE for k in kind):
        return " | ".join(kind)
    items = prop.get("items")
    if kind == "array" and isinstance(items, dict) and list(items) == ["type"] and items["type"] in _SIMPLE:
        return f"array of {items['type']}"
    return None


def _jinja_tuple(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


# The Jinja twin of tool_text. Dicts cannot be changed in the sandbox transformers renders with, so the
# JSON fallback writes its own braces, with json.dumps' default separators like canonical_json.
TOOL_TEXT_MACRO = "".join(
    [
        "{% macro fncall_short_type(p) %}",
        "{% if p.enum is defined %}",
        "{% if p.enum is sequence and p.enum is not string and p.enum is not mapping %}",
        "{% for v in p.enum %}{{ (' | ' if not loop.first else '') + (v | tojson) }}{% endfor %}{% endif %}",
        "{% elif 'items' in p and p.type != 'array' %}",
        "{% elif p.type is string and p.type in " + _jinja_tuple(_SIMPLE) + " %}{{ p.type }}",
        "{% elif p.type is defined and p.type is sequence and p.type is not string and p.type | length > 0"
        " and (p.type | reject('in', " + _jinja_tuple(_SIMPLE) + ") | list | length == 0) %}"
        "{{ p.type | join(' | ') }}",
        "{% elif p.type == 'array' and 'items' in p and p['items'] is mapping and p['items'] | length == 1"
        " and p['items'].type is defined and p['items'].type in " + _jinja_tuple(_SIMPLE) + " %}",
        "{{ 'array of ' + p['items'].type }}",
        "{% endif %}",
        "{% endmacro %}",
        "{% macro fncall_tool_text(fn) %}",
        "{{ fn.name }}{% if fn.description %}{{ ': ' + fn.description }}{% endif %}",
        "{% set params = fn.parameters | default({}) %}",
        "{% set required = params.required | default([]) or [] %}",
        "{% for name, p in (params.properties | default({}) or {}).items() %}",
        "{{ '\\n- ' + name + ' (' }}",
        "{% if p is not mapping %}{{ p | tojson }}",
        "{% else %}",
        "{% set short = fncall_short_type(p) %}",
        "{% if short == '' %}{{ '{' }}",
        "{% for k, v in p.items() if k not in ['description', 'default'] %}"
        "{{ (', ' if not loop.first else '') + (k | tojson) + ': ' + (v | tojson) }}{% endfor %}",
        "{{ '}' }}",
        "{% else %}{{ short }}",
        "{% for k, v in p.items() if k not in " + _jinja_tuple((*_SHOWN, "items")) + " %}"
        "{{ ', ' + k + ' ' + (v | tojson) }}{% endfor %}",
        "{% endif %}",
        "{% if name in required %}{{ ', required' }}{% endif %}",
        "{% if p.default is defined %}{{ ', default ' + (p.default | tojson) }}{% endif %}",
        "{% endif %}",
        "{{ ')' }}",
        "{% if p is mapping and p.description %}{{ ': ' + p.description }}{% endif %}",
        "{% endfor %}",
        "{% set rest = namespace(parts=[]) %}",
        "{% for k, v in params.items() if k not in " + _jinja_tuple(_TOP) + " %}",
        "{% set rest.parts = rest.parts + [k + ' ' + (v | tojson)] %}{% endfor %}",
        "{% if rest.parts %}{{ '\\n(' + rest.parts | join(', ') + ')' }}{% endif %}",
        "{% endmacro %}",
    ]
)
