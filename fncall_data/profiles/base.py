"""The chat profile interface: one object renders records for training and prompts for evaluation,
and reads the model's turn back into tool calls, so what a model learns is what the evaluator reads.

Concrete profiles (``gemma``, ``seed``, ``chatml``, ``native``) live beside this module and are looked
up by name in :data:`fncall_data.profiles.PROFILES`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from fncall_data.extract import Extraction
from fncall_data.types import Record

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from fncall_data.profiles.encode import Encoded

__all__ = ["CallSyntax", "ChatProfile", "Segment"]


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of rendered text, and whether it is something the model must learn to write."""

    text: str
    trained: bool


@dataclass(frozen=True, slots=True)
class CallSyntax:
    """How a profile writes one tool call: ``open + before + {"name": ..., "arguments": {...}} + after +
    close``, the JSON object in canonical form (:func:`fncall_data.profiles.chat.canonical_json`).

    Several calls are several such blocks; whatever stands between them is free text. Constrained
    decoding (:mod:`fncall_eval.constrained`) follows this syntax.
    """

    open: str
    close: str
    before: str = ""
    after: str = ""


class ChatProfile(ABC):
    """How records become model text and model text becomes calls.

    Rendered text never contains the tokenizer's beginning-of-sequence token: the tokenizer adds it,
    exactly once.
    """

    #: the profile's registry name
    name: ClassVar[str]
    #: strings the tokenizer must hold as single tokens (added as special tokens where missing)
    special_tokens: ClassVar[tuple[str, ...]]
    #: the model's turn ends at any of these; generation stops there
    stop_strings: ClassVar[tuple[str, ...]]
    #: start every tokenized example with two ``<bos>`` (only the seed profile's faithful mode does)
    doubled_bos: bool = False
    #: how the model writes a call, for constrained decoding; None where calls are not JSON objects in
    #: fixed tags (the seed profile's Python reprs, the native profile's template-defined format)
    call_syntax: ClassVar[CallSyntax | None] = None

    @abstractmethod
    def segments(self, record: Record) -> list[Segment]:
        """The whole conversation as training text, split into trained and untrained pieces."""

    @abstractmethod
    def prompt(self, record: Record, turn: int) -> str:
        """The text of ``record.messages[:turn]`` followed by the opening of the model's turn.

        ``record.messages[turn]`` is an assistant turn; the model writes it after this prompt.
        """

    @abstractmethod
    def parse(self, text: str, *, strict: bool = False) -> Extraction:
        """Read the calls (and reasoning) out of what the model wrote after :meth:`prompt`."""

    @abstractmethod
    def chat_template(self) -> str:
        """A Jinja chat template equivalent to :meth:`segments`, with generation markers around the
        trained pieces, saved with the tokenizer so that other tools render the same text."""

    def render(self, record: Record) -> str:
        """The whole training text of ``record``."""
        return "".join(segment.text for segment in self.segments(record))

    def chat_messages(self, record: Record) -> list[dict[str, Any]]:
        """The ``messages`` to give :meth:`chat_template` for ``record`` (OpenAI / TRL shape)."""
        from fncall_data.profiles.chat import chat_messages

        return chat_messages(record)

    def chat_tools(self, record: Record) -> list[dict[str, Any]] | None:
        """The ``tools`` to give :meth:`chat_template` for ``record`` (None when it has none)."""
        from fncall_data.profiles.chat import chat_tools

        return chat_tools(record) or None

    def encode(
        self, record: Record, tokenizer: PreTrainedTokenizerBase, max_length: int | None = None
    ) -> Encoded:
        """Token ids and trained-token mask of ``record`` (see :func:`fncall_data.profiles.encode.encode`)."""
        from fncall_data.profiles.encode import encode

        return encode(self, tokenizer, record, max_length)
