"""Schema-constrained tool calls: once the model opens a call, only a valid one can follow.

The engine is `llguidance <https://github.com/guidance-ai/llguidance>`_ (the ``constrained`` extra;
``docs/constrained.md`` compares it with xgrammar and outlines-core). A model turn is described by one
Lark grammar per tool list::

    free text, then any number of:
        <tool_call> {"name": "<an offered tool>", "arguments": <its schema>} </tool_call>  free text

in the chat profile's :class:`~fncall_data.profiles.base.CallSyntax`. Free text is anything, special
tokens included, so the model still decides whether to call, how many times, and what to say; the end
of the turn is allowed wherever a call is not open. Inside a call the JSON is written in canonical form
(``", "`` and ``": "``, properties in schema order, as the profiles render calls), and an object whose
schema does not say ``additionalProperties`` takes no other keys: a constrained model does not invent
arguments.

Greedy decoding asks the engine only when it must: the model's own choice is checked against the
grammar (microseconds), and the full mask is computed only for a row whose choice is not allowed. The
result is the argmax over the allowed tokens, as with a mask at every step.

What the engine cannot express in a schema is relaxed (llguidance's lenient mode, which ignores the
keywords it does not support; failing that, "a JSON object") and listed in :attr:`Grammar.notes`;
calls are scored by the validator afterwards all the same.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from fncall_data.errors import FncallError
from fncall_data.profiles.base import CallSyntax
from fncall_data.types import Tool

__all__ = [
    "FRACTION_DIGITS",
    "GRAMMAR_REVISION",
    "INSTALL",
    "SAFE_INTEGER",
    "CallConstrainer",
    "ConstrainedLogits",
    "Grammar",
    "RowMatchers",
    "bounded_numbers",
    "call_grammar",
    "closed_objects",
    "decoding_schema",
    "fenced_strings",
    "require_engine",
    "structural_tag",
]

log = logging.getLogger(__name__)

#: What to install for constrained decoding.
INSTALL = 'pip install "fncall[constrained]"'

#: How much of a tool's schema is given up where the engine cannot express it (see call_grammar).
Relax = Literal["strict", "lenient", "object"]

# JSON as the profiles write it (canonical_json): one space after commas and colons, no other space
_CANONICAL = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}
# keywords whose values are data, not schemas: closed_objects leaves them alone
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "required"})
#: Digits after the point that a constrained number may take (see bounded_numbers); llguidance takes
#: a ``multipleOf`` down to 1e-10.
FRACTION_DIGITS = 8
#: Bump when the grammar changes what a constrained model may write (it is part of the predictions'
#: fingerprint). 2: numbers take bounded digits; 3: strings cannot hold the close tag; 4: nor the open tag.
GRAMMAR_REVISION = 4
#: The largest integer a JSON number holds exactly everywhere (RFC 7493, I-JSON): 2**53 - 1.
SAFE_INTEGER = 2**53 - 1


def require_engine() -> None:
    """Raise a :class:`FncallError` naming the extra when llguidance is not installed."""
    if importlib.util.find_spec("llguidance") is None:
        raise FncallError(f"constrained decoding needs llguidance: {INSTALL}")


def closed_objects(schema: Any) -> Any:
    """``schema`` with ``additionalProperties: false`` on every object schema that does not say.

    Example:
        >>> closed_objects({"type": "object", "properties": {"a": {"type": "object"}}})["properties"]
        {'a': {'type': 'object', 'additionalProperties': False}}
    """
    return _rewrite(schema, _close)


def bounded_numbers(schema: Any, places: int = FRACTION_DIGITS) -> Any:
    """``schema`` with every number held to a bounded count of digits.

    Some bounds let a number go on without end: a model that means ``0`` where the schema says
    ``exclusiveMinimum: 0`` is held to ``0.000...`` and writes zeros until the token limit cuts the
    call; a model that writes zeros after ``2`` goes on as well. So, where the schema does not bound
    them itself, integers and numbers stay within I-JSON's exact integers (RFC 7493: below 2**53 in
    magnitude, at most 16 digits) and numbers take at most ``places`` digits after the point (as
    ``multipleOf: 1e-places``).

    Example:
        >>> bounded_numbers({"type": "number", "exclusiveMinimum": 0})
        {'type': 'number', 'exclusiveMinimum': 0, 'maximum': 9007199254740991, 'multipleOf': 1e-08}
    """
    step = float(f"1e-{places}")
    return _rewrite(schema, lambda node, out: _bound(node, out, step))


def decoding_schema(schema: Any, tags: Sequence[str] = ()) -> Any:
    """What the engine holds a tool's arguments to: closed objects, numbers with bounded digits and,
    given the call syntax's ``tags``, strings that cannot hold them (see :func:`fenced_strings`)."""
    bounded = bounded_numbers(closed_objects(schema))
    return fenced_strings(bounded, tags) if tags else bounded


