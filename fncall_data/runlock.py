"""A lock that keeps a second process out of a folder that a run is writing.

The lock is an advisory ``flock`` on ``FOLDER/.fncall.lock``, which holds the owner's PID. The kernel
drops the lock when its process ends, however it ends (kill -9 included), so a lock left by a dead
process never blocks anyone: the next run simply takes it. The file itself stays; removing it would
let two later runs lock two different files of the same name.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from fncall_data.errors import FncallError
from fncall_data.io import ensure_dir, writing

__all__ = ["LOCK_NAME", "FolderInUseError", "folder_lock"]

LOCK_NAME = ".fncall.lock"


class FolderInUseError(FncallError):
    """Another live process holds the folder's lock."""


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str], *, what: str = "run") -> Iterator[Path]:
    """Hold ``folder``'s lock for the block (the folder is made if needed); yields the lock file.

    Raises:
        FolderInUseError: another process holds it; the message names its PID.
        OutputError: the folder cannot be made or written.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> with folder_lock(folder):
        ...     with folder_lock(folder):  # doctest: +ELLIPSIS
        ...         pass
        Traceback (most recent call last):
        fncall_data.runlock.FolderInUseError: ... is in use by another run (PID ...); ...
    """
    path = ensure_dir(folder) / LOCK_NAME
    if sys.platform == "win32":  # no flock there; runs are not kept apart
        yield path
        return
    import fcntl

    with writing(path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise FolderInUseError(
                f"{os.fspath(folder)} is in use by another {what} (PID {owner}); wait for it to end, "
                "or write to another folder with -o"
            ) from None
        with writing(path):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield path
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the lock
