"""Training the tiny model end to end: masks in real batches, adapters, resume, both recipes, CLI, merge."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_data.errors import FncallError
from fncall_data.profiles import Segment
from fncall_data.types import Record
from fncall_train import load_config, load_trained, train
from fncall_train.run import ProgressEvent, RunResult, prepare_run

DATA = Path(__file__).parent / "data" / "train_records.jsonl"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


def _config(out: Path, cache: Path, **over: Any) -> Any:
    values: dict[str, Any] = {
        "model": "tiny",
        "data": DATA,
        "output_dir": out,
        "cache_dir": cache,
        "device": "cpu",
    }
    return load_config(**{**values, **over})


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory, cache: Path) -> tuple[RunResult, RunResult, Path]:
    """A default-recipe run stopped after 2 steps, then resumed to 4."""
    out = tmp_path_factory.mktemp("run") / "t"
    first = train(_config(out, cache, max_steps=2, save_steps=2))
    second = train(_config(out, cache, max_steps=4, save_steps=2), resume=True)
    return first, second, out


def _runs(labels: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    previous = False
    for label in labels:
        if label != -100:
            if not previous:
                runs.append([])
            runs[-1].append(label)
        previous = label != -100
    return runs


def _trained_texts(segments: list[Segment]) -> list[str]:
    texts: list[str] = []
    previous = False
    for segment in segments:
        if segment.trained and segment.text:
            if previous:
                texts[-1] += segment.text
            else:
                texts.append(segment.text)
        previous = (segment.trained and bool(segment.text)) or (previous and not segment.text)
    return texts


@pytest.mark.parametrize("backend", ["trl", "hf"])
def test_collated_labels_cover_exactly_the_model_turns(tmp_path: Path, cache: Path, backend: str) -> None:
    run = prepare_run(_config(tmp_path / "m", cache, backend=backend, batch_size=3))
    by_ids: dict[tuple[int, ...], Record] = {}
    for _where, record in _records():
        enc = [e for e in run.examples if e.record_id == record.id]
        if enc:
            by_ids[tuple(enc[0].input_ids)] = record
    seen = 0
    for batch in run.trainer.get_train_dataloader():
        ids, labels, positions = batch["input_ids"][0], batch["labels"][0], batch["position_ids"][0]
        starts = [*(positions == 0).nonzero().flatten().tolist(), len(ids)]
        for start, end in itertools.pairwise(starts):
            record = by_ids[tuple(ids[start:end].tolist())]
            # an independent computation: decode each run of labelled tokens and compare it with the
            # text of the profile's trained segments, in order
            decoded = [run.tokenizer.decode(r) for r in _runs(labels[start:end].tolist())]
            assert decoded == _trained_texts(run.profile.segments(record)), record.id
            seen += 1
    assert seen == len(run.examples) == 24


def _records() -> list[tuple[str, Record]]:
    from fncall_train.data import read_records

    return read_records(DATA).records


def test_seed_recipe_trains_every_token_with_two_bos(tmp_path: Path, cache: Path) -> None:
    run = prepare_run(_config(tmp_path / "s", cache, recipe="seed", max_length=1024))
    bos = run.tokenizer.bos_token_id
    assert all(
        e.input_ids[:3] == [bos, bos, e.input_ids[2]] and e.labels == e.input_ids for e in run.examples
    )
    batch = next(iter(run.trainer.get_train_dataloader()))
    # wrapped packing: full 1024-token blocks, no position restarts, every label is the token itself
    assert batch["input_ids"].shape == (1, 1024) and "position_ids" not in batch
    assert batch["labels"].tolist() == batch["input_ids"].tolist()


def test_training_moves_the_adapter_and_not_the_base(tmp_path: Path, cache: Path) -> None:
    import torch

    run = prepare_run(_config(tmp_path / "w", cache, max_steps=2))
    before = {n: p.detach().clone() for n, p in run.model.named_parameters()}
    run.trainer.train()
    after = dict(run.model.named_parameters())
    lora = [n for n in before if "lora_" in n]
    base = [n for n in before if "lora_" not in n]
    assert lora and base
    assert all(not after[n].requires_grad and torch.equal(before[n], after[n]) for n in base)
    assert all(not torch.equal(before[n], after[n]) for n in lora if "lora_B" in n)


def test_lora_on_the_top_layers_stops_the_backward_pass_there(tmp_path: Path, cache: Path) -> None:
    import re

    run = prepare_run(_config(tmp_path / "w", cache, max_steps=1, lora_layers=1))
    decoder = run.model.get_base_model().model.layers
    top = len(decoder) - 1
    lora = [n for n, _ in run.model.named_parameters() if "lora_" in n]
    assert lora and {int(re.search(r"layers\.(\d+)\.", n).group(1)) for n in lora} == {top}  # type: ignore[union-attr]
    reached: list[int] = []
    for i in (0, top):
        decoder[i].mlp.down_proj.register_full_backward_hook(lambda *_, i=i: reached.append(i))
    run.trainer.train()
    assert reached and set(reached) == {top}  # the lowest layer never ran a backward pass


def test_resume_continues_the_same_run(resumed: tuple[RunResult, RunResult, Path]) -> None:
    first, second, out = resumed
    assert (first.steps, second.steps) == (2, 4)
    assert [c["step"] for c in second.loss_curve] == [1, 2, 3, 4]
    assert second.loss_curve[:2] == first.loss_curve
    manifest = json.loads((out / "fncall_run.json").read_text())
    assert manifest["resumed_from"].endswith("checkpoint-2") and manifest["steps"] == 4
    assert manifest["loss_curve"] == second.loss_curve


def test_resuming_a_finished_run_changes_nothing(
    resumed: tuple[RunResult, RunResult, Path], cache: Path
) -> None:
    _, _, out = resumed
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    args = ["train", "--model", "tiny", "--data", str(DATA), "--cache-dir", str(cache), "--device", "cpu"]
    done = CliRunner().invoke(cli, [*args, "--max-steps", "4", "--resume", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1] == (
        f"{out}: the run is complete (4 steps, adapter in {out / 'adapter'}); nothing was changed. "
        "To train further, resume with --max-steps above 4"
    )
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before


def test_the_run_folder_holds_a_small_adapter_and_a_complete_manifest(
    resumed: tuple[RunResult, RunResult, Path],
) -> None:
    from safetensors import safe_open

    _, _, out = resumed
    config = json.loads((out / "adapter" / "adapter_config.json").read_text())
    assert Path(config["base_model_name_or_path"], "config.json").is_file()
    assert sorted(config["target_modules"]) == [
        "down_proj",
        "gate_proj",
        "k_proj",
        "o_proj",
        "q_proj",
        "up_proj",
        "v_proj",
    ]
    with safe_open(out / "adapter" / "adapter_model.safetensors", "pt") as tensors:
        assert all("lora_A" in k or "lora_B" in k for k in tensors.keys())  # noqa: SIM118
    manifest = json.loads((out / "fncall_run.json").read_text())
    assert set(manifest) >= {
        "config",
        "versions",
        "data",
        "loss_curve",
        "wall_s",
        "tokens_per_s",
        "peak_memory_mb",
    }
    assert manifest["data"]["sha256"] == __import__("hashlib").sha256(DATA.read_bytes()).hexdigest()
    assert manifest["versions"]["trl"] and manifest["tokens_per_s"] > 0
    tokenizer_config = json.loads((out / "tokenizer" / "tokenizer_config.json").read_text())
    assert "generation" in (
        tokenizer_config.get("chat_template") or (out / "tokenizer" / "chat_template.jinja").read_text()
    )


def test_the_adapter_reloads_and_generates(resumed: tuple[RunResult, RunResult, Path]) -> None:
    from fncall_data.profiles import get_profile

    _, _, out = resumed
    trained = load_trained(out, device="cpu")
    record = _records()[0][1]
    prompt = get_profile("gemma").prompt(record, 2)
    enc = trained.tokenizer(prompt, return_tensors="pt")
    generated = trained.model.generate(**enc, max_new_tokens=5, do_sample=False)
    assert generated.shape[1] == enc["input_ids"].shape[1] + 5


def test_cli_trains_both_recipes_and_merges(tmp_path: Path, cache: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    runner = CliRunner()
    common = [
        "--model",
        "tiny",
        "--data",
        str(DATA),
        "--cache-dir",
        str(cache),
        "--device",
        "cpu",
        "--max-steps",
        "1",
    ]
    done = runner.invoke(cli, ["train", *common, "-o", str(tmp_path / "d")])
    assert done.exit_code == 0, done.output
    assert "step 1/1  loss " in done.output and " tok/s" in done.output and "adapter: " in done.output
    seed = runner.invoke(
        cli, ["train", *common, "--recipe", "seed", "--max-length", "1024", "-o", str(tmp_path / "s")]
    )
    assert seed.exit_code == 0, seed.output
    # the seed adapter carries the whole (tied) embedding; ours carries LoRA matrices only
    assert (tmp_path / "s/adapter/adapter_model.safetensors").stat().st_size > 2 * (
        tmp_path / "d/adapter/adapter_model.safetensors"
    ).stat().st_size
    merged = runner.invoke(cli, ["train", "merge", str(tmp_path / "s"), "-o", str(tmp_path / "merged")])
    assert merged.exit_code == 0, merged.output
    full = AutoModelForCausalLM.from_pretrained(tmp_path / "merged")
    trained = load_trained(tmp_path / "s", device="cpu")
    ids = torch.tensor([[2, 10, 11, 12, 13]])
    with torch.no_grad():
        assert torch.allclose(full(input_ids=ids).logits, trained.model(input_ids=ids).logits, atol=1e-4)


def test_cli_mistakes_are_one_line_with_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(
        cli, ["train", "--model", "tiny", "--data", str(tmp_path / "x.jsonl"), "-o", str(tmp_path)]
    )
    assert missing.exit_code == 2
    assert missing.output.strip().endswith(
        "no such file or folder; pass --data a JSONL file of records "
        "(`fncall data generate` writes one) or a dataset folder"
    )
    recipe = runner.invoke(cli, ["train", "--recipe", "defualt", "--data", str(DATA), "-o", str(tmp_path)])
    assert recipe.exit_code == 2 and "did you mean 'default'?" in recipe.output
    no_out = runner.invoke(cli, ["train", "--data", str(DATA)])
    assert no_out.exit_code == 2 and "output_dir" in no_out.output
    (tmp_path / "empty.jsonl").write_text("")
    empty = runner.invoke(
        cli, ["train", "--model", "tiny", "--data", str(tmp_path / "empty.jsonl"), "-o", str(tmp_path / "e")]
    )
    assert empty.exit_code == 2 and "Traceback" not in empty.output
    assert empty.output.strip().splitlines()[-1] == (
        f"error: {tmp_path / 'empty.jsonl'}: no training record in it: the file holds no rows"
    )


def test_new_tokens_travel_as_their_rows_only(tmp_path: Path, cache: Path) -> None:
    from safetensors import safe_open

    # the seed profile's tags are not in the tiny vocabulary: the default recipe trains only their rows
    result = train(_config(tmp_path / "n", cache, profile="seed", max_steps=1, save_steps=1, max_length=1024))
    assert result.new_tokens and "</tool_reponse>" in result.new_tokens
    final = tmp_path / "n" / "adapter" / "adapter_model.safetensors"
    with safe_open(final, "pt") as tensors:
        names = list(tensors.keys())
        rows = [tensors.get_tensor(n) for n in names if "trainable_tokens" in n]
    assert rows and all(r.shape[0] == len(result.new_tokens) for r in rows)
    assert not [n for n in names if n.endswith("embed_tokens.weight")]
    # checkpoints are as small as the adapter: the grown embedding is not copied into them either
    checkpoint = tmp_path / "n" / "checkpoints" / "checkpoint-1" / "adapter_model.safetensors"
    assert checkpoint.stat().st_size == final.stat().st_size
    trained = load_trained(tmp_path / "n", device="cpu")
    assert trained.model.get_input_embeddings().weight.shape[0] == len(trained.tokenizer)


def test_the_hf_backend_trains_too(tmp_path: Path, cache: Path) -> None:
    result = train(_config(tmp_path / "hf", cache, backend="hf", max_steps=2))
    assert result.steps == 2 and len(result.loss_curve) == 2
    assert (tmp_path / "hf" / "adapter" / "adapter_model.safetensors").is_file()
    manifest = json.loads((tmp_path / "hf" / "fncall_run.json").read_text())
    assert manifest["config"]["backend"] == "hf"


def test_a_time_budget_stops_after_the_step_that_passes_it(tmp_path: Path, cache: Path) -> None:
    # a budget of well under a second: the first optimizer step passes it, so training stops there
    result = train(_config(tmp_path / "budget", cache, max_steps=6, max_minutes=1e-4))
    assert result.steps == 1
    assert (tmp_path / "budget" / "adapter" / "adapter_model.safetensors").is_file()


@pytest.fixture
def step_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[ProgressEvent], None]:
    """A clock that advances one second per logged step, so that tests of time budgets hold on a machine
    of any speed and load; returns the progress callback that ticks it."""
    import fncall_train.clock
    import fncall_train.run

    now = [1000.0]
    fake = SimpleNamespace(perf_counter=lambda: now[0])
    monkeypatch.setattr(fncall_train.clock, "time", fake)
    monkeypatch.setattr(fncall_train.run, "time", fake)

    def tick(event: ProgressEvent) -> None:
        now[0] += 1.0

    return tick


def test_a_clock_schedule_decays_over_the_time_budget(
    tmp_path: Path, cache: Path, step_clock: Callable[[ProgressEvent], None]
) -> None:
    # 12 seconds laid out as warm-up then cosine decay; max_steps is only a cap the run never reaches
    config = _config(tmp_path / "clock", cache, max_steps=100_000, max_minutes=0.2, schedule_by="minutes",
                     learning_rate=1e-3, scheduler="cosine", warmup_fraction=0.1)  # fmt: skip
    result = train(config, step_clock)
    rates = [point["learning_rate"] for point in result.loss_curve]
    # the clock ticks as a step is logged, after that step's budget check: step 13 sees 12 seconds gone
    assert result.steps == 13
    assert max(rates) <= 1e-3 + 1e-12
    peak = rates.index(max(rates))
    assert rates[peak:] == sorted(rates[peak:], reverse=True)  # decays from its peak on
    assert rates[-1] < 0.2 * 1e-3  # and has decayed by the time the budget stops the run


def test_a_clock_schedule_needs_a_time_budget(tmp_path: Path, cache: Path) -> None:
    with pytest.raises(FncallError, match="schedule_by 'minutes' needs max_minutes"):
        _config(tmp_path / "clockless", cache, schedule_by="minutes")


def test_a_slow_machine_trains_to_the_floor_of_steps_and_says_so(
    tmp_path: Path, cache: Path, step_clock: Callable[[ProgressEvent], None]
) -> None:
    # one second a step (a busy machine): a budget of 3 seconds would give three steps
    notes: list[str] = []

    def slow(event: ProgressEvent) -> None:
        step_clock(event)
        if event.note:
            notes.append(event.note)

    over = {"max_steps": 50, "max_minutes": 0.05, "schedule_by": "minutes", "learning_rate": 1e-3,
            "scheduler": "linear", "warmup_fraction": 0.0}  # fmt: skip
    floored = train(_config(tmp_path / "floor", cache, min_steps=8, **over), slow)
    assert floored.steps == 8
    assert len(notes) == 1 and "under the floor of 8: training goes on to step 8" in notes[0]
    rates = [point["learning_rate"] for point in floored.loss_curve]
    assert rates == sorted(rates, reverse=True) and rates[-1] <= 1e-3 / 8 + 1e-12  # decayed by the steps

    notes.clear()
    clock_only = train(_config(tmp_path / "clock-only", cache, **over), slow)
    assert clock_only.steps == 4 and not notes  # the step that sees 3 seconds gone is the last


def _adapter(folder: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(folder / "adapter" / "adapter_model.safetensors")


def _equal(a: dict[str, Any], b: dict[str, Any]) -> bool:
    import torch

    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_two_runs_with_one_seed_end_with_equal_losses_and_adapters(tmp_path: Path, cache: Path) -> None:
    # LoRA's A matrices are drawn when the adapter is made: they must come from the seed, not the clock
    runs = [train(_config(tmp_path / name, cache, max_steps=4, seed=5)) for name in ("one", "two")]
    assert [p["loss"] for p in runs[0].loss_curve] == [p["loss"] for p in runs[1].loss_curve]
    assert _equal(_adapter(tmp_path / "one"), _adapter(tmp_path / "two"))
    other = train(_config(tmp_path / "other", cache, max_steps=4, seed=6))
    assert not _equal(_adapter(tmp_path / "one"), _adapter(tmp_path / "other"))
    assert other.steps == 4


class _Killed(Exception):
    pass


def test_a_killed_and_resumed_run_equals_an_uninterrupted_one(tmp_path: Path, cache: Path) -> None:
    whole = train(_config(tmp_path / "whole", cache, max_steps=4, save_steps=2, seed=5))

    def kill_at_step_3(event: ProgressEvent) -> None:
        if event.step == 3:
            raise _Killed  # after the checkpoint of step 2, before step 4

    with pytest.raises(_Killed):
        train(_config(tmp_path / "cut", cache, max_steps=4, save_steps=2, seed=5), kill_at_step_3)
    resumed = train(_config(tmp_path / "cut", cache, max_steps=4, save_steps=2, seed=5), resume=True)
    assert [p["loss"] for p in resumed.loss_curve] == [p["loss"] for p in whole.loss_curve]
    assert _equal(_adapter(tmp_path / "whole"), _adapter(tmp_path / "cut"))
