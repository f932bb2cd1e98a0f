"""Planning one call: a template, the values it states, the query text, and the tool's result.

A :class:`CallPlan` is everything a builder needs about one call: the arguments (only those the
query states; the rest keep their defaults), how each was spoken, and the query. :func:`execute`
runs the implementation (or synthesises a result from the declared return type).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from fncall_data.generate.pools import NoValue, sample_value, synthesize
from fncall_data.generate.spec import ToolSpec
from fncall_data.generate.text import Template, generic_templates, parse_template, render, surface

__all__ = ["BuildError", "CallPlan", "execute", "missing_candidates", "plan_call", "plan_with", "stated_twin"]


class BuildError(Exception):
    """A candidate could not be built; the reason goes into the rejects."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class CallPlan:
    """One planned call and the words that ask for it."""

    spec: ToolSpec
    args: dict[str, Any]
    spoken: dict[str, str]
    query: str
    missing: str | None = None
    result: Any = None
    has_result: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _full_templates(spec: ToolSpec) -> list[Template]:
    required = set(spec.required)
    return [t for t in map(parse_template, spec.phrasings) if required <= t.slots]


def missing_candidates(spec: ToolSpec) -> list[tuple[Template, str]]:
    """(template, required parameter) pairs where the parameter sits in a droppable segment alone."""
    return [(template, name) for template, name, _ in _missing_phrasings(spec)]


def _missing_phrasings(spec: ToolSpec) -> list[tuple[Template, str, Template]]:
    """As :func:`missing_candidates`, each with the template it came from, which states the parameter."""
    required = set(spec.required)
    if not spec.phrasings:
        return [(parse_template(""), name, parse_template("")) for name in spec.required]
    out = []
    for template in map(parse_template, spec.phrasings):
        if not required <= template.slots:
            continue
        droppable = set()
        for optional, _, slots in template.segments:
            needed = [slot for slot in slots if slot in required]
            if optional and len(needed) == 1:
                out.append((template, needed[0], template))
                droppable.add(needed[0])
        for name in sorted(required - droppable):
            derived = _without(template.text, name)
            if derived is not None:
                out.append((parse_template(derived), name, template))
    return out


_LEAD = r"\s+(?:in|for|to|from|on|at|about|with|into|called|titled|named)\s+"


def _without(text: str, name: str) -> str | None:
    """The template without a fixed slot and its lead word ("weather in {city} now" -> "weather now").

    Only a slot after a lead word and before a space or end punctuation is taken out, so that what is
    left still reads as a sentence; anything else gives None.
    """
    slot = "{" + name + "}"
    if text.count(slot) != 1:
        return None
    out, count = re.subn(
        _LEAD
        + '"?'
        + re.escape(slot)
        + '"?'
        + r"(?=[.,?!\[]|$|\s+(?:in|for|to|from|on|at|with|by|right|today|please)\b)",
        "",
        text,
    )
    if count != 1:
        return None
    return re.sub(r"\s+([,.?!])", r"\1", out).strip()


def _sample_args(
    spec: ToolSpec, names: list[str], rng: random.Random, avoid: dict[str, Any]
) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for name in spec.properties:
        if name not in names:
            continue
        schema = spec.properties[name]
        value = None
        for _ in range(6):
            try:
                value = sample_value(name, schema, rng, spec.pools)
            except NoValue:
                if name in spec.required:
                    raise
                break  # an optional value with no realistic pool is simply not stated
            clash = isinstance(value, str) and value in args.values()
            if not clash and value != avoid.get(name):
                break
        if value is not None:
            args[name] = value
    return args


