"""A learning-rate schedule that follows the clock, for runs with a time budget.

A schedule planned in steps assumes a throughput. When the machine is slower than planned, the time
budget stops the run part-way through the decay, at a rate still near its peak; when it is faster,
the steps run out with budget left. With ``schedule_by="minutes"`` the warm-up and the decay are laid
over ``max_minutes`` of wall time instead, so the run ends at the budget with the rate decayed
whatever the machine's speed. The schedule's shape (cosine, linear, constant...) is the config's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

__all__ = ["clock_factor", "clock_lambda"]


def clock_factor(kind: str, progress: float, warmup: float) -> float:
    """The learning-rate multiplier of schedule ``kind`` at ``progress`` (0 to 1) of the budget.

    Example:
        >>> [round(clock_factor("cosine", p, 0.1), 3) for p in (0.0, 0.05, 0.1, 0.55, 1.0)]
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    progress = min(max(progress, 0.0), 1.0)
    if kind != "constant" and progress < warmup:
        return progress / warmup
    after = (progress - warmup) / (1 - warmup) if warmup < 1 else 1.0
    if kind == "cosine":
        return 0.5 * (1 + math.cos(math.pi * after))
    if kind == "linear":
        return max(0.0, 1 - after)
    return 1.0  # constant, constant_with_warmup


def clock_lambda(
    kind: str, minutes: float, warmup: float, started: float, min_steps: int | None = None
) -> Callable[[int], float]:
    """A ``LambdaLR`` function that reads the clock since ``started`` (a ``time.perf_counter()``
    reading). With ``min_steps``, progress is the lesser of the time's and the steps' share, so on a
    machine too slow for ``min_steps`` in ``minutes`` the schedule follows the steps instead.

    Example:
        >>> slow = clock_lambda("linear", minutes=1e-9, warmup=0.0, started=0.0, min_steps=10)
        >>> [round(slow(step), 2) for step in (0, 5, 10)]  # the minutes are long gone: the steps lead
        [1.0, 0.5, 0.0]
    """

    def factor(step: int) -> float:
        progress = (time.perf_counter() - started) / (minutes * 60)
        if min_steps:
            progress = min(progress, step / min_steps)
        return clock_factor(kind, progress, warmup)

    return factor
