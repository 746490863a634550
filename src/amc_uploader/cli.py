"""`amc-uploader` command line: each command group lives in its own module under `commands/`.

Conventions shared by every command (`commands/options.py`): one meaning per short flag, fixed value sets as
choices, `--force` before an output file is replaced, and every error on one line whatever the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from amc_normalize.extras import MissingExtraError, extra_for
from amc_uploader import __version__
from amc_uploader.commands import amc_cmd, forget_cmd, normalize_cmd, run_cmd, sandbox_cmd, serve_cmd

#: Plain help (no rich panels): it reads the same at any width and in a pipe.
HELP_MARKUP = None
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


class OneLineErrors(TyperGroup):
    """The root command: a usage error (bad flag, bad value, missing option) is one `error: ...` line on
    stderr with exit 2, instead of click's usage + hint + message block (or typer's boxed panel)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.TyperException as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # a group without a sub-command: its help
                typer.echo(exc.format_message())
            else:
                typer.echo(f"error: {_one_line(exc)}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line(exc: typer.TyperException) -> str:
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return message
    return f"{message} (see '{ctx.command_path} --help')"


app = typer.Typer(
    name="amc-uploader",
    cls=OneLineErrors,
    help="Normalize, hash, stage and upload first-party data to Amazon Marketing Cloud.",
    no_args_is_help=True,
    rich_markup_mode=HELP_MARKUP,
    context_settings=CONTEXT_SETTINGS,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """AMC Uploader."""


for _module in (normalize_cmd, amc_cmd, sandbox_cmd, run_cmd, serve_cmd, forget_cmd):
    _module.register(app)


def main() -> None:
    try:
        app()
    except ImportError as exc:
        # A command whose optional dependencies are not installed: one line naming the extra.
        extra = extra_for(exc)
        if extra is None:
            raise
        missing = exc if isinstance(exc, MissingExtraError) else MissingExtraError(extra, "this command")
        typer.echo(f"amc-uploader: {missing}", err=True)
        sys.exit(2)
