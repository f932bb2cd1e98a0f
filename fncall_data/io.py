"""Every file fncall reads or writes goes through here: JSON Lines with line numbers, atomic writes.

Readers never stop at a bad line: they yield it with its number, so that a caller can report every
problem and keep going. JSON Lines are decoded one line at a time, so a bad byte spoils only its own
line, and the line number is always the line's own.

Writers go through a temporary file in the same folder and rename it over the target at the end, so
a killed job never leaves half a file where a good one was. An operating-system error (a read-only
folder, a full disk, a parent that is a file, no permission) becomes an :class:`OutputError` that
names the path and the reason; the previous file stays and the temporary file is removed. A
temporary file left by a write that was killed is removed by the next write to the same path.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from fncall_data.errors import InputError, OutputError

__all__ = [
    "JsonLine",
    "atomic_write",
    "ensure_dir",
    "iter_json_lines",
    "open_append",
    "read_json",
    "write_jsonl",
    "writing",
]


@dataclass(frozen=True, slots=True)
class JsonLine:
    """One non-blank line of a JSONL file: its number, its text, and the value or the parse error.

    ``code`` says what kind of error: ``invalid_json``, or ``invalid_utf8`` for a line whose bytes are
    not UTF-8 (its ``text`` then shows them as U+FFFD).
    """

    line: int
    text: str
    value: Any = None
    error: str | None = None
    code: str | None = None


def iter_json_lines(path: str | os.PathLike[str]) -> Iterator[JsonLine]:
    """Yield every non-blank line of a JSONL file, decoded, or with the reason it could not be.

    Raises:
        InputError: only when the file itself cannot be opened, or is UTF-16 text.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.jsonl"
        >>> _ = p.write_bytes(b'{"a": 1}\\n\\nnot json\\n{"b": "\\xff"}\\n')
        >>> [(j.line, j.code) for j in iter_json_lines(p)]
        [(1, None), (3, 'invalid_json'), (4, 'invalid_utf8')]
    """
    name = os.fspath(path)
    try:
        handle = open(name, "rb")  # noqa: SIM115 -- closed by the with below, lazily
    except OSError as exc:
        raise InputError(f"cannot read it: {_reason(exc)}", file=name) from None
    with handle:
        for number, raw in enumerate(_lines(handle, name), start=1):
            if number == 1 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise InputError("the file is UTF-16 text; save it as UTF-8", file=name)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                reason = f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}"
                yield JsonLine(number, raw.decode("utf-8", "replace"), error=reason, code="invalid_utf8")
                continue
            if not text.strip():
                continue
            try:
                yield JsonLine(number, text, json.loads(text))
            except json.JSONDecodeError as exc:
                yield JsonLine(number, text, error=_json_reason(exc), code="invalid_json")


def _lines(handle: IO[bytes], name: str) -> Iterator[bytes]:
    try:
        yield from handle
    except OSError as exc:  # EISDIR, EIO: the file opened but cannot be read
        raise InputError(f"cannot read it: {_reason(exc)}", file=name) from None


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read one JSON document, with an error that names the file, line and column."""
    name = os.fspath(path)
    try:
        raw = Path(name).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read it: {_reason(exc)}", file=name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(f"not UTF-8 text: byte 0x{raw[exc.start]:02x}", file=name, line=line) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(_json_reason(exc), file=name, line=exc.lineno) from None


def _json_reason(exc: json.JSONDecodeError) -> str:
    # Some of json's messages already end in "at" ("Invalid control character at").
    return f"not valid JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


@contextlib.contextmanager
def writing(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an operating-system error inside the block into an :class:`OutputError` naming ``path``.

    Example:
        >>> with writing("/proc/nope/out.txt"):  # doctest: +ELLIPSIS
        ...     open("/proc/nope/out.txt", "w")
        Traceback (most recent call last):
        fncall_data.errors.OutputError: cannot write /proc/nope/out.txt: No such file or directory
    """
    try:
        yield
    except OSError as exc:  # named by the path the caller writes, not a temporary file's name
        raise OutputError(os.fspath(path), _reason(exc)) from None


def ensure_dir(path: str | os.PathLike[str]) -> Path:
    """Create a folder and its parents (an error names the folder and why it cannot be made)."""
    folder = Path(path)
    with writing(folder):
        if folder.exists() and not folder.is_dir():
            raise OutputError(os.fspath(folder), "it is a file, not a folder")
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_append(path: str | os.PathLike[str]) -> IO[str]:
    """Open a text file for appending (its folder made if needed), or raise an :class:`OutputError`."""
    target = Path(path)
    ensure_dir(target.parent)
    with writing(target):
        return open(target, "a", encoding="utf-8")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """Open a temporary file beside ``path``; on success rename it over ``path``, on error remove it.

    The file ends with the mode a plain ``open(path, "w")`` would give it: an existing file's mode, or
    0666 less the umask for a new one (the temporary file itself starts private, 0600).

    Raises:
        OutputError: the folder cannot be made or written, or the disk is full; ``path`` is unchanged.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
        >>> with atomic_write(p) as f:
        ...     _ = f.write("done\\n")
        >>> p.read_text()
        'done\\n'
    """
    target = Path(path)
    ensure_dir(target.parent)
    _remove_leftovers(target)
    with writing(target):
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".tmp", dir=target.parent)
    try:
        with writing(target), os.fdopen(fd, "w", encoding=encoding, newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            os.chmod(handle.fileno(), _plain_mode(target))
        with writing(target):
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _plain_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)  # the only portable way to read the umask is to set it
        os.umask(mask)
        return 0o666 & ~mask


# ".NAME.<pid>-XXXXXXXX.tmp" as written above; ".NAME.XXXXXXXX.tmp" as written before the pid was added
_LEFTOVER = re.compile(r"\.(?:(\d+)-)?[a-z0-9_]{8}\.tmp")


def _remove_leftovers(target: Path) -> None:
    """Remove the temporary files of earlier writes to ``target`` whose process is gone (killed)."""
    prefix = f".{target.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if not entry.name.startswith(prefix):
                continue
            match = _LEFTOVER.fullmatch(entry.name[len(prefix) - 1 :])
            if match is None or (match[1] is not None and _alive(int(match[1]))):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another write of ours, in progress (a thread)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[Any]) -> int:
    """Write rows as JSON Lines, atomically; returns how many were written."""
    count = 0
    with atomic_write(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count
