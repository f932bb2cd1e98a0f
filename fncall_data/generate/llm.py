"""LLM-assisted generation: records built offline, then reworded or replaced by an LLM, then verified again.

The offline generator writes ``n`` verified records first. For a share of them (``LLMConfig.share``,
drawn per slot from the seed) an LLM behind any OpenAI-compatible endpoint then either rewrites every
user turn in another style or language, or, for ``simple`` and ``multiple`` records, proposes a new
scored request (the last one; a stacked record keeps its earlier requests) for the called tool
together with its arguments, which the tool then runs on. What the LLM
returns goes through the same checks as offline data (:func:`fncall_data.generate.verify.verify_draft`:
the record's structure, each call against its tool's schema, every argument value stated in the new
wording, the tool's result reproduced) and the dedup; a slot whose tries all fail keeps its offline
record, and every failed try goes to the rejects with its reason and the LLM's text.

Slots run concurrently in threads (``concurrency``), each trying its attempts in turn; the results
are taken in slot order, so the bytes depend on the replies only, never on timing. With a request
cache (``cache_dir``) a rerun, or a run resumed after a kill, asks nothing it has an answer for.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import random
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from pydantic import BaseModel, ConfigDict, Field

from fncall_data.errors import FncallError

# The offline builders' pieces that turn one planned call into the assistant's turn, the tool's
# result and the grounded answer: a proposed request is finished exactly like a generated one.
from fncall_data.generate.builders import Draft, _answers, _exchange, _reason_one
from fncall_data.generate.calls import BuildError, plan_with
from fncall_data.generate.llm_client import LLMClient, LLMRequestError, Usage
from fncall_data.generate.llm_prompts import (
    STYLES,
    clean_reply,
    json_object,
    propose_messages,
    rewrite_messages,
    rewrite_problems,
    text_problems,
)
from fncall_data.generate.runner import GenerateConfig, GenerateResult, generate
from fncall_data.generate.spec import ToolSpec, catalog_specs, load_specs
from fncall_data.generate.text import parse_template
from fncall_data.generate.verify import record_line, verify_draft
from fncall_data.validate import validate_call

__all__ = ["LLMConfig", "LLMProgress", "LLMResult", "generate_with_llm"]

_PROPOSABLE = ("simple", "multiple")
# Tool runs and record checks happen one at a time: they call the user's tool implementations, which
# need not be thread-safe, and they take microseconds beside a request.
_VERIFY = threading.Lock()
# With this many failed requests and not one answer, the endpoint is not going to work: stop.
_HOPELESS = 8


class LLMConfig(BaseModel):
    """Where the LLM is and how the generator uses it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="The server's OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1.")
    model: str = Field(description="The model name the server serves.")
    api_key_env: str = Field("OPENAI_API_KEY", description="The environment variable holding the key.")
    share: float = Field(1.0, ge=0, le=1, description="Share of records the LLM works on.")
    propose: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share of the simple and multiple records it works on where it proposes a new "
        "request and call instead of rewriting.",
    )
    languages: tuple[str, ...] = Field((), description="Languages a rewrite may be asked for, beside styles.")
    attempts: int = Field(2, ge=1, le=10, description="Tries per record before it keeps its offline form.")
    temperature: float = Field(0.7, ge=0, description="Sampling temperature of the requests.")
    max_tokens: int = Field(256, ge=16, description="The longest reply asked for.")
    concurrency: int = Field(4, ge=1, le=256, description="Records worked on at once (requests in flight).")
    timeout_s: float = Field(120.0, gt=0, description="Seconds before one request is abandoned.")
    retries: int = Field(3, ge=0, description="Further tries of a request after a timeout, 429 or 5xx.")
    cache_dir: str | None = Field(None, description="Folder of the request cache; None keeps no cache.")
    price_in: float = Field(0.0, ge=0, description="Price per million prompt tokens, for the running cost.")
    price_out: float = Field(0.0, ge=0, description="Price per million completion tokens.")

    def client(self) -> LLMClient:
        """The HTTP client these settings describe (the key read from ``api_key_env`` now)."""
        return LLMClient(
            self.url,
            self.model,
            api_key=os.environ.get(self.api_key_env),
            timeout_s=self.timeout_s,
            retries=self.retries,
            cache_dir=self.cache_dir,
        )


