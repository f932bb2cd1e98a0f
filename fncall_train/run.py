"""One training run, from a config to an adapter folder and a manifest: :func:`train`.

The run folder (``config.output_dir``) holds::

    adapter/           the LoRA adapter (PEFT format), its base_model_name_or_path a real folder
    tokenizer/         the tokenizer with the profile's tokens and chat template
    checkpoints/       resumable trainer checkpoints (``resume=True`` continues from the last)
    rejects.jsonl      every example left out, with its place and reason (only when there are any)
    fncall_run.json    config, package versions, data sha256, loss curve, wall time, tokens/s, memory

Under ``torchrun`` / ``accelerate launch`` every process runs :func:`train`; only the first writes.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from fncall_data.errors import FncallError
from fncall_data.io import atomic_write, read_json
from fncall_data.profiles import ChatProfile, get_profile
from fncall_train.backends import TrainJob, get_trainer_factory
from fncall_train.config import TrainConfig
from fncall_train.data import DataReport, Example, build_report, prepare_examples, read_records

__all__ = [
    "MANIFEST",
    "PreparedRun",
    "Progress",
    "ProgressEvent",
    "RunComplete",
    "RunResult",
    "prepare_run",
    "train",
]

log = logging.getLogger(__name__)

MANIFEST = "fncall_run.json"
_PACKAGES = ("fncall", "torch", "transformers", "trl", "peft", "accelerate", "datasets", "tokenizers")


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One logged training step."""

    step: int
    max_steps: int
    loss: float | None
    learning_rate: float | None
    tokens_per_s: float | None
    #: news about the run itself, e.g. that the time budget will not reach the floor of steps
    note: str | None = None


Progress = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class RunResult:
    """What a run produced; everything here is also in ``fncall_run.json``."""

    output_dir: Path
    adapter_dir: Path
    base_model: str
    steps: int
    loss_curve: list[dict[str, float]]
    wall_s: float
    tokens: int
    tokens_per_s: float
    peak_memory_mb: float
    adapter_mb: float
    data: DataReport
    new_tokens: list[str] = field(default_factory=list)

    @property
    def first_loss(self) -> float | None:
        """The loss of the first logged step."""
        return self.loss_curve[0]["loss"] if self.loss_curve else None

    @property
    def last_loss(self) -> float | None:
        """The loss of the last logged step."""
        return self.loss_curve[-1]["loss"] if self.loss_curve else None


def train(config: TrainConfig, progress: Progress | None = None, *, resume: bool = False) -> RunResult:
    """Train a LoRA adapter as ``config`` says and write the run folder.

    Args:
        config: the run's configuration (see :func:`fncall_train.config.load_config`).
        progress: called at every logged step with loss, learning rate and tokens/s.
        resume: continue from the last checkpoint in ``output_dir/checkpoints`` (same config).

    Raises:
        FncallError: a user mistake: missing data, unknown recipe or profile, a hub model that is not
            available offline, nothing left to train on, nothing to resume from.

    Example:
        >>> from fncall_train import load_config, train  # doctest: +SKIP
        >>> result = train(load_config(data="d.jsonl", output_dir="runs/t", model="tiny"))  # doctest: +SKIP
        >>> result.adapter_dir.name  # doctest: +SKIP
        'adapter'
    """
    checkpoint = _resume_point(config) if resume else None
    run = prepare_run(config, progress)
    trainer = run.trainer

    _reset_peak_memory()
    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=os.fspath(checkpoint) if checkpoint else None)
    wall = time.perf_counter() - started

    state = trainer.state
    seen = int(state.num_input_tokens_seen) - run.tracker.tokens_at_start
    adapter_dir = config.output_dir / "adapter"
    adapter_mb = 0.0
    if trainer.is_world_process_zero():
        run.model.peft_config["default"].base_model_name_or_path = run.base_model
        run.model.save_pretrained(os.fspath(adapter_dir))
        run.tokenizer.save_pretrained(os.fspath(config.output_dir / "tokenizer"))
        adapter_mb = _folder_mb(adapter_dir)
    result = RunResult(
        output_dir=config.output_dir,
        adapter_dir=adapter_dir,
        base_model=run.base_model,
        steps=int(state.global_step),
        loss_curve=_loss_curve(state.log_history),
        wall_s=wall,
        tokens=seen,
        tokens_per_s=seen / wall if wall > 0 else 0.0,
        peak_memory_mb=_peak_memory_mb(),
        adapter_mb=adapter_mb,
        data=run.data,
        new_tokens=run.new_tokens,
    )
    if trainer.is_world_process_zero():
        _write_manifest(config, result, trainer, resumed_from=checkpoint)
    return result


