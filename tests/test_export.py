"""GGUF export: a tiny run merged and written, reloaded by transformers, compared weight by weight,
token by token and on greedy outputs; a tiny Gemma 3 with a Gemma-shaped vocabulary; the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_data.errors import FncallError
from fncall_data.profiles import get_profile
from fncall_data.turns import evaluated_turn
from fncall_train import load_config, load_trained, train
from fncall_train.export import export_gguf, write_gguf
from fncall_train.tiny import build_tiny
from tests.gguf_helpers import build_spm_tokenizer
from tests.profile_helpers import RECORDS

DATA = Path(__file__).parent / "data" / "train_records.jsonl"
# the seed profile's tags are not in the tiny vocabulary: the run adds them, and trains their rows
ADDED = ["<tools>", "</tools>", "<tool_reponse>", "</tool_reponse>"]

pytestmark = pytest.mark.slow  # trains a tiny run (a few seconds)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "t"
    config = load_config(
        model="tiny", data=DATA, output_dir=out, cache_dir=tmp_path_factory.mktemp("models"), device="cpu",
        profile="seed", max_steps=2, save_steps=2, max_length=1024, learning_rate=0.05,
    )  # fmt: skip
    assert train(config).new_tokens == ADDED
    return out


@pytest.fixture(scope="module")
def merged(run: Path) -> Any:
    trained = load_trained(run, dtype="float32", device="cpu")
    return trained.model.merge_and_unload(), trained.tokenizer


@pytest.fixture(scope="module")
def f16(run: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return export_gguf(run, tmp_path_factory.mktemp("export") / "t.gguf")


def _reload(path: Path) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
    return model.eval(), tokenizer


def _assert_f16_copy(reloaded: Any, model: Any) -> None:
    """Matrices are the model's rounded to float16, exactly; norms (kept float32) within its rounding."""
    got = reloaded.state_dict()
    for name, tensor in model.state_dict().items():
        if tensor.dim() == 1:  # stored as 1 + weight and read back as that minus 1
            assert torch.allclose(got[name], tensor, rtol=0, atol=1e-6), name
        else:
            assert torch.equal(got[name], tensor.half().float()), name


def _prompts(tokenizer: Any) -> list[str]:
    profile = get_profile("seed")
    return [profile.prompt(r, evaluated_turn(r)) for r in RECORDS]


def _greedy(model: Any, tokenizer: Any, prompts: list[str], tokens: int = 12) -> list[list[int]]:
    out = []
    for prompt in prompts:
        ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            generated = model.generate(ids, max_new_tokens=tokens, do_sample=False, pad_token_id=0)
        out.append(generated[0, ids.shape[1] :].tolist())
    return out


def test_f16_file_holds_the_merged_model_and_its_tokenizer(f16: Any, merged: Any) -> None:
    model, run_tokenizer = merged
    assert (f16.architecture, f16.quant, f16.tensors, f16.added_tokens) == ("gemma2", "f16", 24, ADDED)
    reloaded, tokenizer = _reload(f16.path)
    _assert_f16_copy(reloaded, model)
    # the added tags' trained rows travel with the file: they moved away from their starting rows
    embedding = model.get_input_embeddings().weight
    start = build_tiny().model.get_input_embeddings().weight.mean(dim=0)
    for tag in ADDED:
        row = run_tokenizer.convert_tokens_to_ids(tag)
        assert tokenizer.convert_tokens_to_ids(tag) == row
        assert not torch.allclose(embedding[row], start, atol=1e-3), tag
    # every token keeps its id, and the prompts (the added tags in them) encode to the same tokens
    vocab = tokenizer.get_vocab()
    assert all(vocab[token] == index for token, index in run_tokenizer.get_vocab().items())
    prompts = _prompts(run_tokenizer)
    for prompt in prompts:
        assert tokenizer(prompt)["input_ids"] == run_tokenizer(prompt)["input_ids"]
    # greedy outputs equal those of the merged model with float16-rounded weights
    model_f16 = type(model)(model.config).eval()
    model_f16.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})
    expected = _greedy(model_f16, run_tokenizer, prompts)
    assert _greedy(reloaded, tokenizer, prompts) == expected
    assert len({tuple(tokens) for tokens in expected}) > 1  # the answers depend on the prompt


def test_the_file_renders_the_runs_prompts_with_its_template(f16: Any, merged: Any) -> None:
    _, run_tokenizer = merged
    _, tokenizer = _reload(f16.path)
    assert "generation %}" in run_tokenizer.chat_template and "generation %}" not in tokenizer.chat_template
    profile = get_profile("seed")
    for record in RECORDS:
        messages, tools = profile.chat_messages(record), profile.chat_tools(record)
        for end in range(1, len(messages) + 1):
            expected = run_tokenizer.apply_chat_template(
                messages[:end], tools=tools, tokenize=False, add_generation_prompt=True
            )
            got = tokenizer.apply_chat_template(
                messages[:end], tools=tools, tokenize=False, add_generation_prompt=True
            )
            assert got == expected, (record.id, end)


def test_q8_0_file_is_about_half_and_within_half_a_step(
    run: Path, f16: Any, merged: Any, tmp_path: Path
) -> None:
    model, _ = merged
    result = export_gguf(run, tmp_path / "q.gguf", quant="q8_0", modelfile=False)
    assert result.modelfile is None and not (tmp_path / "q.Modelfile").exists()
    # 34 bytes per block of 32 weights instead of 64; the vocabulary is the same in both files
    assert 0.5 < result.size_bytes / f16.size_bytes < 0.65
    reloaded, _ = _reload(result.path)
    got = reloaded.state_dict()
    for name, tensor in model.state_dict().items():
        if tensor.dim() == 1:
            assert torch.allclose(got[name], tensor, rtol=0, atol=1e-6), name
            continue
        blocks = tensor.reshape(-1, 32)
        step = blocks.abs().amax(dim=1, keepdim=True) / 127  # the block's scale
        # rounding costs half a step; storing the scale as float16 costs 127 * 2**-11 steps at most
        assert bool(((got[name].reshape(-1, 32) - blocks).abs() <= 0.57 * step).all()), name


