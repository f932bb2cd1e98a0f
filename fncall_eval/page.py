"""The HTML report: the headline first, compact charts, then a browser of every example; one file.

The headline, the charts and the tables are rendered here as static HTML and inline SVG, so they
read the same with scripts off. The example browser is a small script (``page_assets/page.js``)
that lists the examples of an embedded JSON block, a page at a time, with filters. The page loads
nothing: a Content-Security-Policy forbids every request, and only the page's own script may run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

from fncall_eval.metrics import OVERALL
from fncall_eval.page_data import (
    HEADLINE_METRICS,
    SIGNIFICANCE,
    Cell,
    Headline,
    PageInputs,
    Pair,
    TrainingRun,
    examples_payload,
    headline,
    metric_cell,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CHART_METRICS", "LABELS", "html_report"]

#: The metrics drawn as charts, one chart each.
CHART_METRICS = (
    "call_exact_match",
    "tool_accuracy",
    "arg_f1",
    "json_validity",
    "schema_validity",
    "irrelevance_detection",
)
#: How the page names each metric.
LABELS = {
    "json_validity": "JSON valid",
    "schema_validity": "schema valid",
    "tool_accuracy": "tool accuracy",
    "arg_precision": "arg precision",
    "arg_recall": "arg recall",
    "arg_f1": "argument F1",
    "call_exact_match": "exact match",
    "irrelevance_detection": "no-call right",
    "hallucinated_tool_rate": "hallucinated tools",
    "malformed_rate": "malformed",
    "repair_rate": "repaired",
}
COLORS = ("#3b6fb6", "#e07b39", "#3a9a5b", "#c4434a", "#8064b4", "#8a6a4f", "#d16fb4", "#7f7f7f")


def _asset(name: str) -> str:
    return (resources.files("fncall_eval") / "page_assets" / name).read_text(encoding="utf-8")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _pts(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}"


def _p(value: float) -> str:
    return f"{value:.2g}" if value >= 0.001 else "< 0.001"


def _nan_to_none(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


# --- headline ---------------------------------------------------------------------------------------


def _verdict_line(pair: Pair, cells: Mapping[tuple[str, str], Mapping[str, Cell]]) -> str:
    where = "overall" if pair.part == OVERALL else f"on {pair.part}"
    head = f"<b>{_e(pair.b)}</b> vs {_e(pair.a)} {_e(where)}: "
    badge = f'<span class="badge {pair.verdict.split()[0]}">{_e(pair.verdict)}</span>'
    if pair.verdict == "no shared examples":
        return f'<p class="verdict" data-part="{_e(pair.part)}">{head}{badge}</p>'
    a = cells[pair.a, pair.part]["call_exact_match"].value
    b = cells[pair.b, pair.part]["call_exact_match"].value
    delta, low, high = pair.deltas.get("call_exact_match", (None, None, None))
    ci = f" (95% CI {_pts(low)} to {_pts(high)})" if low is not None and high is not None else ""
    detail = (
        f" exact match {_pct(a)}% → {_pct(b)}%, {_pts(delta)} points{ci}, McNemar p = {_p(pair.p_value)}; "
        f"{pair.only_b} fixed, {pair.only_a} broken of {pair.n}"
    )
    # the verdict is drawn from exact match alone; a rate whose interval leaves out 0 is said too
    others = [
        f"{LABELS[m]} {_pts(d)}"
        for m in HEADLINE_METRICS[1:]
        for d, lo, hi in [pair.deltas.get(m, (None, None, None))]
        if d is not None and lo is not None and hi is not None and (lo > 0 or hi < 0)
    ]
    if others:
        detail += f". Other rates whose interval leaves out 0: {', '.join(others)} points"
    return (
        f'<p class="verdict" data-part="{_e(pair.part)}" data-model="{_e(pair.b)}" '
        f'data-verdict="{_e(pair.verdict)}">{head}{badge}{_e(detail)}</p>'
    )


def _cell_html(cell: Cell) -> str:
    if cell.value is None:
        return '<td class="na">–</td>'
    ci = "" if cell.low is None else f'<span class="ci">{_pct(cell.low)}–{_pct(cell.high)}</span>'
    title = f"{cell.hits:g} of {cell.n:g}"
    return f'<td title="{title}"><span class="v">{_pct(cell.value)}</span>{ci}</td>'


def _delta_html(delta: tuple[float | None, float | None, float | None] | None, p: float | None) -> str:
    if delta is None or delta[0] is None:
        return '<td class="delta na">–</td>'
    value, low, high = delta
    ci = "" if low is None or high is None else f'<span class="ci">{_pts(low)} to {_pts(high)}</span>'
    shown = "" if p is None else f'<span class="p">p = {_p(p)}</span>'
    return f'<td class="delta"><span class="v">{_pts(value)}</span>{ci}{shown}</td>'


def _short_verdict(pair: Pair) -> str:
    """The verdict of one pair in one part, in a line under that part's table."""
    badge = f'<span class="badge {pair.verdict.split()[0]}">{_e(pair.verdict)}</span>'
    facts = "" if not pair.n else f" p = {_p(pair.p_value)}; {pair.only_b} fixed, {pair.only_a} broken"
    return (
        f'<p class="verdict" data-part="{_e(pair.part)}" data-model="{_e(pair.b)}" '
        f'data-verdict="{_e(pair.verdict)}"><b>{_e(pair.b)}</b>: {badge}{_e(facts)}</p>'
    )


