"""The shared machinery of the built-in profiles: text laid out turn by turn, with the start of each
assistant turn remembered, so that :meth:`segments` and :meth:`prompt` come from one rendering."""

from __future__ import annotations

from abc import abstractmethod

from fncall_data.errors import InputError
from fncall_data.extract import Extraction, extract
from fncall_data.profiles.base import ChatProfile, Segment
from fncall_data.types import Message, Record

__all__ = ["Layout", "LayoutProfile", "check_system_first", "jinja_string"]


class Layout:
    """Rendered text built piece by piece; neighbouring pieces with the same flag are merged."""

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        #: assistant message index -> character offset where the model starts writing that turn
        self.turn_starts: dict[int, int] = {}
        self._length = 0

    def add(self, text: str, *, trained: bool = False) -> None:
        """Append ``text`` (nothing for an empty string)."""
        if not text:
            return
        if self.segments and self.segments[-1].trained == trained:
            self.segments[-1] = Segment(self.segments[-1].text + text, trained)
        else:
            self.segments.append(Segment(text, trained))
        self._length += len(text)

    def start_turn(self, index: int) -> None:
        """Remember that the model writes message ``index`` from here on."""
        self.turn_starts[index] = self._length

    def text(self) -> str:
        """All the text so far."""
        return "".join(segment.text for segment in self.segments)

    def add_model_turn(self, index: int, header: str, text: str) -> None:
        """Assistant message ``index``: ``header`` untrained, ``text`` (its end token included) trained.

        The newline after the turn is not trained, because generation stops at the end token.
        """
        self.add(header)
        self.start_turn(index)
        self.add(text, trained=True)
        self.add("\n")

    def add_tool_result(
        self, messages: list[Message], index: int, text: str, *, opening: str, closing: str
    ) -> None:
        """Tool message ``index`` as ``text``; a run of results shares one turn, one result a line.

        ``opening`` starts the turn before the first result of a run and ``closing`` ends it after the last.
        """
        previous_is_tool = index > 0 and messages[index - 1].role == "tool"
        self.add("\n" if previous_is_tool else opening)
        self.add(text)
        if index + 1 == len(messages) or messages[index + 1].role != "tool":
            self.add(closing)


class LayoutProfile(ChatProfile):
    """A profile that renders a record once, as a :class:`Layout`; segments and prompts come from it."""

    @abstractmethod
    def layout(self, record: Record) -> Layout:
        """The whole conversation, laid out."""

    def segments(self, record: Record) -> list[Segment]:
        return self.layout(record).segments

    def prompt(self, record: Record, turn: int) -> str:
        if not 0 <= turn < len(record.messages) or record.messages[turn].role != "assistant":
            raise InputError(
                f"message {turn} is not an assistant turn; a prompt ends where an assistant turn starts",
                field=f"record {record.id}",
            )
        laid = self.layout(record)
        return laid.text()[: laid.turn_starts[turn]]

    def parse(self, text: str, *, strict: bool = False) -> Extraction:
        return extract(text, strict=strict)


def check_system_first(record: Record, index: int) -> None:
    """Raise :class:`InputError` unless the system message at ``index`` is the record's first message."""
    if index != 0:
        raise InputError("a system message may only come first", field=f"record {record.id}")


def jinja_string(text: str) -> str:
    """``text`` as a Jinja string literal, for templates built from Python constants.

    Example:
        >>> print(jinja_string("it's"))
        'it\\'s'
    """
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"