def test_a_gemma3_model_with_a_gemma_shaped_vocabulary_round_trips(tmp_path: Path) -> None:
    import gguf
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    tokenizer = build_spm_tokenizer()
    config = Gemma3TextConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, head_dim=32,
        max_position_embeddings=4096, sliding_window=128, pad_token_id=0, eos_token_id=1, bos_token_id=2,
    )  # fmt: skip
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = Gemma3ForCausalLM(config).eval()
        with torch.no_grad():  # norms start at zero; random ones show the stored 1 + weight is undone
            for name, parameter in model.named_parameters():
                if name.endswith("norm.weight"):
                    parameter.normal_(0, 0.2)
    profile = get_profile("gemma")
    path = tmp_path / "g3.gguf"
    result = write_gguf(
        model, tokenizer, path, chat_template=profile.chat_template(), end_of_turn="<end_of_turn>", name="g3"
    )
    assert (result.architecture, result.tensors) == ("gemma3", 2 + 2 * 13)
    fields = gguf.GGUFReader(path).fields
    assert fields["tokenizer.ggml.model"].contents() == "llama"
    end_of_turn = tokenizer.convert_tokens_to_ids("<end_of_turn>")
    # the end of a turn is the end of the sequence too, so transformers stops there as llama.cpp does
    assert fields["tokenizer.ggml.eot_token_id"].contents() == end_of_turn
    assert fields["tokenizer.ggml.eos_token_id"].contents() == end_of_turn
    types = fields["tokenizer.ggml.token_type"].contents()
    assert [types.count(kind) for kind in (3, 6)] == [12, 256]  # control tokens and byte fallbacks
    assert types.count(1) == len(tokenizer) - 12 - 256
    reloaded, read = _reload(path)
    assert reloaded.generation_config.eos_token_id == end_of_turn
    _assert_f16_copy(reloaded, model)
    assert all(read.get_vocab()[token] == index for token, index in tokenizer.get_vocab().items())
    prompts = [profile.prompt(r, evaluated_turn(r)) for r in RECORDS]
    for prompt in prompts:
        assert read(prompt)["input_ids"] == tokenizer(prompt)["input_ids"], prompt
    model_f16 = Gemma3ForCausalLM(config).eval()
    model_f16.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})
    expected = _greedy(model_f16, tokenizer, prompts)
    assert _greedy(reloaded, read, prompts) == expected
    assert len({tuple(tokens) for tokens in expected}) > 1  # the answers depend on the prompt


def test_other_architectures_and_quantisations_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from tests.gguf_helpers import write_tiny_gguf

    qwen = write_tiny_gguf(tmp_path / "q.gguf")
    with pytest.raises(
        FncallError, match=r"^qwen: the model is 'qwen2'; GGUF export writes Gemma 2 and Gemma 3"
    ):
        write_gguf(qwen, build_tiny().tokenizer, tmp_path / "out.gguf", name="qwen")
    with pytest.raises(FncallError, match=r"^unknown quantisation 'q4_k'; use one of f16, q8_0$"):
        write_gguf(build_tiny().model, build_tiny().tokenizer, tmp_path / "out.gguf", quant="q4_k")  # type: ignore[arg-type]
    real = importlib.util.find_spec

    def without_gguf(name: str, *rest: Any) -> Any:
        return None if name == "gguf" else real(name, *rest)

    monkeypatch.setattr(importlib.util, "find_spec", without_gguf)
    with pytest.raises(FncallError, match=r"^GGUF export needs the gguf package: pip install \S+\[demo\]"):
        write_gguf(build_tiny().model, build_tiny().tokenizer, tmp_path / "out.gguf")
    assert not list(tmp_path.glob("*out.gguf*"))


def test_cli_exports_and_names_what_it_cannot_export(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli" / "t-q8.gguf"
    result = CliRunner().invoke(cli, ["train", "export", str(run), "--quant", "q8_0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (gemma2, q8_0, " in result.output  # after the libraries' progress bars
    assert f"\nOllama: ollama create NAME -f {out.with_suffix('.Modelfile')}\n" in result.output
    modelfile = (tmp_path / "cli" / "t-q8.Modelfile").read_text()
    assert "FROM ./t-q8.gguf\n" in modelfile and 'TEMPLATE """{{ .Prompt }}"""' in modelfile
    # a run on another architecture: one line, exit 2, before any model is loaded
    base = tmp_path / "qwen"
    base.mkdir()
    (base / "config.json").write_text(json.dumps({"model_type": "qwen2"}))
    (tmp_path / "other" / "adapter").mkdir(parents=True)
    (tmp_path / "other" / "adapter" / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": str(base)})
    )
    bad = CliRunner().invoke(
        cli, ["train", "export", str(tmp_path / "other"), "-o", str(tmp_path / "x.gguf")]
    )
    assert bad.exit_code == 2
    assert bad.output == (
        f"error: {tmp_path / 'other'}: its base model {base} is 'qwen2'; GGUF export writes Gemma 2 and "
        "Gemma 3 text models (gemma2, gemma3_text)\n"
    )
    assert not (tmp_path / "x.gguf").exists()
