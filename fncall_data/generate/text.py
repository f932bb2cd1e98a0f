"""Words around the values: query templates, how values are spoken, answers, questions and reasoning.

A template is text with ``{param}`` slots and ``[...]`` segments that may be dropped together with
their slots. :func:`surface` says a value the way a person would ("Fahrenheit", "March 4, 2026",
"2 USB-C hubs"); :func:`surfaces` lists every way a value may appear, which the grounding check in
:mod:`fncall_data.generate.verify` searches for.
"""

from __future__ import annotations

import datetime
import functools
import random
import re
from dataclasses import dataclass
from typing import Any

from fncall_data.generate.spec import ToolSpec

__all__ = [
    "VERBS",
    "Template",
    "answer_text",
    "ask_text",
    "generic_templates",
    "humanize",
    "join_words",
    "lower_first",
    "parse_template",
    "surface",
    "surfaces",
]

_SLOT = re.compile(r"\{(\w+)\}")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip


@dataclass(frozen=True)
class Template:
    """A parsed template: segments of (optional?, text), and the slots of each."""

    text: str
    segments: tuple[tuple[bool, str, tuple[str, ...]], ...]

    @property
    def slots(self) -> set[str]:
        return {slot for _, _, slots in self.segments for slot in slots}

    def fixed_slots(self) -> set[str]:
        """Slots outside any [...] segment: always stated."""
        return {slot for optional, _, slots in self.segments if not optional for slot in slots}


@functools.lru_cache(maxsize=4096)
def parse_template(text: str) -> Template:
    """Split a template into segments.

    Example:
        >>> [s[0] for s in parse_template("Weather in {city}[ in {unit}]?").segments]
        [False, True, False]
    """
    segments: list[tuple[bool, str, tuple[str, ...]]] = []
    for piece in re.split(r"(\[[^\]]*\])", text):
        if not piece:
            continue
        optional = piece.startswith("[")
        body = piece[1:-1] if optional else piece
        segments.append((optional, body, tuple(_SLOT.findall(body))))
    return Template(text, tuple(segments))


def render(template: Template, keep: set[str], spoken: dict[str, str]) -> str:
    """The template's text with the segments whose slots are all in ``keep``, slots filled."""
    out: list[str] = []
    for optional, body, slots in template.segments:
        if optional and not all(slot in keep for slot in slots):
            continue
        out.append(_SLOT.sub(lambda m: spoken[m.group(1)], body))
    text = re.sub(r"\s{2,}", " ", "".join(out)).strip()
    return re.sub(r'([?!.])(["\u201d])[?.]', r"\1\2", text)  # 'say "Hi?"?' -> 'say "Hi?"'


def humanize(name: str) -> str:
    """``get_stock_quote`` -> ``get stock quote``."""
    return re.sub(r"[_\-.:]+", " ", name).strip()


