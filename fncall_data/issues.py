"""Small value types shared by extraction and validation: an issue found, a repair applied.

A bad tool call is data, not an exception: extraction and validation return these, with codes that
stay stable across releases so that other projects can branch on them.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Issue", "Repair"]

# Named tuples rather than frozen dataclasses: just as immutable, and about 3x cheaper to build,
# which shows when every invalid call in an evaluation makes a few of them.


class Issue(NamedTuple):
    """One problem found in model output or in a call.

    Attributes:
        code: a stable machine-readable code, e.g. ``missing_required`` or ``invalid_json``.
        message: one sentence for a person, naming the bad value.
        path: where, as a JSON path into the call (``$.arguments.city``); empty when not applicable.
        call_index: which call of the output (0-based), when the issue belongs to one.
    """

    code: str
    message: str
    path: str = ""
    call_index: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "path": self.path, "call_index": self.call_index}


class Repair(NamedTuple):
    """A tolerance that extraction applied to read the output (never applied silently).

    Attributes:
        code: e.g. ``python_literal`` (single quotes, True/None), ``code_fence``, ``surrounding_text``.
        detail: what exactly was done.
        call_index: the call it applied to, or None when it applied to the whole output.
    """

    code: str
    detail: str
    call_index: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "detail": self.detail, "call_index": self.call_index}
