"""Score one model output against what its record expects. Pure functions, no torch, no pandas.

Per example: was the output readable (and what had to be repaired), do its calls fit the tools'
schemas, are the tool names right, is each argument right, is the whole call right. Parallel calls are
paired with the expected ones by an optimal assignment (:func:`fncall_eval.matching.assign`).

Outputs fall in three kinds: ``calls``, ``no_call`` (plain text) and ``malformed`` (a call attempt
that could not be read). When no call is the right answer (``irrelevance``, ``missing_param``, or
``answers == []``), only ``no_call`` is right: a malformed output is never an abstention. For
``missing_param`` the model should ask for the missing value: a reply that asks a question (holds a
``?``) is ``asked``; one that does not is ``no_question`` (wrong); a call is ``invented`` (wrong).

The reference is :func:`fncall_data.turns.evaluated_turn`'s turn: ``Record.answers`` when set, else
that turn's own calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from fncall_data.check import check_output
from fncall_data.extract import Extraction
from fncall_data.turns import evaluated_turn
from fncall_data.types import Record, Tool
from fncall_data.validate import Toolbox
from fncall_eval.matching import Expected, Mode, assign, bfcl_greedy_passes, check_call
from fncall_eval.predictions import Prediction

__all__ = [
    "ExampleScore",
    "Parser",
    "Reference",
    "references",
    "score_output",
    "score_prediction",
    "score_predictions",
]

log = logging.getLogger(__name__)

Status = Literal["calls", "no_call", "malformed", "error"]
#: Reads the calls out of raw model text, e.g. a chat profile's ``parse``.
Parser = Callable[[str], Extraction]

_NO_CALL_ASKS = frozenset({"missing_param"})


@dataclass(frozen=True, slots=True)
class Reference:
    """What one record expects, prepared once and reused for every model scored on it."""

    id: str
    category: str
    calls: tuple[Expected, ...]
    tools: Mapping[str, Tool]
    toolbox: Toolbox

    @classmethod
    def from_record(cls, record: Record) -> Reference:
        """The expected calls of ``record``'s evaluated turn (``[]``: no call is right).

        Example:
            >>> r = Record(id="r", category="irrelevance", messages=[
            ...     {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}])
            >>> Reference.from_record(r).calls
            ()
        """
        if record.answers is not None:
            calls = tuple(Expected.from_answer(a) for a in record.answers)
        else:
            turn = record.messages[evaluated_turn(record)]
            calls = tuple(Expected.from_call(c) for c in turn.tool_calls or ())
        tools, toolbox = _toolbox(record.tools)
        return cls(record.id, record.category or "none", calls, tools, toolbox)


# Records of one test set mostly offer the same few tool lists. Sharing one Toolbox (and so one set
# of compiled schemas) per distinct list makes a Reference cheap to build.
_TOOLBOXES: dict[tuple[str, ...], tuple[dict[str, Tool], Toolbox]] = {}
_TOOLBOXES_MAX = 4096


def _toolbox(tools: Sequence[Tool]) -> tuple[dict[str, Tool], Toolbox]:
    key = tuple(t.model_dump_json() for t in tools)
    found = _TOOLBOXES.get(key)
    if found is None:
        if len(_TOOLBOXES) >= _TOOLBOXES_MAX:
            _TOOLBOXES.clear()
        by_name = {t.name: t for t in tools}
        found = _TOOLBOXES[key] = (by_name, Toolbox(by_name.values()))
    return found


class ExampleScore(NamedTuple):
    """Every verdict on one example; aggregates are sums of these fields.

    A named tuple rather than a frozen dataclass: as immutable, and several times cheaper to build,
    which counts at tens of thousands of examples a second.

    Attributes:
        status: what the model produced: ``calls``, ``no_call``, ``malformed``, or ``error`` when
            there was no output to score (generation or scoring failed; see ``error``).
        outcome: ``correct``, ``wrong_call``, ``missed_call``, ``malformed``, ``abstained``,
            ``called`` (irrelevance), ``asked``, ``no_question``, ``invented`` (missing_param), ``error``.
        json_valid: the call attempt was readable; None when the output attempted no call.
        repairs: the repairs reading needed (codes), in order.
        schema_valid: every call fits its tool's schema; None when no call was attempted.
        tools_right: the tool names called are the expected ones (no call when none is expected).
        args_right / args_given / args_gold: counts for argument precision and recall.
        call_exact: the whole output is right.
        calls_made / hallucinated_calls: calls read, and those naming a tool that was not offered.
        order_differs: BFCL's first-match-in-order pairing gives another verdict than the optimal one.
        args: ``(gold call, model call, argument, verdict)`` for every paired argument.
    """

    id: str
    category: str
    expects_call: bool
    status: Status
    outcome: str
    json_valid: bool | None
    repairs: tuple[str, ...]
    schema_valid: bool | None
    tools_right: bool
    args_right: int
    args_given: int
    args_gold: int
    call_exact: bool
    calls_made: int
    hallucinated_calls: int
    order_differs: bool = False
    reason: str = ""
    error: str | None = None
    args: tuple[tuple[int, int, str, str], ...] = ()

    @property
    def abstained(self) -> bool:
        """The model made no call and produced no malformed attempt."""
        return self.status == "no_call"

    def to_dict(self) -> dict[str, Any]:
        row = self._asdict()
        row["repairs"] = list(self.repairs)
        row["args"] = [list(a) for a in self.args]
        return row

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> ExampleScore:
        data = dict(row)
        data["repairs"] = tuple(data.get("repairs", ()))
        data["args"] = tuple(tuple(a) for a in data.get("args", ()))
        return cls(**data)


def score_output(
    reference: Reference,
    output: str | Mapping[str, Any],
    *,
    mode: Mode = "strict",
    parse: Parser | None = None,
    dots_as_underscores: bool = False,
) -> ExampleScore:
    """Score one output: raw text, or an assistant message with native tool calls.

    Args:
        reference: from :meth:`Reference.from_record`.
        output: what the model produced.
        mode: argument matching, ``strict`` or ``bfcl`` (see :mod:`fncall_eval.matching`).
        parse: how to read text (a chat profile's ``parse``); default
            :func:`fncall_data.check.check_output`'s extraction.
        dots_as_underscores: accept ``weather_get`` for an expected ``weather.get``.

    Example:
        >>> schema = {"type": "object", "properties": {"x": {"type": "integer"}}}
        >>> r = Record(id="r", category="simple", tools=[{"name": "f", "parameters": schema}],
        ...     messages=[{"role": "user", "content": "go"},
        ...               {"role": "assistant", "tool_calls": [{"name": "f", "arguments": {"x": 1}}]}])
        >>> text = "<tool_call>{'name': 'f', 'arguments': {'x': 1}}</tool_call>"
        >>> s = score_output(Reference.from_record(r), text)
        >>> s.call_exact, s.repairs
        (True, ('python_literal',))
    """
    if parse is not None and isinstance(output, str):
        extraction = parse(output)
        issues = [*extraction.errors, *reference.toolbox.validate_calls(extraction.calls)]
    else:
        checked = check_output(output, reference.toolbox)
        extraction, issues = checked.extraction, list(checked.issues)
    status: Status = extraction.status
    calls = extraction.calls
    expected = reference.calls
    offered = reference.tools

    hallucinated = sum(1 for c in calls if c.name not in offered)
    if hallucinated and dots_as_underscores:
        underscored = {t.replace(".", "_") for t in offered}
        hallucinated = sum(1 for c in calls if c.name not in offered and c.name not in underscored)
    attempted = status != "no_call"
    json_valid = status != "malformed" if attempted else None
    schema_valid = (status == "calls" and not issues) if attempted else None
    repairs = tuple(r.code for r in extraction.repairs)
    given = sum(len(c.arguments) for c in calls)

    if not expected:
        if status == "no_call":
            asks = reference.category in _NO_CALL_ASKS
            asked = "?" in extraction.content or "？" in extraction.content
            outcome = ("asked" if asked else "no_question") if asks else "abstained"
            right = outcome != "no_question"
            reason = "" if right else "no call, but no question for the missing value either"
        else:
            outcome = (
                "malformed"
                if status == "malformed"
                else ("invented" if reference.category in _NO_CALL_ASKS else "called")
            )
            right, reason = False, f"no call was expected, got {_describe(extraction)}"
        return ExampleScore(
            id=reference.id,
            category=reference.category,
            expects_call=False,
            status=status,
            outcome=outcome,
            json_valid=json_valid,
            repairs=repairs,
            schema_valid=schema_valid,
            tools_right=status == "no_call",
            args_right=0,
            args_given=given,
            args_gold=0,
            call_exact=right,
            calls_made=len(calls),
            hallucinated_calls=hallucinated,
            reason=reason,
        )

    checks = [
        [check_call(c, e, offered.get(e.name), mode, dots_as_underscores=dots_as_underscores) for c in calls]
        for e in expected
    ]
    pairs = assign(checks) if calls else []
    paired = [checks[g][m] for g, m in pairs]
    args_right = sum(p.right for p in paired)
    args_gold = sum(p.gold for p in paired)
    if len(pairs) < len(expected):
        paired_gold = {g for g, _ in pairs}
        args_gold += sum(e.needed for g, e in enumerate(expected) if g not in paired_gold)
    details = tuple([(g, m, a.name, a.verdict) for g, m in pairs for a in checks[g][m].args])
    same_count = len(calls) == len(expected)
    exact = status == "calls" and same_count and all(p.ok for p in paired)
    differs = status == "calls" and same_count and len(calls) > 1 and bfcl_greedy_passes(checks) != exact
    if status != "calls":
        tools_right = False
    elif len(calls) == 1 and same_count:
        tools_right = paired[0].name_ok
    else:
        dots = dots_as_underscores
        tools_right = sorted(c.name.replace(".", "_") if dots else c.name for c in calls) == sorted(
            e.name.replace(".", "_") if dots else e.name for e in expected
        )
    if status == "malformed":
        outcome, reason = "malformed", "; ".join(i.message for i in extraction.errors)
    elif status == "no_call":
        outcome, reason = "missed_call", "no call was made"
    elif exact:
        outcome, reason = "correct", ""
    else:
        outcome = "wrong_call"
        reason = (
            f"{len(calls)} call(s), expected {len(expected)}"
            if not same_count
            else "; ".join(checks[g][m].reason for g, m in pairs if not checks[g][m].ok)
        )
    return ExampleScore(
        id=reference.id,
        category=reference.category,
        expects_call=True,
        status=status,
        outcome=outcome,
        json_valid=json_valid,
        repairs=repairs,
        schema_valid=schema_valid,
        tools_right=tools_right,
        args_right=args_right,
        args_given=given,
        args_gold=args_gold,
        call_exact=exact,
        calls_made=len(calls),
        hallucinated_calls=hallucinated,
        order_differs=differs,
        reason=reason,
        args=details,
    )


def _describe(extraction: Extraction) -> str:
    if extraction.status == "malformed":
        return "a malformed call attempt"
    return ", ".join(c.name for c in extraction.calls)


def _failed(reference: Reference, error: str) -> ExampleScore:
    return ExampleScore(
        id=reference.id,
        category=reference.category,
        expects_call=bool(reference.calls),
        status="error",
        outcome="error",
        json_valid=None,
        repairs=(),
        schema_valid=None,
        tools_right=False,
        args_right=0,
        args_given=0,
        args_gold=sum(e.needed for e in reference.calls),
        call_exact=False,
        calls_made=0,
        hallucinated_calls=0,
        reason=error,
        error=error,
    )


def score_prediction(
    reference: Reference,
    prediction: Prediction | None,
    *,
    mode: Mode = "strict",
    parse: Parser | None = None,
    dots_as_underscores: bool = False,
) -> ExampleScore:
    """Score one prediction; a missing or failed prediction, or a scorer crash, is a failed row."""
    if prediction is None:
        return _failed(reference, "no prediction for this example")
    if prediction.error is not None:
        return _failed(reference, f"generation failed: {prediction.error}")
    output: str | Mapping[str, Any] = (
        prediction.message if prediction.message is not None else prediction.text or ""
    )
    try:
        return score_output(
            reference, output, mode=mode, parse=parse, dots_as_underscores=dots_as_underscores
        )
    except Exception as exc:  # a crashing scorer fails its row; the run goes on
        log.exception("scoring example %s failed", reference.id)
        return _failed(reference, f"scoring failed: {exc!r}")


def score_predictions(
    references: Iterable[Reference],
    predictions: Mapping[str, Prediction],
    *,
    mode: Mode = "strict",
    parse: Parser | None = None,
    dots_as_underscores: bool = False,
) -> list[ExampleScore]:
    """Score every reference's prediction, in the references' order."""
    return [
        score_prediction(
            ref, predictions.get(ref.id), mode=mode, parse=parse, dots_as_underscores=dots_as_underscores
        )
        for ref in references
    ]


def references(records: Sequence[Record]) -> list[Reference]:
    """:meth:`Reference.from_record` for each record."""
    return [Reference.from_record(r) for r in records]
