"""The JSON Schema contracts in ``schemas/``, generated from the Pydantic types.

Other languages validate fncall files with these. They are checked in, and a test fails when they no
longer match the types: run ``fncall schema`` to write them again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from fncall_data.io import atomic_write
from fncall_data.types import Record, Tool, ToolCall

__all__ = ["CONTRACTS", "render_contracts", "stale_contracts", "write_contracts"]

#: File name -> the type it describes.
CONTRACTS: dict[str, type[BaseModel]] = {
    "record.schema.json": Record,
    "tool.schema.json": Tool,
    "tool_call.schema.json": ToolCall,
}


def contract(model: type[BaseModel]) -> dict[str, Any]:
    """The Draft 2020-12 schema of one type, as published."""
    schema = model.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render_contracts() -> dict[str, str]:
    """Each contract file's exact text (sorted keys, two-space indent, final newline)."""
    return {
        name: json.dumps(contract(model), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for name, model in CONTRACTS.items()
    }


def write_contracts(folder: str | os.PathLike[str]) -> list[Path]:
    """Write every contract into ``folder``; returns the paths written."""
    written = []
    for name, text in render_contracts().items():
        path = Path(folder) / name
        with atomic_write(path) as handle:
            handle.write(text)
        written.append(path)
    return written


def stale_contracts(folder: str | os.PathLike[str]) -> list[str]:
    """The contract files in ``folder`` that are missing or differ from the types."""
    stale = []
    for name, text in render_contracts().items():
        path = Path(folder) / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale
