"""The training configuration: one typed, frozen object, read from a recipe, a YAML file and CLI options.

:class:`TrainConfig` describes a run in fncall's own terms (what the loss covers, how examples are
packed, which layers carry LoRA). It *produces* TRL's ``SFTConfig`` and PEFT's ``LoraConfig`` when a
run starts; it does not mirror their hundreds of fields.

Example:
    >>> cfg = TrainConfig(data="d.jsonl", output_dir="runs/t")
    >>> (cfg.profile, cfg.loss_on, cfg.lora_r)
    ('gemma', 'model_turns', 16)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fncall_data.errors import FncallError, InputError
from fncall_data.types import describe_validation_error

if TYPE_CHECKING:
    from peft import LoraConfig
    from trl.trainer.sft_config import SFTConfig

__all__ = ["ATTENTION_AND_MLP", "DEFAULT_MODEL", "TrainConfig", "load_config"]

#: The hub model trained when none is named.
DEFAULT_MODEL = "google/gemma-2-2b-it"
#: Projection layers of a Gemma/Llama-style decoder: LoRA on these keeps the adapter small.
ATTENTION_AND_MLP = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


class TrainConfig(BaseModel):
    """Everything that decides a training run. Defaults are the ``default`` recipe.

    Example:
        >>> TrainConfig(data="d.jsonl", output_dir="o", max_steps=5).max_steps
        5
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- what is trained, on what, where the results go
    model: str = Field(
        default=DEFAULT_MODEL,
        description="A hub id, a local model folder, a .gguf file, 'embedded' or 'tiny' (see load_model).",
    )
    data: Path = Field(description="Training records: a JSONL file of records, or anything `convert` reads.")
    output_dir: Path = Field(description="Run folder: adapter/, tokenizer/, checkpoints/, fncall_run.json.")
    recipe: str = Field(
        default="default", description="The recipe these values started from (for the record)."
    )
    backend: str = Field(default="trl", description="Trainer backend: 'trl' (SFTTrainer) or 'hf' (Trainer).")
    cache_dir: Path | None = Field(default=None, description="Where converted/downloaded models are cached.")

    # --- how a record becomes tokens and what the loss covers
    profile: str = Field(default="gemma", description="Chat profile that renders records (shared with eval).")
    loss_on: Literal["model_turns", "all"] = Field(
        default="model_turns",
        description="'model_turns': loss only on what the model writes; 'all': every token (the tutorial).",
    )
    max_length: int = Field(default=1500, gt=8, description="Longest example, in tokens.")
    overlong: Literal["drop", "error"] = Field(
        default="drop",
        description="An example longer than max_length is dropped (counted, written to rejects) or stops "
        "the run; it is never cut in the middle.",
    )
    packing: Literal["none", "padding_free", "wrapped"] = Field(
        default="padding_free",
        description="'padding_free': examples packed without attending to each other; 'wrapped': the "
        "tutorial's concatenate-and-cut blocks that attend across examples; 'none': one per row, padded.",
    )
    logits: Literal["loss_positions", "all"] = Field(
        default="loss_positions",
        description="Compute the output layer only where the loss is taken, or at every position.",
    )
    decision_weight: float = Field(
        default=1.0,
        ge=1,
        description="Loss weight of the first token of each model turn, where the reply decides between "
        "a call and words (1: as every other token). The loss stays divided by the token count.",
    )

    # --- LoRA
    lora_r: int = Field(default=16, gt=0, description="LoRA rank.")
    lora_alpha: int = Field(default=64, gt=0, description="LoRA scaling numerator (scale = alpha / r).")
    lora_dropout: float = Field(default=0.05, ge=0, lt=1, description="Dropout on the LoRA input.")
    lora_targets: tuple[str, ...] = Field(
        default=ATTENTION_AND_MLP, min_length=1, description="Module names that get LoRA layers."
    )
    lora_layers: int | None = Field(
        default=None,
        gt=0,
        description="Adapt only the top N decoder layers (None: all). The layers below get no gradient, "
        "so the backward pass stops at the lowest adapted layer: a cheaper step for a time budget.",
    )
    train_new_tokens: bool = Field(
        default=True,
        description="Train only the embedding rows of tokens the profile added (PEFT trainable tokens).",
    )

    # --- optimisation
    learning_rate: float = Field(default=1e-4, gt=0, description="Peak learning rate.")
    epochs: float = Field(
        default=1.0, gt=0, description="Passes over the data (ignored when max_steps is set)."
    )
    max_steps: int | None = Field(default=None, gt=0, description="Stop after this many optimizer steps.")
    max_minutes: float | None = Field(
        default=None,
        gt=0,
        description="Stop after the optimizer step that passes this many minutes of training; the adapter "
        "is saved as usual (for a time budget; see schedule_by for the learning-rate schedule).",
    )
    min_steps: int | None = Field(
        default=None,
        gt=0,
        description="With max_minutes: train at least this many optimizer steps, past the time budget when "
        "the machine is slower than planned; a clock schedule then follows whichever of the clock and "
        "the steps is further behind, so the run still ends with the rate decayed.",
    )
    schedule_by: Literal["steps", "minutes"] = Field(
        default="steps",
        description="What the warm-up and decay are laid over: max_steps, or the max_minutes of wall time "
        "('minutes', which needs max_minutes), so a time-budgeted run ends with the rate decayed however "
        "fast the machine is; max_steps then only caps the run.",
    )
    batch_size: int = Field(
        default=1, gt=0, description="Examples (or packed rows) per device per micro-step."
    )
    grad_accum: int = Field(default=4, gt=0, description="Micro-steps per optimizer step.")
    scheduler: Literal["cosine", "linear", "constant", "constant_with_warmup"] = Field(
        default="cosine", description="Learning-rate schedule."
    )
    warmup_fraction: float = Field(
        default=0.1, ge=0, lt=1, description="Share of the steps spent warming up."
    )
    weight_decay: float = Field(default=0.1, ge=0, description="AdamW weight decay.")
    max_grad_norm: float = Field(default=1.0, gt=0, description="Gradient clipping norm.")
    precision: Literal["auto", "bf16", "fp32"] = Field(
        default="auto", description="'auto': bf16 on GPUs that support it, float32 elsewhere (CPU)."
    )
    gradient_checkpointing: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="'auto': on with CUDA (memory is the limit there), off on CPU (recomputing costs time).",
    )
    seed: int = Field(default=42, description="Random seed for LoRA init, dropout and data order.")

    # --- bookkeeping
    logging_steps: int = Field(
        default=1, gt=0, description="Log loss, learning rate and tokens/s every N steps."
    )
    save_steps: int = Field(default=50, gt=0, description="Write a resumable checkpoint every N steps.")
    save_total_limit: int = Field(default=2, gt=0, description="Checkpoints kept on disk.")
    device: str = Field(default="auto", description="'auto', 'cpu', 'cuda', 'cuda:1', ...")

    # ---------------------------------------------------------------- derived settings
    def use_bf16(self) -> bool:
        """Whether this run computes in bfloat16 (decided by precision and the hardware)."""
        if self.precision != "auto":
            return self.precision == "bf16"
        import torch

        return self.device != "cpu" and torch.cuda.is_available() and torch.cuda.is_bf16_supported()

    @model_validator(mode="after")
    def _clock_needs_minutes(self) -> TrainConfig:
        if self.schedule_by == "minutes" and self.max_minutes is None:
            raise ValueError("schedule_by 'minutes' needs max_minutes (the time the schedule is laid over)")
        return self

    def use_gradient_checkpointing(self) -> bool:
        """Whether activations are recomputed in the backward pass."""
        if self.gradient_checkpointing != "auto":
            return self.gradient_checkpointing == "on"
        import torch

        return self.device != "cpu" and torch.cuda.is_available()

    @property
    def checkpoint_dir(self) -> Path:
        """Where resumable trainer checkpoints go."""
        return self.output_dir / "checkpoints"

    # ---------------------------------------------------------------- produced configs
    def lora_config(
        self, new_token_ids: list[int] | None = None, num_layers: int | None = None
    ) -> LoraConfig:
        """PEFT's ``LoraConfig`` for this run.

        Args:
            new_token_ids: ids of tokens the profile added to the tokenizer; with ``train_new_tokens``
                their embedding rows (only those) are trained.
            num_layers: the model's decoder layers; needed when ``lora_layers`` is set.

        Raises:
            FncallError: ``lora_layers`` is set and ``num_layers`` is not known.

        Example:
            >>> TrainConfig(data="d", output_dir="o").lora_config([7]).trainable_token_indices
            {'embed_tokens': [7]}
        """
        from peft import LoraConfig

        tokens = None
        if self.train_new_tokens and new_token_ids:
            tokens = {"embed_tokens": sorted(new_token_ids)}
        layers = None
        if self.lora_layers is not None:
            if num_layers is None:
                raise FncallError("lora_layers needs the model's number of decoder layers")
            layers = list(range(max(0, num_layers - self.lora_layers), num_layers))
        return LoraConfig(
            r=self.lora_r,
            lora_alpha=self.lora_alpha,
            lora_dropout=self.lora_dropout,
            target_modules=list(self.lora_targets),
            layers_to_transform=layers,
            trainable_token_indices=tokens,
            bias="none",
            task_type="CAUSAL_LM",
        )

    def sft_config(self) -> SFTConfig:
        """TRL's ``SFTConfig`` for this run (a ``transformers.TrainingArguments``, usable by any backend).

        The examples reach TRL already tokenized with their ``labels``, so TRL's own text and chat
        handling is not involved; it packs, collates and optimises.
        """
        from trl.trainer.sft_config import SFTConfig

        return SFTConfig(
            output_dir=os.fspath(self.checkpoint_dir),
            per_device_train_batch_size=self.batch_size,
            gradient_accumulation_steps=self.grad_accum,
            learning_rate=self.learning_rate,
            num_train_epochs=self.epochs,
            max_steps=self.max_steps or -1,
            lr_scheduler_type=self.scheduler,
            # TRL 1.x dropped warmup_ratio: a float below 1 here is read as a share of the total steps
            warmup_steps=self.warmup_fraction,
            weight_decay=self.weight_decay,
            max_grad_norm=self.max_grad_norm,
            bf16=self.use_bf16(),
            activation_checkpointing=self.use_gradient_checkpointing(),
            seed=self.seed,
            data_seed=self.seed,
            logging_steps=self.logging_steps,
            save_strategy="steps",
            save_steps=self.save_steps,
            save_total_limit=self.save_total_limit,
            report_to="none",
            disable_tqdm=True,
            use_cpu=self.device == "cpu",
            include_num_input_tokens_seen="non_padding",
            max_length=self.max_length,
            packing=self.packing != "none",
            packing_strategy="wrapped" if self.packing == "wrapped" else "bfd",
            padding_free=self.packing == "padding_free",
            remove_unused_columns=False,
            dataloader_num_workers=0,
        )

    def with_overrides(self, **overrides: Any) -> TrainConfig:
        """A copy with some fields changed, validated again (unknown names are an error)."""
        return _validate({**self.model_dump(), **overrides}, where=None)


