"""The hf backend on the tiny model: base and a LoRA adapter side by side through ``fncall eval run``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_data.errors import FncallError
from fncall_eval.backends import GenerateConfig, create_backend
from fncall_eval.page import CHART_METRICS
from tests.eval_helpers import HAND_RECORDS, write_hand_set


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fncall-cache")


@pytest.fixture(scope="module")
def adapter(cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LoRA adapter on the tiny model whose B matrices were moved off zero, so it changes outputs."""
    import torch
    from peft import LoraConfig, get_peft_model

    from fncall_data.profiles import get_profile
    from fncall_train.models import load_model

    loaded = load_model("tiny", profile=get_profile("gemma"), device="cpu", cache_dir=cache)
    model = get_peft_model(
        loaded.model, LoraConfig(r=4, lora_alpha=16, target_modules=["q_proj", "v_proj", "o_proj"])
    )
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, weight in model.named_parameters():
            if "lora_B" in name:
                weight.copy_(torch.randn(weight.shape, generator=generator) * 0.5)
    folder = tmp_path_factory.mktemp("t", numbered=False) / "adapter"
    model.save_pretrained(str(folder))
    return folder


def test_missing_package_says_what_to_install(monkeypatch: Any) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "peft" else real(name, *a)
    )
    with pytest.raises(FncallError, match=r'the hf backend needs peft: pip install "fncall\[train\]"'):
        create_backend("hf", GenerateConfig(model="tiny"))


@pytest.mark.slow
def test_batched_equals_one_at_a_time_and_adapters_switch_cleanly(
    cache: Path, adapter: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("FNCALL_CACHE", str(cache))
    backend: Any = create_backend(
        "hf", GenerateConfig(model="tiny", max_new_tokens=6, batch_size=4, device="cpu")
    )
    by_id = [r.id for r in HAND_RECORDS]

    def texts(adapter_path: str | None) -> list[str | None]:
        got = {p.id: p.text for p in backend.generate(HAND_RECORDS, adapter=adapter_path)}
        return [got[i] for i in by_id]

    base = texts(None)
    one_by_one = [backend.generate_texts([p])[0] for p in backend.prompts(HAND_RECORDS)]
    assert base == one_by_one  # left padding changes nothing under greedy decoding
    tuned = texts(str(adapter))
    assert tuned != base
    assert texts(None) == base  # the adapter is off again for the base model
    assert texts(str(adapter)) == tuned  # and loaded once: switching back gives the same outputs
    assert len(backend._adapters) == 1
    # the adapter is merged into the weights while it generates; unmerged it writes the same text
    from peft.tuners.lora import LoraLayer

    layers = [m for m in backend.model.modules() if isinstance(m, LoraLayer)]
    assert layers and not any(m.merged for m in layers)  # taken out again after generating
    backend.model.set_adapter(backend._adapters[os.path.abspath(adapter)])
    unmerged = dict(zip(by_id, backend.generate_texts(backend.prompts(HAND_RECORDS)), strict=True))
    assert [unmerged[i] for i in by_id] == tuned
    # a turn also ends where the model opens the next one or writes the tool's answer itself
    assert backend.tokenizer.convert_tokens_to_ids("<start_of_turn>") in backend._stop_ids
    assert (
        backend._cut('<tool_call>{}</tool_call> ok\n<tool_response>{"a": 1}')
        == "<tool_call>{}</tool_call> ok\n"
    )
    assert backend._cut("Hi<start_of_turn>user\nmore") == "Hi"


@pytest.mark.slow
def test_run_base_and_adapter_side_by_side(
    cache: Path, adapter: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("FNCALL_CACHE", str(cache))
    data, _ = write_hand_set(tmp_path)
    out = tmp_path / "e"
    args = ["eval", "run", "--model", "tiny", "--adapter", str(adapter), "--data", str(data), "-o", str(out)]
    args += ["--max-new-tokens", "8", "--batch-size", "4", "--device", "cpu", "--n-boot", "50"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for label in ("base", "t-adapter"):
        lines = [json.loads(x) for x in (out / "predictions" / f"{label}.jsonl").read_text().splitlines()]
        assert sorted(x["id"] for x in lines) == sorted(by.id for by in HAND_RECORDS)
        assert all(isinstance(x["text"], str) and x["seconds"] > 0 for x in lines)
        assert len((out / "scores" / f"{label}.jsonl").read_text().splitlines()) == 6
    metrics = json.loads((out / "metrics.json").read_text())
    assert [(m["model"], m["category"]) for m in metrics if m["category"] == "overall"] == [
        ("base", "overall"),
        ("t-adapter", "overall"),
    ]
    page = (out / "report.html").read_text()
    assert page.count('<svg class="chart"') == len(CHART_METRICS) and "t-adapter" in page and "base" in page
    comparison = json.loads((out / "comparison.json").read_text())
    assert (comparison[0]["a"], comparison[0]["b"]) == ("base", "t-adapter")
    assert "| base | overall | 6 |" in result.output and "| t-adapter | overall | 6 |" in result.output
    # a second run finds everything done and generates nothing
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert "base: 6/6 already done" in again.output and "t-adapter: 6/6 already done" in again.output


def test_greedy_rows_leave_the_batch_and_write_what_generate_writes(cache: Path) -> None:
    import torch

    from fncall_data.profiles import get_profile
    from fncall_eval.backends.greedy import greedy_generate
    from fncall_train.models import load_model

    loaded = load_model("tiny", profile=get_profile("gemma"), device="cpu", cache_dir=cache)
    model, tokenizer = loaded.model, loaded.tokenizer
    tokenizer.padding_side = "left"
    prompts = ["<start_of_turn>user\nhi<end_of_turn>\n", "a much longer prompt " * 5, "x", "tool call"]
    enc = tokenizer(prompts, return_tensors="pt", padding=True)
    with torch.inference_mode():
        generated = model.generate(**enc, max_new_tokens=12, min_new_tokens=12, do_sample=False,
                                   pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    full = generated[:, enc["input_ids"].shape[1] :].tolist()
    # stop on a token that rows write at different steps, so they leave the batch one by one
    stop = full[0][3]
    rows = greedy_generate(model, enc["input_ids"], enc["attention_mask"], max_new_tokens=12, stop_ids=[stop])
    expected = [r[: r.index(stop) + 1] if stop in r else r for r in full]
    assert rows == expected
    assert len({len(r) for r in rows}) > 1  # some stopped early, some ran on
    # a stop test on the text (stop strings of several tokens) ends a row the same way
    rows = greedy_generate(model, enc["input_ids"], enc["attention_mask"], max_new_tokens=12, stop_ids=[],
                           stopped=lambda tokens: len(tokens) == 5)  # fmt: skip
    assert rows == [r[:5] for r in full]
    # the output layer is back to its own forward afterwards
    assert "forward" not in vars(model.get_output_embeddings())