def fenced_strings(schema: Any, tags: Sequence[str]) -> Any:
    """``schema`` with every free string kept from holding ``tags``, the texts that open and close a call.

    The profile reads a call from an open tag up to the first close tag: a string value that holds
    either cannot be read back, and a model that writes the close tag inside a string (meaning to end
    its call) is held in the string without end. A string schema gets a ``pattern`` that excludes the
    tags (inside ``allOf`` where it has a pattern of its own); ``enum``, ``const`` and ``format``
    strings already exclude them. Nothing changes unless the tags start with one character that
    occurs nowhere else in them (``<``), as the profiles' tags do (no simple pattern otherwise).

    Example:
        >>> fenced_strings({"type": "string"}, ["<x>"])
        {'type': 'string', 'pattern': '^[^<]*(<(|[^<x][^<]*|x(|[^<>][^<]*)))*$'}
    """
    pattern = _excluding(tags)
    if pattern is None:
        return schema
    return _rewrite(schema, lambda node, out: _fence(node, out, pattern))


def _close(schema: dict[str, Any], out: dict[str, Any]) -> None:
    is_object = schema.get("type") == "object" or "properties" in schema
    if is_object and "additionalProperties" not in schema and "patternProperties" not in schema:
        out["additionalProperties"] = False


def _bound(schema: dict[str, Any], out: dict[str, Any], step: float) -> None:
    kinds = schema.get("type")
    kinds = set(kinds) if isinstance(kinds, list) else {kinds}
    if not kinds & {"number", "integer"}:
        return
    if "maximum" not in schema and "exclusiveMaximum" not in schema:
        out["maximum"] = SAFE_INTEGER
    if "minimum" not in schema and "exclusiveMinimum" not in schema:
        out["minimum"] = -SAFE_INTEGER
    if "number" in kinds and "multipleOf" not in schema:
        out["multipleOf"] = step


def _fence(schema: dict[str, Any], out: dict[str, Any], pattern: str) -> None:
    kinds = schema.get("type")
    kinds = set(kinds) if isinstance(kinds, list) else {kinds}
    if "string" not in kinds or {"enum", "const", "format"} & schema.keys():
        return
    if "pattern" in schema:
        out["allOf"] = [*out.get("allOf", []), {"pattern": pattern}]
    else:
        out["pattern"] = pattern


def _excluding(texts: Sequence[str]) -> str | None:
    """A regex (no look-arounds: the engine has none) of the strings that hold none of ``texts``.

    Every occurrence of a text starts at their common first character, which occurs there once: so a
    string is free of them when no stretch from one first character to the next starts with the rest
    of one of them.
    """
    if not texts or any(not t or t[0] != texts[0][0] or texts[0][0] in t[1:] for t in texts):
        return None
    first = texts[0][0]
    stretch = _not_starting(sorted(t[1:] for t in texts), first)
    return f"^[^{_class_char(first)}]*({re.escape(first)}{stretch})*$"


def _not_starting(rests: Sequence[str], first: str) -> str:
    """A regex of the stretches without ``first`` that do not start with one of ``rests``."""
    heads = sorted({r[0] for r in rests})
    other = "".join(_class_char(c) for c in (first, *heads))
    branches = [f"|[^{other}][^{_class_char(first)}]*"]
    for head in heads:
        tails = [r[1:] for r in rests if r[0] == head]
        if all(tails):  # no text ends here: what follows may go on, within the rest's own limits
            branches.append(f"|{re.escape(head)}{_not_starting(tails, first)}")
    return "(" + "".join(branches) + ")"


def _class_char(char: str) -> str:
    """``char`` as it stands inside a regex character class."""
    return "\\" + char if char in "\\]^-[" else char


#: Amends the copy of one schema node (the node, its copy).
_Fix = Callable[[dict[str, Any], dict[str, Any]], None]


def _rewrite(schema: Any, fix: _Fix) -> Any:
    """A copy of ``schema`` where ``fix(node, copy)`` has amended the copy of every schema node."""
    if isinstance(schema, list):
        return [_rewrite(item, fix) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        key: (
            value
            if key in _DATA_KEYWORDS
            else _rewrite_map(value, fix)
            if key in _MAPS
            else _rewrite(value, fix)
        )
        for key, value in schema.items()
    }
    fix(schema, out)
    return out


