"""Is one model call the expected call? Two rule sets, and the assignment of parallel calls.

``strict`` compares values the way JSON Schema does (``1 == 1.0``, ``True != 1``, strings exact).
``bfcl`` follows the Berkeley Function Calling Leaderboard's AST checker for Python, rule by rule, so
that scores on BFCL data agree with its official checker:

- the name must match exactly (option: the expected name with dots written as underscores);
- every parameter the schema requires is present, and none outside the schema and the gold keys;
- types are exact (a bool is not an int), an int is accepted for a ``number`` (BFCL ``float``)
  parameter, array items are type-checked (one level), and a value of the acceptable values' own type
  is accepted as a "variable" when that type differs from the schema's;
- strings are compared after removing spaces and ``, . / - _ * ^``, lowercasing and turning ``'``
  into ``"``; lists element by element with strings normalised; dicts key by key against the
  acceptable values, where a key may be left out only if ``""`` is acceptable for it;
- a gold parameter the model left out fails unless ``""`` is among its acceptable values.

Parallel calls are paired with the gold calls by an optimal assignment (most fully right pairs, then
most right names, then most right arguments), whatever their order. BFCL pairs greedily instead: each
gold call, in order, takes the first unused model call that matches it; :func:`bfcl_greedy_passes`
gives that verdict so a scorer can report where the two differ.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, cast

from fncall_data.schema_engine import json_equal
from fncall_data.types import Answer, Tool, ToolCall

__all__ = [
    "ArgCheck",
    "CallCheck",
    "Expected",
    "Mode",
    "assign",
    "bfcl_greedy_passes",
    "check_call",
    "standardize_string",
]

Mode = Literal["strict", "bfcl"]

#: Verdicts on one argument. ``omitted`` is a gold argument left out that was allowed to be.
Verdict = Literal["right", "wrong_value", "wrong_type", "missing", "unexpected", "omitted"]

_STRIP = re.compile(r"[ ,./\-_*^]")


def standardize_string(text: str) -> str:
    """BFCL's string normal form: no spaces or ``, . / - _ * ^``, lower case, ``'`` as ``"``.

    Example:
        >>> standardize_string("New York, NY")
        'newyorkny'
    """
    return _STRIP.sub("", text).lower().replace("'", '"')


@dataclass(frozen=True, slots=True)
class Expected:
    """One expected call: the tool and, for each argument, its acceptable values.

    ``""`` among an argument's values means it may be left out (the BFCL convention).
    """

    name: str
    arguments: Mapping[str, tuple[Any, ...]]
    #: how many arguments must be given (those without ``""`` among their values)
    needed: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # computed once here: scoring asks for it for every pairing
        object.__setattr__(self, "needed", sum(1 for v in self.arguments.values() if "" not in v))

    @classmethod
    def from_answer(cls, answer: Answer) -> Expected:
        return cls(answer.name, {k: tuple(v) for k, v in answer.arguments.items()})

    @classmethod
    def from_call(cls, call: ToolCall) -> Expected:
        """The call as written is the only acceptable one: every argument it has must be given."""
        return cls(call.name, {k: (v,) for k, v in call.arguments.items()})


class ArgCheck(NamedTuple):
    """The verdict on one argument of one paired call."""

    name: str
    verdict: Verdict


class CallCheck(NamedTuple):
    """One model call against one expected call.

    Attributes:
        name_ok: the tool name matches.
        ok: the whole call is right.
        args: one verdict per argument given or expected (arguments of a wrongly named call are
            all ``unexpected``).
        right: arguments given with a right value.
        given: arguments the model gave.
        gold: arguments that had to be given (optional ones count only when given).
        reason: why the call is wrong, empty when it is right.
    """

    name_ok: bool
    ok: bool
    args: tuple[ArgCheck, ...]
    right: int
    given: int
    gold: int
    reason: str


def check_call(
    call: ToolCall,
    expected: Expected,
    tool: Tool | None,
    mode: Mode = "strict",
    *,
    dots_as_underscores: bool = False,
) -> CallCheck:
    """Check one model call against one expected call.

    Args:
        call: what the model wrote.
        expected: the acceptable call.
        tool: the expected tool's definition (its schema decides required parameters and, in
            ``bfcl`` mode, types); None when the record does not define it.
        mode: ``strict`` or ``bfcl``.
        dots_as_underscores: also accept the expected name with ``.`` written as ``_``.

    Example:
        >>> e = Expected("f", {"city": ("Paris",), "unit": ("c", "")})
        >>> check_call(ToolCall(name="f", arguments={"city": "paris "}), e, None, "bfcl").ok
        True
        >>> check_call(ToolCall(name="f", arguments={"city": "paris "}), e, None, "strict").reason
        "city: 'paris ' is not an acceptable value"
    """
    name_ok = call.name == expected.name or (
        dots_as_underscores and call.name == expected.name.replace(".", "_")
    )
    gold_needed = expected.needed
    if not name_ok:
        args = tuple(ArgCheck(k, "unexpected") for k in call.arguments)
        return CallCheck(
            False,
            False,
            args,
            0,
            len(call.arguments),
            gold_needed,
            f"called {call.name}, not {expected.name}",
        )
    schema = tool.parameters if tool is not None else {}
    properties: Mapping[str, Any] = schema.get("properties") or {}
    checks: list[ArgCheck] = []
    reasons: list[str] = []
    right = 0
    gold = gold_needed
    for key, value in call.arguments.items():
        values = expected.arguments.get(key)
        if values is None or (mode == "bfcl" and tool is not None and key not in properties):
            checks.append(ArgCheck(key, "unexpected"))
            reasons.append(f"{key}: not an expected argument")
            continue
        if "" in values:
            gold += 1  # an optional argument that was given counts on both sides
        if mode == "bfcl":
            verdict, why = _bfcl_value(key, value, values, properties.get(key))
        elif any(json_equal(value, v) for v in values):
            verdict, why = "right", ""
        else:
            verdict, why = "wrong_value", f"{key}: {value!r} is not an acceptable value"
        checks.append(ArgCheck(key, verdict))
        if verdict == "right":
            right += 1
        else:
            reasons.append(why)
    for key, values in expected.arguments.items():
        if key not in call.arguments:
            if "" in values:
                checks.append(ArgCheck(key, "omitted"))
            else:
                checks.append(ArgCheck(key, "missing"))
                reasons.append(f"{key}: missing")
    for key in schema.get("required") or ():
        # a gold argument that must be given is reported above; this catches the rest
        if key not in call.arguments and "" in expected.arguments.get(key, ("",)):
            reasons.append(f"{key}: required by the tool but missing")
    return CallCheck(True, not reasons, tuple(checks), right, len(call.arguments), gold, "; ".join(reasons))


# --- BFCL values ----------------------------------------------------------------------------------

_PY_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "array": list,
    "object": dict,
}


def _py_type(schema: Any) -> type | None:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return _PY_TYPES.get(kind) if isinstance(kind, str) else None


def _bfcl_value(key: str, value: Any, values: tuple[Any, ...], schema: Any) -> tuple[Verdict, str]:
    expected = _py_type(schema)
    items = schema.get("items") if isinstance(schema, dict) else None
    nested = _py_type(items) if expected is list else None
    if expected is float and type(value) is int:
        value = float(value)  # BFCL lets Python widen an int to a float
    is_variable = False
    if expected is not None:
        valid, is_variable = _bfcl_type(value, values, expected, nested)
        if not valid:
            return "wrong_type", f"{key}: expected {schema.get('type')}, got {type(value).__name__}"
    if not is_variable:
        if expected is dict:
            ok = _dict_ok(value, values)
        elif expected is list and nested is dict:
            ok = _list_of_dicts_ok(value, values)
        elif expected is str or (expected is None and isinstance(value, str)):
            ok = standardize_string(value) in [standardize_string(v) for v in values if isinstance(v, str)]
        elif expected is list:
            ok = _standard_list(value) in [_standard_list(v) for v in values]
        else:
            ok = value in values
    else:
        ok = value in values
    return ("right", "") if ok else ("wrong_value", f"{key}: {value!r} is not an acceptable value")


def _answer_type(values: Sequence[Any]) -> type | None:
    return next((type(v) for v in values if v != ""), None)


def _bfcl_type(value: Any, values: Sequence[Any], expected: type, nested: type | None) -> tuple[bool, bool]:
    """BFCL's type_checker: (valid, is_variable)."""
    answer_type = _answer_type(values)
    is_variable = answer_type is not None and answer_type is not expected
    if type(value) is expected:
        if nested is None:
            return True, is_variable
        items = cast(list[Any], value)
        for answer in values:
            # As in BFCL, an acceptable value that is not a list (such as "") lets any items pass.
            if not isinstance(answer, list) or all(_bfcl_type(v, answer, nested, None)[0] for v in items):
                return True, is_variable
        return False, is_variable  # BFCL: a failed item check is final, even for a "variable"
    if answer_type is not None and type(value) is answer_type:
        return True, True
    return False, is_variable


