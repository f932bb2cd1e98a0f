"""Training data: records in, token ids and labels out, with a report of everything left out.

Records come from a JSONL file of fncall records, or from any source the format converters read (an
HF dataset folder, a foreign JSONL). Each record is rendered by the chat profile and tokenized by the
shared encoder, so training sees exactly the text evaluation will prompt with. Before training every
example is checked: it must have tokens the loss covers, and it must fit ``max_length``. An example
that does not is dropped with a reason in ``rejects.jsonl`` (or stops the run, per config); it is
never cut in the middle of a call.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fncall_data.errors import FncallError, InputError
from fncall_data.io import iter_json_lines, write_jsonl
from fncall_data.profiles import ChatProfile
from fncall_data.types import Record, parse_record
from fncall_train.config import TrainConfig

__all__ = ["DataReport", "Example", "RecordSource", "data_sha256", "prepare_examples", "read_records"]

log = logging.getLogger(__name__)

IGNORE = -100
_JSONL_SUFFIXES = {".jsonl", ".ndjson"}


@dataclass(frozen=True, slots=True)
class Example:
    """One tokenized training example: ``labels`` is ``input_ids`` with -100 where no loss is taken."""

    record_id: str
    input_ids: list[int]
    labels: list[int]

    @property
    def loss_tokens(self) -> int:
        """How many tokens the loss covers (the first token is never predicted)."""
        return sum(1 for label in self.labels[1:] if label != IGNORE)


@dataclass(frozen=True, slots=True)
class RecordSource:
    """Records read from a source, and the rows that could not be read (with line and reason)."""

    records: list[tuple[str, Record]]
    rejects: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DataReport:
    """What went into training and what was left out, for the run manifest and the CLI."""

    source: str
    sha256: str
    rows_read: int
    examples: int
    unreadable: int
    no_loss_tokens: int
    overlong: int
    overlong_action: str
    longest: int
    tokens: int
    loss_tokens: int
    rejects_file: str | None

    def summary(self) -> str:
        """One line for the CLI."""
        left_out = self.unreadable + self.no_loss_tokens + self.overlong
        text = (
            f"{self.examples} examples ({self.tokens} tokens, {self.loss_tokens} under the loss, "
            f"longest {self.longest}) from {self.rows_read} rows"
        )
        if left_out:
            text += (
                f"; left out {left_out}: {self.unreadable} unreadable, {self.no_loss_tokens} without loss "
                f"tokens, {self.overlong} over max_length ({self.overlong_action}); see {self.rejects_file}"
            )
        return text


def read_records(source: str | os.PathLike[str]) -> RecordSource:
    """Read training records; bad rows are collected with their line number, not raised.

    A ``.jsonl`` file is read as fncall records; anything else (an HF dataset folder, a foreign format)
    goes through the format converters (``fncall_data.formats.load_records``).

    Raises:
        InputError: the source does not exist, or not a single record could be read from it.

    Example:
        >>> import tempfile, pathlib, json
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.jsonl"
        >>> row = {"id": "a", "messages": [{"role": "user", "content": "hi"}]}
        >>> _ = p.write_text(json.dumps(row) + "\\nnot json\\n")
        >>> got = read_records(p)
        >>> [r.id for _, r in got.records], got.rejects[0]["line"]
        (['a'], 2)
    """
    path = Path(source)
    name = os.fspath(source)
    if not path.exists():
        raise InputError(
            "no such file or folder; pass --data a JSONL file of records (`fncall data generate` writes one) "
            "or a dataset folder",
            file=name,
        )
    if path.is_file() and path.suffix in _JSONL_SUFFIXES:
        result = _read_jsonl(name)
        if not result.records:
            # not one fncall record: perhaps another JSONL format the converters know
            with contextlib.suppress(FncallError):
                result = _read_with_converters(name)
    else:
        result = _read_with_converters(name)
    if not result.records and not result.rejects:
        raise InputError("no training record in it: the file holds no rows", file=name)
    if not result.records:
        first = result.rejects[0]
        raise InputError(
            f"no training record could be read ({len(result.rejects)} bad rows; first problem: "
            f"line {first['line']}: {first['reason']})",
            file=name,
        )
    return result


def _read_jsonl(name: str) -> RecordSource:
    records: list[tuple[str, Record]] = []
    rejects: list[dict[str, Any]] = []
    for row in iter_json_lines(name):
        if row.error is not None:
            rejects.append({"line": row.line, "id": None, "reason": row.error})
            continue
        try:
            records.append((f"{name}:{row.line}", parse_record(row.value, file=name, line=row.line)))
        except InputError as exc:
            rejects.append({"line": row.line, "id": _row_id(row.value), "reason": exc.reason})
    return RecordSource(records, rejects)


def _read_with_converters(name: str) -> RecordSource:
    from fncall_data.formats import load_records

    loaded = load_records(name, fmt="auto")
    records = [(f"{name}:#{n}", record) for n, record in enumerate(loaded.records, start=1)]
    rejects = [{"line": r.row, "id": _row_id(r.raw), "reason": r.reason} for r in loaded.rejects]
    return RecordSource(records, rejects)


def _row_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else None


def prepare_examples(
    records: Sequence[tuple[str, Record]],
    profile: ChatProfile,
    tokenizer: Any,
    config: TrainConfig,
) -> tuple[list[Example], list[dict[str, Any]], dict[str, int]]:
    """Tokenize records through the profile and the shared encoder; check every example.

    Returns:
        The examples kept, the rejects (``where``, ``id``, ``reason``) and counts of what was left out.

    Raises:
        InputError: an example is over ``max_length`` and ``config.overlong`` is ``"error"``.
    """
    from fncall_data.profiles.encode import encode

    examples: list[Example] = []
    rejects: list[dict[str, Any]] = []
    counts = {"no_loss_tokens": 0, "overlong": 0}
    for where, record in records:
        encoded = encode(profile, tokenizer, record)
        ids, trained = encoded.input_ids, encoded.trained_mask
        if config.loss_on == "all":
            labels = list(ids)
        else:
            labels = [t if m else IGNORE for t, m in zip(ids, trained, strict=True)]
        example = Example(record.id, ids, labels)
        if len(ids) > config.max_length:
            reason = f"{len(ids)} tokens, over max_length {config.max_length}"
            if config.overlong == "error":
                raise InputError(
                    f"record {record.id!r} has {reason}; raise --max-length or set overlong: drop",
                    file=where.rpartition(":")[0] or where,
                )
            counts["overlong"] += 1
            rejects.append({"where": where, "id": record.id, "reason": reason + " (dropped, not cut)"})
            continue
        if example.loss_tokens == 0:
            counts["no_loss_tokens"] += 1
            rejects.append(
                {"where": where, "id": record.id, "reason": "no tokens under the loss (no model turn)"}
            )
            continue
        examples.append(example)
    return examples, rejects, counts


def build_report(
    source: str,
    loaded: RecordSource,
    examples: Sequence[Example],
    rejects: Sequence[dict[str, Any]],
    counts: dict[str, int],
    config: TrainConfig,
    rejects_file: Path | None,
) -> DataReport:
    """Sum up the data step, writing every left-out row to ``rejects_file`` when there are any."""
    all_rejects = [
        {"where": f"{source}:{r['line']}", "id": r["id"], "reason": r["reason"]} for r in loaded.rejects
    ]
    all_rejects += list(rejects)
    written = None
    if all_rejects and rejects_file is not None:
        write_jsonl(rejects_file, all_rejects)
        written = os.fspath(rejects_file)
    if not examples:
        raise FncallError(
            f"no example is left to train on from {source}: {len(all_rejects)} left out"
            + (f", see {written}" if written else "")
        )
    return DataReport(
        source=source,
        sha256=data_sha256(source),
        rows_read=len(loaded.records) + len(loaded.rejects),
        examples=len(examples),
        unreadable=len(loaded.rejects),
        no_loss_tokens=counts["no_loss_tokens"],
        overlong=counts["overlong"],
        overlong_action=config.overlong,
        longest=max(len(e.input_ids) for e in examples),
        tokens=sum(len(e.input_ids) for e in examples),
        loss_tokens=sum(e.loss_tokens for e in examples),
        rejects_file=written,
    )


def data_sha256(source: str | os.PathLike[str]) -> str:
    """SHA-256 of a data file, or of every file in a data folder (names and bytes, in sorted order)."""
    path = Path(source)
    digest = hashlib.sha256()
    for file in _files(path):
        if path.is_dir():
            digest.update(os.fspath(file.relative_to(path)).encode() + b"\0")
        with open(file, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    yield from sorted(p for p in path.rglob("*") if p.is_file())


def as_dataset(examples: Iterable[Example]) -> Any:
    """A ``datasets.Dataset`` with ``input_ids`` and ``labels`` columns (what TRL takes pre-tokenized)."""
    from datasets import Dataset

    rows = [{"input_ids": e.input_ids, "labels": e.labels} for e in examples]
    return Dataset.from_list(rows)
