"""LLM-assisted generation against a scripted OpenAI-compatible server: what is kept is verified, what
fails is a reject with its reason, the bytes do not depend on timing, a killed run resumes from its
cache, and a dead endpoint or a refused key is one line naming the URL."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_data.generate import (
    GenerateConfig,
    LLMConfig,
    LLMProgress,
    generate,
    generate_with_llm,
)
from fncall_data.generate.llm import _key
from fncall_data.generate.llm_prompts import clean_reply, json_object, rewrite_problems, text_problems

from .generate_helpers import USER_TOOLS
from .llm_helpers import (
    GOOD_PROPOSALS,
    ScriptedLLM,
    asked,
    assert_all_verified,
    careful,
    rows,
    run_generate,
    sloppy,
)


@pytest.fixture
def tools(tmp_path: Path) -> Path:
    path = tmp_path / "my_tools.py"
    path.write_text(USER_TOOLS)
    return path


def test_a_careful_llm_rewrites_and_proposes_and_every_record_is_verified(
    tmp_path: Path, tools: Path
) -> None:
    out = tmp_path / "d.jsonl"
    with ScriptedLLM(careful, delay=0.01) as server:
        code, output, summary = run_generate(
            "--tools", str(tools), "--n", "30", "--seed", "4", "-o", str(out),
            "--llm", server.url, "--llm-model", "scripted", "--llm-propose", "0.5", "--llm-concurrency", "4",
            "--llm-price", "1,2",
        )  # fmt: skip
    assert code == 0, output
    records = assert_all_verified(out, tools)
    llm = summary["llm"]
    assert len(records) == 30 and summary["records"] == 30
    by_task = {"rewrite": 0, "propose": 0}
    for record in records:
        task = record["meta"].get("llm", {}).get("task")
        users = [m["content"] for m in record["messages"] if m["role"] == "user"]
        if task == "rewrite":
            assert all(u.startswith("Hi there! ") and u.endswith(" Thanks a lot.") for u in users)
            assert record["meta"]["llm"]["model"] == "scripted" and len(
                record["meta"]["llm"]["styles"]
            ) == len(users)
        elif task == "propose":
            call = next(m for m in record["messages"] if m.get("tool_calls"))["tool_calls"][0]
            assert users == [GOOD_PROPOSALS[call["name"]]["request"]]
            assert call["arguments"] == GOOD_PROPOSALS[call["name"]]["arguments"]
        else:  # the slot kept its offline record: only a repeated proposal is refused by this LLM
            assert not any(u.startswith("Hi there!") for u in users)
        if task:
            by_task[task] += 1
    assert by_task == {"rewrite": llm["rewrite"]["accepted"], "propose": llm["propose"]["accepted"]}
    assert (
        llm["accepted"]
        == sum(by_task.values())
        == llm["records_worked"] - llm["rejects_by_reason"].get("duplicate", 0)
    )
    assert by_task["rewrite"] >= 15 and by_task["propose"] >= 2
    # the scripted LLM proposes the same call for a tool every time: only one per set of offered tools
    # is kept, and the file holds no two records alike
    assert len({_key(r) for r in records}) == 30
    proposed = {(tuple(sorted(t["name"] for t in r["tools"])), r["meta"]["tool_names"][0]) for r in records
                if r["meta"].get("llm", {}).get("task") == "propose"}  # fmt: skip
    assert len(proposed) == by_task["propose"]
    assert llm["requests"] == len(server.requests) and llm["cached_requests"] == 0
    assert llm["prompt_tokens"] > 0 and llm["cost"] == round(
        (llm["prompt_tokens"] + 2 * llm["completion_tokens"]) / 1e6, 6
    )
    assert server.max_in_flight > 1
    assert {r["seed"] for r in server.requests} and all(r["model"] == "scripted" for r in server.requests)


def test_bad_rewrites_and_proposals_land_in_rejects_and_never_in_the_file(
    tmp_path: Path, tools: Path
) -> None:
    out = tmp_path / "d.jsonl"
    with ScriptedLLM(sloppy) as server:
        code, output, summary = run_generate(
            "--tools", str(tools), "--n", "24", "--seed", "2", "-o", str(out), "--mix", "simple=1",
            "--llm", server.url, "--llm-model", "scripted", "--llm-propose", "0.5", "--llm-attempts", "3",
        )  # fmt: skip
    assert code == 0, output
    records = assert_all_verified(out, tools)
    text = out.read_text()
    assert "Nordic" not in text and "77" not in text and '"people": 40' not in text
    rejects = [r for r in rows(tmp_path / "d.rejects.jsonl") if "task" in r]
    reasons = {r["reason"] for r in rejects}
    assert {"ungrounded_value", "llm_new_number", "check_above_maximum"} <= reasons
    for row in rejects:
        assert row["llm_text"] and {"slot", "attempt", "category", "detail"} <= set(row)
        if row["reason"] == "ungrounded_value":  # the value the rewrite lost, and the rewrite itself
            assert row["detail"] == "book_table: restaurant='Noma'" and "Nordic" in row["llm_text"][-1]
        if row["reason"] == "llm_new_number":
            assert row["detail"] == "numbers the original does not say: 77"
    assert summary["llm"]["rejects_by_reason"]["ungrounded_value"] == sum(
        r["reason"] == "ungrounded_value" for r in rejects
    )
    kept_offline = [r for r in records if "llm" not in r["meta"]]
    assert any("Noma" in r["messages"][1]["content"] for r in kept_offline)  # its tries failed: offline form


def test_a_proposal_replaces_only_the_scored_request_of_a_stacked_record(tmp_path: Path, tools: Path) -> None:
    config = GenerateConfig(n=8, seed=6, requests=3, mix={"simple": 0.5, "multiple": 0.5})
    with ScriptedLLM(careful) as server:
        llm = LLMConfig(url=server.url, model="m", propose=1.0, cache_dir=str(tmp_path / "cache"))
        result = generate_with_llm(config, llm, str(tools))
    out = tmp_path / "d.jsonl"
    out.write_text("".join(line + "\n" for line in result.lines))
    records = assert_all_verified(out, tools)
    offline = [json.loads(line) for line in generate(config, str(tools)).lines]
    proposed = [(r, o) for r, o in zip(records, offline, strict=True) if r["meta"].get("llm")]
    assert proposed
    for record, before in proposed:
        last = max(i for i, m in enumerate(before["messages"]) if m["role"] == "user")
        assert last > 1  # stacked: earlier requests come first
        assert record["messages"][:last] == before["messages"][:last]
        call = record["messages"][last + 1]["tool_calls"][0]
        assert record["messages"][last]["content"] == GOOD_PROPOSALS[call["name"]]["request"]
        ids = [c["id"] for m in record["messages"] for c in m.get("tool_calls") or ()]
        assert ids == [f"c{i}" for i in range(1, len(ids) + 1)]
        assert record["meta"]["tool_names"][:-1] == before["meta"]["tool_names"][:-1]
        (answer,) = record["answers"]  # the scored turn's call is the proposed one
        assert answer["name"] == call["name"]
        assert all(value in answer["arguments"][name] for name, value in call["arguments"].items())


def _api_run(url: str, tools: Path, cache: Path, concurrency: int, n: int = 16) -> tuple[list[str], Any]:
    llm = LLMConfig(url=url, model="scripted", cache_dir=str(cache), concurrency=concurrency, propose=0.5)
    result = generate_with_llm(GenerateConfig(n=n, seed=9), llm, str(tools))
    return result.lines, result.summary()["llm"]


def test_the_bytes_depend_on_the_replies_only_and_a_cached_rerun_asks_nothing(
    tmp_path: Path, tools: Path
) -> None:
    with ScriptedLLM(sloppy, delay=0.005) as server:
        one, first = _api_run(server.url, tools, tmp_path / "c1", concurrency=1)
        sent = len(server.requests)
        many, _ = _api_run(server.url, tools, tmp_path / "c8", concurrency=8)
        assert many == one and len(server.requests) == 2 * sent
        again, second = _api_run(server.url, tools, tmp_path / "c8", concurrency=3)
    assert again == one and len(server.requests) == 2 * sent  # all from the cache
    assert (second["requests"], second["cached_requests"]) == (0, first["requests"])
    offline = generate(GenerateConfig(n=16, seed=9), str(tools)).lines
    assert sum(a != b for a, b in zip(one, offline, strict=True)) == first["accepted"] > 0


def test_a_killed_run_resumes_from_its_cache_and_writes_what_an_unbroken_run_writes(
    tmp_path: Path, tools: Path
) -> None:
    args = [
        "--tools",
        str(tools),
        "--n",
        "12",
        "--seed",
        "5",
        "--llm-model",
        "scripted",
        "--llm-concurrency",
        "2",
    ]
    with ScriptedLLM(careful, delay=0.15) as server:
        command = [sys.executable, "-c", "from fncall_data.cli.main import main; main()", "data", "generate"]
        cut = tmp_path / "cut.jsonl"
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        process = subprocess.Popen(
            [*command, *args, "-o", str(cut), "--llm", server.url],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(server.requests) < 6 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        before = len(server.requests)
        assert before >= 6 and not cut.exists()  # killed mid-run: no half-written output
        code, output, resumed = run_generate(*args, "-o", str(cut), "--llm", server.url)
        assert code == 0, output
        total = resumed["llm"]["requests"] + resumed["llm"]["cached_requests"]
        assert resumed["llm"]["cached_requests"] >= 4
        whole = tmp_path / "whole.jsonl"
        code, output, unbroken = run_generate(*args, "-o", str(whole), "--llm", server.url)
    assert code == 0, output
    assert unbroken["llm"]["requests"] == total and unbroken["llm"]["cached_requests"] == 0
    assert cut.read_bytes() == whole.read_bytes()


def test_retries_then_a_timeout_that_becomes_a_reject(tmp_path: Path, tools: Path) -> None:
    failures: dict[str, int] = {}

    def flaky(body: dict[str, Any]) -> str | tuple[int, dict[str, Any]]:
        text = asked(body)
        if "Chez Lou" in text:
            time.sleep(1.0)  # longer than the timeout, every time
        elif "Noma" in text and failures.setdefault(text, 0) < 2:
            failures[text] += 1
            return 503, {"error": "overloaded"}
        return careful(body)

    llm = LLMConfig(url="", model="m", timeout_s=0.3, retries=2, propose=0.0, concurrency=4)
    with ScriptedLLM(flaky) as server:
        llm = llm.model_copy(update={"url": server.url})
        config = GenerateConfig(n=10, seed=1, mix={"simple": 1.0}, requests=1)  # one request a record
        result = generate_with_llm(config, llm, str(tools))
    noma = [json.loads(x) for x in result.lines if "Noma" in x]
    assert noma and all(r["meta"]["llm"]["task"] == "rewrite" for r in noma)  # after two 503s each
    assert failures and all(count == 2 for count in failures.values())
    lou = [r for r in result.rejects if r.get("task") and r["reason"] == "llm_error"]
    assert lou and all(r["detail"] == "gave up after 3 tries: timed out after 0.3 s" for r in lou)
    assert all("llm" not in json.loads(x)["meta"] for x in result.lines if "Chez Lou" in x)


def test_a_dead_endpoint_a_refused_key_and_a_missing_model_are_one_line_naming_the_url(
    tmp_path: Path, tools: Path, monkeypatch: Any
) -> None:
    dead = "http://127.0.0.1:9/v1"
    base = ["--tools", str(tools), "--n", "4", "-o", str(tmp_path / "d.jsonl"), "--llm-model", "m"]
    result = CliRunner().invoke(cli, ["data", "generate", *base, "--llm", dead, "--llm-retries", "0"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: cannot reach the LLM endpoint {dead}/models: [Errno 111] Connection refused; "
        "is the server running at that URL?"
    ]
    monkeypatch.setenv("MY_KEY", "sk-wrong")
    with ScriptedLLM(careful, key="sk-right") as server:
        result = CliRunner().invoke(
            cli, ["data", "generate", *base, "--llm", server.url, "--llm-key-env", "MY_KEY"]
        )
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith(
            f"error: the LLM endpoint {server.url}/models refused the key (HTTP 401)"
        )
        monkeypatch.setenv("MY_KEY", "sk-right")
        code, output, _ = run_generate(*base, "--llm", server.url, "--llm-key-env", "MY_KEY")
        assert code == 0, output
    (tmp_path / "d.jsonl").unlink()
    with ScriptedLLM(lambda body: (404, {"error": {"message": "model 'm' not found"}})) as server:
        result = CliRunner().invoke(cli, ["data", "generate", *base, "--llm", server.url])
    # found once the run is under way: the last line of standard error, after the progress bar's
    last = result.stderr.strip().splitlines()[-1]
    assert result.exit_code == 2
    assert last.startswith(f"error: the LLM endpoint {server.url}/chat/completions answered 404")
    assert "model 'm' not found" in last and not (tmp_path / "d.jsonl").exists()
    with ScriptedLLM(lambda body: (400, {"detail": "this server takes no system messages"})) as server:
        result = CliRunner().invoke(cli, ["data", "generate", *base, "--n", "30", "--llm", server.url])
    last = result.stderr.strip().splitlines()[-1]
    assert result.exit_code == 2
    assert re.fullmatch(
        f"error: the LLM endpoint {re.escape(server.url)}/chat/completions failed all \\d+ requests "
        'so far; the last: HTTP 400: {"detail": "this server takes no system messages"}',
        last,
    )
    # it stops soon, not after all 30 records' 60 tries: 8 failures, plus what the 4 workers had in
    # flight or took up before the main thread saw the eighth (13 once on a loaded 2-core machine)
    assert 8 <= len(server.requests) <= 8 + 2 * 4
    result = CliRunner().invoke(cli, ["data", "generate", *base])
    assert (
        result.exit_code == 2
        and result.stderr == "error: --llm-model needs --llm URL (the server's /v1 URL)\n"
    )


def test_progress_reports_tokens_and_cost_as_it_goes(tmp_path: Path, tools: Path) -> None:
    seen: list[LLMProgress] = []
    with ScriptedLLM(careful) as server:
        llm = LLMConfig(url=server.url, model="m", price_in=3.0, price_out=15.0, concurrency=2)
        result = generate_with_llm(GenerateConfig(n=8, seed=2), llm, str(tools), progress=seen.append)
    assert [p.done for p in seen] == sorted(p.done for p in seen) and seen[-1].done == seen[-1].total == 8
    tokens = [p.usage.prompt_tokens + p.usage.completion_tokens for p in seen]
    assert tokens == sorted(tokens) and tokens[0] == 0 and tokens[-1] > 0
    last = seen[-1]
    assert last.cost == round((last.usage.prompt_tokens * 3 + last.usage.completion_tokens * 15) / 1e6, 6)
    assert last.accepted == result.summary()["llm"]["accepted"]


def test_draft_tools_keeps_a_spec_that_generates_and_refuses_one_that_cannot(tmp_path: Path) -> None:
    good = {
        "name": "define_word",
        "description": "Look up a word in the dictionary.",
        "parameters": {
            "type": "object",
            "properties": {"word": {"type": "string"}, "language": {"type": "string", "enum": ["en", "fr"]}},
            "required": ["word"],
        },
        "returns": {"type": "object", "properties": {"definition": {"type": "string"}}},
        "phrasings": ["What does {word} mean[ in {language}]?", "Define {word}."],
        "pools": {"word": ["serendipity", "ephemeral", "quixotic", "laconic", "ubiquitous"]},
    }
    replies = iter([
        "Here you go: " + json.dumps({**good, "phrasings": ["What does {term} mean?"]}),  # unknown slot
        "```json\n" + json.dumps(good) + "\n```",
        "I cannot design tools.",
        "I still cannot.",
    ])  # fmt: skip
    out = tmp_path / "drafted.json"
    with ScriptedLLM(lambda body: next(replies)) as server:
        result = CliRunner().invoke(
            cli, ["data", "draft-tools", "look up a word", "order a pizza", "-o", str(out), "--attempts", "2",
                  "--llm", server.url, "--llm-model", "m"],
        )  # fmt: skip
    assert result.exit_code == 1
    assert (
        result.stdout
        == f"wrote 1 tool specs to {out} (3 drafts refused, in {tmp_path / 'drafted.rejects.jsonl'})\n"
    )
    assert result.stderr == "no usable spec for: order a pizza\n"
    assert json.loads(out.read_text()) == [good]
    rejects = rows(tmp_path / "drafted.rejects.jsonl")
    assert [(r["description"], r["attempt"], r["reason"]) for r in rejects] == [
        ("look up a word", 0, "invalid_tool"),
        ("order a pizza", 0, "llm_bad_json"),
        ("order a pizza", 1, "llm_bad_json"),
    ]
    assert "unknown parameter 'term'" in rejects[0]["detail"]
    code, _output, summary = run_generate(
        "--tools", str(out), "--n", "10", "--mix", "simple=1", "-o", str(tmp_path / "d.jsonl")
    )  # fmt: skip
    assert code == 0 and summary["records"] == 10 and summary["tools"] == {"define_word": 10}


def test_reply_cleaning_and_the_cheap_checks() -> None:
    assert clean_reply(
        'Sure! Here is the rewritten request:\n\n"Is it raining in Oslo?"\n\nIt is casual.'
    ) == ("Is it raining in Oslo?")
    assert clean_reply("Rewritten request: Book Noma for 4.") == "Book Noma for 4."
    assert clean_reply("  ") == ""
    assert text_problems("") == [("llm_empty", "the reply has no text")]
    assert text_problems("clcllolololololololo")[0][0] == "llm_degenerate"
    assert text_problems("Paris?")[0] == ("llm_degenerate", "fewer than two words")
    assert text_problems("Convert 1000000 euros to yen, please.") == []  # digits may repeat
    assert text_problems("Is it raining in Lima on 2026-08-14? prochains") == [
        ("llm_fragment", "'prochains' after the end of the request")
    ]
    assert text_problems("Convert 4.5 USD to EUR. Also, is it sunny in Oslo? Thanks!") == []
    assert rewrite_problems("Book Noma for 4.", "book noma  for 4.") == [
        ("llm_unchanged", "the rewrite is the original text")
    ]
    assert rewrite_problems("On 2026-05-02, please.", "Please, on May 2, 2026.") == []
    assert rewrite_problems("Book Noma for 4.", "Book Noma for 4 prochains (.*)") == [
        ("llm_echo", "the reply starts with the original text")
    ]
    assert rewrite_problems("Thanks!", "Thanks! You've been a great help.") == []
    # what the embedded base model wrote and the checks above let through: a stray word in another
    # script glued to the end, and a loop of a few words
    assert rewrite_problems("Convert 5 feet to millimeters.", "5 feet to millimeters.转换") == [
        ("llm_foreign_script", "letters in a script the original does not use: CJK")
    ]
    assert rewrite_problems(
        "Reserve a car from 2026-08-03.", "Could I reserve a car from 2026-08-03?に向け"
    ) == [("llm_foreign_script", "letters in a script the original does not use: CJK, HIRAGANA")]
    assert (
        rewrite_problems(
            "Convert 5 feet to millimeters.", "Переведи 5 футов в миллиметры.", same_language=False
        )
        == []
    )
    assert rewrite_problems("Café near Zürich?", "Is there a café near Zürich?") == []
    assert rewrite_problems("How many feet is 180 feet?", "180 feet? " + "quelqu's a? " * 5) == [
        ("llm_degenerate", "'quelqu' 5 times, 0 in the original")
    ]
    assert (
        rewrite_problems("Is SK1 on time, SK2, SK3?", "Is flight SK1 on time, flight SK2, flight SK3?") == []
    )
    assert clean_reply("Book Noma for 4 people, please.\nRewrite this request formally.") == (
        "Book Noma for 4 people, please."
    )
    assert rewrite_problems("Book Noma.", "Book Noma " + " ".join(f"w{i}" for i in range(60)))[0][0] == (
        "llm_too_long"
    )
    assert json_object('text {"a": [1, {"b": 2}]} more {"c": 3}') == {"a": [1, {"b": 2}]}
    assert json_object("[1, 2] {oops") is None
