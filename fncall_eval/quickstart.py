"""The main job end to end: data from the bundled catalog, a LoRA adapter, and the base model and the
adapter scored side by side on new queries for the training tools and on tools held out of training.

:func:`run_quickstart` calls the three libraries in order and writes everything under one folder:

- ``data/train.jsonl``: generated from the catalog without the held-out tools;
- ``data/test.jsonl``: new queries (another seed) for the training tools, and queries for the
  held-out tools, every category in each group; ``data/groups.json`` says which id is in which;
- ``data/val.jsonl``: validation requests for the training tools, half needing no call, on which the
  adapter's call threshold is set (``decision="calibrated"``; never the test set);
- ``train/``: the ``fncall train`` run folder (adapter, tokenizer, ``fncall_run.json``; with a
  calibrated decision, ``adapter/fncall_decision.json``);
- ``eval/``: the ``fncall eval run`` folder (predictions, scores, ``report.html``), every call held to
  its tool schemas while written (``constrained``, on by default);
- ``bfcl/``: a sample of BFCL categories scored with BFCL's rules, when the BFCL data is at hand;
- ``quickstart.json``: the summary (per model and group) and each stage's wall time.

Each stage that already finished (its output exists) is not run again, so a killed quickstart picks
up where it stopped; the evaluation itself resumes per example.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fncall_data.errors import FncallError
from fncall_data.io import atomic_write

__all__ = ["QuickstartConfig", "QuickstartResult", "is_full", "run_quickstart"]

log = logging.getLogger(__name__)

#: Called with a stage name and a line of news about it.
Notify = Callable[[str, str], None]

SUMMARY_METRICS = ("json_validity", "schema_validity", "tool_accuracy", "call_exact_match",
                   "irrelevance_detection")  # fmt: skip
BFCL_SAMPLE = ("simple_python", "multiple", "parallel", "irrelevance")


class QuickstartConfig(BaseModel):
    """Options of the quickstart; the defaults fit 2 CPU cores and about 20 minutes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    output_dir: Path = Field(default=Path("runs/quickstart"), description="Where everything is written.")
    model: str = Field(default="embedded", description="The base model (see fncall_train.load_model).")
    train_minutes: float = Field(default=10.0, gt=0, description="Training time budget, in minutes.")
    steps: int | None = Field(
        default=None, gt=0, description="Optimizer steps; by default planned from train_minutes."
    )
    tokens_per_s: float = Field(
        default=100.0,
        gt=0,
        description="Expected training throughput (2 CPU cores: ~100), used to size the training set; the "
        "learning rate follows the clock, so a faster or slower machine still ends its schedule on time.",
    )
    min_steps: int | None = Field(
        default=40,
        gt=0,
        description="Floor of optimizer steps for the time-budgeted run: on a machine slower than planned "
        "(a busy one), training goes on past train_minutes to this many steps, since the curve's 5-minute "
        "mark (37 steps) is where the adapter first writes calls reliably and a 13-step run on a busy "
        "machine scored below the base model. None: the clock alone.",
    )
    seed: int = Field(default=7, description="Seed of the data, the held-out tools and the training.")
    held_out_tools: int = Field(default=8, ge=1, description="Catalog tools kept out of training.")
    test_per_group: int = Field(default=35, ge=7, description="Test records for each group.")
    bfcl_per_category: int = Field(default=10, ge=0, description="BFCL questions per category (0: none).")
    max_length: int = Field(default=1024, gt=64, description="Longest training example, in tokens.")
    learning_rate: float = Field(default=1e-3, gt=0, description="Peak learning rate of the short run.")
    grad_accum: int = Field(
        default=1, ge=1, description="Packed rows per optimizer step: one, so a short run takes many steps."
    )
    lora_dropout: float = Field(
        default=0.0,
        ge=0,
        lt=1,
        description="LoRA dropout of the short run: off, since a run this short underfits, and its random "
        "masks cost 11% of a CPU step.",
    )
    calls_only: bool = Field(
        default=True,
        description="End each training record of the short run at the calls that answer its last request: "
        "the tool results and final answer after them are not scored here, and cost ~20% of a CPU step. "
        "A record whose last request needs no call (irrelevance, missing_param, a thank-you) is kept whole.",
    )
    no_call_share: float = Field(
        default=0.3,
        ge=0,
        lt=1,
        description="Share of irrelevance and missing_param records in the short run's training set (the "
        "generator's default mix has 0.22); the test set keeps the default mix.",
    )
    ask_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Of those no-call records, the share that ask for a missing value (missing_param); the "
        "rest are irrelevance. 0.5 is the generator's default split.",
    )
    requests: int = Field(
        default=1,
        ge=1,
        le=8,
        description="Independent requests per training record, against one tool list (see "
        "fncall_data.generate.GenerateConfig.requests); the test set keeps one request a record.",
    )
    decision_weight: float = Field(
        default=1.0,
        ge=1,
        description="Loss weight of the first token of each model turn, where the reply decides between a "
        "call and words (fncall_train.config.TrainConfig.decision_weight).",
    )
    lora_layers: int | None = Field(
        default=None,
        gt=0,
        description="LoRA on the top N decoder layers only (fncall_train.config.TrainConfig.lora_layers): "
        "the backward pass stops at the lowest adapted layer, so a step costs less. None: every layer.",
    )
    pairs: bool = Field(
        default=False,
        description="Follow each missing-value training record with its minimal pair, the same request "
        "with the value stated (fncall_data.generate.GenerateConfig.pairs); one request a record only.",
    )
    reasoning: bool = Field(
        default=False,
        description="Write <think> reasoning in the generated data. Off by default: on a CPU budget it "
        "costs training examples and generation time, and only the calls are scored.",
    )
    full: bool | None = Field(
        default=None,
        description="Run the default recipe as it is: one epoch on full_records records, with its own "
        "learning rate, accumulation and length, and no time budget. By default on for a hub model on a "
        "GPU, off otherwise.",
    )
    full_records: int = Field(default=5000, ge=100, description="Training records of a full run.")
    batch_size: int = Field(default=16, ge=1, description="Prompts per generation batch in evaluation.")
    max_new_tokens: int = Field(
        default=200, ge=8, description="Longest generated answer, in tokens (three parallel calls take ~170)."
    )
    constrained: bool = Field(
        default=True,
        description="Evaluate with schema-constrained calls (docs/constrained.md; the constrained extra): "
        "the model still decides whether to call, which tool and which values, and each call it opens "
        "follows the offered tools' schemas. On by default: over two seeds of the data ablation it took "
        "single-call exact match from 9/76 to 22/76 on the same adapters (13 gained, none lost; "
        "docs/data.md).",
    )
    decision: Literal["greedy", "calibrated"] = Field(
        default="calibrated",
        description="calibrated: after training, choose the adapter's call threshold on validation records "
        "of the training tools (data/val.jsonl, never the test set) and apply it in evaluation "
        "(fncall_eval.decision); greedy: the likeliest first token decides. Calibrated by default: over two "
        "seeds of the data ablation it declined right in 18 of 32 no-call examples against 0 of 32, with "
        "single-call exact match 9/76 against 10/76 (docs/data.md).",
    )
    validation_records: int = Field(
        default=120,
        ge=10,
        description="Validation records for a calibrated decision (training tools; half need no call, "
        "since the threshold is only as steady as the smaller kind is large).",
    )


