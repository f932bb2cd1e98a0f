"""fncall_train without training: config, recipes, data checks, collation and the loss."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fncall_data.errors import FncallError, InputError
from fncall_data.profiles import get_profile
from fncall_train.config import ATTENTION_AND_MLP, TrainConfig, load_config
from fncall_train.data import prepare_examples, read_records

DATA = Path(__file__).parent / "data" / "train_records.jsonl"


def test_seed_recipe_is_the_tutorial_mapped_to_current_names() -> None:
    cfg = load_config(recipe="seed", data="d.jsonl", output_dir="o")
    assert cfg.model_dump(mode="json") == {
        "model": "google/gemma-2-2b-it",
        "data": "d.jsonl",
        "output_dir": "o",
        "recipe": "seed",
        "backend": "trl",
        "cache_dir": None,
        "profile": "seed",
        "loss_on": "all",
        "max_length": 1500,
        "overlong": "drop",
        "packing": "wrapped",
        "logits": "all",
        "decision_weight": 1.0,
        "lora_r": 16,
        "lora_alpha": 64,
        "lora_dropout": 0.05,
        "lora_targets": [*ATTENTION_AND_MLP, "embed_tokens", "lm_head"],
        "lora_layers": None,
        "train_new_tokens": False,
        "learning_rate": 1e-4,
        "epochs": 1.0,
        "max_steps": None,
        "max_minutes": None,
        "min_steps": None,
        "schedule_by": "steps",
        "batch_size": 1,
        "grad_accum": 4,
        "scheduler": "cosine",
        "warmup_fraction": 0.1,
        "weight_decay": 0.1,
        "max_grad_norm": 1.0,
        "precision": "auto",
        "gradient_checkpointing": "on",
        "seed": 42,
        "logging_steps": 1,
        "save_steps": 50,
        "save_total_limit": 2,
        "device": "auto",
    }
    sft = cfg.sft_config()
    # TRL 1.x names: max_length (was max_seq_length), a fractional warmup_steps (was warmup_ratio)
    assert (sft.max_length, sft.warmup_steps, sft.lr_scheduler_type.value) == (1500, 0.1, "cosine")
    assert (sft.packing, sft.packing_strategy, sft.padding_free) == (True, "wrapped", False)
    assert (sft.per_device_train_batch_size, sft.gradient_accumulation_steps) == (1, 4)
    assert (sft.learning_rate, sft.weight_decay, sft.max_grad_norm, sft.seed) == (1e-4, 0.1, 1.0, 42)
    assert sft.gradient_checkpointing is True
    lora = cfg.lora_config([900, 901])
    assert sorted(lora.target_modules) == sorted([*ATTENTION_AND_MLP, "embed_tokens", "lm_head"])
    assert (lora.r, lora.lora_alpha, lora.lora_dropout, lora.trainable_token_indices) == (16, 64, 0.05, None)


def test_default_recipe_trains_projections_and_only_new_token_rows() -> None:
    cfg = load_config(data="d.jsonl", output_dir="o", device="cpu")
    lora = cfg.lora_config([901, 900])
    assert sorted(lora.target_modules) == sorted(ATTENTION_AND_MLP)
    assert lora.trainable_token_indices == {"embed_tokens": [900, 901]}
    assert cfg.lora_config([]).trainable_token_indices is None
    assert lora.layers_to_transform is None
    top = cfg.with_overrides(lora_layers=3)
    assert top.lora_config([], num_layers=18).layers_to_transform == [15, 16, 17]
    assert top.with_overrides(lora_layers=30).lora_config([], num_layers=18).layers_to_transform == list(
        range(18)
    )
    with pytest.raises(FncallError, match="number of decoder layers"):
        top.lora_config([])
    sft = cfg.sft_config()
    assert (sft.packing, sft.packing_strategy, sft.padding_free) == (True, "bfd", True)
    assert (sft.bf16, sft.gradient_checkpointing, sft.use_cpu) == (False, False, True)
    assert sft.output_dir == "o/checkpoints"


def test_yaml_then_options_override_the_recipe(tmp_path: Path) -> None:
    file = tmp_path / "cfg.yaml"
    file.write_text("recipe: seed\nlora_r: 8\nmax_steps: 3\ndata: d.jsonl\noutput_dir: runs/x\n")
    cfg = load_config(file, max_steps=7, learning_rate=None)
    assert (cfg.recipe, cfg.profile, cfg.lora_r, cfg.max_steps, cfg.learning_rate) == (
        "seed",
        "seed",
        8,
        7,
        1e-4,
    )
    with pytest.raises(FncallError):
        TrainConfig(data="d", output_dir="o").with_overrides(lora_r=0)


def test_config_mistakes_name_the_file_field_and_value(tmp_path: Path) -> None:
    file = tmp_path / "cfg.yaml"
    file.write_text("data: d.jsonl\noutput_dir: o\npacking: tight\n")
    with pytest.raises(InputError) as err:
        load_config(file)
    assert str(err.value).startswith(f"{file}: packing: ") and "'tight'" in str(err.value)
    with pytest.raises(FncallError, match=r"unknown recipe 'sed'.*did you mean 'seed'"):
        load_config(recipe="sed", data="d", output_dir="o")
    file.write_text("lora_rank: 8\n")
    with pytest.raises(InputError, match="lora_rank"):
        load_config(file, data="d", output_dir="o")


def test_unknown_backend_lists_the_known_ones() -> None:
    from fncall_train.backends import get_trainer_factory

    with pytest.raises(FncallError, match=r"unknown trainer backend 'trll'.*hf, trl.*did you mean 'trl'"):
        get_trainer_factory("trll")


def test_missing_data_file_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl: no such file or folder; pass --data"):
        read_records(tmp_path / "nope.jsonl")


def test_bad_rows_are_kept_as_rejects_with_their_line(tmp_path: Path) -> None:
    lines = DATA.read_text().splitlines()
    file = tmp_path / "d.jsonl"
    file.write_text(
        "\n".join([lines[0], "{not json", json.dumps({"id": "x", "messages": []}), lines[1]]) + "\n"
    )
    got = read_records(file)
    assert [r.id for _, r in got.records] == ["t-000", "t-001"]
    assert [(r["line"], r["id"]) for r in got.rejects] == [(2, None), (3, "x")]
    assert "messages" in got.rejects[1]["reason"]


@pytest.fixture(scope="module")
def tiny_tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from fncall_train.models import load_model

    return load_model("tiny", profile=get_profile("gemma"), cache_dir=tmp_path_factory.mktemp("c")).tokenizer


def test_overlong_examples_are_dropped_and_counted_never_cut(tiny_tokenizer: Any) -> None:
    records = read_records(DATA).records
    profile = get_profile("gemma")
    cfg = TrainConfig(data=DATA, output_dir="o", max_length=200)
    examples, rejects, counts = prepare_examples(records, profile, tiny_tokenizer, cfg)
    assert counts["overlong"] == len(rejects) > 0
    assert len(examples) + len(rejects) == len(records)
    assert all(len(e.input_ids) <= 200 for e in examples)
    assert rejects[0]["reason"].endswith("over max_length 200 (dropped, not cut)")
    with pytest.raises(InputError, match="raise --max-length or set overlong: drop"):
        prepare_examples(records, profile, tiny_tokenizer, cfg.with_overrides(overlong="error"))


def test_examples_without_a_model_turn_are_left_out(tiny_tokenizer: Any) -> None:
    from fncall_data.types import Record

    lonely = Record(id="q", messages=[{"role": "user", "content": "hello?"}])
    cfg = TrainConfig(data=DATA, output_dir="o")
    examples, rejects, counts = prepare_examples([("x:1", lonely)], get_profile("gemma"), tiny_tokenizer, cfg)
    assert (examples, counts["no_loss_tokens"]) == ([], 1)
    assert rejects == [{"where": "x:1", "id": "q", "reason": "no tokens under the loss (no model turn)"}]


def test_every_gemma_tag_is_one_token_and_the_seed_tags_are_misspelt(tmp_path: Path) -> None:
    from fncall_train.models import load_model

    for name in ("gemma", "seed"):
        profile = get_profile(name)
        tok = load_model("tiny", profile=profile, cache_dir=tmp_path).tokenizer
        for tag in profile.special_tokens:
            assert len(tok(tag, add_special_tokens=False)["input_ids"]) == 1, (name, tag)
    # the tutorial added "</tool_reponse>", not the tag its data writes
    seed_tags = get_profile("seed").special_tokens
    assert "</tool_reponse>" in seed_tags and "</tool_response>" not in seed_tags


def test_hf_collator_keeps_packed_examples_apart() -> None:
    from fncall_train.backends.hf_trainer import Collator

    rows = [{"input_ids": [2, 5, 6], "labels": [-100, 5, 6]}, {"input_ids": [2, 7], "labels": [2, 7]}]
    packed = Collator(pad_token_id=0, padding_free=True)(rows)
    assert packed["position_ids"].tolist() == [[0, 1, 2, 0, 1]]
    assert packed["labels"].tolist() == [[-100, 5, 6, -100, 7]]
    padded = Collator(pad_token_id=0, padding_free=False)(rows)
    assert padded["input_ids"].tolist() == [[2, 5, 6], [2, 7, 0]]
    assert padded["labels"].tolist() == [[-100, 5, 6], [2, 7, -100]]
    assert padded["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]


def test_loss_at_loss_positions_equals_the_full_loss_and_packing_does_not_leak(tmp_path: Path) -> None:
    import torch

    from fncall_train.loss import causal_lm_loss
    from fncall_train.models import load_model

    model = load_model("tiny", cache_dir=tmp_path).model
    gen = torch.Generator().manual_seed(0)
    a = torch.randint(7, 600, (1, 30), generator=gen)
    b = torch.randint(7, 600, (1, 20), generator=gen)
    la, lb = a.clone(), b.clone()
    la[:, :12] = -100
    lb[:, :5] = -100
    with torch.no_grad():
        one = {"input_ids": a, "labels": la}
        fast = causal_lm_loss(model, one, only_loss_positions=True)
        full = causal_lm_loss(model, one, only_loss_positions=False)
        assert torch.allclose(fast, full, atol=1e-5)
        assert torch.allclose(full, model(input_ids=a, labels=la).loss, atol=1e-5)
        # two examples in one row, positions restarting: the same loss as apart (no attention across)
        n_a, n_b = int((la[:, 1:] != -100).sum()), int((lb[:, 1:] != -100).sum())
        apart = (
            causal_lm_loss(model, {"input_ids": a, "labels": la}, only_loss_positions=True) * n_a
            + causal_lm_loss(model, {"input_ids": b, "labels": lb}, only_loss_positions=True) * n_b
        ) / (n_a + n_b)
        lb_packed = lb.clone()
        lb_packed[:, 0] = -100
        packed = {
            "input_ids": torch.cat([a, b], dim=1),
            "labels": torch.cat([la, lb_packed], dim=1),
            "position_ids": torch.cat([torch.arange(30), torch.arange(20)])[None],
        }
        assert torch.allclose(causal_lm_loss(model, packed, only_loss_positions=True), apart, atol=1e-5)


def test_decision_weight_adds_weight_at_the_first_token_of_each_turn_only(tmp_path: Path) -> None:
    import torch
    import torch.nn.functional as F

    from fncall_train.loss import causal_lm_loss
    from fncall_train.models import load_model

    model = load_model("tiny", cache_dir=tmp_path).model
    ids = torch.randint(7, 600, (1, 40), generator=torch.Generator().manual_seed(1))
    labels = ids.clone()
    labels[:, :10] = -100  # a prompt, a turn of 10 tokens (10-19), another prompt, a turn from 30 on
    labels[:, 20:30] = -100
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, :-1]
        each = F.cross_entropy(logits, labels[0, 1:], ignore_index=-100, reduction="none")
        count = int((labels[:, 1:] != -100).sum())
        # targets 9 and 29 are the tokens at positions 10 and 30: the first of each turn
        expected = (each.sum() + 4 * (each[9] + each[29])) / count
        for fast in (True, False):
            weighted = causal_lm_loss(model, {"input_ids": ids, "labels": labels}, only_loss_positions=fast,
                                      decision_weight=5.0)  # fmt: skip
            assert torch.allclose(weighted, expected, atol=1e-5)
        plain = causal_lm_loss(model, {"input_ids": ids, "labels": labels}, only_loss_positions=True)
        assert torch.allclose(plain, each.sum() / count, atol=1e-5) and weighted > plain