# keywords whose values map names to schemas (the names are not keywords)
_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


def _rewrite_map(value: Any, fix: _Fix) -> Any:
    if not isinstance(value, dict):
        return value
    return {name: _rewrite(sub, fix) for name, sub in value.items()}


@dataclass(frozen=True)
class Grammar:
    """A tool list's grammar and what of its schemas the engine could not enforce."""

    lark: str
    notes: tuple[str, ...] = ()


def call_grammar(
    tools: Sequence[Tool],
    syntax: CallSyntax,
    *,
    open_token: str | None = None,
    close_token: str | None = None,
    specials: str | None = None,
    relaxed: Mapping[str, Relax] | None = None,
) -> str:
    """The Lark grammar (llguidance dialect) of a model turn that may call ``tools``.

    Args:
        tools: the offered tools; with none, the open tag cannot be written at all.
        syntax: the profile's call syntax.
        open_token / close_token: the tags as the engine names them where the tokenizer holds them as
            special tokens (``<tool_call>``); the text form is accepted as well.
        specials: the special tokens free text may hold, as an llguidance token set (``<[1-3,7]>``).
        relaxed: by tool name, how much of its schema to give up where the engine cannot express it:
            ``lenient`` ignores the keywords it does not support, ``object`` keeps only "a JSON object"
            (default ``strict``: all of it).

    Example:
        >>> from fncall_data.profiles.gemma import GemmaProfile
        >>> tool = Tool(name="f", parameters={"type": "object", "properties": {}})
        >>> print(call_grammar([tool], GemmaProfile.call_syntax))  # doctest: +NORMALIZE_WHITESPACE
        %llguidance {}
        start: piece* TEXT
        piece: opened call
        TEXT: /(.|\\n)*/
        opened[lazy]: TEXT "<tool_call>"
        call: body close
        close: "</tool_call>"
        body: tool_0
        tool_0: "{\\"name\\": \\"f\\", \\"arguments\\": " args_0 "}"
        args_0: %json {"type": "object", "properties": {}, "additionalProperties": false,
            "x-guidance": {"whitespace_flexible": false, "item_separator": ", ", "key_separator": ": "}}
        <BLANKLINE>
    """
    lines = ["%llguidance {}", "start: piece* TEXT", r"TEXT: /(.|\n)*/"]
    pieces = []
    if specials:
        pieces.append(f"TEXT {specials}")
    if tools:
        lines.append(f"opened[lazy]: TEXT {_literal(syntax.open)}")
        pieces.append("opened call")
        if open_token:
            pieces.append(f"TEXT {open_token} call")
        close = _literal(syntax.close) + (f" | {close_token}" if close_token else "")
        parts = [_literal(syntax.before)] * bool(syntax.before) + ["body"]
        parts += [_literal(syntax.after)] * bool(syntax.after) + ["close"]
        lines.append("call: " + " ".join(parts))
        lines.append(f"close: {close}")
        lines.append("body: " + " | ".join(f"tool_{i}" for i in range(len(tools))))
        for i, tool in enumerate(tools):
            mode = (relaxed or {}).get(tool.name, "strict")
            schema = (
                {"type": "object"}
                if mode == "object"
                else decoding_schema(tool.parameters, (syntax.open, syntax.close))
            )
            options = {**_CANONICAL, "lenient": True} if mode == "lenient" else _CANONICAL
            schema = {**schema, "x-guidance": options}
            lines.append(f'tool_{i}: {_literal(_head(tool))} args_{i} "}}"')
            lines.append(f"args_{i}: %json {json.dumps(schema, ensure_ascii=False)}")
    else:
        # no tool to call: free text may not hold the open tag (nor its token)
        lines[2] = f"TEXT: /(?s:.*)/ & ~/(?s:.*){_regex(syntax.open)}(?s:.*)/"
    if pieces:
        lines.insert(2, "piece: " + " | ".join(pieces))
    else:
        lines[1] = "start: TEXT"
    return "\n".join(lines) + "\n"


