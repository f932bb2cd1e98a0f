"""fncall_eval: score a base model and its adapters on function calling, side by side.

Scoring is pure Python (no torch, no pandas): :func:`score_output` judges one output against a
:class:`Reference` built from a record; :func:`results_frame` turns example scores into the one
DataFrame every report is rendered from; :func:`compare` gives deltas with paired bootstrap intervals
and McNemar's exact test; :func:`run_eval` generates (resumably), scores and reports. Names load
their module on first use, so ``import fncall_eval`` stays light.

Example:
    >>> from fncall_eval import Reference, score_output
    >>> from fncall_data import Record
    >>> r = Record(id="r", category="irrelevance", messages=[
    ...     {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}])
    >>> score_output(Reference.from_record(r), "Hello there.").outcome
    'abstained'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "BACKENDS",
    "ExampleScore",
    "GenerateConfig",
    "Reference",
    "RunConfig",
    "compare",
    "results_frame",
    "run_eval",
    "score_output",
    "score_predictions",
]

_HOMES = {
    "BACKENDS": "backends",
    "GenerateConfig": "backends",
    "ExampleScore": "scoring",
    "Reference": "scoring",
    "score_output": "scoring",
    "score_predictions": "scoring",
    "compare": "compare",
    "results_frame": "metrics",
    "RunConfig": "run",
    "run_eval": "run",
}

if TYPE_CHECKING:
    from fncall_eval.backends import BACKENDS, GenerateConfig
    from fncall_eval.compare import compare
    from fncall_eval.metrics import results_frame
    from fncall_eval.run import RunConfig, run_eval
    from fncall_eval.scoring import ExampleScore, Reference, score_output, score_predictions


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'fncall_eval' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"fncall_eval.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
