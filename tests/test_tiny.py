"""The tiny model: deterministic, Gemma-shaped tokenizer, single-token tags, generates."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from typing import Any

import pytest

from fncall_data.profiles import get_profile
from fncall_train.tiny import TINY_CONTROL_TOKENS, TINY_TAGS, build_tiny, build_tiny_tokenizer
from tests.profile_helpers import SIMPLE

# Pinned: the vocabulary may only change on purpose (then bump TINY_VERSION in fncall_train.models,
# so cached tiny folders are rebuilt, and update this hash).
VOCAB_SHA256 = "cc6e7929a6d3d7fe6b1e360e6237248360154d701d3ed369d0043de77d5c3112"

_CHECKSUM = (
    "import hashlib, json\n"
    "from fncall_train.tiny import build_tiny\n"
    "t = build_tiny()\n"
    "h = hashlib.sha256()\n"
    "for name, p in sorted(t.model.state_dict().items()):\n"
    "    h.update(name.encode()); h.update(p.detach().numpy().tobytes())\n"
    "print(h.hexdigest())\n"
)


def _vocab_hash(tokenizer: Any) -> str:
    return hashlib.sha256(json.dumps(sorted(tokenizer.get_vocab().items())).encode()).hexdigest()


def _weights_hash(model: Any) -> str:
    h = hashlib.sha256()
    for name, p in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(p.detach().numpy().tobytes())
    return h.hexdigest()


def test_vocabulary_is_pinned() -> None:
    assert _vocab_hash(build_tiny_tokenizer()) == VOCAB_SHA256


@pytest.mark.slow
def test_weights_are_the_same_in_another_process() -> None:
    env = {**os.environ, "PYTHONHASHSEED": "7"}
    out = subprocess.run(
        [sys.executable, "-c", _CHECKSUM], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == _weights_hash(build_tiny().model)


def test_two_builds_are_identical_and_leave_the_global_seed_alone() -> None:
    import torch

    torch.manual_seed(0)
    expected_next = torch.rand(1)
    torch.manual_seed(0)
    first = build_tiny()
    assert torch.equal(torch.rand(1), expected_next)  # build_tiny did not consume the caller's RNG
    second = build_tiny()
    assert _weights_hash(first.model) == _weights_hash(second.model)
    assert first.tokenizer.get_vocab() == second.tokenizer.get_vocab()


def test_tokenizer_is_gemma_shaped() -> None:
    tok = build_tiny_tokenizer()
    assert [tok.convert_tokens_to_ids(t) for t in TINY_CONTROL_TOKENS[:4]] == [0, 1, 2, 3]
    assert (tok.pad_token, tok.eos_token, tok.bos_token) == ("<pad>", "<eos>", "<bos>")
    for tag in (*TINY_CONTROL_TOKENS, *TINY_TAGS, *get_profile("gemma").special_tokens):
        assert len(tok(tag, add_special_tokens=False)["input_ids"]) == 1, tag
    ids = tok('{"name": "get_weather"}')["input_ids"]
    assert ids[0] == tok.bos_token_id and ids.count(tok.bos_token_id) == 1
    assert tok.decode(ids, skip_special_tokens=True) == '{"name": "get_weather"}'


def test_model_matches_the_tokenizer_and_generates() -> None:
    import torch

    tiny = build_tiny()
    config = tiny.model.config
    assert (config.model_type, config.num_hidden_layers, config.hidden_size) == ("gemma2", 2, 64)
    assert config.vocab_size == len(tiny.tokenizer)
    prompt = get_profile("gemma").prompt(SIMPLE, 1)
    batch = tiny.tokenizer(prompt, return_tensors="pt")
    with torch.no_grad():
        out = tiny.model.generate(**batch, max_new_tokens=4, do_sample=False)
    stops = tiny.model.generation_config.eos_token_id
    assert out.shape[1] == batch["input_ids"].shape[1] + 4 or out[0, -1].item() in stops
