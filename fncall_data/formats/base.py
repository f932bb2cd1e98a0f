"""The format interface and the result types of a conversion.

A :class:`Format` turns one foreign row (a decoded JSON object) into one :class:`Record`, and, when the
format can carry records, one record back into one row. A row that cannot be converted raises
:class:`RowError`; the caller turns that into a :class:`Reject` with the row number and goes on.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from fncall_data.errors import FncallError
from fncall_data.types import Record

__all__ = ["ConvertResult", "Format", "Reject", "RowError", "RowWarning", "WriteResult", "guarded"]

log = logging.getLogger(__name__)


class RowError(Exception):
    """One row (or one record, when writing) that cannot be converted; the message is the reason."""


@dataclass(frozen=True, slots=True)
class Reject:
    """A row that did not become a record: its 1-based row (or line) number, the reason, the raw row."""

    row: int
    reason: str
    raw: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "reason": self.reason, "raw": self.raw}


@dataclass(frozen=True, slots=True)
class RowWarning:
    """A kept row with something to say about it: its 1-based row number, a code, where, and what."""

    row: int
    code: str
    path: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "code": self.code, "path": self.path, "message": self.message}


@dataclass
class ConvertResult:
    """What reading a source gave: the records, every rejected row, and the format used.

    Attributes:
        records: the converted records, in source order; each passed :func:`check_record`.
        rejects: one entry per row that could not be converted, in source order.
        format: the format name used (the detected one when ``auto`` was asked for).
        detected: True when the format was detected rather than named.
        rows: how many rows were read.
        repairs: how often each extraction repair (``python_literal``, ...) was needed to read calls.
        warnings: per kept row, each call argument that breaks its ``format`` (``bad_format``);
            ``format`` is an annotation unless the rows were read with ``strict_format=True``.
    """

    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    format: str = ""
    detected: bool = False
    rows: int = 0
    repairs: Counter[str] = field(default_factory=Counter)
    warnings: list[RowWarning] = field(default_factory=list)


@dataclass
class WriteResult:
    """What writing records in a format gave: rows written, records refused, fields the format lost.

    Attributes:
        written: how many records were written.
        rejects: records the format cannot carry (row = the record's position, 1-based).
        lost: per field the format cannot hold (``reasoning``, ...), how many times it was left out.
        paths: every file written.
    """

    written: int = 0
    rejects: list[Reject] = field(default_factory=list)
    lost: Counter[str] = field(default_factory=Counter)
    paths: list[str] = field(default_factory=list)


def guarded(convert: Callable[[], Record], number: int) -> Record | RowError:
    """The record ``convert`` makes, or the reason it could not: one bad row never stops a conversion."""
    try:
        return convert()
    except RowError as exc:
        return exc
    except FncallError as exc:  # e.g. a tool spec in a dialect that cannot be read
        return RowError(str(exc))
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        # a shape that no check in the reader foresaw
        log.debug("row %d: %s", number, exc, exc_info=True)
        return RowError(f"unexpected row shape ({type(exc).__name__}: {exc})")


class Format(ABC):
    """One foreign dataset format: reads rows into records and, if it can, writes records as rows."""

    #: the registry name
    name: ClassVar[str]
    #: one line for ``fncall data formats``
    description: ClassVar[str]
    #: whether :meth:`write_row` is implemented
    writable: ClassVar[bool] = True

    @abstractmethod
    def detect(self, row: dict[str, Any]) -> bool:
        """Whether a row has this format's shape (used by ``--from auto``)."""

    @abstractmethod
    def read_row(self, row: dict[str, Any], number: int, repairs: Counter[str]) -> Record:
        """Convert one row (``number`` is its 1-based position); count extraction repairs in ``repairs``.

        Raises:
            RowError: the row cannot be converted; the message says why.
        """

    def read(
        self, rows: Iterable[tuple[int, Any]], *, source: str | None, repairs: Counter[str]
    ) -> Iterator[tuple[int, Record | RowError]]:
        """Convert rows in order; formats that need more than one row at a time override this."""
        for number, row in rows:
            if not isinstance(row, dict):
                yield number, RowError(f"expected a JSON object, got {type(row).__name__}")
                continue
            yield number, guarded(partial(self.read_row, row, number, repairs), number)

    def write_row(self, record: Record, lost: Counter[str]) -> dict[str, Any]:
        """One row for ``record``; count in ``lost`` each field the format cannot hold.

        Raises:
            RowError: the record cannot be written in this format at all.
        """
        raise FncallError(f"format {self.name!r} can be read but not written")

    def write_file(self, records: Iterable[Record], path: str) -> WriteResult:
        """Write ``records`` as JSON Lines at ``path`` (atomically); formats with several files override."""
        from fncall_data.io import write_jsonl

        result = WriteResult()
        rows = _rows(self, records, result)
        result.written = write_jsonl(path, rows)
        result.paths.append(path)
        return result


def _rows(fmt: Format, records: Iterable[Record], result: WriteResult) -> Iterator[dict[str, Any]]:
    for position, record in enumerate(records, start=1):
        try:
            yield fmt.write_row(record, result.lost)
        except RowError as exc:
            result.rejects.append(Reject(position, f"record {record.id!r}: {exc}", record.to_dict()))
