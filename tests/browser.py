"""Headless Chromium driven through the DevTools protocol over a pipe: no driver, no extra package.

Chromium started with ``--remote-debugging-pipe`` reads protocol commands from file descriptor 3 and
writes replies and events to descriptor 4, each message a JSON text ended by a NUL byte. This module
opens one page, records everything that page logs, every exception it throws and every request it
makes, and evaluates scripts in it. Used by the report's browser test, the screenshot script and
the report benchmark.

Example:
    >>> with Browser() as browser:  # doctest: +SKIP
    ...     page = browser.open(Path("report.html").resolve().as_uri())
    ...     page.evaluate("document.title")
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["Browser", "BrowserError", "Page", "chromium_binary"]

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserError(RuntimeError):
    """The browser is missing, died, or answered a command with an error."""


def chromium_binary() -> str:
    """The Chromium to run: ``$CHROMIUM``, else the first of the usual names on PATH.

    Raises:
        BrowserError: none is installed; the message says how to install it.
    """
    named = os.environ.get("CHROMIUM")
    found = named or next((path for name in _NAMES if (path := shutil.which(name))), None)
    if not found:
        raise BrowserError(
            "no Chromium found (looked for $CHROMIUM and " + ", ".join(_NAMES) + "); "
            "`bash scripts/fetch_chromium.sh` installs Debian's chromium package"
        )
    return found


class Browser:
    """One headless Chromium process; :meth:`open` gives a :class:`Page`."""

    def __init__(self, *, width: int = 1280, height: int = 900, timeout_s: float = 60.0) -> None:
        self.width, self.height, self.timeout_s = width, height, timeout_s
        self._profile = tempfile.TemporaryDirectory(prefix="fncall-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        args = [
            chromium_binary(),
            "--headless",
            "--remote-debugging-pipe",
            "--no-sandbox",  # tests run as root in containers, where the sandbox cannot start
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--mute-audio",
            f"--user-data-dir={self._profile.name}",
            f"--window-size={width},{height}",
            "about:blank",
        ]

        def wire() -> None:
            # in the child: the pipe's ends become descriptors 3 and 4, inheritable. Moved above 10
            # first, since either may already be 3 or 4 (dup2 onto itself would keep close-on-exec).
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self._process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,
            close_fds=False,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    # --- the wire ---

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        """Send one command and wait for its reply; events that arrive meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout_s
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise BrowserError(f"no answer from Chromium in {self.timeout_s:g} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError(f"Chromium ended (exit status {self._process.poll()})")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        if "method" in message:
            self.events.append(message)
        return message

    def wait_for(self, method: str, session: str | None = None, *, since: int = 0) -> dict[str, Any]:
        """The first event named ``method`` (of ``session``) from index ``since`` on, waiting for it."""
        index = since
        while True:
            while index < len(self.events):
                event = self.events[index]
                index += 1
                if event["method"] == method and (session is None or event.get("sessionId") == session):
                    return event
            self._read()

    # --- pages ---

    def open(self, url: str) -> Page:
        """A new tab with logging, exceptions and requests recorded, once ``url`` has loaded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        page.navigate(url)
        return page

    def close(self) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self.send("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class Page:
    """One tab of a :class:`Browser`."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session
        self._start = 0

    def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self.browser.send(method, params, session=self.session)

    def navigate(self, url: str) -> float:
        """Load ``url`` and wait for its load event; returns the seconds that took."""
        self._start = len(self.browser.events)
        started = time.perf_counter()
        self.send("Page.navigate", {"url": url})
        self.browser.wait_for("Page.loadEventFired", self.session, since=self._start)
        return time.perf_counter() - started

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (awaited when it is a promise).

        Raises:
            BrowserError: the expression threw; the message is the page's.
        """
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"the page threw: {text}")
        return result["result"].get("value")

    def _events(self, method: str) -> list[dict[str, Any]]:
        return [
            e["params"]
            for e in self.browser.events[self._start :]
            if e["method"] == method and e.get("sessionId") == self.session
        ]

    def problems(self) -> list[str]:
        """What the page reported since it was loaded: console errors and warnings, uncaught
        exceptions, and the browser's own log entries at warning level or above."""
        out = []
        for call in self._events("Runtime.consoleAPICalled"):
            if call["type"] in ("error", "warning", "assert"):
                out.append(f"console.{call['type']}: " + " ".join(str(a.get("value")) for a in call["args"]))
        for thrown in self._events("Runtime.exceptionThrown"):
            details = thrown["exceptionDetails"]
            out.append("exception: " + (details.get("exception", {}).get("description") or details["text"]))
        for entry in self._events("Log.entryAdded"):
            if entry["entry"]["level"] in ("error", "warning"):
                out.append(f"log {entry['entry']['level']}: {entry['entry']['text']}")
        return out

    def requests(self) -> list[str]:
        """Every URL the page asked for since it was loaded."""
        return [r["request"]["url"] for r in self._events("Network.requestWillBeSent")]

    def screenshot(self, path: Path, *, height: int | None = None) -> Path:
        """A PNG of the page's top ``height`` CSS pixels (default: the viewport)."""
        clip = {
            "x": 0,
            "y": 0,
            "width": self.browser.width,
            "height": height or self.browser.height,
            "scale": 1,
        }
        shot = self.send(
            "Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True}
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        return path
