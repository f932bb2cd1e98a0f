"""A real OpenAI-compatible server: ``transformers serve`` with the tiny model, for LLM generation and for
the ``openai`` eval backend, which must agree with ``hf`` on the same weights (greedy)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_data.generate import GenerateConfig, generate, write_result

from .llm_helpers import assert_all_verified, rows, run_generate
from .serve_helpers import save_parrot_for_serving, save_tiny_for_serving, transformers_serve

pytestmark = pytest.mark.slow

# What a try the record checks refuse is rejected for: the LLM's cheap checks, then verify_draft's.
LLM_REASONS = {
    "llm_empty", "llm_degenerate", "llm_fragment", "llm_too_long", "llm_unchanged", "llm_echo",
    "llm_new_number", "llm_foreign_script", "llm_bad_json", "llm_error", "ungrounded_value",
    "template_leak", "duplicate", "execution_error", "answers_mismatch", "result_not_reproducible",
    "invalid_record",
}  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("served")
    folder = save_tiny_for_serving(root / "tiny")
    with transformers_serve(folder, root / "serve.log") as url:
        yield url, folder


def test_generation_through_transformers_serve_writes_only_verified_records(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    url, folder = served
    out = tmp_path / "d.jsonl"
    args = [
        "--n", "6", "--seed", "1", "--llm", url, "--llm-model", str(folder), "--llm-max-tokens", "24",
        "--llm-temperature", "0", "--llm-propose", "0.5", "--llm-concurrency", "2",
    ]  # fmt: skip
    code, output, summary = run_generate(*args, "-o", str(out))
    assert code == 0, output
    records = assert_all_verified(out, None)
    llm = summary["llm"]
    assert len(records) == 6 and llm["records_worked"] == 6 and llm["failed_requests"] == 0
    assert llm["rewrite"]["tries"] > 0 and llm["propose"]["tries"] > 0
    # the server's own token counts: replies cut at --llm-max-tokens, prompts with the worked examples
    assert (
        0 < llm["completion_tokens"] <= 24 * llm["requests"] and llm["prompt_tokens"] > 100 * llm["requests"]
    )
    # every try that failed is in the rejects, with the reason and what the model wrote
    rejects = [r for r in rows(tmp_path / "d.rejects.jsonl") if "task" in r]
    assert len({(r["slot"], r["attempt"]) for r in rejects}) == llm["tries"] - llm["accepted"] > 0
    assert {r["reason"] for r in rejects} <= LLM_REASONS
    written = [m["content"] for r in records for m in r["messages"] if m["role"] == "user"]
    offline = [json.loads(line) for line in generate(GenerateConfig(n=6, seed=1, requests=1)).lines]
    for row in rejects:
        assert row["llm_text"] and all(isinstance(t, str) for t in row["llm_text"])
        assert not set(row["llm_text"]) & set(written)
    for record, before in zip(records, offline, strict=True):  # a record the LLM changed says so
        assert ("llm" in record["meta"]) == (record != before)
    # greedy replies from the cache: the same bytes, and the server is not asked again
    again = tmp_path / "again.jsonl"
    code, output, second = run_generate(*args, "-o", str(again), "--llm-cache", str(tmp_path / "d.llm-cache"))
    assert code == 0, output
    assert again.read_bytes() == out.read_bytes()
    assert (tmp_path / "again.rejects.jsonl").read_bytes() == (tmp_path / "d.rejects.jsonl").read_bytes()
    assert (second["llm"]["requests"], second["llm"]["cached_requests"]) == (0, llm["requests"])


#: One tool whose requests name a dish; the parrot's sentence names lasagna and no other.
RECIPE_TOOLS = '''
from typing import ClassVar

from pydantic import BaseModel

from fncall_data.tools import tool


@tool
class FindRecipe(BaseModel):
    """Find a recipe for a dish."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Find a recipe for {dish}.",
        "How do I cook {dish}?",
        "Show me how to make {dish}.",
    )
    __pools__: ClassVar[dict[str, list[str]]] = {"dish": ["lasagna", "paella", "risotto"]}

    dish: str

    def run(self) -> dict[str, str]:
        return {"recipe": f"{self.dish}: simmer, then serve."}


