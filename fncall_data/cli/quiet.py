"""Keep a long command's screen to fncall's own lines: what libraries write goes to a log file."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["stderr_to_log"]


@contextmanager
def stderr_to_log(path: Path) -> Iterator[Path]:
    """Send everything written to standard error while the block runs to ``path`` (appended).

    Training and model loading write deprecation notices, progress bars and C++ messages that a user
    cannot act on. They all reach file descriptor 2, so redirecting the descriptor, not just
    ``sys.stderr``, catches the ones written below Python too. Python warnings and fncall's own log
    records are written there as well, with a time stamp. Standard output (fncall's progress lines)
    is untouched, and standard error is back before an error message or traceback is printed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    handler: logging.Handler | None = None
    root = logging.getLogger()
    old_level = root.level
    with open(path, "a", encoding="utf-8") as log:
        try:
            os.dup2(log.fileno(), 2)
            handler = logging.StreamHandler(log)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            root.addHandler(handler)
            root.setLevel(min(old_level or logging.WARNING, logging.INFO))
            logging.captureWarnings(True)
            yield path
        finally:
            logging.captureWarnings(False)
            if handler is not None:
                root.removeHandler(handler)
            root.setLevel(old_level)
            sys.stderr.flush()
            log.flush()
            os.dup2(saved, 2)
            os.close(saved)
