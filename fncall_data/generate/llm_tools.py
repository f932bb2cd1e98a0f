"""Tool specs drafted by an LLM from one-line descriptions, each checked before it is kept.

A draft is kept when it is a JSON object that :func:`fncall_data.generate.spec.spec_of` accepts (a
valid tool: name, JSON Schema parameters that pass the meta-schema, phrasings that name real
parameters) and when the offline generator, given that tool alone, verifies at least one record from
it: its phrasings state the required values and its pools fill them. The spec is a starting point to
read and edit, not a finished tool: it has no implementation, so results are synthesised from its
``returns`` schema.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fncall_data.errors import FncallError
from fncall_data.generate.llm_client import LLMClient, LLMRequestError
from fncall_data.generate.llm_prompts import draft_tool_messages, json_object
from fncall_data.generate.runner import GenerateConfig, generate
from fncall_data.generate.spec import spec_of

__all__ = ["DraftedTools", "draft_tools"]

_TRIAL = GenerateConfig(n=10, seed=0, mix={"simple": 1.0}, reasoning=False)
_SPEC_KEYS = ("name", "description", "parameters", "returns", "phrasings", "answers", "say", "pools", "ask")


@dataclass
class DraftedTools:
    """The specs kept (JSON-ready), every refused draft, and the descriptions that got no spec."""

    specs: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def draft_tools(
    descriptions: Sequence[str],
    client: LLMClient,
    *,
    attempts: int = 3,
    temperature: float = 0.7,
    max_tokens: int = 1024,
    seed: int = 0,
) -> DraftedTools:
    """Ask for one tool spec per description, up to ``attempts`` times each, and keep the first that passes.

    Raises:
        FncallError: the endpoint is down or refuses the key.

    Example:
        >>> drafted = draft_tools(["look up a word in a dictionary"], client)  # doctest: +SKIP
        >>> drafted.specs[0]["name"]  # doctest: +SKIP
        'define_word'
    """
    out = DraftedTools()
    names: set[str] = set()
    for description in descriptions:
        for attempt in range(attempts):
            digest = hashlib.blake2b(f"{seed}:{description}:{attempt}".encode(), digest_size=4).digest()
            try:
                reply = client.chat(
                    draft_tool_messages(description),
                    temperature=temperature,
                    max_tokens=max_tokens,
                    seed=int.from_bytes(digest) >> 1,
                ).text
            except LLMRequestError as exc:
                out.rejects.append(_row(description, attempt, "llm_error", str(exc), ""))
                continue
            spec, problem = _check(reply, names)
            if spec is not None:
                names.add(spec["name"])
                out.specs.append(spec)
                break
            out.rejects.append(_row(description, attempt, problem[0], problem[1], reply))
        else:
            out.failed.append(description)
    return out


def _row(description: str, attempt: int, reason: str, detail: str, text: str) -> dict[str, Any]:
    return {
        "description": description,
        "attempt": attempt,
        "reason": reason,
        "detail": detail,
        "llm_text": text,
    }


def _check(reply: str, names: set[str]) -> tuple[dict[str, Any] | None, tuple[str, str]]:
    """The spec when the reply holds a usable one; else None and the reason."""
    found = json_object(reply)
    if found is None:
        return None, ("llm_bad_json", "no JSON object in the reply")
    spec = {key: found[key] for key in _SPEC_KEYS if key in found}
    try:
        checked = spec_of(spec)
    except FncallError as exc:
        return None, ("invalid_tool", str(exc))
    except Exception as exc:  # a hint of the wrong shape (pools as a list, ...) is a bad draft too
        return None, ("invalid_tool", f"{type(exc).__name__}: {exc}")
    if checked.name in names:
        return None, ("duplicate", f"a tool named {checked.name!r} was drafted already")
    try:
        trial = generate(_TRIAL, [checked])
    except FncallError as exc:
        return None, ("generates_nothing", str(exc))
    if not trial.lines:
        reasons = ", ".join(f"{k} {v}" for k, v in trial.reasons.most_common(3))
        return None, ("generates_nothing", f"no verified record from 10 tries ({reasons})")
    return spec, ("", "")
