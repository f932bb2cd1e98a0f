"""One builder per category: each turns a random generator and the tool set into a draft record.

Every builder states each argument value in the conversation (or leaves it to its default), runs the
tools for their results, and answers from those results. ``answers`` list the acceptable calls of
the scored turn (:func:`fncall_data.turns.evaluated_turn`) in the BFCL style.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fncall_data.generate.calls import BuildError, CallPlan, execute, plan_call, plan_with, stated_twin
from fncall_data.generate.spec import ToolSpec
from fncall_data.generate.text import (
    VERBS,
    answer_text,
    ask_text,
    humanize,
    join_words,
    lower_first,
    parse_template,
    render,
    surface,
)

__all__ = ["BUILDERS", "Draft", "ToolSet", "irrelevant_exchange", "stated_pair"]

SYSTEM_PROMPTS = (
    "You are a helpful assistant with access to tools. Use a tool when it helps; ask if a required value "
    "is missing.",
    "You can call the tools below. Only use values the user gave you.",
    "You are an assistant that can call functions. Call one only when it fits the request.",
)
OFF_TOPIC = (
    ("Tell me a joke about computers.", "Why did the computer go to the doctor? It had a virus!"),
    ("Who wrote Pride and Prejudice?", "Jane Austen wrote Pride and Prejudice; it came out in 1813."),
    ("What's the capital of Canada?", "The capital of Canada is Ottawa."),
    ("How many legs does a spider have?", "A spider has eight legs."),
    ("Can you write a haiku about rain?",
     "Soft rain on the roof,\nthe street lamps blur into gold,\nthe city exhales."),
    ("Who painted The Starry Night?", "Vincent van Gogh painted The Starry Night in 1889."),
    ("Give me a synonym for happy.", "Try \"cheerful\", \"content\" or \"joyful\"."),
    ("Hi there!", "Hello! How can I help you today?"),
    ("What year did the Berlin Wall fall?", "The Berlin Wall fell in 1989."),
    ("What is photosynthesis, in one sentence?",
     "It's how plants use sunlight to turn water and carbon dioxide into sugar and oxygen."),
    ("How do I say no politely to extra work?",
     "Thank them, explain your current priorities, and offer a later date or an alternative."),
    ("What's the boiling point of water at sea level?", "Water boils at 100 °C (212 °F) at sea level."),
    ("Who was the first person to walk on the Moon?", "Neil Armstrong, on July 20, 1969."),
    ("Can you explain what a black hole is?",
     "A region where gravity is so strong that nothing, not even light, can escape it."),
    ("Good morning!", "Good morning! What can I do for you?"),
    ("What's a good name for a golden retriever?", "How about Sunny, Maple or Biscuit?"),
    ("Give me a tip for falling asleep faster.",
     "Keep a fixed bedtime and put screens away half an hour before it."),
    ("What's the difference between weather and climate?",
     "Weather is the day-to-day state of the air; climate is its average over decades."),
    ("How many continents are there?", "There are seven continents."),
    ("Say something encouraging.", "You've handled hard days before, and you'll handle this one too."),
    ("What does HTTP stand for?", "HyperText Transfer Protocol."),
    ("Which planet is closest to the Sun?", "Mercury is the closest planet to the Sun."),
    ("Recommend a classic novel to read.",
     "One Hundred Years of Solitude by Gabriel García Márquez is a great pick."),
)  # fmt: skip
THANKS = (
    ("Thanks!", "You're welcome!"),
    ("Perfect, thank you.", "Happy to help."),
    ("Great, that's all I needed.", "Glad I could help. Have a good day!"),
    ("Got it, thanks.", "Anytime!"),
    ("Cool, thanks a lot.", "You're welcome. Anything else?"),
)
FOLLOW_UPS = (
    "What about {}?",
    "And for {}?",
    "How about {} instead?",
    "Same thing for {}, please.",
    "Now {}?",
)
CONNECTORS = ("Also, ", "And ", "Then ", "Plus, ", "")


@dataclass
class ToolSet:
    """The specs a run draws from, grouped by what each category needs."""

    specs: list[ToolSpec]
    #: Extra tools offered beside the right one (never called); the bundled catalog for small user sets.
    extra: list[ToolSpec] = field(default_factory=list)
    with_result: list[ToolSpec] = field(init=False)
    askable: list[ToolSpec] = field(init=False)
    offerable: list[ToolSpec] = field(init=False)

    def __post_init__(self) -> None:
        from fncall_data.generate.calls import missing_candidates

        names = {s.name for s in self.specs}
        self.offerable = self.specs + [s for s in self.extra if s.name not in names]
        self.with_result = [s for s in self.specs if s.has_result]
        self.askable = [s for s in self.specs if s.required and missing_candidates(s)]


@dataclass
class Draft:
    """A record before verification: plain message dicts, the offered tools and the expected calls."""

    category: str
    tools: list[ToolSpec]
    messages: list[dict[str, Any]]
    answers: list[dict[str, Any]]
    called: list[str]
    #: missing_param only: the request's plan, from which :func:`stated_pair` builds its minimal pair
    asked: CallPlan | None = None


# --- pieces ---------------------------------------------------------------------------------------


def _answers(plans: list[CallPlan]) -> list[dict[str, Any]]:
    out = []
    for plan in plans:
        arguments: dict[str, list[Any]] = {}
        for name, schema in plan.spec.properties.items():
            if name in plan.args:
                value = plan.args[name]
                arguments[name] = (
                    [value, ""] if "default" in schema and schema["default"] == value else [value]
                )
            elif "default" in schema:
                arguments[name] = [schema["default"], ""]
            else:
                arguments[name] = [""]
        out.append({"name": plan.spec.name, "arguments": arguments})
    return out


def _describe(spec: ToolSpec) -> str:
    """The tool's purpose as the object of "the user wants ...": "to convert ..." or "the forecast ..."."""
    text = (spec.tool.description or humanize(spec.name)).split("\n")[0].rstrip(".")
    text = lower_first(text)
    first = text.split(" ", 1)[0]
    if first in VERBS:
        return "to " + text
    if first in ("whether", "if", "how", "what", "which", "when", "where", "who"):
        return "to know " + text
    return text if first in ("a", "an", "the") else "the " + text


