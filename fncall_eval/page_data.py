"""What the HTML report shows, as plain data: the headline, the chart values, and every example.

Pure functions of the example scores (and, when at hand, the test records, the raw predictions, the
groups of test ids and the training runs); :mod:`fncall_eval.page` turns them into HTML.

- The headline has a part per group of test ids (``groups.json``) or, without groups, per category,
  and ``overall``. Each model's rates carry a 95% Wilson interval; each model compared with the
  baseline carries the paired bootstrap interval of the difference and McNemar's exact p-value on
  call exact match, from :func:`fncall_eval.compare.compare`. The verdict of a pair is ``better`` or
  ``worse`` when that p-value is under :data:`SIGNIFICANCE`, else ``no measurable difference``.
- The examples are what the browser lists: prompt, reference, each model's raw output, the calls
  read from it, and the verdict with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fncall_data.extract import Extraction, extract
from fncall_data.turns import evaluated_turn
from fncall_data.types import Record
from fncall_eval.compare import Comparison, compare
from fncall_eval.metrics import METRICS, OVERALL, categories, ratio_sums, wilson_interval
from fncall_eval.predictions import Prediction
from fncall_eval.scoring import ExampleScore, Parser

__all__ = [
    "HEADLINE_METRICS",
    "NO_GROUP",
    "SIGNIFICANCE",
    "Cell",
    "Headline",
    "PageInputs",
    "Pair",
    "TrainingRun",
    "examples_payload",
    "headline",
    "metric_cell",
]

#: The rates of the headline, first the one the verdict is drawn from.
HEADLINE_METRICS = (
    "call_exact_match",
    "tool_accuracy",
    "json_validity",
    "schema_validity",
    "irrelevance_detection",
)
#: McNemar's p under which a difference counts as measured.
SIGNIFICANCE = 0.05
#: The group of a test id that the groups file does not name.
NO_GROUP = "(no group)"

Verdict = Literal["better", "worse", "no measurable difference", "no shared examples"]


@dataclass(frozen=True)
class TrainingRun:
    """A training run's ``fncall_run.json`` (loss curve, tokens/s), labelled by the adapter it made."""

    label: str
    path: Path
    info: Mapping[str, Any]


@dataclass(frozen=True)
class PageInputs:
    """Everything the page shows beyond the results table.

    Attributes:
        scores: example scores by model label, in display order.
        comparisons: each model against the baseline (:func:`fncall_eval.compare.compare`).
        records: the test records (prompts and references); without them the browser shows ids only.
        outputs: raw predictions by label and id.
        parse: how outputs were read (a chat profile's ``parse``); default: the general extraction.
        groups: test id -> group (the headline is then per group, not per category).
        training: the training runs of the adapters (loss curves, tokens/s).
        n_boot, seed: the bootstrap of the per-group comparisons.
    """

    scores: Mapping[str, Sequence[ExampleScore]] = field(default_factory=dict)
    comparisons: Sequence[Comparison] = ()
    records: Sequence[Record] = ()
    outputs: Mapping[str, Mapping[str, Prediction]] = field(default_factory=dict)
    parse: Parser | None = None
    groups: Mapping[str, str] | None = None
    training: Sequence[TrainingRun] = ()
    n_boot: int = 1000
    seed: int = 0


@dataclass(frozen=True)
class Cell:
    """One rate: ``hits`` of ``n`` with its 95% Wilson interval (``value`` None when ``n`` is 0).

    For a metric that is not a proportion of examples (argument F1), ``low`` and ``high`` are None.
    """

    value: float | None
    hits: float
    n: float
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Pair:
    """Model ``b`` against the baseline ``a`` on one part of the test set."""

    a: str
    b: str
    part: str
    n: int
    deltas: Mapping[str, tuple[float | None, float | None, float | None]]
    """metric -> (delta, ci_low, ci_high), B - A."""
    only_a: int
    only_b: int
    p_value: float
    verdict: Verdict


@dataclass(frozen=True)
class Headline:
    """The headline table: ``overall``, then a part per group or category."""

    by: Literal["group", "category"]
    parts: tuple[str, ...]
    cells: Mapping[tuple[str, str], Mapping[str, Cell]]
    """(model, part) -> metric -> cell."""
    pairs: tuple[Pair, ...]


def _binary(scores: Sequence[ExampleScore], metric: str) -> bool:
    ratio = METRICS[metric]
    return all(a in (0, 1) and b in (0, 1) for a, b in map(ratio, scores))


def metric_cell(scores: Sequence[ExampleScore], metric: str) -> Cell:
    """``metric`` over ``scores`` with its Wilson interval when it is a proportion of examples.

    Example:
        >>> metric_cell([], "call_exact_match")
        Cell(value=None, hits=0.0, n=0.0, low=None, high=None)
    """
    hits, n = ratio_sums(scores, metric)
    if not n:
        return Cell(None, hits, n, None, None)
    low, high = wilson_interval(hits, n) if _binary(scores, metric) else (None, None)
    return Cell(hits / n, hits, n, low, high)


def _verdict(only_a: int, only_b: int, p_value: float) -> Verdict:
    if only_a + only_b == 0 or p_value >= SIGNIFICANCE:
        return "no measurable difference"
    return "better" if only_b > only_a else "worse"