@dataclass
class PreparedRun:
    """A run set up and not yet trained: what :func:`train` runs, open for inspection (tests, tools).

    Attributes:
        model: the base model wrapped with its LoRA adapter (``peft.PeftModel``).
        trainer: the backend's trainer; ``trainer.get_train_dataloader()`` gives the real batches.
        base_model: what the adapter names as its base (a folder, or a hub id).
    """

    config: TrainConfig
    profile: ChatProfile
    model: Any
    tokenizer: Any
    examples: list[Example]
    data: DataReport
    base_model: str
    new_tokens: list[str]
    new_token_ids: list[int]
    trainer: Any
    tracker: Any


def prepare_run(config: TrainConfig, progress: Progress | None = None) -> PreparedRun:
    """Load the model and data, check the examples, wrap the model with LoRA and build the trainer.

    Example:
        >>> cfg = load_config(data="d.jsonl", output_dir="runs/t", model="tiny")  # doctest: +SKIP
        >>> run = prepare_run(cfg)  # doctest: +SKIP
        >>> next(iter(run.trainer.get_train_dataloader()))["labels"]  # doctest: +SKIP
    """
    # Nothing leaves this machine unless the user named a hub model: TRL pings home otherwise.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from peft import get_peft_model

    from fncall_train.models import load_model

    profile = get_profile(config.profile)
    source = read_records(config.data)  # fail on bad data before loading a model
    loaded = load_model(config.model, profile=profile, dtype=_dtype(config), device=config.device,
                        cache_dir=config.cache_dir)  # fmt: skip
    tokenizer = loaded.tokenizer
    tokenizer.chat_template = profile.chat_template()

    examples, rejects, counts = prepare_examples(source.records, profile, tokenizer, config)
    main = _is_main_process()
    report = build_report(
        os.fspath(config.data), source, examples, rejects, counts, config,
        config.output_dir / "rejects.jsonl" if main else None,
    )  # fmt: skip
    log.info("data: %s", report.summary())
    base_path = _base_folder(loaded, config, main)

    new_tokens = list(loaded.added_tokens)
    new_ids = [tokenizer.get_vocab()[t] for t in new_tokens]
    layers = getattr(loaded.model.config.get_text_config(), "num_hidden_layers", None)
    # The LoRA A matrices (and rows of added tokens) are drawn here, before the trainer seeds anything:
    # without this seed two runs of the same config start from different adapters.
    from transformers import set_seed

    set_seed(config.seed)
    model = get_peft_model(loaded.model, config.lora_config(new_ids, layers))
    # Checkpoints are saved by the trainer with PEFT's "auto", which would copy the whole grown
    # embedding into every checkpoint (1.3 GB for the embedded model): make our decision the default.
    model.save_pretrained = functools.partial(  # type: ignore[method-assign]  # see the comment above
        model.save_pretrained, save_embedding_layers=_save_embeddings(config, new_ids)
    )
    tracker = _tracker(progress, config)
    job = TrainJob(config, model, tokenizer, examples, config.sft_config(), [tracker])
    trainer = get_trainer_factory(config.backend)(job)
    _quiet(trainer)
    return PreparedRun(
        config, profile, model, tokenizer, examples, report, base_path, new_tokens, new_ids, trainer, tracker
    )


