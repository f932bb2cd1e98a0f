"""Greedy decoding that takes each row out of the batch as soon as it has stopped.

``model.generate`` keeps every row of a batch running until the last one stops, and on a CPU a step
costs time in proportion to the rows in it: one answer that runs to the token limit makes fifteen
finished ones wait, and pay, for it. Here a row that wrote a stop token (or ends with a stop string)
leaves the batch and the key/value cache at once. The tokens are those of greedy ``generate``: the
same forward pass, positions counted from the attention mask as ``generate`` counts them (a test
checks the texts against ``generate``).

The output layer is also run as ``weight @ hidden.T`` instead of ``hidden @ weight.T``: the same
product, which MKL computes about twice as fast for a few rows against a 262k-token vocabulary
(16 rows of the embedded Gemma: 111 ms instead of 194 ms, ``benchmarks/decode.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["greedy_generate"]

#: Called with the new token ids of a row; True when the row has stopped.
StopCheck = Callable[[list[int]], bool]
#: Called with the next-token logits of the rows in the batch and the original row of each; returns the
#: token each writes (a constrained choice: :meth:`fncall_eval.constrained.RowMatchers.pick`).
Pick = Callable[[Any, list[int]], Any]


def greedy_generate(
    model: Any,
    input_ids: Any,
    attention_mask: Any,
    *,
    max_new_tokens: int,
    stop_ids: Sequence[int],
    stopped: StopCheck | None = None,
    pick: Pick | None = None,
    first: Callable[[Any], Any] | None = None,
) -> list[list[int]]:
    """The new tokens of each row, its stop token included, for left-padded ``input_ids``.

    Args:
        model: a causal LM (or a PEFT model around one) whose forward takes ``logits_to_keep``.
        input_ids / attention_mask: the prompts, padded on the left, as ``[rows, length]`` tensors.
        max_new_tokens: the most tokens a row may write.
        stop_ids: a row stops after writing one of these.
        stopped: an extra test on a row's new tokens (stop strings of several tokens).
        pick: chooses the tokens instead of the argmax (constrained decoding).
        first: rewrites the logits of the first new token of every row (a call threshold:
            :func:`fncall_eval.decision.apply_decision`).

    Example:
        >>> rows = greedy_generate(model, enc["input_ids"], enc["attention_mask"],  # doctest: +SKIP
        ...                        max_new_tokens=200, stop_ids=[tokenizer.eos_token_id])
    """
    import torch

    count = input_ids.shape[0]
    out: list[list[int]] = [[] for _ in range(count)]
    live = list(range(count))  # the original row of each row still in the batch
    stops = torch.tensor(sorted(set(stop_ids)), dtype=torch.long, device=input_ids.device)
    mask = attention_mask
    # generate's positions for left padding: count the real tokens, padding sits at 0
    positions = (mask.long().cumsum(-1) - 1).clamp(min=0)
    step_ids, step_positions, cache = input_ids, positions, None
    name = _cache_name()
    with torch.inference_mode(), _fast_output_layer(model):
        for step in range(max_new_tokens):
            output = model(
                input_ids=step_ids,
                attention_mask=mask,
                position_ids=step_positions,
                use_cache=True,
                logits_to_keep=1,
                **{name: cache},
            )
            cache = getattr(output, name)
            logits = output.logits[:, -1]
            if step == 0 and first is not None:
                logits = first(logits)
            tokens = logits.argmax(-1) if pick is None else pick(logits, live)
            done = torch.isin(tokens, stops).tolist()
            for i, (row, token) in enumerate(zip(live, tokens.tolist(), strict=True)):
                out[row].append(token)
                if not done[i] and stopped is not None and stopped(out[row]):
                    done[i] = True
            keep = [i for i, d in enumerate(done) if not d]
            if not keep:
                break
            last = step_positions[:, -1:]
            if len(keep) < len(live):
                index = torch.tensor(keep, dtype=torch.long, device=input_ids.device)
                cache.batch_select_indices(index)
                tokens, mask, last = tokens[index], mask[index], last[index]
                live = [live[i] for i in keep]
            mask = torch.cat([mask, mask.new_ones((len(live), 1))], dim=1)
            step_ids, step_positions = tokens.unsqueeze(1), last + 1
    return out


def _cache_name() -> str:
    """The key/value cache's argument name: ``cache`` in newer transformers, ``past_key_values`` before."""
    from transformers.modeling_outputs import CausalLMOutputWithPast

    return "cache" if "cache" in CausalLMOutputWithPast.__dataclass_fields__ else "past_key_values"


@contextmanager
def _fast_output_layer(model: Any) -> Iterator[None]:
    """Run a plain bias-free ``Linear`` output layer as ``weight @ x.T`` while decoding."""
    import torch

    head = model.get_output_embeddings()
    # a forward already set on the instance is a hook's (accelerate's offloading): leave it alone
    if type(head) is not torch.nn.Linear or head.bias is not None or "forward" in vars(head):
        yield
        return
    weight = head.weight

    def forward(x: Any) -> Any:
        flat = x.reshape(-1, x.shape[-1])
        return (weight @ flat.T).T.reshape(*x.shape[:-1], weight.shape[0])

    head.forward = forward
    try:
        yield
    finally:
        del head.forward  # back to the class's forward
