"""The call/no-call decision made on purpose: a threshold on the first token, chosen on held-out records.

Greedy decoding calls whenever the call opener (the first token of ``<tool_call>``) is the likeliest
first token of the reply. A small fine-tune learns to rank requests (the opener gets more probability
where a call is right than where none is: ``benchmarks/decision_probe.py``), but where its greedy
threshold falls changes from seed to seed, and it mostly falls on "always call". Here the threshold
is set on purpose:

1. :func:`calibrate` reads the opener's probability on records the model was not trained on
   (a validation split of the training tools, never the test set) and picks the threshold that
   best separates the requests that need a call from those that need none (Youden's J: the largest
   call rate plus decline rate; halfway between two neighbouring probabilities).
2. The result, a :class:`Decision`, is saved beside the adapter (``fncall_decision.json``).
3. ``fncall eval run --decision calibrated`` applies it to the first token of every reply: at or
   above the threshold the reply opens a call, below it the opener is ruled out. What follows is the
   model's own greedy text (and calls stay the model's: how many, which tool, which values).

The base model and any adapter without a saved decision are decoded greedily as before.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fncall_data.errors import FncallError

__all__ = [
    "FILE",
    "Decision",
    "apply_decision",
    "auc",
    "calibrate",
    "choose_threshold",
    "load_decision",
    "opener_probabilities",
    "opener_token",
    "read_validation",
]

#: The file a calibration writes into the adapter folder.
FILE = "fncall_decision.json"


@dataclass(frozen=True)
class Decision:
    """A calibrated call/no-call threshold for one adapter and chat profile.

    Attributes:
        profile: the chat profile whose call opener is read.
        token: the id of the opener's first token.
        threshold: the reply opens a call when the token's probability is at least this.
        records: validation records it was chosen on, ``calls`` of which need a call.
        call_rate / decline_rate: on those records, the share of call requests above the threshold
            and of no-call requests below it.
        auc: how well the probability separates the two kinds there (0.5: a coin, 1: cleanly).
    """

    profile: str
    token: int
    threshold: float
    records: int
    calls: int
    call_rate: float
    decline_rate: float
    auc: float

    def describe(self) -> str:
        return (
            f"call when P(opener) >= {self.threshold:.3f} (chosen on {self.records} validation records: "
            f"{self.call_rate:.0%} of call requests call, {self.decline_rate:.0%} of the others decline; "
            f"AUC {self.auc:.2f})"
        )


def choose_threshold(
    probabilities: Sequence[float], needs_call: Sequence[bool]
) -> tuple[float, float, float]:
    """The threshold with the largest call rate + decline rate, and those two rates.

    Ties go to the lower threshold (more calls). The threshold sits halfway between the probability
    it admits and the next one below, so a new record with either value lands on the side its
    neighbour did.

    Example:
        >>> choose_threshold([0.9, 0.8, 0.3, 0.2], [True, True, False, False])
        (0.55, 1.0, 1.0)
    """
    if len(probabilities) != len(needs_call):
        raise ValueError("one probability per record")
    calls = sum(needs_call)
    quiet = len(needs_call) - calls
    if not calls or not quiet:
        raise FncallError(
            f"calibration needs records that need a call and records that need none; got {calls} and {quiet}"
        )
    values = sorted(set(probabilities))
    best: tuple[float, float, float, float] | None = None
    for index, value in enumerate(values):
        call_rate = sum(p >= value for p, c in zip(probabilities, needs_call, strict=True) if c) / calls
        decline_rate = sum(p < value for p, c in zip(probabilities, needs_call, strict=True) if not c) / quiet
        score = call_rate + decline_rate
        if best is None or score > best[0]:
            below = values[index - 1] if index else 0.0
            best = (score, (below + value) / 2, call_rate, decline_rate)
    assert best is not None
    return round(best[1], 6), best[2], best[3]


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """The Mann-Whitney estimate of P(positive > negative), ties counting one half.

    Example:
        >>> auc([0.9, 0.4], [0.4, 0.1])
        0.875
    """
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def opener_token(tokenizer: Any, profile: Any) -> int:
    """The first token of the profile's call opener (``<`` when the tag is plain text)."""
    syntax = profile.call_syntax
    if syntax is None:
        raise FncallError(
            f"profile {profile.name} has no fixed call opener to calibrate; use gemma or chatml"
        )
    tokens = tokenizer.encode(syntax.open, add_special_tokens=False)
    if not tokens:
        raise FncallError(f"the tokenizer writes {syntax.open!r} as no tokens")
    return int(tokens[0])


