"""Verified function-calling conversations from tool definitions, offline and deterministic.

Example:
    >>> from fncall_data.generate import GenerateConfig, generate
    >>> generate(GenerateConfig(n=10, seed=3)).summary()["records"]
    10
"""

from __future__ import annotations

from fncall_data.generate.llm import LLMConfig, LLMProgress, LLMResult, generate_with_llm
from fncall_data.generate.runner import (
    DEFAULT_MIX,
    GenerateConfig,
    GenerateResult,
    generate,
    parse_mix,
    write_result,
)
from fncall_data.generate.spec import ToolSpec, catalog_specs, load_specs, spec_of

__all__ = [
    "DEFAULT_MIX",
    "GenerateConfig",
    "GenerateResult",
    "LLMConfig",
    "LLMProgress",
    "LLMResult",
    "ToolSpec",
    "catalog_specs",
    "generate",
    "generate_with_llm",
    "load_specs",
    "parse_mix",
    "spec_of",
    "write_result",
]
