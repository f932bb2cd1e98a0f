"""Reports rendered from the results DataFrame: markdown, CSV, JSON and one self-contained HTML file.

Every renderer takes :func:`fncall_eval.metrics.results_frame`'s table (and optionally
:func:`fncall_eval.compare.comparison_frame`'s) and returns text; :func:`write_reports` writes them
all atomically. The HTML page (:mod:`fncall_eval.page`) is one file with no external assets.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fncall_data.io import atomic_write
from fncall_eval.metrics import METRICS
from fncall_eval.page import html_report

if TYPE_CHECKING:
    import pandas as pd

    from fncall_eval.page_data import PageInputs

__all__ = [
    "CHART_METRICS",
    "html_report",
    "markdown_comparison",
    "markdown_table",
    "to_json",
    "write_reports",
]

#: The metrics of the markdown comparison (the table shows all of them).
CHART_METRICS = (
    "json_validity",
    "schema_validity",
    "tool_accuracy",
    "arg_f1",
    "call_exact_match",
    "irrelevance_detection",
)
_SHORT = {
    "json_validity": "json",
    "schema_validity": "schema",
    "tool_accuracy": "tool",
    "arg_precision": "arg P",
    "arg_recall": "arg R",
    "arg_f1": "arg F1",
    "call_exact_match": "exact",
    "irrelevance_detection": "no-call",
    "hallucinated_tool_rate": "halluc.",
    "malformed_rate": "malformed",
    "repair_rate": "repaired",
}


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * float(value):.1f}"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = frame.to_dict(orient="records")
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in rows]


def markdown_table(frame: pd.DataFrame) -> str:
    """The results as a markdown table, metrics in percent (``–``: the metric does not apply).

    Example:
        >>> from fncall_eval.metrics import results_frame
        >>> print(markdown_table(results_frame({"base": []})).splitlines()[2][:30])
        | base | overall | 0 | – | – |
    """
    header = ["model", "category", "n", *(_SHORT[m] for m in METRICS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in _records(frame):
        cells = [str(row["model"]), str(row["category"]), str(row["n"]), *(_pct(row[m]) for m in METRICS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def markdown_comparison(comparisons: pd.DataFrame, metrics: tuple[str, ...] = CHART_METRICS) -> str:
    """Deltas (B - A, in points) with 95% bootstrap intervals; McNemar's p for call exact match."""
    header = ["A", "B", "category", "metric", "n", "A %", "B %", "delta", "95% CI", "McNemar p"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in _records(comparisons):
        if row["metric"] not in metrics:
            continue
        delta = "–" if row["delta"] is None else f"{100 * row['delta']:+.1f}"
        low, high = row["ci_low"], row["ci_high"]
        ci = "–" if low is None or high is None else f"[{100 * low:+.1f}, {100 * high:+.1f}]"
        p = "" if row["mcnemar_p"] is None else f"{row['mcnemar_p']:.3g}"
        cells = [row["model_a"], row["model_b"], row["category"], row["metric"], str(row["n"])]
        lines.append(
            "| " + " | ".join([*cells, _pct(row["a_value"]), _pct(row["b_value"]), delta, ci, p]) + " |"
        )
    return "\n".join(lines) + "\n"


def to_json(frame: pd.DataFrame) -> str:
    """The results as a JSON array of row objects (NaN written as null)."""
    return json.dumps(_records(frame), indent=1, ensure_ascii=False) + "\n"


def write_reports(
    folder: str | os.PathLike[str],
    frame: pd.DataFrame,
    comparisons: pd.DataFrame | None = None,
    inputs: PageInputs | None = None,
    *,
    title: str = "fncall eval",
) -> dict[str, Path]:
    """Write metrics.csv, metrics.json, report.md and report.html (and comparison.csv) into ``folder``.

    ``inputs`` (the example scores, records, outputs, groups, training runs) feed the HTML page's
    headline and example browser.
    """
    out = Path(folder)
    texts = {
        "metrics.csv": frame.to_csv(index=False),
        "metrics.json": to_json(frame),
        "report.md": markdown_table(frame)
        + (f"\n{markdown_comparison(comparisons)}" if comparisons is not None and len(comparisons) else ""),
        "report.html": html_report(frame, comparisons, inputs, title=title),
    }
    if comparisons is not None:
        texts["comparison.csv"] = comparisons.to_csv(index=False)
    written = {}
    for name, text in texts.items():
        with atomic_write(out / name) as handle:
            handle.write(text)
        written[name] = out / name
    return written
