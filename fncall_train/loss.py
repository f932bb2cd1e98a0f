"""The training loss, computed from the output layer only where it is needed.

A causal LM's output layer maps every position to the whole vocabulary; with Gemma's 256k-token
vocabulary that projection costs more than the rest of a small model. When the loss covers only the
model's turns, most positions need no logits at all, so :func:`causal_lm_loss` asks the model for
logits at the positions whose next token is trained (``logits_to_keep`` with explicit indices) and
takes the cross-entropy there. The forward still goes through the model itself (and through DDP and
PEFT wrappers), so an adapter on ``lm_head`` is used and gradients synchronise across processes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["IGNORE_INDEX", "SelectiveLossMixin", "causal_lm_loss"]

IGNORE_INDEX = -100


def causal_lm_loss(
    model: Any,
    inputs: dict[str, Any],
    *,
    only_loss_positions: bool,
    num_items_in_batch: Any = None,
    decision_weight: float = 1.0,
) -> Any:
    """Next-token cross-entropy over the positions whose label is not -100.

    Args:
        model: a causal LM (or a PEFT/DDP wrapper of one) whose forward takes ``logits_to_keep``.
        inputs: a collated batch with ``labels``; it is not modified.
        only_loss_positions: compute logits only where the loss is taken; otherwise at every position,
            as a plain ``model(labels=...)`` call would.
        num_items_in_batch: the loss tokens of the whole optimizer step (all micro-batches and ranks);
            when given, the sum is divided by it, else by this batch's count.
        decision_weight: the weight of each turn's first trained token (one right after an untrained
            one: where the model's reply begins, and decides between a call and words); the others
            weigh 1, and the divisor stays the token count.

    Returns:
        The scalar loss tensor.
    """
    import torch
    import torch.nn.functional as F

    labels = inputs["labels"]
    forward = {k: v for k, v in inputs.items() if k != "labels"}
    forward["use_cache"] = False
    targets = labels[:, 1:]
    weights = None
    if decision_weight != 1.0:
        first = (targets != IGNORE_INDEX) & (labels[:, :-1] == IGNORE_INDEX)
        weights = 1.0 + (decision_weight - 1.0) * first.float()
    if only_loss_positions:
        # union over the batch rows: one index list serves every row
        keep = (targets != IGNORE_INDEX).any(dim=0).nonzero().flatten()
        if keep.numel() == 0:
            keep = torch.zeros(1, dtype=torch.long, device=labels.device)
        logits = model(**forward, logits_to_keep=keep).logits
        targets = targets[:, keep]
        weights = weights[:, keep] if weights is not None else None
    else:
        logits = model(**forward, logits_to_keep=0).logits[:, :-1]
    losses = F.cross_entropy(
        logits.float().reshape(-1, logits.size(-1)),
        targets.reshape(-1),
        ignore_index=IGNORE_INDEX,
        reduction="none",
    )
    total = (losses * weights.reshape(-1)).sum() if weights is not None else losses.sum()
    if num_items_in_batch is None:
        return total / (targets != IGNORE_INDEX).sum().clamp(min=1)
    return total / num_items_in_batch


class SelectiveLossMixin:
    """``compute_loss`` for a ``transformers.Trainer`` subclass, with :func:`causal_lm_loss`.

    The subclass sets ``only_loss_positions``. Like ``Trainer.compute_loss``, a loss divided by the
    token count of all ranks is multiplied back by the number of processes, since DDP averages the
    gradients.
    """

    only_loss_positions: bool = True
    decision_weight: float = 1.0
    args: Any
    accelerator: Any

    def compute_loss(
        self,
        model: Any,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:
        loss = causal_lm_loss(
            model,
            inputs,
            only_loss_positions=self.only_loss_positions,
            num_items_in_batch=num_items_in_batch,
            decision_weight=self.decision_weight,
        )
        if self.args.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * self.accelerator.num_processes
        return (loss, None) if return_outputs else loss
