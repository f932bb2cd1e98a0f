"""What the generator asks an LLM, and the first checks on what it answers.

Three requests: rewrite one user turn in another style or language (:func:`rewrite_messages`),
propose a new request and its call for one tool (:func:`propose_messages`), and draft a tool spec
from a one-line description (:func:`draft_tool_messages`). Each prompt carries a worked example,
which small models need to follow the format at all. Replies are cleaned and given cheap checks here
(empty, unchanged, degenerate, too long, another script, numbers the original never said); the
record-level checks (schema, grounding, execution, dedup) are :mod:`fncall_data.generate.verify`'s,
the same as offline.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from typing import Any

from fncall_data.generate.spec import ToolSpec

__all__ = [
    "STYLES",
    "clean_reply",
    "draft_tool_messages",
    "json_object",
    "propose_messages",
    "rewrite_messages",
    "rewrite_problems",
    "text_problems",
]

#: How a rewrite may change the wording; ``in <language>`` joins these for each language asked for.
STYLES: tuple[str, ...] = (
    "in a casual, chatty tone",
    "formally and politely",
    "as briefly as possible",
    "as a longer message that says why you need it",
    "as a question",
    "as a direct instruction",
    "the way someone typing quickly on a phone would",
)

_KEEP = "Keep every name, number, date, code and quoted text exactly as it is written."
_REWRITE_SYSTEM = (
    "You rewrite requests that users send to an assistant. Keep the meaning. " + _KEEP + " "
    "Reply with the rewritten request only."
)
_REWRITE_EXAMPLES = (
    ("in a casual, chatty tone", "What's the weather in Lisbon on 2026-05-02?",
     "hey, any idea what the weather's like in Lisbon on 2026-05-02?"),
    ("formally and politely", "Book a table at Chez Lou for 4 people.",
     "Could you please reserve a table for 4 people at Chez Lou?"),
)  # fmt: skip


def _rewrite_ask(style: str, text: str) -> str:
    return f"Rewrite this request {style}. {_KEEP}\n\nRequest: {text}"


def _few_shot(system: str, examples: list[tuple[str, str]], ask: str) -> list[dict[str, str]]:
    """A system turn, worked examples as (user, assistant) turns, then the question."""
    messages = [{"role": "system", "content": system}]
    for question, answer in examples:
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return [*messages, {"role": "user", "content": ask}]


def rewrite_messages(text: str, style: str) -> list[dict[str, str]]:
    """The chat messages that ask for ``text`` rewritten in ``style``.

    Example:
        >>> rewrite_messages("Weather in Paris?", "as a question")[-1]["content"].splitlines()[-1]
        'Request: Weather in Paris?'
    """
    examples = [(_rewrite_ask(how, before), after) for how, before, after in _REWRITE_EXAMPLES]
    return _few_shot(_REWRITE_SYSTEM, examples, _rewrite_ask(style, text))


_LABEL = re.compile(
    r"^(?:here(?:'s| is)\b[^\n:]*|sure[^\n:]*|(?:the )?rewritten[^\n:]*|request)\s*:\s*", re.IGNORECASE
)
_QUOTES = ('"', "'", "\u201c", "\u201d", "`")


def clean_reply(text: str) -> str:
    """The answer without the wrapping models add: a label, quotes, code fences, anything after it.

    A request is one line: what follows the first line is a note about the rewrite, or, from a base
    model, the prompt's pattern continued.

    Example:
        >>> clean_reply('Sure! Here is the rewrite:\\n\\n"Is it raining in Oslo?"\\n\\nIt is casual.')
        'Is it raining in Oslo?'
    """
    text = text.strip().strip("`").strip()
    for _ in range(2):  # "Sure! Here is the rewritten request:" can take two labels
        text = _LABEL.sub("", text, count=1).strip()
    first = next((line for line in text.splitlines() if line.strip()), "")
    first = " ".join(first.split())
    while len(first) >= 2 and first[0] in _QUOTES and first[-1] in _QUOTES:
        first = first[1:-1].strip()
    return first


_DEGENERATE = re.compile(r"(\D{1,6}?)\1{4,}")
# A word or two left after the request has ended: a base model going on with the next line's pattern.
_FRAGMENT = re.compile(r"[.?!][\"')\]]?\s+(\S+(?:\s+\S+)?)$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def text_problems(text: str, *, longest: int = 1000) -> list[tuple[str, str]]:
    """Why a reply cannot stand as a user's request at all (empty, a loop of one piece, no words, a
    stray word or two after its last sentence, too long).

    Example:
        >>> text_problems("clclolololololo")
        [('llm_degenerate', "'lo' five or more times in a row")]
    """
    if not text:
        return [("llm_empty", "the reply has no text")]
    loop = _DEGENERATE.search(text)
    if loop:
        return [("llm_degenerate", f"{loop.group(1)!r} five or more times in a row")]
    if len(re.findall(r"[^\W\d_]{2,}", text)) < 2:
        return [("llm_degenerate", "fewer than two words")]
    tail = _FRAGMENT.search(text)
    if tail and tail.group(1)[-1] not in ".?!":
        return [("llm_fragment", f"{tail.group(1)!r} after the end of the request")]
    if len(text) > longest:
        return [("llm_too_long", f"{len(text)} characters, more than {longest}")]
    return []


def _scripts(text: str) -> set[str]:
    """The scripts of the letters in ``text``, by the first word of their Unicode names (LATIN, CJK,
    HIRAGANA, CYRILLIC, ...)."""
    return {unicodedata.name(c, "?").split(" ")[0] for c in text if c.isalpha()}


def _words(text: str) -> Counter[str]:
    return Counter(w.lower() for w in re.findall(r"[^\W\d_]{4,}", text))


def rewrite_problems(original: str, rewrite: str, *, same_language: bool = True) -> list[tuple[str, str]]:
    """The reasons a rewrite is refused before the record checks: see :func:`text_problems`; a
    rewrite that is the original again, or starts with it (a base model's echo, then more words; for
    a request of four words or more); one that says a word five times or more, and more than twice
    as often as the original (a loop of a few words); with ``same_language`` (a style was asked for,
    not a language), one with letters of a script the original has none of (a base model's stray
    "转换" after the request); or one that says a number the original does not.

    Example:
        >>> rewrite_problems("Book Noma for 4 people.", "Could you book Noma for 5 people?")
        [('llm_new_number', 'numbers the original does not say: 5')]
    """
    problems = text_problems(rewrite, longest=3 * len(original) + 150)
    if problems:
        return problems
    before, after = " ".join(original.lower().split()), " ".join(rewrite.lower().split())
    if after == before:
        return [("llm_unchanged", "the rewrite is the original text")]
    if len(before.split()) >= 4 and after.startswith(before.rstrip(".?!")):  # "Thanks!" may open one
        return [("llm_echo", "the reply starts with the original text")]
    words = _words(original)
    for word, times in _words(rewrite).most_common(1):
        if times >= 5 and times > 2 * words[word]:
            return [("llm_degenerate", f"{word!r} {times} times, {words[word]} in the original")]
    foreign = sorted(_scripts(rewrite) - _scripts(original)) if same_language else []
    if foreign:
        return [
            ("llm_foreign_script", f"letters in a script the original does not use: {', '.join(foreign)}")
        ]
    said = {float(n) for n in _NUMBER.findall(original)}
    new = [n for n in _NUMBER.findall(rewrite) if float(n) not in said]
    if new:
        return [("llm_new_number", f"numbers the original does not say: {', '.join(dict.fromkeys(new))}")]
    return []


def json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text`` (code fences and prose around it are fine), else None.

    Example:
        >>> json_object('Here: ```json\\n{"request": "hi", "arguments": {}}\\n``` done')
        {'request': 'hi', 'arguments': {}}
    """
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def _tool_json(spec: ToolSpec) -> str:
    return json.dumps(
        {"name": spec.name, "description": spec.tool.description, "parameters": spec.tool.parameters},
        ensure_ascii=False,
    )