def lower_first(text: str) -> str:
    """ "Get the weather" -> "get the weather"; "IATA code" stays as it is."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def join_words(items: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def date_forms(text: str) -> list[str]:
    """Ways to write an ISO date: 2026-03-04, March 4, 2026, 4 March 2026."""
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return [text]
    month = _MONTHS[day.month - 1]
    return [text, f"{month} {day.day}, {day.year}", f"{day.day} {month} {day.year}"]


def surface(
    spec: ToolSpec, name: str, value: Any, rng: random.Random, schema: dict[str, Any] | None = None
) -> str:
    """How a person states ``value`` for parameter ``name`` (one choice among :func:`surfaces`)."""
    schema = spec.properties.get(name, {}) if schema is None else schema
    say = spec.say.get(name)
    if isinstance(value, list):
        item_schema = schema.get("items", {})
        return join_words([_item_surface(spec, name, say, item, rng, item_schema) for item in value])
    return _item_surface(spec, name, say, value, rng, schema)


def _item_surface(
    spec: ToolSpec, name: str, say: Any, value: Any, rng: random.Random, schema: dict[str, Any]
) -> str:
    if isinstance(say, dict) and _hashable(value) and value in say:
        return str(say[value])
    if isinstance(value, dict):
        props = schema.get("properties", {})
        spoken = {key: surface(spec, key, sub, rng, props.get(key, {})) for key, sub in value.items()}
        if isinstance(say, str):
            try:
                return say.format_map(spoken)
            except KeyError:
                pass
        return ", ".join(f"{humanize(key)} {text}" for key, text in spoken.items())
    if isinstance(say, str) and "{}" in say:
        return say.format(_plain(value))
    if isinstance(value, bool):
        return f"with {humanize(name)}" if value else f"without {humanize(name)}"
    if isinstance(value, int | float):
        return _number_text(value)
    text = str(value)
    if schema.get("format") == "date":
        return rng.choice(date_forms(text))
    if "enum" in schema:
        return text.replace("_", " ")
    return text


def _plain(value: Any) -> Any:
    return _number_text(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _hashable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def surfaces(spec: ToolSpec, name: str, value: Any, schema: dict[str, Any]) -> list[str]:
    """Every written form of a scalar value that counts as stating it."""
    say = spec.say.get(name)
    forms: list[str] = []
    if isinstance(say, dict) and _hashable(value) and value in say:
        forms.append(str(say[value]))
    if isinstance(say, str) and "{}" in say and not isinstance(value, dict | list):
        forms.append(say.format(_plain(value)))
    if isinstance(value, bool):
        forms += [f"with {humanize(name)}", f"without {humanize(name)}"][0 if value else 1 :][:1]
    elif isinstance(value, int | float):
        forms.append(_number_text(value))
    elif isinstance(value, str):
        forms += date_forms(value) if schema.get("format") == "date" else [value, value.replace("_", " ")]
    return forms


VERBS = frozenset(
    [
        "get",
        "find",
        "search",
        "convert",
        "send",
        "create",
        "list",
        "book",
        "calculate",
        "check",
        "look",
        "translate",
        "set",
        "add",
        "delete",
        "update",
        "show",
        "fetch",
        "compute",
        "lookup",
        "schedule",
        "cancel",
        "track",
        "post",
        "make",
        "generate",
        "estimate",
        "play",
        "open",
        "read",
        "write",
        "start",
        "stop",
        "remove",
        "order",
        "reserve",
        "buy",
        "sell",
        "transfer",
        "pay",
        "query",
        "count",
        "summarize",
        "analyze",
    ]
)


def generic_templates(spec: ToolSpec, stated: list[str]) -> list[str]:
    """Templates for a tool without phrasings, stating the parameters ``stated``, from its description."""
    description = (spec.tool.description or humanize(spec.name)).strip().split("\n")[0].rstrip(".")
    first, _, rest = description.partition(" ")
    args = join_words([f"{humanize(param)} {{{param}}}" for param in stated])
    if first.lower() in VERBS:
        what = first.lower() + (" " + rest if rest else "")
        frames = [
            f"Could you {what}? Use {args}.",
            f"Please {what} with {args}.",
            f"I need you to {what}: {args}.",
        ]
    else:
        what = lower_first(description)
        frames = [f"I need the {what} for {args}.", f"What's the {what}? {args[:1].upper() + args[1:]}.",
                  f"Can you look up the {what} with {args}?"]  # fmt: skip
    return frames if stated else [frame.split("?")[0] + "?" if "?" in frame else frame for frame in frames]


def answer_text(spec: ToolSpec, spoken: dict[str, str], result: Any, rng: random.Random) -> str:
    """The grounded final answer: an author template filled with the result, or a generic summary."""
    defaults = {key: sub.get("default") for key, sub in spec.properties.items() if "default" in sub}
    values: dict[str, Any] = {**defaults, **(result if isinstance(result, dict) else {}), **spoken}
    values = {key: _plain(value) for key, value in values.items()}
    for template in rng.sample(list(spec.answers), len(spec.answers)):
        try:
            return template.format_map(values)
        except (KeyError, IndexError, ValueError):
            continue
    return _generic_answer(spec, result, rng)


def _generic_answer(spec: ToolSpec, result: Any, rng: random.Random) -> str:
    if isinstance(result, dict):
        parts = [
            f"{humanize(key)} is {_plain(value)}"
            for key, value in result.items()
            if isinstance(value, str | int | float | bool)
        ][:4]
        if parts:
            opener = rng.choice(["Here's what I found: ", "Done. ", f"{humanize(spec.name).capitalize()}: "])
            body = join_words(parts)
            return opener + (body[:1].upper() + body[1:] if opener == "Done. " else body) + "."
        return f"{humanize(spec.name).capitalize()} returned {len(result)} fields; all done."
    if isinstance(result, list):
        return f"I found {len(result)} results."
    return f"The result is {_plain(result)}."


def ask_text(spec: ToolSpec, param: str, rng: random.Random) -> str:
    """The assistant's question for a missing required value."""
    if param in spec.ask:
        return spec.ask[param]
    words = humanize(param)
    description = spec.properties.get(param, {}).get("description", "").rstrip(".")
    # A description that only repeats the name ("The year.") adds nothing to the question.
    said = set(re.findall(r"[a-z]+", description.lower())) - {"the", "a", "an", "line", "name", "of"}
    adds = description and not set(words.lower().split()) >= said
    hint = f" ({lower_first(description)})" if adds else ""
    return rng.choice([
        f"I can do that, but I need the {words}{hint} first. What should it be?",
        f"Which {words} should I use{hint}?",
        f"Could you tell me the {words}{hint}?",
    ])  # fmt: skip
