"""Prediction files and the runner: written as they come, resumed after a kill without duplicates."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from fncall_data.errors import FncallError, InputError
from fncall_data.types import Record
from fncall_eval.backends import BACKENDS, Backend, GenerateConfig, create_backend
from fncall_eval.predictions import Prediction, PredictionWriter, read_predictions
from fncall_eval.run import RunConfig, load_run_scores, run_eval, variant_labels
from tests.eval_helpers import HAND_OUTPUTS, HAND_RECORDS, write_hand_set


class Killed(Exception):
    """Stands for the process being killed in the middle of generation."""


class Scripted(Backend):
    """Answers from HAND_OUTPUTS, remembers every id it generated, and can die after N outputs."""

    generated: list[tuple[str | None, str]] = []  # noqa: RUF012 -- shared on purpose: the test reads it
    die_after: int | None = None

    def __init__(self, config: GenerateConfig) -> None:
        self.config = config

    def generate(self, records: Sequence[Record], *, adapter: str | None = None) -> Iterator[Prediction]:
        for record in records:
            if Scripted.die_after is not None and len(Scripted.generated) >= Scripted.die_after:
                raise Killed
            Scripted.generated.append((adapter, record.id))
            text = HAND_OUTPUTS[record.id] if adapter is None else "No call."
            yield Prediction(record.id, text, seconds=0.01)


if "scripted-test" not in BACKENDS.names():
    BACKENDS.register("scripted-test", Scripted)


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    Scripted.generated = []
    Scripted.die_after = None
    yield


def test_writer_drops_a_cut_last_line_and_repeated_ids(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"id": "a", "text": "1"}\n{"id": "a", "text": "2"}\n{"id": "b", "text": "x"}\n{"id": "c", "te'
    )
    writer = PredictionWriter(path)
    assert {k: v.text for k, v in writer.done.items()} == {"a": "1", "b": "x"}
    assert path.read_text() == '{"id": "a", "text": "1"}\n{"id": "b", "text": "x"}\n'
    assert writer.pending(["a", "b", "c"]) == ["c"]
    with writer:
        writer.write(Prediction("c", "y"))
        writer.write(Prediction("c", "again"))  # already done: ignored
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["a", "b", "c"]


def test_prediction_round_trip_and_errors(tmp_path: Path) -> None:
    p = Prediction("x", None, message={"role": "assistant", "tool_calls": []}, error=None, seconds=1.23456)
    assert Prediction.from_dict(p.to_dict()) == Prediction(
        "x", None, {"role": "assistant", "tool_calls": []}, None, 1.2346
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": 3}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:1: text: must be a string"):
        read_predictions(bad)


def test_variant_labels() -> None:
    assert variant_labels(["a/adapter", "b/adapter", "a/adapter"], False) == [
        ("a-adapter", "a/adapter"),
        ("b-adapter", "b/adapter"),
        ("a-adapter-2", "a/adapter"),
    ]
    assert variant_labels(["p/base.jsonl", "q/base.jsonl"], False) == [
        ("base", "p/base.jsonl"),
        ("base-2", "q/base.jsonl"),
    ]
    with pytest.raises(FncallError, match="nothing to evaluate"):
        variant_labels([], False)


def test_unknown_backend_lists_known_ones() -> None:
    with pytest.raises(FncallError, match=r"unknown inference backend 'hff'.*did you mean 'hf'"):
        create_backend("hff", GenerateConfig(model="x"))


def _config(data: Path, out: Path) -> RunConfig:
    return RunConfig(
        data=data,
        out=out,
        generate=GenerateConfig(model="m"),
        backend="scripted-test",
        adapters=("x/lora",),
        n_boot=50,
    )


def test_killed_run_resumes_without_redoing_or_duplicating(tmp_path: Path) -> None:
    data, _ = write_hand_set(tmp_path)
    out = tmp_path / "run"
    Scripted.die_after = 4
    with pytest.raises(Killed):
        run_eval(_config(data, out))
    first = list(Scripted.generated)
    assert first == [(None, r.id) for r in HAND_RECORDS[:4]]
    assert len((out / "predictions" / "base.jsonl").read_text().splitlines()) == 4
    # a kill in the middle of a write leaves half a line behind
    with open(out / "predictions" / "base.jsonl", "a") as handle:
        handle.write('{"id": "i2", "text": "<tool_ca')

    Scripted.die_after = None
    Scripted.generated = []
    progress: list[tuple[str, int, int]] = []
    result = run_eval(_config(data, out), progress=lambda *a: progress.append(a))
    assert Scripted.generated == [(None, "i2"), (None, "m1")] + [("x/lora", r.id) for r in HAND_RECORDS]
    assert progress[0] == ("base", 4, 6) and progress[-1] == ("lora", 6, 6)
    for label in ("base", "lora"):
        ids = [
            json.loads(line)["id"]
            for line in (out / "predictions" / f"{label}.jsonl").read_text().splitlines()
        ]
        assert sorted(ids) == sorted(r.id for r in HAND_RECORDS)
    assert (
        result.frame.loc[
            result.frame["model"].eq("base") & result.frame["category"].eq("overall"), "call_exact_match"
        ].item()
        == 0.5
    )
    assert {p.name for p in out.iterdir()} >= {
        "predictions",
        "scores",
        "report.html",
        "metrics.csv",
        "run.json",
    }
    assert list(load_run_scores(out)) == ["base", "lora"]

    # a third run has nothing left to generate
    Scripted.generated = []
    run_eval(_config(data, out))
    assert Scripted.generated == []


def test_predictions_backend_scores_files(tmp_path: Path) -> None:
    data, preds = write_hand_set(tmp_path)
    config = RunConfig(
        data=data,
        out=tmp_path / "r",
        generate=GenerateConfig(model=str(preds)),
        backend="predictions",
        n_boot=0,
    )
    result = run_eval(config)
    assert result.scores["base"][0].call_exact
    missing = tmp_path / "few.jsonl"
    missing.write_text('{"id": "s1", "text": "hi"}\n')
    result = run_eval(
        config.model_copy(update={"out": tmp_path / "r2", "generate": GenerateConfig(model=str(missing))})
    )
    assert [s.status for s in result.scores["base"]][:2] == ["no_call", "error"]
    assert result.scores["base"][1].error == f"generation failed: no line with this id in {missing}"


def test_scoring_and_the_cli_import_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, fncall_eval\n"
        "for name in fncall_eval.__all__: getattr(fncall_eval, name)\n"
        "import fncall_eval.cli, fncall_eval.report\n"
        "import fncall_eval.backends.openai, fncall_eval.backends.predictions\n"
        "print(sorted({'torch', 'transformers', 'peft', 'pandas', 'numpy', 'datasets'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
