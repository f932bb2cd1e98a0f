# ruff: noqa: E501 -- the markdown snapshot below has long table rows
"""Reports rendered from the results frame: whole markdown snapshot, self-contained HTML, CSV, JSON."""

from __future__ import annotations

import base64
import hashlib
import json
from html.parser import HTMLParser
from pathlib import Path

from fncall_eval.compare import compare, comparison_frame
from fncall_eval.metrics import results_frame
from fncall_eval.page import CHART_METRICS
from fncall_eval.page_data import PageInputs
from fncall_eval.predictions import Prediction
from fncall_eval.report import html_report, markdown_table, write_reports
from fncall_eval.scoring import Reference, score_predictions
from tests.eval_helpers import HAND_OUTPUTS, HAND_RECORDS

SCORES = score_predictions(
    [Reference.from_record(r) for r in HAND_RECORDS], {k: Prediction(k, v) for k, v in HAND_OUTPUTS.items()}
)
FRAME = results_frame({"base": SCORES, "tuned": SCORES[:3]})

MARKDOWN = """\
| model | category | n | json | schema | tool | arg P | arg R | arg F1 | exact | no-call | halluc. | malformed | repaired |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
| base | simple | 2 | 100.0 | 100.0 | 100.0 | 66.7 | 66.7 | 66.7 | 50.0 | – | 0.0 | 0.0 | 50.0 |
| base | parallel | 1 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | – | 0.0 | 0.0 | 0.0 |
| base | irrelevance | 2 | 0.0 | 0.0 | 50.0 | – | – | – | 50.0 | 50.0 | – | 50.0 | 0.0 |
| base | missing_param | 1 | 100.0 | 0.0 | 0.0 | 0.0 | – | 0.0 | 0.0 | 0.0 | 100.0 | 0.0 | 0.0 |
| base | overall | 6 | 80.0 | 60.0 | 66.7 | 66.7 | 80.0 | 72.7 | 50.0 | 33.3 | 20.0 | 16.7 | 20.0 |
| tuned | simple | 2 | 100.0 | 100.0 | 100.0 | 66.7 | 66.7 | 66.7 | 50.0 | – | 0.0 | 0.0 | 50.0 |
| tuned | parallel | 1 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | 100.0 | – | 0.0 | 0.0 | 0.0 |
| tuned | overall | 3 | 100.0 | 100.0 | 100.0 | 80.0 | 80.0 | 80.0 | 66.7 | – | 0.0 | 0.0 | 33.3 |
"""


def test_markdown_snapshot() -> None:
    assert markdown_table(FRAME) == MARKDOWN


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.policy = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]
        self._in_script = tag == "script" and found.get("type") != "application/json"
        if found.get("http-equiv") == "Content-Security-Policy":
            self.policy = found.get("content") or ""

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
            self._in_script = False


def test_html_is_self_contained_and_its_one_script_is_the_only_one_allowed_to_run() -> None:
    comparison = compare(SCORES, SCORES[:3], label_a="base", label_b="tuned")
    page = html_report(
        FRAME,
        comparison_frame([comparison]),
        PageInputs(scores={"base": SCORES, "tuned": SCORES[:3]}, comparisons=[comparison]),
    )
    parser = _Tags()
    parser.feed(page)
    assert parser.links == ["data:,"]  # the empty icon, so that the browser asks for no favicon
    assert "http://" not in page and "https://" not in page
    # the policy forbids every request, and lets run only the script whose hash it names
    assert parser.policy.startswith("default-src 'none';")
    (script,) = parser.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in parser.policy
    # a chart per charted metric, a bar per model and category with a value
    assert parser.tags.count("svg") == len(CHART_METRICS)
    assert '<rect x="' in page and 'data-model="tuned" data-category="overall" data-value="0.6667"' in page
    assert "Comparisons (B - A, points)" in page


def test_html_without_scores_has_the_charts_and_tables_only() -> None:
    page = html_report(FRAME)
    assert 'id="headline"' not in page and 'id="fncall-data"' not in page
    assert page.count('<svg class="chart"') == len(CHART_METRICS)
    assert "no-call right" in page and 'class="numbers"' in page


def test_write_reports_all_formats(tmp_path: Path) -> None:
    files = write_reports(tmp_path, FRAME)
    assert sorted(files) == ["metrics.csv", "metrics.json", "report.html", "report.md"]
    rows = json.loads((tmp_path / "metrics.json").read_text())
    assert rows[4]["category"] == "overall" and rows[4]["arg_f1"] == 8 / 11
    assert rows[0]["irrelevance_detection"] is None
    csv = (tmp_path / "metrics.csv").read_text().splitlines()
    assert csv[0].startswith("model,category,n,json_validity,schema_validity,tool_accuracy,arg_precision")
    assert len(csv) == 1 + len(FRAME)
    assert (tmp_path / "report.md").read_text() == MARKDOWN
