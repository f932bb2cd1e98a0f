"""Prediction files: one JSON line per example, written as outputs arrive, resumable after a kill.

A line holds the example's ``id``, the model's raw ``text``, the raw ``message`` when a server
returned native tool calls, an ``error`` when generation failed, and the seconds it took. A run that
is killed leaves every finished line in place (each is flushed to disk when written) and at worst one
cut-off last line; :class:`PredictionWriter` drops that line, and the run goes on with the examples
that have no line yet, so nothing is generated twice and no id appears twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from fncall_data.errors import InputError
from fncall_data.io import atomic_write, iter_json_lines, open_append, writing

__all__ = ["Prediction", "PredictionWriter", "read_predictions"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Prediction:
    """What a model produced for one example.

    Attributes:
        id: the record's id.
        text: the raw text the model wrote (None when it only returned native tool calls).
        message: the raw assistant message of an API that returns tool calls natively.
        error: why there is no output (a failed request); such a row scores zero.
        seconds: how long the example took to generate.
    """

    id: str
    text: str | None = None
    message: Mapping[str, Any] | None = None
    error: str | None = None
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.message is not None:
            row["message"] = dict(self.message)
        if self.error is not None:
            row["error"] = self.error
        if self.seconds is not None:
            row["seconds"] = round(self.seconds, 4)
        return row

    @classmethod
    def from_dict(cls, row: Any, *, file: str | None = None, line: int | None = None) -> Prediction:
        """Read one line's object; ``output`` is accepted as another name for ``text``.

        Raises:
            InputError: naming the file, line and the field that is wrong.
        """
        if not isinstance(row, dict):
            raise InputError("a prediction must be a JSON object", file=file, line=line)
        ident = row.get("id")
        if not isinstance(ident, str | int) or isinstance(ident, bool) or ident == "":
            raise InputError(f"needs an id (string), got {ident!r}", file=file, line=line, field="id")
        text = row.get("text", row.get("output"))
        message = row.get("message")
        if text is not None and not isinstance(text, str):
            raise InputError(
                f"must be a string, got {type(text).__name__}", file=file, line=line, field="text"
            )
        if message is not None and not isinstance(message, dict):
            raise InputError(
                "must be an object (an assistant message)", file=file, line=line, field="message"
            )
        error = row.get("error")
        seconds = row.get("seconds")
        return cls(
            id=str(ident),
            text=text,
            message=message,
            error=None if error is None else str(error),
            seconds=float(seconds) if isinstance(seconds, int | float) else None,
        )


def read_predictions(path: str | os.PathLike[str]) -> dict[str, Prediction]:
    """Every prediction in a file by id; a later line for the same id replaces an earlier one.

    Raises:
        InputError: a line that is not JSON or not a prediction, with its file and line number.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.jsonl"
        >>> _ = p.write_text('{"id": "a", "text": "hi"}\\n')
        >>> read_predictions(p)["a"].text
        'hi'
    """
    name = os.fspath(path)
    out: dict[str, Prediction] = {}
    for row in iter_json_lines(name):
        if row.error is not None:
            raise InputError(row.error, file=name, line=row.line)
        prediction = Prediction.from_dict(row.value, file=name, line=row.line)
        out[prediction.id] = prediction
    return out


class PredictionWriter:
    """Appends predictions to a file as they come, after reading what an earlier run left there.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.jsonl"
        >>> with PredictionWriter(p) as w:
        ...     w.write(Prediction("a", "hi"))
        >>> sorted(PredictionWriter(p).done)
        ['a']
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.done: dict[str, Prediction] = {}
        self._handle: IO[str] | None = None
        if self.path.exists():
            self._recover()

    def _recover(self) -> None:
        with writing(self.path):
            raw = self.path.read_bytes()
        keep: list[str] = []
        dropped = 0
        for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(keepends=True), 1):
            if not line.strip():
                continue
            try:
                if not line.endswith("\n"):
                    raise ValueError("cut off")
                prediction = Prediction.from_dict(json.loads(line), file=str(self.path), line=number)
            except (ValueError, InputError):
                dropped += 1  # a line cut by a kill: the example runs again
                continue
            if prediction.id in self.done:
                continue  # keep the first answer: a repeated id is never scored twice
            self.done[prediction.id] = prediction
            keep.append(line)
        if dropped or len(keep) != sum(1 for line in raw.splitlines() if line.strip()):
            log.warning(
                "%s: dropped %d unreadable or repeated line(s) left by a killed run", self.path, dropped
            )
            with atomic_write(self.path) as handle:
                handle.writelines(keep)

    def pending(self, ids: Iterable[str]) -> list[str]:
        """The ids that have no prediction yet, in the given order."""
        return [i for i in ids if i not in self.done]

    def write(self, prediction: Prediction) -> None:
        """Append one line and push it to disk, so a kill right after loses nothing."""
        if prediction.id in self.done:
            return
        if self._handle is None:
            self._handle = open_append(self.path)
        line = json.dumps(prediction.to_dict(), ensure_ascii=False) + "\n"
        with writing(self.path):
            self._handle.write(line)
            self._handle.flush()
            os.fsync(self._handle.fileno())
        self.done[prediction.id] = prediction

    def close(self) -> None:
        if self._handle is not None:
            # every line was flushed as written; what is left after a failed write is that line's
            # tail, which the failed write has already reported (and the next run drops)
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None

    def __enter__(self) -> PredictionWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