_PROPOSE_SYSTEM = "You write realistic requests that users send to an assistant that can call tools."
_PROPOSE_EXAMPLE_TOOL = {
    "name": "get_forecast",
    "description": "Weather forecast for a city on a date.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "date": {"type": "string", "format": "date"}},
        "required": ["city", "date"],
    },
}
_PROPOSE_EXAMPLE = {
    "request": "Will I need an umbrella in Porto on 2026-05-02?",
    "arguments": {"city": "Porto", "date": "2026-05-02"},
}


def _propose_ask(tool_json: str) -> str:
    return (
        f"Tool: {tool_json}\n\nWrite one new, realistic request that a user could send, which this tool "
        "answers, with concrete values; and the arguments of the call that answers it. Write every "
        "argument value in the request exactly as it is in the arguments. Reply with JSON only: "
        '{"request": "...", "arguments": {...}}'
    )


def propose_messages(spec: ToolSpec) -> list[dict[str, str]]:
    """The chat messages that ask for a new request for ``spec`` and the call that answers it."""
    example = (_propose_ask(json.dumps(_PROPOSE_EXAMPLE_TOOL)), json.dumps(_PROPOSE_EXAMPLE))
    return _few_shot(_PROPOSE_SYSTEM, [example], _propose_ask(_tool_json(spec)))


_DRAFT_SYSTEM = "You design tools (functions) that an assistant can call. You answer with JSON only."
_DRAFT_EXAMPLE = {
    "name": "book_table",
    "description": "Book a table at a restaurant.",
    "parameters": {
        "type": "object",
        "properties": {
            "restaurant": {"type": "string", "description": "The restaurant's name."},
            "people": {"type": "integer", "minimum": 1, "maximum": 12},
            "time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "default": "19:00"},
        },
        "required": ["restaurant", "people"],
    },
    "returns": {"type": "object", "properties": {"confirmation": {"type": "string"}}},
    "phrasings": [
        "Book a table at {restaurant} for {people} people[ at {time}].",
        "Can you reserve {restaurant}[ at {time}] for {people}?",
    ],
    "pools": {"restaurant": ["Chez Lou", "Noma", "Sushi Ko", "Trattoria Roma", "The Green Fork"]},
}


def _draft_ask(description: str) -> str:
    return (
        f"Describe, as a JSON tool spec, one tool for: {description}\n"
        "Keys: name (snake_case), description (one sentence), parameters (a JSON Schema object with "
        "properties and required), returns (a JSON Schema of the result), phrasings (2 to 4 requests a "
        "user would write, with {parameter} where a value goes and [...] around optional parts), pools "
        "(for each free-text string parameter, 5 or more realistic values)."
    )


def draft_tool_messages(description: str) -> list[dict[str, str]]:
    """The chat messages that ask for a tool spec (see :func:`fncall_data.generate.spec.spec_of`)."""
    example = (_draft_ask("booking a table at a restaurant"), json.dumps(_DRAFT_EXAMPLE))
    return _few_shot(_DRAFT_SYSTEM, [example], _draft_ask(description))