@dataclass
class QuickstartResult:
    """What the quickstart produced."""

    output_dir: Path
    summary: list[dict[str, Any]]
    bfcl: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)
    held_out: list[str] = field(default_factory=list)
    train: dict[str, Any] = field(default_factory=dict)
    report: Path | None = None


def run_quickstart(config: QuickstartConfig, notify: Notify | None = None) -> QuickstartResult:
    """Generate data, train an adapter, evaluate base and adapter, and summarise.

    Example:
        >>> result = run_quickstart(QuickstartConfig(model="tiny", steps=2))  # doctest: +SKIP
        >>> sorted({row["group"] for row in result.summary})  # doctest: +SKIP
        ['held-out tools', 'training tools']
    """
    say: Notify = notify or (lambda stage, text: log.info("%s: %s", stage, text))
    if config.constrained:  # before the training, not after it
        from fncall_eval.constrained import require_engine

        try:
            require_engine()
        except FncallError as exc:
            raise FncallError(f"{exc}, or run with --unconstrained") from None
    out = config.output_dir
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    held, groups, steps = _data(config, say)
    timings["data_s"] = time.perf_counter() - started

    started = time.perf_counter()
    train_info = _train(config, steps, say)
    timings["train_s"] = time.perf_counter() - started

    if config.decision == "calibrated":
        started = time.perf_counter()
        train_info["decision"] = _calibrate(config, say)
        timings["calibrate_s"] = time.perf_counter() - started

    started = time.perf_counter()
    eval_result = _evaluate(config, out / "data" / "test.jsonl", out / "eval", "strict", say)
    summary = _group_summary(eval_result.scores, groups)
    timings["eval_s"] = time.perf_counter() - started

    started = time.perf_counter()
    bfcl = _bfcl(config, say)
    timings["bfcl_s"] = time.perf_counter() - started

    report = eval_result.files.get("report.html")
    result = QuickstartResult(out, summary, bfcl, timings, held, train_info, report)
    _write_json(out / "quickstart.json", {
        "config": config.model_dump(mode="json"), "held_out_tools": held, "train": train_info,
        "summary": summary, "bfcl": bfcl, "timings": timings,
    })  # fmt: skip
    return result


