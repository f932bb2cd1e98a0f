"""One call for the whole job: read the tool calls out of model output and check them.

This is what ``fncall validate`` runs on each output, and what the evaluator runs on each prediction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fncall_data.errors import FncallError
from fncall_data.extract import Extraction, extract
from fncall_data.issues import Issue
from fncall_data.types import Tool
from fncall_data.validate import Toolbox

__all__ = ["OutputCheck", "check_output", "check_output_bytes", "decode_output"]


@dataclass(frozen=True, slots=True)
class OutputCheck:
    """What one model output holds and what is wrong with it.

    Attributes:
        extraction: the calls as read, with every repair that reading needed.
        issues: extraction errors first, then each call's problems against the tools.
    """

    extraction: Extraction
    issues: tuple[Issue, ...]

    @property
    def valid(self) -> bool:
        """Readable (in strict mode: without repairs) and every call matches its tool."""
        return not self.issues

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.extraction.to_dict(),
            "valid": self.valid,
            "issues": [i.to_dict() for i in self.issues],
        }


def check_output(
    output: str | Mapping[str, Any] | Sequence[Any],
    tools: Toolbox | Iterable[Tool] | None = None,
    *,
    strict: bool = False,
    strict_format: bool = False,
) -> OutputCheck:
    """Extract the calls from ``output`` and validate each one against ``tools``.

    Without tools, only extraction is checked. Never raises on any output.

    Args:
        output: the model's text, or a decoded object (see :func:`fncall_data.extract.extract`).
        tools: a :class:`Toolbox` (compiled once: the fast way for many outputs) or tools.
        strict: turn every extraction repair into an error.
        strict_format: assert ``format``; by default it is an annotation. A Toolbox keeps the mode
            it was built with: pass ``Toolbox(tools, strict_format=True)`` to assert with one.

    Raises:
        FncallError: ``strict_format=True`` with a Toolbox built without it (never for an output).

    Example:
        >>> t = Tool(name="f", parameters={"type": "object", "properties": {"n": {"type": "integer"}}})
        >>> r = check_output("<tool_call>{'name': 'f', 'arguments': {'n': 'x'}}</tool_call>", [t])
        >>> [x.code for x in r.extraction.repairs], [i.code for i in r.issues]
        (['python_literal'], ['wrong_type'])
    """
    extraction = extract(output, strict=strict)
    issues = list(extraction.errors)
    if tools is not None:
        if isinstance(tools, Toolbox):
            if strict_format and not tools.strict_format:
                raise FncallError("strict_format=True needs a Toolbox built with strict_format=True")
            box = tools
        else:
            box = Toolbox(tools, strict_format=strict_format)
        issues.extend(box.validate_calls(extraction.calls))
    return OutputCheck(extraction, tuple(issues))


def decode_output(raw: bytes) -> tuple[str, Issue | None]:
    """Model output as text; bytes that are not UTF-8 become U+FFFD and an ``invalid_utf8`` issue.

    Example:
        >>> text, issue = decode_output(b"\\xff<tool_call>")
        >>> text, issue.code
        ('\ufffd<tool_call>', 'invalid_utf8')
    """
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        text = f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8 text (read as U+FFFD)"
        return raw.decode("utf-8", "replace"), Issue("invalid_utf8", text)


def check_output_bytes(
    raw: bytes, tools: Toolbox | Iterable[Tool] | None = None, *, strict: bool = False
) -> OutputCheck:
    """:func:`check_output` on raw bytes: output that is not UTF-8 is invalid, and still read.

    Example:
        >>> [i.code for i in check_output_bytes(b"\\xff<tool_call>").issues][:1]
        ['invalid_utf8']
    """
    text, problem = decode_output(raw)
    result = check_output(text, tools, strict=strict)
    return result if problem is None else OutputCheck(result.extraction, (problem, *result.issues))
