"""Helpers for the catalog's fake backends: stable pseudo-random values derived from the arguments.

A fake backend must give the same result for the same arguments in every process, so values come
from a keyed hash of the arguments (never from ``hash()``, which is salted per process).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import TypeVar

__all__ = ["amount", "pick", "rng_for"]

_T = TypeVar("_T")


def rng_for(*parts: object) -> random.Random:
    """A random generator seeded by the text of ``parts``: same parts, same stream.

    Example:
        >>> rng_for("Paris", 3).random() == rng_for("Paris", 3).random()
        True
    """
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def pick(options: Sequence[_T], *parts: object) -> _T:
    """One of ``options``, chosen by the parts."""
    return options[rng_for(*parts).randrange(len(options))]


def amount(low: float, high: float, *parts: object, digits: int = 2) -> float:
    """A number in [low, high], rounded, chosen by the parts."""
    return round(rng_for(*parts).uniform(low, high), digits)