def _standard(value: Any) -> Any:
    return standardize_string(value) if isinstance(value, str) else value


def _standard_list(value: Any) -> Any:
    # BFCL iterates over each acceptable value, so "" becomes [] and a string its characters' list.
    return [_standard(v) for v in value] if isinstance(value, list | str) else value


def _dict_ok(value: Any, answers: Sequence[Any]) -> bool:
    if not isinstance(value, dict):
        return False
    for answer in answers:
        if answer == "" or not isinstance(answer, dict):
            continue
        if all(
            k in answer and _standard(v) in [_standard(a) for a in answer[k]] for k, v in value.items()
        ) and all(k in value or "" in acceptable for k, acceptable in answer.items()):
            return True
    return False


def _list_of_dicts_ok(value: Any, answers: Sequence[Any]) -> bool:
    if not isinstance(value, list):
        return False
    for answer in answers:
        if not isinstance(answer, list) or len(answer) != len(value):
            continue
        if all(_dict_ok(v, [a]) for v, a in zip(value, answer, strict=True)):
            return True
    return False


# --- pairing parallel calls ---------------------------------------------------------------------


def _weight(check: CallCheck) -> int:
    # Lexicographic: a fully right pair beats any number of right names, which beat right arguments.
    return int(check.ok) * 1_000_000 + int(check.name_ok) * 1_000 + min(check.right, 999)