def _headline_html(head: Headline, models: Sequence[str]) -> str:
    """The overall verdicts in words, then a card per part: a row per rate, a column per model and
    one per difference to the baseline."""
    lines = [_verdict_line(p, head.cells) for p in head.pairs if p.part == OVERALL]
    cards = []
    for part in head.parts:
        n = max(int(head.cells[m, part]["tool_accuracy"].n) for m in models)
        pairs = [p for p in head.pairs if p.part == part]
        columns = "".join(f"<th>{_e(m)}</th>" for m in models)
        columns += "".join(f'<th class="delta">Δ {_e(p.b)}</th>' for p in pairs)
        rows = []
        for metric in HEADLINE_METRICS:
            cells = "".join(_cell_html(head.cells[m, part][metric]) for m in models)
            cells += "".join(
                _delta_html(p.deltas.get(metric), p.p_value if metric == "call_exact_match" else None)
                for p in pairs
            )
            rows.append(f'<tr data-metric="{metric}"><th>{_e(LABELS[metric])}</th>{cells}</tr>')
        cards.append(
            f'<div class="part" data-part="{_e(part)}"><h3>{_e(part)} <small>n = {n}</small></h3>'
            f'<table class="headline"><thead><tr><th></th>{columns}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{''.join(_short_verdict(p) for p in pairs)}</div>"
        )
    by = "group of test examples" if head.by == "group" else "category"
    note = (
        f"Per {by}: rates in percent with their 95% Wilson interval; Δ: the difference to the baseline in "
        "points with its paired bootstrap 95% interval; p: McNemar's exact test on exact match. "
        f"A verdict says better or worse when p < {SIGNIFICANCE:g} (each test on its own)."
    )
    return (
        f'<section id="headline"><div class="verdicts">{"".join(lines)}</div>'
        f'<div class="parts">{"".join(cards)}</div><p class="note">{_e(note)}</p></section>'
    )


# --- charts -----------------------------------------------------------------------------------------


def _legend(models: Sequence[str]) -> str:
    items = "".join(
        f'<span><i style="background:{COLORS[i % len(COLORS)]}"></i>{_e(m)}</span>'
        for i, m in enumerate(models)
    )
    return f'<div class="legend">{items}</div>'


