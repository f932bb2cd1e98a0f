"""Foreign dataset formats: read them into records, write records back, one registry for all.

:data:`FORMATS` maps a name to a :class:`Format` (lazily imported; plugins add more through the
``fncall.formats`` entry-point group). :func:`load_records` reads any source in any format, or detects
the format, and returns a :class:`ConvertResult`: the records (each checked by
:func:`fncall_data.records.check_record`), every row it could not convert with its number and reason,
and the format used. :func:`write_records` writes records in a format.

Example:
    >>> import tempfile, pathlib, json
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.jsonl"
    >>> _ = p.write_text(json.dumps({"query": "Hi?", "tools": "[]", "answers": "[]"}) + "\\n")
    >>> result = load_records(p)
    >>> result.format, len(result.records), result.rejects
    ('xlam', 1, [])
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fncall_data.errors import FncallError, InputError
from fncall_data.formats.base import ConvertResult, Format, Reject, RowError, RowWarning, WriteResult
from fncall_data.formats.sources import BadRow, iter_rows
from fncall_data.io import atomic_write
from fncall_data.records import format_warnings
from fncall_data.registry import Registry
from fncall_data.types import Record

__all__ = [
    "FORMATS",
    "ConvertResult",
    "Format",
    "Reject",
    "RowError",
    "RowWarning",
    "WriteResult",
    "detect_format",
    "get_format",
    "load_records",
    "write_records",
    "write_rejects",
]

#: Every known format by name; values are Format classes, instantiated by :func:`get_format`.
FORMATS: Registry[type[Format]] = Registry("format", group="fncall.formats")
for _name, _target in {
    "records": "fncall_data.formats.native:RecordsFormat",
    "bfcl": "fncall_data.formats.bfcl:BfclFormat",
    "openai": "fncall_data.formats.openai:OpenAIFormat",
    "seed_thinking": "fncall_data.formats.hermes:SeedThinkingFormat",
    "hermes": "fncall_data.formats.hermes:HermesFormat",
    "sharegpt": "fncall_data.formats.sharegpt:ShareGPTFormat",
    "toolace": "fncall_data.formats.toolace:ToolACEFormat",
    "glaive": "fncall_data.formats.glaive:GlaiveFormat",
    "xlam": "fncall_data.formats.xlam:XLAMFormat",
}.items():
    FORMATS.register(_name, _target)

# Detection tries formats in this order (the most specific shapes first), then any plugin.
_DETECT_ORDER = (
    "records",
    "bfcl",
    "openai",
    "seed_thinking",
    "hermes",
    "sharegpt",
    "toolace",
    "glaive",
    "xlam",
)
# Detection reads this many object rows from the head of the source: enough that a few odd rows do
# not decide for the file, few enough that a big file starts at once.
_DETECT_ROWS = 50


def get_format(name: str) -> Format:
    """An instance of the format registered as ``name``.

    Example:
        >>> get_format("xlam").name
        'xlam'
    """
    return FORMATS.get(name)()


def detect_format(rows: Iterable[Any], *, source: str | None = None) -> str:
    """The format of the first object rows: the most specific one that fits at least half of them.

    Formats are tried from the most specific shape to the most general (fncall records before any
    ``messages`` list), so a records file with a few rows that lack an id stays a records file; when
    no format fits half, the one that fits the most wins. Rows that do not fit do not decide it: the
    chosen format's reader rejects them, row by row, with their numbers.

    Raises:
        InputError: no row is a JSON object, or no row fits any format; names ``source``.

    Example:
        >>> detect_format([{"query": "q", "tools": "[]", "answers": "[]"}, {"odd": 1}])
        'xlam'
    """
    sample = [row for row in rows if isinstance(row, dict)][:_DETECT_ROWS]
    if not sample:
        raise InputError("cannot detect the format: no row is a JSON object", file=source)
    names = [*_DETECT_ORDER, *(n for n in FORMATS.names() if n not in _DETECT_ORDER)]
    best, fits = "", 0
    for name in names:
        fmt = get_format(name)
        count = sum(1 for row in sample if fmt.detect(row))
        if 2 * count >= len(sample):
            return name
        if count > fits:
            best, fits = name, count
    if fits:
        return best
    keys = ", ".join(sorted(sample[0]))
    raise InputError(
        f"cannot detect the format: no row fits a known one (the first has keys {keys}); name it with "
        f"--from (known: {', '.join(FORMATS.names())})",
        file=source,
    )


def load_records(
    source: str | os.PathLike[str],
    *,
    fmt: str = "auto",
    rejects: str | os.PathLike[str] | None = None,
    split: str | None = None,
    progress: Callable[[int], None] | None = None,
    strict_format: bool = False,
) -> ConvertResult:
    """Read every row of ``source`` in format ``fmt`` (or the detected one) into checked records.

    Rows that cannot be converted are listed in the result's ``rejects`` with their row number and
    reason (and written to ``rejects`` as JSON Lines when a path is given, even when there are none);
    the other rows are converted. A call argument that breaks its ``format`` (``"2026-03-02T09:30"``
    for ``date-time``) is a warning in ``warnings`` and the row is kept, unless ``strict_format``.

    Args:
        source: a JSON/JSONL/parquet file, a saved HF dataset folder, or a hub dataset id.
        fmt: a name from :data:`FORMATS`, or ``auto`` to detect it from the first rows.
        rejects: where to write the rejected rows.
        split: the split of a saved ``DatasetDict`` or a hub dataset.
        progress: called with the number of rows read so far, after each row (the CLI shows it).
        strict_format: reject a row whose calls break a ``format`` instead of keeping it with a warning.

    Raises:
        FncallError: unknown format, unreadable source, or a format that cannot be detected.

    Example:
        >>> result = load_records("data.jsonl", fmt="hermes")  # doctest: +SKIP
        >>> result.format, len(result.records), [(r.row, r.reason) for r in result.rejects]
        ('hermes', 120, [])
    """
    name = os.fspath(source)
    rows: Iterator[tuple[int, Any]] = iter_rows(name, split=split)
    result = ConvertResult()
    if fmt == "auto":
        head = list(itertools.islice(rows, _DETECT_ROWS * 4))
        fmt = detect_format((row for _, row in head), source=name)
        result.detected = True
        rows = itertools.chain(head, rows)
    reader = get_format(fmt)
    result.format = fmt
    seen: dict[str, int] = {}
    raw: dict[int, Any] = {}  # each row until its result is in, so that a reject carries it
    for number, item in reader.read(_decoded(rows, result, raw), source=name, repairs=result.repairs):
        if progress is not None:
            progress(result.rows)
        row = raw.pop(number, None)
        if isinstance(item, RowError):
            result.rejects.append(Reject(number, str(item), row))
        elif item.id in seen:
            text = f"id {item.id!r} is already used by row {seen[item.id]}"
            result.rejects.append(Reject(number, text, item.to_dict()))
        elif (bad := format_warnings(item)) and strict_format:
            reason = "; ".join(f"{i.code} at {i.path}: {i.message}" for i in bad)
            result.rejects.append(Reject(number, reason, row))
        else:
            result.warnings.extend(RowWarning(number, i.code, i.path, i.message) for i in bad)
            seen[item.id] = number
            result.records.append(item)
    result.rejects.sort(key=lambda r: r.row)
    if rejects is not None:
        write_rejects(rejects, result.rejects)
    return result


def _decoded(
    rows: Iterator[tuple[int, Any]], result: ConvertResult, raw: dict[int, Any]
) -> Iterator[tuple[int, Any]]:
    """Rows that decoded (remembered in ``raw``); the others go straight to the rejects."""
    for number, row in rows:
        result.rows += 1
        if isinstance(row, BadRow):
            result.rejects.append(Reject(number, row.reason, row.text.rstrip("\n")))
        else:
            raw[number] = row
            yield number, row


def write_rejects(path: str | os.PathLike[str], rejects: Iterable[Reject]) -> int:
    """Write rejected rows as JSON Lines (row, reason, raw), atomically; returns the count."""
    count = 0
    with atomic_write(path) as handle:
        for reject in rejects:
            handle.write(json.dumps(reject.to_dict(), ensure_ascii=False, default=str) + "\n")
            count += 1
    return count


def write_records(
    records: Iterable[Record], path: str | os.PathLike[str], fmt: str = "records"
) -> WriteResult:
    """Write ``records`` in format ``fmt`` at ``path`` (atomically).

    Records the format cannot carry are refused into the result's ``rejects``; fields it cannot hold
    (reasoning, ids, ...) are counted per field in ``lost``.

    Example:
        >>> write_records([], "/tmp/empty.jsonl").written  # doctest: +SKIP
        0
    """
    writer = get_format(fmt)
    if not writer.writable:
        raise FncallError(f"format {fmt!r} can be read but not written")
    return writer.write_file(records, os.fspath(path))
