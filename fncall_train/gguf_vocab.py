"""A tokenizer as GGUF vocabulary metadata, spelled the way llama.cpp writes it and transformers reads it.

A GGUF file has no ``tokenizer.json``: it lists every token with a type (and, for SentencePiece-style
vocabularies, a score) and names the tokenizer kind. Two kinds of ``tokenizer.json`` are handled:

- **SentencePiece-style BPE** (Gemma's own tokenizer: spaces become ``▁``, unknown bytes fall back to
  ``<0xNN>`` tokens) is written as kind ``llama``. llama.cpp merges the adjacent pair whose result has
  the highest score, where transformers applies the merge with the lowest rank; giving each token
  minus the rank of the first merge that makes it lets both pick the same pair. transformers rebuilds
  Gemma's merges from the order of the tokens, which is the id order kept here.
- **byte-level BPE** (the tiny test model's tokenizer) is written as kind ``gpt2``, with its merges.

Runs of spaces in Gemma's vocabulary are user-defined pieces that llama.cpp's Gemma files spell with
real spaces; transformers' GGUF reader spells them back with ``▁``, so they are written that way.
Added tokens keep their kind: special ones are control tokens (llama.cpp stops at them and hides them
from the text it returns), others are user-defined (always matched whole, always shown). Tags a run
added for its chat profile are written as user-defined even though transformers marks them special:
a runtime must show ``<tool_call>`` in its output, or nobody can parse the call.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from fncall_data.errors import FncallError

if TYPE_CHECKING:
    from gguf import GGUFWriter

__all__ = ["GgufVocab", "gguf_vocab", "write_vocab"]

# llama.cpp's token types (gguf.TokenType), kept as plain ints so this module imports without gguf
NORMAL, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 3, 4, 5, 6
# the score llama.cpp's Gemma files give control and user-defined tokens
_ADDED_SCORE = -1000.0
_BYTE_TOKEN = re.compile(r"^<0x[0-9A-F]{2}>$")


@dataclass(frozen=True)
class GgufVocab:
    """What goes under ``tokenizer.ggml.*`` in the file.

    Attributes:
        kind: ``llama`` (SentencePiece-style) or ``gpt2`` (byte-level BPE).
        pre: llama.cpp's pre-tokenizer name (``default`` for ``llama``, ``gpt-2`` for ``gpt2``).
        tokens: every token, by id; ``[PAD<id>]`` fills rows the embedding has beyond the tokenizer.
        types: llama.cpp's token type of each token.
        scores: the merge priority of each token (``llama`` only).
        merges: the BPE merges as ``"left right"`` (``gpt2`` only).
        special_ids: ``bos``, ``eos``, ``unk``, ``pad`` and ``eot`` (the end of a turn) where known.
        add_bos: whether the tokenizer puts ``<bos>`` in front of what it encodes.
        padded: how many ``[PAD]`` rows were added.
    """

    kind: Literal["llama", "gpt2"]
    pre: str
    tokens: list[str]
    types: list[int]
    scores: list[float] | None
    merges: list[str] | None
    special_ids: dict[str, int]
    add_bos: bool
    padded: int = 0


def gguf_vocab(
    tokenizer: Any, rows: int, *, shown: tuple[str, ...] = (), end_of_turn: str | None = None
) -> GgufVocab:
    """Describe ``tokenizer`` (a fast transformers tokenizer) for an embedding of ``rows`` rows.

    Args:
        tokenizer: the run's tokenizer.
        rows: rows of the model's embedding; tokens are padded up to it.
        shown: added tokens to write as user-defined (shown in output) even when they are special.
        end_of_turn: the token that ends a model turn. When it is a single token it is written as
            ``eot`` and as ``eos`` too: llama.cpp stops at either, but transformers (``transformers
            serve`` included) stops only at ``eos``, and would otherwise run every answer to its limit.

    Raises:
        FncallError: the tokenizer is not a BPE of a kind GGUF files describe, has gaps in its ids,
            or has more tokens than the embedding has rows.
    """
    state = json.loads(tokenizer.backend_tokenizer.to_str())
    model = state.get("model") or {}
    kind = _kind(state)
    if model.get("type") != "BPE" or kind is None:
        raise FncallError(
            f"the tokenizer is a {model.get('type')} model with normalizer {_name(state.get('normalizer'))} "
            f"and pre-tokenizer {_name(state.get('pre_tokenizer'))}; GGUF export handles Gemma's "
            "SentencePiece-style BPE and byte-level BPE"
        )
    by_id: dict[int, str] = {index: text for text, index in model["vocab"].items()}
    added = {entry["id"]: entry for entry in state.get("added_tokens") or []}
    by_id.update({index: entry["content"] for index, entry in added.items()})
    count = len(by_id)
    if set(by_id) != set(range(count)):
        missing = sorted(set(range(count)) - set(by_id))[:5]
        raise FncallError(f"the tokenizer has no token for ids {missing}; a GGUF vocabulary cannot have gaps")
    if count > rows:
        raise FncallError(f"the tokenizer has {count} tokens but the embedding only {rows} rows")
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges") or []]
    tokens: list[str] = []
    types: list[int] = []
    for index in range(count):
        text, kind_of = by_id[index], NORMAL
        if index in added:
            kind_of = USER_DEFINED if text in shown or not added[index]["special"] else CONTROL
        elif kind == "llama" and _BYTE_TOKEN.match(text):
            kind_of = BYTE
        elif kind == "llama" and len(text) > 1 and set(text) == {"▁"}:
            text, kind_of = " " * len(text), USER_DEFINED
        tokens.append(text)
        types.append(kind_of)
    padded = rows - count
    tokens += [f"[PAD{index}]" for index in range(count, rows)]
    types += [UNUSED] * padded
    scores = _scores(tokens, types, merges) if kind == "llama" else None
    return GgufVocab(
        kind=kind,
        pre="default" if kind == "llama" else "gpt-2",
        tokens=tokens,
        types=types,
        scores=scores,
        merges=merges if kind == "gpt2" else None,
        special_ids=_special_ids(tokenizer, end_of_turn),
        add_bos=_adds_bos(tokenizer),
        padded=padded,
    )


def write_vocab(writer: GGUFWriter, vocab: GgufVocab) -> None:
    """Add ``vocab`` to a GGUF writer, under llama.cpp's key names."""
    writer.add_tokenizer_model(vocab.kind)
    writer.add_tokenizer_pre(vocab.pre)
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.types)
    if vocab.scores is not None:
        writer.add_token_scores(vocab.scores)
    if vocab.merges is not None:
        writer.add_token_merges(vocab.merges)
    ids = vocab.special_ids
    for name, add in (
        ("bos", writer.add_bos_token_id),
        ("eos", writer.add_eos_token_id),
        ("unk", writer.add_unk_token_id),
        ("pad", writer.add_pad_token_id),
        ("eot", writer.add_eot_token_id),
    ):
        if name in ids:
            add(ids[name])
    writer.add_add_bos_token(vocab.add_bos)
    writer.add_add_eos_token(False)
    if vocab.kind == "llama":
        writer.add_add_space_prefix(False)  # Gemma puts no space in front of the text


