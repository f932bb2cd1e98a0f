"""``bfcl``: the Berkeley Function Calling Leaderboard's question and possible-answer files.

A question row is ``{id, question: [[messages]], function: [specs in the Gorilla dialect]}``; the
possible-answer file beside it (``possible_answer/<same name>``, or the question file's name with
``question`` replaced by ``possible_answer``) holds ``{id, ground_truth: [{fn: {param: [values]}}]}``
aligned by id, where ``""`` among the values means the argument may be left out. Irrelevance
categories have no answer rows: no call is the right answer.

A record keeps the question's messages, gets ``answers`` from the ground truth, the BFCL category
(the id without its trailing number, e.g. ``simple_python``, ``live_multiple``) and, as its last turn,
a reference assistant turn built from the first acceptable value of each argument (an empty text for
irrelevance), so that the record passes the validator and :func:`fncall_data.turns.evaluated_turn`
points at the turn to score. Writing does the reverse: the messages before the evaluated turn become
the question, and ``answers`` (or the reference turn's calls) the possible answer.

The BFCL v4 data ships inside the ``bfcl-eval`` wheel on PyPI; :func:`load_bfcl` reads a category
straight from the wheel.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from fncall_data.errors import FncallError, InputError
from fncall_data.formats.base import ConvertResult, Format, Reject, RowError, WriteResult, guarded
from fncall_data.formats.common import build_record, tools_from_specs
from fncall_data.formats.sources import iter_rows
from fncall_data.io import write_jsonl
from fncall_data.schema_engine import CompiledSchema, compile_schema
from fncall_data.turns import evaluated_turn
from fncall_data.types import Record, Tool
from fncall_data.validate import Toolbox

__all__ = [
    "BFCL_CATEGORIES",
    "BFCL_EVAL_VERSION",
    "BfclFormat",
    "answer_path_for",
    "category_of",
    "find_bfcl_wheel",
    "load_bfcl",
    "to_gorilla",
]

#: The bfcl-eval release whose data the tests and ``fncall eval bfcl`` use (scripts/fetch_bfcl.sh reads it).
BFCL_EVAL_VERSION = "2026.3.23"
#: The single-turn categories that import completely.
BFCL_CATEGORIES = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_simple",
    "live_multiple",
)
_CATEGORY = re.compile(r"^(?P<category>[A-Za-z_]+?)_\d+(?:-\d+)*$")
_NO_ANSWER = ("irrelevance", "live_irrelevance")
_TO_GORILLA = {"object": "dict", "number": "float"}
_WHEEL_ENV = "FNCALL_BFCL_WHEEL"


def category_of(record_id: str) -> str | None:
    """The BFCL category in an id: ``live_simple_3-2-1`` -> ``live_simple``."""
    match = _CATEGORY.match(record_id)
    return match.group("category") if match else None


class BfclFormat(Format):
    """BFCL question files, with their possible answers read from the file beside them."""

    name: ClassVar[str] = "bfcl"
    description: ClassVar[str] = "Berkeley Function Calling Leaderboard question + possible_answer files"

    def detect(self, row: dict[str, Any]) -> bool:
        return isinstance(row.get("question"), list) and "function" in row and "id" in row

    def read(
        self, rows: Iterable[tuple[int, Any]], *, source: str | None, repairs: Counter[str]
    ) -> Iterator[tuple[int, Record | RowError]]:
        answers = _answer_file(source) if source is not None else None
        yield from self.read_with_answers(rows, answers, repairs)

    def read_with_answers(
        self,
        rows: Iterable[tuple[int, Any]],
        answers: dict[str, Any] | None,
        repairs: Counter[str] | None = None,
    ) -> Iterator[tuple[int, Record | RowError]]:
        """Convert question rows, taking each row's ground truth from ``answers`` (id -> ground truth)."""
        for number, row in rows:
            if not isinstance(row, dict):
                yield number, RowError(f"expected a JSON object, got {type(row).__name__}")
                continue
            yield number, guarded(partial(self._record, row, number, answers, repairs), number)

    def read_row(self, row: dict[str, Any], number: int, repairs: Counter[str]) -> Record:
        return self._record(row, number, None, repairs)

    def _record(
        self, row: dict[str, Any], number: int, answers: dict[str, Any] | None, repairs: Counter[str] | None
    ) -> Record:
        record_id = row.get("id")
        if not isinstance(record_id, str):
            raise RowError("id: expected the BFCL id text")
        category = category_of(record_id)
        question = row.get("question")
        if not isinstance(question, list) or len(question) != 1 or not isinstance(question[0], list):
            turns = len(question) if isinstance(question, list) else 0
            raise RowError(f"question: expected one turn of messages, got {turns} (multi-turn is not read)")
        messages = [_message(m, i) for i, m in enumerate(question[0])]
        tools = tools_from_specs(row.get("function") or [], "function", repairs)
        truth = row.get("ground_truth")
        if truth is None and answers is not None:
            truth = answers.get(record_id)
        if truth is None:
            if category not in _NO_ANSWER:
                raise RowError(f"no possible answer for id {record_id!r} (a ground_truth row with this id)")
            truth = []
        expected, dropped = _known_arguments(_answers(truth), tools)
        params = {t.name: t.parameters for t in tools}
        calls = [
            {
                "id": f"call_{i + 1}",
                "name": a["name"],
                "arguments": _reference(a["arguments"], params.get(a["name"], {})),
            }
            for i, a in enumerate(expected)
        ]
        meta: dict[str, Any] = {"source": self.name, "row": number, "reference": "possible_answer"}
        problems = _checked_reference(calls, tools)
        if problems:
            # the answers stay as BFCL wrote them; only the reference turn cannot show a valid call
            calls, meta["reference"], meta["reference_issues"] = [], "none", problems
        reference = (
            {"role": "assistant", "tool_calls": calls} if calls else {"role": "assistant", "content": ""}
        )
        messages.append(reference)
        if dropped:
            meta["dropped_answer_arguments"] = dropped
        return build_record(
            record_id=record_id,
            messages=messages,
            tools=tools,
            category=category,
            answers=expected,
            meta=meta,
        )

    # -- writing ------------------------------------------------------------------------------------

    def write_row(self, record: Record, lost: Counter[str]) -> dict[str, Any]:
        return self.question_row(record, record.id)

    def question_row(self, record: Record, bfcl_id: str) -> dict[str, Any]:
        """The question row of ``record`` (everything before its evaluated turn)."""
        try:
            turn = evaluated_turn(record)
        except InputError as exc:
            raise RowError(str(exc)) from None
        prompt = []
        for message in record.messages[:turn]:
            if message.role == "tool" or message.tool_calls:
                raise RowError(
                    "a BFCL question holds text turns only; this record has calls before its last turn"
                )
            prompt.append({"role": message.role, "content": message.content or ""})
        functions = [
            {"name": t.name, "description": t.description, "parameters": to_gorilla(t.parameters)}
            for t in record.tools
        ]
        return {"id": bfcl_id, "question": [prompt], "function": functions}

    def write_file(self, records: Iterable[Record], path: str) -> WriteResult:
        """Write the question file at ``path`` and the answers at ``possible_answer/<name>`` beside it."""
        result = WriteResult()
        questions: list[dict[str, Any]] = []
        truths: list[dict[str, Any]] = []
        for position, record in enumerate(records, start=1):
            bfcl_id = record.id if category_of(record.id) else f"{record.category or 'simple'}_{position - 1}"
            try:
                question = self.question_row(record, bfcl_id)
            except RowError as exc:
                result.rejects.append(Reject(position, f"record {record.id!r}: {exc}", record.to_dict()))
                continue
            questions.append(question)
            truth = _ground_truth(record)
            if truth:
                truths.append({"id": bfcl_id, "ground_truth": truth})
        result.written = write_jsonl(path, questions)
        answer_path = answer_path_for(path)
        write_jsonl(answer_path, truths)
        result.paths.extend([path, answer_path])
        return result