def _metric_chart(metric: str, parts: Sequence[str], models: Sequence[str], cells: Mapping[Any, Cell]) -> str:
    """One grouped bar chart: a group of bars per category (a bar per model), 95% intervals as whiskers."""
    bar, gap, left, top, plot = 11, 9, 28, 8, 110
    group = bar * len(models) + gap
    width = left + group * len(parts) + 4
    base = top + plot
    out = [
        f'<svg class="chart" data-metric="{metric}" viewBox="0 0 {width} {base + 78}" role="img" '
        f'aria-label="{_e(LABELS[metric])} by category">'
    ]
    for tick in (0, 50, 100):
        y = base - plot * tick / 100
        out.append(f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{left - 4}" y="{y + 3.5:.1f}" class="tick">{tick}</text>')
    for g, part in enumerate(parts):
        x0 = left + gap / 2 + g * group
        for m, model in enumerate(models):
            cell = cells.get((model, part))
            x = x0 + m * bar
            if cell is None or cell.value is None:
                out.append(f'<text x="{x + bar / 2:.1f}" y="{base - 3}" class="na">–</text>')
                continue
            h = plot * cell.value
            ci = "" if cell.low is None else f", 95% CI {_pct(cell.low)}–{_pct(cell.high)}"
            label = f"{model} · {part}: {_pct(cell.value)}% ({cell.hits:g}/{cell.n:g}){ci}"
            out.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar - 1.5}" height="{h:.1f}" '
                f'fill="{COLORS[m % len(COLORS)]}" data-model="{_e(model)}" data-category="{_e(part)}" '
                f'data-value="{cell.value:.4f}"><title>{_e(label)}</title></rect>'
            )
            if cell.low is not None and cell.high is not None:
                cx, y1, y2 = x + (bar - 1.5) / 2, base - plot * cell.low, base - plot * cell.high
                out.append(
                    f'<path d="M{cx:.1f} {y1:.1f}V{y2:.1f}M{cx - 2:.1f} {y1:.1f}h4M{cx - 2:.1f} {y2:.1f}h4" '
                    'class="ci"/>'
                )
        cx = x0 + bar * len(models) / 2
        out.append(
            f'<text transform="translate({cx:.1f} {base + 10}) rotate(-35)" class="cat">{_e(part)}</text>'
        )
    out.append(f'<line x1="{left}" x2="{width}" y1="{base}" y2="{base}" class="axis"/></svg>')
    return f"<figure><figcaption>{_e(LABELS[metric])}</figcaption>{''.join(out)}</figure>"


def _loss_chart(run: TrainingRun) -> str:
    """The training loss per step as a line, and the run's throughput and cost beside it."""
    points = [
        (float(p["step"]), float(p["loss"]))
        for p in run.info.get("loss_curve") or ()
        if isinstance(p, Mapping)
        and isinstance(p.get("step"), int | float)
        and isinstance(p.get("loss"), int | float)
        and math.isfinite(p["loss"])
    ]
    facts = []
    for key, label, fmt in (
        ("steps", "steps", "{:g}"),
        ("tokens", "tokens", "{:,.0f}"),
        ("tokens_per_s", "tokens/s", "{:,.1f}"),
        ("wall_s", "minutes", "{:.1f}"),
        ("peak_memory_mb", "peak MB", "{:,.0f}"),
        ("adapter_mb", "adapter MB", "{:.1f}"),
    ):
        value = run.info.get(key)
        if isinstance(value, int | float):
            shown = fmt.format(value / 60 if key == "wall_s" else value)
            facts.append(f'<span data-fact="{key}"><b>{shown}</b> {label}</span>')
    device = run.info.get("device")
    if isinstance(device, str):
        facts.append(f"<span>on <b>{_e(device)}</b></span>")
    if not points:
        svg = '<p class="note">no loss curve in this run</p>'
    else:
        left, top, w, h = 34, 8, 280, 110
        x_max = max(x for x, _ in points) or 1.0
        y_max = max(y for _, y in points) * 1.05 or 1.0
        xy = " ".join(f"{left + w * x / x_max:.1f},{top + h - h * y / y_max:.1f}" for x, y in points)
        ticks = "".join(
            f'<line x1="{left}" x2="{left + w}" y1="{top + h - h * f:.1f}" y2="{top + h - h * f:.1f}" '
            f'class="grid"/><text x="{left - 4}" y="{top + h - h * f + 3.5:.1f}" class="tick">'
            f"{y_max * f:.2g}</text>"
            for f in (0, 0.5, 1)
        )
        svg = (
            f'<svg class="chart loss" viewBox="0 0 {left + w + 8} {top + h + 26}" role="img" '
            f'aria-label="training loss by step">{ticks}'
            f'<polyline points="{xy}" class="loss"/>'
            f'<text x="{left + w}" y="{top + h + 20}" class="tick">step {x_max:g}</text>'
            f'<text x="{left}" y="{top + h + 20}" class="tick start">step 0</text></svg>'
        )
    return (
        f'<figure class="training" data-label="{_e(run.label)}"><figcaption>training loss · '
        f'{_e(run.label)}</figcaption>{svg}<div class="facts">{"".join(facts)}</div></figure>'
    )