def _arg_text(plan: CallPlan) -> str:
    if not plan.args:
        return "no arguments needed"
    return ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in plan.args.items())


def _reason_one(plan: CallPlan, rng: random.Random, others: bool) -> str:
    name = plan.spec.name
    text = rng.choice((
        f"The user wants {_describe(plan.spec)}. {name} does that; from the request: {_arg_text(plan)}.",
        f"{name} fits this request. Values stated by the user: {_arg_text(plan)}.",
        f"This calls for {name}. Arguments: {_arg_text(plan)}; the rest keep their defaults.",
    ))  # fmt: skip
    return text + (" The other tools don't apply." if others else "")


def _reason_many(plans: list[CallPlan]) -> str:
    parts = [f"{plan.spec.name}({_arg_text(plan)})" for plan in plans]
    return f"{len(plans)} independent requests, so {len(plans)} calls at once: " + "; ".join(parts) + "."


def _compose(queries: list[str], rng: random.Random) -> str:
    out = []
    connectors = rng.sample(CONNECTORS, len(CONNECTORS))  # no "Also, ... Also, ..."
    for i, query in enumerate(queries):
        if query[-1:] not in ".?!":
            query += "."
        if i:
            connector = connectors[i - 1]
            query = connector + (lower_first(query) if connector else query)
        out.append(query)
    return " ".join(out)