def structural_tag(tools: Sequence[Tool], syntax: CallSyntax) -> dict[str, Any]:
    """The same constraint as :func:`call_grammar`, as an xgrammar structural tag (what vLLM takes).

    One structure per tool: its text up to the arguments, the arguments' schema, and the text after;
    the open tag triggers them. Free text between calls is left to the model.

    Example:
        >>> from fncall_data.profiles.gemma import GemmaProfile
        >>> tag = structural_tag([Tool(name="f", parameters={"type": "object"})], GemmaProfile.call_syntax)
        >>> tag["structures"][0]["begin"], tag["structures"][0]["end"], tag["triggers"]
        ('<tool_call>{"name": "f", "arguments": ', '}</tool_call>', ['<tool_call>'])
    """
    structures = [
        {
            "begin": syntax.open + syntax.before + _head(tool),
            "schema": closed_objects(tool.parameters),
            "end": "}" + syntax.after + syntax.close,
        }
        for tool in tools
    ]
    return {"type": "structural_tag", "structures": structures, "triggers": [syntax.open]}


def _head(tool: Tool) -> str:
    """A call's canonical JSON up to its arguments."""
    return '{"name": ' + json.dumps(tool.name, ensure_ascii=False) + ', "arguments": '


def _first_line(message: str) -> str:
    """The gist of an llguidance error: its first line, without the grammar position."""
    line = message.strip().splitlines()[0] if message.strip() else message
    return re.sub(r"^(at \d+\(\d+\): )?(failed to compile JSON schema: )?", "", line)


def _literal(text: str) -> str:
    """A Lark string literal (JSON escapes are Lark's)."""
    return json.dumps(text, ensure_ascii=False)


def _regex(text: str) -> str:
    return "".join(
        c if c.isalnum() or c == "_" else "\\" + c if c in r".^$*+?()[]{}|\/-" else c for c in text
    )


class CallConstrainer:
    """Builds grammars and matchers for one tokenizer: the engine's view of it is made once.

    Args:
        tokenizer: a transformers fast tokenizer.
        vocab_size: the width of the model's logits (may exceed the tokenizer's size).
        stop_ids: the tokens that end the turn; allowed wherever no call is open.
        syntax: the profile's call syntax.
    """

    def __init__(self, tokenizer: Any, vocab_size: int, stop_ids: Sequence[int], syntax: CallSyntax) -> None:
        require_engine()
        import llguidance.hf

        self.syntax = syntax
        self.vocab_size = max(vocab_size, len(tokenizer))
        try:
            self.engine_tokenizer = llguidance.hf.from_tokenizer(
                tokenizer, n_vocab=self.vocab_size, eos_token=list(stop_ids)
            )
        except ValueError as exc:  # a slow (Python) tokenizer
            raise FncallError(f"constrained decoding needs a fast tokenizer: {exc}") from None
        ids = tokenizer.convert_tokens_to_ids([syntax.open, syntax.close])
        self.open_token = self._special(ids[0], syntax.open, tokenizer)
        self.close_token = self._special(ids[1], syntax.close, tokenizer)
        free = [
            i
            for i in range(self.vocab_size)
            if self.engine_tokenizer.is_special_token(i) and i not in set(stop_ids) and i != ids[0]
        ]
        self.specials = _token_set(free)
        self._grammars: dict[tuple[str, ...], Grammar] = {}

    def _special(self, token_id: Any, text: str, tokenizer: Any) -> str | None:
        """``<tag>`` when the tokenizer holds ``text`` as one token the engine takes as special."""
        if not isinstance(token_id, int) or token_id == tokenizer.unk_token_id:
            return None
        return f"<[{token_id}]>" if self.engine_tokenizer.is_special_token(token_id) else None

    def grammar(self, tools: Sequence[Tool]) -> Grammar:
        """The grammar of a turn offering ``tools`` (cached per tool list)."""
        key = tuple(t.model_dump_json() for t in tools)
        found = self._grammars.get(key)
        if found is None:
            found = self._grammars[key] = self._compile(tools)
            for note in found.notes:
                log.warning("constrained decoding: %s", note)
        return found

    def _compile(self, tools: Sequence[Tool]) -> Grammar:
        notes: list[str] = []
        relaxed: dict[str, Relax] = {}
        for tool in tools:  # each schema alone, so that a problem names its tool
            problem = self._problem(tool, "strict")
            if problem is None:
                continue
            if self._problem(tool, "lenient") is None:
                relaxed[tool.name] = "lenient"
                notes.append(f"tool {tool.name}: keywords the engine cannot express are ignored ({problem})")
            else:
                relaxed[tool.name] = "object"
                notes.append(f"tool {tool.name}: arguments only held to a JSON object ({problem})")
        return Grammar(call_grammar(tools, self.syntax, **self._options(), relaxed=relaxed), tuple(notes))

    def _options(self) -> dict[str, Any]:
        return {"open_token": self.open_token, "close_token": self.close_token, "specials": self.specials}

    def _problem(self, tool: Tool, mode: Relax) -> str | None:
        """Why the engine rejects ``tool``'s grammar in ``mode``, or None when it takes it."""
        from llguidance import LLMatcher

        lark = call_grammar([tool], self.syntax, **self._options(), relaxed={tool.name: mode})
        error, messages = LLMatcher.validate_grammar_with_warnings(lark, self.engine_tokenizer)
        if not error:
            return None
        return _first_line(messages[0]) if messages else "no reason given"

    def matcher(self, tools: Sequence[Tool]) -> Any:
        """A fresh llguidance matcher for a turn offering ``tools``."""
        from llguidance import LLMatcher

        matcher = LLMatcher(self.engine_tokenizer, self.grammar(tools).lark, log_level=0)
        if matcher.is_error():
            raise FncallError(f"constrained decoding: {matcher.get_error()}")
        return matcher

    def rows(self, tool_lists: Sequence[Sequence[Tool]]) -> RowMatchers:
        """One matcher per row of a batch."""
        return RowMatchers([self.matcher(tools) for tools in tool_lists], self.vocab_size)


