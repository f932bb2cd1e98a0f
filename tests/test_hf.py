"""Records through HF datasets exactly, and the TRL export accepted by SFTTrainer with a tiny model."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from fncall_data.hf import from_hf_dataset, hf_row, record_from_hf_row, to_hf_dataset, to_trl_dataset, trl_row
from fncall_data.types import Record
from tests.conftest import GOOD_RECORD


def _records() -> list[Record]:
    """Rows whose arguments and tools have different keys: what Arrow would merge into nulls."""
    first = Record.model_validate(GOOD_RECORD)
    other: dict[str, Any] = copy.deepcopy(GOOD_RECORD)
    other["id"] = "w-2"
    other["tools"] = [
        {
            "name": "convert_currency",
            "description": "Convert money.",
            "parameters": {
                "type": "object",
                "properties": {"amount": {"type": "number"}, "to": {"type": "string"}},
                "required": ["amount"],
            },
        }
    ]
    other["messages"] = [
        {"role": "user", "content": "10 CHF in EUR?"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "c1", "name": "convert_currency", "arguments": {"amount": 10}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "9.4"},
        {"role": "assistant", "content": "About 9.40 EUR."},
    ]
    other["answers"] = [{"name": "convert_currency", "arguments": {"amount": [10], "to": ["EUR", ""]}}]
    other["meta"] = {"seed": 3, "nested": {"a": [1, None]}}
    return [first, Record.model_validate(other)]


def test_hf_row_holds_json_strings() -> None:
    row = hf_row(_records()[1])
    assert row["tools"] == json.dumps([t.model_dump() for t in _records()[1].tools], ensure_ascii=False)
    assert row["messages"][1]["tool_calls"] == [
        {"id": "c1", "name": "convert_currency", "arguments": '{"amount": 10}'}
    ]
    assert (
        row["answers"] == '[{"name": "convert_currency", "arguments": {"amount": [10], "to": ["EUR", ""]}}]'
    )
    assert row["meta"] == '{"seed": 3, "nested": {"a": [1, null]}}'


def test_dataset_round_trip_is_exact() -> None:
    records = _records()
    dataset = to_hf_dataset(records)
    assert dataset.num_rows == 2
    assert dataset.features["tools"].dtype == "string"
    back = from_hf_dataset(dataset)
    assert back == records
    assert [r.to_json() for r in back] == [r.to_json() for r in records]


def test_plain_from_list_would_have_merged_keys() -> None:
    """Why the JSON strings: without them Arrow invents null arguments (the pitfall this module avoids)."""
    from datasets import Dataset

    rows = [
        {"arguments": r.messages[2 if i == 0 else 1].tool_calls[0].arguments}
        for i, r in enumerate(_records())
    ]  # type: ignore[index]
    merged = Dataset.from_list(rows)[1]["arguments"]
    assert merged == {"city": None, "amount": 10}


def test_bad_row_is_an_input_error() -> None:
    from fncall_data.errors import InputError

    with pytest.raises(InputError, match="line 4: not a row written by to_hf_dataset"):
        record_from_hf_row({"id": "x", "messages": [], "tools": "not json"}, number=4)


def test_trl_row_snapshot() -> None:
    row = trl_row(_records()[1])
    assert row == {
        "id": "w-2",
        "messages": [
            {"role": "user", "content": "10 CHF in EUR?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "convert_currency", "arguments": '{"amount": 10}'},
                    }
                ],
            },
            {"role": "tool", "content": "9.4", "tool_call_id": "c1", "name": None},
            {"role": "assistant", "content": "About 9.40 EUR."},
        ],
        "tools": '[{"type": "function", "function": {"name": "convert_currency", '
        '"description": "Convert money.", "parameters": {"type": "object", "properties": '
        '{"amount": {"type": "number"}, "to": {"type": "string"}}, "required": ["amount"]}}}]',
    }


@pytest.mark.slow
def test_sft_trainer_accepts_the_trl_export(tmp_path: Any) -> None:
    """TRL 1.16's SFTTrainer tokenizes and trains on the export as is, with the assistant-only loss."""
    import torch
    from trl import SFTConfig, SFTTrainer

    from fncall_data.profiles import get_profile
    from fncall_train.tiny import build_tiny

    tiny = build_tiny(hidden_size=32)
    tiny.tokenizer.chat_template = get_profile("gemma").chat_template()
    dataset = to_trl_dataset(_records() * 2)
    config = SFTConfig(
        output_dir=str(tmp_path),
        max_steps=2,
        per_device_train_batch_size=2,
        learning_rate=1e-2,
        assistant_only_loss=True,
        report_to=[],
        save_strategy="no",
        logging_steps=1,
        use_cpu=True,
        dataloader_num_workers=0,
    )
    trainer = SFTTrainer(
        model=tiny.model, args=config, train_dataset=dataset, processing_class=tiny.tokenizer
    )
    example = trainer.train_dataset[0]
    text = tiny.tokenizer.decode(example["input_ids"])
    assert text.startswith("<bos><start_of_turn>user\nYou are helpful.\n\nTools")
    # only the model's turns are trained: TRL folds the assistant mask into the labels
    labels = example["labels"]
    trained = tiny.tokenizer.decode(
        [t for t, label in zip(example["input_ids"], labels, strict=True) if label != -100]
    )
    assert trained == (
        "<think>Two cities, one call each.</think>"
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>'
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Rome"}}</tool_call><end_of_turn>'
        "Paris 14 °C, Rome 19 °C.<end_of_turn>"
    )
    before = {n: p.detach().clone() for n, p in tiny.model.named_parameters()}
    trainer.train()
    moved = [n for n, p in tiny.model.named_parameters() if not torch.equal(before[n], p.detach())]
    assert moved, "training changed no weight"
    losses = [float(log["loss"]) for log in trainer.state.log_history if "loss" in log]
    assert len(losses) == 2 and all(torch.isfinite(torch.tensor(losses)))


def test_a_saved_hf_dataset_of_records_converts_back(tmp_path: Any) -> None:
    from fncall_data.formats import load_records

    records = _records()
    to_hf_dataset(records).save_to_disk(str(tmp_path / "ds"))
    result = load_records(tmp_path / "ds")
    assert (result.format, result.rejects, result.records) == ("records", [], records)