def load_config(
    path: str | os.PathLike[str] | None = None, *, recipe: str | None = None, **overrides: Any
) -> TrainConfig:
    """Build a config: the recipe's values, then the YAML file's, then ``overrides`` (CLI options).

    ``None`` overrides are ignored, so CLI options that were not given keep the file's values.

    Raises:
        InputError: the YAML file is unreadable or names an unknown field or a bad value.
        FncallError: the recipe is unknown (with a did-you-mean).

    Example:
        >>> load_config(recipe="seed", data="d.jsonl", output_dir="o").profile
        'seed'
    """
    from fncall_train.recipes import recipe_values

    file_values: dict[str, Any] = {}
    where = None
    if path is not None:
        where = os.fspath(path)
        file_values = _read_yaml(where)
    name = recipe or file_values.pop("recipe", None) or "default"
    file_values.pop("recipe", None)
    values = {**recipe_values(name), **file_values, **{k: v for k, v in overrides.items() if v is not None}}
    values["recipe"] = name
    return _validate(values, where=where)


def _read_yaml(path: str) -> dict[str, Any]:
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the config: {exc.strerror}", file=path) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise InputError(
            f"not valid YAML: {exc}", file=path, line=None if line is None else line + 1
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("the config must be a mapping of field names to values", file=path)
    return data


def _validate(values: dict[str, Any], *, where: str | None) -> TrainConfig:
    try:
        return TrainConfig.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(describe_validation_error(exc))
        if where is None:
            raise FncallError(f"bad training option: {problems}") from None
        raise InputError(problems, file=where) from None
