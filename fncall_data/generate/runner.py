"""The generation run: a category schedule, one candidate per (slot, attempt), verification, dedup.

Every candidate depends only on ``(seed, slot, attempt)``: its random generator is seeded from a
hash of those numbers, never from global state or ``hash()``. Workers build candidates for slices of
slots; the parent takes them in slot order and deduplicates, so ``workers=N`` writes the same bytes
as one worker. A slot whose candidate is rejected (or a duplicate) tries its next attempt.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fncall_data.errors import FncallError
from fncall_data.generate.builders import BUILDERS, Draft, ToolSet, stated_pair
from fncall_data.generate.calls import BuildError
from fncall_data.generate.spec import ToolSpec, catalog_specs, load_specs
from fncall_data.generate.stack import stack
from fncall_data.generate.verify import record_line, verify_draft
from fncall_data.io import atomic_write
from fncall_data.types import CATEGORIES

__all__ = ["DEFAULT_MIX", "GenerateConfig", "GenerateResult", "generate", "parse_mix", "write_result"]

#: The default share of each category (sums to 1).
DEFAULT_MIX: dict[str, float] = {
    "simple": 0.2,
    "multiple": 0.2,
    "parallel": 0.12,
    "parallel_multiple": 0.12,
    "multi_turn": 0.14,
    "irrelevance": 0.11,
    "missing_param": 0.11,
}
_MAX_ATTEMPTS = 25
_CHUNK = 250
_FEW_TOOLS = 6


class GenerateConfig(BaseModel):
    """Options of a generation run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int = Field(1000, ge=1, description="How many records to write.")
    seed: int = Field(0, description="Same seed, tools and options: the same bytes.")
    mix: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_MIX), description="Category shares.")
    reasoning: bool = Field(True, description="Write the reasoning (<think>) text on assistant turns.")
    workers: int = Field(1, ge=1, le=64, description="Processes that build candidates.")
    id_prefix: str = Field("gen", description="Record ids are <prefix>-<seed>-<slot>.")
    requests: int = Field(
        1,
        ge=1,
        le=8,
        description="Independent requests in each record, asked one after another against its one tool "
        "list; the scheduled category comes last and is the one scored. With more than one, at least one "
        "earlier request decides the other way (a call beside a refusal or a question), and the tool list "
        "is paid for once for several decisions.",
    )
    pairs: bool = Field(
        False,
        description="Minimal pairs: each missing-value record is followed by its twin, the same request "
        "with the value stated and its call (same tools and system prompt), so that the run writes one "
        "record more per missing-value record than n. One request a record only.",
    )

    @model_validator(mode="after")
    def _one_request_for_pairs(self) -> GenerateConfig:
        if self.pairs and self.requests > 1:
            raise ValueError("pairs needs one request a record (requests=1)")
        return self


@dataclass
class GenerateResult:
    """What a run produced: records as JSON lines, rejects with reasons, and counts."""

    lines: list[str] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    categories: Counter[str] = field(default_factory=Counter)
    tools: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    failed_slots: int = 0
    #: minimal pairs written (``pairs``): records beyond the n slots
    pairs: int = 0

    def summary(self) -> dict[str, Any]:
        """Counts per category and tool, and rejects per reason."""
        return {
            "records": len(self.lines),
            "categories": dict(sorted(self.categories.items())),
            "tools": dict(sorted(self.tools.items())),
            "rejected": sum(self.reasons.values()),
            "rejects_by_reason": dict(self.reasons.most_common()),
            "failed_slots": self.failed_slots,
            "pairs": self.pairs,
        }


def parse_mix(text: str) -> dict[str, float]:
    """``"simple=0.3,parallel=0.2"`` -> shares normalised to sum 1.

    Raises:
        FncallError: an unknown category, a bad number, or nothing positive.

    Example:
        >>> parse_mix("simple=3,parallel=1")
        {'simple': 0.75, 'parallel': 0.25}
    """
    shares: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in CATEGORIES:
            raise FncallError(f"--mix: unknown category {name!r}; use {', '.join(CATEGORIES)}")
        try:
            shares[name] = float(value)
        except ValueError:
            raise FncallError(f"--mix: {part!r} needs a number, e.g. {name}=0.2") from None
        if shares[name] < 0:
            raise FncallError(f"--mix: {name} share must not be negative")
    total = sum(shares.values())
    if total <= 0:
        raise FncallError(f"--mix: {text!r} gives no category a positive share")
    return {name: value / total for name, value in shares.items()}


