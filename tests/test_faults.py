"""The fault suite: real ``fncall`` processes killed, interrupted and starved of disk.

For each case: nothing partial at the output path, nothing duplicated or lost after the rerun, no
traceback, the documented exit status (README: 0 all good, 1 rows rejected, 2 user error or the
machine refused, 130 interrupted), and a message that names the file. Disk faults mount a small
tmpfs and are skipped, with the reason, where mounting is not allowed.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.eval_helpers import write_hand_set
from tests.fault_helpers import (
    INTERRUPTED,
    alive,
    assert_clean_failure,
    can_mount,
    children,
    fncall,
    line_count,
    signal_when,
    small_tmpfs,
    start,
    temp_files,
)

pytestmark = pytest.mark.slow

TRAIN_DATA = Path(__file__).parent / "data" / "train_records.jsonl"
GENERATE = ("data", "generate", "--n", "2000", "--seed", "5")
KILLS = {"kill-9": signal.SIGKILL, "sigterm": signal.SIGTERM, "ctrl-c": signal.SIGINT}
NO_MOUNT = can_mount()


def _expected_end(sig: int) -> int:
    return 130 if sig == signal.SIGINT else -sig


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated file an undisturbed run writes."""
    folder = tmp_path_factory.mktemp("reference")
    assert fncall(*GENERATE, "-o", "d.jsonl", cwd=folder).code == 0
    return folder / "d.jsonl"


# --- data generate --------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", KILLS.values(), ids=KILLS.keys())
def test_generate_stopped_while_writing(tmp_path: Path, reference: Path, sig: int) -> None:
    out = tmp_path / "d.jsonl"
    out.write_text("old\n")
    proc = start(*GENERATE, "-o", out, cwd=tmp_path)
    ended = signal_when(proc, lambda: bool(temp_files(tmp_path)), sig)  # the output is being written
    assert ended.code == _expected_end(sig), ended.err
    assert "Traceback" not in ended.err
    if sig == signal.SIGINT:
        assert ended.last_error == INTERRUPTED
    assert out.read_bytes() in (b"old\n", reference.read_bytes())  # the old file or the whole new one
    rerun = fncall(*GENERATE, "-o", out, cwd=tmp_path)
    assert rerun.code == 0, rerun.err
    assert out.read_bytes() == reference.read_bytes()
    assert temp_files(tmp_path) == []  # a killed write's leftovers went with the next write


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_generate_workers_end_with_their_parent(tmp_path: Path, sig: int) -> None:
    proc = start("data", "generate", "--n", "200000", "--workers", "2", "-o", "d.jsonl", cwd=tmp_path)
    workers: list[int] = []

    def pool_started() -> bool:
        workers[:] = children(proc.pid)
        return len(workers) >= 2

    ended = signal_when(proc, pool_started, sig)
    assert ended.code == -sig
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if alive(pid)], "workers outlived their parent"
    assert not (tmp_path / "d.jsonl").exists()


# --- data convert ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_convert_stopped_while_writing(tmp_path: Path, reference: Path, sig: int) -> None:
    source = tmp_path / "source.jsonl"
    source.write_bytes(b"".join(reference.read_bytes().splitlines(keepends=True)[:400]))
    expected = fncall("data", "convert", source, "-o", "expected.jsonl", cwd=tmp_path)
    assert expected.code == 0, expected.err
    proc = start("data", "convert", source, "-o", "out/d.jsonl", cwd=tmp_path)
    ended = signal_when(
        proc, lambda: bool(temp_files(tmp_path / "out")) if (tmp_path / "out").is_dir() else False, sig
    )
    assert ended.code == _expected_end(sig) and "Traceback" not in ended.err, ended.err
    assert (
        not (tmp_path / "out" / "d.jsonl").exists()
        or (tmp_path / "out" / "d.jsonl").read_bytes() == (tmp_path / "expected.jsonl").read_bytes()
    )
    assert fncall("data", "convert", source, "-o", "out/d.jsonl", cwd=tmp_path).code == 0
    assert (tmp_path / "out" / "d.jsonl").read_bytes() == (tmp_path / "expected.jsonl").read_bytes()
    assert temp_files(tmp_path) == []


# --- eval run (the tiny model) --------------------------------------------------------------------

EVAL = ("eval", "run", "--model", "tiny", "--data", "test.jsonl", "--max-new-tokens", "16",
        "--batch-size", "2", "--n-boot", "0")  # fmt: skip