def plan_call(
    spec: ToolSpec, rng: random.Random, *, missing: bool = False, avoid: dict[str, Any] | None = None
) -> CallPlan:
    """Choose a template and values for one call of ``spec``.

    With ``missing``, one required value is left out of the query (and of the arguments).

    Raises:
        BuildError: no template fits, or a value could not be sampled.
    """
    required = set(spec.required)
    dropped: str | None = None
    full: Template | None = None  # with ``missing``: the template that states the dropped value too
    if missing:
        pairs = _missing_phrasings(spec)
        if not pairs:
            raise BuildError("no_missing_phrasing", spec.name)
        template, dropped, full = rng.choice(pairs)
    elif spec.phrasings:
        candidates = _full_templates(spec)
        if not candidates:
            raise BuildError("no_phrasing", f"{spec.name}: no phrasing states every required parameter")
        template = rng.choice(candidates)
    else:
        template = parse_template("")
    if not spec.phrasings:
        optional = [name for name in spec.properties if name not in required]
        stated = [
            name for name in spec.properties if name in required or (name in optional and rng.random() < 0.3)
        ]
        frames = generic_templates(spec, [name for name in stated if name != dropped])
        index = rng.randrange(len(frames))
        template = parse_template(frames[index])
        if dropped is not None:  # the same frame, stating the dropped value among the others
            full = parse_template(generic_templates(spec, stated)[index])
        keep = {name for name in stated if name != dropped}
    else:
        keep = set()
        for optional_segment, _, slots in template.segments:
            if dropped in slots:
                continue
            if not optional_segment or any(slot in required for slot in slots) or rng.random() < 0.45:
                keep.update(slots)
    try:
        args = _sample_args(spec, [name for name in spec.properties if name in keep], rng, avoid or {})
    except NoValue as exc:
        raise BuildError("no_value", str(exc)) from None
    plan = plan_with(spec, template, args, rng, missing=dropped)
    if full is not None:
        plan.extra["full_template"] = full
    return plan


def stated_twin(plan: CallPlan, rng: random.Random) -> CallPlan:
    """The plan of a missing-value request with that value stated: the same words, one phrase more.

    Raises:
        BuildError: the plan leaves nothing out, or no value could be sampled for it.
    """
    spec, name = plan.spec, plan.missing
    if name is None or "full_template" not in plan.extra:
        raise BuildError("no_twin", f"{spec.name}: the request leaves no value out")
    try:
        value = _sample_args(spec, [name], rng, {})[name]
    except (NoValue, KeyError) as exc:
        raise BuildError("no_value", f"{spec.name}.{name}: {exc}") from None
    args = {
        key: (value if key == name else plan.args[key])
        for key in spec.properties
        if key in plan.args or key == name
    }
    spoken = {**plan.spoken, name: surface(spec, name, value, rng)}
    query = render(plan.extra["full_template"], set(args), spoken)
    if spoken[name] not in query:
        raise BuildError("no_twin", f"{spec.name}: the phrasing does not state {name}")
    twin = CallPlan(spec=spec, args=args, spoken=spoken, query=query[:1].upper() + query[1:])
    twin.extra["template"] = plan.extra["full_template"]
    return twin


def plan_with(
    spec: ToolSpec,
    template: Template,
    args: dict[str, Any],
    rng: random.Random,
    *,
    missing: str | None = None,
) -> CallPlan:
    """A plan for given arguments, rendered through ``template``."""
    spoken = {name: surface(spec, name, value, rng) for name, value in args.items()}
    query = render(template, set(args), spoken)
    plan = CallPlan(spec=spec, args=args, spoken=spoken, query=query[:1].upper() + query[1:], missing=missing)
    plan.extra["template"] = template
    return plan


def execute(plan: CallPlan) -> None:
    """Run the tool for the plan; store the JSON-ready result (or none when the tool has no backend).

    Raises:
        BuildError: the implementation raised; the record is rejected with its message.
    """
    spec = plan.spec
    if spec.run is not None:
        try:
            result = spec.run(dict(plan.args))
        except Exception as exc:  # a failing implementation rejects the record, with its reason
            raise BuildError("execution_error", f"{spec.name}: {type(exc).__name__}: {exc}") from None
        plan.result, plan.has_result = to_json_value(result), True
    elif spec.returns is not None:
        key = json.dumps([spec.name, plan.args], sort_keys=True, default=str)
        seed = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
        plan.result, plan.has_result = synthesize(spec.returns, random.Random(seed)), True


def to_json_value(value: Any) -> Any:
    """A tool's return value as plain JSON data (models dumped, dates as text)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if _plain_json(value):
        return value  # the common case: already JSON data, no copy needed
    return json.loads(json.dumps(value, default=str))


def _plain_json(value: Any) -> bool:
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, list):
        return all(_plain_json(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain_json(item) for key, item in value.items())
    return False
