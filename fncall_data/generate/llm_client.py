"""A small client for OpenAI-compatible chat endpoints, with retries, a disk cache and token counts.

HTTP through :mod:`fncall_data.httpjson` (the standard library), threads in the caller for concurrency.
A request is retried with exponential backoff on a network error, a timeout, HTTP 408/409/429 or a
5xx. Three answers end the run at once with a :class:`~fncall_data.errors.FncallError` naming the URL,
because no later request can do better: nothing listens there, the key is refused (401/403), or the
URL or model does not exist (404). Anything else that fails is :class:`LLMRequestError`, which the
caller turns into a rejected candidate.

The cache keeps one small JSON file per request, named by a hash of the URL and the request body, and
written the moment the reply arrives (temporary file, then rename). A rerun with the same cache makes
no request that an earlier run finished, killed or not: that is how a long run resumes, and why a
rerun with the same seed gives the same bytes even from a server that samples.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fncall_data.errors import FncallError
from fncall_data.httpjson import GaveUp, Retryable, StatusError, post_json, send_json

__all__ = ["LLMClient", "LLMRequestError", "Reply", "Usage"]

_KEY_STATUS = frozenset({401, 403})


class LLMRequestError(Exception):
    """One request failed for good (after its retries); the candidate that needed it is rejected."""


@dataclass(frozen=True)
class Reply:
    """One answer: its text and the tokens the server counted (0 where it says nothing)."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False


@dataclass
class Usage:
    """Requests and tokens so far; tokens of cached replies are counted apart (they cost nothing now)."""

    requests: int = 0
    cached: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    def cost(self, price_in: float, price_out: float) -> float:
        """What the fresh tokens cost at these prices (per million tokens).

        Example:
            >>> Usage(prompt_tokens=2_000_000, completion_tokens=500_000).cost(0.15, 0.6)
            0.6
        """
        return round((self.prompt_tokens * price_in + self.completion_tokens * price_out) / 1e6, 6)


class LLMClient:
    """Posts chat requests to ``base_url`` (the server's ``/v1`` URL) for ``model``.

    Args:
        base_url: e.g. ``http://127.0.0.1:8000/v1``.
        model: the served model name.
        api_key: sent as a bearer token when given.
        timeout_s: seconds before one try is abandoned.
        retries: further tries after a retryable failure.
        cache_dir: where replies are kept; None keeps none.
        backoff_s: the first pause between tries; it doubles, up to 8 s.

    Example:
        >>> client = LLMClient("http://127.0.0.1:9/v1", "m", retries=0, timeout_s=1)
        >>> client.chat([{"role": "user", "content": "hi"}])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        fncall_data.errors.FncallError: cannot reach the LLM endpoint http://127.0.0.1:9/v1/chat/...
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        retries: int = 3,
        cache_dir: str | os.PathLike[str] | None = None,
        backoff_s: float = 0.5,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.cache = Path(cache_dir) if cache_dir is not None else None
        self.usage = Usage()
        self.last_error = ""
        self._lock = threading.Lock()

    def snapshot(self) -> Usage:
        """A copy of the counts so far, taken while no request updates them."""
        with self._lock:
            return dataclasses.replace(self.usage)

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        temperature: float = 0.0,
        max_tokens: int = 256,
        seed: int | None = None,
    ) -> Reply:
        """The assistant's reply to ``messages``, from the cache when it has this exact request.

        Raises:
            FncallError: the endpoint is unreachable, refuses the key, or has no such URL or model.
            LLMRequestError: this request failed otherwise (after its retries), or the reply is malformed.
        """
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        if seed is not None:
            body["seed"] = seed
        key = hashlib.sha256(json.dumps([self.chat_url, body], sort_keys=True).encode()).hexdigest()
        stored = self._read_cache(key)
        if stored is not None:
            reply = _reply(stored, cached=True)
            with self._lock:
                self.usage.cached += 1
                self.usage.cached_tokens += reply.prompt_tokens + reply.completion_tokens
            return reply
        try:
            raw = self._post(self.chat_url, body)
            reply = _reply(raw, cached=False)
        except LLMRequestError as exc:
            with self._lock:
                self.usage.failed += 1
                self.last_error = str(exc)
            raise
        self._write_cache(key, body, raw)
        with self._lock:
            self.usage.requests += 1
            self.usage.prompt_tokens += reply.prompt_tokens
            self.usage.completion_tokens += reply.completion_tokens
        return reply

    def check(self) -> list[str]:
        """Ask the endpoint which models it serves (``GET /models``): fail fast when it is down.

        Returns the served model ids, or ``[]`` when the server does not list them.

        Raises:
            FncallError: unreachable, or the key is refused.
        """
        url = f"{self.base_url}/models"
        try:
            data = send_json(url, headers=self._headers(), timeout_s=self.timeout_s)
        except Retryable as exc:
            if exc.unreachable:
                raise _unreachable(url, str(exc)) from None
            return []
        except StatusError as exc:
            if exc.code in _KEY_STATUS:
                raise self._refused(url, exc) from None
            return []  # some servers do not list models; the first real request will tell
        except ValueError:
            return []
        items = data.get("data") if isinstance(data, dict) else None
        return [str(m.get("id")) for m in items if isinstance(m, dict)] if isinstance(items, list) else []

    # --- HTTP -------------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _post(self, url: str, body: dict[str, Any]) -> Any:
        try:
            return post_json(
                url, body, headers=self._headers(), timeout_s=self.timeout_s, retries=self.retries,
                backoff_s=self.backoff_s,
            )  # fmt: skip
        except StatusError as exc:
            if exc.code in _KEY_STATUS:
                raise self._refused(url, exc) from None
            if exc.code == 404:
                raise FncallError(
                    f"the LLM endpoint {url} answered 404 (no such URL, or no model {self.model!r}): "
                    f"{exc.detail}; give the server's /v1 URL and a model it serves"
                ) from None
            raise LLMRequestError(str(exc)) from None
        except GaveUp as exc:
            if exc.unreachable:
                raise _unreachable(url, exc.last) from None
            raise LLMRequestError(str(exc)) from None
        except ValueError as exc:
            raise LLMRequestError(str(exc)) from None

    def _refused(self, url: str, exc: StatusError) -> FncallError:
        return FncallError(
            f"the LLM endpoint {url} refused the key (HTTP {exc.code}): {exc.detail}; "
            "set the variable named by --llm-key-env"
        )

    # --- cache ------------------------------------------------------------------------------------

    def _cache_path(self, key: str) -> Path | None:
        return None if self.cache is None else self.cache / key[:2] / f"{key}.json"

    def _read_cache(self, key: str) -> Any:
        path = self._cache_path(key)
        if path is None or not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))["response"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged entry is asked for again and overwritten

    def _write_cache(self, key: str, body: dict[str, Any], raw: Any) -> None:
        path = self._cache_path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({"request": body, "response": raw}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # no fsync: an entry lost in a crash is only asked for again


def _unreachable(url: str, reason: str) -> FncallError:
    return FncallError(f"cannot reach the LLM endpoint {url}: {reason}; is the server running at that URL?")


def _reply(raw: Any, *, cached: bool) -> Reply:
    try:
        message = raw["choices"][0]["message"]
        text = message.get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError):
        raise LLMRequestError(f"the reply has no choices[0].message: {json.dumps(raw)[:200]}") from None
    usage = raw.get("usage") if isinstance(raw.get("usage"), dict) else {}
    return Reply(
        str(text),
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
        cached,
    )
