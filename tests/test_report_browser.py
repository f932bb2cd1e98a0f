"""The HTML report in a real browser: headless Chromium opens the reports of two real runs, and the
rendered page is checked against the run's own files: the headline's numbers and verdicts, the
charts, the loss curve, and the example list under each filter. The console must stay clean and the
page must ask for nothing but itself. ``scripts/test.sh`` installs Chromium where it is missing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_eval.compare import mcnemar_exact
from fncall_eval.metrics import aggregate
from fncall_eval.page_data import SIGNIFICANCE
from fncall_eval.quickstart import QuickstartConfig, run_quickstart
from fncall_eval.run import load_run_scores
from fncall_eval.scoring import ExampleScore
from tests.browser import Browser, Page
from tests.eval_helpers import HAND_OUTPUTS, call, tag, write_hand_set, write_jsonl

LISTED = "[...document.querySelectorAll('#list article.example')].map(a => a.dataset.id)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser(width=1280, height=900) as opened:
        yield opened


def _open(browser: Browser, report: Path, fragment: str = "") -> Page:
    page = browser.open(report.resolve().as_uri() + fragment)
    assert page.evaluate("document.documentElement.dataset.ready") == "1"
    return page


def _choose(page: Page, key: str, value: str) -> list[str]:
    """Set one filter as a person would (the control's input event), then the listed ids."""
    return page.evaluate(  # type: ignore[no-any-return]
        f"""(() => {{
        const control = document.querySelector('[data-filter="{key}"]');
        control.value = {json.dumps(value)};
        control.dispatchEvent(new Event("input", {{bubbles: true}}));
        return {LISTED};
    }})()"""
    )


def _verdict(a: list[ExampleScore], b: list[ExampleScore]) -> str:
    """The verdict worked out here from the two score files, by McNemar's test on exact match."""
    right_a = {s.id for s in a if s.call_exact}
    right_b = {s.id for s in b if s.call_exact}
    only_a, only_b = len(right_a - right_b), len(right_b - right_a)
    if only_a + only_b == 0 or mcnemar_exact(only_a, only_b) >= SIGNIFICANCE:
        return "no measurable difference"
    return "better" if only_b > only_a else "worse"


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quickstart on the tiny model: data, a 2-step adapter, both evaluated (14 examples)."""
    out = tmp_path_factory.mktemp("report") / "qs"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FNCALL_CACHE", str(out.parent / "cache"))
        config = QuickstartConfig(
            output_dir=out, model="tiny", steps=2, test_per_group=7, bfcl_per_category=0, max_new_tokens=16
        )
        result = run_quickstart(config)
    assert result.report == out / "eval" / "report.html"
    return out


@pytest.mark.slow
def test_the_quickstarts_report_in_chromium(browser: Browser, quickstart: Path) -> None:
    report = quickstart / "eval" / "report.html"
    page = _open(browser, report)
    scores = load_run_scores(quickstart / "eval")
    groups: dict[str, str] = json.loads((quickstart / "data" / "groups.json").read_text())
    records = [json.loads(line) for line in (quickstart / "data" / "test.jsonl").open()]
    assert list(scores) == ["base", "train-adapter"] and len(records) == 14

    # the headline: overall then each group; every rate shown is the one the score files give
    parts = page.evaluate("[...document.querySelectorAll('#headline .part')].map(p => p.dataset.part)")
    assert parts == ["overall", "training tools", "held-out tools"]
    for part in parts:
        subsets = {
            m: [s for s in rows if part == "overall" or groups[s.id] == part] for m, rows in scores.items()
        }
        for column, model in enumerate(scores, start=2):
            for metric in ("call_exact_match", "json_validity", "tool_accuracy"):
                value = aggregate(subsets[model])[metric]
                shown = page.evaluate(
                    f'document.querySelector(\'#headline .part[data-part="{part}"] '
                    f"tr[data-metric=\"{metric}\"] td:nth-child({column}) .v')?.textContent ?? '–'"
                )
                assert shown == ("–" if value is None else f"{100 * value:.1f}"), (part, model, metric)
        verdict = page.evaluate(
            f"(() => {{ const p = document.querySelector('#headline .part[data-part=\"{part}\"] .verdict');"
            " return [p.dataset.model, p.dataset.verdict, p.querySelector('.badge').textContent]; })()"
        )
        expected = _verdict(subsets["base"], subsets["train-adapter"])
        assert verdict == ["train-adapter", expected, expected]
    top = page.evaluate("document.querySelector('.verdicts .verdict').textContent")
    assert top.startswith("train-adapter vs base overall: ")

    # a chart per metric with a bar for every value metrics.json holds, and the training run
    rows = json.loads((quickstart / "eval" / "metrics.json").read_text())
    for metric in ("call_exact_match", "tool_accuracy", "arg_f1", "json_validity", "schema_validity"):
        bars = page.evaluate(f"document.querySelectorAll('svg.chart[data-metric=\"{metric}\"] rect').length")
        assert bars == sum(r[metric] is not None for r in rows), metric
    run = json.loads((quickstart / "train" / "fncall_run.json").read_text())
    points = page.evaluate("document.querySelector('figure.training polyline').getAttribute('points')")
    assert len(points.split()) == len([p for p in run["loss_curve"] if "loss" in p]) >= 2
    speed = page.evaluate(
        "document.querySelector('figure.training [data-fact=\"tokens_per_s\"] b').textContent"
    )
    assert speed == f"{run['tokens_per_s']:,.1f}"

    # the example browser: every example, then each filter against the files
    assert page.evaluate(LISTED) == [r["id"] for r in records]
    irrelevance = [r["id"] for r in records if r["category"] == "irrelevance"]
    assert irrelevance and _choose(page, "category", "irrelevance") == irrelevance
    base_wrong = {s.id for s in scores["base"] if not s.call_exact}
    _choose(page, "model", "base")
    assert _choose(page, "verdict", "wrong") == [i for i in irrelevance if i in base_wrong]
    assert "category=irrelevance" in page.evaluate("location.hash")
    for key in ("category", "model", "verdict"):
        _choose(page, key, "")
    held = _choose(page, "group", "held-out tools")
    assert held == [r["id"] for r in records if groups[r["id"]] == "held-out tools"] and len(held) == 7
    count = page.evaluate("document.getElementById('count').textContent")
    assert count == "7 of 14 examples match; showing 7."

    # a prompt opens with the tools and conversation the model was given
    first = records[[r["id"] for r in records].index(held[0])]
    opened = page.evaluate(
        """(async () => {
        const details = document.querySelector('#list article.example details.prompt');
        details.open = true;
        await new Promise((done) => {
            details.addEventListener("toggle", () => setTimeout(done, 0), {once: true});
        });
        return [...details.querySelectorAll('.tool b')].map(b => b.textContent);
    })()"""
    )
    assert opened == [t["name"] for t in first["tools"]]
    assert page.problems() == []
    assert page.requests() == [report.resolve().as_uri()]

    # `fncall eval report` rebuilds the very same page from the finished run
    again = CliRunner().invoke(
        cli, ["eval", "report", str(quickstart / "eval"), "-o", str(quickstart / "again")]
    )
    assert again.exit_code == 0, again.output
    assert (quickstart / "again" / "report.html").read_text() == report.read_text()


def _flip_run(tmp_path: Path) -> Path:
    """A run whose second model fixes s2 and breaks s1 (outputs read from files)."""
    data, base = write_hand_set(tmp_path)
    changed: dict[str, Any] = dict(HAND_OUTPUTS)
    changed["s1"] = tag(call("get_weather", city="Lyon"))
    changed["s2"] = tag(call("get_weather", city="Rome", unit="celsius"))
    tuned = write_jsonl(tmp_path / "tuned.jsonl", [{"id": k, "text": v} for k, v in changed.items()])
    argv = ["eval", "run", "--backend", "predictions", "--model", str(base), "-a", str(tuned)]
    result = CliRunner().invoke(cli, [*argv, "-d", str(data), "-o", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    return tmp_path / "run"


def test_flipped_examples_and_search_in_chromium(browser: Browser, tmp_path: Path) -> None:
    run = _flip_run(tmp_path)
    report = run / "report.html"
    page = _open(browser, report, "#flip=any")  # a filtered view is a link
    assert page.evaluate(LISTED) == ["s1", "s2"]
    assert _choose(page, "flip", "fixed:tuned") == ["s2"]
    assert _choose(page, "flip", "broken:tuned") == ["s1"]
    fixed = page.evaluate(
        '[...document.querySelectorAll(\'article[data-id="s1"] .flip, article[data-id="s1"] .run.ok b\')]'
        ".map(e => e.textContent)"
    )
    assert fixed == ["broken by tuned", "base"]
    _choose(page, "flip", "")
    assert _choose(page, "q", "P1") == ["p1"]  # ids and text, any case
    assert _choose(page, "q", "lyon") == ["s1"]  # found in the tuned model's output
    parts = page.evaluate("[...document.querySelectorAll('#headline .part')].map(p => p.dataset.part)")
    assert parts == ["overall", "simple", "parallel", "irrelevance", "missing_param"]
    assert page.problems() == []
    assert page.requests() == [report.resolve().as_uri()]