@dataclass(frozen=True)
class LLMProgress:
    """Where an LLM run stands: records settled, of them taken from the LLM, tokens and cost so far."""

    done: int
    total: int
    accepted: int
    usage: Usage
    cost: float


@dataclass
class LLMResult(GenerateResult):
    """A :class:`GenerateResult` with what the LLM did: tasks, acceptance, requests, tokens, cost."""

    llm: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "llm": self.llm}


@dataclass
class _Outcome:
    slot: int
    task: str
    line: str | None = None  # the LLM's verified record; None keeps the offline one
    key: str = ""
    said: list[str] = field(default_factory=list)  # the LLM's words in the kept record
    tries: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)


def generate_with_llm(
    config: GenerateConfig,
    llm: LLMConfig,
    tools: Sequence[Any] | str | os.PathLike[str] | None = None,
    *,
    progress: Callable[[LLMProgress], None] | None = None,
    client: LLMClient | None = None,
) -> LLMResult:
    """Generate ``config.n`` records offline, then let the LLM reword or replace them (see module docs).

    Raises:
        FncallError: no tools, or the endpoint is down, refuses the key, or fails every request.

    Example:
        >>> llm = LLMConfig(url="http://127.0.0.1:8000/v1", model="my-model", cache_dir="cache")
        >>> result = generate_with_llm(GenerateConfig(n=100), llm)  # doctest: +SKIP
        >>> result.summary()["llm"]["accepted"]  # doctest: +SKIP
        71
    """
    specs = list(tools) if _are_specs(tools) else load_specs(tools)
    client = client or llm.client()
    client.check()  # down or refusing the key: say so before anything else
    base = generate(config, specs)
    by_name = {s.name: s for s in catalog_specs()} | {s.name: s for s in specs}
    records = [json.loads(line) for line in base.lines]
    originals = {_key(record) for record in records}
    work = _Work(config, llm, client, by_name, originals)
    outcomes: dict[int, _Outcome] = {}
    todo = [slot for slot in range(len(records)) if work.task(slot, records[slot]["category"])]
    accepted = 0

    def report(outcome: _Outcome | None) -> None:
        nonlocal accepted
        if outcome is not None:
            outcomes[outcome.slot] = outcome
            accepted += outcome.line is not None
        usage = client.snapshot()
        if usage.failed >= _HOPELESS and usage.requests + usage.cached == 0:
            raise FncallError(
                f"the LLM endpoint {client.chat_url} failed all {usage.failed} requests so far; "
                f"the last: {client.last_error}"
            )
        if progress is not None:
            cost = usage.cost(llm.price_in, llm.price_out)
            done = len(records) - len(todo) + len(outcomes)
            progress(LLMProgress(done, len(records), accepted, usage, cost))

    report(None)
    for outcome in _run_slots(work, [(slot, records[slot]) for slot in todo], llm.concurrency):
        report(outcome)
    return _assemble(base, records, outcomes, llm, client)


def _run_slots(work: _Work, slots: list[tuple[int, dict[str, Any]]], concurrency: int) -> Iterator[_Outcome]:
    """Each slot's outcome as it is ready, from ``concurrency`` daemon threads.

    Daemon threads, not a pool's: when the caller stops (an error, Ctrl-C), the process can end at
    once instead of waiting for the requests in flight, whose replies the cache would not keep anyway.
    """
    todo = iter(slots)
    lock = threading.Lock()
    stop = threading.Event()
    results: queue.Queue[_Outcome | BaseException] = queue.Queue()

    def worker() -> None:
        while not stop.is_set():
            with lock:
                item = next(todo, None)
            if item is None:
                return
            try:
                results.put(work.run(*item))
            except BaseException as exc:  # handed to the caller's thread, which raises it
                results.put(exc)
                return

    for index in range(min(concurrency, len(slots))):
        threading.Thread(target=worker, name=f"fncall-llm-{index}", daemon=True).start()
    try:
        for _ in slots:
            got = results.get()
            if isinstance(got, BaseException):
                raise got
            yield got
    finally:
        stop.set()


def _are_specs(tools: object) -> TypeGuard[list[ToolSpec]]:
    return isinstance(tools, list) and bool(tools) and all(isinstance(t, ToolSpec) for t in tools)


