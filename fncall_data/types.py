"""The canonical data types: Tool, ToolCall, Message, Answer and Record.

A record is one JSON object per line, close to the OpenAI / TRL "messages + tools" shape (see
DESIGN.md). The types check structure only; how the turns fit together (role order, call ids, each
call against its tool) is checked by :mod:`fncall_data.records`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from fncall_data.errors import FncallError, InputError

__all__ = [
    "CATEGORIES",
    "Answer",
    "Message",
    "Record",
    "Role",
    "Tool",
    "ToolCall",
    "describe_validation_error",
    "parse_record",
]

Role = Literal["system", "user", "assistant", "tool"]

#: The categories fncall generates and scores; a record may also carry free text.
CATEGORIES: tuple[str, ...] = (
    "simple",
    "multiple",
    "parallel",
    "parallel_multiple",
    "multi_turn",
    "irrelevance",
    "missing_param",
)

# Dots and colons appear in real tool names (BFCL's "weather.get"); spaces and quotes never do.
TOOL_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.:\-]{0,127}$"

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Tool(BaseModel):
    """A tool the model may call: a name, a description and a JSON Schema for its arguments.

    Example:
        >>> Tool(name="get_weather", parameters={"type": "object", "properties": {}}).name
        'get_weather'
    """

    model_config = _FROZEN

    name: str = Field(pattern=TOOL_NAME_PATTERN, description="The name the model writes in its call.")
    description: str = Field(default="", description="What the tool does, shown to the model.")
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description='A JSON Schema (Draft 2020-12) with "type": "object" for the arguments.',
        json_schema_extra={"required": ["type"], "properties": {"type": {"const": "object"}}},
    )

    @field_validator("parameters")
    @classmethod
    def _parameters_is_object_schema(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        from fncall_data.schema_engine import external_references, unknown_dialects

        # Raised as FncallError, not as a validation error: a tool that would make fncall fetch a
        # URL (or read a file) is refused outright, with the tool and the reference named.
        name = info.data.get("name", "?")
        refs = external_references(value)
        if refs:
            raise FncallError(
                f"tool {name!r}: $ref {refs[0]!r} points outside the tool's own schema; fncall never "
                "fetches schemas, so put the referenced schema under $defs and use '#/$defs/...'"
            )
        dialects = unknown_dialects(value)
        if dialects:
            raise FncallError(
                f"tool {name!r}: $schema {dialects[0]!r} points outside the tool's own schema (a custom "
                "meta-schema, which fncall never fetches); name a standard draft or leave $schema out"
            )
        if value.get("type") != "object":
            raise ValueError(f'the parameters schema must have "type": "object", got {value.get("type")!r}')
        try:
            Draft202012Validator.check_schema(value)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.path) or "(root)"
            raise ValueError(f"not a valid JSON Schema at {where}: {exc.message}") from None
        return value


class ToolCall(BaseModel):
    """One call of a tool: the arguments are a JSON object, never a string.

    Example:
        >>> ToolCall(name="get_weather", arguments={"city": "Paris"}).arguments["city"]
        'Paris'
    """

    model_config = _FROZEN

    id: str | None = Field(default=None, description="Links the call to the tool message that answers it.")
    name: str = Field(min_length=1, description="The tool's name.")
    arguments: dict[str, Any] = Field(default_factory=dict, description="The arguments, a JSON object.")


# The role rules of Message._fields_fit_role, written as JSON Schema for the published contract.
_STRING: JsonValue = {"type": "string"}
_ROLE_RULES: list[JsonValue] = [
    {
        "if": {"properties": {"role": {"enum": ["system", "user"]}}},
        "then": {
            "required": ["content"],
            "properties": {
                "content": _STRING,
                "tool_calls": {"maxItems": 0},
                "tool_call_id": {"type": "null"},
                "reasoning": {"type": "null"},
            },
        },
    },
    {
        "if": {"properties": {"role": {"const": "assistant"}}},
        "then": {
            "properties": {"tool_call_id": {"type": "null"}},
            "anyOf": [
                {"required": ["content"], "properties": {"content": _STRING}},
                {"required": ["tool_calls"], "properties": {"tool_calls": {"type": "array", "minItems": 1}}},
            ],
        },
    },
    {
        "if": {"properties": {"role": {"const": "tool"}}},
        "then": {
            "required": ["content"],
            "properties": {"content": _STRING, "tool_calls": {"maxItems": 0}},
            "anyOf": [
                {"required": ["tool_call_id"], "properties": {"tool_call_id": _STRING}},
                {"required": ["name"], "properties": {"name": _STRING}},
            ],
        },
    },
]


class Message(BaseModel):
    """One turn of a conversation."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra={"allOf": _ROLE_RULES})

    role: Role = Field(description="system, user, assistant or tool.")
    content: str | None = Field(default=None, description="The text of the turn.")
    reasoning: str | None = Field(
        default=None, description="The assistant's reasoning before it answers (the <think> part)."
    )
    tool_calls: list[ToolCall] | None = Field(default=None, description="The assistant's calls, if any.")
    tool_call_id: str | None = Field(default=None, description="For a tool message: the call it answers.")
    name: str | None = Field(default=None, description="For a tool message: the tool that produced it.")

    @model_validator(mode="after")
    def _fields_fit_role(self) -> Message:
        if self.role in ("system", "user"):
            if self.content is None:
                raise ValueError(f"a {self.role} message needs content")
            if self.tool_calls or self.tool_call_id or self.reasoning:
                raise ValueError(f"a {self.role} message has only content")
        elif self.role == "assistant":
            if self.content is None and not self.tool_calls:
                raise ValueError("an assistant message needs content or tool_calls")
            if self.tool_call_id is not None:
                raise ValueError("tool_call_id belongs on tool messages, not assistant messages")
        else:
            if self.content is None:
                raise ValueError("a tool message needs content (the tool's result as text)")
            if self.tool_calls:
                raise ValueError("a tool message cannot make calls")
            if self.tool_call_id is None and self.name is None:
                raise ValueError("a tool message needs tool_call_id or name to say which call it answers")
        return self


