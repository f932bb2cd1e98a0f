"""Safe reading of JSON, Python literals and Python call syntax, under size and depth limits.

Many datasets and models write tool calls as Python reprs (``{'a': True}``) or as call expressions
(``[f(a=1), g(b="x")]``). This module reads both with :func:`ast.parse` and accepts only literal
nodes; nothing is ever evaluated. :func:`parse_literal` tries :mod:`json` first, which is fast and
the usual case, and falls back to Python only when JSON fails.

Input size and nesting are bounded before the parser sees the text, because CPython's parser itself
fails on hostile input (``MemoryError`` on long operator chains, ``SyntaxError`` beyond 200 nested
brackets, ``ValueError`` on NUL bytes).
"""

from __future__ import annotations

import ast
import json
import math
import re
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "LiteralParseError",
    "bracket_end",
    "has_lone_surrogate",
    "int_too_long",
    "lone_surrogate",
    "parse_literal",
    "parse_python_calls",
    "parse_python_value",
    "plain_json",
    "replace_lone_surrogates",
]

# Characters that matter when walking brackets: quotes open strings, '#' opens a comment.
_EVENT = re.compile(r"""["'#()\[\]{}]""")
_STRING_END = {q: re.compile(r"\\.|" + re.escape(q), re.S) for q in ("'", '"', "'''", '"""')}
_OPENERS = "([{"
# The parser's own nesting limit is 200; the extra room lets a call's parentheses and an outer list
# through, while the converter enforces max_depth exactly on the values.
_SLACK = 2
# Integers longer than this many decimal digits are refused as ``too_large``: CPython will not turn
# them into text (its int/str conversion limit, 4300 by default), so no message, report or JSON file
# could hold them. A power of two bounds the check so that it costs one bit_length() call.
MAX_INT_DIGITS = 4300
_MAX_INT_BITS = 14_284  # 2**14284 has 4300 decimal digits: every int within it prints


