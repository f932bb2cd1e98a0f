"""The same training under torchrun: two CPU processes (gloo), one adapter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "train_records.jsonl"


@pytest.mark.slow
def test_two_processes_train_one_adapter(tmp_path: Path) -> None:
    from fncall_train.models import load_model

    cache = tmp_path / "models"
    load_model("tiny", cache_dir=cache)  # build the cached folder once, before two ranks read it
    out = tmp_path / "run"
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    args = ["-m", "fncall_train", "--model", "tiny", "--data", str(DATA), "-o", str(out)]
    args += ["--cache-dir", str(cache), "--device", "cpu", "--max-steps", "2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([*torchrun, *args], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # every rank reports its end; only the first writes the run folder
    assert "done: 2 steps (rank 1)" in done.stdout and "done: 2 steps in " in done.stdout, done.stdout
    manifest = json.loads((out / "fncall_run.json").read_text())
    assert (manifest["world_size"], manifest["steps"]) == (2, 2)
    assert (out / "adapter" / "adapter_model.safetensors").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["adapter", "checkpoints", "fncall_run.json", "tokenizer"]