def _message(message: Any, index: int) -> dict[str, Any]:
    if not isinstance(message, dict) or message.get("role") not in ("system", "user", "assistant"):
        raise RowError(f"question[0][{index}]: expected a system, user or assistant message")
    return {"role": message["role"], "content": message.get("content") or ""}


def _answers(truth: Any) -> list[dict[str, Any]]:
    if not isinstance(truth, list):
        raise RowError("ground_truth: expected a list of {function: {argument: [values]}}")
    out = []
    for index, item in enumerate(truth):
        if not isinstance(item, dict) or len(item) != 1:
            raise RowError(f"ground_truth[{index}]: expected one function name with its arguments")
        ((name, arguments),) = item.items()
        if not isinstance(arguments, dict) or not all(isinstance(v, list) for v in arguments.values()):
            raise RowError(f"ground_truth[{index}]: each argument needs a list of acceptable values")
        out.append({"name": name, "arguments": arguments})
    return out


def _known_arguments(
    answers: list[dict[str, Any]], tools: list[Tool]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The answers without arguments their tool does not declare (a few BFCL answers have such).

    No call can both follow the tool's schema and hold such an argument, so it is taken out, and named
    in ``meta["dropped_answer_arguments"]`` so that nothing disappears unseen.
    """
    declared = {t.name: set((t.parameters.get("properties") or {}).keys()) for t in tools}
    dropped: list[str] = []
    out = []
    for answer in answers:
        known = declared.get(answer["name"])
        arguments = answer["arguments"]
        if known is not None:
            dropped += [f"{answer['name']}.{key}" for key in arguments if key not in known]
            arguments = {k: v for k, v in arguments.items() if k in known}
        out.append({"name": answer["name"], "arguments": arguments})
    return out, dropped


_OMIT = object()


def _reference(arguments: dict[str, list[Any]], schema: dict[str, Any]) -> dict[str, Any]:
    """One call that the answer accepts: per argument, the first acceptable value its schema accepts.

    BFCL's answers hold a few values their own schemas reject (``None`` for an optional string); such
    an argument is left out of the reference call when the tool does not require it.
    """
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    out = {}
    for key, values in arguments.items():
        value = _pick(values, properties.get(key), key in required)
        if value is not _OMIT:
            out[key] = value
    return out


def _pick(values: list[Any], schema: Any, required: bool) -> Any:
    checker = _checker(schema)
    candidates = []
    for value in values:
        if value != "":
            candidates += [value, _resolve(value, schema)]
    for value in candidates:
        if checker is not None and checker.accepts(value):
            return value
    if checker is None or not required or "" in values or not candidates:
        return _OMIT
    return candidates[1]  # no value fits: the reference check below says why


def _checker(schema: Any) -> CompiledSchema | None:
    if not isinstance(schema, dict):
        return None
    try:
        return compile_schema(schema)
    except FncallError:
        return None


def _resolve(value: Any, schema: Any) -> Any:
    """A dict argument's ground truth is itself ``{key: [acceptable values]}``, also inside lists."""
    schema = schema if isinstance(schema, dict) else {}
    if isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
        return _reference(value, schema)
    if isinstance(value, list):
        return [_resolve(item, schema.get("items")) for item in value]
    return value


def _checked_reference(calls: list[dict[str, Any]], tools: list[Tool]) -> list[str]:
    """What is wrong with the reference calls against their tools (a few BFCL answers fit no schema)."""
    box = Toolbox(tools)
    issues = [i for n, call in enumerate(calls) for i in box.validate_call(call, n)]
    return [f"{i.code} at {i.path}: {i.message}" for i in issues]


def _ground_truth(record: Record) -> list[dict[str, Any]]:
    if record.answers is not None:
        return [{a.name: a.arguments} for a in record.answers]
    calls = record.messages[evaluated_turn(record)].tool_calls or ()
    return [{c.name: {k: [v] for k, v in c.arguments.items()}} for c in calls]


def to_gorilla(schema: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema back to the Gorilla dialect: ``object`` -> ``dict``, ``number`` -> ``float``."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            out[key] = _TO_GORILLA.get(value, value)
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = to_gorilla(value)
        elif key == "properties" and isinstance(value, dict):
            out[key] = {
                name: to_gorilla(sub) if isinstance(sub, dict) else sub for name, sub in value.items()
            }
        else:
            out[key] = value
    return out


def answer_path_for(path: str) -> str:
    """Where the possible answers of a question file are written: ``possible_answer/<name>`` beside it."""
    where = Path(path)
    return str(where.parent / "possible_answer" / where.name)


def _answer_file(source: str) -> dict[str, Any] | None:
    where = Path(source)
    candidates = [where.parent / "possible_answer" / where.name]
    if "question" in where.name:
        candidates.append(where.parent / where.name.replace("question", "possible_answer"))
    for candidate in candidates:
        if candidate.is_file():
            return _by_id(iter_rows(candidate), str(candidate))
    return None


def _by_id(rows: Iterable[tuple[int, Any]], where: str) -> dict[str, Any]:
    truths: dict[str, Any] = {}
    for number, row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise InputError("expected {id, ground_truth} rows", file=where, line=number)
        truths[row["id"]] = row.get("ground_truth")
    return truths


# -- the bfcl-eval wheel --------------------------------------------------------------------------


def find_bfcl_wheel(wheel: str | os.PathLike[str] | None = None) -> Path:
    """The bfcl-eval wheel: ``wheel`` if given, else ``$FNCALL_BFCL_WHEEL`` (a file or folder), else
    ``.cache/bfcl/`` under the working directory or the source checkout.

    Raises:
        FncallError: no wheel found; the message says how to fetch it.
    """
    places: list[Path] = []
    if wheel is not None:
        places.append(Path(wheel))
    elif os.environ.get(_WHEEL_ENV):
        places.append(Path(os.environ[_WHEEL_ENV]))
    else:
        places += [Path.cwd() / ".cache" / "bfcl", Path(__file__).resolve().parents[2] / ".cache" / "bfcl"]
        places = list(dict.fromkeys(places))  # once each, when the checkout is the working directory
    for place in places:
        if place.is_file():
            return place
        if place.is_dir():
            pinned = place / f"bfcl_eval-{BFCL_EVAL_VERSION}-py3-none-any.whl"
            found = [pinned] if pinned.is_file() else sorted(place.glob("bfcl_eval-*.whl"))
            if found:
                return found[-1]
    raise FncallError(
        f"no bfcl-eval wheel in {', '.join(map(str, places))}; fetch it with `bash scripts/fetch_bfcl.sh` or "
        f"`pip download --no-deps bfcl-eval=={BFCL_EVAL_VERSION} -d .cache/bfcl`, or set {_WHEEL_ENV}"
    )


def load_bfcl(category: str, *, wheel: str | os.PathLike[str] | None = None) -> ConvertResult:
    """Read one BFCL v4 category straight from the bfcl-eval wheel into checked records.

    Args:
        category: e.g. ``simple_python``, ``multiple``, ``live_simple`` (see :data:`BFCL_CATEGORIES`).
        wheel: the wheel file or a folder holding it (default: see :func:`find_bfcl_wheel`).

    Example:
        >>> result = load_bfcl("simple_python")  # doctest: +SKIP
        >>> len(result.records), result.rejects
        (400, [])
    """
    path = find_bfcl_wheel(wheel)
    name = f"BFCL_v4_{category}.json"
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        question = f"bfcl_eval/data/{name}"
        if question not in names:
            known = sorted(
                n.removeprefix("bfcl_eval/data/BFCL_v4_").removesuffix(".json")
                for n in names
                if re.fullmatch(r"bfcl_eval/data/BFCL_v4_\w+\.json", n)
            )
            raise FncallError(f"no BFCL category {category!r} in {path.name} (known: {', '.join(known)})")
        rows = list(_lines(archive.read(question), f"{path.name}:{question}"))
        answer = f"bfcl_eval/data/possible_answer/{name}"
        answers = _by_id(_lines(archive.read(answer), answer), answer) if answer in names else None
    result = ConvertResult(format="bfcl", rows=len(rows))
    raw = dict(rows)
    for number, item in BfclFormat().read_with_answers(rows, answers):
        if isinstance(item, RowError):
            result.rejects.append(Reject(number, str(item), raw[number]))
        else:
            result.records.append(item)
    return result


def _lines(data: bytes, where: str) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except ValueError as exc:
                raise InputError(f"not valid JSON: {exc}", file=where, line=number) from None
