"""fncall_data: tools, tool-call extraction and validation, and function-calling records.

Everything here is importable from the package itself; each name loads its module on first use,
so ``import fncall_data`` (and ``fncall --help``) stays quick, and it never imports torch,
transformers, trl, peft, datasets or pandas.

Example:
    >>> from fncall_data import check_output
    >>> check_output('<tool_call>{"name": "f", "arguments": {}}</tool_call>').extraction.calls[0].name
    'f'
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__all__ = [
    "CATEGORIES",
    "PROFILES",
    "Answer",
    "ChatProfile",
    "ConvertResult",
    "Extraction",
    "FncallError",
    "GenerateConfig",
    "InputError",
    "Issue",
    "Message",
    "OutputCheck",
    "Record",
    "Reject",
    "Repair",
    "Tool",
    "ToolCall",
    "Toolbox",
    "check_file",
    "check_output",
    "check_record",
    "encode",
    "extract",
    "generate",
    "get_profile",
    "load_records",
    "load_tools",
    "parse_record",
    "split_records",
    "to_hf_dataset",
    "to_tool",
    "to_trl_dataset",
    "tool",
    "tool_from_function",
    "tool_from_model",
    "tool_from_openai",
    "validate_call",
    "validate_calls",
    "validate_value",
    "write_records",
]

_HOMES = {
    "ChatProfile": "profiles",
    "PROFILES": "profiles",
    "encode": "profiles",
    "get_profile": "profiles",
    "ConvertResult": "formats",
    "Reject": "formats",
    "load_records": "formats",
    "write_records": "formats",
    "GenerateConfig": "generate",
    "generate": "generate",
    "split_records": "splits",
    "to_hf_dataset": "hf",
    "to_trl_dataset": "hf",
    "CATEGORIES": "types",
    "Answer": "types",
    "Message": "types",
    "Record": "types",
    "Tool": "types",
    "ToolCall": "types",
    "parse_record": "types",
    "Extraction": "extract",
    "extract": "extract",
    "FncallError": "errors",
    "InputError": "errors",
    "Issue": "issues",
    "Repair": "issues",
    "OutputCheck": "check",
    "check_output": "check",
    "Toolbox": "validate",
    "validate_call": "validate",
    "validate_calls": "validate",
    "validate_value": "validate",
    "check_file": "records",
    "check_record": "records",
    "load_tools": "tools",
    "to_tool": "tools",
    "tool": "tools",
    "tool_from_function": "tools",
    "tool_from_model": "tools",
    "tool_from_openai": "tools",
}

if TYPE_CHECKING:
    from fncall_data.check import OutputCheck, check_output
    from fncall_data.errors import FncallError, InputError
    from fncall_data.extract import Extraction, extract
    from fncall_data.formats import ConvertResult, Reject, load_records, write_records
    from fncall_data.generate import GenerateConfig, generate
    from fncall_data.hf import to_hf_dataset, to_trl_dataset
    from fncall_data.issues import Issue, Repair
    from fncall_data.profiles import PROFILES, ChatProfile, encode, get_profile
    from fncall_data.records import check_file, check_record
    from fncall_data.splits import split_records
    from fncall_data.tools import (
        load_tools,
        to_tool,
        tool,
        tool_from_function,
        tool_from_model,
        tool_from_openai,
    )
    from fncall_data.types import CATEGORIES, Answer, Message, Record, Tool, ToolCall, parse_record
    from fncall_data.validate import Toolbox, validate_call, validate_calls, validate_value


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'fncall_data' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"fncall_data.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


class _Package(types.ModuleType):
    """This package, keeping its exported functions where a submodule has the same name.

    Importing ``fncall_data.extract`` (or ``fncall_data.generate``) binds that module on the package
    under its own name, which would hide the function ``extract`` (``generate``) that ``__all__``
    promises, depending on what was imported first. The function is kept instead; the module stays
    importable by its dotted name (``from fncall_data.extract import Extraction``).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if (
            isinstance(value, types.ModuleType)
            and _HOMES.get(name) == name == value.__name__.rpartition(".")[2]
        ):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
