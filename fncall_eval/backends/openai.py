"""``openai``: any OpenAI-compatible server (vLLM, TGI, llama.cpp server, ...), over HTTP JSON.

Requests run concurrently in threads (``GenerateConfig.concurrency``); a request that fails with a
network error, a timeout, HTTP 429 or a 5xx is retried with exponential backoff up to
``retries`` more times, then becomes a failed row. Tools go either natively (``/chat/completions``
with ``tools=``; the reply's ``tool_calls`` are kept as the raw message) or rendered by the chat
profile (``/completions`` with the profile's prompt text and stop strings; the text is read back with
the profile's ``parse``). An adapter is a model name the server serves (vLLM's ``--lora-modules``).

With ``constrained``, the request asks the server to hold calls to the tool schemas (docs/constrained.md,
per server): natively, ``tool_choice: "auto"`` with parallel calls allowed (llama.cpp's server, run
with ``--jinja``, then constrains every call it parses; vLLM only parses them); with the profile, a
structural tag in vLLM's ``structured_outputs`` (every ``<tool_call>`` the model opens is held to the
offered tools' schemas; the decision to call stays the model's).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from fncall_data.errors import FncallError
from fncall_data.httpjson import GaveUp, StatusError, post_json
from fncall_data.profiles import get_profile
from fncall_data.profiles.chat import chat_messages, chat_tools
from fncall_data.turns import evaluated_turn
from fncall_data.types import Record
from fncall_eval.backends.base import Backend, GenerateConfig
from fncall_eval.predictions import Prediction

__all__ = ["OpenAIBackend", "create", "openai_messages"]


def openai_messages(record: Record) -> list[dict[str, Any]]:
    """The messages before the evaluated turn, as the chat completions API takes them.

    Example:
        >>> r = Record(id="r", messages=[{"role": "user", "content": "hi"},
        ...     {"role": "assistant", "content": "hello"}])
        >>> openai_messages(r)
        [{'role': 'user', 'content': 'hi'}]
    """
    out = []
    for message in chat_messages(record)[: evaluated_turn(record)]:
        message = {k: v for k, v in message.items() if k != "reasoning"}  # not an API field
        if "tool_calls" in message:
            message["tool_calls"] = [
                {**c, "function": {**c["function"], "arguments": json.dumps(c["function"]["arguments"])}}
                for c in message["tool_calls"]
            ]
            message.setdefault("content", None)
        out.append(message)
    return out


class OpenAIBackend(Backend):
    """Sends one request per record to an OpenAI-compatible server."""

    def __init__(self, config: GenerateConfig, *, backoff_s: float = 0.5) -> None:
        self.config = config
        self.backoff_s = backoff_s
        self.profile = get_profile(config.profile) if config.tools == "profile" else None
        self.parse = self.profile.parse if self.profile is not None else None
        if config.constrained and self.profile is not None and self.profile.call_syntax is None:
            raise FncallError(
                f"profile {self.profile.name} has no fixed call syntax to constrain; "
                "use gemma, gemma_json, gemma_tokens or chatml, or --tools native"
            )
        self.api_key = os.environ.get(config.api_key_env)

    def _body(self, record: Record, model: str) -> tuple[str, dict[str, Any]]:
        base = self.config.base_url.rstrip("/")
        common = {
            "model": model,
            "max_tokens": self.config.max_new_tokens,
            "temperature": self.config.temperature,
        }
        if self.profile is not None:
            prompt = self.profile.prompt(record, evaluated_turn(record))
            body: dict[str, Any] = {**common, "prompt": prompt, "stop": list(self.profile.stop_strings)}
            if self.config.constrained and self.profile.call_syntax is not None and record.tools:
                from fncall_eval.constrained import structural_tag

                tag = structural_tag(record.tools, self.profile.call_syntax)
                body["structured_outputs"] = {"structural_tag": json.dumps(tag, ensure_ascii=False)}
            return f"{base}/completions", body
        body = {**common, "messages": openai_messages(record)}
        if record.tools:
            body["tools"] = chat_tools(record)
            if self.config.constrained:
                body.update(tool_choice="auto", parallel_tool_calls=True)
        return f"{base}/chat/completions", body

    def _one(self, record: Record, model: str) -> Prediction:
        started = time.perf_counter()
        try:
            url, body = self._body(record, model)
        except FncallError as exc:  # a record the profile cannot render is a failed row
            return Prediction(record.id, error=f"cannot render the prompt: {exc}")
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            reply = post_json(
                url, body, headers=headers, timeout_s=self.config.timeout_s, retries=self.config.retries,
                backoff_s=self.backoff_s, label=record.id,
            )  # fmt: skip
            return self._prediction(record.id, reply, time.perf_counter() - started)
        except StatusError as exc:
            error = f"HTTP {exc.code} from {url}: {exc.detail}"
        except (GaveUp, ValueError, KeyError, IndexError, TypeError) as exc:
            error = str(exc)
        return Prediction(record.id, error=error, seconds=time.perf_counter() - started)

    def _prediction(self, ident: str, reply: Any, seconds: float) -> Prediction:
        choice = reply["choices"][0]
        if self.profile is not None:
            return Prediction(ident, str(choice.get("text") or ""), seconds=seconds)
        message = choice["message"]
        text = message.get("content")
        if message.get("tool_calls"):
            return Prediction(ident, text, message=message, seconds=seconds)
        return Prediction(ident, text or "", seconds=seconds)

    def generate(self, records: Sequence[Record], *, adapter: str | None = None) -> Iterator[Prediction]:
        model = adapter or self.config.model
        pool = ThreadPoolExecutor(max_workers=self.config.concurrency, thread_name_prefix="fncall-openai")
        try:
            futures = [pool.submit(self._one, record, model) for record in records]
            for future in as_completed(futures):
                yield future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def create(config: GenerateConfig) -> Backend:
    """The factory registered as ``openai`` (standard library only: nothing to install)."""
    if config.decision != "greedy":
        # a server samples its own first token: the threshold cannot be applied there
        raise FncallError(
            "--decision calibrated needs the hf backend, which reads the first token's probability"
        )
    return OpenAIBackend(config)