def headline(inputs: PageInputs) -> Headline:
    """The headline of ``inputs``: rates per model and part, and each comparison's verdicts."""
    scores = inputs.scores
    groups = inputs.groups
    if groups:
        keyed = {m: [s._replace(category=groups.get(s.id, NO_GROUP)) for s in ss] for m, ss in scores.items()}
        seen = [s.category for ss in keyed.values() for s in ss]
        parts = list(dict.fromkeys(seen))
        comparisons = [
            compare(keyed[c.a], keyed[c.b], label_a=c.a, label_b=c.b, n_boot=inputs.n_boot, seed=inputs.seed)
            for c in inputs.comparisons
        ]
    else:
        keyed = {m: list(ss) for m, ss in scores.items()}
        parts = categories([s for ss in keyed.values() for s in ss])
        comparisons = list(inputs.comparisons)
    parts.insert(0, OVERALL)
    cells = {}
    for model, rows in keyed.items():
        for part in parts:
            subset = rows if part == OVERALL else [s for s in rows if s.category == part]
            cells[model, part] = {m: metric_cell(subset, m) for m in HEADLINE_METRICS}
    pairs = []
    for comparison in comparisons:
        tests = {t["category"]: t for t in comparison.mcnemar}
        deltas: dict[str, dict[str, tuple[float | None, float | None, float | None]]] = {}
        for row in comparison.rows:
            if row["metric"] in HEADLINE_METRICS:
                deltas.setdefault(row["category"], {})[row["metric"]] = (
                    row["delta"],
                    row["ci_low"],
                    row["ci_high"],
                )
        for part in parts:
            test = tests.get(part)
            if test is None:  # a part where the two models share no example
                pairs.append(Pair(comparison.a, comparison.b, part, 0, {}, 0, 0, 1.0, "no shared examples"))
                continue
            only_a, only_b, p = test["only_a"], test["only_b"], test["p_value"]
            verdict = _verdict(only_a, only_b, p)
            pair = Pair(
                comparison.a, comparison.b, part, test["n"], deltas.get(part, {}), only_a, only_b, p, verdict
            )
            pairs.append(pair)
    return Headline("group" if groups else "category", tuple(parts), cells, tuple(pairs))


# --- the example browser's data --------------------------------------------------------------------


def _calls(extraction: Extraction) -> list[dict[str, Any]]:
    return [{"name": c.name, "arguments": c.arguments} for c in extraction.calls]


def _run(score: ExampleScore, prediction: Prediction | None, parse: Parser | None) -> dict[str, Any]:
    """One model's answer to one example: verdict, reason, raw output and the calls read from it."""
    run: dict[str, Any] = {"outcome": score.outcome, "ok": score.call_exact, "reason": score.reason}
    if score.repairs:
        run["repairs"] = list(score.repairs)
    if prediction is None or prediction.error is not None:
        return run
    if prediction.message is not None:  # read the way scoring read it (fncall_eval.scoring)
        run["text"] = json.dumps(dict(prediction.message), ensure_ascii=False, indent=1)
        run["calls"] = _calls(extract(prediction.message))
    else:
        text = prediction.text or ""
        run["text"] = text
        run["calls"] = _calls(parse(text) if parse is not None else extract(text))
    return run


def _reference(record: Record) -> dict[str, Any]:
    if record.answers is not None:
        return {"answers": [a.model_dump(mode="json") for a in record.answers]}
    turn = record.messages[evaluated_turn(record)]
    if turn.tool_calls:
        return {"calls": [{"name": c.name, "arguments": c.arguments} for c in turn.tool_calls]}
    return {"calls": [], "content": turn.content or ""}


def _prompt(record: Record) -> list[dict[str, Any]]:
    """The conversation the model saw: every message before the evaluated turn."""
    shown = record.messages[: evaluated_turn(record)]
    return [m.model_dump(mode="json", exclude_none=True) for m in shown]


def examples_payload(inputs: PageInputs) -> dict[str, Any]:
    """The example browser's data: one entry per test example, each model's answer side by side.

    Each tool is stored once and an example lists the indices of its tools (a test set offers the
    same few tools, in many orders and mixes), which keeps a page of thousands of examples small.
    """
    models = list(inputs.scores)
    by_model = {m: {s.id: s for s in ss} for m, ss in inputs.scores.items()}
    groups = inputs.groups or {}
    records = {r.id: r for r in inputs.records}
    ids = list(records) if records else []
    ids += [s.id for ss in inputs.scores.values() for s in ss if s.id not in records]
    tools: dict[str, int] = {}
    examples = []
    for ident in dict.fromkeys(ids):
        scored = [by_model[m].get(ident) for m in models]
        record = records.get(ident)
        first = next((s for s in scored if s is not None), None)
        category = record.category if record is not None else (first.category if first else None)
        example: dict[str, Any] = {"id": ident, "category": category or "none"}
        if groups:
            example["group"] = groups.get(ident, NO_GROUP)
        if record is not None:
            keys = [json.dumps(t.model_dump(mode="json"), ensure_ascii=False) for t in record.tools]
            example["tools"] = [tools.setdefault(key, len(tools)) for key in keys]
            example["prompt"] = _prompt(record)
            example["reference"] = _reference(record)
        example["runs"] = [
            None if s is None else _run(s, inputs.outputs.get(m, {}).get(ident), inputs.parse)
            for m, s in zip(models, scored, strict=True)
        ]
        examples.append(example)
    return {
        "models": models,
        "baseline": inputs.comparisons[0].a if inputs.comparisons else None,
        "grouped": bool(groups),
        "tools": [json.loads(key) for key in tools],
        "examples": examples,
    }
