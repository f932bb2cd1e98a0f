"""The quickstart end to end on the tiny model: every stage runs, resumes, and the summary is honest."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_eval.quickstart import QuickstartConfig, _data, _held_out, run_quickstart

pytestmark = pytest.mark.slow


def test_quickstart_on_the_tiny_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FNCALL_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "qs"
    config = QuickstartConfig(
        output_dir=out, model="tiny", steps=2, test_per_group=14, bfcl_per_category=0, max_new_tokens=16
    )
    news: list[tuple[str, str]] = []
    result = run_quickstart(config, lambda stage, text: news.append((stage, text)))

    held = set(result.held_out)
    assert len(held) == 8
    train = [json.loads(line) for line in (out / "data" / "train.jsonl").open()]
    # no held-out tool is ever offered in training, and every category is there
    assert not held & {t["name"] for r in train for t in r["tools"]}
    assert {r["category"] for r in train} == {
        "simple", "multiple", "parallel", "parallel_multiple", "multi_turn", "irrelevance", "missing_param"
    }  # fmt: skip
    # the short run's records end at the reply to their last request: its calls, or the refusal or
    # question where no call is right (the scored turn is never cut away); 30% of them are of that kind
    for record in train:
        messages = record["messages"]
        last = messages[-1]
        assert last["role"] == "assistant" and messages[-2]["role"] == "user", record["id"]
        if record["category"] in ("irrelevance", "missing_param"):
            assert not last.get("tool_calls"), record["id"]
    quiet = sum(r["category"] in ("irrelevance", "missing_param") for r in train) / len(train)
    assert 0.25 <= quiet <= 0.35
    groups = json.loads((out / "data" / "groups.json").read_text())
    test = [json.loads(line) for line in (out / "data" / "test.jsonl").open()]
    assert len(test) == len(groups) == 28
    for record in test:  # one request a record (two for a multi-turn one)
        assert sum(m["role"] == "user" for m in record["messages"]) <= 2
        offered = {t["name"] for t in record["tools"]}
        assert bool(offered & held) == (groups[record["id"]] == "held-out tools")
    train_queries = {r["messages"][1]["content"] for r in train}
    assert not any(r["messages"][1]["content"] in train_queries for r in test)

    assert result.train["steps"] == 2
    assert {(row["model"], row["group"]) for row in result.summary} == {
        (m, g) for m in ("base", "train-adapter") for g in ("training tools", "held-out tools")
    }
    assert all(row["n"] == 14 for row in result.summary)
    assert result.report is not None and result.report.is_file()
    assert {stage for stage, _ in news} >= {"data", "train", "eval"}
    saved = json.loads((out / "quickstart.json").read_text())
    assert saved["summary"] == result.summary

    # a second run finds every stage done: the same numbers, and no training again
    again = CliRunner().invoke(
        cli, ["quickstart", "--model", "tiny", "--steps", "2", "--test-per-group", "14",
              "--bfcl-per-category", "0", "--max-new-tokens", "16", "-o", str(out)],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "step 1/" not in again.output and "held-out tools" in again.output
    # and says that it reused them, so that options changed since are not silently ignored
    assert f"data: {out / 'data'} is an earlier run's: reused" in again.output
    assert f"train: {out / 'train'} holds an earlier run's adapter: reused" in again.output


# What fncall itself writes on the screen: progress lines, the tables, their titles and the last line.
_OWN_LINE = re.compile(
    r"\[ *\d+\.\d min\] [a-z-]+: .+|(model|base|train-adapter) .+|BFCL sample .+|done in .+|"
)


def test_the_terminal_shows_only_fncalls_lines_and_the_rest_is_logged(tmp_path: Path) -> None:
    exe = shutil.which("fncall") or str(Path(sys.executable).with_name("fncall"))
    out = tmp_path / "qs"
    args = ["quickstart", "--model", "tiny", "--steps", "2", "--test-per-group", "7"]
    args += ["--bfcl-per-category", "0", "--max-new-tokens", "8", "-o", str(out)]
    env = {**os.environ, "FNCALL_CACHE": str(tmp_path / "cache")}
    done = subprocess.run([exe, *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    foreign = [line for line in done.stdout.splitlines() if not _OWN_LINE.fullmatch(line)]
    assert not foreign, foreign
    log = (out / "quickstart.log").read_text()
    assert "fncall_train.models: loaded tiny" in log  # the library's own records, with what libraries wrote
    assert done.stdout.rstrip().endswith(f"log: {out / 'quickstart.log'}")
    assert "answers from the cache" not in done.stdout

    # another run folder on the same machine: the base model's answers come from the cache, said so
    args[args.index("-o") + 1] = str(tmp_path / "again")
    again = subprocess.run([exe, *args], capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    assert "eval: base: 14 answers from the cache" in again.stdout


def test_a_bad_option_value_is_one_line() -> None:
    result = CliRunner().invoke(cli, ["quickstart", "--test-per-group", "3"])
    assert result.exit_code == 2
    assert (
        result.output
        == "error: quickstart: test_per_group: Input should be greater than or equal to 7 (got 3)\n"
    )


def test_held_out_tools_spread_over_domains() -> None:
    from fncall_data.generate import catalog_specs

    specs = catalog_specs()
    picked = _held_out(specs, 8, seed=7)
    domains = {s.domain for s in specs if s.name in picked}
    assert len(picked) == 8 and len(domains) == 8
    assert picked == _held_out(specs, 8, seed=7) != _held_out(specs, 8, seed=8)


def test_full_mode_is_for_hub_models_on_a_gpu_and_generates_full_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    from fncall_eval.quickstart import _data, is_full

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert is_full(QuickstartConfig(model="google/gemma-2-2b-it"))
    assert not is_full(QuickstartConfig(model="embedded"))  # the embedded model keeps the CPU budget
    assert not is_full(QuickstartConfig(model="google/gemma-2-2b-it", full=False))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert not is_full(QuickstartConfig(model="google/gemma-2-2b-it"))

    config = QuickstartConfig(
        output_dir=tmp_path, model="tiny", full=True, full_records=150, test_per_group=7
    )
    _, groups, steps = _data(config, lambda stage, text: None)
    assert steps == 0  # one epoch: the recipe decides
    assert sum(1 for _ in (tmp_path / "data" / "train.jsonl").open()) == 150
    assert len(groups) == 14


def test_stacked_training_records_keep_every_request_and_the_test_set_keeps_one(tmp_path: Path) -> None:
    config = QuickstartConfig(output_dir=tmp_path, model="tiny", steps=20, requests=3, test_per_group=7)
    _data(config, lambda stage, text: None)
    train = [json.loads(line) for line in (tmp_path / "data" / "train.jsonl").open()]
    quiet = 0
    for record in train:
        messages = record["messages"]
        replies = [messages[i + 1] for i, m in enumerate(messages) if m["role"] == "user"]
        # three requests (a multi-turn record brings its follow-up), a call beside a no-call, and the
        # record ends at the reply to the last one: a refusal or question where no call is right
        assert len(replies) >= 3 and replies[-1] is messages[-1], record["id"]
        assert any(r.get("tool_calls") for r in replies) and any(not r.get("tool_calls") for r in replies)
        if record["category"] in ("irrelevance", "missing_param"):
            quiet += 1
            assert not messages[-1].get("tool_calls"), record["id"]
    assert quiet > 0
    for line in (tmp_path / "data" / "test.jsonl").open():
        assert sum(m["role"] == "user" for m in json.loads(line)["messages"]) <= 2


def test_the_ask_share_splits_the_no_call_records_and_the_test_set_keeps_its_mix(tmp_path: Path) -> None:
    counts = {}
    for share in (0.5, 0.8):
        config = QuickstartConfig(output_dir=tmp_path / str(share), model="tiny", steps=20, ask_share=share)
        _data(config, lambda stage, text: None)
        train = [json.loads(line)["category"] for line in (config.output_dir / "data" / "train.jsonl").open()]
        asks, irrelevant = train.count("missing_param"), train.count("irrelevance")
        counts[share] = asks / (asks + irrelevant)
        assert (asks + irrelevant) / len(train) == pytest.approx(0.3, abs=0.06)
    assert counts[0.5] == pytest.approx(0.5, abs=0.12)
    assert counts[0.8] == pytest.approx(0.8, abs=0.1)
    # the test set is drawn from the generator's own mix whatever the training split: the held-out tools'
    # records are the same (those of the training tools leave out queries the training set asks)
    held = [
        [line for line in (tmp_path / str(s) / "data" / "test.jsonl").open() if '"id": "heldout-' in line]
        for s in (0.5, 0.8)
    ]
    assert held[0] and held[0] == held[1]


def test_a_calibrated_decision_is_chosen_on_validation_records_and_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fncall_eval.decision import FILE

    monkeypatch.setenv("FNCALL_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "qs"
    config = QuickstartConfig(
        output_dir=out, model="tiny", steps=2, test_per_group=7, bfcl_per_category=0, max_new_tokens=8,
        decision="calibrated", validation_records=20,
    )  # fmt: skip
    news: list[tuple[str, str]] = []
    result = run_quickstart(config, lambda stage, text: news.append((stage, text)))

    def queries(name: str) -> set[str]:
        lines = (out / "data" / name).read_text().splitlines()
        return {
            m["content"].lower()
            for line in lines
            for m in json.loads(line)["messages"]
            if m["role"] == "user"
        }

    val = [json.loads(line) for line in (out / "data" / "val.jsonl").open()]
    assert len(val) == 20
    held = set(result.held_out)
    assert not held & {t["name"] for r in val for t in r["tools"]}  # the training tools only
    assert not queries("val.jsonl") & (queries("train.jsonl") | queries("test.jsonl"))
    kinds = {r["category"] in ("irrelevance", "missing_param") for r in val}
    assert kinds == {True, False}  # both kinds of request, or no threshold could be placed

    saved = json.loads((out / "train" / "adapter" / FILE).read_text())
    assert result.train["decision"] == saved and saved["records"] == 20
    assert any(stage == "decision" and "call when P(opener) >=" in text for stage, text in news)
    stamp = json.loads((out / "eval" / "predictions" / "train-adapter.fingerprint.json").read_text())
    assert stamp["settings"]["call_threshold"] == saved["threshold"]
    base_stamp = json.loads((out / "eval" / "predictions" / "base.fingerprint.json").read_text())
    assert "call_threshold" not in base_stamp["settings"]
    # calls are held to their schemas by default, for the base model and the adapter alike
    assert "constrained" in stamp["settings"] and "constrained" in base_stamp["settings"]


def test_lora_layers_reach_the_training_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fncall_train.run as run_module
    from fncall_eval.quickstart import _train

    class Stop(Exception):
        pass

    seen = []

    def capture(config: object, progress: object = None) -> None:
        seen.append(config)
        raise Stop

    monkeypatch.setattr(run_module, "train", capture)
    for layers in (1, None):
        config = QuickstartConfig(
            output_dir=tmp_path / str(layers), model="tiny", steps=2, lora_layers=layers
        )
        with pytest.raises(Stop):
            _train(config, 2, lambda stage, text: None)
    assert [c.lora_layers for c in seen] == [1, None]  # type: ignore[attr-defined]


def test_without_the_engine_a_constrained_quickstart_stops_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from fncall_data.errors import FncallError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "llguidance" else real(name, *a)
    )
    with pytest.raises(FncallError, match="--unconstrained"):
        run_quickstart(QuickstartConfig(output_dir=tmp_path / "qs", model="tiny", steps=2))
    assert not (tmp_path / "qs").exists()  # nothing generated, nothing trained
