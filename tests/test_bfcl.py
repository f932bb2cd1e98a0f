"""The real BFCL v4 data, read straight from the pinned bfcl-eval wheel (scripts/fetch_bfcl.sh caches it)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from fncall_data.errors import FncallError
from fncall_data.formats import ConvertResult, write_records
from fncall_data.formats.bfcl import (
    BFCL_CATEGORIES,
    BFCL_EVAL_VERSION,
    category_of,
    find_bfcl_wheel,
    load_bfcl,
)
from fncall_data.records import check_record
from tests.conftest import REPO

# The number of questions in each file of bfcl-eval 2026.3.23.
QUESTIONS = {
    "simple_python": 400,
    "multiple": 200,
    "parallel": 200,
    "parallel_multiple": 200,
    "irrelevance": 240,
    "live_simple": 258,
    "live_multiple": 1053,
}


def _wheel() -> Path:
    try:
        return find_bfcl_wheel()
    except FncallError as exc:  # only where the wheel is truly absent; scripts/test.sh fetches it for CI
        pytest.skip(f"the bfcl-eval wheel is not cached: {exc}")


@pytest.fixture(scope="module")
def loaded() -> dict[str, ConvertResult]:
    wheel = _wheel()
    return {category: load_bfcl(category, wheel=wheel) for category in BFCL_CATEGORIES}


def _questions_in_wheel(wheel: Path, category: str, folder: str = "") -> list[dict[str, Any]]:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(f"bfcl_eval/data/{folder}BFCL_v4_{category}.json").decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.slow
@pytest.mark.parametrize("category", BFCL_CATEGORIES)
def test_every_question_imports(category: str, loaded: dict[str, ConvertResult]) -> None:
    result = loaded[category]
    in_file = len(_questions_in_wheel(_wheel(), category))
    assert in_file == QUESTIONS[category]
    assert (len(result.records), result.rejects) == (in_file, [])
    assert {r.category for r in result.records} == {category}
    assert all(check_record(r) == [] for r in result.records)
    if category == "irrelevance":
        assert all(r.answers == [] and r.messages[-1].content == "" for r in result.records)
    else:
        assert all(r.answers for r in result.records)


@pytest.mark.slow
def test_a_real_record_snapshot(loaded: dict[str, ConvertResult]) -> None:
    assert loaded["simple_python"].records[0].to_dict() == {
        "id": "simple_python_0",
        "category": "simple_python",
        "tools": [
            {
                "name": "calculate_triangle_area",
                "description": "Calculate the area of a triangle given its base and height.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "base": {"type": "integer", "description": "The base of the triangle."},
                        "height": {"type": "integer", "description": "The height of the triangle."},
                        "unit": {
                            "type": "string",
                            "description": "The unit of measure (defaults to 'units' if not specified)",
                        },
                    },
                    "required": ["base", "height"],
                },
            }
        ],
        "messages": [
            {
                "role": "user",
                "content": "Find the area of a triangle with a base of 10 units and height of 5 units.",
            },
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "name": "calculate_triangle_area",
                        "arguments": {"base": 10, "height": 5, "unit": "units"},
                    }
                ],
            },
        ],
        "answers": [
            {
                "name": "calculate_triangle_area",
                "arguments": {"base": [10], "height": [5], "unit": ["units", ""]},
            }
        ],
        "meta": {"source": "bfcl", "row": 1, "reference": "possible_answer"},
    }


@pytest.mark.slow
def test_answers_that_fit_no_schema_are_kept_and_flagged(loaded: dict[str, ConvertResult]) -> None:
    """A few BFCL answers name undeclared arguments or values outside the schema: nothing is hidden."""
    flagged = {
        category: sorted(r.id for r in result.records if r.meta["reference"] == "none")
        for category, result in loaded.items()
    }
    assert flagged["parallel_multiple"] == ["parallel_multiple_21", "parallel_multiple_94"]
    record = next(r for r in loaded["parallel_multiple"].records if r.id == "parallel_multiple_94")
    assert record.messages[-1].content == "" and record.answers
    assert record.meta["reference_issues"][0].startswith("wrong_type at $[0].arguments.elements[0]")
    dropped = [
        r.meta["dropped_answer_arguments"]
        for r in loaded["parallel_multiple"].records
        if "dropped_answer_arguments" in r.meta
    ]
    assert dropped == [["calculate_voltage_difference.permeability"], ["bank.calculate_balance.type"]]


@pytest.mark.slow
def test_export_gives_back_the_questions_and_answers(
    loaded: dict[str, ConvertResult], tmp_path: Path
) -> None:
    out = tmp_path / "BFCL_v4_simple_python.json"
    written = write_records(loaded["simple_python"].records, out, "bfcl")
    assert (written.written, written.rejects) == (400, [])
    original = _questions_in_wheel(_wheel(), "simple_python")
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(q["id"], q["question"]) for q in exported] == [(q["id"], q["question"]) for q in original]
    answers = _questions_in_wheel(_wheel(), "simple_python", "possible_answer/")
    exported_answers = (tmp_path / "possible_answer" / out.name).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in exported_answers] == answers


def test_category_comes_from_the_id() -> None:
    assert category_of("live_simple_3-2-1") == "live_simple"
    assert category_of("parallel_multiple_12") == "parallel_multiple"
    assert category_of("w-000017") is None


def test_wheel_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FNCALL_BFCL_WHEEL", str(tmp_path))
    with pytest.raises(
        FncallError, match=rf"no bfcl-eval wheel in {re.escape(str(tmp_path))}; fetch it with"
    ):
        find_bfcl_wheel()
    pinned = tmp_path / f"bfcl_eval-{BFCL_EVAL_VERSION}-py3-none-any.whl"
    pinned.write_bytes(b"")
    (tmp_path / "bfcl_eval-2099.1.1-py3-none-any.whl").write_bytes(b"")
    assert find_bfcl_wheel() == pinned  # the pinned release wins over any other


def test_fetch_script_reads_the_pin() -> None:
    script = (REPO / "scripts" / "fetch_bfcl.sh").read_text(encoding="utf-8")
    assert "sed -n 's/^BFCL_EVAL_VERSION = \"\\(.*\\)\"$/\\1/p' fncall_data/formats/bfcl.py" in script
    source = (REPO / "fncall_data" / "formats" / "bfcl.py").read_text(encoding="utf-8")
    assert re.findall(r'^BFCL_EVAL_VERSION = "(.*)"$', source, re.MULTILINE) == [BFCL_EVAL_VERSION]
    assert "bash scripts/fetch_bfcl.sh" in (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
