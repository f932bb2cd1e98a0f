"""``fncall data convert`` and ``formats``, and every input: JSON, JSONL, parquet, HF folders, hub ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_data.errors import InputError
from fncall_data.formats import load_records
from tests.conftest import FORMAT_ROWS

SHAREGPT = FORMAT_ROWS / "sharegpt_toolcall.jsonl"


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["data", *args])


def test_convert_detects_and_summarises(tmp_path: Path) -> None:
    out = tmp_path / "records.jsonl"
    result = _run("convert", str(FORMAT_ROWS / "toolace.jsonl"), "-o", str(out))
    assert result.exit_code == 0, result.output
    source = FORMAT_ROWS / "toolace.jsonl"
    assert result.output == (
        "detected format: toolace\n"
        f"{source}: 2 rows, 2 converted, 0 rejected\n"
        f"wrote 2 rows in the records format to {out}\n"
    )
    assert [r["id"] for r in _rows(out)] == ["toolace-000001", "toolace-000002"]


def test_convert_reports_repairs_and_lost_fields(tmp_path: Path) -> None:
    out = tmp_path / "sharegpt.jsonl"
    result = _run("convert", str(FORMAT_ROWS / "seed_thinking.jsonl"), "--to", "sharegpt", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "repairs: python_literal 2\n" in result.output
    assert "fields the format cannot hold: reasoning 2\n" in result.output
    assert len(_rows(out)) == 2


def test_convert_with_a_bad_row_exits_1_and_writes_rejects(tmp_path: Path) -> None:
    lines = SHAREGPT.read_text(encoding="utf-8").splitlines()
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([lines[0], "{oops", lines[1]]) + "\n", encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    out = tmp_path / "out.jsonl"
    result = _run("convert", str(source), "--from", "sharegpt", "-o", str(out), "--rejects", str(rejects))
    assert result.exit_code == 1
    assert f"{source}: 3 rows, 2 converted, 1 rejected\n" in result.output
    assert f"{source}: row 2: not valid JSON" in result.output
    assert [r["row"] for r in _rows(rejects)] == [2]
    assert [r["meta"]["row"] for r in _rows(out)] == [1, 3]


def test_convert_records_it_cannot_write_are_rejects(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    source = FORMAT_ROWS / "bfcl_question.jsonl"
    args = [
        "convert",
        str(source),
        "--to",
        "glaive",
        "-o",
        str(tmp_path / "g.jsonl"),
        "--rejects",
        str(rejects),
    ]
    result = _run(*args)
    assert result.exit_code == 1
    assert "row 3: cannot write as glaive: record 'parallel_1003': glaive holds one call per" in result.output
    assert [r["row"] for r in _rows(rejects)] == [3]  # the other three questions have at most one call


def test_convert_to_bfcl_writes_both_files(tmp_path: Path) -> None:
    out = tmp_path / "BFCL_v4_ours.json"
    result = _run("convert", str(FORMAT_ROWS / "xlam.jsonl"), "--to", "bfcl", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert (
        f"wrote 3 rows in the bfcl format to {out}, {tmp_path / 'possible_answer' / 'BFCL_v4_ours.json'}\n"
        in result.output
    )
    truth = _rows(tmp_path / "possible_answer" / "BFCL_v4_ours.json")
    # each call's arguments become one acceptable value each; the query answered by no call has no row
    assert truth == [
        {
            "id": "simple_0",
            "ground_truth": [
                {"get_product_reviews": {"product_id": ["ZX-5521"], "language": ["de"]}},
                {"convert_distance": {"value": [12], "from_unit": ["mi"], "to_unit": ["km"]}},
            ],
        },
        {
            "id": "simple_1",
            "ground_truth": [
                {"list_holidays": {"country": ["NO"], "year": [2027], "include_regional": [True]}}
            ],
        },
    ]
    assert [q["id"] for q in _rows(out)] == ["simple_0", "simple_1", "simple_2"]


def test_user_mistakes_exit_2_with_one_line(tmp_path: Path) -> None:
    result = _run("convert", str(SHAREGPT), "--from", "hermez", "-o", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 2
    assert "unknown format 'hermez'" in result.output and "did you mean 'hermes'?" in result.output
    result = _run("convert", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.jsonl"))
    assert (result.exit_code, result.output) == (
        2,
        f"error: {tmp_path / 'missing.jsonl'}: no such file or folder\n",
    )


def test_formats_lists_every_format() -> None:
    result = _run("formats")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == [
        "bfcl",
        "glaive",
        "hermes",
        "openai",
        "records",
        "seed_thinking",
        "sharegpt",
        "toolace",
        "xlam",
    ]
    assert all("read, write" in line for line in result.output.splitlines())


# --- inputs -----------------------------------------------------------------------------------------


def test_json_array_file(tmp_path: Path) -> None:
    source = tmp_path / "rows.json"
    source.write_text(json.dumps(_rows(SHAREGPT), indent=2), encoding="utf-8")
    result = load_records(source)
    assert (result.format, len(result.records), result.rejects) == ("sharegpt", 3, [])
    assert result.records == load_records(SHAREGPT).records


def test_parquet_file(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(_rows(FORMAT_ROWS / "xlam.jsonl") * 2), source)
    result = load_records(source)
    assert result.format == "xlam"
    assert [r.row for r in result.rejects] == [4, 5, 6]  # the same three ids again
    assert result.records == load_records(FORMAT_ROWS / "xlam.jsonl").records


def test_saved_hf_dataset_and_dataset_dict(tmp_path: Path) -> None:
    from datasets import Dataset, DatasetDict

    rows = _rows(SHAREGPT)
    Dataset.from_list(rows).save_to_disk(str(tmp_path / "one"))
    expected = load_records(SHAREGPT).records
    assert load_records(tmp_path / "one").records == expected
    DatasetDict({"train": Dataset.from_list(rows[:1]), "test": Dataset.from_list(rows[1:])}).save_to_disk(
        str(tmp_path / "two")
    )
    assert len(load_records(tmp_path / "two").records) == 1  # train by default
    test_split = load_records(tmp_path / "two", split="test")
    # the split's rows are numbered afresh, so ids and meta differ: compare what the rows say
    assert [(r.messages, r.tools) for r in test_split.records] == [
        (r.messages, r.tools) for r in expected[1:]
    ]
    with pytest.raises(InputError, match=r"choose a split with --split \(this one has: train, test\)"):
        load_records(tmp_path / "two", split="validation")


def test_hub_id_that_cannot_be_loaded_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline, a hub id fails with one line; the hub itself is never reached in tests."""
    import datasets

    def offline(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("Couldn't reach 'someone/tool-data' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(InputError) as caught:
        load_records("someone/tool-data")
    assert str(caught.value) == (
        "someone/tool-data: not a local file, and loading it as a hub dataset failed (Couldn't reach "
        "'someone/tool-data' on the Hub (LocalEntryNotFoundError)); check the path, or the dataset id "
        "and your network"
    )


def test_arrow_null_keys_in_tool_specs_are_dropped_and_counted(tmp_path: Path) -> None:
    """Arrow gives every row's tool spec the keys of every other row, as nulls; they are taken out."""
    from datasets import Dataset

    rows = _rows(FORMAT_ROWS / "openai_messages.jsonl")
    other = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Weather.",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string", "enum": ["Oslo", "Rome"]}},
                        "required": ["city"],
                    },
                },
            }
        ],
    }
    source = tmp_path / "ds.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in [*rows, other]), encoding="utf-8")
    Dataset.from_list([*rows, other]).save_to_disk(str(tmp_path / "ds"))
    from_arrow = load_records(tmp_path / "ds")
    # every spec lacks a property that another row's spec has, so each one is read again without nulls
    specs = sum(len(r["tools"]) for r in [*rows, other])
    assert from_arrow.rejects == [] and from_arrow.repairs["null_keys"] == specs == 6
    assert [r.tools for r in from_arrow.records] == [r.tools for r in load_records(source).records]
