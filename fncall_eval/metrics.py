"""Aggregate example scores per category and overall, and the one DataFrame every report is built from.

Every metric is a ratio of two sums over examples (numerator and denominator per example), so the
overall value is the micro average, and a paired bootstrap (:mod:`fncall_eval.compare`) can resample
examples and recompute any metric the same way. A metric whose denominator is zero is None (no
example it applies to), shown as NaN in the DataFrame.

- ``json_validity``: readable call attempts / call attempts.
- ``schema_validity``: attempts whose every call fits its tool's schema / call attempts.
- ``tool_accuracy``: examples with exactly the expected tool names (none when none is expected).
- ``arg_precision``, ``arg_recall``, ``arg_f1``: right arguments / given, / expected, and micro F1.
- ``call_exact_match``: examples whose whole output is right.
- ``irrelevance_detection``: right answers among examples where no call is right (``irrelevance``,
  ``missing_param``, ``answers == []``); a malformed output counts as wrong.
- ``hallucinated_tool_rate``: calls naming a tool that was not offered / calls made.
- ``malformed_rate``: malformed outputs / examples; ``repair_rate``: attempts that needed a repair.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

from fncall_data.types import CATEGORIES
from fncall_eval.scoring import ExampleScore

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "METRICS",
    "OVERALL",
    "aggregate",
    "categories",
    "metric_rows",
    "ratio_sums",
    "results_frame",
    "wilson_interval",
]

#: The name of the row that aggregates every category.
OVERALL = "overall"

Ratio = Callable[[ExampleScore], tuple[float, float]]

#: Each metric as (numerator, denominator) of one example, in report order.
METRICS: dict[str, Ratio] = {
    "json_validity": lambda s: (s.json_valid is True, s.json_valid is not None),
    "schema_validity": lambda s: (s.schema_valid is True, s.schema_valid is not None),
    "tool_accuracy": lambda s: (s.tools_right, 1),
    "arg_precision": lambda s: (s.args_right, s.args_given),
    "arg_recall": lambda s: (s.args_right, s.args_gold),
    # micro F1 = 2TP / (2TP + FP + FN) = 2 * right / (given + gold)
    "arg_f1": lambda s: (2 * s.args_right, s.args_given + s.args_gold),
    "call_exact_match": lambda s: (s.call_exact, 1),
    "irrelevance_detection": lambda s: (s.call_exact and not s.expects_call, not s.expects_call),
    "hallucinated_tool_rate": lambda s: (s.hallucinated_calls, s.calls_made),
    "malformed_rate": lambda s: (s.status == "malformed", 1),
    "repair_rate": lambda s: (bool(s.repairs), s.json_valid is not None),
}


def ratio_sums(scores: Sequence[ExampleScore], metric: str) -> tuple[float, float]:
    """The numerator and denominator of ``metric`` summed over ``scores`` (the metric is their ratio).

    Example:
        >>> ratio_sums([], "call_exact_match")
        (0.0, 0.0)
    """
    ratio = METRICS[metric]
    num = den = 0.0
    for score in scores:
        a, b = ratio(score)
        num += a
        den += b
    return num, den


def wilson_interval(hits: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a proportion of ``hits`` in ``n`` trials; (0, 1) when ``n`` is 0.

    Unlike the normal approximation it stays inside [0, 1] and is sound for small ``n`` and for
    proportions near 0 or 1, which is where evaluation rates of small test sets live.

    Example:
        >>> [round(x, 3) for x in wilson_interval(7, 10)]
        [0.397, 0.892]
    """
    if n <= 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def aggregate(scores: Sequence[ExampleScore]) -> dict[str, Any]:
    """Every metric over ``scores``, plus the counts ``n``, ``errors`` and ``order_differs``.

    Example:
        >>> aggregate([])["call_exact_match"] is None
        True
    """
    row: dict[str, Any] = {"n": len(scores)}
    for name in METRICS:
        num, den = ratio_sums(scores, name)
        row[name] = num / den if den else None
    row["errors"] = sum(1 for s in scores if s.status == "error")
    row["order_differs"] = sum(1 for s in scores if s.order_differs)
    return row


def categories(scores: Sequence[ExampleScore]) -> list[str]:
    """The categories present, the standard ones first in their usual order, then the rest sorted."""
    present = {s.category for s in scores}
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


def metric_rows(results: Mapping[str, Sequence[ExampleScore]]) -> list[dict[str, Any]]:
    """One row per model and category, then the model's overall row, as plain dicts."""
    rows: list[dict[str, Any]] = []
    for model, scores in results.items():
        by_category: dict[str, list[ExampleScore]] = {}
        for score in scores:
            by_category.setdefault(score.category, []).append(score)
        for category in categories(scores):
            rows.append({"model": model, "category": category, **aggregate(by_category[category])})
        rows.append({"model": model, "category": OVERALL, **aggregate(scores)})
    return rows


def results_frame(results: Mapping[str, Sequence[ExampleScore]]) -> pd.DataFrame:
    """The results table: one row per (model, category) with every metric; reports render this.

    Args:
        results: example scores by model label (``base``, an adapter's name, ...), in display order.

    Example:
        >>> results_frame({"base": []}).loc[0, "category"]
        'overall'
    """
    import pandas as pd

    columns = ["model", "category", "n", *METRICS, "errors", "order_differs"]
    frame = pd.DataFrame(metric_rows(results), columns=columns)
    for name in METRICS:
        frame[name] = frame[name].astype("float64")
    return frame
