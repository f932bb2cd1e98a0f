"""Train/test splits of record files, and statistics of them.

:func:`split_records` splits at random or by tool. At random, each category is split on its own, so
both sides keep the category mix. By tool, whole tools are held out: every record that offers a
held-out tool goes to test, so no held-out tool ever appears in train, which measures how a model
does on tools it never saw. :func:`record_stats` counts categories, tools, calls per record and
lengths (in tokens, when given a tokenizer folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from fncall_data.errors import FncallError
from fncall_data.io import iter_json_lines
from fncall_data.records import check_record
from fncall_data.types import Record, Tool, parse_record

__all__ = ["Row", "Split", "Stats", "read_rows", "record_stats", "split_records"]


@dataclass(frozen=True)
class Row:
    """A record with the exact line it was read from, so that splits copy lines byte for byte."""

    line: int
    text: str
    record: Record


@dataclass
class Split:
    """Both sides of a split, and the tools held out (empty for a random split)."""

    train: list[Row]
    test: list[Row]
    held_out: list[str] = field(default_factory=list)

    def categories(self, side: Literal["train", "test"]) -> Counter[str]:
        rows = self.train if side == "train" else self.test
        return Counter(row.record.category or "(none)" for row in rows)


def read_rows(path: str | os.PathLike[str]) -> tuple[list[Row], list[dict[str, Any]]]:
    """The sound records of a JSONL file, and a reject row (line, reason, raw) for every other line."""
    rows: list[Row] = []
    bad: list[dict[str, Any]] = []
    tools: dict[str, Tool] = {}
    for item in iter_json_lines(path):
        reason = item.error
        if reason is None:
            try:
                record = parse_record(_shared_tools(item.value, tools), file=os.fspath(path), line=item.line)
            except FncallError as exc:
                reason = str(exc)
            else:
                issues = check_record(record)
                if not issues:
                    rows.append(Row(item.line, item.text.rstrip("\n"), record))
                    continue
                reason = "; ".join(f"{i.code}: {i.message}" for i in issues)
        bad.append({"line": item.line, "reason": reason, "raw": item.text.rstrip("\n")})
    return rows, bad


def _shared_tools(value: Any, cache: dict[str, Tool]) -> Any:
    """The record with each tool replaced by one shared, already validated :class:`Tool`.

    Checking a tool's JSON Schema is the slow part of reading a record, and a file repeats the same
    few tools on every line. A tool that does not validate is left as it is, so that the record's own
    validation reports it in full.
    """
    if not isinstance(value, dict) or not isinstance(value.get("tools"), list):
        return value
    shared: list[Tool] = []
    for entry in value["tools"]:
        if not isinstance(entry, dict):
            return value
        key = json.dumps(entry, sort_keys=True)
        tool = cache.get(key)
        if tool is None:
            try:
                tool = Tool.model_validate(entry)
            except ValidationError:
                return value
            cache[key] = tool
        shared.append(tool)
    return {**value, "tools": shared}


def _rng(seed: int, salt: str) -> random.Random:
    return random.Random(
        int.from_bytes(hashlib.blake2b(f"{seed}:{salt}".encode(), digest_size=8).digest(), "big")
    )


def split_records(
    rows: Sequence[Row], *, by: Literal["random", "tool"] = "random", test_size: float = 0.1, seed: int = 0
) -> Split:
    """Split rows into train and test; both keep the input order.

    Args:
        rows: records as read by :func:`read_rows`.
        by: ``random`` (stratified by category) or ``tool`` (held-out tools only in test).
        test_size: the share of records wanted in test, in (0, 1).
        seed: the same seed gives the same split.

    Example:
        >>> rows = [Row(i, "", Record(id=str(i), category="simple",
        ...     messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hey"}]))
        ...     for i in range(10)]
        >>> s = split_records(rows, test_size=0.2)
        >>> len(s.train), len(s.test)
        (8, 2)
    """
    if not 0 < test_size < 1:
        raise FncallError(f"test size must be between 0 and 1 (exclusive), got {test_size}")
    if by == "random":
        test_index: set[int] = set()
        groups: dict[str, list[int]] = {}
        for index, row in enumerate(rows):
            groups.setdefault(row.record.category or "", []).append(index)
        for name in sorted(groups):
            members = groups[name]
            picked = _rng(seed, name).sample(members, round(len(members) * test_size))
            test_index.update(picked)
        return Split(
            [r for i, r in enumerate(rows) if i not in test_index],
            [r for i, r in enumerate(rows) if i in test_index],
        )
    if by != "tool":
        raise FncallError(f"split by {by!r} is not known; use 'random' or 'tool'")
    offered = [{tool.name for tool in row.record.tools} for row in rows]
    names = sorted(set().union(*offered)) if offered else []
    if len(names) < 2:
        raise FncallError("a split by tool needs records that use at least two different tools")
    held = _held_out_tools(rows, offered, names, test_size, seed)
    train = [row for row, tools in zip(rows, offered, strict=True) if not tools & held]
    test = [row for row, tools in zip(rows, offered, strict=True) if tools & held]
    return Split(train, test, sorted(held))


def _held_out_tools(
    rows: Sequence[Row],
    offered: list[set[str]],
    names: list[str],
    test_size: float,
    seed: int,
    trials: int = 64,
) -> set[str]:
    """Tools to hold out: enough for ``test_size`` of the records, with test's category mix near the file's.

    Every record that offers a held-out tool must go to test, so the category mix of test follows
    the tools chosen. Several seeded orders of the tools are tried, each filled greedily up to the
    wanted size, and the set whose test side is closest to the wanted size and category shares wins.
    """
    categories = [row.record.category or "" for row in rows]
    overall = Counter(categories)
    users: dict[str, set[int]] = {name: set() for name in names}
    for index, tools in enumerate(offered):
        for name in tools:
            users[name].add(index)
    rng = _rng(seed, "tools")
    best: tuple[float, list[str]] = (float("inf"), [])
    for _ in range(trials):
        held: list[str] = []
        in_test: set[int] = set()
        for name in rng.sample(names, len(names)):
            if len(in_test) >= test_size * len(rows) or len(held) == len(names) - 1:
                break
            held.append(name)
            in_test |= users[name]
        shares = Counter(categories[i] for i in in_test)
        drift = sum(abs(shares[c] / max(1, len(in_test)) - overall[c] / len(rows)) for c in overall)
        score = drift + 2 * abs(len(in_test) / len(rows) - test_size)
        if score < best[0]:
            best = (score, held)
    return set(best[1])


@dataclass
class Stats:
    """Counts and lengths of a record file."""

    records: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    tools_called: Counter[str] = field(default_factory=Counter)
    tools_offered: Counter[str] = field(default_factory=Counter)
    calls_per_record: Counter[int] = field(default_factory=Counter)
    lengths: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "categories": dict(sorted(self.categories.items())),
            "tools_called": dict(sorted(self.tools_called.items())),
            "tools_offered": dict(sorted(self.tools_offered.items())),
            "calls_per_record": {str(k): v for k, v in sorted(self.calls_per_record.items())},
            "lengths": self.lengths,
        }


def _text(record: Record) -> str:
    parts = [json.dumps([t.model_dump() for t in record.tools], ensure_ascii=False)]
    for message in record.messages:
        parts.append(message.content or "")
        parts.append(message.reasoning or "")
        parts += [json.dumps({"name": c.name, "arguments": c.arguments}) for c in message.tool_calls or ()]
    return "\n".join(part for part in parts if part)


def _summary(values: list[int]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "mean": round(statistics.fmean(ordered), 1),
        "median": float(statistics.median(ordered)),
        "p95": float(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]),
        "max": float(ordered[-1]),
    }


def _token_counter(folder: str) -> Callable[[str], int]:
    if not os.path.isdir(folder):
        raise FncallError(
            f"--tokenizer {folder}: not a folder; give a local tokenizer folder (no hub downloads)"
        )
    from transformers import AutoTokenizer  # heavy: imported only when token lengths are asked for

    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise FncallError(f"--tokenizer {folder}: cannot load a tokenizer from it: {exc}") from None
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


def record_stats(rows: Sequence[Row], *, tokenizer: str | None = None) -> Stats:
    """Per-category and per-tool counts, calls per record, and lengths (chars; tokens with a tokenizer).

    Example:
        >>> record_stats([]).records
        0
    """
    stats = Stats(records=len(rows))
    chars: list[int] = []
    tokens: list[int] = []
    count = _token_counter(tokenizer) if tokenizer else None
    for row in rows:
        record = row.record
        stats.categories[record.category or "(none)"] += 1
        stats.tools_offered.update(t.name for t in record.tools)
        calls = [c.name for m in record.messages for c in m.tool_calls or ()]
        stats.tools_called.update(calls)
        stats.calls_per_record[len(calls)] += 1
        text = _text(record)
        chars.append(len(text))
        if count is not None:
            tokens.append(count(text))
    if chars:
        stats.lengths["chars"] = _summary(chars)
    if tokens:
        stats.lengths["tokens"] = _summary(tokens)
    return stats
