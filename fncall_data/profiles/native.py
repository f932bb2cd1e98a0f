"""The tokenizer's own chat template, with ``tools=``: for models that already know a tool format.

The profile needs the tokenizer (``NativeProfile(tokenizer)``, or :meth:`NativeProfile.bind` later;
:func:`fncall_train.models.load_model` binds it). The trained text is what the template marks with
generation blocks; a template without them is split by rendering each conversation prefix with and
without the model's turn, and the turn (up to its end token, trailing whitespace excluded) is trained.
A template that does not show tools cannot serve a record with tools, and says so.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from fncall_data.errors import FncallError, InputError
from fncall_data.extract import Extraction, extract
from fncall_data.profiles.base import ChatProfile, Segment
from fncall_data.profiles.chat import chat_messages, chat_tools
from fncall_data.types import Record

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

__all__ = ["NativeProfile"]

_MARKER = re.compile(r"\{%-?\s*generation\s*-?%\}")


class NativeProfile(ChatProfile):
    """Render with the tokenizer's chat template (or ``chat_template``), read calls with ``extract``.

    Args:
        tokenizer: the model's tokenizer; may be given later with :meth:`bind`.
        chat_template: a template to use instead of the tokenizer's own.

    Example:
        >>> profile = NativeProfile()
        >>> profile.bind(tokenizer)  # doctest: +SKIP
        >>> profile.render(record)  # doctest: +SKIP
    """

    name: ClassVar[str] = "native"
    #: the template's own tokens are already in its tokenizer: nothing to add
    special_tokens: ClassVar[tuple[str, ...]] = ()
    stop_strings: ClassVar[tuple[str, ...]] = (
        "<end_of_turn>",
        "<|im_end|>",
        "<|eot_id|>",
        "<|eom_id|>",
        "<|end|>",
        "<|endoftext|>",
    )

    def __init__(
        self, tokenizer: PreTrainedTokenizerBase | None = None, *, chat_template: str | None = None
    ) -> None:
        self.tokenizer = tokenizer
        self._own_template = chat_template

    def bind(self, tokenizer: PreTrainedTokenizerBase) -> None:
        """Use ``tokenizer`` (and its template, unless one was given) from now on."""
        self.tokenizer = tokenizer

    def segments(self, record: Record) -> list[Segment]:
        template = self._template()
        text, spans = self._render(record, len(record.messages), False)
        if record.tools and "tools" not in template:
            raise InputError(
                "the tokenizer's chat template does not show tools; use the gemma or chatml profile",
                field=f"record {record.id}",
            )
        if not _MARKER.search(template):
            spans = self._turn_spans(record, text)
        out: list[Segment] = []
        at = 0
        for start, end in spans:
            if start > at:
                out.append(Segment(text[at:start], False))
            if end > start:
                out.append(Segment(text[start:end], True))
            at = max(at, end)
        if at < len(text):
            out.append(Segment(text[at:], False))
        return out

    def prompt(self, record: Record, turn: int) -> str:
        if not 0 <= turn < len(record.messages) or record.messages[turn].role != "assistant":
            raise InputError(f"message {turn} is not an assistant turn", field=f"record {record.id}")
        return self._render(record, turn, True)[0]

    def parse(self, text: str, *, strict: bool = False) -> Extraction:
        return extract(text, strict=strict)

    def chat_template(self) -> str:
        template = self._template()
        if not _MARKER.search(template):
            raise FncallError(
                "the tokenizer's chat template has no generation markers, so trainers cannot tell the "
                "model's turns from the rest; use the gemma or chatml profile to train on the model's turns"
            )
        return template

    def _template(self) -> str:
        if self._own_template is not None:
            return self._own_template
        if self.tokenizer is None:
            raise FncallError(
                "the native profile needs a tokenizer: NativeProfile(tokenizer) or profile.bind(...)"
            )
        template = self.tokenizer.chat_template
        if not isinstance(template, str):
            raise FncallError("the tokenizer has no chat template; use the gemma, chatml or seed profile")
        return template

    def _render(
        self, record: Record, upto: int, generation_prompt: bool
    ) -> tuple[str, list[tuple[int, int]]]:
        """The text of ``messages[:upto]`` without the leading ``<bos>``, and its generation spans."""
        from jinja2 import TemplateError
        from transformers.utils.chat_template_utils import render_jinja_template

        template = self._template()
        assert self.tokenizer is not None  # _template checked it
        tools: list[Any] | None = chat_tools(record) or None
        variables: dict[str, Any] = dict(self.tokenizer.special_tokens_map)
        try:
            # typed as returning str, it returns (texts, generation spans)
            result: Any = render_jinja_template(
                conversations=[chat_messages(record)[:upto]],
                tools=tools,
                chat_template=template,
                return_assistant_tokens_mask=bool(_MARKER.search(template)),
                add_generation_prompt=generation_prompt,
                **variables,
            )
        except TemplateError as exc:
            raise InputError(f"the chat template failed: {exc}", field=f"record {record.id}") from None
        rendered, indices = result
        text: str = rendered[0]
        bos = self.tokenizer.bos_token
        cut = len(bos) if isinstance(bos, str) and bos and text.startswith(bos) else 0
        spans = [(max(start - cut, 0), end - cut) for start, end in (indices[0] if indices else [])]
        return text[cut:], spans

    def _turn_spans(self, record: Record, text: str) -> list[tuple[int, int]]:
        """The model's turns found by rendering each prefix with and without the turn."""
        spans = []
        for i, message in enumerate(record.messages):
            if message.role != "assistant":
                continue
            before = self._render(record, i, True)[0]
            after = self._render(record, i + 1, False)[0]
            if not (after.startswith(before) and text.startswith(after)):
                raise InputError(
                    "the chat template rewrites earlier turns, so the model's turn cannot be located; "
                    "use the gemma or chatml profile",
                    field=f"record {record.id}",
                )
            spans.append((len(before), len(after.rstrip())))
        return spans
