"""Per-example scoring on hand-built records: every category, the three no-call outcomes, failures."""

from __future__ import annotations

import math
from typing import Any

import pytest

from fncall_data.extract import Extraction
from fncall_data.types import Record, ToolCall
from fncall_eval.metrics import aggregate, metric_rows, results_frame
from fncall_eval.predictions import Prediction
from fncall_eval.scoring import ExampleScore, Reference, score_output, score_prediction, score_predictions
from tests.eval_helpers import HAND_OUTPUTS, HAND_RECORDS, call, record, tag


def score(rec: Record, output: str | dict[str, Any], **kw: Any) -> ExampleScore:
    return score_output(Reference.from_record(rec), output, **kw)


SIMPLE = record("s", "simple", [call("get_weather", city="Paris")])
PARALLEL = record(
    "p", "parallel", [call("get_weather", city="Paris"), call("convert_currency", amount=5, to="EUR")]
)


def test_simple_right_after_a_repair_whole_score() -> None:
    s = score(
        SIMPLE,
        "<think>easy</think><tool_call>{'name': 'get_weather', 'arguments': {'city': 'Paris'}}</tool_call>",
    )
    assert s.to_dict() == {
        "id": "s",
        "category": "simple",
        "expects_call": True,
        "status": "calls",
        "outcome": "correct",
        "json_valid": True,
        "repairs": ["python_literal"],
        "schema_valid": True,
        "tools_right": True,
        "args_right": 1,
        "args_given": 1,
        "args_gold": 1,
        "call_exact": True,
        "calls_made": 1,
        "hallucinated_calls": 0,
        "order_differs": False,
        "reason": "",
        "error": None,
        "args": [[0, 0, "city", "right"]],
    }
    assert ExampleScore.from_dict(s.to_dict()) == s


def test_simple_wrong_value_and_extra_argument() -> None:
    s = score(SIMPLE, tag(call("get_weather", city="Lyon", unit="celsius")))
    assert (s.outcome, s.tools_right, s.call_exact, s.schema_valid) == ("wrong_call", True, False, True)
    assert (s.args_right, s.args_given, s.args_gold) == (0, 2, 1)
    assert s.reason == "city: 'Lyon' is not an acceptable value; unit: not an expected argument"


def test_wrong_tool_scores_no_argument() -> None:
    s = score(SIMPLE, tag(call("convert_currency", amount=1, to="EUR")))
    assert (s.tools_right, s.args_right, s.args_given, s.args_gold, s.call_exact) == (False, 0, 2, 1, False)
    assert s.hallucinated_calls == 0


def test_hallucinated_tool() -> None:
    s = score(SIMPLE, tag(call("get_forecast", city="Paris")))
    assert (s.hallucinated_calls, s.schema_valid, s.json_valid, s.tools_right) == (1, False, True, False)


def test_schema_invalid_but_readable() -> None:
    s = score(SIMPLE, tag(call("get_weather", city="Paris", unit="kelvin")))
    assert (s.json_valid, s.schema_valid, s.call_exact) == (True, False, False)


def test_missed_call() -> None:
    s = score(SIMPLE, "The weather is nice.")
    assert (s.status, s.outcome, s.json_valid, s.schema_valid, s.tools_right) == (
        "no_call", "missed_call", None, None, False,
    )  # fmt: skip
    assert (s.args_given, s.args_gold) == (0, 1)


def test_parallel_any_order_and_partial() -> None:
    right = score(
        PARALLEL, tag(call("convert_currency", amount=5.0, to="EUR"), call("get_weather", city="Paris"))
    )
    assert (right.call_exact, right.tools_right, right.args_right, right.args_gold) == (True, True, 3, 3)
    half = score(
        PARALLEL, tag(call("convert_currency", amount=6, to="EUR"), call("get_weather", city="Paris"))
    )
    assert (half.call_exact, half.tools_right, half.args_right, half.args_given) == (False, True, 2, 3)
    assert half.reason == "amount: 6 is not an acceptable value"


