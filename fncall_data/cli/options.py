"""Click options that commands in several packages share, defined once.

A request to a server (an LLM for ``data generate``, a model for ``eval run --backend openai``) gets the
same timeout and retry options, with the same defaults, wherever it is made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

__all__ = ["apply_options", "request_options"]

Decorator = Callable[[Any], Any]


def apply_options(options: Sequence[Decorator], fn: Any) -> Any:
    """Decorate ``fn`` with ``options``, the first listed first in ``--help``.

    Example:
        >>> def hello(**kw: Any) -> None: ...
        >>> command = click.command()(apply_options([click.option("--a"), click.option("--b")], hello))
        >>> [p.name for p in command.params]
        ['a', 'b']
    """
    for option in reversed(options):
        fn = option(fn)
    return fn


def request_options(prefix: str = "", *, scope: str = "") -> list[Decorator]:
    """``--{prefix}timeout`` and ``--{prefix}retries``: how long one request may take and how often it is
    tried again (after a timeout, a dropped connection, HTTP 408, 409, 429 or a 5xx).

    Args:
        prefix: before each option's name, e.g. ``llm-``.
        scope: before each help text, e.g. ``openai: `` for an option that one backend reads.
    """

    def say(text: str) -> str:
        return f"{scope}{text}" if scope else text[0].upper() + text[1:]

    return [
        click.option(
            f"--{prefix}timeout",
            default=120.0,
            show_default=True,
            type=click.FloatRange(0, min_open=True),
            help=say("seconds per request before it is tried again."),
        ),
        click.option(
            f"--{prefix}retries",
            default=3,
            show_default=True,
            type=click.IntRange(0),
            help=say("further tries of a request after a timeout, 429 or 5xx."),
        ),
    ]
