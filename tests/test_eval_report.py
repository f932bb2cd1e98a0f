# ruff: noqa: E501 -- the markdown snapshot below has long table rows
"""Reports rendered from the results frame: whole markdown snapshot, self-contained HTML, CSV, JSON."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from fncall_eval.compare import compare, comparison_frame
from fncall_eval.metrics import results_frame
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

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]


def test_html_is_self_contained_with_a_chart_per_category() -> None:
    page = html_report(
        FRAME, comparison_frame([compare(SCORES, SCORES[:3], label_a="base", label_b="tuned")])
    )
    parser = _Tags()
    parser.feed(page)
    assert parser.links == []  # no external stylesheet, script or image
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert parser.tags.count("svg") == 5  # simple, parallel, irrelevance, missing_param, overall
    # a bar per model for each charted metric that applies: base has 3 charted values in missing_param
    assert "<title>tuned: call_exact_match 66.7%</title>" in page
    assert "<title>base: irrelevance_detection 33.3%</title>" in page
    assert "Comparisons (B - A, points)" in page


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
