"""Inference backends by name: ``hf`` (transformers + PEFT), ``openai`` (any compatible server),
``predictions`` (outputs produced elsewhere). Plugins register in the ``fncall.backends`` group.

Registering imports nothing; :func:`create_backend` imports the backend and checks its packages.

Example:
    >>> BACKENDS.names()[:3]
    ['hf', 'openai', 'predictions']
"""

from __future__ import annotations

from fncall_data.registry import Registry
from fncall_eval.backends.base import Backend, BackendFactory, GenerateConfig

__all__ = ["BACKENDS", "Backend", "BackendFactory", "GenerateConfig", "create_backend"]

BACKENDS: Registry[BackendFactory] = Registry("inference backend", group="fncall.backends")
BACKENDS.register("hf", "fncall_eval.backends.hf:create")
BACKENDS.register("openai", "fncall_eval.backends.openai:create")
BACKENDS.register("predictions", "fncall_eval.backends.predictions:create")


def create_backend(name: str, config: GenerateConfig) -> Backend:
    """The backend registered as ``name``, built for ``config``."""
    return BACKENDS.get(name)(config)
