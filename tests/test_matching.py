"""The two matching modes on hand-built calls: every BFCL rule, and the pairing of parallel calls."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from fncall_data.dialects import gorilla_to_json_schema
from fncall_data.types import Tool, ToolCall
from fncall_eval.matching import (
    CallCheck,
    Expected,
    _brute_force,
    _hungarian,
    _weight,
    assign,
    bfcl_greedy_passes,
    check_call,
    standardize_string,
)

# A BFCL-style tool, written in the Gorilla dialect and converted the way the importer does.
SPEC: dict[str, Any] = {
    "type": "dict",
    "properties": {
        "city": {"type": "string"},
        "count": {"type": "integer"},
        "price": {"type": "float"},
        "flag": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "sizes": {"type": "array", "items": {"type": "integer"}},
        "point": {"type": "tuple", "items": {"type": "float"}},
        "options": {"type": "dict", "properties": {"mode": {"type": "string"}, "level": {"type": "integer"}}},
        "stops": {"type": "array", "items": {"type": "dict"}},
    },
    "required": ["city"],
}
TOOL = Tool(name="trip.plan", parameters=gorilla_to_json_schema(SPEC))


def bfcl(
    arguments: dict[str, Any], gold: dict[str, list[Any]], name: str = "trip.plan", **kw: Any
) -> CallCheck:
    return check_call(
        ToolCall(name=name, arguments=arguments), Expected("trip.plan", gold), TOOL, "bfcl", **kw
    )


def ok(arguments: dict[str, Any], gold: dict[str, list[Any]]) -> bool:
    return bfcl(arguments, gold).ok


def test_standardize_string_removes_bfcl_characters() -> None:
    assert standardize_string(" New-York, N.Y./a_b*c^d 'x' ") == 'newyorknyabcd"x"'


def test_name_must_match_exactly_unless_dots_as_underscores() -> None:
    gold = {"city": ["Paris"]}
    assert not bfcl({"city": "Paris"}, gold, name="trip_plan").ok
    assert bfcl({"city": "Paris"}, gold, name="trip_plan", dots_as_underscores=True).ok
    assert not bfcl({"city": "Paris"}, gold, name="Trip.plan").ok
    wrong = bfcl({"city": "Paris"}, gold, name="other")
    assert (wrong.name_ok, wrong.args, wrong.reason) == (
        False,
        (("city", "unexpected"),),
        "called other, not trip.plan",
    )


def test_required_parameter_must_be_present_even_if_gold_allows_omission() -> None:
    assert not ok({"count": 2}, {"city": ["Paris", ""], "count": [2]})
    assert (
        "city: required by the tool but missing"
        in bfcl({"count": 2}, {"city": ["", "Paris"], "count": [2]}).reason
    )


def test_no_parameter_outside_schema_or_gold() -> None:
    assert not ok({"city": "Paris", "color": "red"}, {"city": ["Paris"], "color": ["red"]})  # not in schema
    check = bfcl({"city": "Paris", "count": 2}, {"city": ["Paris"]})  # in schema, not in gold
    assert (check.ok, check.args) == (False, (("city", "right"), ("count", "unexpected")))


def test_types_are_exact_bool_is_not_int() -> None:
    assert not ok({"city": "Paris", "count": True}, {"city": ["Paris"], "count": [1]})
    assert (
        bfcl({"city": "Paris", "count": True}, {"city": ["Paris"], "count": [1]}).args[1].verdict
        == "wrong_type"
    )
    assert not ok({"city": "Paris", "count": 2.0}, {"city": ["Paris"], "count": [2]})
    assert not ok({"city": "Paris", "flag": 1}, {"city": ["Paris"], "flag": [True]})
    assert ok({"city": "Paris", "flag": True}, {"city": ["Paris"], "flag": [True]})


def test_int_accepted_for_float_but_not_float_for_int() -> None:
    assert ok({"city": "Paris", "price": 5}, {"city": ["Paris"], "price": [5.0]})
    assert not ok({"city": "Paris", "price": 5}, {"city": ["Paris"], "price": [5.5]})


def test_variable_of_the_answers_own_type_is_accepted() -> None:
    # BFCL writes a variable name as a string answer for a non-string parameter
    assert ok({"city": "Paris", "count": "n"}, {"city": ["Paris"], "count": ["n"]})
    assert not ok({"city": "Paris", "count": "m"}, {"city": ["Paris"], "count": ["n"]})


def test_strings_normalised_and_must_be_one_of_the_answers() -> None:
    gold = {"city": ["New York", "NYC"]}
    assert ok({"city": "new-york"}, gold)
    assert ok({"city": "N.Y.C."}, gold)
    assert not ok({"city": "Newark"}, gold)
    assert ok({"city": "it's"}, {"city": ['it"s']})


def test_lists_compared_elementwise_with_strings_normalised() -> None:
    gold = {"city": ["Paris"], "tags": [["Old Town", "Harbour"]]}
    assert ok({"city": "Paris", "tags": ["old-town", "HARBOUR"]}, gold)
    assert not ok({"city": "Paris", "tags": ["harbour", "old town"]}, gold)  # order matters
    assert not ok({"city": "Paris", "tags": ["old town"]}, gold)


def test_array_items_are_type_checked_and_tuples_count_as_lists() -> None:
    assert not ok({"city": "Paris", "sizes": [1, "2"]}, {"city": ["Paris"], "sizes": [[1, 2]]})
    assert bfcl({"city": "Paris", "sizes": [1, True]}, {"city": ["Paris"], "sizes": [[1, 1]]}).args[
        1
    ].verdict == ("wrong_type")
    assert ok({"city": "Paris", "point": [1.5, 2.5]}, {"city": ["Paris"], "point": [[1.5, 2.5]]})
    assert TOOL.parameters["properties"]["point"]["type"] == "array"


def test_dicts_key_by_key_and_a_key_may_be_left_out_only_if_empty_string_allowed() -> None:
    gold = {"city": ["Paris"], "options": [{"mode": ["Fast"], "level": [1, ""]}]}
    assert ok({"city": "Paris", "options": {"mode": "fast"}}, gold)
    assert ok({"city": "Paris", "options": {"mode": "FAST", "level": 1}}, gold)
    assert not ok({"city": "Paris", "options": {"level": 1}}, gold)  # mode may not be left out
    assert not ok({"city": "Paris", "options": {"mode": "fast", "extra": 1}}, gold)
    assert not ok({"city": "Paris", "options": {"mode": "fast", "level": 2}}, gold)


def test_list_of_dicts_same_length_each_dict_checked() -> None:
    gold = {"city": ["Paris"], "stops": [[{"code": ["CDG"]}, {"code": ["ORY"]}]]}
    assert ok({"city": "Paris", "stops": [{"code": "cdg"}, {"code": "ORY"}]}, gold)
    assert not ok({"city": "Paris", "stops": [{"code": "CDG"}]}, gold)
    assert not ok({"city": "Paris", "stops": [{"code": "ORY"}, {"code": "CDG"}]}, gold)


def test_gold_parameter_left_out_fails_unless_empty_string_allowed() -> None:
    assert ok({"city": "Paris"}, {"city": ["Paris"], "count": [2, ""]})
    check = bfcl({"city": "Paris"}, {"city": ["Paris"], "count": [2]})
    assert (check.ok, check.args[-1], check.reason) == (False, ("count", "missing"), "count: missing")


def test_counts_for_precision_and_recall() -> None:
    check = bfcl(
        {"city": "Paris", "count": 3, "price": 2.0}, {"city": ["Paris"], "count": [2], "price": [2.0, ""]}
    )
    # given 3, right 2 (city, price); gold: city, count needed + price optional but given
    assert (check.right, check.given, check.gold) == (2, 3, 3)


def test_strict_mode_is_json_equality_without_normalisation() -> None:
    expected = Expected("trip.plan", {"city": ("Paris",), "price": (5,)})

    def strict(args: dict[str, Any]) -> bool:
        return check_call(ToolCall(name="trip.plan", arguments=args), expected, TOOL, "strict").ok

    assert strict({"city": "Paris", "price": 5.0})  # 1 == 1.0 in JSON Schema
    assert not strict({"city": "paris", "price": 5})
    assert not strict({"city": "Paris", "price": True})
    assert not strict({"city": "Paris", "price": 5, "count": 1})


def _checks(gold: list[Expected], calls: list[ToolCall]) -> list[list[CallCheck]]:
    return [[check_call(c, g, TOOL, "bfcl") for c in calls] for g in gold]


def test_parallel_calls_matched_whatever_their_order() -> None:
    gold = [Expected("trip.plan", {"city": ("Paris",)}), Expected("trip.plan", {"city": ("Rome",)})]
    calls = [ToolCall(name="trip.plan", arguments={"city": c}) for c in ("Rome", "Paris")]
    assert assign(_checks(gold, calls)) == [(0, 1), (1, 0)]


def test_optimal_assignment_finds_a_match_where_bfcl_first_match_does_not() -> None:
    # gold 0 accepts Paris or Rome, gold 1 only Paris; the model says Paris, Rome.
    gold = [Expected("trip.plan", {"city": ("Paris", "Rome")}), Expected("trip.plan", {"city": ("Paris",)})]
    calls = [ToolCall(name="trip.plan", arguments={"city": c}) for c in ("Paris", "Rome")]
    checks = _checks(gold, calls)
    pairs = assign(checks)
    assert pairs == [(0, 1), (1, 0)]
    assert all(checks[g][m].ok for g, m in pairs)
    assert not bfcl_greedy_passes(checks)  # gold 0 takes Paris first, gold 1 finds nothing


def test_hungarian_agrees_with_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(200):
        rows, cols = rng.randint(1, 6), rng.randint(1, 6)
        weights = [[rng.choice([0, 3, 1000, 1_000_003]) for _ in range(cols)] for _ in range(rows)]
        best = sum(weights[r][c] for r, c in _brute_force(weights, rows, cols))
        pairs = _hungarian(weights, rows, cols)
        assert sum(weights[r][c] for r, c in pairs) == best
        assert len(pairs) == min(rows, cols)
        assert len({c for _, c in pairs}) == len(pairs)


def test_large_parallel_sets_use_hungarian_and_pair_all() -> None:
    cities = [f"c{i}" for i in range(9)]
    gold = [Expected("trip.plan", {"city": (c,)}) for c in cities]
    calls = [ToolCall(name="trip.plan", arguments={"city": c}) for c in reversed(cities)]
    pairs = assign(_checks(gold, calls))
    assert pairs == [(i, 8 - i) for i in range(9)]


def test_weight_orders_full_match_over_names_over_arguments() -> None:
    full = CallCheck(True, True, (), 0, 0, 0, "")
    named = CallCheck(True, False, (), 999, 0, 0, "")
    assert _weight(full) > _weight(named) > _weight(CallCheck(False, False, (), 999, 0, 0, ""))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_brute_force_tries_every_permutation(n: int) -> None:
    weights = [[(r * 7 + c * 3) % 5 for c in range(n)] for r in range(n)]
    best = max(sum(weights[r][p[r]] for r in range(n)) for p in itertools.permutations(range(n)))
    assert sum(weights[r][c] for r, c in _brute_force(weights, n, n)) == best
