"""``hf``: transformers generation, the base model loaded once and PEFT adapters switched on top.

Prompts are rendered by the same chat profile as training (``profile.prompt(record, turn)``) and
outputs read back with ``profile.parse``. Generation is batched with LEFT padding (so every prompt
ends where generation starts), greedy unless a temperature is set, and stops at the profile's end of
turn; greedy rows leave the batch as they stop (:mod:`fncall_eval.backends.greedy`). Prompts are
sorted by length before batching, so a batch wastes little on padding; the predictions still carry
their record ids, whatever the order.

With ``constrained``, every call the model opens follows its record's tool schemas
(:mod:`fncall_eval.constrained`); the engine's view of the tokenizer is built once per backend.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from fncall_data.errors import FncallError
from fncall_data.profiles import get_profile
from fncall_data.turns import evaluated_turn
from fncall_data.types import Record, Tool
from fncall_eval.backends.base import Backend, GenerateConfig, require
from fncall_eval.predictions import Prediction

__all__ = ["HFBackend", "create"]

log = logging.getLogger(__name__)


class HFBackend(Backend):
    """A transformers model with any number of LoRA adapters, one active at a time."""

    def __init__(self, config: GenerateConfig) -> None:
        from fncall_train.models import load_model

        if config.decision == "calibrated" and config.temperature > 0:
            raise FncallError("a calibrated call decision applies to greedy decoding; use --temperature 0")
        self.config = config
        self.profile = get_profile(config.profile)
        self.parse = self.profile.parse
        self.loaded = load_model(config.model, profile=self.profile, dtype=config.dtype, device=config.device)
        self.model: Any = self.loaded.model
        self.tokenizer: Any = self.loaded.tokenizer
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self._adapters: dict[str, str] = {}  # adapter folder -> its name inside the PeftModel
        self._stop_ids, self._stop_strings = self._stops()
        self.constrainer: Any = None
        self._decision: Any = None  # the active adapter's call threshold (fncall_eval.decision), if any
        if config.constrained:
            self.constrainer = self._constrainer()

    def _constrainer(self) -> Any:
        from fncall_eval.constrained import CallConstrainer

        syntax = self.profile.call_syntax
        if syntax is None:
            raise FncallError(
                f"profile {self.profile.name} has no fixed call syntax to constrain; "
                "use gemma, gemma_json, gemma_tokens or chatml"
            )
        width = int(self.model.get_output_embeddings().weight.shape[0])
        return CallConstrainer(self.tokenizer, width, self._stop_ids, syntax)

    def _stops(self) -> tuple[list[int], list[str]]:
        """Stop strings that are single tokens become end-of-sequence ids (cheap); others stay strings."""
        ids = [self.tokenizer.eos_token_id] if self.tokenizer.eos_token_id is not None else []
        strings = []
        for stop in self.profile.stop_strings:
            tokens = self.tokenizer.encode(stop, add_special_tokens=False)
            if len(tokens) == 1:
                ids.append(tokens[0])
            else:
                strings.append(stop)
        return sorted(set(ids)), strings

    def prompts(self, records: Sequence[Record]) -> list[str]:
        """The prompt text of each record: the conversation up to the evaluated turn."""
        return [self.profile.prompt(r, evaluated_turn(r)) for r in records]

    def activate(self, adapter: str | None) -> AbstractContextManager[Any]:
        """Make ``adapter`` the active one; for the base model, a context that disables adapters."""
        if adapter is None:
            return self.model.disable_adapter() if self._adapters else nullcontext()
        path = os.path.abspath(adapter)
        if path not in self._adapters:
            from peft import PeftModel

            name = f"adapter_{len(self._adapters)}"
            if self._adapters:
                self.model.load_adapter(path, adapter_name=name)
            else:
                self.model = PeftModel.from_pretrained(self.model, path, adapter_name=name)
            self.model.eval()
            self._adapters[path] = name
        self.model.set_adapter(self._adapters[path])
        return _merged(self.model)

    def generate_texts(
        self, prompts: Sequence[str], tools: Sequence[Sequence[Tool]] | None = None
    ) -> list[str]:
        """Generate for one batch of prompt texts with the active model (left padding).

        Greedy decoding takes each row out of the batch when it stops (:mod:`.greedy`); sampling
        goes through ``model.generate``. ``tools`` (each prompt's offered tools) is needed when the
        backend is constrained.
        """
        import torch

        encoded = self.tokenizer(
            list(prompts), return_tensors="pt", padding=True, add_special_tokens=True
        ).to(self.loaded.device)
        rows_matchers = None
        if self.constrainer is not None:
            if tools is None or len(tools) != len(prompts):
                raise FncallError("a constrained backend needs the tools offered to each prompt")
            rows_matchers = self.constrainer.rows(tools)
        if self.config.temperature <= 0:
            from fncall_eval.backends.greedy import greedy_generate

            rows = greedy_generate(
                self.model, encoded["input_ids"], encoded["attention_mask"],
                max_new_tokens=self.config.max_new_tokens, stop_ids=self._stop_ids,
                stopped=self._stopped if self._stop_strings else None,
                pick=rows_matchers.pick if rows_matchers is not None else None,
                first=self._first_token,
            )  # fmt: skip
            texts = [self.tokenizer.decode(row, skip_special_tokens=False) for row in rows]
            return [self._cut(t) for t in texts]
        options: dict[str, Any] = {
            "max_new_tokens": self.config.max_new_tokens,
            "do_sample": True,
            "temperature": self.config.temperature,
            "pad_token_id": self.tokenizer.pad_token_id,
            "eos_token_id": self._stop_ids,
        }
        if self._stop_strings:
            options.update(stop_strings=self._stop_strings, tokenizer=self.tokenizer)
        if rows_matchers is not None:
            from transformers import LogitsProcessorList

            from fncall_eval.constrained import ConstrainedLogits

            width = encoded["input_ids"].shape[1]
            options["logits_processor"] = LogitsProcessorList([ConstrainedLogits(rows_matchers, width)])
        with torch.inference_mode():
            output = self.model.generate(**encoded, **options)
        new = output[:, encoded["input_ids"].shape[1] :]
        texts = self.tokenizer.batch_decode(new, skip_special_tokens=False)
        return [self._cut(t) for t in texts]

    def _decision_for(self, adapter: str | None) -> Any:
        """With ``decision="calibrated"``, the threshold saved beside ``adapter`` (None for the base
        model and for an adapter that has none)."""
        if self.config.decision != "calibrated":
            return None
        from fncall_eval.decision import load_decision

        return load_decision(adapter, self.profile.name)

    def _first_token(self, logits: Any) -> Any:
        """The first step's logits, with the active adapter's call threshold applied when it has one."""
        if self._decision is None:
            return logits
        from fncall_eval.decision import apply_decision

        return apply_decision(logits, self._decision)

    def _stopped(self, tokens: list[int]) -> bool:
        """Whether a row's new tokens hold one of the stop strings that are several tokens long."""
        text = self.tokenizer.decode(tokens, skip_special_tokens=False)
        return any(stop in text for stop in self._stop_strings)

    def _cut(self, text: str) -> str:
        """The text up to the end of the turn; padding and end-of-sequence tokens removed."""
        ends = [*self.profile.stop_strings, self.tokenizer.eos_token, self.tokenizer.pad_token]
        cut = min((i for i in (text.find(e) for e in ends if e) if i >= 0), default=len(text))
        return text[:cut]

    def generate(self, records: Sequence[Record], *, adapter: str | None = None) -> Iterator[Prediction]:
        prompts: list[str] = []
        usable: list[Record] = []
        for record in records:
            try:
                prompts.append(self.profile.prompt(record, evaluated_turn(record)))
            except FncallError as exc:  # a record the profile cannot render is a failed row
                yield Prediction(record.id, error=f"cannot render the prompt: {exc}")
                continue
            usable.append(record)
        records = usable
        lengths = [len(self.tokenizer.encode(p)) for p in prompts]
        order = sorted(range(len(records)), key=lambda i: -lengths[i])
        size = self.config.batch_size
        self._decision = self._decision_for(adapter)
        with self.activate(adapter):
            for start in range(0, len(order), size):
                batch = order[start : start + size]
                began = time.perf_counter()
                texts = self.generate_texts([prompts[i] for i in batch], [records[i].tools for i in batch])
                each = (time.perf_counter() - began) / len(batch)
                for i, text in zip(batch, texts, strict=True):
                    yield Prediction(records[i].id, text, seconds=each)

    def close(self) -> None:
        self.model = None
        self._adapters.clear()


def create(config: GenerateConfig) -> Backend:
    """The factory registered as ``hf``: needs torch, transformers and peft (the train extra), and
    llguidance (the constrained extra) when ``config.constrained``."""
    require("hf", ("torch", "transformers", "peft"), 'pip install "fncall[train]"')
    if config.constrained:
        from fncall_eval.constrained import require_engine

        require_engine()  # before the model loads
    return HFBackend(config)


@contextmanager
def _merged(model: Any) -> Iterator[None]:
    """Fold the active adapter into the weights while it generates, and take it out again after.

    A merged LoRA layer is one matrix product instead of three (and no dropout module), which saves
    time on every generated token; the outputs agree with the unmerged adapter up to float rounding
    (a test checks the texts). An adapter PEFT cannot merge is run unmerged.
    """
    tuner = model.base_model
    try:
        tuner.merge_adapter()
    except (NotImplementedError, ValueError, AttributeError) as exc:
        log.info("running the adapter unmerged: %s", exc)
        yield
        return
    try:
        yield
    finally:
        tuner.unmerge_adapter()
