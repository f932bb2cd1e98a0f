"""The openai backend against a real HTTP server on 127.0.0.1 that the test starts in a thread."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fncall_eval.backends import GenerateConfig, create_backend
from fncall_eval.backends.openai import OpenAIBackend, openai_messages
from fncall_eval.run import RunConfig, run_eval
from tests.eval_helpers import HAND_RECORDS, record, write_hand_set
from tests.llm_helpers import JsonServer


class FakeServer(JsonServer):
    """Answers like an OpenAI-compatible server; records requests, fails or stalls when told to."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, dict[str, Any], str | None]] = []
        self.fail_first: dict[str, int] = {}  # user text -> how many 503s before succeeding
        self.stall: set[str] = set()  # user texts whose request never answers in time
        self.bad_request: set[str] = set()

    def post(self, path: str, body: dict[str, Any], auth: str | None) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests.append((path, body, auth))
        return self.answer(path, body)

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        key = (
            body["prompt"]
            if path.endswith("/completions") and "prompt" in body
            else body["messages"][-1]["content"]
        )
        time.sleep(0.05)  # long enough for requests to overlap
        if any(s in key for s in self.stall):
            time.sleep(0.8)
        with self.lock:
            left = next((k for k in self.fail_first if k in key and self.fail_first[k] > 0), None)
            if left is not None:
                self.fail_first[left] -= 1
                return 503, {"error": "overloaded"}
        if any(s in key for s in self.bad_request):
            return 400, {"error": {"message": "bad tools"}}
        if path == "/v1/completions":
            return 200, {
                "choices": [{"text": '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}'}]
            }
        if "Paris" in key:
            call = {
                "id": "x1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
            return 200, {
                "choices": [{"message": {"role": "assistant", "content": None, "tool_calls": [call]}}]
            }
        return 200, {"choices": [{"message": {"role": "assistant", "content": "I cannot help with that."}}]}


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    with fake:
        yield fake


def test_native_tools_concurrency_and_scoring(server: FakeServer, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("FNCALL_TEST_KEY", "sk-test")
    data, _ = write_hand_set(tmp_path)
    config = RunConfig(
        data=data,
        out=tmp_path / "run",
        backend="openai",
        generate=GenerateConfig(
            model="served-base", base_url=server.url, concurrency=4, api_key_env="FNCALL_TEST_KEY"
        ),
        adapters=("my-lora",),
        n_boot=20,
    )
    result = run_eval(config)
    assert len(server.requests) == 12
    assert server.max_in_flight > 1
    path, body, auth = server.requests[0]
    assert (path, auth) == ("/v1/chat/completions", "Bearer sk-test")
    assert body["tools"][0] == {"type": "function", "function": HAND_RECORDS[0].tools[0].model_dump()}
    assert {b["model"] for _, b, _ in server.requests} == {"served-base", "my-lora"}
    lines = [
        json.loads(x) for x in (tmp_path / "run" / "predictions" / "base.jsonl").read_text().splitlines()
    ]
    assert sorted(x["id"] for x in lines) == sorted(r.id for r in HAND_RECORDS)
    s1 = next(s for s in result.scores["base"] if s.id == "s1")
    assert (s1.call_exact, s1.status) == (False, "no_call")  # the question has no "Paris": a text answer


def test_retries_then_succeeds_and_timeout_becomes_a_failed_row(server: FakeServer) -> None:
    questions = {"s1": "Paris weather?", "s2": "slow one", "p1": "flaky Paris"}
    records = [record(k, "simple", content="x", question=q) for k, q in questions.items()]
    server.fail_first = {"flaky": 2}
    server.stall = {"slow"}
    backend = OpenAIBackend(
        GenerateConfig(model="m", base_url=server.url, timeout_s=0.25, retries=2, concurrency=3),
        backoff_s=0.01,
    )
    by_id = {p.id: p for p in backend.generate(records)}
    assert (
        by_id["s1"].message is not None
        and by_id["s1"].message["tool_calls"][0]["function"]["name"] == "get_weather"
    )
    assert by_id["p1"].message is not None and by_id["p1"].error is None  # two 503s, then an answer
    assert by_id["s2"].error is not None and by_id["s2"].error.startswith("gave up after 3 tries: ")
    flaky = [b for _, b, _ in server.requests if "flaky" in b["messages"][-1]["content"]]
    assert len(flaky) == 3


def test_client_error_is_not_retried(server: FakeServer) -> None:
    server.bad_request = {"Help"}
    backend = create_backend("openai", GenerateConfig(model="m", base_url=server.url, retries=3))
    (prediction,) = list(backend.generate(HAND_RECORDS[:1]))
    assert prediction.error is not None and prediction.error.startswith("HTTP 400 from ")
    assert len(server.requests) == 1


def test_profile_rendered_prompt_uses_completions(server: FakeServer) -> None:
    backend = create_backend(
        "openai", GenerateConfig(model="m", base_url=server.url, tools="profile", profile="gemma")
    )
    (prediction,) = list(backend.generate(HAND_RECORDS[:1]))
    path, body, _ = server.requests[0]
    assert path == "/v1/completions"
    assert body["prompt"].endswith("<start_of_turn>model\n")
    assert body["stop"] == ["<end_of_turn>", "<start_of_turn>", "<tool_response>"]
    assert backend.parse is not None
    assert backend.parse(prediction.text or "").calls[0].arguments == {"city": "Paris"}


def test_constrained_requests_carry_the_schemas_the_way_servers_take_them(server: FakeServer) -> None:
    from fncall_eval.constrained import closed_objects

    for tools in ("native", "profile"):
        config = GenerateConfig(model="m", base_url=server.url, tools=tools, constrained=True)
        list(create_backend("openai", config).generate(HAND_RECORDS[:1]))
    (_, native, _), (_, profile, _) = server.requests
    # llama.cpp (--jinja) constrains calls for tool_choice auto; parallel calls must be allowed
    assert (native["tool_choice"], native["parallel_tool_calls"]) == ("auto", True)
    assert "structured_outputs" not in native
    # vLLM: a structural tag, one structure per tool, triggered by the profile's call tag
    weather, currency = HAND_RECORDS[0].tools
    assert json.loads(profile["structured_outputs"]["structural_tag"]) == {
        "type": "structural_tag",
        "structures": [
            {"begin": '<tool_call>{"name": "get_weather", "arguments": ',
             "schema": closed_objects(weather.parameters), "end": "}</tool_call>"},
            {"begin": '<tool_call>{"name": "convert_currency", "arguments": ',
             "schema": closed_objects(currency.parameters), "end": "}</tool_call>"},
        ],
        "triggers": ["<tool_call>"],
    }  # fmt: skip
    assert "tool_choice" not in profile


def test_openai_messages_stringify_arguments() -> None:
    from fncall_data.types import Record

    record = Record.model_validate(
        {
            "id": "mt",
            "messages": [
                {"role": "user", "content": "Paris?"},
                {
                    "role": "assistant",
                    "reasoning": "r",
                    "tool_calls": [{"id": "c1", "name": "w", "arguments": {"a": 1}}],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "14"},
                {"role": "user", "content": "And Rome?"},
                {"role": "assistant", "content": "Let me check."},
            ],
        }
    )
    assert openai_messages(record) == [
        {"role": "user", "content": "Paris?"},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "w", "arguments": '{"a": 1}'}}
            ],
            "content": None,
        },
        {"role": "tool", "content": "14", "tool_call_id": "c1", "name": "w"},
        {"role": "user", "content": "And Rome?"},
    ]


def test_a_record_the_profile_cannot_render_is_a_failed_row(server: FakeServer) -> None:
    from fncall_data.types import Record

    odd = Record.model_validate(
        {
            "id": "odd",
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "system", "content": "late system text"},
                {"role": "assistant", "content": "hello"},
            ],
        }
    )
    backend = create_backend("openai", GenerateConfig(model="m", base_url=server.url, tools="profile"))
    (prediction,) = list(backend.generate([odd]))
    assert prediction.error is not None and prediction.error.startswith("cannot render the prompt: ")
    assert server.requests == []
