"""Reports rendered from the results DataFrame: markdown, CSV, JSON and one self-contained HTML file.

Every renderer takes :func:`fncall_eval.metrics.results_frame`'s table (and optionally
:func:`fncall_eval.compare.comparison_frame`'s) and returns text; :func:`write_reports` writes them
all atomically. The HTML page has no external assets: styles are inline and each category's chart is
an inline SVG with one bar per model and adapter for each metric.
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fncall_data.io import atomic_write
from fncall_eval.metrics import METRICS

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHART_METRICS",
    "html_report",
    "markdown_comparison",
    "markdown_table",
    "to_json",
    "write_reports",
]

#: The metrics drawn in the HTML charts (the table shows all of them).
CHART_METRICS = (
    "json_validity",
    "schema_validity",
    "tool_accuracy",
    "arg_f1",
    "call_exact_match",
    "irrelevance_detection",
)
_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")
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


def _chart(rows: list[dict[str, Any]], models: list[str]) -> str:
    """One grouped bar chart as inline SVG: a group per metric, a bar per model."""
    bar, gap, height, top, left = 14, 18, 160, 10, 34
    group = bar * len(models) + gap
    width = left + group * len(CHART_METRICS) + 10
    per_row = max(1, (width - left) // 140)  # legend entries per line
    legend_rows = -(-len(models) // per_row)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 44 + 16 * legend_rows}" '
        'role="img">',
        f'<line x1="{left}" y1="{top + height}" x2="{width}" y2="{top + height}" stroke="#999"/>',
    ]
    for tick in (0, 50, 100):
        y = top + height - height * tick / 100
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{tick}</text>')
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#eee"/>')
    by_model = {r["model"]: r for r in rows}
    for g, metric in enumerate(CHART_METRICS):
        x0 = left + gap / 2 + g * group
        for m, model in enumerate(models):
            value = by_model.get(model, {}).get(metric)
            x = x0 + m * bar
            if value is None:
                parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + height - 3}" font-size="9" '
                             'text-anchor="middle">–</text>')  # fmt: skip
                continue
            h = height * float(value)
            label = html.escape(f"{model}: {metric} {100 * float(value):.1f}%")
            parts.append(
                f'<rect x="{x:.1f}" y="{top + height - h:.1f}" width="{bar - 2}" height="{h:.1f}" '
                f'fill="{_COLORS[m % len(_COLORS)]}"><title>{label}</title></rect>'
            )
        parts.append(
            f'<text x="{x0 + bar * len(models) / 2:.1f}" y="{top + height + 16}" font-size="11" '
            f'text-anchor="middle">{html.escape(_SHORT[metric])}</text>'
        )
    for m, model in enumerate(models):
        y = top + height + 34 + 16 * (m // per_row)
        x = left + (m % per_row) * 140
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{_COLORS[m % len(_COLORS)]}"/>')
        shown = model if len(model) <= 20 else model[:19] + "…"  # a legend cell is 140 px wide
        parts.append(
            f'<text x="{x + 14}" y="{y + 9}" font-size="11">{html.escape(shown)}'
            f"<title>{html.escape(model)}</title></text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _html_table(records: list[dict[str, Any]], columns: list[str], percent: set[str]) -> str:
    head = "".join(f"<th>{html.escape(_SHORT.get(c, c))}</th>" for c in columns)
    body = []
    for row in records:
        cells = "".join(
            f"<td>{html.escape(_pct(row[c]) if c in percent else '' if row[c] is None else str(row[c]))}</td>"
            for c in columns
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def html_report(
    frame: pd.DataFrame, comparisons: pd.DataFrame | None = None, *, title: str = "fncall eval"
) -> str:
    """One self-contained HTML page: a chart per category, the full table, and the comparisons."""
    records = _records(frame)
    models = list(dict.fromkeys(r["model"] for r in records))
    categories = list(dict.fromkeys(r["category"] for r in records))
    sections = []
    for category in categories:
        rows = [r for r in records if r["category"] == category]
        n = max(r["n"] for r in rows)
        sections.append(f"<h3>{html.escape(category)} <small>(n={n})</small></h3>{_chart(rows, models)}")
    table = _html_table(records, ["model", "category", "n", *METRICS, "errors"], set(METRICS))
    compared = ""
    if comparisons is not None and len(comparisons):
        crecords = _records(comparisons)
        for r in crecords:
            r["delta"] = "–" if r["delta"] is None else f"{100 * r['delta']:+.1f}"
            low, high = r["ci_low"], r["ci_high"]
            r["95% CI"] = "–" if low is None or high is None else f"[{100 * low:+.1f}, {100 * high:+.1f}]"
            r["mcnemar_p"] = None if r["mcnemar_p"] is None else f"{r['mcnemar_p']:.3g}"
        columns = ["model_a", "model_b", "category", "metric", "n", "a_value", "b_value", "delta", "95% CI"]
        compared = "<h2>Comparisons (B - A, points)</h2>" + _html_table(
            crecords, [*columns, "mcnemar_p"], {"a_value", "b_value"}
        )
    style = (
        "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;font-size:13px;margin:1em 0}"
        "th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}"
        "th{background:#f4f4f4}td:nth-child(-n+2){text-align:left}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>"
        "<p>Metrics in percent; – means the metric does not apply to that category.</p>"
        f"<h2>Per category</h2>{''.join(sections)}<h2>All metrics</h2>{table}{compared}</body></html>\n"
    )


def write_reports(
    folder: str | os.PathLike[str],
    frame: pd.DataFrame,
    comparisons: pd.DataFrame | None = None,
    *,
    title: str = "fncall eval",
) -> dict[str, Path]:
    """Write metrics.csv, metrics.json, report.md and report.html (and comparison.csv) into ``folder``."""
    out = Path(folder)
    texts = {
        "metrics.csv": frame.to_csv(index=False),
        "metrics.json": to_json(frame),
        "report.md": markdown_table(frame)
        + (f"\n{markdown_comparison(comparisons)}" if comparisons is not None and len(comparisons) else ""),
        "report.html": html_report(frame, comparisons, title=title),
    }
    if comparisons is not None:
        texts["comparison.csv"] = comparisons.to_csv(index=False)
    written = {}
    for name, text in texts.items():
        with atomic_write(out / name) as handle:
            handle.write(text)
        written[name] = out / name
    return written
