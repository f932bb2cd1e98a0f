"""Two models on the same examples: deltas with paired bootstrap intervals, McNemar's exact test, flips.

Examples are paired by id. For each category (and overall) and each metric of
:data:`fncall_eval.metrics.METRICS`, the delta is ``B - A`` and its 95% interval is the percentile
interval of the delta over bootstrap resamples of the paired examples (the same examples drawn for
both models, so their correlation is kept). The resampling is seeded per category, so results are
the same on every run and do not shift when another category is added.

McNemar's exact test asks whether the examples that only one model gets right (call exact match)
split evenly: with ``b`` examples only A gets right and ``c`` only B gets right, the two-sided
p-value is ``min(1, 2 * P(X <= min(b, c)))`` for ``X ~ Binomial(b + c, 1/2)``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from fncall_eval.metrics import METRICS, OVERALL, categories
from fncall_eval.scoring import ExampleScore

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Comparison", "bootstrap_delta", "compare", "comparison_frame", "mcnemar_exact"]


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts.

    Example:
        >>> mcnemar_exact(1, 6)  # 2 * (C(7,0) + C(7,1)) / 2**7
        0.125
    """
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1))
    return min(1.0, float(Fraction(2 * tail, 1 << n)))  # exact even when 2**n overflows a float


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def bootstrap_delta(
    a: Sequence[tuple[float, float]],
    b: Sequence[tuple[float, float]],
    *,
    n_boot: int = 1000,
    seed: int | Sequence[int] = 0,
    level: float = 0.95,
) -> tuple[float | None, float | None]:
    """Percentile interval of ``ratio(B) - ratio(A)`` over paired bootstrap resamples.

    Args:
        a, b: per example (numerator, denominator) of one metric, paired by position.
        n_boot: the number of resamples.
        seed: the random seed (numpy's ``default_rng``).
        level: the interval's coverage.

    Returns:
        (low, high); (None, None) when no resample has both ratios defined.

    Example:
        >>> bootstrap_delta([(0, 1), (1, 1)], [(1, 1), (1, 1)])  # deltas 1, 0.5 or 0
        (0.0, 1.0)
    """
    import numpy as np

    n = len(a)
    if n == 0 or n_boot <= 0:
        return None, None
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)
    pa = np.asarray(a, dtype=np.float64)
    pb = np.asarray(b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        sums_a = counts @ pa
        sums_b = counts @ pb
        delta = sums_b[:, 0] / sums_b[:, 1] - sums_a[:, 0] / sums_a[:, 1]
    delta = delta[np.isfinite(delta)]
    if delta.size == 0:
        return None, None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(delta, [tail, 100 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class Comparison:
    """Model B against model A on their shared examples.

    Attributes:
        a, b: the two labels.
        rows: one dict per (category, metric): ``a_value``, ``b_value``, ``delta``, ``ci_low``,
            ``ci_high``, ``n``.
        mcnemar: one dict per category: ``only_a``, ``only_b`` (examples only that model gets exactly
            right) and ``p_value``.
        improved: ids that B gets right and A does not; ``regressed``: the reverse.
        unpaired: ids scored for only one of the two (left out of everything above).
    """

    a: str
    b: str
    rows: tuple[dict[str, Any], ...]
    mcnemar: tuple[dict[str, Any], ...]
    improved: tuple[str, ...]
    regressed: tuple[str, ...]
    unpaired: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "rows": list(self.rows),
            "mcnemar": list(self.mcnemar),
            "improved": list(self.improved),
            "regressed": list(self.regressed),
            "unpaired": list(self.unpaired),
        }


def compare(
    a: Sequence[ExampleScore],
    b: Sequence[ExampleScore],
    *,
    label_a: str = "a",
    label_b: str = "b",
    n_boot: int = 1000,
    seed: int = 0,
) -> Comparison:
    """Compare two models' example scores, paired by example id.

    Example:
        >>> comparison = compare([], [])
        >>> comparison.rows[0]["category"], comparison.mcnemar[0]["p_value"]
        ('overall', 1.0)
    """
    by_id = {s.id: s for s in a}
    pairs = [(by_id[s.id], s) for s in b if s.id in by_id]
    paired = {sb.id for _, sb in pairs}
    unpaired = tuple(sorted((set(by_id) | {s.id for s in b}) - paired))
    groups: dict[str, list[tuple[ExampleScore, ExampleScore]]] = {}
    for pair in pairs:
        groups.setdefault(pair[0].category, []).append(pair)
    order = [*categories([sa for sa, _ in pairs]), OVERALL]
    groups[OVERALL] = pairs
    rows: list[dict[str, Any]] = []
    tests: list[dict[str, Any]] = []
    for category in order:
        group = groups[category]
        seed_here = [seed, zlib.crc32(category.encode())]
        for name, ratio in METRICS.items():
            ra = [ratio(sa) for sa, _ in group]
            rb = [ratio(sb) for _, sb in group]
            va = _ratio(sum(x for x, _ in ra), sum(y for _, y in ra))
            vb = _ratio(sum(x for x, _ in rb), sum(y for _, y in rb))
            low, high = bootstrap_delta(ra, rb, n_boot=n_boot, seed=seed_here)
            delta = vb - va if va is not None and vb is not None else None
            rows.append(
                {"category": category, "metric": name, "n": len(group), "a_value": va, "b_value": vb}
                | {"delta": delta, "ci_low": low, "ci_high": high}
            )
        only_a = sum(1 for sa, sb in group if sa.call_exact and not sb.call_exact)
        only_b = sum(1 for sa, sb in group if sb.call_exact and not sa.call_exact)
        tests.append(
            {"category": category, "n": len(group), "only_a": only_a, "only_b": only_b}
            | {"p_value": mcnemar_exact(only_a, only_b)}
        )
    return Comparison(
        a=label_a,
        b=label_b,
        rows=tuple(rows),
        mcnemar=tuple(tests),
        improved=tuple(sb.id for sa, sb in pairs if sb.call_exact and not sa.call_exact),
        regressed=tuple(sb.id for sa, sb in pairs if sa.call_exact and not sb.call_exact),
        unpaired=unpaired,
    )


def comparison_frame(comparisons: Sequence[Comparison]) -> pd.DataFrame:
    """All comparisons as one table: a row per (a, b, category, metric), McNemar's p-value alongside."""
    import pandas as pd

    rows = []
    for comparison in comparisons:
        p_values = {t["category"]: t["p_value"] for t in comparison.mcnemar}
        for row in comparison.rows:
            p = p_values[row["category"]] if row["metric"] == "call_exact_match" else None
            rows.append({"model_a": comparison.a, "model_b": comparison.b, **row, "mcnemar_p": p})
    columns = ["model_a", "model_b", "category", "metric", "n", "a_value", "b_value", "delta"]
    return pd.DataFrame(rows, columns=[*columns, "ci_low", "ci_high", "mcnemar_p"])