def _save_embeddings(config: TrainConfig, new_ids: list[int]) -> bool:
    """Whether the adapter must carry whole embedding matrices.

    Decided here rather than by PEFT's "auto", which would look the base up on the hub. With LoRA on
    the embedding (the tutorial) PEFT needs them; with new tokens trained as trainable tokens only
    their rows travel; new tokens that are not trained still need the grown matrices.
    """
    targeted = any(t in {"embed_tokens", "lm_head"} for t in config.lora_targets)
    return targeted or (bool(new_ids) and not config.train_new_tokens)


def _quiet(trainer: Any) -> None:
    """The library never prints: drop the trainer's stdout printer (progress goes to ``progress``)."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)


def _dtype(config: TrainConfig) -> str:
    return "bfloat16" if config.use_bf16() else "float32"


def _base_folder(loaded: Any, config: TrainConfig, main: bool) -> str:
    """What the adapter names as its base: the folder the weights came from, or the hub id."""
    source = Path(loaded.source)
    if source.is_dir():
        return os.fspath(source.resolve())
    if source.suffix or not loaded.source:
        # weights that exist only in memory: save them once beside the run
        folder = config.output_dir / "base"
        if main and not (folder / "config.json").is_file():
            loaded.model.save_pretrained(os.fspath(folder))
            loaded.tokenizer.save_pretrained(os.fspath(folder))
        return os.fspath(folder.resolve())
    return str(loaded.source)


class RunComplete(FncallError):
    """``resume`` was asked of a run that has already trained every step it was asked for."""


def _resume_point(config: TrainConfig) -> Path:
    """The checkpoint to resume from, after making sure the run is not already finished.

    A finished run has its manifest; resuming it would train past its end (one step with a learning
    rate of zero) and overwrite its adapter, so it is left alone unless more steps are asked for.
    """
    checkpoint = _last_checkpoint(config)
    manifest = config.output_dir / MANIFEST
    if manifest.is_file():
        steps = read_json(manifest).get("steps")
        if isinstance(steps, int) and (config.max_steps is None or config.max_steps <= steps):
            raise RunComplete(
                f"{config.output_dir}: the run is complete ({steps} steps, adapter in "
                f"{config.output_dir / 'adapter'}); nothing was changed. To train further, resume with "
                f"--max-steps above {steps}"
            )
    return checkpoint


def _last_checkpoint(config: TrainConfig) -> Path:
    from transformers.trainer_utils import get_last_checkpoint

    folder = config.checkpoint_dir
    last = get_last_checkpoint(os.fspath(folder)) if folder.is_dir() else None  # type: ignore[no-untyped-call]
    if last is None:
        raise FncallError(f"nothing to resume: no checkpoint in {folder}; run without --resume first")
    return Path(last)


def _is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


class _Tracker:
    """A trainer callback that records tokens/s between logs and forwards progress events."""

    def __init__(self, progress: Progress | None, config: TrainConfig | None = None) -> None:
        self.progress = progress
        self.config = config
        self.tokens_at_start = 0
        self._started = 0.0
        self._last: tuple[float, int] | None = None
        self._warned = False

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.tokens_at_start = int(state.num_input_tokens_seen)
        self._started = time.perf_counter()
        self._last = (self._started, self.tokens_at_start)
        scheduler = kwargs.get("lr_scheduler")
        config = self.config
        # the config's validator ensures max_minutes is set for a clock schedule
        if config is not None and config.schedule_by == "minutes" and config.max_minutes is not None:
            from fncall_train.clock import clock_lambda

            if scheduler is None or not hasattr(scheduler, "lr_lambdas"):
                raise FncallError("schedule_by 'minutes' needs the trainer's LambdaLR scheduler")
            clock = clock_lambda(
                config.scheduler, config.max_minutes, config.warmup_fraction, self._started, config.min_steps
            )
            scheduler.lr_lambdas = [clock] * len(scheduler.lr_lambdas)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        minutes = self.config.max_minutes if self.config is not None else None
        floor = (self.config.min_steps if self.config is not None else None) or 0
        if minutes is not None and time.perf_counter() - self._started >= minutes * 60:
            control.should_training_stop = state.global_step >= floor

    def _floor_note(self, step: int, now: float, rate: float | None) -> str | None:
        """Once, when the time budget will end the run short of min_steps: say so, with the figures."""
        config = self.config
        if self._warned or config is None or not config.min_steps or not config.max_minutes or step < 3:
            return None
        elapsed = now - self._started
        projected = step / elapsed * config.max_minutes * 60
        if projected >= config.min_steps:
            return None
        self._warned = True
        total = elapsed / step * config.min_steps / 60
        speed = f"{rate:.0f} tok/s" if rate else f"{elapsed / step:.0f} s a step"
        return (
            f"at {speed}, {config.max_minutes:g} minutes give only ~{projected:.0f} steps, under the floor "
            f"of {config.min_steps}: training goes on to step {config.min_steps}, ~{total:.1f} minutes in all"
        )

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any
    ) -> None:
        logs = logs if logs is not None else {}
        if "loss" not in logs:
            return
        now, seen = time.perf_counter(), int(state.num_input_tokens_seen)
        rate = None
        if self._last is not None and now > self._last[0]:
            rate = (seen - self._last[1]) / (now - self._last[0])
        self._last = (now, seen)
        logs["tokens_per_s"] = rate
        if self.progress is not None and state.is_world_process_zero:
            note = self._floor_note(state.global_step, now, rate)
            self.progress(ProgressEvent(state.global_step, state.max_steps, logs.get("loss"),
                                        logs.get("learning_rate"), rate, note))  # fmt: skip


def _tracker(progress: Progress | None, config: TrainConfig | None = None) -> Any:
    from transformers import TrainerCallback

    class Tracker(_Tracker, TrainerCallback):
        pass

    return Tracker(progress, config)


def _loss_curve(history: list[dict[str, Any]]) -> list[dict[str, float]]:
    keys = ("step", "loss", "learning_rate", "grad_norm", "tokens_per_s", "num_input_tokens_seen")
    return [{k: h[k] for k in keys if h.get(k) is not None} for h in history if "loss" in h]


def _reset_peak_memory() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def _peak_memory_mb() -> float:
    """Peak GPU memory allocated when CUDA is in use, else the process's peak resident memory."""
    import torch

    if torch.cuda.is_available() and torch.cuda.max_memory_allocated() > 0:
        return torch.cuda.max_memory_allocated() / 2**20
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _write_manifest(
    config: TrainConfig, result: RunResult, trainer: Any, *, resumed_from: Path | None
) -> None:
    import torch

    args = trainer.args
    manifest = {
        "config": config.model_dump(mode="json"),
        "versions": _versions(),
        "command": sys.argv,
        "base_model": result.base_model,
        "new_tokens": result.new_tokens,
        "data": asdict(result.data),
        "device": str(args.device),
        "world_size": args.world_size,
        "dtype": "bfloat16" if args.bf16 else "float32",
        "gradient_checkpointing": args.gradient_checkpointing,
        "steps": result.steps,
        "resumed_from": os.fspath(resumed_from) if resumed_from else None,
        "loss_curve": result.loss_curve,
        "wall_s": round(result.wall_s, 3),
        "tokens": result.tokens,
        "tokens_per_s": round(result.tokens_per_s, 2),
        "peak_memory_mb": round(result.peak_memory_mb, 1),
        "peak_memory_kind": "cuda_allocated" if torch.cuda.is_available() else "process_rss",
        "adapter_mb": round(result.adapter_mb, 3),
    }
    with atomic_write(config.output_dir / MANIFEST) as handle:
        json.dump(manifest, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