class Answer(BaseModel):
    """Acceptable values per argument for one expected call, as in the BFCL possible-answer files.

    ``""`` among an argument's values means the argument may be left out.
    """

    model_config = _FROZEN

    name: str = Field(min_length=1, description="The expected tool.")
    arguments: dict[str, list[Any]] = Field(
        default_factory=dict, description="For each argument, the list of acceptable values."
    )


class Record(BaseModel):
    """One function-calling conversation with the tools it may use."""

    model_config = _FROZEN

    id: str = Field(min_length=1, description="Unique within its file.")
    category: str | None = Field(
        default=None, description="simple, multiple, parallel, ..., or free text (see CATEGORIES)."
    )
    tools: list[Tool] = Field(default_factory=list, description="The tools offered to the model.")
    messages: list[Message] = Field(min_length=1, description="The conversation, in order.")
    answers: list[Answer] | None = Field(
        default=None,
        description="For evaluation: the acceptable calls; [] means no call is right. "
        "Without it the last assistant turn is the reference.",
    )
    meta: dict[str, Any] = Field(default_factory=dict, description="Free-form provenance.")

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form: absent optional message fields are left out."""
        data = self.model_dump(mode="json", exclude={"messages"})
        data["messages"] = [m.model_dump(mode="json", exclude_none=True) for m in self.messages]
        order = ("id", "category", "tools", "messages", "answers", "meta")
        return {key: data[key] for key in order}

    def to_json(self) -> str:
        """One line of canonical JSON (UTF-8, no ASCII escaping, stable key order)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


def describe_validation_error(exc: ValidationError) -> list[str]:
    """Turn a pydantic error into lines that name the field and the bad value.

    Example:
        >>> try:
        ...     ToolCall.model_validate({"name": "", "arguments": {}})
        ... except ValidationError as e:
        ...     describe_validation_error(e)
        ["name: String should have at least 1 character (got '')"]
    """
    lines = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or "(record)"
        message = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        shown = "" if isinstance(value, dict | list) else f" (got {_short(value)})"
        lines.append(f"{field}: {message}{shown}")
    return lines


def parse_record(data: Any, *, file: str | None = None, line: int | None = None) -> Record:
    """Validate one decoded JSON object as a :class:`Record`.

    Raises:
        InputError: naming the file, line and every bad field at once.
    """
    try:
        return Record.model_validate(data)
    except ValidationError as exc:
        raise InputError("; ".join(describe_validation_error(exc)), file=file, line=line) from None


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
