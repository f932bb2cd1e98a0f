"""Finding the call attempts in a model's text: tags, code fences, and calls written inside prose.

:func:`read_text` is the text half of an extraction: it splits off ``<think>`` reasoning and
end-of-turn tokens, then finds each call attempt (a ``<tool_call>`` block, the whole output as one
value, a code fence, a JSON object or a Python call inside prose), decodes it and hands the value
to the run in :mod:`fncall_data.extract`, which turns values into calls and records every repair
and error. The text around the calls becomes the run's content.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fncall_data.pyliteral import LiteralParseError, bracket_end, parse_python_calls

if TYPE_CHECKING:  # only a type here: extract.py imports this module, not the other way round
    from fncall_data.extract import _Run

__all__ = ["read_text"]

_OPEN, _CLOSE = "<tool_call>", "</tool_call>"
_END_MARKERS = ("<end_of_turn>", "<eos>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "</s>")
# Prefixes some dialects put before a call; they are dropped from content, but still reported.
_CALL_MARKERS = ("<functioncall>", "<function_call>", "<|python_tag|>", "[TOOL_CALLS]")
_CALL_KEYS = frozenset({"name", "arguments", "parameters", "function", "tool_calls"})

_THINK = re.compile(r"<think>(.*?)</think>", re.S)
_FENCE = re.compile(r"```([\w+.-]*)[ \t]*\n?(.*?)(```|\Z)", re.S)
_JSON_ANCHOR = re.compile(r"""\{\s*(["'])(name|arguments|parameters|function|tool_calls|id|type)\1\s*:""")
_PY_HEAD = re.compile(r"\[?\s*[A-Za-z_][\w.]*\s*\(")
_PY_KW_HEAD = re.compile(r"\[?\s*[A-Za-z_][\w.]*\s*\(\s*[A-Za-z_]\w*\s*=(?!=)")
_PY_ANCHOR = re.compile(r"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\s*\(\s*[A-Za-z_]\w*\s*=(?!=)")


def read_text(run: _Run, text: str) -> None:
    """Read the calls in one model output into ``run``: its calls, reasoning and content."""
    if len(text) > run.max_chars:
        run.error("too_large", f"the output has {len(text)} characters, more than {run.max_chars}")
        return
    text, reasoning = _split_reasoning(_strip_end_markers(text))
    if reasoning is not None:
        run.reasoning = reasoning if run.reasoning is None else f"{run.reasoning}\n\n{reasoning}"
    if _OPEN in text:
        run.set_syntax("tool_call_tags")
        _read_tags(run, text)
        return
    whole = _read_whole(run, text)
    if whole is None and not (
        _read_fences(run, text) or _read_json_in(run, text) or _read_python_in(run, text)
    ):
        whole = False
    if whole is False:
        run.prose.append(text)


def _read_tags(run: _Run, text: str) -> None:
    pos, n, close = 0, 0, -2
    while (start := text.find(_OPEN, pos)) >= 0:
        run.prose.append(text[pos:start])
        body = start + len(_OPEN)
        if -1 < close < body or close == -2:  # searched again only when passed: linear on many tags
            close = text.find(_CLOSE, body)
        after = text.find(_OPEN, body)
        closed = close >= 0 and (after < 0 or close < after)
        end = close if closed else after if after >= 0 else len(text)
        n += 1
        _read_block(run, text[body:end].strip(), closed, f"<tool_call> block {n}")
        pos = end + len(_CLOSE) if closed else end
    run.prose.append(text[pos:])


def _read_block(run: _Run, body: str, closed: bool, where: str) -> None:
    fence = _FENCE.fullmatch(body)
    if fence is not None and fence.group(3):
        body = fence.group(2).strip()
    if not body:
        run.error("invalid_json" if closed else "unclosed_tag", f"{where} is empty")
        return
    try:
        value, python = run.decode(body)
    except LiteralParseError as exc:
        if closed:
            run.json_error(exc, where)
        else:
            run.error("unclosed_tag", f"{where} has no {_CLOSE} and cannot be read: {exc.message}")
        return
    index = run.add_value(value, where, python)
    if fence is not None and fence.group(3):
        run.repair("code_fence", f"{where} wraps its call in a code fence", index)
    if not closed:
        run.repair("unclosed_tag", f"{where} has no {_CLOSE}", index)


def _read_whole(run: _Run, text: str) -> bool | None:
    """The output as one value: True when it is a call attempt, False when it is plain data."""
    text = text.strip()
    if _PY_HEAD.match(text):
        try:
            calls = parse_python_calls(text, max_depth=run.max_depth, max_chars=run.max_chars)
        except LiteralParseError as exc:
            if exc.code not in ("syntax", "not_a_call"):
                run.python_error(exc, "the output")
                return True
        else:
            run.add_python(calls, "the output")
            return True
    if text[:1] in ("{", "["):
        try:
            value, python = run.decode(text)
        except LiteralParseError:
            return None
        if not _looks_like_call(value):
            return False
        run.set_syntax("json")
        run.add_value(value, "the output", python)
        return True
    return None


def _read_fences(run: _Run, text: str) -> bool:
    pieces: list[str] = []
    pos = 0
    for fence in _FENCE.finditer(text):
        body, where = fence.group(2).strip(), f"the ```{fence.group(1)} code fence"
        index: int | None = None
        if _PY_HEAD.match(body):
            try:
                index = run.add_python(
                    parse_python_calls(body, max_depth=run.max_depth, max_chars=run.max_chars), where
                )
            except LiteralParseError as exc:
                if not _PY_KW_HEAD.match(body):  # code such as print("hi"), not a call attempt
                    continue
                run.python_error(exc, where)
        elif body[:1] in ("{", "["):
            try:
                value, python = run.decode(body)
            except LiteralParseError as exc:
                run.json_error(exc, where)
            else:
                run.set_syntax("json")
                index = run.add_value(value, where, python)
        else:
            continue
        closing = "" if fence.group(3) else " (it has no closing ```)"
        run.repair("code_fence", f"read {where}{closing}", index)
        pieces.append(text[pos : fence.start()])
        pos = fence.end()
    if pos:
        _surrounding(run, [*pieces, text[pos:]])
    return pos > 0


def _read_json_in(run: _Run, text: str) -> bool:
    pieces: list[str] = []
    pos = search = 0  # pos: where the prose not yet taken starts; search: where to look next
    data_only = False
    while (m := _JSON_ANCHOR.search(text, search)) is not None:
        maybe_data = m.group(2) in ("id", "type")
        if maybe_data and data_only:
            search = m.start() + 1
            continue
        before = text[search : m.start()].rstrip()
        starts = [m.start()]
        if before.endswith("["):  # the first item of a list of calls
            starts.insert(0, search + len(before) - 1)
        for start in starts:
            end, decoded, failure = _span(run, text, start)
            if failure is None:
                break
        if failure is not None and maybe_data:
            # Perhaps plain data; a call inside it still meets its own anchor. Once one such
            # object runs to the end of the text, later ones would too: skip them (stays linear).
            data_only = end >= len(text)
            search = m.start() + 1
            continue
        if failure is not None:
            run.json_error(failure, f"the call at character {start}")
        elif _looks_like_call(decoded[0]):
            run.set_syntax("json")
            run.add_value(decoded[0], f"the call at character {start}", decoded[1])
        else:
            search = end
            continue
        pieces.append(text[pos:start])
        pos = search = end
    if pieces:
        _surrounding(run, [*pieces, text[pos:]])
    return bool(pieces)


def _span(run: _Run, text: str, start: int) -> tuple[int, tuple[Any, bool], LiteralParseError | None]:
    """Decode the bracketed value at ``start``; on failure the end is where reading gave up."""
    try:
        end = bracket_end(text, start, max_depth=run.max_depth)
    except LiteralParseError as exc:
        return len(text), (None, False), exc
    if end is None:
        return (
            len(text),
            (None, False),
            LiteralParseError("syntax", "the text ends before its brackets close"),
        )
    try:
        return end, run.decode(text[start:end]), None
    except LiteralParseError as exc:
        return end, (None, False), exc


def _read_python_in(run: _Run, text: str) -> bool:
    pieces: list[str] = []
    pos = 0
    while (m := _PY_ANCHOR.search(text, pos)) is not None:
        before = text[pos : m.start()].rstrip()
        paren = text.index("(", m.start())
        starts = [(m.start(), paren)]
        if before.endswith("["):
            starts.insert(0, (pos + len(before) - 1,) * 2)
        failure: tuple[LiteralParseError, int] | None = None
        for start, bracket in starts:
            end: int | None = None
            try:
                end = bracket_end(text, bracket, max_depth=run.max_depth + 2)
                if end is None:
                    raise LiteralParseError("syntax", "the text ends before the call closes")
                calls = parse_python_calls(text[start:end], max_depth=run.max_depth, max_chars=run.max_chars)
            except LiteralParseError as exc:
                failure = (exc, len(text) if end is None else end)
                continue
            failure = None
            run.add_python(calls, f"the call at character {start}")
            break
        if failure is not None:
            run.python_error(failure[0], f"the call at character {start}")
            end = failure[1]
        pieces.append(text[pos:start])
        pos = len(text) if end is None else end
    if pieces:
        _surrounding(run, [*pieces, text[pos:]])
    return bool(pieces)


def _surrounding(run: _Run, pieces: list[str]) -> None:
    kept, markers = [], []
    for piece in pieces:
        for marker in _CALL_MARKERS:
            if marker in piece:
                markers.append(marker)
                piece = piece.replace(marker, "")
        if piece.strip():
            kept.append(piece.strip())
    run.prose.extend(kept)
    if kept or markers:
        parts = [f"dropped the marker {', '.join(markers)}"] if markers else []
        parts += [f"moved the text {_short(' '.join(kept))} to content"] if kept else []
        run.repair("surrounding_text", "; ".join(parts))


def _looks_like_call(value: Any) -> bool:
    if isinstance(value, dict):
        return not _CALL_KEYS.isdisjoint(value)
    return isinstance(value, list) and any(
        isinstance(v, dict) and not _CALL_KEYS.isdisjoint(v) for v in value
    )


def _strip_end_markers(text: str) -> str:
    # A model that ends its turn with its end token is behaving normally: no repair.
    text = text.strip()
    while (marker := next((m for m in _END_MARKERS if text.endswith(m)), None)) is not None:
        text = text[: -len(marker)].rstrip()
    return text


def _split_reasoning(text: str) -> tuple[str, str | None]:
    parts: list[str] = []

    def take(match: re.Match[str]) -> str:
        parts.append(match.group(1).strip())
        return "\n"

    text = _THINK.sub(take, text)
    if not parts and "</think>" in text:  # the template opened <think> in the prompt
        before, _, text = text.partition("</think>")
        parts.append(before.strip())
    elif "<think>" in text:  # cut off while reasoning
        text, _, after = text.partition("<think>")
        parts.append(after.strip())
    return text, "\n\n".join(parts) if parts else None


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
