"""``fncall eval report RUN_DIR``: the reports rebuilt from a finished run, what it finds beside the
run, and a one-line error naming the file for each bad input."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_eval.report_inputs import find_training, groups_beside
from tests.eval_helpers import HAND_RECORDS, write_hand_set, write_jsonl


def _run(tmp_path: Path) -> tuple[Path, Path]:
    """A finished run of the hand set (predictions read from a file): (run folder, test file)."""
    data, preds = write_hand_set(tmp_path)
    argv = ["eval", "run", "--backend", "predictions", "--model", str(preds), "-a", str(preds)]
    result = CliRunner().invoke(cli, [*argv, "-d", str(data), "-o", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    return tmp_path / "run", data


def _report(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["eval", "report", *args])
    return result.exit_code, result.output


def test_rebuild_gives_the_same_reports_and_picks_up_groups_and_training(tmp_path: Path) -> None:
    run, data = _run(tmp_path)
    before = {name: (run / name).read_text() for name in ("report.html", "report.md", "metrics.csv")}
    code, output = _report(str(run))
    assert code == 0, output
    assert output.rstrip().endswith(f"report: {run / 'report.html'}")
    assert {name: (run / name).read_text() for name in before} == before
    # a groups file beside the test data and a training run beside the run folder join the page
    (data.parent / "groups.json").write_text(
        json.dumps({r.id: f"g{i % 2}" for i, r in enumerate(HAND_RECORDS)})
    )
    (tmp_path / "train").mkdir()
    curve = [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}, {"step": 3, "loss": 1.25}]
    (tmp_path / "train" / "fncall_run.json").write_text(
        json.dumps({"loss_curve": curve, "tokens_per_s": 12.5})
    )
    code, output = _report(str(run), "-o", str(tmp_path / "out"))
    assert code == 0, output
    page = (tmp_path / "out" / "report.html").read_text()
    assert (run / "report.html").read_text() == before["report.html"]  # -o leaves the run alone
    assert page.count('<div class="part" data-part=') == 3  # overall, g0, g1
    assert '<figure class="training" data-label="' in page and "<b>12.5</b> tokens/s" in page
    assert page.count("<polyline") == 1


def test_bad_inputs_are_one_line_errors_naming_the_file(tmp_path: Path) -> None:
    run, data = _run(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, output = _report(str(run), "--groups", str(bad))
    assert code == 2 and f"{bad}: not valid JSON" in output and "Traceback" not in output
    bad.write_text('["a", "b"]')
    code, output = _report(str(run), "--groups", str(bad))
    assert code == 2 and f"{bad}: must be a JSON object of test id -> group name" in output
    code, output = _report(str(run), "--train-run", str(bad))
    assert code == 2 and f"{bad}: must be a JSON object" in output
    other = write_jsonl(tmp_path / "other.jsonl", [HAND_RECORDS[0].to_dict()])
    code, output = _report(str(run), "--data", str(other))
    assert code == 2 and f"{other}: 5 scored example(s) are not in it (e.g. 's2')" in output
    data.unlink()
    code, output = _report(str(run))
    assert code == 2 and f"{data}: no such test file; give this run's test data with --data" in output
    code, output = _report(str(tmp_path))
    assert code == 2 and "holds no scores/*.jsonl" in output


def test_files_found_beside_a_run_that_cannot_be_read_are_left_out_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = write_jsonl(tmp_path / "data" / "test.jsonl", [])
    (tmp_path / "data" / "groups.json").write_text("[1]")
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "fncall_run.json").write_text("{")
    with caplog.at_level(logging.WARNING):
        assert groups_beside(data) is None
        assert find_training(tmp_path / "eval", {"base": None, "tuned": str(tmp_path / "elsewhere")}) == []
    assert [r.message.split(":")[0] for r in caplog.records] == ["left out of the report"] * 2
