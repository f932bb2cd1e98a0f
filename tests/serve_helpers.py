"""A real OpenAI-compatible server for tests: ``transformers serve`` on 127.0.0.1, offline, on a folder."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: A Gemma-style chat template (system text as a user turn, as Gemma 1-3 have no system role). The
#: tiny tokenizer has none, and a chat server needs one to turn messages into a prompt.
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}"
    "<start_of_turn>{{ 'model' if m['role'] == 'assistant' else 'user' }}\n"
    "{{ m['content'] | trim }}<end_of_turn>\n"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def save_tiny_for_serving(folder: Path) -> Path:
    """The tiny model of :mod:`fncall_train.tiny`, saved with a chat template, for a server to load."""
    from fncall_train.tiny import build_tiny

    tiny = build_tiny()
    tiny.tokenizer.chat_template = GEMMA_CHAT_TEMPLATE
    tiny.model.save_pretrained(os.fspath(folder))
    tiny.tokenizer.save_pretrained(os.fspath(folder))
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def transformers_serve(folder: Path, log: Path, *, wait_s: float = 300.0) -> Iterator[str]:
    """Run ``transformers serve FOLDER`` (CPU, eager attention, offline) and yield its ``/v1`` URL.

    Eager attention is Gemma 2's own (its attention logits are soft-capped), the one the ``hf``
    backend runs too, so that both compute the same numbers. The server's output goes to ``log``.
    """
    port = _free_port()
    command = [
        sys.executable, "-c", "from transformers.cli.transformers import main; main()",
        "serve", os.fspath(folder), "--host", "127.0.0.1", "--port", str(port),
        "--device", "cpu", "--attn-implementation", "eager",
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"transformers serve did not start (exit {process.poll()}):\n{tail}")
            time.sleep(0.25)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def save_parrot_for_serving(folder: Path, sentence: str) -> Path:
    """A tiny Gemma 2 wired to answer every chat prompt with ``sentence``, saved for a server to load.

    A random tiny model writes noise, which the checks always refuse; this one writes a real request,
    so that a test through a real server sees a rewrite taken and rewrites refused for what they say.
    Its tokenizer has a token per word of ``sentence`` (split at spaces; the words must differ),
    ``model`` and Gemma's control tokens, and reads any other word as ``<unk>``. Its layers add
    nothing to the residual stream (zero output projections), so the logits depend on the last token
    only, and the output head maps each word to the next: ``model`` (the end of the generation
    prompt) to the first word, the last word to ``<end_of_turn>``.
    """
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import Gemma2Config, Gemma2ForCausalLM, PreTrainedTokenizerFast

    from fncall_train.tiny import TINY_CONTROL_TOKENS

    words = sentence.split()
    assert len(set(words)) == len(words), "the words of the sentence must differ"
    vocab = {token: i for i, token in enumerate([*TINY_CONTROL_TOKENS, "model", *words])}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=core, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>",
        additional_special_tokens=["<start_of_turn>", "<end_of_turn>"],
    )  # fmt: skip
    tokenizer.chat_template = GEMMA_CHAT_TEMPLATE
    size = 64
    config = Gemma2Config(
        vocab_size=len(vocab), hidden_size=size, intermediate_size=2 * size, num_hidden_layers=1,
        num_attention_heads=4, num_key_value_heads=2, head_dim=size // 4, max_position_embeddings=4096,
        sliding_window=256, pad_token_id=0, bos_token_id=2, eos_token_id=1, tie_word_embeddings=False,
    )  # fmt: skip
    model = Gemma2ForCausalLM(config)
    chain = ["model", *words, "<end_of_turn>"]
    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        model.model.norm.weight.zero_()  # Gemma's norm scales by 1 + weight
        model.model.embed_tokens.weight.copy_(torch.eye(len(vocab), size))  # a word is its own direction
        head = torch.zeros(len(vocab), size)
        head[vocab["<end_of_turn>"]] = 1.0  # any word not in the chain ends the turn
        for word, following in itertools.pairwise(chain):
            head[vocab["<end_of_turn>"], vocab[word]] = 0.0
            head[vocab[following], vocab[word]] = 10.0
        model.lm_head.weight.copy_(head)
    model.generation_config.eos_token_id = [1, vocab["<end_of_turn>"]]
    model.save_pretrained(os.fspath(folder))
    tokenizer.save_pretrained(os.fspath(folder))
    return folder
