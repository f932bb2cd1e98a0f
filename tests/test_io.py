"""One place where files are read and written: bad bytes, OS errors, killed writes, file modes."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fncall_data.errors import InputError, OutputError
from fncall_data.io import atomic_write, iter_json_lines, write_jsonl


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    return int(done.stdout)


def test_a_bad_byte_spoils_only_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "badutf8.jsonl"
    lines = [json.dumps({"n": n}).encode() for n in range(1, 301)]
    lines[149] = b'{"n": "\xff"}'
    path.write_bytes(b"\n".join(lines) + b"\n")
    rows = list(iter_json_lines(path))
    assert len(rows) == 300
    bad = [(r.line, r.code, r.error) for r in rows if r.error]
    assert bad == [(150, "invalid_utf8", "not UTF-8 text: byte 0xff at column 8")]
    assert [r.value["n"] for r in rows if not r.error] == [n for n in range(1, 301) if n != 150]


def test_an_output_error_names_the_path_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError) as caught:
        write_jsonl(target, [{"a": 1}])
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]  # no temporary file left


def test_a_parent_that_is_a_file_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("")
    with pytest.raises(OutputError, match=r"cannot write .*taken: it is a file, not a folder"):
        write_jsonl(tmp_path / "taken" / "out.jsonl", [])
    with pytest.raises(OutputError, match=r"cannot write .*taken/deeper: Not a directory"):
        write_jsonl(tmp_path / "taken" / "deeper" / "out.jsonl", [])


def test_a_killed_writes_leftovers_go_with_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    dead = tmp_path / f".out.jsonl.{_dead_pid()}-abcd1234.tmp"
    older = tmp_path / ".out.jsonl.k2j4_x9q.tmp"  # the name before the pid was part of it
    live = tmp_path / f".out.jsonl.{os.getppid()}-abcd1234.tmp"  # a write in progress elsewhere
    other = tmp_path / ".other.jsonl.k2j4_x9q.tmp"
    for path in (dead, older, live, other):
        path.write_text("half")
    write_jsonl(target, [{"a": 1}])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out.jsonl", live.name, other.name])


def test_files_get_the_mode_a_plain_write_gives(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_jsonl(tmp_path / "new.jsonl", [])
        assert (tmp_path / "new.jsonl").stat().st_mode & 0o777 == 0o644
        os.umask(0o007)
        write_jsonl(tmp_path / "other.jsonl", [])
        assert (tmp_path / "other.jsonl").stat().st_mode & 0o777 == 0o660
        (tmp_path / "new.jsonl").chmod(0o640)
        with atomic_write(tmp_path / "new.jsonl") as handle:
            handle.write("x")
        assert (tmp_path / "new.jsonl").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


def test_an_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read it: Is a directory"):
        list(iter_json_lines(tmp_path))