# --- stages -------------------------------------------------------------------------------------


def _data(config: QuickstartConfig, say: Notify) -> tuple[list[str], dict[str, str], int]:
    """Write train and test files; return the held-out tools, id -> group, and the planned steps."""
    from fncall_data.generate import GenerateConfig, catalog_specs, generate

    folder = config.output_dir / "data"
    specs = catalog_specs()
    if config.held_out_tools >= len(specs) - 6:
        raise FncallError(f"--held-out-tools {config.held_out_tools} leaves too few of {len(specs)} tools")
    held = _held_out(specs, config.held_out_tools, config.seed)
    seen_specs = [s for s in specs if s.name not in held]
    held_specs = [s for s in specs if s.name in held]
    if is_full(config):
        steps, wanted = config.steps or 0, config.full_records  # 0: one epoch, as the recipe says
        train_options: dict[str, Any] = {}
    else:
        # one optimizer step sees about grad_accum packed rows of max_length tokens
        tokens_per_step = config.grad_accum * config.max_length * 0.9
        # without --steps the rate follows the clock, and the steps are only a cap that a machine twice
        # as fast as expected still does not reach
        steps = config.steps or max(
            2, int(config.train_minutes * 60 * config.tokens_per_s * 2 / tokens_per_step)
        )
        # a short-run record of one request averages ~340 tokens (text tool lists, cut after the call),
        # and each request stacked before it ~85 more (three requests: 505 measured): 10% spare
        per_record = 340 + 85 * (config.requests - 1)
        wanted = max(200, int(steps * tokens_per_step / per_record * 1.1))
        train_options = {
            "mix": _no_call_mix(config.no_call_share, config.ask_share),
            "requests": config.requests,
            "pairs": config.pairs,
        }
    train_path, test_path, groups_path = folder / "train.jsonl", folder / "test.jsonl", folder / "groups.json"
    if train_path.is_file() and test_path.is_file() and groups_path.is_file():
        say("data", f"{folder} is an earlier run's: reused as it is, whatever the data options now "
                    "(another --output-dir, or that folder removed, generates them again)")  # fmt: skip
    else:
        folder.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {"reasoning": config.reasoning}
        train = generate(
            GenerateConfig(n=wanted, seed=config.seed, id_prefix="train", **options, **train_options),
            seen_specs,
        )
        seen_queries = {query for line in train.lines for query in _user_turns(json.loads(line))}
        n = config.test_per_group
        # a test record asks one request: the model's first decision on a tool list
        test_seen = generate(
            GenerateConfig(n=n * 2, seed=config.seed + 1, id_prefix="seen", requests=1, **options), seen_specs
        )
        # new queries only: a test record whose question is also in train is left out
        seen_lines = [x for x in test_seen.lines if _first_user(json.loads(x)) not in seen_queries][:n]
        test_held = generate(
            GenerateConfig(n=n, seed=config.seed + 2, id_prefix="heldout", requests=1, **options), held_specs
        )
        lines = train.lines
        if config.calls_only and not is_full(config):
            lines = [_calls_only(line) for line in lines]
        with atomic_write(train_path) as handle:
            handle.writelines(line + "\n" for line in lines)
        with atomic_write(test_path) as handle:
            handle.writelines(line + "\n" for line in [*seen_lines, *test_held.lines])
        groups = {json.loads(x)["id"]: "training tools" for x in seen_lines}
        groups.update({json.loads(x)["id"]: "held-out tools" for x in test_held.lines})
        _write_json(groups_path, groups)
    groups = json.loads(groups_path.read_text(encoding="utf-8"))
    train_count = sum(1 for _ in train_path.open(encoding="utf-8"))
    say("data", f"{train_count} training records; {len(groups)} test records; "
                f"held out: {', '.join(held)}")  # fmt: skip
    return held, groups, steps


