"""What the commands' options share: fixed value sets as choices, the country option, `--force`.

Short flags mean one thing in every command: `-c --country`, `-i --input`, `-o --output`, `-p --pii`,
`-f --force`, `-q --quiet`, `-v --verbose`, `-y --yes`, `-V --version`, `-h --help`
(tests/commands/test_conventions.py walks every command to keep it so).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from amc_normalize import SUPPORTED_COUNTRIES

if TYPE_CHECKING:
    from typer._click import Context, HelpFormatter


class Choices:
    """A fixed set of values for an option: matched in any case and returned as spelled here. The help shows
    them as the option's metavar, shell completion offers them, and any other value is a usage error (exit 2)
    that names them."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = tuple(str(v) for v in values)
        self._by_key = {v.casefold(): v for v in self.values}

    @property
    def metavar(self) -> str:
        return "[" + "|".join(self.values) + "]"

    def __call__(self, value: str) -> str:
        found = self._by_key.get(value.strip().casefold())
        if found is None:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(self.values)}")
        return found

    def complete(self, incomplete: str) -> list[str]:
        return [v for v in self.values if v.casefold().startswith(incomplete.casefold())]

    def option(self, *param_decls: str, help: str, **kwargs: Any) -> Any:
        """A `typer.Option` whose values are these choices; `default=` for a parameter's default-value style
        (inside `Annotated`, give the default to the parameter instead)."""
        default = (kwargs.pop("default"),) if "default" in kwargs else ()
        return typer.Option(
            *default,
            *param_decls,
            parser=self,
            metavar=self.metavar,
            autocompletion=self.complete,
            help=help,
            **kwargs,
        )


class Countries(Choices):
    """`--country`: completion offers the countries with rules, and any country the rules know by alpha-2
    code (any case, `UK` too), alpha-3 code or common name is accepted and returned as its alpha-2 code
    (`amc_normalize.country.resolve_country`, as a country column's cells are read). A real country without
    rules stays accepted: which PII types it can hash (e-mail and `+` phones can) is the normalizer's call."""

    def __init__(self) -> None:
        super().__init__(sorted(SUPPORTED_COUNTRIES))

    @property
    def metavar(self) -> str:
        return "COUNTRY"

    def __call__(self, value: str) -> str:
        from amc_normalize.country import resolve_country

        if not value.strip():
            return value  # no country: what the command does without --country
        code = resolve_country(value).code
        if code is None:
            raise typer.BadParameter(
                f"{value!r} is not a country code or name (countries with rules: {', '.join(self.values)})"
            )
        return code


COUNTRIES = Countries()

#: The help text's list of the countries with rules.
COUNTRY_LIST = " ".join(COUNTRIES.values)


def country_option(help: str, **kwargs: Any) -> Any:
    """The `-c/--country` option of every command."""
    return COUNTRIES.option("--country", "-c", help=help, **kwargs)


Force = Annotated[bool, typer.Option("--force", "-f", help="Overwrite output files that already exist.")]


def refuse_overwrite(force: bool, *paths: Path | None) -> None:
    """Before any work: exit 2 with one line when an output file exists and `--force` was not given."""
    if force:
        return
    for path in paths:
        if path is not None and path.exists():
            typer.echo(f"error: {path} exists: add --force to overwrite it", err=True)
            raise typer.Exit(2)


class Command(TyperCommand):
    """A command whose help lists each argument by its metavar alone (typer adds a `<path>`/`<str>` type tag
    that the metavar already says better)."""

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        args: list[tuple[str, str]] = []
        opts: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                args.append((param.metavar or str(param.name).upper(), record[1]))
            else:
                opts.append(record)
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
