"""A call threshold chosen on validation records and applied to the first token of every reply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_data.errors import FncallError, InputError
from fncall_eval.decision import (
    FILE,
    Decision,
    apply_decision,
    choose_threshold,
    load_decision,
    opener_probabilities,
    opener_token,
    read_validation,
)
from tests.eval_helpers import call, record, write_jsonl

# six requests, three that need a call and three that need none, each in its own words
VALIDATION = [
    record("c1", "simple", [call("get_weather", city="Paris")], question="Weather in Paris?"),
    record("c2", "simple", [call("get_weather", city="Oslo")], question="Is it cold in Oslo today"),
    record(
        "c3",
        "parallel",
        [call("get_weather", city="Rome"), call("get_weather", city="Nice")],
        question="Rome and Nice, how warm are they?",
    ),
    record("n1", "irrelevance", content="I can't do that.", question="Write me a poem about ducks."),
    record("n2", "irrelevance", content="No tool for that.", question="Who won the 1998 world cup?"),
    record("n3", "missing_param", content="Which city?", question="What's the weather like?"),
]


def test_the_threshold_separates_the_two_kinds_where_it_can() -> None:
    assert choose_threshold([0.9, 0.8, 0.3, 0.2], [True, True, False, False]) == (0.55, 1.0, 1.0)
    # overlapping: the best cut keeps two of three calls and both declines
    threshold, call_rate, decline_rate = choose_threshold(
        [0.9, 0.5, 0.4, 0.45, 0.1], [True, True, False, False, True]
    )
    assert (threshold, call_rate, decline_rate) == (0.475, 2 / 3, 1.0)
    # all call requests below all no-call ones: calling everything beats any cut that inverts them
    threshold, call_rate, decline_rate = choose_threshold([0.1, 0.2, 0.8, 0.9], [True, True, False, False])
    assert call_rate + decline_rate == 1.0


def test_one_kind_alone_cannot_place_a_threshold() -> None:
    with pytest.raises(FncallError, match="got 3 and 0"):
        choose_threshold([0.1, 0.2, 0.3], [True, True, True])


def _decision(token: int, threshold: float, profile: str = "gemma") -> Decision:
    return Decision(profile, token, threshold, 10, 5, 0.8, 0.6, 0.7)


def test_rows_above_the_threshold_must_open_a_call_and_rows_below_cannot() -> None:
    import torch

    logits = torch.tensor([
        [3.0, 2.9, 0.0, 0.0],  # P(token 1) ~ 0.46: not the argmax, but above 0.4, so it calls
        [0.0, 5.0, 0.0, 0.0],  # P ~ 0.98: calls
        [0.0, 1.0, 1.2, 0.0],  # P ~ 0.35: below, so token 1 is ruled out
    ])  # fmt: skip
    out = apply_decision(logits, _decision(token=1, threshold=0.4))
    assert out.argmax(-1).tolist() == [1, 1, 2]
    assert out[2, 1] == float("-inf")
    assert torch.equal(out[:, [0, 2, 3]], logits[:, [0, 2, 3]])  # nothing else moves


def test_a_decision_file_is_read_back_and_checked(tmp_path: Path) -> None:
    assert load_decision(None, "gemma") is None
    assert load_decision(tmp_path, "gemma") is None  # an uncalibrated adapter stays greedy
    (tmp_path / FILE).write_text(json.dumps(_decision(7, 0.3).__dict__), encoding="utf-8")
    assert load_decision(tmp_path, "gemma") == _decision(7, 0.3)
    with pytest.raises(FncallError, match="calibrated with profile gemma, not chatml"):
        load_decision(tmp_path, "chatml")
    (tmp_path / FILE).write_text("{", encoding="utf-8")
    with pytest.raises(FncallError, match=f"{FILE}: not a decision file"):
        load_decision(tmp_path, "gemma")


def test_a_bad_validation_row_is_named_by_file_and_line(tmp_path: Path) -> None:
    rows = [r.to_dict() for r in VALIDATION[:2]] + [{"id": "x", "messages": []}]
    path = write_jsonl(tmp_path / "val.jsonl", rows)
    with pytest.raises(InputError, match=r"val\.jsonl:3: "):
        read_validation(path)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The tiny model, an adapter that moves its outputs, and a validation file of both kinds."""
    import torch
    from peft import LoraConfig, get_peft_model

    from fncall_data.profiles import get_profile
    from fncall_train.models import load_model

    cache = tmp_path_factory.mktemp("fncall-cache")
    loaded = load_model("tiny", profile=get_profile("gemma"), device="cpu", cache_dir=cache)
    model = get_peft_model(loaded.model, LoraConfig(r=4, lora_alpha=16, target_modules=["q_proj", "v_proj"]))
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, weight in model.named_parameters():
            if "lora_B" in name:
                weight.copy_(torch.randn(weight.shape, generator=generator) * 0.5)
    folder = tmp_path_factory.mktemp("run") / "adapter"
    model.save_pretrained(str(folder))
    val = write_jsonl(folder.parent / "val.jsonl", [r.to_dict() for r in VALIDATION])
    return {"cache": cache, "adapter": folder, "val": val}