def _no_call_mix(share: float, ask_share: float = 0.5) -> dict[str, float]:
    """The generator's default mix with ``share`` for the categories where no call is right, of which
    ``ask_share`` asks for a missing value and the rest is irrelevance.

    Example:
        >>> mix = _no_call_mix(0.3, 2 / 3)
        >>> round(mix["missing_param"], 3), round(mix["irrelevance"], 3)
        (0.2, 0.1)
    """
    from fncall_data.generate import DEFAULT_MIX

    no_call = {"missing_param": share * ask_share, "irrelevance": share * (1 - ask_share)}
    calls = sum(v for k, v in DEFAULT_MIX.items() if k not in no_call)
    return {k: no_call[k] if k in no_call else v * (1 - share) / calls for k, v in DEFAULT_MIX.items()}


def _calls_only(line: str) -> str:
    """A record's JSON line ending at the reply to its last request when that reply calls: the tool
    results and the answer after it are not scored. A reply without calls (a refusal, a question, a
    "you're welcome") is where the record is scored, so such a record stays whole, earlier calls and all.
    """
    record = json.loads(line)
    messages = record["messages"]
    last = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=-1)
    reply = next((i for i in range(last + 1, len(messages)) if messages[i]["role"] == "assistant"), None)
    if reply is None or not messages[reply].get("tool_calls"):
        return line
    record["messages"] = messages[: reply + 1]
    return json.dumps(record, ensure_ascii=False)


def is_full(config: QuickstartConfig) -> bool:
    """Whether the run follows the recipe as it is (see ``QuickstartConfig.full``)."""
    if config.full is not None:
        return config.full
    if config.model in ("embedded", "tiny"):
        return False
    import torch

    return bool(torch.cuda.is_available())


def _held_out(specs: Sequence[Any], count: int, seed: int) -> list[str]:
    """``count`` tools from as many different domains as possible, chosen by ``seed``."""
    rng = random.Random(seed)
    by_domain: dict[str, list[str]] = {}
    for spec in specs:
        by_domain.setdefault(spec.domain, []).append(spec.name)
    domains = sorted(by_domain)
    rng.shuffle(domains)
    picked: list[str] = []
    while len(picked) < count:
        for domain in domains:
            left = sorted(set(by_domain[domain]) - set(picked))
            if left and len(picked) < count:
                picked.append(rng.choice(left))
    return sorted(picked)


def _first_user(record: dict[str, Any]) -> str:
    return next(iter(_user_turns(record)), "")


def _user_turns(record: dict[str, Any]) -> list[str]:
    """What the user says in each turn of a record, lower-cased, in order."""
    return [(m.get("content") or "").lower() for m in record["messages"] if m["role"] == "user"]


