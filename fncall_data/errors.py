"""The one exception family of fncall.

A :class:`FncallError` is a mistake the user can fix (a bad file, a bad option, an unknown tool). The
CLI turns it into a one-line message and exit code 2, without a traceback. Bugs stay ordinary
exceptions so that they keep their traceback.
"""

from __future__ import annotations

__all__ = ["FncallError", "InputError", "OutputError"]


class FncallError(Exception):
    """A user-facing error: the message says what is wrong and how to fix it."""


class InputError(FncallError):
    """Bad input data, located by file, line and field where those are known.

    Example:
        >>> str(InputError("unknown role 'human'", file="d.jsonl", line=3, field="messages.1.role"))
        "d.jsonl:3: messages.1.role: unknown role 'human'"
    """

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, field: str | None = None
    ) -> None:
        self.reason = message
        self.file = file
        self.line = line
        self.field = field
        where = ""
        if file is not None:
            where = f"{file}:{line}: " if line is not None else f"{file}: "
        elif line is not None:
            where = f"line {line}: "
        if field:
            where += f"{field}: "
        super().__init__(where + message)


class OutputError(FncallError):
    """A file or folder that cannot be written: the path and the operating system's reason.

    Example:
        >>> str(OutputError("runs/e/metrics.csv", "Read-only file system"))
        'cannot write runs/e/metrics.csv: Read-only file system'
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}")
