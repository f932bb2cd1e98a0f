"""Real ``fncall`` processes for the fault suite: start, signal at a chosen moment, read what is left."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

EXE = str(Path(sys.executable).with_name("fncall"))
INTERRUPTED = "interrupted; run the same command again to go on"


@dataclass
class Ended:
    """How a command ended: exit status (negative: killed by that signal) and its two streams."""

    code: int
    out: str
    err: str

    @property
    def last_error(self) -> str:
        lines = self.err.strip().splitlines()
        return lines[-1] if lines else ""


def fncall(*args: str | Path, cwd: Path, timeout: float = 300) -> Ended:
    """Run ``fncall ARGS`` to its end."""
    done = subprocess.run(
        [EXE, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    return Ended(done.returncode, done.stdout, done.stderr)


def start(*args: str | Path, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [EXE, *map(str, args)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def signal_when(
    proc: subprocess.Popen[str], ready: Callable[[], bool], sig: int, *, timeout: float = 240
) -> Ended:
    """Send ``sig`` as soon as ``ready()`` holds (polled every 5 ms), then wait for the end.

    Raises:
        AssertionError: the process ended, or the time ran out, before the moment came.
    """
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"the moment never came (exit {proc.returncode}): {err[-2000:]}")
        time.sleep(0.005)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    return Ended(proc.returncode, out, err)


def temp_files(folder: Path) -> list[str]:
    """The temporary files of atomic writes in ``folder`` (any depth)."""
    return sorted(p.name for p in folder.rglob(".*.tmp"))


def line_count(path: Path) -> int:
    try:
        return sum(1 for line in path.read_bytes().splitlines() if line.strip())
    except FileNotFoundError:
        return 0


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid and fields[0] != "Z":
                    out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be read


def assert_clean_failure(ended: Ended, code: int, message: str) -> None:
    """The documented exit status, no traceback, and ``message`` as the last line on stderr."""
    assert "Traceback" not in ended.err, ended.err
    assert ended.code == code, ended.err
    assert ended.last_error == message, ended.err


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of ``size`` at ``folder`` for the block (the caller skips where mount is refused)."""
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=True, capture_output=True
    )
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def can_mount() -> str | None:
    """None when this process may mount a tmpfs, else the reason it may not."""
    if sys.platform != "linux":
        return "tmpfs mounts need Linux"
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    probe = Path(tempfile.mkdtemp(prefix="fncall-mount-probe-"))
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)], capture_output=True
        )
        if done.returncode != 0:
            return f"mount is not allowed here: {done.stderr.decode(errors='replace').strip()}"
        subprocess.run(["umount", str(probe)], check=False)
        return None
    except FileNotFoundError:
        return "no mount command"
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()