def _train(config: QuickstartConfig, steps: int, say: Notify) -> dict[str, Any]:
    from fncall_train.config import load_config
    from fncall_train.run import MANIFEST, ProgressEvent, train

    folder = config.output_dir / "train"
    manifest = folder / MANIFEST
    if manifest.is_file() and (folder / "adapter" / "adapter_config.json").is_file():
        say("train", f"{folder} holds an earlier run's adapter: reused as it is, whatever the training "
                     "options now (another --output-dir, or that folder removed, trains again)")  # fmt: skip
    else:
        data = config.output_dir / "data" / "train.jsonl"
        common: dict[str, Any] = {"recipe": "default", "model": config.model, "data": data,
                                  "output_dir": folder, "seed": config.seed}  # fmt: skip
        clock = False
        if is_full(config):
            train_config = load_config(**common, max_steps=steps or None)
            say("train", f"{config.model}, recipe default as it is, "
                         f"{f'{steps} steps' if steps else 'one epoch'}")  # fmt: skip
        else:
            clock = config.steps is None
            train_config = load_config(
                **common, max_steps=steps, max_minutes=config.train_minutes, max_length=config.max_length,
                save_steps=steps, learning_rate=config.learning_rate, grad_accum=config.grad_accum,
                lora_dropout=config.lora_dropout, schedule_by="minutes" if clock else "steps",
                decision_weight=config.decision_weight, lora_layers=config.lora_layers,
                min_steps=min(config.min_steps, steps) if clock and config.min_steps else None,
            )  # fmt: skip
            if clock:
                say("train", f"{config.model}, recipe default, {config.train_minutes:g} minutes, "
                             "the learning rate's warm-up and decay laid over them")  # fmt: skip
            else:
                say("train", f"{config.model}, recipe default, {steps} steps, "
                             f"at most {config.train_minutes:g} minutes")  # fmt: skip

        def show(event: ProgressEvent) -> None:
            loss = f"loss {event.loss:.3f}" if event.loss is not None else ""
            rate = f"{event.tokens_per_s:.0f} tok/s" if event.tokens_per_s else ""
            of = "" if clock else f"/{event.max_steps}"
            say("train", f"step {event.step}{of}  {loss}  {rate}".rstrip())
            if event.note:
                say("train", event.note)

        train(train_config, show)
    data = json.loads(manifest.read_text(encoding="utf-8"))
    curve = data.get("loss_curve") or [{}]
    info = {
        "steps": curve[-1].get("step"),
        "first_loss": curve[0].get("loss"),
        "last_loss": curve[-1].get("loss"),
        "tokens_per_s": data.get("tokens_per_s"),
        "wall_s": data.get("wall_s"),
        "adapter_mb": data.get("adapter_mb"),
    }
    say("train", f"{info['steps']} steps, loss {_num(info['first_loss'])} -> {_num(info['last_loss'])}")
    return info


def _calibrate(config: QuickstartConfig, say: Notify) -> dict[str, Any]:
    """Choose the adapter's call threshold on validation records of the training tools.

    Done on every run (a minute at most): deterministic, so a rerun writes the same threshold, and an
    adapter trained again never keeps the threshold of the one before."""
    from dataclasses import asdict

    from fncall_eval.backends import GenerateConfig
    from fncall_eval.backends.hf import create
    from fncall_eval.decision import calibrate, read_validation

    adapter = config.output_dir / "train" / "adapter"
    records = read_validation(_validation(config))
    backend: Any = create(GenerateConfig(model=config.model))
    try:
        decision = calibrate(backend, adapter, records)
    finally:
        backend.close()
    say("decision", decision.describe())
    return asdict(decision)


def _validation(config: QuickstartConfig) -> Path:
    """``data/val.jsonl``: new requests for the training tools (another seed), none of whose user turns
    is in the training or test data; half need a call and half need none."""
    from fncall_data.generate import GenerateConfig, catalog_specs, generate

    folder = config.output_dir / "data"
    path = folder / "val.jsonl"
    if path.is_file():
        return path
    held = set(_held_out(catalog_specs(), config.held_out_tools, config.seed))
    seen_specs = [s for s in catalog_specs() if s.name not in held]
    used = {
        query
        for name in ("train.jsonl", "test.jsonl")
        for line in (folder / name).read_text(encoding="utf-8").splitlines()
        for query in _user_turns(json.loads(line))
    }
    n = config.validation_records
    made = generate(
        GenerateConfig(
            n=n * 2, seed=config.seed + 3, id_prefix="val", requests=1, reasoning=config.reasoning,
            mix=_no_call_mix(0.5),
        ),
        seen_specs,
    )  # fmt: skip
    lines = [x for x in made.lines if not set(_user_turns(json.loads(x))) & used][:n]
    with atomic_write(path) as handle:
        handle.writelines(line + "\n" for line in lines)
    return path