def _key(record: dict[str, Any]) -> str:
    """The dedup key of the offline runner: offered tools, user text (spacing and case aside), calls."""
    messages = record["messages"]
    users = " | ".join(
        re.sub(r"\s+", " ", m.get("content") or "").strip().lower() for m in messages if m["role"] == "user"
    )
    calls = [[c["name"], c["arguments"]] for m in messages for c in m.get("tool_calls") or ()]
    tools = sorted(t["name"] for t in record["tools"])
    return json.dumps([tools, users, calls], sort_keys=True, ensure_ascii=False)


def _rng(*parts: object) -> random.Random:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


class _Work:
    """What one slot's worker needs: the settings, the client, the tools by name, the offline keys."""

    def __init__(
        self,
        config: GenerateConfig,
        llm: LLMConfig,
        client: LLMClient,
        by_name: dict[str, ToolSpec],
        originals: set[str],
    ) -> None:
        self.config, self.llm, self.client = config, llm, client
        self.by_name, self.originals = by_name, originals
        self.styles = STYLES + tuple(f"in {language}" for language in llm.languages)

    def task(self, slot: int, category: str) -> str:
        """``rewrite``, ``propose`` or ``""`` (left as generated), drawn from the seed and the slot."""
        rng = _rng(self.config.seed, slot, "llm-task")
        if rng.random() >= self.llm.share:
            return ""
        return "propose" if category in _PROPOSABLE and rng.random() < self.llm.propose else "rewrite"

    def run(self, slot: int, record: dict[str, Any]) -> _Outcome:
        outcome = _Outcome(slot, self.task(slot, record["category"]))
        for attempt in range(self.llm.attempts):
            outcome.tries += 1
            rng = _rng(self.config.seed, slot, attempt, "llm")
            try:
                if outcome.task == "propose":
                    draft, meta, problems, said = self._propose(record, rng, slot, attempt)
                else:
                    draft, meta, problems, said = self._rewrite(record, rng, slot, attempt)
            except LLMRequestError as exc:
                draft, meta, problems, said = None, {}, [("llm_error", str(exc))], []
            if draft is not None and not problems:
                with _VERIFY:
                    verified, problems = verify_draft(draft, record["id"], meta)
                if verified is not None:
                    line = record_line(draft, record["id"], meta)
                    key = _key(json.loads(line))
                    if key not in self.originals:
                        outcome.line, outcome.key, outcome.said = line, key, said
                        return outcome
                    problems = [("duplicate", "same tools, query and calls as an offline record")]
            outcome.rejects += [
                {"attempt": attempt, "task": outcome.task, "reason": r, "detail": d, "llm_text": said}
                for r, d in problems
            ]
        return outcome

    def _ask(self, messages: list[dict[str, str]], *parts: object) -> str:
        seed = int.from_bytes(hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=4).digest())
        reply = self.client.chat(
            messages, temperature=self.llm.temperature, max_tokens=self.llm.max_tokens, seed=seed >> 1
        )
        return reply.text

    def _rewrite(
        self, record: dict[str, Any], rng: random.Random, slot: int, attempt: int
    ) -> tuple[Draft | None, dict[str, Any], list[tuple[str, str]], list[str]]:
        messages = [dict(m) for m in record["messages"]]
        styles: list[str] = []
        said: list[str] = []
        for index, message in enumerate(messages):
            if message["role"] != "user":
                continue
            style = rng.choice(self.styles)
            styles.append(style)
            ask = rewrite_messages(message["content"], style)
            reply = self._ask(ask, self.config.seed, slot, attempt, index)
            text = clean_reply(reply)
            said.append(text or reply)
            problems = rewrite_problems(message["content"], text, same_language=style in STYLES)
            if problems:
                return None, {}, problems, said
            message["content"] = text
        meta = {**record["meta"], "llm": {"task": "rewrite", "model": self.llm.model, "styles": styles}}
        return self._draft(record, messages, record["answers"], record["meta"]["tool_names"]), meta, [], said

    def _propose(
        self, record: dict[str, Any], rng: random.Random, slot: int, attempt: int
    ) -> tuple[Draft | None, dict[str, Any], list[tuple[str, str]], list[str]]:
        # The scored request is the last user turn; a stacked record's earlier requests stay as they are.
        messages = record["messages"]
        last = max(i for i, m in enumerate(messages) if m["role"] == "user")
        earlier = messages[:last]
        call = next(m for m in messages[last:] if m.get("tool_calls"))["tool_calls"][0]
        spec = self.by_name[call["name"]]
        reply = self._ask(propose_messages(spec), self.config.seed, slot, attempt, "propose")
        said = [reply]
        found = json_object(reply)
        if not (found and isinstance(found.get("request"), str) and isinstance(found.get("arguments"), dict)):
            return None, {}, [("llm_bad_json", 'no {"request": "...", "arguments": {...}} object')], said
        request, arguments = " ".join(found["request"].split()), found["arguments"]
        problems = text_problems(request)
        issues = validate_call({"name": spec.name, "arguments": arguments}, [spec.tool])
        problems += [(f"check_{issue.code}", issue.message) for issue in issues]
        if problems:
            return None, {}, problems, said
        plan = plan_with(spec, parse_template(""), arguments, rng)
        plan.query = request
        offered = len(record["tools"]) > 1
        why = _reason_one(plan, rng, offered) if self.config.reasoning else None
        start = 1 + sum(len(m.get("tool_calls") or ()) for m in earlier)  # call ids run on: c1, c2, ...
        try:
            with _VERIFY:  # runs the tool
                turns = _exchange([plan], rng, why, start)
        except BuildError as exc:
            return None, {}, [(exc.reason, exc.detail)], said
        proposed = [*earlier, {"role": "user", "content": request}, *turns]
        meta = {**record["meta"], "llm": {"task": "propose", "model": self.llm.model}}
        called = [*record["meta"]["tool_names"][:-1], spec.name]  # the scored call is the last one
        return self._draft(record, proposed, _answers([plan]), called), meta, [], said

    def _draft(
        self, record: dict[str, Any], messages: list[dict[str, Any]], answers: Any, called: list[str]
    ) -> Draft:
        tools = [self.by_name[t["name"]] for t in record["tools"]]
        return Draft(record["category"], tools, messages, answers, list(called))


