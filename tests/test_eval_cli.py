# ruff: noqa: E501 -- the BFCL fixtures keep the one-object-per-line shape of the real files
"""``fncall eval`` commands: score a hand-built predictions file, compare runs, BFCL data in bfcl mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from tests.eval_helpers import write_hand_set, write_jsonl

REPO = Path(__file__).resolve().parents[1]


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(cli, ["eval", *args], catch_exceptions=False)
    return result


def test_score_hand_file_gives_hand_numbers(tmp_path: Path) -> None:
    data, preds = write_hand_set(tmp_path)
    result = invoke("score", str(preds), "--data", str(data), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    overall = next(line for line in result.output.splitlines() if line.startswith("| preds | overall"))
    # by hand (tests/eval_helpers.py): json 4/5, schema 3/5, tool 4/6, P 4/6, R 4/5, F1 8/11, exact 3/6,
    # no-call 1/3, hallucinated 1/5, malformed 1/6, repaired 1/5
    assert overall == (
        "| preds | overall | 6 | 80.0 | 60.0 | 66.7 | 66.7 | 80.0 | 72.7 | 50.0 | 33.3 | 20.0 | 16.7 | 20.0 |"
    )
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics[-1]["call_exact_match"] == 0.5 and metrics[-1]["arg_f1"] == pytest.approx(8 / 11)
    scores = [json.loads(x) for x in (tmp_path / "out" / "scores" / "preds.jsonl").read_text().splitlines()]
    assert [s["outcome"] for s in scores] == [
        "correct",
        "wrong_call",
        "correct",
        "abstained",
        "malformed",
        "invented",
    ]


def test_score_bad_prediction_file_is_one_line_exit_2(tmp_path: Path) -> None:
    data, _ = write_hand_set(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n')
    result = CliRunner().invoke(cli, ["eval", "score", str(bad), "--data", str(data)])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {bad}:1: id: needs an id (string), got None"


def test_run_twice_then_compare(tmp_path: Path) -> None:
    data, preds = write_hand_set(tmp_path)
    better = write_jsonl(
        tmp_path / "better.jsonl",
        [
            {
                "id": "s2",
                "text": '<tool_call>{"name": "get_weather", "arguments": {"city": "Rome", "unit": "celsius"}}</tool_call>',
            }
        ]
        + [json.loads(line) for line in preds.read_text().splitlines() if '"s2"' not in line],
    )
    for name, model in (("a", preds), ("b", better)):
        result = invoke(
            "run",
            "--backend",
            "predictions",
            "--model",
            str(model),
            "--data",
            str(data),
            "-o",
            str(tmp_path / name),
        )
        assert result.exit_code == 0, result.output
    result = invoke(
        "compare", str(tmp_path / "a"), str(tmp_path / "b"), "--n-boot", "50", "-o", str(tmp_path / "c")
    )
    assert result.exit_code == 0, result.output
    assert "b/base vs a/base: 1 example(s) fixed, 0 broken" in result.output
    assert "fixed by b/base: s2" in result.output
    line = next(x for x in result.output.splitlines() if "| overall | call_exact_match" in x)
    assert line.startswith("| a/base | b/base | overall | call_exact_match | 6 | 50.0 | 66.7 | +16.7 |")
    assert line.endswith("| 1 |")  # McNemar: one discordant pair, p = 1
    assert (tmp_path / "c" / "report.html").is_file()


# Hand-checked BFCL cases in the question / possible-answer file format; verdicts under BFCL's rules.
BFCL_QUESTIONS = [
    {"id": "simple_python_1", "question": [[{"role": "user", "content": "Weather in New York in celsius?"}]],
     "function": [{"name": "weather.get", "description": "Weather.", "parameters": {"type": "dict", "properties": {
         "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}]},
    {"id": "multiple_1", "question": [[{"role": "user", "content": "Area of a circle of radius 3?"}]],
     "function": [
         {"name": "circle_area", "description": "", "parameters": {"type": "dict", "properties": {"radius": {"type": "float"}}, "required": ["radius"]}},
         {"name": "square_area", "description": "", "parameters": {"type": "dict", "properties": {"side": {"type": "float"}}, "required": ["side"]}}]},
    {"id": "parallel_1", "question": [[{"role": "user", "content": "Convert 5 and 7.5 USD to EUR."}]],
     "function": [{"name": "convert", "description": "", "parameters": {"type": "dict", "properties": {
         "amount": {"type": "float"}, "to": {"type": "string"}}, "required": ["amount", "to"]}}]},
    {"id": "parallel_multiple_1", "question": [[{"role": "user", "content": "Sum [1, 2] and list tags a, b."}]],
     "function": [
         {"name": "total", "description": "", "parameters": {"type": "dict", "properties": {"values": {"type": "array", "items": {"type": "integer"}}}, "required": ["values"]}},
         {"name": "tags", "description": "", "parameters": {"type": "dict", "properties": {"names": {"type": "array", "items": {"type": "string"}}, "opts": {"type": "dict", "properties": {"sort": {"type": "boolean"}}}}, "required": ["names"]}}]},
    {"id": "irrelevance_1", "question": [[{"role": "user", "content": "Who painted the Mona Lisa?"}]],
     "function": [{"name": "convert", "description": "", "parameters": {"type": "dict", "properties": {"amount": {"type": "float"}}, "required": ["amount"]}}]},
]  # fmt: skip
BFCL_ANSWERS = [
    {"id": "simple_python_1", "ground_truth": [{"weather.get": {"city": ["New York", "NYC"], "unit": ["celsius", ""]}}]},
    {"id": "multiple_1", "ground_truth": [{"circle_area": {"radius": [3.0]}}]},
    {"id": "parallel_1", "ground_truth": [{"convert": {"amount": [5.0], "to": ["EUR"]}}, {"convert": {"amount": [7.5], "to": ["EUR"]}}]},
    {"id": "parallel_multiple_1", "ground_truth": [{"total": {"values": [[1, 2]]}},
                                                   {"tags": {"names": [["a", "b"]], "opts": [{"sort": [True, ""]}, ""]}}]},
]  # fmt: skip


def _call(name: str, **arguments: Any) -> str:
    return f"<tool_call>{json.dumps({'name': name, 'arguments': arguments})}</tool_call>"


# (id, model output, right under BFCL's rules?)
BFCL_CASES = [
    (
        "simple_python_1",
        _call("weather.get", city="new york"),
        True,
    ),  # normalised string; unit may be omitted
    ("multiple_1", _call("circle_area", radius=3), True),  # an int for a float parameter
    (
        "parallel_1",
        _call("convert", amount=7.5, to="eur") + _call("convert", amount=5, to="EUR"),
        True,
    ),  # any order
    ("parallel_multiple_1", _call("tags", names=["A", "b"], opts={}) + _call("total", values=[1, 2]), True),
    (
        "irrelevance_1",
        '<tool_call>{"name": "convert", "arguments": {"amount": </tool_call>',
        False,
    ),  # malformed
]
BFCL_WRONG = [
    ("simple_python_1", _call("weather.get", city="Newark")),
    ("multiple_1", _call("square_area", side=3.0)),
    ("parallel_1", _call("convert", amount=5.0, to="EUR")),  # one call of two
    ("parallel_multiple_1", _call("tags", names=["a", "b"]) + _call("total", values=[1, True])),  # bool item
    ("irrelevance_1", _call("convert", amount=1.0)),
]


def test_bfcl_format_files_scored_in_bfcl_mode(tmp_path: Path) -> None:
    question = write_jsonl(tmp_path / "BFCL_question.jsonl", BFCL_QUESTIONS)
    write_jsonl(tmp_path / "BFCL_possible_answer.jsonl", BFCL_ANSWERS)
    right = write_jsonl(tmp_path / "right.jsonl", [{"id": i, "text": t} for i, t, _ in BFCL_CASES])
    wrong = write_jsonl(tmp_path / "wrong.jsonl", [{"id": i, "text": t} for i, t in BFCL_WRONG])
    abstain = write_jsonl(tmp_path / "abstain.jsonl", [{"id": "irrelevance_1", "text": "Leonardo da Vinci."}])
    out = tmp_path / "out"
    result = invoke(
        "score",
        str(right),
        str(wrong),
        str(abstain),
        "--data",
        str(question),
        "--from",
        "bfcl",
        "--mode",
        "bfcl",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    verdicts = {
        name: {
            s["id"]: s["call_exact"]
            for s in map(json.loads, (out / "scores" / f"{name}.jsonl").read_text().splitlines())
        }
        for name in ("right", "wrong", "abstain")
    }
    assert verdicts["right"] == {i: ok for i, _, ok in BFCL_CASES}
    assert verdicts["wrong"] == dict.fromkeys(verdicts["right"], False)
    assert verdicts["abstain"]["irrelevance_1"] is True
    categories = [
        json.loads(line)["category"] for line in (out / "scores" / "right.jsonl").read_text().splitlines()
    ]
    assert categories == ["simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance"]


@pytest.mark.slow
def test_bfcl_command_reads_the_wheel_and_perfect_answers_score_full(tmp_path: Path) -> None:
    from fncall_data.formats.bfcl import find_bfcl_wheel, load_bfcl

    try:
        find_bfcl_wheel()
    except Exception:
        pytest.fail(
            "the bfcl-eval wheel is fetched into .cache/bfcl before the tests (scripts/fetch_bfcl.sh)"
        )
    records = load_bfcl("simple_python").records[:20] + load_bfcl("irrelevance").records[:5]
    rows = []
    for record in records:
        calls = [
            {"name": a.name, "arguments": {k: v[0] for k, v in a.arguments.items() if v[0] != ""}}
            for a in record.answers or []
        ]
        rows.append(
            {
                "id": record.id,
                "text": "".join(_call(c["name"], **c["arguments"]) for c in calls) or "No tool fits.",
            }
        )
    preds = write_jsonl(tmp_path / "perfect.jsonl", rows)
    out = tmp_path / "b"
    result = invoke(
        "bfcl", "--category", "simple_python,irrelevance", "--backend", "predictions", "--model", str(preds),
        "--limit", "25", "-o", str(out), "--n-boot", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # --limit takes the first 25 of the 640 imported records: the 20 simple_python ones scored here and
    # 5 more simple_python ones that have no prediction (failed rows)
    scores = [json.loads(line) for line in (out / "scores" / "base.jsonl").read_text().splitlines()]
    assert [s["call_exact"] for s in scores[:20]] == [True] * 20
    assert (out / "bfcl_rejects.jsonl").read_text() == ""  # every row of these categories imports
    assert all(s["status"] == "error" for s in scores[20:])
