"""JSON over HTTP with the standard library, for OpenAI-compatible servers: one request, or a POST
tried again with exponential backoff.

Shared by the LLM client of ``data generate`` and the ``openai`` eval backend, which differ only in what
a failure becomes (a stopped run or a rejected candidate; a failed row). A request is tried again after
a timeout, a dropped connection, nothing listening (a server still starting), HTTP 408, 409, 429 or a
5xx; any other status is final at once.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

__all__ = ["RETRY_STATUS", "GaveUp", "Retryable", "StatusError", "post_json", "send_json"]

log = logging.getLogger(__name__)

#: The statuses another try may get past (timeout, conflict, overload, a server error).
RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class StatusError(Exception):
    """An HTTP error status and the start of its body, white space folded."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(f"HTTP {code}: {detail}")
        self.code = code
        self.detail = detail


class Retryable(Exception):
    """A failure that another try may not meet; ``unreachable``: nothing answered at the address."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


class GaveUp(Exception):
    """Every try failed in a way worth another; ``last`` is the last failure, ``unreachable`` its kind."""

    def __init__(self, tries: int, last: str, *, unreachable: bool = False) -> None:
        super().__init__(f"gave up after {tries} tries: {last}")
        self.tries = tries
        self.last = last
        self.unreachable = unreachable


def send_json(
    url: str, body: dict[str, Any] | None = None, *, headers: dict[str, str], timeout_s: float
) -> Any:
    """One request (POST with ``body``, GET without) and its decoded JSON reply.

    Raises:
        StatusError: the server answered with an error status.
        Retryable: a timeout, a dropped connection, or nothing listening.
        ValueError: the reply is not JSON.

    Example:
        >>> send_json("http://127.0.0.1:9/v1/models", headers={}, timeout_s=1)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        fncall_data.httpjson.Retryable: [Errno 111] Connection refused
    """
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers=headers, method="GET" if body is None else "POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            text = response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        detail = " ".join(exc.read().decode("utf-8", errors="replace").split())[:300]
        raise StatusError(exc.code, detail) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise Retryable(f"timed out after {timeout_s:g} s") from None
        raise Retryable(str(exc.reason), unreachable=True) from None
    except TimeoutError:
        raise Retryable(f"timed out after {timeout_s:g} s") from None
    except ConnectionError as exc:  # reset or dropped mid-reply: the server is there, try again
        raise Retryable(f"{type(exc).__name__}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"the reply is not JSON: {text[:200]!r}") from None


def post_json(
    url: str,
    body: dict[str, Any],
    *,
    headers: dict[str, str],
    timeout_s: float,
    retries: int,
    backoff_s: float = 0.5,
    label: str = "",
) -> Any:
    """POST ``body`` and return the JSON reply, trying ``retries`` more times where it may help.

    The pause before another try starts at ``backoff_s`` and doubles, up to 8 s. Each failed try is
    logged as a warning under ``label`` (default: the URL).

    Raises:
        StatusError: a status that another try would not change (at once, without retrying).
        GaveUp: every try failed with a timeout, a dropped connection, nothing listening, or a status
            of :data:`RETRY_STATUS`.
        ValueError: the reply is not JSON.
    """
    last: Retryable | StatusError | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(8.0, backoff_s * 2 ** (attempt - 1)))
        try:
            return send_json(url, body, headers=headers, timeout_s=timeout_s)
        except StatusError as exc:
            if exc.code not in RETRY_STATUS:
                raise
            last = exc
        except Retryable as exc:
            last = exc
        log.warning("%s: try %d of %d failed: %s", label or url, attempt + 1, retries + 1, last)
    unreachable = isinstance(last, Retryable) and last.unreachable
    raise GaveUp(retries + 1, str(last), unreachable=unreachable)