def _charts_html(frame: pd.DataFrame, inputs: PageInputs | None, models: Sequence[str]) -> str:
    records = [{k: _nan_to_none(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    parts = list(dict.fromkeys(r["category"] for r in records))
    charts = []
    for metric in CHART_METRICS:
        cells: dict[tuple[str, str], Cell] = {}
        for row in records:
            key = (row["model"], row["category"])
            scored = inputs.scores.get(row["model"]) if inputs is not None else None
            if scored is not None:
                subset = scored if row["category"] == OVERALL else [s for s in scored if s.category == key[1]]
                cells[key] = metric_cell(subset, metric)
            else:
                value = row[metric]
                cells[key] = Cell(value, value or 0.0, float(row["n"]), None, None)
        charts.append(_metric_chart(metric, parts, models, cells))
    training = [_loss_chart(run) for run in inputs.training] if inputs is not None else []
    return (
        f'<section id="charts"><h2>By category</h2>{_legend(models)}'
        f'<div class="charts">{"".join(charts)}{"".join(training)}</div></section>'
    )


# --- tables and page --------------------------------------------------------------------------------


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], percent: set[str]) -> str:
    head = "".join(f"<th>{_e(LABELS.get(c, c))}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            value = _nan_to_none(row[c])
            cells.append(f"<td>{_e(_pct(value) if c in percent else '' if value is None else value)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="numbers"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _numbers_html(frame: pd.DataFrame, comparisons: pd.DataFrame | None) -> str:
    from fncall_eval.metrics import METRICS

    rows = frame.to_dict(orient="records")
    parts = [_table(rows, ["model", "category", "n", *METRICS, "errors"], set(METRICS))]
    if comparisons is not None and len(comparisons):
        crows = []
        for row in comparisons.to_dict(orient="records"):
            low, high = _nan_to_none(row["ci_low"]), _nan_to_none(row["ci_high"])
            p = _nan_to_none(row["mcnemar_p"])
            crows.append(
                {**row, "delta": _pts(_nan_to_none(row["delta"])), "p": "" if p is None else f"{p:.3g}"}
                | {"95% CI": "–" if low is None or high is None else f"{_pts(low)} to {_pts(high)}"}
            )
        columns = [
            "model_a",
            "model_b",
            "category",
            "metric",
            "n",
            "a_value",
            "b_value",
            "delta",
            "95% CI",
            "p",
        ]
        parts.append(f"<h3>Comparisons (B - A, points)</h3>{_table(crows, columns, {'a_value', 'b_value'})}")
    return (
        '<details id="numbers"><summary>All numbers: every metric per model and category, every '
        f"comparison</summary>{''.join(parts)}</details>"
    )


def _json_block(value: Any) -> str:
    """JSON inside a script element: ``<`` escaped so that no text can end the element early."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _subtitle(frame: pd.DataFrame, inputs: PageInputs | None) -> str:
    overall = frame[frame["category"] == OVERALL]
    n = int(overall["n"].max()) if len(overall) else 0
    models = list(dict.fromkeys(frame["model"]))
    line = f"{n} test examples · {len(models)} model(s): {', '.join(models)}"
    if inputs is not None and inputs.comparisons:
        line += f" · compared with {inputs.comparisons[0].a}"
    return line


def html_report(
    frame: pd.DataFrame,
    comparisons: pd.DataFrame | None = None,
    inputs: PageInputs | None = None,
    *,
    title: str = "fncall eval",
) -> str:
    """The whole report page: with ``inputs``, the headline and the example browser; without, the
    charts and tables of ``frame`` alone."""
    models = list(dict.fromkeys(frame["model"]))
    script = _asset("page.js")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'"
    sections = []
    if inputs is not None and inputs.scores:
        sections.append(_headline_html(headline(inputs), models))
    sections.append(_charts_html(frame, inputs, models))
    if inputs is not None and inputs.scores:
        sections.append(
            '<section id="examples"><h2>Examples</h2><div id="filters"></div><p id="count"></p>'
            '<div id="list"></div><button id="more" hidden>show more</button>'
            '<noscript><p class="note">The example browser needs JavaScript.</p></noscript></section>'
            f'<script type="application/json" id="fncall-data">{_json_block(examples_payload(inputs))}'
            "</script>"
        )
    sections.append(_numbers_html(frame, comparisons))
    body = "".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{_e(title)}</title><style>{_asset("page.css")}</style>'
        f'</head><body><header><h1>{_e(title)}</h1><p class="sub">{_e(_subtitle(frame, inputs))}</p></header>'
        f"<main>{body}</main>"
        f"<script>{script}</script></body></html>\n"
    )