def _assemble(
    base: GenerateResult,
    records: list[dict[str, Any]],
    outcomes: dict[int, _Outcome],
    llm: LLMConfig,
    client: LLMClient,
) -> LLMResult:
    result = LLMResult(
        lines=list(base.lines),
        rejects=list(base.rejects),
        categories=base.categories.copy(),
        tools=base.tools.copy(),
        reasons=base.reasons.copy(),
        failed_slots=base.failed_slots,
    )
    seen: set[str] = set()
    tasks = {"rewrite": [0, 0], "propose": [0, 0]}  # accepted, tried
    llm_reasons: dict[str, int] = {}
    tries = 0
    for slot in sorted(outcomes):
        outcome = outcomes[slot]
        record = records[slot]
        rejects = outcome.rejects
        if outcome.line is not None and outcome.key in seen:
            rejects = [*rejects, {"attempt": outcome.tries - 1, "task": outcome.task, "reason": "duplicate",
                                  "detail": "same tools, query and calls as an earlier LLM record",
                                  "llm_text": outcome.said}]  # fmt: skip
        elif outcome.line is not None:
            seen.add(outcome.key)
            result.lines[slot] = outcome.line
            tasks[outcome.task][0] += 1
        tasks[outcome.task][1] += outcome.tries
        tries += outcome.tries
        for row in rejects:
            result.reasons[row["reason"]] += 1
            llm_reasons[row["reason"]] = llm_reasons.get(row["reason"], 0) + 1
            result.rejects.append(
                {"slot": slot, "category": record["category"], "tools": record["meta"]["tool_names"], **row}
            )
    usage = client.usage
    accepted = sum(done for done, _ in tasks.values())
    result.llm = {
        "url": llm.url,
        "model": llm.model,
        "records_worked": len(outcomes),
        "accepted": accepted,
        "tries": tries,
        "acceptance": round(accepted / tries, 4) if tries else None,
        "rewrite": {"accepted": tasks["rewrite"][0], "tries": tasks["rewrite"][1]},
        "propose": {"accepted": tasks["propose"][0], "tries": tasks["propose"][1]},
        "rejects_by_reason": dict(sorted(llm_reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "requests": usage.requests,
        "cached_requests": usage.cached,
        "failed_requests": usage.failed,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cost": usage.cost(llm.price_in, llm.price_out),
    }
    return result
