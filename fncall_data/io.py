"""Reading JSON Lines with line numbers, and writing files atomically.

Readers never stop at a bad line: they yield it with its number, so that a caller can report every
problem and keep going. Writers go through a temporary file in the same folder and rename it over
the target at the end, so a killed job never leaves half a file where a good one was.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from fncall_data.errors import InputError

__all__ = ["JsonLine", "atomic_write", "iter_json_lines", "read_json", "write_jsonl"]


@dataclass(frozen=True, slots=True)
class JsonLine:
    """One non-blank line of a JSONL file: its number, its text, and the value or the parse error."""

    line: int
    text: str
    value: Any = None
    error: str | None = None


def iter_json_lines(path: str | os.PathLike[str]) -> Iterator[JsonLine]:
    """Yield every non-blank line of a JSONL file, decoded, or with the reason it could not be.

    Raises:
        InputError: only when the file itself cannot be opened or is not UTF-8 text.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.jsonl"
        >>> _ = p.write_text('{"a": 1}\\n\\nnot json\\n')
        >>> [(j.line, j.error is None) for j in iter_json_lines(p)]
        [(1, True), (3, False)]
    """
    name = os.fspath(path)
    try:
        handle = open(name, encoding="utf-8")  # noqa: SIM115 -- closed by the with below, lazily
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror}", file=name) from None
    with handle:
        number = 0
        try:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    yield JsonLine(number, text, json.loads(text))
                except json.JSONDecodeError as exc:
                    yield JsonLine(number, text, error=_json_reason(exc))
        except UnicodeDecodeError:
            raise InputError("the file is not UTF-8 text", file=name, line=number + 1) from None


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read one JSON document, with an error that names the file, line and column."""
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror}", file=name) from None
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text", file=name) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(_json_reason(exc), file=name, line=exc.lineno) from None


def _json_reason(exc: json.JSONDecodeError) -> str:
    # Some of json's messages already end in "at" ("Invalid control character at").
    return f"not valid JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}"


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """Open a temporary file beside ``path``; on success rename it over ``path``, on error remove it.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
        >>> with atomic_write(p) as f:
        ...     _ = f.write("done\\n")
        >>> p.read_text()
        'done\\n'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[Any]) -> int:
    """Write rows as JSON Lines, atomically; returns how many were written."""
    count = 0
    with atomic_write(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count