@pytest.fixture(scope="module")
def eval_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An undisturbed tiny-model run over 16 generated test records."""
    folder = tmp_path_factory.mktemp("eval")
    assert fncall("data", "generate", "--n", "16", "--seed", "21", "-o", "test.jsonl", cwd=folder).code == 0
    done = fncall(*EVAL, "-o", "clean", cwd=folder)
    assert done.code == 0, done.err
    return folder


def _predictions(run: Path) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in (run / "predictions" / "base.jsonl").read_text().splitlines()]
    return sorted(({"id": r["id"], "text": r["text"]} for r in rows), key=lambda r: str(r["id"]))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_eval_run_stopped_then_resumed(eval_reference: Path, sig: int) -> None:
    folder = eval_reference
    run = folder / f"run-{sig}"
    predictions = run / "predictions" / "base.jsonl"
    proc = start(*EVAL, "-o", run, cwd=folder)
    ended = signal_when(proc, lambda: line_count(predictions) >= 5, sig)
    assert ended.code == _expected_end(sig) and "Traceback" not in ended.err, ended.err
    assert 5 <= line_count(predictions) < 16
    resumed = fncall(*EVAL, "-o", run, cwd=folder)
    assert resumed.code == 0, resumed.err
    assert "base: " in resumed.err and "already done" in resumed.err
    assert _predictions(run) == _predictions(folder / "clean")  # none lost, none twice, none changed
    assert json.loads((run / "metrics.json").read_text()) == json.loads(
        (folder / "clean" / "metrics.json").read_text()
    )
    assert temp_files(run) == []


def test_eval_run_keeps_a_second_run_and_other_settings_out(eval_reference: Path) -> None:
    folder = eval_reference
    run = folder / "busy"
    proc = start(*EVAL, "-o", run, cwd=folder)
    predictions = run / "predictions" / "base.jsonl"
    try:
        deadline = time.monotonic() + 240
        while line_count(predictions) < 1 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        second = fncall(*EVAL, "-o", run, cwd=folder)
        assert_clean_failure(
            second, 2, f"error: {run} is in use by another eval run (PID {proc.pid}); wait for it to end, "
            "or write to another folder with -o",
        )  # fmt: skip
    finally:
        proc.kill()
        proc.communicate()
    other = fncall(*EVAL[:6], "--max-new-tokens", "8", "--n-boot", "0", "-o", run, cwd=folder)
    assert_clean_failure(
        other, 2, f"error: {predictions} was made with another max_new_tokens (16; this run: 8); write this "
        "run to another folder with -o, or replace those predictions with --overwrite",
    )  # fmt: skip


# --- train (the tiny model) -----------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_train_stopped_then_resumed(tmp_path: Path, sig: int) -> None:
    data = tmp_path / "train.jsonl"
    lines = TRAIN_DATA.read_bytes().splitlines(keepends=True)
    lines[4] = lines[4].replace(b'"', b'"\xff', 1)  # a bad byte rejects line 5, and only it
    data.write_bytes(b"".join(lines))
    args = ("train", "--model", "tiny", "--data", data, "--device", "cpu", "--max-steps", "4",
            "--save-steps", "2", "--cache-dir", tmp_path / "cache", "-o", tmp_path / "run")  # fmt: skip
    checkpoint = tmp_path / "run" / "checkpoints" / "checkpoint-2" / "trainer_state.json"
    ended = signal_when(start(*args, cwd=tmp_path), checkpoint.is_file, sig)
    assert ended.code == _expected_end(sig) and "Traceback" not in ended.err, ended.err
    assert not (tmp_path / "run" / "adapter").exists()
    if sig == signal.SIGINT:  # the resume that follows is the same as after kill -9: not run twice
        assert ended.last_error == INTERRUPTED
        assert checkpoint.is_file() and temp_files(tmp_path / "run") == []
        return
    resumed = fncall(*args, "--resume", cwd=tmp_path)
    assert resumed.code == 1, resumed.err  # trained, and one row was rejected
    assert resumed.last_error == f"1 row(s) could not be read: see {tmp_path / 'run' / 'rejects.jsonl'}"
    manifest = json.loads((tmp_path / "run" / "fncall_run.json").read_text())
    assert manifest["steps"] == 4 and manifest["resumed_from"].endswith("checkpoint-2")
    assert [c["step"] for c in manifest["loss_curve"]] == [1, 2, 3, 4]
    rejects = [json.loads(line) for line in (tmp_path / "run" / "rejects.jsonl").read_text().splitlines()]
    assert [(r["where"], r["reason"]) for r in rejects] == [
        (f"{data}:5", "not UTF-8 text: byte 0xff at column 3")
    ]
    assert (tmp_path / "run" / "adapter" / "adapter_model.safetensors").is_file()
    assert temp_files(tmp_path / "run") == []


# --- full and read-only disks ---------------------------------------------------------------------


@pytest.mark.skipif(NO_MOUNT is not None, reason=str(NO_MOUNT))
def test_a_full_disk_is_one_line_and_keeps_the_old_output(tmp_path: Path, reference: Path) -> None:
    source = tmp_path / "source.jsonl"
    source.write_bytes(b"".join(reference.read_bytes().splitlines(keepends=True)[:300]))
    with small_tmpfs(tmp_path / "disk", "256k") as disk:
        (disk / "d.jsonl").write_text("old\n")
        for command in [
            (*GENERATE, "-o", disk / "d.jsonl"),
            ("data", "convert", source, "-o", disk / "d.jsonl"),
        ]:
            ended = fncall(*command, cwd=tmp_path)
            assert_clean_failure(ended, 2, f"error: cannot write {disk / 'd.jsonl'}: No space left on device")
            assert (disk / "d.jsonl").read_text() == "old\n"
            assert temp_files(disk) == []


@pytest.mark.skipif(NO_MOUNT is not None, reason=str(NO_MOUNT))
def test_a_read_only_disk_is_one_line_for_every_command(tmp_path: Path) -> None:
    records, preds = write_hand_set(tmp_path)
    with small_tmpfs(tmp_path / "ro", "64k", read_only=True) as ro:
        commands = {
            "generate": ((*GENERATE, "-o", ro / "d.jsonl"), ro / "d.jsonl"),
            "convert": (("data", "convert", records, "-o", ro / "d.jsonl"), ro / "d.jsonl"),
            "validate --rejects": (("data", "validate", records, "--rejects", ro / "r.jsonl"),
                                   ro / "r.jsonl"),
            "eval run": (("eval", "run", "--backend", "predictions", "--model", preds, "--data", records,
                          "-o", ro / "ev"), ro / "ev"),
            "train": (("train", "--model", "tiny", "--data", TRAIN_DATA, "--max-steps", "1", "-o", ro / "t"),
                      ro / "t"),
        }  # fmt: skip
        for name, (command, path) in commands.items():
            ended = fncall(*command, cwd=tmp_path)
            assert ended.code == 2 and "Traceback" not in ended.err, (name, ended.err)
            assert ended.last_error.endswith(f"{path}: Read-only file system"), (name, ended.err)