TOOLS = [FindRecipe]
'''
PARROT = "Please find me a lasagna recipe."


def test_through_a_real_server_a_grounded_rewrite_is_kept_and_ungrounded_ones_are_rejects(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """A model that says one sentence to every prompt: the rewrite of the first lasagna request is
    taken (and verified in the file), a later lasagna request's is a duplicate of it, and the rewrite
    of every paella or risotto request, which loses the dish, is an ungrounded_value reject."""
    tools = tmp_path / "recipes.py"
    tools.write_text(RECIPE_TOOLS)
    root = tmp_path_factory.mktemp("parrot")
    folder = save_parrot_for_serving(root / "parrot", PARROT)
    out = tmp_path / "d.jsonl"
    with transformers_serve(folder, root / "serve.log") as url:
        code, output, summary = run_generate(
            "--tools", str(tools), "--n", "6", "--seed", "2", "--mix", "simple=1", "-o", str(out),
            "--llm", url, "--llm-model", str(folder), "--llm-temperature", "0", "--llm-propose", "0",
            "--llm-attempts", "1", "--llm-max-tokens", "16",
        )  # fmt: skip
    assert code == 0, output
    records = assert_all_verified(out, tools)
    offline = [
        json.loads(line)
        for line in generate(GenerateConfig(n=6, seed=2, mix={"simple": 1.0}), str(tools)).lines
    ]
    dishes = [r["answers"][0]["arguments"]["dish"][0] for r in offline]
    first = dishes.index("lasagna")
    assert dishes.count("lasagna") >= 2 and len(set(dishes)) == 3  # the seed gives each case
    rejects = {r["slot"]: r for r in rows(tmp_path / "d.rejects.jsonl") if "task" in r}
    for slot, (record, before, dish) in enumerate(zip(records, offline, dishes, strict=True)):
        if slot == first:
            assert record["messages"][1]["content"] == PARROT and record["meta"]["llm"]["task"] == "rewrite"
            assert record["messages"][2:] == before["messages"][2:] and slot not in rejects
            continue
        assert record == before  # its one try failed: the offline record stays
        reason = "duplicate" if dish == "lasagna" else "ungrounded_value"
        assert (rejects[slot]["reason"], rejects[slot]["llm_text"]) == (reason, [PARROT])
        if reason == "ungrounded_value":
            assert rejects[slot]["detail"] == f"find_recipe: dish={dish!r}"
    assert len(rejects) == 5
    llm = summary["llm"]
    assert (llm["accepted"], llm["tries"], llm["requests"], llm["failed_requests"]) == (1, 6, 6, 0)
    assert llm["rejects_by_reason"] == {"ungrounded_value": 6 - dishes.count("lasagna"),
                                        "duplicate": dishes.count("lasagna") - 1}  # fmt: skip


def test_the_openai_backend_on_the_server_agrees_with_hf_on_every_example(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    from transformers import AutoTokenizer

    url, folder = served
    data = tmp_path / "test.jsonl"
    write_result(generate(GenerateConfig(n=10, seed=3, requests=1)), data, None)
    common = ["eval", "run", "-d", str(data), "-m", str(folder), "--max-new-tokens", "24", "--n-boot", "0"]
    served_run = CliRunner().invoke(
        cli,
        [*common, "--backend", "openai", "--tools", "profile", "--base-url", url, "-o", str(tmp_path / "oa")],
    )
    assert served_run.exit_code == 0, served_run.output
    local_run = CliRunner().invoke(
        cli, [*common, "--backend", "hf", "--device", "cpu", "-o", str(tmp_path / "hf")]
    )
    assert local_run.exit_code == 0, local_run.output

    def by_id(path: Path) -> dict[str, dict[str, Any]]:
        return {row["id"]: row for row in rows(path)}

    served_text = by_id(tmp_path / "oa" / "predictions" / "base.jsonl")
    local_text = by_id(tmp_path / "hf" / "predictions" / "base.jsonl")
    assert len(served_text) == len(local_text) == 10
    # A server decodes without special tokens (transformers serve, vLLM by default); hf keeps them.
    special = AutoTokenizer.from_pretrained(folder).all_special_tokens
    for key, local in local_text.items():
        text = local["text"]
        for token in special:
            text = text.replace(token, "")
        assert served_text[key]["text"] == text and served_text[key].get("error") is None, key
        assert len(text) > 0
    assert by_id(tmp_path / "oa" / "scores" / "base.jsonl") == by_id(
        tmp_path / "hf" / "scores" / "base.jsonl"
    )
