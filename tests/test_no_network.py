"""No schema ever makes fncall issue a request: proved against a local HTTP server that counts them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.check import check_output
from fncall_data.cli.main import cli
from fncall_data.errors import FncallError
from fncall_data.schema_engine import compile_schema
from fncall_data.types import Tool
from fncall_data.validate import Toolbox, validate_value


class _Counting(BaseHTTPRequestHandler):
    requests: list[str] = []  # noqa: RUF012 -- shared on purpose: the test reads what the server saw

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = json.dumps({"type": "integer"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output quiet
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 that would serve any schema asked of it, and the paths it was asked for."""
    _Counting.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", _Counting.requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _spec(ref: str) -> dict[str, Any]:
    return {
        "name": "lookup",
        "description": "Look a code up.",
        "parameters": {"type": "object", "properties": {"code": {"$ref": ref}}, "required": ["code"]},
    }


def _call_text() -> str:
    return '<tool_call>{"name": "lookup", "arguments": {"code": "x"}}</tool_call>'


def test_the_server_answers_when_asked(server: tuple[str, list[str]]) -> None:
    # The control: the server does count a request that is really made.
    import urllib.request

    base, requests = server
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight to 127.0.0.1
    with opener.open(f"{base}/control.json") as response:
        assert json.load(response) == {"type": "integer"}
    assert requests == ["/control.json"]


def test_library_refuses_an_outside_reference_without_a_request(server: tuple[str, list[str]]) -> None:
    base, requests = server
    ref = f"{base}/code.json"
    message = f"tool 'lookup': $ref '{ref}' points outside the tool's own schema"
    with pytest.raises(FncallError, match=message.replace("$", r"\$").replace(".", r"\.")):
        Tool.model_validate(_spec(ref))
    with pytest.raises(FncallError, match="points outside the tool's own schema"):
        Toolbox([_spec(ref)])
    with pytest.raises(FncallError, match="points outside the tool's own schema"):
        check_output(_call_text(), [_spec(ref)])
    for other in ("code.json", "file:///etc/passwd", f"{base}/code.json#/x"):
        with pytest.raises(FncallError, match="points outside"):
            Tool.model_validate(_spec(other))
    with pytest.raises(FncallError, match="refers outside itself"):
        validate_value("x", {"$ref": ref})
    assert requests == []


def test_the_engine_itself_never_retrieves(server: tuple[str, list[str]]) -> None:
    # Below the Tool check: the compiled validator has retrieval turned off, for $ref and $schema.
    base, requests = server
    with pytest.raises(FncallError, match="cannot be compiled"):
        compile_schema({"properties": {"a": {"$ref": f"{base}/a.json"}}})
    with pytest.raises(FncallError, match="cannot be compiled"):
        compile_schema({"$schema": f"{base}/meta.json", "type": "object"})
    with pytest.raises(FncallError, match=r"tool 'meta': \$schema '.*/meta.json' points outside"):
        Tool(name="meta", parameters={"$schema": f"{base}/meta.json", "type": "object"})
    # An $id that names the server only sets the base URI; '#...' references stay inside.
    tool = Tool(
        name="local",
        parameters={
            "$id": f"{base}/root.json",
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/n"}},
            "$defs": {"n": {"type": "integer"}},
        },
    )
    assert [i.code for i in Toolbox([tool]).validate_call({"name": "local", "arguments": {"a": "x"}})] == [
        "wrong_type"
    ]
    assert requests == []


def test_commands_refuse_an_outside_reference_without_a_request(
    server: tuple[str, list[str]], tmp_path: Path
) -> None:
    base, requests = server
    spec = _spec(f"{base}/code.json")
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([spec]), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--tools", str(tools)], input=_call_text())
    assert result.exit_code == 2
    assert "points outside the tool's own schema" in result.output

    record = {
        "id": "r1",
        "tools": [spec],
        "messages": [
            {"role": "user", "content": "Look up x."},
            {"role": "assistant", "tool_calls": [{"name": "lookup", "arguments": {"code": "x"}}]},
        ],
    }
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["data", "validate", str(records)])
    assert result.exit_code == 1
    assert f"{records}:1: [r1] invalid_record at $.tools: tool 'lookup': $ref" in result.output
    assert requests == []
