"""The inference backend interface and its typed configuration.

A backend turns records into :class:`fncall_eval.predictions.Prediction` objects, yielding each one
as soon as it is ready (in any order) so the runner can write it at once. ``adapter`` selects what is
evaluated on top of the base model: a PEFT adapter folder for ``hf``, a served model name for
``openai`` (vLLM serves LoRA adapters under their own names), another predictions file for
``predictions``.
"""

from __future__ import annotations

import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fncall_data.errors import FncallError
from fncall_data.types import Record
from fncall_eval.predictions import Prediction
from fncall_eval.scoring import Parser

__all__ = ["Backend", "BackendFactory", "GenerateConfig", "require"]


class GenerateConfig(BaseModel):
    """How to produce outputs; each backend reads the fields that concern it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(
        description="The base model: a spec for hf, a served name for openai, a file for predictions."
    )
    profile: str = Field(
        default="gemma", description="The chat profile that renders prompts and parses outputs."
    )
    batch_size: int = Field(default=8, ge=1, description="hf: prompts per forward pass.")
    max_new_tokens: int = Field(default=256, ge=1, description="The longest output generated.")
    temperature: float = Field(default=0.0, ge=0.0, description="0 is greedy decoding.")
    device: str = Field(default="auto", description="hf: auto, cpu, cuda, ...")
    dtype: str = Field(default="auto", description="hf: auto, float32, bfloat16, ...")
    base_url: str = Field(default="http://127.0.0.1:8000/v1", description="openai: the server's /v1 URL.")
    api_key_env: str = Field(default="OPENAI_API_KEY", description="openai: the variable holding the key.")
    concurrency: int = Field(default=8, ge=1, description="openai: requests in flight at once.")
    timeout_s: float = Field(
        default=120.0, gt=0, description="openai: seconds before a request is abandoned."
    )
    retries: int = Field(default=3, ge=0, description="openai: further tries after a failed request.")
    constrained: bool = Field(
        default=False,
        description="Once the model opens a call, only a call naming an offered tool with arguments that "
        "fit its schema can follow (hf: llguidance, the constrained extra; openai: the tool schemas go in "
        "the request for the server to enforce, see docs/constrained.md). Whether to call stays the model's.",
    )
    decision: Literal["greedy", "calibrated"] = Field(
        default="greedy",
        description="hf: greedy leaves the call/no-call decision to the likeliest first token; calibrated "
        "applies the threshold `fncall eval calibrate` saved beside each adapter (fncall_eval.decision); "
        "the base model and adapters without one stay greedy.",
    )
    tools: Literal["native", "profile"] = Field(
        default="native",
        description="openai: send tools in the API's tools field (native), or render the whole prompt "
        "with the profile and use the completions endpoint (profile).",
    )


class Backend(ABC):
    """Produces predictions for records, for the base model or one adapter."""

    #: how to read this backend's text outputs; None means fncall_data's general extraction
    parse: Parser | None = None

    @abstractmethod
    def generate(self, records: Sequence[Record], *, adapter: str | None = None) -> Iterator[Prediction]:
        """Yield one prediction per record, each as soon as it is ready (order not guaranteed)."""

    def close(self) -> None:  # noqa: B027 -- most backends hold nothing to release
        """Release what the backend holds (models, connections)."""


#: A registered backend: called with the config, it checks its packages and builds the backend.
BackendFactory = Callable[[GenerateConfig], Backend]


def require(backend: str, modules: Sequence[str], install: str) -> None:
    """Raise a :class:`FncallError` naming what to install when one of ``modules`` is missing."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise FncallError(f"the {backend} backend needs {', '.join(missing)}: {install}")