def test_parallel_wrong_count() -> None:
    s = score(PARALLEL, tag(call("get_weather", city="Paris")))
    assert (s.call_exact, s.tools_right, s.args_right, s.args_gold, s.reason) == (
        False, False, 1, 3, "1 call(s), expected 2",
    )  # fmt: skip


def test_parallel_order_difference_reported() -> None:
    rec = record(
        "p2",
        "parallel",
        answers=[
            {"name": "get_weather", "arguments": {"city": ["Paris", "Rome"]}},
            {"name": "get_weather", "arguments": {"city": ["Paris"]}},
        ],
    )
    s = score(rec, tag(call("get_weather", city="Paris"), call("get_weather", city="Rome")), mode="bfcl")
    assert (s.call_exact, s.order_differs) == (True, True)


@pytest.mark.parametrize(
    ("category", "output", "outcome", "exact"),
    [
        ("irrelevance", "I can't do that with these tools.", "abstained", True),
        ("irrelevance", "", "abstained", True),
        ("irrelevance", tag(call("get_weather", city="Paris")), "called", False),
        ("irrelevance", '<tool_call>{"name": "get_weather", </tool_call>', "malformed", False),
        ("irrelevance", '{"name": "get_weather", "arguments": [1}', "malformed", False),
        ("missing_param", "Which city do you mean?", "asked", True),
        ("missing_param", "", "no_question", False),
        ("missing_param", "I will look that up for you.", "no_question", False),
        ("missing_param", tag(call("get_weather", city="Paris")), "invented", False),
        ("missing_param", "<tool_call>get_weather(city=</tool_call>", "malformed", False),
    ],
)
def test_no_call_expected_three_ways(category: str, output: str, outcome: str, exact: bool) -> None:
    s = score(record("n", category, content="No."), output)
    assert (s.outcome, s.call_exact, s.expects_call) == (outcome, exact, False)
    assert s.tools_right == (s.status == "no_call")
    if outcome == "malformed":
        assert (s.status, s.abstained, s.json_valid) == ("malformed", False, False)


def test_empty_answers_mean_no_call_is_right_in_any_category() -> None:
    rec = record("e", "simple", [call("get_weather", city="Paris")], answers=[])
    assert score(rec, "No call needed.").call_exact
    assert not score(rec, tag(call("get_weather", city="Paris"))).call_exact


def test_answers_with_optional_argument() -> None:
    rec = record(
        "a",
        "simple",
        answers=[{"name": "get_weather", "arguments": {"city": ["Paris"], "unit": ["celsius", ""]}}],
    )
    assert score(rec, tag(call("get_weather", city="Paris"))).call_exact
    given = score(rec, tag(call("get_weather", city="Paris", unit="celsius")))
    assert (given.call_exact, given.args_right, given.args_given, given.args_gold) == (True, 2, 2, 2)
    assert not score(rec, tag(call("get_weather", city="Paris", unit="fahrenheit"))).call_exact


def test_multi_turn_scores_the_call_not_the_final_answer() -> None:
    rec = Record.model_validate(
        {
            "id": "mt",
            "category": "multi_turn",
            "tools": [HAND_RECORDS[0].tools[0].model_dump()],
            "messages": [
                {"role": "user", "content": "Weather in Paris?"},
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}}],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "14"},
                {"role": "assistant", "content": "14 degrees."},
            ],
        }
    )
    assert score(rec, tag(call("get_weather", city="Paris"))).call_exact


def test_native_message_output() -> None:
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "x",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    }
    s = score(SIMPLE, message)
    assert (s.call_exact, s.repairs) == (True, ())


def test_profile_parser_is_used_for_text() -> None:
    seen: list[str] = []

    def parse(text: str) -> Extraction:
        seen.append(text)
        return Extraction(status="calls", calls=(ToolCall(name="get_weather", arguments={"city": "Paris"}),))

    assert score(SIMPLE, "anything", parse=parse).call_exact
    assert seen == ["anything"]


