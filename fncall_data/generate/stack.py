"""Several independent requests against one tool list in one record.

A record of one request pays for its tool list, the most of its tokens, to teach one decision. A
stacked record asks more of the same list one after another: each earlier request with its call, the
tool's result and the answer (or with its refusal or question), then the scheduled request last,
where the record is scored. At least one earlier request decides the other way from the scheduled
one, so that every record holds a request that needs a call beside one that needs none, with the
same tools in view: the contrast the call/no-call decision is learnt from.

Each earlier request is built by the category builders against the record's tools only, and verified
on its own before it joins, so a value is grounded in its own request and not in an earlier one.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from fncall_data.generate.builders import (
    BUILDERS,
    Draft,
    ToolSet,
    irrelevant_exchange,
)
from fncall_data.generate.calls import BuildError
from fncall_data.generate.verify import verify_draft

__all__ = ["NO_CALL", "stack"]

NO_CALL = ("irrelevance", "missing_param")
#: What an earlier request can be: one that asks for calls, or one where no call is right. multiple
#: is simple against the record's list, and multi_turn is a stack of its own.
_CALLS = ("simple", "parallel", "parallel_multiple")


def stack(
    draft: Draft, ts: ToolSet, rng: random.Random, reasoning: bool, requests: int, mix: Mapping[str, float]
) -> Draft:
    """``draft`` with ``requests - 1`` independent requests against its tools put before it.

    Raises:
        BuildError: an earlier request could not be built or failed verification.
    """
    if requests <= 1:
        return draft
    offered = draft.tools
    local = ToolSet(list(offered))
    scheduled_calls = draft.category not in NO_CALL
    kinds = [_pick(rng, mix, calls=not scheduled_calls)]
    kinds += [_pick(rng, mix, calls=None) for _ in range(requests - 2)]
    rng.shuffle(kinds)
    messages: list[dict[str, Any]] = [draft.messages[0]]
    called: list[str] = []
    for kind in kinds:
        part = _earlier(kind, local, ts, rng, reasoning)
        messages += _renumbered(part.messages[1:], _count_calls(messages))
        called += part.called
    messages += _renumbered(draft.messages[1:], _count_calls(messages))
    return Draft(draft.category, offered, messages, draft.answers, called + draft.called)


def _pick(rng: random.Random, mix: Mapping[str, float], calls: bool | None) -> str:
    """A category by the mix's weights: one that calls, one that does not, or either (None)."""
    pool = [*_CALLS, *NO_CALL] if calls is None else (_CALLS if calls else NO_CALL)
    weights = [mix.get(kind, 0.0) + (mix.get("multiple", 0.0) if kind == "simple" else 0.0) for kind in pool]
    if not any(weights):
        weights = [1.0] * len(pool)
    return rng.choices(pool, weights)[0]


def _earlier(kind: str, local: ToolSet, ts: ToolSet, rng: random.Random, reasoning: bool) -> Draft:
    """One verified earlier request of ``kind`` against the record's tools."""
    offered = local.specs
    if kind == "missing_param" and not local.askable:
        kind = "irrelevance"  # no offered tool has a required value to leave out
    if kind == "irrelevance":
        exchange = irrelevant_exchange(offered, ts.specs, rng, reasoning)
        return Draft(kind, offered, [{"role": "system", "content": ""}, *exchange], [], [])
    try:
        part = BUILDERS[kind](local, rng, reasoning)
    except BuildError:
        if kind == "simple":
            raise
        part = BUILDERS["simple"](local, rng, reasoning)  # too few tools for parallel_multiple, ...
    last = part.messages[-1]
    if part.answers and (last.get("role") != "assistant" or last.get("tool_calls")):
        # a call without a result would leave the next request after an unanswered call
        raise BuildError("no_result", f"stacked {kind}: {', '.join(part.called)} gives no result to answer")
    _, problems = verify_draft(part, "stacked", {})
    if problems:
        reason, detail = problems[0]
        raise BuildError(reason, f"stacked {kind}: {detail}")
    return part


def _count_calls(messages: list[dict[str, Any]]) -> int:
    return sum(len(m.get("tool_calls") or ()) for m in messages)


def _renumbered(messages: list[dict[str, Any]], before: int) -> list[dict[str, Any]]:
    """The messages with call ids ``c1, c2, ...`` moved past the ``before`` calls already made."""
    if not before:
        return messages
    ids: dict[str, str] = {}
    out = []
    for message in messages:
        message = dict(message)
        if message.get("tool_calls"):
            calls = []
            for call in message["tool_calls"]:
                ids[call["id"]] = f"c{before + len(ids) + 1}"
                calls.append({**call, "id": ids[call["id"]]})
            message["tool_calls"] = calls
        if message.get("tool_call_id") in ids:
            message["tool_call_id"] = ids[message["tool_call_id"]]
        out.append(message)
    return out