def opener_probabilities(model: Any, tokenizer: Any, prompts: Sequence[str], token: int) -> list[float]:
    """The probability of ``token`` as the first token of the reply, for each prompt (one at a time, so
    no padding can move a position; the beginning-of-sequence token added as in evaluation)."""
    import torch

    device = next(model.parameters()).device
    values = []
    with torch.inference_mode():
        for prompt in prompts:
            encoded = tokenizer(prompt, return_tensors="pt", add_special_tokens=True).to(device)
            logits = model(**encoded, use_cache=False, logits_to_keep=1).logits[0, -1].float()
            values.append(float(torch.softmax(logits, -1)[token]))
    return values


def calibrate(backend: Any, adapter: str | Path, records: Sequence[Any], *, write: bool = True) -> Decision:
    """Choose the threshold for ``adapter`` on ``records`` with an ``hf`` backend's model.

    Args:
        backend: an :class:`~fncall_eval.backends.hf.HFBackend` (its model, tokenizer and profile).
        adapter: the adapter folder; the decision is written there as ``fncall_decision.json``.
        records: validation records (not the test set), both kinds of request among them.
        write: save the decision beside the adapter.
    """
    from fncall_data.turns import evaluated_turn, reference_calls

    profile = backend.profile
    token = opener_token(backend.tokenizer, profile)
    prompts = [profile.prompt(r, evaluated_turn(r)) for r in records]
    needs_call = [bool(reference_calls(r)) for r in records]
    with backend.activate(str(adapter)):
        probabilities = opener_probabilities(backend.model, backend.tokenizer, prompts, token)
    threshold, call_rate, decline_rate = choose_threshold(probabilities, needs_call)
    decision = Decision(
        profile=profile.name, token=token, threshold=threshold, records=len(records), calls=sum(needs_call),
        call_rate=call_rate, decline_rate=decline_rate, auc=auc(
            [p for p, c in zip(probabilities, needs_call, strict=True) if c],
            [p for p, c in zip(probabilities, needs_call, strict=True) if not c],
        ),
    )  # fmt: skip
    if write:
        from fncall_data.io import atomic_write

        with atomic_write(Path(adapter) / FILE) as handle:
            handle.write(json.dumps(asdict(decision), indent=2) + "\n")
    return decision


def read_validation(path: str | Path) -> list[Any]:
    """The validation records of ``path``; a row that is not a usable record stops the calibration.

    Raises:
        InputError: naming the file, the first bad row and why.
    """
    from fncall_data.errors import InputError
    from fncall_data.formats import load_records

    result = load_records(path)
    if result.rejects:
        bad = result.rejects[0]
        more = f" (and {len(result.rejects) - 1} more)" if len(result.rejects) > 1 else ""
        raise InputError(f"{bad.reason}{more}", file=str(path), line=bad.row)
    return list(result.records)


def load_decision(adapter: str | Path | None, profile: str) -> Decision | None:
    """The decision saved beside ``adapter``, or None when it has none (or for the base model).

    Raises:
        FncallError: the file is unreadable, or was calibrated with another chat profile.
    """
    if adapter is None:
        return None
    path = Path(adapter) / FILE
    if not path.is_file():
        return None
    try:
        decision = Decision(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        raise FncallError(f"{path}: not a decision file fncall wrote ({exc}); calibrate again") from exc
    if decision.profile != profile:
        raise FncallError(
            f"{path} was calibrated with profile {decision.profile}, not {profile}; calibrate again"
        )
    if not 0.0 <= decision.threshold <= 1.0 or math.isnan(decision.threshold):
        raise FncallError(f"{path}: threshold {decision.threshold} is not a probability")
    return decision


def apply_decision(logits: Any, decision: Decision) -> Any:
    """First-token logits with the decision applied: rows at or above the threshold must open a call,
    rows below it cannot."""
    import torch

    probability = torch.softmax(logits.float(), -1)[:, decision.token]
    call = probability >= decision.threshold
    out = logits.clone()
    top = out.max(-1).values
    out[:, decision.token] = torch.where(call, top + 1.0, torch.full_like(top, float("-inf")))
    return out