def test_failures_are_rows() -> None:
    ref = Reference.from_record(SIMPLE)
    missing = score_prediction(ref, None)
    failed = score_prediction(ref, Prediction("s", error="timeout"))
    assert (missing.status, missing.reason, missing.args_gold) == (
        "error",
        "no prediction for this example",
        1,
    )
    assert (failed.outcome, failed.error) == ("error", "generation failed: timeout")

    def crash(text: str) -> Extraction:
        raise RuntimeError("boom")

    crashed = score_prediction(ref, Prediction("s", "x"), parse=crash)
    assert crashed.error == "scoring failed: RuntimeError('boom')"


def test_dots_as_underscores_for_names_and_hallucination() -> None:
    rec = Record.model_validate(
        {
            "id": "d",
            "category": "simple",
            "tools": [
                {
                    "name": "weather.get",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                }
            ],
            "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}],
            "answers": [{"name": "weather.get", "arguments": {"city": ["Paris"]}}],
        }
    )
    output = tag(call("weather_get", city="Paris"))
    plain = score(rec, output, mode="bfcl")
    assert (plain.call_exact, plain.hallucinated_calls) == (False, 1)
    dotted = score(rec, output, mode="bfcl", dots_as_underscores=True)
    assert (dotted.call_exact, dotted.hallucinated_calls, dotted.tools_right) == (True, 0, True)


def hand_scores() -> list[ExampleScore]:
    refs = [Reference.from_record(r) for r in HAND_RECORDS]
    return score_predictions(refs, {k: Prediction(k, v) for k, v in HAND_OUTPUTS.items()})


def test_hand_set_outcomes() -> None:
    assert [(s.id, s.outcome) for s in hand_scores()] == [
        ("s1", "correct"),
        ("s2", "wrong_call"),
        ("p1", "correct"),
        ("i1", "abstained"),
        ("i2", "malformed"),
        ("m1", "invented"),
    ]


# Computed by hand from the comments in tests/eval_helpers.py.
HAND_OVERALL = {
    "n": 6,
    "json_validity": 4 / 5,
    "schema_validity": 3 / 5,
    "tool_accuracy": 4 / 6,
    "arg_precision": 4 / 6,
    "arg_recall": 4 / 5,
    "arg_f1": 8 / 11,
    "call_exact_match": 3 / 6,
    "irrelevance_detection": 1 / 3,
    "hallucinated_tool_rate": 1 / 5,
    "malformed_rate": 1 / 6,
    "repair_rate": 1 / 5,
    "errors": 0,
    "order_differs": 0,
}


def test_hand_set_aggregate_matches_hand_numbers() -> None:
    assert aggregate(hand_scores()) == pytest.approx(HAND_OVERALL)


def test_metric_rows_per_category() -> None:
    rows = metric_rows({"m": hand_scores()})
    assert [r["category"] for r in rows] == ["simple", "parallel", "irrelevance", "missing_param", "overall"]
    simple = rows[0]
    assert simple == pytest.approx(
        {
            "model": "m",
            "category": "simple",
            "n": 2,
            "json_validity": 1.0,
            "schema_validity": 1.0,
            "tool_accuracy": 1.0,
            "arg_precision": 2 / 3,
            "arg_recall": 2 / 3,
            "arg_f1": 2 / 3,
            "call_exact_match": 0.5,
            "irrelevance_detection": None,
            "hallucinated_tool_rate": 0.0,
            "malformed_rate": 0.0,
            "repair_rate": 0.5,
            "errors": 0,
            "order_differs": 0,
        }
    )


def test_results_frame_two_models() -> None:
    scores = hand_scores()
    frame = results_frame({"base": scores, "adapter": scores[:2]})
    assert list(frame["model"]) == ["base"] * 5 + ["adapter"] * 2
    assert math.isnan(frame.loc[0, "irrelevance_detection"])
    assert frame.loc[4, "call_exact_match"] == 0.5