def _kind(state: dict[str, Any]) -> Literal["llama", "gpt2"] | None:
    if "ByteLevel" in _types(state.get("pre_tokenizer")):
        return "gpt2"
    spaces = _types(state.get("normalizer")) | _types(state.get("pre_tokenizer"))
    if state["model"].get("byte_fallback") and ({"Replace", "Metaspace"} & spaces):
        return "llama"
    return None


def _types(component: Any) -> set[str]:
    """The ``type`` of a tokenizer.json component and of every component nested in a sequence."""
    if not isinstance(component, dict):
        return set()
    found = {str(component.get("type"))}
    for key in ("normalizers", "pretokenizers", "decoders"):
        for inner in component.get(key) or []:
            found |= _types(inner)
    return found


def _name(component: Any) -> str:
    return "/".join(sorted(_types(component))) or "none"


def _scores(tokens: list[str], types: list[int], merges: list[str]) -> list[float]:
    """Minus the rank of the first merge that makes each token; tokens no merge makes come last."""
    rank: dict[str, int] = {}
    for position, merge in enumerate(merges):
        left, _, right = merge.partition(" ")
        rank.setdefault(left + right, position)
    last = len(merges)
    scores = []
    for index, (text, kind) in enumerate(zip(tokens, types, strict=True)):
        if kind == BYTE:
            scores.append(0.0)
        elif kind != NORMAL:
            scores.append(_ADDED_SCORE)
        else:
            scores.append(-float(rank.get(text, last + index)))
    return scores


def _special_ids(tokenizer: Any, end_of_turn: str | None) -> dict[str, int]:
    ids: dict[str, int] = {}
    for name, attribute in (("bos", "bos_token_id"), ("eos", "eos_token_id"), ("unk", "unk_token_id"),
                            ("pad", "pad_token_id")):  # fmt: skip
        value = getattr(tokenizer, attribute, None)
        if isinstance(value, int):
            ids[name] = value
    if end_of_turn is not None:
        encoded = tokenizer.encode(end_of_turn, add_special_tokens=False)
        if len(encoded) == 1:
            ids["eot"] = ids["eos"] = int(encoded[0])
    return ids


def _adds_bos(tokenizer: Any) -> bool:
    bos = getattr(tokenizer, "bos_token_id", None)
    encoded = tokenizer.encode("a")
    return bos is not None and bool(encoded) and encoded[0] == bos