def _num(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _evaluate(
    config: QuickstartConfig,
    data: Path,
    out: Path,
    mode: str,
    say: Notify,
    adapters: Sequence[Path] | None = None,
    include_base: bool = True,
) -> Any:
    """Score the base model and ``adapters`` (None: the quickstart's adapter; empty: none) on ``data``."""
    from fncall_eval.backends import GenerateConfig
    from fncall_eval.run import RunConfig, run_eval
    from fncall_train.models import cache_root

    if adapters is None:
        adapters = [config.output_dir / "train" / "adapter"]
    chosen = tuple(os.fspath(a) for a in adapters)
    generate = GenerateConfig(
        model=config.model, batch_size=config.batch_size, max_new_tokens=config.max_new_tokens,
        constrained=config.constrained, decision=config.decision,
    )  # fmt: skip
    # The quickstart owns its eval folders: predictions made for an earlier adapter or other settings
    # (a rerun that trained again) are replaced, never mixed in; the same settings still resume.
    # Predictions are kept in the model cache by fingerprint, so the base model's answers on the same
    # test data (a fixed cost of every run) are generated once per machine.
    cache = cache_root() / "predictions"
    run = RunConfig(
        data=data, out=out, generate=generate, adapters=chosen, mode=mode, include_base=include_base,
        overwrite=True, cache=cache,
    )  # fmt: skip
    last: dict[str, int] = {}
    began: dict[str, tuple[float, int]] = {}

    def progress(label: str, done: int, total: int) -> None:
        now = time.perf_counter()
        start, first = began.setdefault(label, (now, done))
        step = max(1, total // 4)
        if done == total or done - last.get(label, -step) >= step:
            last[label] = done
            left = ""
            if first < done < total:  # the rate measured so far on this machine, not a planned one
                left = f", ~{(now - start) / (done - first) * (total - done) / 60:.1f} min left"
            say(out.name, f"{label}: {done}/{total}{left}")

    result = run_eval(run, progress=progress)
    for label, count in result.cached.items():
        say(out.name, f"{label}: {count} answers from the cache ({cache}): the same model, settings "
                      "and test data as an earlier run")  # fmt: skip
    return result


def _group_summary(scores: dict[str, list[Any]], groups: dict[str, str]) -> list[dict[str, Any]]:
    from fncall_eval.metrics import aggregate

    rows = []
    for label, items in scores.items():
        for group in ("training tools", "held-out tools"):
            subset = [s for s in items if groups.get(s.id) == group]
            metrics = aggregate(subset)
            rows.append({"model": label, "group": group, "n": metrics["n"],
                         **{m: metrics[m] for m in SUMMARY_METRICS}})  # fmt: skip
    return rows


def _bfcl(config: QuickstartConfig, say: Notify) -> list[dict[str, Any]]:
    """Score a sample of BFCL categories when the bfcl-eval wheel is at hand; [] otherwise."""
    if config.bfcl_per_category == 0:
        return []
    from fncall_data.formats import write_records
    from fncall_data.formats.bfcl import load_bfcl

    folder = config.output_dir / "bfcl"
    records = []
    try:
        for category in BFCL_SAMPLE:
            result = load_bfcl(category)
            if result.rejects:  # rows BFCL's data makes unreadable are counted, not dropped unseen
                say("bfcl", f"{category}: {len(result.rejects)} rows could not be imported")
            loaded = result.records
            records.extend(
                random.Random(config.seed).sample(loaded, min(config.bfcl_per_category, len(loaded)))
            )
    except FncallError as exc:
        say("bfcl", f"skipped: {exc}")
        return []
    folder.mkdir(parents=True, exist_ok=True)
    write_records(records, folder / "sample.jsonl")
    result = _evaluate(config, folder / "sample.jsonl", folder, "bfcl", say)
    frame = result.frame
    keep = ["model", "category", "n", *[m for m in SUMMARY_METRICS if m in frame.columns]]
    # pandas marks a metric with no denominator as NaN; JSON and the table want None
    return [
        {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in frame[keep].to_dict(orient="records")
    ]


def _write_json(path: Path, value: Any) -> None:
    with atomic_write(path) as handle:
        handle.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
