"""Token ids and the trained-token mask of one record, as training reads them.

The text comes from the profile's :meth:`~fncall_data.profiles.ChatProfile.segments`; the whole text is
tokenized at once (as ``apply_chat_template`` and TRL do, so the tokens are the ones inference sees),
and a token is trained when its characters overlap a trained segment. ``<bos>`` is added exactly once,
by the tokenizer or here when the tokenizer does not add it; a profile that asks for the original
recipe's doubled ``<bos>`` (``doubled_bos``) gets two, on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fncall_data.errors import FncallError
from fncall_data.profiles.base import ChatProfile, Segment
from fncall_data.types import Record

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

__all__ = ["Encoded", "encode", "trained_spans"]


@dataclass(frozen=True)
class Encoded:
    """One record as tokens.

    Attributes:
        input_ids: the token ids, ``<bos>`` first when the tokenizer has one.
        trained_mask: True on the tokens the loss covers.
        text: the rendered text (without ``<bos>``).
        length: the number of tokens before any cut.
        truncated: True when ``max_length`` cut the end off.
    """

    input_ids: list[int]
    trained_mask: list[bool]
    text: str
    length: int
    truncated: bool = False

    @property
    def labels(self) -> list[int]:
        """``input_ids`` with the untrained positions set to -100, the value losses ignore."""
        return [t if m else -100 for t, m in zip(self.input_ids, self.trained_mask, strict=True)]

    @property
    def trained_tokens(self) -> int:
        """How many tokens the loss covers."""
        return sum(self.trained_mask)


def trained_spans(segments: list[Segment]) -> list[tuple[int, int]]:
    """The ``[start, end)`` character spans of the trained segments in the joined text.

    Example:
        >>> trained_spans([Segment("ab", False), Segment("cd", True), Segment("e", False)])
        [(2, 4)]
    """
    spans: list[tuple[int, int]] = []
    at = 0
    for segment in segments:
        end = at + len(segment.text)
        if segment.trained and end > at:
            if spans and spans[-1][1] == at:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((at, end))
        at = end
    return spans


def encode(
    profile: ChatProfile,
    tokenizer: PreTrainedTokenizerBase,
    record: Record,
    max_length: int | None = None,
) -> Encoded:
    """Tokenize ``record`` as ``profile`` renders it, with the trained-token mask.

    Args:
        profile: the chat profile.
        tokenizer: a fast tokenizer (it must give offsets).
        record: the conversation.
        max_length: cut the tokens to this many (``truncated`` says so; the caller decides what to
            do with such records — the trainer reports them rather than cutting silently).

    Raises:
        FncallError: the tokenizer is not a fast one, or the text holds ``<bos>`` itself.

    Example:
        >>> from fncall_train.tiny import build_tiny_tokenizer  # doctest: +SKIP
        >>> enc = encode(get_profile("gemma"), build_tiny_tokenizer(), record)  # doctest: +SKIP
        >>> enc.input_ids[0] == tokenizer.bos_token_id  # doctest: +SKIP
        True
    """
    segments = profile.segments(record)
    text = "".join(segment.text for segment in segments)
    bos_text = tokenizer.bos_token if isinstance(tokenizer.bos_token, str) else None
    if bos_text and text.startswith(bos_text):
        raise FncallError(
            f"profile {profile.name!r} rendered a text that starts with {bos_text}; the tokenizer adds it"
        )
    if not getattr(tokenizer, "is_fast", False):
        raise FncallError("encoding needs a fast tokenizer (one with offsets); load it with use_fast=True")
    batch: Any = tokenizer(text, add_special_tokens=True, return_offsets_mapping=True)
    ids: list[int] = list(batch["input_ids"])
    offsets: list[tuple[int, int]] = [tuple(o) for o in batch["offset_mapping"]]
    special = set(tokenizer.all_special_ids)
    bos_id = tokenizer.bos_token_id
    lead: list[int] = []
    if bos_id is not None:
        wanted = 2 if profile.doubled_bos else 1
        present = 1 if ids and ids[0] == bos_id else 0
        lead = [bos_id] * (wanted - present)
    spans = trained_spans(segments)
    mask = [False] * len(lead)
    for token_id, (start, end) in zip(ids, offsets, strict=True):
        # Tokens the tokenizer adds itself (<bos>) have an empty span and no text: never trained.
        if start == end and token_id in special and not _inside(start, spans):
            mask.append(False)
        else:
            mask.append(_overlaps(start, max(end, start + 1), spans))
    ids = lead + ids
    length = len(ids)
    truncated = max_length is not None and length > max_length
    if max_length is not None and truncated:
        ids, mask = ids[:max_length], mask[:max_length]
    return Encoded(input_ids=ids, trained_mask=mask, text=text, length=length, truncated=truncated)


def _inside(at: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < at < end for start, end in spans)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)