class LiteralParseError(ValueError):
    """Text that could not be read as a Python literal or call.

    Attributes:
        code: ``syntax``, ``not_literal``, ``not_a_call``, ``positional_argument``, ``non_string_key``,
            ``duplicate_key``, ``too_deep`` or ``too_large``.
        message: one sentence for a person.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _skip_string(text: str, i: int) -> int:
    quote = text[i : i + 3] if text.startswith(text[i] * 3, i) else text[i]
    pattern = _STRING_END[quote]
    j = i + len(quote)
    while True:
        m = pattern.search(text, j)
        if m is None:
            return len(text)
        if m.group()[0] != "\\":  # the closing quote, not an escape
            return m.end()
        j = m.end()


def _brackets(text: str, start: int) -> Iterator[tuple[int, str]]:
    """Yield (index, char) for each bracket outside strings and comments, from ``start``."""
    i = start
    while True:
        m = _EVENT.search(text, i)
        if m is None:
            return
        char, j = m.group(), m.start()
        if char in "\"'":
            i = _skip_string(text, j)
        elif char == "#":
            i = text.find("\n", j)
            if i < 0:
                return
        else:
            yield j, char
            i = j + 1


def _too_deep(max_depth: int) -> LiteralParseError:
    return LiteralParseError("too_deep", f"nested more than {max_depth} levels deep")


def bracket_end(text: str, start: int, *, max_depth: int = 64) -> int | None:
    """Find where the bracket at ``text[start]`` closes, skipping strings and comments.

    Any closing bracket closes any opening one: the parser that reads the span afterwards reports
    mismatches.

    Returns:
        The index just past the closing bracket, or None when the text ends first.

    Raises:
        LiteralParseError: ``too_deep`` when brackets nest more than ``max_depth`` levels.

    Example:
        >>> bracket_end('f(a=")") + 1', 1)
        8
    """
    depth = 0
    for index, char in _brackets(text, start):
        if char in _OPENERS:
            depth += 1
            if depth > max_depth:
                raise _too_deep(max_depth)
        else:
            depth -= 1
            if depth <= 0:
                return index + 1
    return None


def _check_nesting(text: str, max_depth: int) -> None:
    depth = 0
    for _, char in _brackets(text, 0):
        depth = depth + 1 if char in _OPENERS else max(depth - 1, 0)
        if depth > max_depth + _SLACK:
            raise _too_deep(max_depth)


def _parse(text: str, mode: str, max_depth: int, max_chars: int) -> ast.AST:
    if len(text) > max_chars:
        raise LiteralParseError("too_large", f"{len(text)} characters, more than the limit of {max_chars}")
    _check_nesting(text, max_depth)
    try:
        # Odd input makes the parser warn (invalid escapes, "1f"); a library must stay quiet.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text.strip(), mode=mode)
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg):
            raise _too_deep(max_depth) from None
        if "integer string conversion" in str(exc.msg):
            raise _too_long_int() from None
        raise LiteralParseError("syntax", f"not Python syntax: {exc.msg}") from None
    except (MemoryError, RecursionError):
        # Long chains of unary operators exhaust the parser's stack without any brackets.
        raise _too_deep(max_depth) from None
    except ValueError as exc:
        raise LiteralParseError("syntax", f"not Python syntax: {exc}") from None


def int_too_long(value: int) -> bool:
    """Whether ``value`` has more than :data:`MAX_INT_DIGITS` digits (so Python will not print it).

    Example:
        >>> int_too_long(10**4299), int_too_long(-(10**4300))
        (False, True)
    """
    return value.bit_length() > _MAX_INT_BITS


def _too_long_int() -> LiteralParseError:
    return LiteralParseError("too_large", f"an integer has more than {MAX_INT_DIGITS} digits")


def _literal(node: ast.AST, depth: int, max_depth: int) -> Any:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, int) and not isinstance(value, bool) and int_too_long(value):
            raise _too_long_int()  # hexadecimal literals reach any size without the decimal limit
        if value is None or isinstance(value, bool | int | str):
            return value
        if isinstance(value, float) and math.isfinite(value):
            return value
        raise LiteralParseError("not_literal", f"{value!r} has no JSON equivalent")
    if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict) and depth > max_depth:
        raise _too_deep(max_depth)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [_literal(item, depth + 1, max_depth) for item in node.elts]
    if isinstance(node, ast.Dict):
        result: dict[str, Any] = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:
                raise LiteralParseError("not_literal", "'**' unpacking is not a literal")
            key = _literal(key_node, depth + 1, max_depth)
            if not isinstance(key, str):
                raise LiteralParseError("non_string_key", f"dictionary key {key!r} is not a string")
            if key in result:
                raise LiteralParseError("duplicate_key", f"key {key!r} appears twice")
            result[key] = _literal(value_node, depth + 1, max_depth)
        return result
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int | float)
        and not isinstance(node.operand.value, bool)
    ):
        number = _literal(node.operand, depth, max_depth)
        return -number if isinstance(node.op, ast.USub) else number
    raise LiteralParseError("not_literal", f"{_source(node)} is not a literal value")


def _source(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # unparse is best effort on odd trees; the message only needs a hint
        text = type(node).__name__
    return repr(text if len(text) <= 40 else text[:37] + "...")


def parse_python_value(text: str, *, max_depth: int = 64, max_chars: int = 200_000) -> Any:
    """Read one Python literal as a JSON value: tuples and sets become lists.

    Raises:
        LiteralParseError: when the text is not a literal, has a non-string key, or is too big.

    Example:
        >>> parse_python_value("{'a': (1, -2.5), 'b': None, 'c': True}")
        {'a': [1, -2.5], 'b': None, 'c': True}
    """
    tree = _parse(text, "eval", max_depth, max_chars)
    assert isinstance(tree, ast.Expression)
    try:
        return _literal(tree.body, 1, max_depth)
    except RecursionError:
        raise _too_deep(max_depth) from None


def _callee(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _call(node: ast.Call, max_depth: int) -> tuple[str, dict[str, Any]]:
    name = _callee(node.func)
    if name is None:
        raise LiteralParseError("not_a_call", f"{_source(node.func)} is not a function name")
    if node.args:
        raise LiteralParseError(
            "positional_argument",
            f"{name}() has a positional argument {_source(node.args[0])}; only keyword arguments name "
            "their parameter",
        )
    arguments: dict[str, Any] = {}
    for keyword in node.keywords:
        if keyword.arg is None:
            raise LiteralParseError("not_literal", f"{name}() unpacks **{_source(keyword.value)}")
        if keyword.arg in arguments:
            raise LiteralParseError("duplicate_key", f"{name}() repeats the argument {keyword.arg!r}")
        arguments[keyword.arg] = _literal(keyword.value, 2, max_depth)
    return name, arguments


def parse_python_calls(
    text: str, *, max_depth: int = 64, max_chars: int = 200_000
) -> list[tuple[str, dict[str, Any]]]:
    """Read Python call syntax with keyword arguments: ``f(a=1)``, ``[f(a=1), g()]``, ``m.f(x="y")``.

    Calls may also be separated by commas or by lines. Every argument must be a literal.

    Raises:
        LiteralParseError: ``not_a_call`` when the text is not call syntax, ``positional_argument``
            for an unnamed argument, and the codes of :func:`parse_python_value` for the values.

    Example:
        >>> parse_python_calls('[get_weather(city="Oslo"), math.factorial(n=5)]')
        [('get_weather', {'city': 'Oslo'}), ('math.factorial', {'n': 5})]
    """
    tree = _parse(text, "exec", max_depth, max_chars)
    assert isinstance(tree, ast.Module)
    if not tree.body:
        raise LiteralParseError("not_a_call", "no call found")
    calls: list[tuple[str, dict[str, Any]]] = []
    try:
        for statement in tree.body:
            if not isinstance(statement, ast.Expr):
                raise LiteralParseError("not_a_call", f"{_source(statement)} is not a call")
            value = statement.value
            items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
            for item in items:
                if not isinstance(item, ast.Call):
                    raise LiteralParseError("not_a_call", f"{_source(item)} is not a call")
                calls.append(_call(item, max_depth))
    except RecursionError:
        raise _too_deep(max_depth) from None
    return calls


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise LiteralParseError("duplicate_key", f"key {key!r} appears twice")
            seen.add(key)
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_int(digits: str) -> int:
    if len(digits) > MAX_INT_DIGITS and len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _too_long_int()
    return int(digits)


# json would otherwise keep the last of two equal keys silently, accept NaN and Infinity, and fail on
# a long integer with the same ValueError as on bad syntax.
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_no_constant, parse_int=_json_int)


def _check_tree(value: Any, max_depth: int) -> None:
    # A loop, not recursion: json accepts nesting up to the interpreter's recursion limit.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise _too_deep(max_depth)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
        elif isinstance(item, float) and not math.isfinite(item):
            raise LiteralParseError("not_literal", "a number is out of range")


def parse_literal(text: str, *, max_depth: int = 64, max_chars: int = 200_000) -> tuple[Any, bool]:
    """Read a JSON value, or failing that a Python literal.

    Returns:
        The value, and True when it was read as a Python literal rather than JSON.

    Raises:
        LiteralParseError: ``syntax`` when it is neither, ``duplicate_key``, ``not_literal`` for a
            number out of range, and the limits' ``too_deep`` and ``too_large``.

    Example:
        >>> parse_literal('{"a": [1]}'), parse_literal("{'a': (1,)}")
        (({'a': [1]}, False), ({'a': [1]}, True))
    """
    if len(text) > max_chars:
        raise LiteralParseError("too_large", f"{len(text)} characters, more than the limit of {max_chars}")
    try:
        value = _DECODER.decode(text)
    except LiteralParseError:
        raise
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError as json_exc:
        try:
            return parse_python_value(text, max_depth=max_depth, max_chars=max_chars), True
        except LiteralParseError as exc:
            if exc.code not in ("syntax", "not_literal"):
                raise
            reason = str(json_exc)
            if isinstance(json_exc, json.JSONDecodeError):
                reason = f"{json_exc.msg} at line {json_exc.lineno} column {json_exc.colno}"
            message = f"neither JSON ({reason}) nor a Python literal ({exc.message})"
            raise LiteralParseError("syntax", message) from None
    _check_tree(value, max_depth)
    return value, False


def plain_json(value: Any, *, max_depth: int = 64, max_values: int = 200_000) -> Any:
    """Copy a caller's object as plain JSON values: mappings become dicts, tuples become lists.

    Raises:
        LiteralParseError: ``not_literal`` for a value JSON cannot hold, ``non_string_key``, and the
            limits' ``too_deep`` and ``too_large`` (which also stop cycles and shared sub-objects).

    Example:
        >>> plain_json({"a": (1, None)})
        {'a': [1, None]}
    """
    count = 0

    def copy(item: Any, depth: int) -> Any:
        nonlocal count
        count += 1
        if count > max_values:  # shared sub-objects could otherwise make the walk exponential
            raise LiteralParseError("too_large", f"more than {max_values} values")
        if isinstance(item, int) and not isinstance(item, bool) and int_too_long(item):
            raise _too_long_int()
        if item is None or isinstance(item, bool | int | str):
            return item
        if isinstance(item, float) and math.isfinite(item):
            return item
        if not isinstance(item, Mapping | list | tuple):
            raise LiteralParseError("not_literal", f"{_short(item)} is not a JSON value")
        if depth > max_depth:
            raise _too_deep(max_depth)
        if isinstance(item, list | tuple):
            return [copy(child, depth + 1) for child in item]
        result: dict[str, Any] = {}
        for key, child in item.items():
            if not isinstance(key, str):
                raise LiteralParseError("non_string_key", f"key {_short(key)} is not a string")
            result[key] = copy(child, depth + 1)
        return result

    try:
        return copy(value if isinstance(value, Mapping | list | tuple) else list(value), 1)
    except RecursionError:
        raise _too_deep(max_depth) from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate code point (it then cannot be encoded as UTF-8)."""
    return _SURROGATE.search(text) is not None


def lone_surrogate(value: Any, path: str = "$") -> str | None:
    r"""The JSON path of a string (or key) in ``value`` that holds a lone surrogate, or None.

    JSON's ``"\ud800"`` escape decodes to such a code point: it is not Unicode text, so it cannot be
    written as UTF-8 and no tool could receive it.

    Example:
        >>> lone_surrogate({"a": ["ok", "\ud800"]}), lone_surrogate({"a": "\U0001f600"})
        ('$.a[1]', None)
    """
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                return where
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and has_lone_surrogate(key):
                    return f"{where}.{key!a}"
                stack.append((child, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
    return None


def replace_lone_surrogates(text: str) -> str:
    r"""``text`` with each lone surrogate replaced by U+FFFD, so that it encodes as UTF-8.

    Example:
        >>> replace_lone_surrogates("a\udc80b") == "a\ufffdb"
        True
    """
    return _SURROGATE.sub("\ufffd", text)


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