def _token_set(ids: Sequence[int]) -> str | None:
    """Token ids as an llguidance token set of ranges (``<[0-4,7]>``); None when empty."""
    if not ids:
        return None
    ranges: list[list[int]] = []
    for i in ids:
        if ranges and ranges[-1][1] == i - 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    return "<[" + ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in ranges) + "]>"


class RowMatchers:
    """The matchers of a batch's rows, indexed by the row's place in the original batch."""

    def __init__(self, matchers: Sequence[Any], vocab_size: int) -> None:
        self.matchers = list(matchers)
        self.vocab_size = vocab_size
        #: how many steps needed the full mask (the model's own choice was not allowed)
        self.masked_steps = 0
        self.steps = 0

    def allowed(self, row: int) -> Any:
        """A boolean tensor over the vocabulary: the tokens row ``row`` may write next."""
        import torch

        bias = self.matchers[row].compute_logit_bias()  # one byte per token: 0 or 200
        return torch.frombuffer(bytearray(bias), dtype=torch.uint8)[: self.vocab_size] > 0

    def pick(self, logits: Any, live: Sequence[int]) -> Any:
        """Greedy choice for each live row, within its grammar; advances the matchers.

        Args:
            logits: ``[rows, vocab]`` next-token logits of the rows still in the batch.
            live: the original row of each of them.
        """
        import torch

        tokens = logits.argmax(-1)
        chosen = tokens.tolist()
        for i, row in enumerate(live):
            matcher = self.matchers[row]
            self.steps += 1
            if matcher.is_stopped():
                continue
            if matcher.validate_tokens([chosen[i]]) != 1:
                self.masked_steps += 1
                allowed = self.allowed(row).to(logits.device)
                width = min(logits.shape[-1], allowed.shape[0])
                masked = torch.full_like(logits[i], float("-inf"))
                masked[:width] = logits[i, :width].masked_fill(~allowed[:width], float("-inf"))
                chosen[i] = int(masked.argmax())
            if not matcher.consume_token(chosen[i]):
                log.warning("constrained decoding: row %d left its grammar: %s", row, matcher.get_error())
        return torch.tensor(chosen, dtype=tokens.dtype, device=tokens.device)

    def notes(self) -> dict[str, int]:
        return {"steps": self.steps, "masked_steps": self.masked_steps}


class ConstrainedLogits:
    """A transformers logits processor: each row's logits masked by its grammar (for sampling).

    Rows that ended (the matcher took a stop token) are left alone: ``generate`` pads them.
    """

    def __init__(self, rows: RowMatchers, prompt_length: int) -> None:
        self.rows = rows
        self.prompt_length = prompt_length

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        written = input_ids.shape[1] - self.prompt_length
        for row, matcher in enumerate(self.rows.matchers):
            if written and not matcher.is_stopped():
                matcher.consume_token(int(input_ids[row, -1]))
            if matcher.is_stopped():
                continue
            allowed = self.rows.allowed(row).to(scores.device)
            width = min(scores.shape[-1], allowed.shape[0])
            scores[row, :width] = scores[row, :width].masked_fill(~allowed[:width], float("-inf"))
            scores[row, width:] = float("-inf")
        return scores
