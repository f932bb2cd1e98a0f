"""Comparison statistics against values computed by hand."""

from __future__ import annotations

import math

import pytest

from fncall_eval.compare import bootstrap_delta, compare, comparison_frame, mcnemar_exact
from tests.eval_helpers import example


@pytest.mark.parametrize(
    ("only_a", "only_b", "p"),
    [
        (0, 0, 1.0),
        (1, 6, 2 * (1 + 7) / 2**7),  # 0.125
        (6, 1, 0.125),
        (0, 5, 2 / 2**5),  # 0.0625
        (3, 3, 1.0),  # 2 * 42/64 > 1, capped
        (2, 8, 2 * (1 + 10 + 45) / 2**10),  # 0.109375
        (0, 10, 2 / 1024),
    ],
)
def test_mcnemar_exact_by_hand(only_a: int, only_b: int, p: float) -> None:
    assert mcnemar_exact(only_a, only_b) == pytest.approx(p, abs=1e-15)


def test_mcnemar_large_counts_stay_finite() -> None:
    assert 0 < mcnemar_exact(500, 700) < 1e-7


def test_bootstrap_constant_delta_has_a_point_interval() -> None:
    a = [(0, 1)] * 10
    b = [(1, 1)] * 10
    assert bootstrap_delta(a, b, n_boot=200) == (1.0, 1.0)


def test_bootstrap_two_examples_by_hand() -> None:
    # per example deltas are 1 and 0; a resample is (1,1), (1,0) or (0,0) with probability 1/4, 1/2,
    # 1/4, so the 2.5% and 97.5% points are the extremes 0 and 1 (each has ~250 of 1000 draws).
    assert bootstrap_delta([(0, 1), (1, 1)], [(1, 1), (1, 1)], n_boot=1000, seed=3) == (0.0, 1.0)


def test_bootstrap_is_seeded_and_skips_undefined_resamples() -> None:
    a = [(i % 2, 1) for i in range(30)]
    b = [((i + 1) % 3 == 0, 1) for i in range(30)]
    assert bootstrap_delta(a, b, seed=1) == bootstrap_delta(a, b, seed=1)
    assert bootstrap_delta(a, b, seed=1) != bootstrap_delta(a, b, seed=2)
    # the metric is undefined (0/0) for every example: no interval
    assert bootstrap_delta([(0, 0)] * 3, [(0, 0)] * 3) == (None, None)


def test_compare_by_hand() -> None:
    a = [example("e1", True), example("e2", True), example("e3", False), example("e4", False, "parallel")]
    b = [example("e1", True), example("e2", False), example("e3", True), example("e4", True, "parallel")]
    b.append(example("only_b", True))
    result = compare(a, b, label_a="base", label_b="tuned", n_boot=100)
    assert (result.improved, result.regressed, result.unpaired) == (("e3", "e4"), ("e2",), ("only_b",))
    tests = {t["category"]: t for t in result.mcnemar}
    assert tests["overall"] == {"category": "overall", "n": 4, "only_a": 1, "only_b": 2, "p_value": 1.0}
    assert tests["parallel"]["p_value"] == 1.0  # one flip: 2 * 1/2
    rows = {(r["category"], r["metric"]): r for r in result.rows}
    exact = rows[("overall", "call_exact_match")]
    assert (exact["a_value"], exact["b_value"], exact["delta"], exact["n"]) == (0.5, 0.75, 0.25, 4)
    assert exact["ci_low"] <= 0.25 <= exact["ci_high"]
    simple = rows[("simple", "call_exact_match")]
    assert (simple["a_value"], simple["b_value"], simple["delta"]) == pytest.approx((2 / 3, 2 / 3, 0.0))
    assert rows[("simple", "irrelevance_detection")]["delta"] is None
    assert compare(a, b, n_boot=100).rows == compare(a, b, n_boot=100).rows  # deterministic


def test_adding_a_category_does_not_move_another_categorys_interval() -> None:
    a = [example(f"s{i}", i % 2 == 0) for i in range(12)]
    b = [s._replace(call_exact=not s.call_exact) for s in a]
    alone = compare(a, b, n_boot=300).rows
    more = compare(
        [*a, example("p", True, "parallel")], [*b, example("p", False, "parallel")], n_boot=300
    ).rows
    pick = [r for r in alone if r["category"] == "simple"]
    assert pick == [r for r in more if r["category"] == "simple"]


def test_comparison_frame_has_mcnemar_on_exact_match_only() -> None:
    a = [example("e1", True), example("e2", False)]
    frame = comparison_frame([compare(a, [example("e1", False), example("e2", False)], n_boot=10)])
    exact = frame[(frame["metric"] == "call_exact_match") & (frame["category"] == "overall")]
    assert exact["mcnemar_p"].item() == 1.0
    other = frame[frame["metric"] == "json_validity"]["mcnemar_p"]
    assert all(v is None or math.isnan(v) for v in other)
    assert list(frame.columns) == [
        "model_a", "model_b", "category", "metric", "n", "a_value", "b_value", "delta", "ci_low", "ci_high",
        "mcnemar_p",
    ]  # fmt: skip
