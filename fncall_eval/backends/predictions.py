"""``predictions``: outputs produced elsewhere, read from JSONL files (``{"id", "text"}`` per line).

The base model's file is ``GenerateConfig.model``; an adapter's file is the adapter argument.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from fncall_data.errors import FncallError
from fncall_data.types import Record
from fncall_eval.backends.base import Backend, GenerateConfig
from fncall_eval.predictions import Prediction, read_predictions

__all__ = ["PredictionsBackend", "create"]


class PredictionsBackend(Backend):
    """Looks each record's output up by id; a missing id is a failed row, not a crash."""

    def __init__(self, config: GenerateConfig) -> None:
        self.base = config.model
        self._files: dict[str, dict[str, Prediction]] = {}

    def _read(self, path: str) -> dict[str, Prediction]:
        if path not in self._files:
            if not Path(path).is_file():
                raise FncallError(f"no predictions file at {path}; give a JSONL file of {{id, text}} lines")
            self._files[path] = read_predictions(path)
        return self._files[path]

    def generate(self, records: Sequence[Record], *, adapter: str | None = None) -> Iterator[Prediction]:
        path = adapter or self.base
        found = self._read(path)
        for record in records:
            yield found.get(record.id) or Prediction(record.id, error=f"no line with this id in {path}")


def create(config: GenerateConfig) -> Backend:
    """The factory registered as ``predictions``."""
    return PredictionsBackend(config)
