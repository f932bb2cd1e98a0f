"""A scripted OpenAI-compatible chat server on 127.0.0.1, stand-in LLMs, and checks of generated files."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_data.generate import load_specs
from fncall_data.generate.builders import Draft
from fncall_data.generate.spec import ToolSpec, catalog_specs
from fncall_data.generate.verify import verify_draft

#: A reply: the assistant's text, or (HTTP status, JSON body) for anything else.
Script = Callable[[dict[str, Any]], "str | tuple[int, dict[str, Any]]"]


class JsonServer:
    """A JSON-over-HTTP server on 127.0.0.1, in a thread: a subclass answers ``post`` (and ``get``).

    It counts the POST requests in flight (``max_in_flight`` shows whether a client overlapped them).
    Use it as a context manager, or ``thread.start()`` and ``close()``.
    """

    def __init__(self) -> None:
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._send(*server.get(self.path, self.headers.get("Authorization")))

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    status, reply = server.post(self.path, body, self.headers.get("Authorization"))
                finally:
                    with server.lock:
                        server.in_flight -= 1
                self._send(status, reply)

            def _send(self, status: int, reply: dict[str, Any]) -> None:
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = _Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def get(self, path: str, auth: str | None) -> tuple[int, dict[str, Any]]:
        return 404, {"error": f"no GET {path}"}

    def post(self, path: str, body: dict[str, Any], auth: str | None) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ScriptedLLM(JsonServer):
    """Serves ``/v1/chat/completions`` and ``/v1/models``; ``script`` writes each reply from the request.

    Replies carry a ``usage`` block (a token per four characters), like real servers. Requests are
    recorded; ``delay`` seconds pass before each answer, so that requests overlap. With ``key``, a
    request without that bearer key gets a 401.
    """

    def __init__(self, script: Script, *, delay: float = 0.0, key: str | None = None) -> None:
        super().__init__()
        self.script = script
        self.delay = delay
        self.key = key
        self.requests: list[dict[str, Any]] = []

    def _refused(self, auth: str | None) -> bool:
        return self.key is not None and auth != f"Bearer {self.key}"

    def get(self, path: str, auth: str | None) -> tuple[int, dict[str, Any]]:
        if self._refused(auth):
            return 401, {"error": {"message": "Incorrect API key provided"}}
        return 200, {"object": "list", "data": [{"id": "scripted", "object": "model"}]}

    def post(self, path: str, body: dict[str, Any], auth: str | None) -> tuple[int, dict[str, Any]]:
        if self._refused(auth):
            return 401, {"error": {"message": "Incorrect API key provided"}}
        with self.lock:
            self.requests.append(body)
        time.sleep(self.delay)
        out = self.script(body)
        if isinstance(out, tuple):
            return out
        prompt = sum(len(m["content"]) for m in body["messages"]) // 4
        return 200, {
            "choices": [{"index": 0, "message": {"role": "assistant", "content": out}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": len(out) // 4 + 1},
        }


class _Quiet(ThreadingHTTPServer):
    """A server that says nothing when a client hangs up first (a request it timed out on)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def asked(body: dict[str, Any]) -> str:
    """The request a rewrite prompt asks about (the text after ``Request:``), or ""."""
    found = re.search(r"Request: (.*)\Z", body["messages"][-1]["content"], re.S)
    return found.group(1) if found else ""


def tool_asked(body: dict[str, Any]) -> str:
    """The name of the tool a propose prompt is about, or ""."""
    found = re.search(r'Tool: \{"name": "(\w+)"', body["messages"][-1]["content"])
    return found.group(1) if found else ""


#: What a careful LLM proposes for the user tools of ``generate_helpers.USER_TOOLS``: new values,
#: each stated in the request as it is in the arguments.
GOOD_PROPOSALS = {
    "book_table": {
        "request": "Could you get me a table at Trattoria Sole for 3 people at 20:45?",
        "arguments": {"restaurant": "Trattoria Sole", "people": 3, "time": "20:45"},
    },
    "tip": {
        "request": "What tip should I leave on a bill of 84.5 at 20 percent?",
        "arguments": {"bill": 84.5, "percent": 20},
    },
}


def careful(body: dict[str, Any]) -> str:
    """A stand-in for a good model: rewrites keep every value; proposals state every argument."""
    name = tool_asked(body)
    if name:
        return "Sure, here it is:\n" + json.dumps(GOOD_PROPOSALS[name])
    return f"Hi there! {asked(body)} Thanks a lot."


def sloppy(body: dict[str, Any]) -> str:
    """Like :func:`careful`, but every request that names Noma loses the name, a Chez Lou one gets a
    number it never had, and a proposal whose seed is a multiple of 3 books 40 people (above the
    maximum of 12)."""
    name = tool_asked(body)
    if name == "book_table" and body["seed"] % 3 == 0:
        bad = {**GOOD_PROPOSALS[name], "arguments": {**GOOD_PROPOSALS[name]["arguments"], "people": 40}}
        return json.dumps(bad)
    text = careful(body)
    if name:
        return text
    return text.replace("Noma", "that Nordic place").replace("Chez Lou", "Chez Lou, table 77,")


def run_generate(*args: str) -> tuple[int, str, dict[str, Any]]:
    """``fncall data generate ARGS --json``: the exit code, the output, and the summary on success."""
    result = CliRunner().invoke(cli, ["data", "generate", *args, "--json"])
    summary = json.loads(result.stdout.splitlines()[-1]) if result.exit_code == 0 else {}
    return result.exit_code, result.output, summary


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def assert_all_verified(path: Path, tools: Path | None) -> list[dict[str, Any]]:
    """Every record passes `fncall data validate` and, again, the generator's own checks (grounding)."""
    checked = CliRunner().invoke(cli, ["data", "validate", str(path)])
    assert checked.exit_code == 0, checked.output
    by_name: dict[str, ToolSpec] = {s.name: s for s in catalog_specs()}
    by_name |= {s.name: s for s in load_specs(str(tools))} if tools is not None else {}
    records = rows(path)
    for record in records:
        draft = Draft(
            record["category"],
            [by_name[t["name"]] for t in record["tools"]],
            record["messages"],
            record["answers"],
            record["meta"]["tool_names"],
        )
        verified, problems = verify_draft(draft, record["id"], record["meta"])
        assert verified is not None and problems == [], (record["id"], problems)
    return records
