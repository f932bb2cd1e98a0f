"""A run folder knows what made it: a rerun with other settings stops, one at a time in a folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fncall_data.errors import FncallError
from fncall_data.runlock import FolderInUseError, folder_lock
from fncall_eval.backends import GenerateConfig
from fncall_eval.fingerprint import Fingerprint, content_id, prediction_fingerprint
from fncall_eval.run import RunConfig, run_eval
from tests.eval_helpers import HAND_RECORDS, write_hand_set


def _fake(tmp_path: Path, text: str) -> Path:
    path = tmp_path / f"{text}.jsonl"
    path.write_text("".join(json.dumps({"id": r.id, "text": text}) + "\n" for r in HAND_RECORDS))
    return path


def _config(data: Path, out: Path, model: Path, **generate: object) -> RunConfig:
    return RunConfig(
        data=data, out=out, generate=GenerateConfig(model=str(model), **generate), backend="predictions",
        n_boot=0,
    )  # fmt: skip


def test_a_rerun_with_another_model_stops_and_changes_nothing(tmp_path: Path) -> None:
    data, preds = write_hand_set(tmp_path)
    out = tmp_path / "run"
    run_eval(_config(data, out, preds))
    before = (out / "predictions" / "base.jsonl").read_bytes()
    fake = _fake(tmp_path, "FAKE")
    with pytest.raises(FncallError) as caught:
        run_eval(_config(data, out, fake))
    message = str(caught.value)
    assert message.startswith(f"{out / 'predictions' / 'base.jsonl'} was made with another model (content ")
    assert "-o" in message and "--overwrite" in message and "\n" not in message
    assert (out / "predictions" / "base.jsonl").read_bytes() == before

    # the same settings resume; --overwrite replaces, and the scores are the new model's
    run_eval(_config(data, out, preds))
    result = run_eval(_config(data, out, fake).model_copy(update={"overwrite": True}))
    texts = {json.loads(line)["text"] for line in (out / "predictions" / "base.jsonl").open()}
    assert texts == {"FAKE"}
    assert not any(s.call_exact for s in result.scores["base"] if s.status != "no_call")


def test_predictions_of_unknown_origin_are_not_resumed(tmp_path: Path) -> None:
    data, preds = write_hand_set(tmp_path)
    out = tmp_path / "run"
    (out / "predictions").mkdir(parents=True)
    (out / "predictions" / "base.jsonl").write_text('{"id": "s1", "text": "x"}\n')
    with pytest.raises(FncallError, match="unknown origin"):
        run_eval(_config(data, out, preds))


def test_fingerprint_names_the_setting_that_differs(tmp_path: Path) -> None:
    data, _ = write_hand_set(tmp_path)
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"r": 8}')

    def fp(**kw: object) -> Fingerprint:
        generate = GenerateConfig(model="tiny", **kw)  # type: ignore[arg-type]
        return prediction_fingerprint(backend="hf", generate=generate, adapter=str(adapter), data=data)

    first = fp(max_new_tokens=24)
    assert first.key == fp(max_new_tokens=24, batch_size=2, device="cpu").key  # speed only
    assert first.difference(fp(max_new_tokens=32)) == ("max_new_tokens", 24, 32)
    assert first.difference(fp(max_new_tokens=24, profile="chatml")) == ("profile", "gemma", "chatml")
    (adapter / "adapter_config.json").write_text('{"r": 16}')  # retrained in place
    name, _, _ = first.difference(fp(max_new_tokens=24)) or ("", None, None)
    assert name == "adapter"
    data.write_text(data.read_text() + "\n")  # the test data changed
    assert content_id(data) != first.settings["data"][7:]


def test_big_files_are_identified_by_size_and_edges(tmp_path: Path) -> None:
    big = tmp_path / "model.safetensors"
    big.write_bytes(b"\0" * (17 << 20))
    before = content_id(tmp_path)
    with open(big, "r+b") as handle:
        handle.seek(8 << 20)
        handle.write(b"x")  # the middle is not read: a cheap id
    assert content_id(tmp_path) == before
    with open(big, "r+b") as handle:
        handle.write(b"x")
    assert content_id(tmp_path) != before


def test_a_second_process_is_kept_out_and_a_dead_ones_lock_is_taken_over(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from fncall_data.runlock import folder_lock\n"
         "with folder_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(60)", str(tmp_path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        busy = rf"in use by another run \(PID {holder.pid}\)"
        with pytest.raises(FolderInUseError, match=busy), folder_lock(tmp_path):
            pass
    finally:
        holder.kill()  # kill -9: the lock file stays, with the dead PID in it
        holder.wait()
    assert (tmp_path / ".fncall.lock").read_text() == f"{holder.pid}\n"
    with folder_lock(tmp_path) as lock:
        assert lock.read_text() == f"{__import__('os').getpid()}\n"


def test_two_eval_runs_in_one_folder_the_second_stops(tmp_path: Path) -> None:
    data, preds = write_hand_set(tmp_path)
    out = tmp_path / "run"
    with folder_lock(out), pytest.raises(FolderInUseError, match="is in use by another eval run"):
        run_eval(_config(data, out, preds))
    assert not (out / "predictions").exists()


def test_a_cache_of_predictions_serves_the_same_fingerprint_only(tmp_path: Path) -> None:
    data, preds = write_hand_set(tmp_path)
    cache = tmp_path / "cache"
    first = run_eval(_config(data, tmp_path / "a", preds).model_copy(update={"cache": cache, "limit": 2}))
    assert first.cached == {}
    # another folder, the same model and data: the two cached answers are taken, the rest generated
    second = run_eval(_config(data, tmp_path / "b", preds).model_copy(update={"cache": cache}))
    assert second.cached == {"base": 2}
    whole = (tmp_path / "b" / "predictions" / "base.jsonl").read_text().splitlines()
    assert len(whole) == len(HAND_RECORDS) and len({json.loads(line)["id"] for line in whole}) == len(whole)
    third = run_eval(_config(data, tmp_path / "c", preds).model_copy(update={"cache": cache}))
    assert third.cached == {"base": len(HAND_RECORDS)}
    assert [s.call_exact for s in third.scores["base"]] == [s.call_exact for s in second.scores["base"]]
    # another model is another key: nothing from the cache
    other = run_eval(
        _config(data, tmp_path / "d", _fake(tmp_path, "FAKE")).model_copy(update={"cache": cache})
    )
    assert other.cached == {}
    assert len(list(cache.glob("*.jsonl"))) == 2 and len(list(cache.glob("*.fingerprint.json"))) == 2