def assign(checks: Sequence[Sequence[CallCheck]]) -> list[tuple[int, int]]:
    """Pair gold calls (rows) with model calls (columns) to maximise the total match, exactly.

    Returns ``(gold index, model index)`` pairs; with unequal counts the extra calls stay unpaired.
    Up to 7 calls a side every assignment is tried; above that, the Hungarian algorithm.

    Example:
        >>> e = [Expected("f", {"x": (1,)}), Expected("f", {"x": (2,)})]
        >>> calls = [ToolCall(name="f", arguments={"x": 2}), ToolCall(name="f", arguments={"x": 1})]
        >>> assign([[check_call(c, g, None) for c in calls] for g in e])
        [(0, 1), (1, 0)]
    """
    rows = len(checks)
    cols = len(checks[0]) if rows else 0
    if rows == 0 or cols == 0:
        return []
    if rows == 1 and cols == 1:  # the common case, a single call
        return [(0, 0)]
    weights = [[_weight(c) for c in row] for row in checks]
    if max(rows, cols) <= 7:
        return _brute_force(weights, rows, cols)
    return _hungarian(weights, rows, cols)


def _brute_force(weights: list[list[int]], rows: int, cols: int) -> list[tuple[int, int]]:
    if rows <= cols:
        best = max(
            itertools.permutations(range(cols), rows),
            key=lambda p: sum(weights[r][c] for r, c in enumerate(p)),
        )
        return list(enumerate(best))
    best = max(
        itertools.permutations(range(rows), cols),
        key=lambda p: sum(weights[r][c] for c, r in enumerate(p)),
    )
    return sorted((r, c) for c, r in enumerate(best))


def _hungarian(weights: list[list[int]], rows: int, cols: int) -> list[tuple[int, int]]:
    """Minimum-cost assignment on the square matrix of negated weights (Kuhn-Munkres, O(n^3))."""
    n = max(rows, cols)
    top = max(max(row) for row in weights)
    cost = [[top - (weights[r][c] if r < rows and c < cols else 0) for c in range(n)] for r in range(n)]
    inf = float("inf")
    u = [0.0] * (n + 1)
    v = [0.0] * (n + 1)
    owner = [0] * (n + 1)  # owner[column] = row (1-based; 0 = free)
    way = [0] * (n + 1)
    for r in range(1, n + 1):
        owner[0] = r
        col = 0
        least = [inf] * (n + 1)
        used = [False] * (n + 1)
        while True:
            used[col] = True
            row, delta, nxt = owner[col], inf, 0
            for c in range(1, n + 1):
                if not used[c]:
                    cur = cost[row - 1][c - 1] - u[row] - v[c]
                    if cur < least[c]:
                        least[c], way[c] = cur, col
                    if least[c] < delta:
                        delta, nxt = least[c], c
            for c in range(n + 1):
                if used[c]:
                    u[owner[c]] += delta
                    v[c] -= delta
                else:
                    least[c] -= delta
            col = nxt
            if owner[col] == 0:
                break
        while col:
            prev = way[col]
            owner[col] = owner[prev]
            col = prev
    pairs = [(owner[c] - 1, c - 1) for c in range(1, n + 1) if owner[c] - 1 < rows and c - 1 < cols]
    return sorted(pairs)


def bfcl_greedy_passes(checks: Sequence[Sequence[CallCheck]]) -> bool:
    """BFCL's verdict on parallel calls: each gold call, in order, takes the first free match."""
    used: set[int] = set()
    for row in checks:
        match = next((m for m, check in enumerate(row) if m not in used and check.ok), None)
        if match is None:
            return False
        used.add(match)
    return True