@pytest.mark.slow
def test_calibrated_replies_call_exactly_where_the_opener_clears_the_threshold(
    tiny: dict[str, Any], monkeypatch: Any
) -> None:
    from fncall_eval.backends import GenerateConfig, create_backend

    monkeypatch.setenv("FNCALL_CACHE", str(tiny["cache"]))
    adapter = str(tiny["adapter"])
    result = CliRunner().invoke(
        cli, ["eval", "calibrate", "-m", "tiny", "-a", adapter, "-d", str(tiny["val"]), "--device", "cpu"]
    )
    assert result.exit_code == 0, result.output
    assert "call when P(opener) >= " in result.output
    decision = load_decision(adapter, "gemma")
    assert decision is not None and decision.records == 6 and decision.calls == 3

    backend: Any = create_backend(
        "hf", GenerateConfig(model="tiny", max_new_tokens=4, device="cpu", decision="calibrated")
    )
    token = opener_token(backend.tokenizer, backend.profile)
    opener = backend.tokenizer.decode([token])
    with backend.activate(adapter):
        probabilities = opener_probabilities(
            backend.model, backend.tokenizer, backend.prompts(VALIDATION), token
        )

    def opened(threshold: float) -> dict[str, bool]:
        (tiny["adapter"] / FILE).write_text(
            json.dumps({**decision.__dict__, "threshold": threshold}), encoding="utf-8"
        )
        return {p.id: p.text.startswith(opener) for p in backend.generate(VALIDATION, adapter=adapter)}

    # a threshold between the records' own probabilities splits them, whatever greedy would have done
    # halfway between two records' probabilities, as calibration places it: a threshold equal to one
    # record's own probability would leave that record to float rounding (batched decoding computes
    # the logits another way than one prompt at a time)
    ranked = sorted(probabilities)
    half = len(ranked) // 2
    assert ranked[half - 1] < ranked[half]
    middle = (ranked[half - 1] + ranked[half]) / 2
    split = opened(middle)
    assert split == {r.id: p >= middle for r, p in zip(VALIDATION, probabilities, strict=True)}
    assert 0 < sum(split.values()) < len(split)
    assert all(opened(0.0).values())
    assert not any(opened(1.0).values())
    # the base model has no decision: it decodes as plain greedy
    plain: Any = create_backend("hf", GenerateConfig(model="tiny", max_new_tokens=4, device="cpu"))
    base = {p.id: p.text for p in plain.generate(VALIDATION)}
    assert {p.id: p.text for p in backend.generate(VALIDATION)} == base


def test_a_calibrated_adapter_has_its_own_fingerprint(tmp_path: Path) -> None:
    from fncall_eval.backends import GenerateConfig
    from fncall_eval.fingerprint import prediction_fingerprint

    data = write_jsonl(tmp_path / "t.jsonl", [r.to_dict() for r in VALIDATION])
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / FILE).write_text(json.dumps(_decision(7, 0.3).__dict__), encoding="utf-8")

    def settings(decision: str, on: Path | None) -> dict[str, Any]:
        config = GenerateConfig(model="tiny", decision=decision)  # type: ignore[arg-type]
        fp = prediction_fingerprint(backend="hf", generate=config, adapter=str(on) if on else None, data=data)
        return fp.settings

    assert settings("calibrated", adapter)["call_threshold"] == 0.3
    assert "call_threshold" not in settings("greedy", adapter)
    assert "call_threshold" not in settings("calibrated", None)  # the base model stays greedy


def test_sampling_refuses_a_calibrated_decision() -> None:
    from fncall_eval.backends import GenerateConfig, create_backend

    with pytest.raises(FncallError, match="applies to greedy decoding"):
        create_backend(
            "hf", GenerateConfig(model="tiny", temperature=0.7, decision="calibrated", device="cpu")
        )


def test_a_server_cannot_apply_the_threshold() -> None:
    from fncall_eval.backends import GenerateConfig, create_backend

    with pytest.raises(FncallError, match="needs the hf backend"):
        create_backend("openai", GenerateConfig(model="m", decision="calibrated"))
