"""The ``fncall`` command: a click group whose subcommands load only when they run.

Starting ``fncall --help`` imports click and nothing heavy: each command module is imported when that
command is used, and library modules inside the command functions.
"""

from __future__ import annotations

import errno
import importlib
from typing import Any

import click

from fncall_data.errors import FncallError

__all__ = ["cli", "main"]


class LazyGroup(click.Group):
    """A group whose commands live in other modules, named as ``"module:attribute"``.

    A user mistake (:class:`FncallError`) anywhere below becomes one line on stderr and exit code 2,
    and so does an operating-system error that library code did not name a path for (a full disk
    while a model library saves, say). Ctrl-C stops with one line and exit code 130.
    """

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FncallError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except OSError as exc:
            if exc.errno not in _ENVIRONMENT_ERRNOS:
                raise  # a bug keeps its traceback
            where = f"{exc.filename}: " if exc.filename is not None else ""
            click.echo(f"error: {where}{exc.strerror}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("\ninterrupted; run the same command again to go on", err=True)
            ctx.exit(130)


# what the machine did to a command, not what the code did wrong
_ENVIRONMENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EISDIR,
     errno.EEXIST, errno.EIO, errno.EMFILE, errno.ENAMETOOLONG, errno.ENOENT}
)  # fmt: skip


@click.group(
    cls=LazyGroup,
    lazy={
        "validate": "fncall_data.cli.validate_cmd:validate",
        "schema": "fncall_data.cli.validate_cmd:schema",
        "data": "fncall_data.cli.data_cmd:data",
        "train": "fncall_train.cli:train",
        "eval": "fncall_eval.cli:eval_group",
        "quickstart": "fncall_eval.quickstart_cli:quickstart",
    },
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="fncall")
def cli() -> None:
    """fncall: function-calling fine-tunes, from tool definitions to a measured adapter."""


def main() -> None:
    """Entry point of the ``fncall`` executable."""
    cli(prog_name="fncall")
