"""`amc-uploader forget`: erase people from AMC (user deletion requests, spec B.13), configured by `AMC_*`.

The file's identifiers are hashed here by each person's own country's rules; only hashes leave the machine.
Exit status: 0 every request created (and with `--wait` SUCCEEDED); 1 bad input data, nothing to send, a
failed request or, with `--wait`, a request still PENDING at the timeout; 2 bad configuration or usage.
Messages name files, lines, columns and counts, never a value.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from amc_client.models import HashedPiiType
from amc_uploader.commands.options import COUNTRY_LIST, Command, Force, country_option, refuse_overwrite

if TYPE_CHECKING:
    from amc_client import AmcClient

EXIT_FAILED = 1
EXIT_BAD_CONFIG = 2


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command(name="forget", cls=Command)(forget)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def forget(
    *,
    input_path: Annotated[
        Path,
        typer.Option(
            "--input", "-i", metavar="PATH", help="CSV or JSON lines file of people to erase (or .gz)."
        ),
    ],
    pii: Annotated[
        list[str],
        typer.Option(
            "--pii",
            "-p",
            metavar="COLUMN=TYPE",
            help=f"An identifier column (repeatable); TYPE: {' '.join(HashedPiiType.__members__)}."
            " Clear text is normalized and hashed; 64-hex values pass through.",
        ),
    ],
    country: Annotated[
        str | None,
        country_option(
            f"Country of every person ({COUNTRY_LIST}; a code, alpha-3 code or name); with "
            "--country-column: the default."
        ),
    ] = None,
    country_column: Annotated[
        str | None,
        typer.Option("--country-column", metavar="COLUMN", help="Column holding each person's country."),
    ] = None,
    instances: Annotated[
        list[str] | None,
        typer.Option(
            "--instance",
            metavar="ID",
            help="AMC instance id (repeatable); default: every instance of AMC_ADVERTISER_ID, and"
            " AMC_INSTANCE_ID.",
        ),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Poll every request until SUCCEEDED.")] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0, metavar="SECONDS", help="Seconds --wait polls in all.")
    ] = 3600.0,
    poll: Annotated[
        float, typer.Option("--poll", min=0.01, metavar="SECONDS", help="First poll interval (seconds).")
    ] = 5.0,
    result_path: Annotated[
        Path | None,
        typer.Option(
            "--result",
            metavar="PATH",
            help="Write the request ids and statuses here (JSON), kept up to date.",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and hash the file; send nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    force: Force = False,
) -> None:
    """Send AMC user deletion requests for the people in a file, to every instance."""
    from amc_client import AmcError, InstanceClient
    from amc_uploader.commands.amc_cmd import _client
    from amc_uploader.erasure import (
        ErasureConfigError,
        ErasureResult,
        parse_pii,
        read_identities,
        refresh,
        submit,
    )
    from amc_uploader.io import RecordFileError

    if not input_path.is_file():
        raise _fail(f"{input_path}: file not found", EXIT_BAD_CONFIG)
    refuse_overwrite(force, result_path)
    try:
        spec = parse_pii(pii)
        erasure = read_identities(input_path, spec, country=country, country_column=country_column)
    except ErasureConfigError as exc:
        raise _fail(str(exc), EXIT_BAD_CONFIG) from None
    except RecordFileError as exc:
        raise _fail(str(exc), EXIT_FAILED) from None

    def save(result: ErasureResult) -> None:
        if result_path is not None:
            _write_json(result_path, result.to_dict())

    result = ErasureResult(source=str(input_path), report=erasure.report.to_dict())
    if not dry_run and erasure.identities:
        with _client() as client:
            ids = instances or _known_instances(client)
            if not ids:
                raise _fail("no AMC instance: pass --instance or set AMC_ADVERTISER_ID", EXIT_BAD_CONFIG)
            try:
                targets: list[InstanceClient] = [client.for_instance(i) for i in dict.fromkeys(ids)]
            except AmcError as exc:
                raise _fail(str(exc), EXIT_BAD_CONFIG) from None
            result = submit(erasure, targets, source=str(input_path), on_change=save)
            if wait:
                refresh(result, targets, wait=True, timeout=timeout, poll=poll, on_change=save)
    save(result)

    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _print_summary(result, dry_run=dry_run)
    if not erasure.identities:
        raise _fail(f"{input_path}: nothing to send: no person has a usable identifier", EXIT_FAILED)
    if result.failed:
        raise _fail(f"{len(result.failed)} deletion request(s) failed or not sent", EXIT_FAILED)
    pending = [r for r in result.requests if not r.succeeded]
    if wait and pending:
        raise _fail(f"{len(pending)} deletion request(s) not SUCCEEDED after {timeout:.0f}s", EXIT_FAILED)


def _known_instances(client: AmcClient) -> list[str]:
    """Every instance the configuration knows: the advertiser's instances, and AMC_INSTANCE_ID."""
    ids = [i.instance_id for i in client.list_instances()] if client.settings.advertiser_id else []
    if client.settings.instance_id:
        ids.append(client.settings.instance_id)
    return list(dict.fromkeys(ids))


def _write_json(path: Path, data: Any) -> None:
    # Replace atomically: a reader (or a crash) never sees half a result file.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def _print_summary(result: Any, *, dry_run: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from amc_normalize.report import reason_legend

    report = result.report
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)
    console.print(
        f"{report['rows']} people read, {report['identities']} identities"
        + (f", {report['duplicates']} duplicates" if report["duplicates"] else ""),
        highlight=False,
    )
    if report["without_identifiers"]:
        lines = ", ".join(str(n) for n in report["lines_without_identifiers"])
        more = report["without_identifiers"] - len(report["lines_without_identifiers"])
        console.print(
            f"{report['without_identifiers']} without any usable identifier (not sent): line(s) {lines}"
            + (f" and {more} more" if more > 0 else ""),
            highlight=False,
            soft_wrap=True,
        )
    if report["country_reasons"]:
        reasons = ", ".join(f"{k} {v}" for k, v in report["country_reasons"].items())
        console.print(f"rows without country rules: {reasons}", highlight=False)
    codes = [
        *report["country_reasons"],
        *(k for c in report["columns"].values() for k in c["invalid_by_reason"]),
    ]
    columns = Table(
        title="identifiers", caption="\n".join(reason_legend(codes)) or None, caption_justify="left"
    )
    for name in ("column", "ok", "prehashed", "blank", "invalid", "reasons"):
        columns.add_column(name, justify="left" if name in ("column", "reasons") else "right")
    for name, c in report["columns"].items():
        reasons = ", ".join(f"{k} {v}" for k, v in c["invalid_by_reason"].items())
        columns.add_row(name, str(c["ok"]), str(c["prehashed"]), str(c["null"]), str(c["invalid"]), reasons)
    console.print(columns)
    if dry_run:
        console.print("dry run: nothing sent")
        return
    requests = Table(title="user deletion requests")
    for name in ("instance", "batch", "identities", "request id", "status"):
        requests.add_column(name)
    for r in result.requests:
        requests.add_row(
            r.instance_id,
            str(r.batch),
            str(r.identity_count),
            r.request_id or "-",
            r.error or r.status or "-",
        )
    console.print(requests)
