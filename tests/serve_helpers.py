"""A real OpenAI-compatible server for tests: ``transformers serve`` on 127.0.0.1, offline, on a folder."""

from __future__ import annotations

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
