"""Splits (random and by tool) and statistics of record files, through the library and the CLI."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_data.generate import GenerateConfig, catalog_specs, generate, write_result
from fncall_data.splits import read_rows, record_stats, split_records


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("splits") / "d.jsonl"
    write_result(generate(GenerateConfig(n=400, seed=4, requests=1), catalog_specs()), path, None)
    first = json.loads(path.read_text().splitlines()[0])
    first["id"], first["tools"][0]["parameters"] = "broken", {"type": "array"}
    with path.open("a") as handle:
        handle.write("not json\n")
        handle.write(json.dumps(first) + "\n")
    return path


def test_load_keeps_sound_records_and_reports_bad_lines(data_file: Path) -> None:
    rows, bad = read_rows(data_file)
    assert len(rows) == 400
    assert [b["line"] for b in bad] == [401, 402] and "not valid JSON" in bad[0]["reason"]
    assert "tools.0.parameters" in bad[1]["reason"] and '"type": "object"' in bad[1]["reason"]


def test_random_split_is_stratified_and_repeatable(data_file: Path) -> None:
    rows, _ = read_rows(data_file)
    split = split_records(rows, test_size=0.2, seed=1)
    everything = Counter(r.record.category for r in rows)
    test = split.categories("test")
    assert len(split.train) + len(split.test) == 400
    for name, count in everything.items():
        assert test[name] == round(count * 0.2)
    again = split_records(rows, test_size=0.2, seed=1)
    assert [r.record.id for r in again.test] == [r.record.id for r in split.test]
    assert [r.line for r in split.train] == sorted(r.line for r in split.train)


def test_split_by_tool_keeps_held_out_tools_out_of_train(data_file: Path) -> None:
    rows, _ = read_rows(data_file)
    split = split_records(rows, by="tool", test_size=0.15, seed=3)
    assert split.held_out and len(split.test) >= 0.15 * 400
    train_tools = {t.name for row in split.train for t in row.record.tools}
    assert not train_tools & set(split.held_out)
    assert all({t.name for t in row.record.tools} & set(split.held_out) for row in split.test)


def test_stats_count_categories_tools_calls_and_lengths(data_file: Path) -> None:
    rows, _ = read_rows(data_file)
    stats = record_stats(rows)
    assert stats.records == 400
    assert sum(stats.categories.values()) == 400
    assert sum(stats.calls_per_record.values()) == 400
    assert stats.calls_per_record[0] > 0 and max(stats.calls_per_record) >= 2
    called = sum(len(m.tool_calls or ()) for r in rows for m in r.record.messages)
    assert sum(stats.tools_called.values()) == called
    assert (
        set(stats.lengths) == {"chars"} and stats.lengths["chars"]["max"] >= stats.lengths["chars"]["median"]
    )


def test_split_and_stats_commands(data_file: Path, tmp_path: Path) -> None:
    train, test, rejects = tmp_path / "train.jsonl", tmp_path / "test.jsonl", tmp_path / "bad.jsonl"
    args = ["data", "split", str(data_file), "--train", str(train), "--test", str(test), "--by", "tool"]
    result = CliRunner().invoke(cli, [*args, "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert "held-out tools" in result.output
    source = set(data_file.read_text().splitlines())
    assert set(train.read_text().splitlines()) | set(test.read_text().splitlines()) <= source
    assert [json.loads(line)["line"] for line in rejects.read_text().splitlines()] == [401, 402]
    stats = CliRunner().invoke(cli, ["data", "stats", str(train)])
    assert stats.exit_code == 0, stats.output
    lines = stats.output.splitlines()
    assert lines[0].startswith(f"{train}: ") and "category" in lines[2] and "share" in lines[2]
    assert any(line.startswith("length in chars: mean") for line in lines)
    as_json = json.loads(CliRunner().invoke(cli, ["data", "stats", str(test), "--json"]).output)
    assert as_json["records"] == len(test.read_text().splitlines())


@pytest.mark.slow
def test_token_lengths_with_a_local_tokenizer(data_file: Path, tmp_path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator(
        ["the weather in Paris", "convert currency"], trainers.WordLevelTrainer(special_tokens=["[UNK]"])
    )
    PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]").save_pretrained(tmp_path / "tok")
    rows, _ = read_rows(data_file)
    stats = record_stats(rows[:20], tokenizer=str(tmp_path / "tok"))
    assert stats.lengths["tokens"]["max"] > 10
    assert stats.lengths["tokens"]["mean"] < stats.lengths["chars"]["mean"]
    missing = CliRunner().invoke(
        cli, ["data", "stats", str(data_file), "--tokenizer", str(tmp_path / "none")]
    )
    assert missing.exit_code == 2