def schedule(n: int, mix: dict[str, float]) -> list[str]:
    """The category of each slot: exact counts by largest remainder, interleaved evenly."""
    names = [name for name in CATEGORIES if mix.get(name, 0) > 0]
    total = sum(mix[name] for name in names)
    exact = {name: n * mix[name] / total for name in names}
    counts = {name: int(exact[name]) for name in names}
    for name in sorted(names, key=lambda k: (counts[k] - exact[k], names.index(k)))[
        : n - sum(counts.values())
    ]:
        counts[name] += 1
    out: list[str] = []
    credit = dict.fromkeys(names, 0.0)
    for _ in range(n):  # smooth weighted round robin: a fixed, even interleaving
        for name in names:
            credit[name] += counts[name]
        best = max(names, key=lambda k: credit[k])
        credit[best] -= n
        out.append(best)
    return out


def _rng(seed: int, slot: int, attempt: int) -> random.Random:
    digest = hashlib.blake2b(f"{seed}:{slot}:{attempt}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


@dataclass
class _Candidate:
    slot: int
    attempt: int
    line: str | None
    key: str
    called: list[str]
    rejects: list[tuple[str, str]]
    #: with ``pairs``: the minimal pair that follows this candidate, and its own category
    twin: _Candidate | None = None
    category: str | None = None


def build_candidate(
    ts: ToolSet, config: GenerateConfig, category: str, slot: int, attempt: int
) -> _Candidate:
    """Build and verify the candidate for one (slot, attempt)."""
    rng = _rng(config.seed, slot, attempt)
    try:
        draft = BUILDERS[category](ts, rng, config.reasoning)
        draft = stack(draft, ts, rng, config.reasoning, config.requests, config.mix)
    except BuildError as exc:
        return _Candidate(slot, attempt, None, "", [], [(exc.reason, exc.detail)])
    record_id = f"{config.id_prefix}-{config.seed}-{slot:06d}"
    candidate = _finished(draft, record_id, config, slot, attempt)
    if candidate.line is not None and config.pairs and draft.asked is not None:
        try:  # built after the record from the same generator, so pairs leave the record's bytes alone
            twin = stated_pair(draft, rng, config.reasoning)
        except BuildError as exc:
            candidate.twin = _Candidate(slot, attempt, None, "", draft.called, [(exc.reason, exc.detail)])
        else:
            candidate.twin = _finished(twin, f"{record_id}-pair", config, slot, attempt)
            candidate.twin.category = twin.category
    return candidate


def _finished(draft: Draft, record_id: str, config: GenerateConfig, slot: int, attempt: int) -> _Candidate:
    """The verified record of ``draft`` as a candidate, with its dedup key, or its problems."""
    meta = {"source": "generated", "seed": config.seed, "tool_names": draft.called}
    record, problems = verify_draft(draft, record_id, meta)
    if record is None:
        return _Candidate(slot, attempt, None, "", draft.called, problems)
    users = " | ".join(
        re.sub(r"\s+", " ", m.content or "").strip().lower() for m in record.messages if m.role == "user"
    )
    calls = [[c.name, c.arguments] for m in record.messages for c in m.tool_calls or ()]
    key = json.dumps([sorted(s.name for s in draft.tools), users, calls], sort_keys=True, ensure_ascii=False)
    return _Candidate(slot, attempt, record_line(draft, record_id, meta), key, draft.called, [])


# Worker state: set once per process by _init (fork or spawn alike).
_STATE: dict[str, Any] = {}


def _init(source: Any, config: GenerateConfig) -> None:
    specs = (
        source
        if isinstance(source, list) and all(isinstance(s, ToolSpec) for s in source)
        else load_specs(source)
    )
    # A handful of user tools cannot fill "multiple" (2-5 distractors): borrow distractors from the catalog.
    extra = catalog_specs() if len(specs) < _FEW_TOOLS else []
    _STATE["ts"] = ToolSet(specs, extra)
    _STATE["config"] = config


def _worker_init(parent: int, source: Any, config: GenerateConfig) -> None:
    """A worker's start: watch the parent, then load the tools like the parent did."""
    threading.Thread(target=_end_with, args=(parent,), name="end-with-parent", daemon=True).start()
    _init(source, config)


def _end_with(parent: int) -> None:
    """End this worker as soon as its parent is gone, however it went (kill -9 included).

    A killed parent cannot stop its pool, and the workers would wait for work forever, adopted by
    PID 1; an orphan's parent PID changes, which a poll every half second sees on every platform.
    """
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _first_good(categories: Sequence[str], slots: range) -> list[list[_Candidate]]:
    """For each slot: its candidates up to and including the first verified one."""
    ts, config = _STATE["ts"], _STATE["config"]
    out = []
    for slot in slots:
        tries: list[_Candidate] = []
        for attempt in range(_MAX_ATTEMPTS):
            candidate = build_candidate(ts, config, categories[slot], slot, attempt)
            tries.append(candidate)
            if candidate.line is not None:
                break
        out.append(tries)
    return out


def generate(
    config: GenerateConfig,
    tools: Sequence[Any] | str | os.PathLike[str] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> GenerateResult:
    """Generate ``config.n`` verified records.

    Args:
        config: the run's options.
        tools: None for the bundled catalog, or anything :func:`fncall_data.generate.spec.load_specs` reads.
        progress: called with (records done, records wanted) as slots complete.

    Example:
        >>> result = generate(GenerateConfig(n=20, seed=1))
        >>> len(result.lines), result.summary()["records"]
        (20, 20)
    """
    specs = (
        load_specs(tools)
        if not (isinstance(tools, list) and tools and isinstance(tools[0], ToolSpec))
        else tools
    )
    if not specs:
        raise FncallError("no tools to generate from")
    # What a spawned worker loads its tools from (a forked one inherits them): the path or the objects.
    given_specs = isinstance(tools, list) and bool(tools) and isinstance(tools[0], ToolSpec)
    source: Any = specs if given_specs else tools
    categories = schedule(config.n, config.mix)
    _init(specs, config)
    result = GenerateResult()
    seen: set[str] = set()
    ranges = [range(start, min(start + _CHUNK, config.n)) for start in range(0, config.n, _CHUNK)]
    if config.workers > 1 and len(ranges) > 1:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        init_source = specs if method == "fork" else source
        with ProcessPoolExecutor(
            config.workers, context, initializer=_worker_init, initargs=(os.getpid(), init_source, config)
        ) as pool:
            futures = [pool.submit(_first_good, categories, r) for r in ranges]
            for future in futures:
                _merge(future.result(), categories, seen, result, progress, config.n)
    else:
        for r in ranges:
            _merge(_first_good(categories, r), categories, seen, result, progress, config.n)
    return result


def _merge(
    batch: list[list[_Candidate]],
    categories: Sequence[str],
    seen: set[str],
    result: GenerateResult,
    progress: Callable[[int, int], None] | None,
    total: int,
) -> None:
    ts, config = _STATE["ts"], _STATE["config"]
    for tries in batch:
        while tries:
            candidate = tries.pop(0)
            if candidate.line is None:
                _reject(result, candidate, categories)
            elif candidate.key in seen:
                candidate.rejects = [("duplicate", "same tools, query and calls as an earlier record")]
                candidate.line = None
                _reject(result, candidate, categories)
            else:
                seen.add(candidate.key)
                result.lines.append(candidate.line)
                result.categories[categories[candidate.slot]] += 1
                result.tools.update(candidate.called)
                if candidate.twin is not None:
                    _add_twin(candidate.twin, categories, seen, result)
                break
            if not tries and candidate.attempt + 1 < _MAX_ATTEMPTS:
                slot = candidate.slot
                tries.append(build_candidate(ts, config, categories[slot], slot, candidate.attempt + 1))
            elif not tries:
                result.failed_slots += 1
        if progress is not None:
            progress(len(result.lines) - result.pairs, total)


def _add_twin(twin: _Candidate, categories: Sequence[str], seen: set[str], result: GenerateResult) -> None:
    """A minimal pair after its record; one that failed or repeats a record is a reject, not a retry."""
    if twin.line is not None and twin.key in seen:
        twin.rejects, twin.line = [("duplicate", "same tools, query and calls as an earlier record")], None
    if twin.line is None:
        _reject(result, twin, categories)
        return
    seen.add(twin.key)
    result.lines.append(twin.line)
    result.categories[twin.category or categories[twin.slot]] += 1
    result.tools.update(twin.called)
    result.pairs += 1


def _reject(result: GenerateResult, candidate: _Candidate, categories: Sequence[str]) -> None:
    for reason, detail in candidate.rejects:
        result.reasons[reason] += 1
        result.rejects.append(
            {
                "slot": candidate.slot,
                "attempt": candidate.attempt,
                "category": candidate.category or categories[candidate.slot],
                "reason": reason,
                "detail": detail,
                "tools": candidate.called,
            }
        )


def write_result(
    result: GenerateResult, path: str | os.PathLike[str], rejects: str | os.PathLike[str] | None
) -> None:
    """Write the records (and the rejects, when a path is given) atomically."""
    with atomic_write(path) as handle:
        for line in result.lines:
            handle.write(line + "\n")
    if rejects is not None:
        with atomic_write(rejects) as handle:
            for row in result.rejects:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