def _exchange(
    plans: list[CallPlan], rng: random.Random, reasoning: str | None, start: int
) -> list[dict[str, Any]]:
    """The assistant's calls, the tool results and (when every call has one) the grounded answer."""
    calls = []
    for offset, plan in enumerate(plans):
        execute(plan)
        calls.append({"id": f"c{start + offset}", "name": plan.spec.name, "arguments": plan.args})
    turn: dict[str, Any] = {"role": "assistant", "tool_calls": calls}
    if reasoning:
        turn["reasoning"] = reasoning
    messages = [turn]
    if not all(plan.has_result for plan in plans):
        return messages
    for call, plan in zip(calls, plans, strict=True):
        content = json.dumps(plan.result, ensure_ascii=False)
        messages.append(
            {"role": "tool", "tool_call_id": call["id"], "name": plan.spec.name, "content": content}
        )
    text = " ".join(answer_text(plan.spec, plan.spoken, plan.result, rng) for plan in plans)
    messages.append({"role": "assistant", "content": text})
    return messages


def _start(rng: random.Random, query: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": rng.choice(SYSTEM_PROMPTS)}, {"role": "user", "content": query}]


def _others(pool: list[ToolSpec], exclude: list[ToolSpec], count: int, rng: random.Random) -> list[ToolSpec]:
    names = {spec.name for spec in exclude}
    rest = [spec for spec in pool if spec.name not in names]
    return rng.sample(rest, min(count, len(rest)))


def _shuffled(specs: list[ToolSpec], rng: random.Random) -> list[ToolSpec]:
    return rng.sample(specs, len(specs))


def _choose(pool: list[ToolSpec], rng: random.Random, what: str) -> ToolSpec:
    if not pool:
        raise BuildError("no_eligible_tool", what)
    return rng.choice(pool)


# --- categories -----------------------------------------------------------------------------------


def build_simple(ts: ToolSet, rng: random.Random, reasoning: bool, distractors: int = 0) -> Draft:
    spec = _choose(ts.specs, rng, "simple")
    plan = plan_call(spec, rng)
    offered = _shuffled([spec, *_others(ts.offerable, [spec], distractors, rng)], rng)
    why = _reason_one(plan, rng, distractors > 0) if reasoning else None
    messages = _start(rng, plan.query) + _exchange([plan], rng, why, 1)
    return Draft("multiple" if distractors else "simple", offered, messages, _answers([plan]), [spec.name])


def build_multiple(ts: ToolSet, rng: random.Random, reasoning: bool) -> Draft:
    if len(ts.offerable) < 3:
        raise BuildError("no_eligible_tool", "multiple needs at least 3 tools")
    return build_simple(ts, rng, reasoning, distractors=rng.randint(2, min(5, len(ts.offerable) - 1)))


_FREE_TEXT = re.compile(r"subject|body|text|message|content|title|task|query|note|comment|description")


def _varying(spec: ToolSpec, plan: CallPlan) -> list[str]:
    """Stated names (cities, codes, dates...) that can change, or be listed, while the sentence reads well.

    Free text ("the report is attached") and quoted slots do not: "subject "A and B"" says one subject.
    """
    out = []
    for name, value in plan.args.items():
        schema = spec.properties.get(name, {})
        quoted = any(f'"{{{name}}}"' in text for text in spec.phrasings)
        if (
            isinstance(value, str)
            and len(value.split()) <= 3
            and not quoted
            and not _FREE_TEXT.search(name)
            and not (isinstance(spec.say.get(name), dict) and "enum" in schema)
        ):
            out.append(name)
    return out


def build_parallel(ts: ToolSet, rng: random.Random, reasoning: bool) -> Draft:
    spec = _choose(ts.specs, rng, "parallel")
    count = rng.choice((2, 2, 3))
    first = plan_call(spec, rng)
    names = _varying(spec, first)
    plans = [first]
    if names and rng.random() < 0.5 and spec.phrasings:
        # One sentence listing the values: "weather in Paris and Rome".
        name = rng.choice(names)
        values = [first.args[name]]
        for _ in range(count * 4):
            if len(values) == count:
                break
            other = plan_call(spec, rng, avoid={name: values[-1]}).args.get(name)
            if other is not None and other not in values:
                values.append(other)
        plans = [plan_with(spec, parse_template(""), {**first.args, name: v}, rng) for v in values]
        said = [first.spoken[name], *(surface(spec, name, v, rng) for v in values[1:])]
        query = render(first.extra["template"], set(first.args), {**first.spoken, name: join_words(said)})
        query = query[:1].upper() + query[1:]
        for plan, text in zip(plans, said, strict=True):
            plan.spoken = {**first.spoken, name: text}
    else:
        for _ in range(count * 4):
            if len(plans) == count:
                break
            plan = plan_call(spec, rng, avoid=first.args)
            if all(plan.args != p.args for p in plans):
                plans.append(plan)
        query = _compose([p.query for p in plans], rng)
    if len(plans) < 2:
        raise BuildError("no_variety", f"{spec.name}: could not find two different calls")
    why = _reason_many(plans) if reasoning else None
    messages = _start(rng, query) + _exchange(plans, rng, why, 1)
    return Draft("parallel", [spec], messages, _answers(plans), [spec.name] * len(plans))


def build_parallel_multiple(ts: ToolSet, rng: random.Random, reasoning: bool) -> Draft:
    if len(ts.specs) < 2:
        raise BuildError("no_eligible_tool", "parallel_multiple needs at least 2 tools")
    chosen = rng.sample(ts.specs, rng.choice((2, 2, 3)) if len(ts.specs) >= 3 else 2)
    plans = [plan_call(spec, rng) for spec in chosen]
    offered = _shuffled([*chosen, *_others(ts.offerable, chosen, rng.randint(0, 2), rng)], rng)
    why = _reason_many(plans) if reasoning else None
    messages = _start(rng, _compose([p.query for p in plans], rng)) + _exchange(plans, rng, why, 1)
    return Draft("parallel_multiple", offered, messages, _answers(plans), [s.name for s in chosen])


def build_multi_turn(ts: ToolSet, rng: random.Random, reasoning: bool) -> Draft:
    spec = _choose(ts.with_result, rng, "multi_turn needs a tool with a result")
    first = plan_call(spec, rng)
    offered = [spec, *_others(ts.offerable, [spec], rng.randint(1, 3), rng)]
    messages = _start(rng, first.query) + _exchange(
        [first], rng, _reason_one(first, rng, True) if reasoning else None, 1
    )
    kind = rng.random()
    names = _varying(spec, first)
    if kind < 0.25:
        user, reply = rng.choice(THANKS)
        turn: dict[str, Any] = {"role": "assistant", "content": reply}
        if reasoning:
            turn["reasoning"] = "The user is only wrapping up; no tool call is needed."
        messages += [{"role": "user", "content": user}, turn]
        return Draft("multi_turn", _shuffled(offered, rng), messages, [], [spec.name])
    if kind < 0.6 and names:
        name = rng.choice(names)
        other = plan_call(spec, rng, avoid={name: first.args[name]}).args.get(name)
        if other is None or other == first.args[name]:
            raise BuildError("no_variety", f"{spec.name}: no second value for {name}")
        second = plan_with(spec, parse_template(""), {**first.args, name: other}, rng)
        second.spoken = {**first.spoken, name: surface(spec, name, other, rng)}
        question = rng.choice(FOLLOW_UPS).format(second.spoken[name])
        why = f"Same request as before with {name} changed to {json.dumps(other, ensure_ascii=False)}."
    else:
        follow = [s for s in offered if s.name != spec.name and s.has_result and s in ts.specs]
        if not follow:
            follow = _others(ts.with_result, [spec], 1, rng)
            offered += follow
        if not follow:
            raise BuildError("no_eligible_tool", "multi_turn follow-up needs a second tool with a result")
        second = plan_call(rng.choice(follow), rng)
        question = rng.choice(("", "Thanks. ", "Great. ", "OK, one more thing: ")) + second.query
        why = _reason_one(second, rng, False)
    messages.append({"role": "user", "content": question})
    messages += _exchange([second], rng, why if reasoning else None, 2)
    return Draft(
        "multi_turn", _shuffled(offered, rng), messages, _answers([second]), [spec.name, second.spec.name]
    )


def irrelevant_exchange(
    offered: list[ToolSpec], pool: list[ToolSpec], rng: random.Random, reasoning: bool
) -> list[dict[str, Any]]:
    """A user request that none of ``offered`` serves, and the reply that declines or just answers.

    The request is either one for a tool of ``pool`` from a domain the offered tools do not cover, or
    small talk that needs no tool at all.
    """
    domains = {s.domain for s in offered}
    elsewhere = [s for s in pool if s.domain and s.domain not in domains and all(s.domain for s in offered)]
    names = join_words([s.name for s in offered])
    if elsewhere and rng.random() < 0.6:
        query = plan_call(rng.choice(elsewhere), rng).query
        reply = rng.choice((
            f"Sorry, I can't help with that here: the tools I have only cover {names}.",
            f"I don't have a tool for that; I can only use {names}.",
            f"That's outside what my tools can do ({names}), so I can't look it up.",
        ))  # fmt: skip
    else:
        query, reply = rng.choice(OFF_TOPIC)
    turn: dict[str, Any] = {"role": "assistant", "content": reply}
    if reasoning:
        turn["reasoning"] = f"None of the tools ({', '.join(s.name for s in offered)}) fits this, so no call."
    return [{"role": "user", "content": query}, turn]


def build_irrelevance(ts: ToolSet, rng: random.Random, reasoning: bool) -> Draft:
    offered = rng.sample(ts.specs, min(len(ts.specs), rng.randint(1, 4)))
    exchange = irrelevant_exchange(offered, ts.specs, rng, reasoning)
    messages = [{"role": "system", "content": rng.choice(SYSTEM_PROMPTS)}, *exchange]
    return Draft("irrelevance", offered, messages, [], [])


def build_missing_param(ts: ToolSet, rng: random.Random, reasoning: bool) -> Draft:
    spec = _choose(ts.askable, rng, "missing_param needs a tool with a required parameter")
    plan = plan_call(spec, rng, missing=True)
    assert plan.missing is not None
    offered = _shuffled([spec, *_others(ts.offerable, [spec], rng.randint(0, 3), rng)], rng)
    turn: dict[str, Any] = {"role": "assistant", "content": ask_text(spec, plan.missing, rng)}
    if reasoning:
        turn["reasoning"] = (
            f"{spec.name} needs {plan.missing}, which the user did not give. I should ask, not guess."
        )
    return Draft("missing_param", offered, [*_start(rng, plan.query), turn], [], [], asked=plan)


def stated_pair(draft: Draft, rng: random.Random, reasoning: bool) -> Draft:
    """A missing-value draft's minimal pair: the same system prompt and tools, the same request with
    the missing value stated, and its call, so that the value is the only thing that differs.

    Raises:
        BuildError: ``draft`` leaves no value out, or its phrasing cannot state it.
    """
    if draft.asked is None:
        raise BuildError("no_twin", f"a {draft.category} record leaves no value out")
    plan = stated_twin(draft.asked, rng)
    offered = draft.tools
    why = _reason_one(plan, rng, len(offered) > 1) if reasoning else None
    messages = [draft.messages[0], {"role": "user", "content": plan.query}, *_exchange([plan], rng, why, 1)]
    category = "multiple" if len(offered) > 1 else "simple"
    return Draft(category, offered, messages, _answers([plan]), [plan.spec.name])


BUILDERS: dict[str, Callable[[ToolSet, random.Random, bool], Draft]] = {
    "simple": build_simple,
    "multiple": build_multiple,
    "parallel": build_parallel,
    "parallel_multiple": build_parallel_multiple,
    "multi_turn": build_multi_turn,
    "irrelevance": build_irrelevance,
    "missing_param": build_missing_param,
}
