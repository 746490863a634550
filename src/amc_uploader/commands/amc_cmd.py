"""`amc-uploader amc ...`: the AMC API from the shell, configured by `AMC_*` variables (real API or sandbox).

Tables by default, `--json` for the full result (all pages merged). Failures print one line (HTTP status,
AMC code and details; never a token) to stderr and exit 1.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, get_args

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from amc_client import (
    AmcClient,
    AmcError,
    AmcSettings,
    DataSet,
    InstanceClient,
    Upload,
    UploadRequest,
    build_dataset,
    load_column_file,
)
from amc_client.models import CompressionFormat, Period, UpdateStrategy, UploadStatus
from amc_uploader.commands.options import Choices, Command, country_option

amc_app = typer.Typer(
    name="amc", help="Talk to the AMC API (accounts, instances, datasets, uploads).", no_args_is_help=True
)
datasets_app = typer.Typer(help="AMC datasets of an instance.", no_args_is_help=True)
uploads_app = typer.Typer(help="Uploads of an instance.", no_args_is_help=True)
amc_app.add_typer(datasets_app, name="datasets")
amc_app.add_typer(uploads_app, name="uploads")

JSON_OPTION = typer.Option(False, "--json", help="Print the full result as JSON.")
INSTANCE_OPTION = typer.Option(
    None, "--instance", metavar="ID", help="AMC instance id (default: AMC_INSTANCE_ID)."
)
PAGE_SIZE_OPTION = typer.Option(
    None, "--page-size", min=1, metavar="N", help="Items per API page (all pages are read)."
)
COLUMNS_OPTION = typer.Option(
    ..., "--columns", exists=True, dir_okay=False, metavar="PATH", help="JSON or TOML column definitions."
)
DATASET_ID_ARGUMENT = typer.Argument(..., metavar="DATASET_ID", help="Dataset id.")
UPLOAD_ID_ARGUMENT = typer.Argument(..., metavar="UPLOAD_ID", help="Upload id.")
SECONDS = "SECONDS"

PERIODS = Choices(Period)
UPLOAD_STATUSES = Choices(UploadStatus)
UPDATE_STRATEGIES = Choices(UpdateStrategy)
COMPRESSIONS = Choices(get_args(CompressionFormat))
#: The names `UploadFileFormat.of` takes for AMC's three file formats.
UPLOAD_FORMATS = Choices(("CSV", "JSONL", "PARQUET"))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(amc_app, name="amc")


@amc_app.callback()
def _amc_root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log requests and retries to stderr."),
) -> None:
    """AMC API commands. Configuration: AMC_API_BASE_URL, AMC_LWA_TOKEN_URL, AMC_CLIENT_ID,
    AMC_CLIENT_SECRET, AMC_REFRESH_TOKEN, AMC_ADVERTISER_ID, AMC_MARKETPLACE_ID, AMC_ADS_ACCOUNT_ID,
    AMC_INSTANCE_ID."""
    if verbose:
        # Without -v the library stays silent (it only has a NullHandler), so a failure is one line.
        logger = logging.getLogger("amc_client")
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@contextmanager
def _client() -> Iterator[AmcClient]:
    try:
        client = AmcClient(AmcSettings())
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _fail(
            f"invalid AMC_* setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        ) from None
    except AmcError as exc:
        raise _fail(str(exc)) from None
    try:
        yield client
    except AmcError as exc:
        raise _fail(str(exc)) from None
    finally:
        client.close()


def _instance(client: AmcClient, instance_id: str | None) -> InstanceClient:
    return client.for_instance(instance_id)


def _dump(model: BaseModel) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=False))


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title)
    for name in columns:
        table.add_column(name)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console(width=200).print(table)


def _run(action: Callable[[AmcClient], None]) -> None:
    with _client() as client:
        action(client)


@amc_app.command("accounts", cls=Command)
def accounts(as_json: bool = JSON_OPTION) -> None:
    """List the AMC accounts (advertiser entity ids) this LwA grant can use."""

    def action(client: AmcClient) -> None:
        items = client.list_accounts()
        if as_json:
            _print_json({"amcAccounts": [_dump(a) for a in items]})
        else:
            _table(
                "AMC accounts",
                ["accountId", "accountName", "marketplaceId"],
                [(a.account_id, a.account_name, a.marketplace_id) for a in items],
            )

    _run(action)


@amc_app.command("instances", cls=Command)
def instances(
    instance_id: str | None = typer.Argument(
        None, metavar="INSTANCE_ID", help="Show one instance instead of listing."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List the AMC instances of AMC_ADVERTISER_ID, or show one."""

    def action(client: AmcClient) -> None:
        items = [client.get_instance(instance_id)] if instance_id else client.list_instances()
        if as_json:
            _print_json(_dump(items[0]) if instance_id else {"instances": [_dump(i) for i in items]})
        else:
            _table(
                "AMC instances",
                ["instanceId", "instanceName", "type", "status", "dataUploadAwsAccountId", "apiEndpoint"],
                [
                    (
                        i.instance_id,
                        i.instance_name,
                        i.instance_type,
                        i.creation_status,
                        i.data_upload_aws_account_id,
                        i.api_endpoint,
                    )
                    for i in items
                ],
            )

    _run(action)


def _dataset_rows(items: Sequence[DataSet]) -> list[tuple[Any, ...]]:
    return [
        (
            d.data_set_id,
            d.data_set_type or ("FACT" if d.is_fact else "DIMENSION"),
            d.period,
            d.country_code,
            len(d.columns),
            d.description,
        )
        for d in items
    ]


_DATASET_COLUMNS = ["dataSetId", "type", "period", "countryCode", "columns", "description"]


@datasets_app.command("list", cls=Command)
def datasets_list(
    instance: str | None = INSTANCE_OPTION,
    as_json: bool = JSON_OPTION,
    page_size: int | None = PAGE_SIZE_OPTION,
) -> None:
    """List every dataset of the instance (all pages)."""

    def action(client: AmcClient) -> None:
        items = _instance(client, instance).list_datasets(page_size=page_size)
        if as_json:
            _print_json({"dataSets": [_dump(d) for d in items]})
        else:
            _table(f"datasets ({len(items)})", _DATASET_COLUMNS, _dataset_rows(items))

    _run(action)


@datasets_app.command("get", cls=Command)
def datasets_get(
    dataset_id: str = DATASET_ID_ARGUMENT,
    instance: str | None = INSTANCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a dataset and its columns."""

    def action(client: AmcClient) -> None:
        ds = _instance(client, instance).get_dataset(dataset_id)
        if as_json:
            _print_json({"dataSet": _dump(ds)})
            return
        _table("dataset", _DATASET_COLUMNS, _dataset_rows([ds]))
        _table(
            "columns",
            ["name", "dataType", "columnType", "identity", "mainEventTime", "nullable"],
            [
                (
                    c.name,
                    c.data_type,
                    c.column_type,
                    _identity_label(c.external_user_id_type, c.is_main_user_id, c.is_main_user_id_type),
                    "yes" if c.is_main_event_time else "",
                    c.nullable,
                )
                for c in ds.columns
            ],
        )

    _run(action)


def _identity_label(ext: Any, main_id: bool | None, main_type: bool | None) -> str:
    if main_id:
        return "main user id"
    if main_type:
        return "main user id type"
    if ext is not None:
        return str(ext.hashed_pii or ext.external_identity or "")
    return ""


@datasets_app.command("create", cls=Command)
def datasets_create(  # noqa: PLR0917 - typer maps parameters to options
    dataset_id: str = typer.Argument(
        ...,
        metavar="DATASET_ID",
        help="New dataset id (lowercase letters, digits, underscores; a letter first).",
    ),
    columns_file: Path = COLUMNS_OPTION,
    description: str | None = typer.Option(
        None, "--description", metavar="TEXT", help="Dataset description."
    ),
    period: str | None = PERIODS.option(
        "--period", default=None, help="Time partitions (FACT default: P1D)."
    ),
    country_code: str | None = country_option(
        "Dataset country (an alpha-2 or alpha-3 code or a name).", default=None
    ),
    kms_key_arn: str | None = typer.Option(
        None, "--kms-key-arn", metavar="ARN", help="Customer KMS key (spec C.3)."
    ),
    instance: str | None = INSTANCE_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the request body; do not call AMC."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a dataset from a column-definition file (validated before any request)."""
    try:
        columns, options = load_column_file(
            columns_file.read_text(encoding="utf-8"), suffix=columns_file.suffix
        )
        for key, value in (
            ("description", description),
            ("period", period),
            ("country_code", country_code),
            ("kms_key_arn", kms_key_arn),
        ):
            if value is not None:
                options[key] = value
        dataset = build_dataset(dataset_id, columns, **options)
    except AmcError as exc:
        raise _fail(f"{columns_file}: {exc}") from None
    if dry_run:
        _print_json({"dataSet": dataset.to_request()})
        return

    def action(client: AmcClient) -> None:
        ref = _instance(client, instance).create_dataset(dataset)
        if as_json:
            _print_json(_dump(ref))
        else:
            typer.echo(
                f"created dataset {ref.data_set_id} in instance {ref.instance_id or instance or ''}".rstrip()
            )

    _run(action)


@datasets_app.command("delete", cls=Command)
def datasets_delete(
    dataset_id: str = DATASET_ID_ARGUMENT,
    instance: str | None = INSTANCE_OPTION,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask (deletion is irreversible)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Delete a dataset and all its uploaded data (irreversible)."""
    if not yes:
        typer.confirm(f"Delete dataset {dataset_id} and all its data?", abort=True)

    def action(client: AmcClient) -> None:
        ref = _instance(client, instance).delete_dataset(dataset_id)
        if as_json:
            _print_json(_dump(ref))
        else:
            typer.echo(f"deleted dataset {ref.data_set_id}")

    _run(action)


def _upload_rows(items: Sequence[Upload]) -> list[tuple[Any, ...]]:
    rows = []
    for u in items:
        source = u.data_source
        key = (
            (source.source_manifest_s3_key or source.source_file_s3_key or source.source_s3_prefix)
            if source
            else None
        )
        rows.append((u.upload_id, u.data_set_id, u.status, u.created_at, u.country_code, key, u.message))
    return rows


_UPLOAD_COLUMNS = ["uploadId", "dataSetId", "status", "createdAt", "country", "source", "message"]


@uploads_app.command("list", cls=Command)
def uploads_list(
    dataset_id: str | None = typer.Option(
        None, "--dataset", metavar="ID", help="Only uploads of this dataset."
    ),
    status: str | None = UPLOAD_STATUSES.option(
        "--status", default=None, help="Only uploads with this status."
    ),
    instance: str | None = INSTANCE_OPTION,
    as_json: bool = JSON_OPTION,
    page_size: int | None = PAGE_SIZE_OPTION,
) -> None:
    """List uploads (all pages)."""

    def action(client: AmcClient) -> None:
        items = _instance(client, instance).list_uploads(dataset_id, status=status, page_size=page_size)
        if as_json:
            _print_json({"uploads": [_dump(u) for u in items]})
        else:
            _table(f"uploads ({len(items)})", _UPLOAD_COLUMNS, _upload_rows(items))

    _run(action)


def _show_upload(upload: Upload, as_json: bool) -> None:
    if as_json:
        _print_json({"upload": _dump(upload)})
        return
    _table("upload", _UPLOAD_COLUMNS, _upload_rows([upload]))
    if upload.metrics:
        _table("metrics", ["metric", "value"], [(k, json.dumps(v)) for k, v in upload.metrics.items()])


@uploads_app.command("get", cls=Command)
def uploads_get(
    dataset_id: str = DATASET_ID_ARGUMENT,
    upload_id: str = UPLOAD_ID_ARGUMENT,
    instance: str | None = INSTANCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one upload with its status, message and metrics."""
    _run(lambda client: _show_upload(_instance(client, instance).get_upload(dataset_id, upload_id), as_json))


@uploads_app.command("wait", cls=Command)
def uploads_wait(  # noqa: PLR0917 - typer maps parameters to options
    dataset_id: str = DATASET_ID_ARGUMENT,
    upload_id: str = UPLOAD_ID_ARGUMENT,
    timeout: float = typer.Option(
        3600.0, "--timeout", metavar=SECONDS, help="Give up after this many seconds."
    ),
    poll: float = typer.Option(
        5.0, "--poll", metavar=SECONDS, help="First polling interval in seconds (grows to 60)."
    ),
    instance: str | None = INSTANCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Wait until the upload succeeds (exit 0) or fails (exit 1, message on stderr)."""

    def action(client: AmcClient) -> None:
        upload = _instance(client, instance).wait_for_upload(
            dataset_id, upload_id, timeout=timeout, poll=poll
        )
        _show_upload(upload, as_json)
        if upload.failed:
            raise _fail(f"upload {upload.upload_id} FAILED: {upload.message or 'no message'}")

    _run(action)


@uploads_app.command("create", cls=Command)
def uploads_create(  # noqa: PLR0917 - typer maps parameters to options
    dataset_id: str = DATASET_ID_ARGUMENT,
    bucket: str = typer.Option(..., "--bucket", metavar="BUCKET", help="S3 bucket of the data."),
    manifest_key: str | None = typer.Option(
        None, "--manifest-key", metavar="KEY", help="Key of a manifest (.txt)."
    ),
    file_key: str | None = typer.Option(None, "--file-key", metavar="KEY", help="Key of one data file."),
    prefix: str | None = typer.Option(None, "--prefix", metavar="PREFIX", help="Prefix of the data files."),
    file_format: str = UPLOAD_FORMATS.option("--format", default="CSV", help="Format of the staged files."),
    update_strategy: str = UPDATE_STRATEGIES.option(
        "--update-strategy", default="ADDITIVE", help="How AMC merges the upload."
    ),
    country_code: str | None = country_option(
        "Country of the upload (an alpha-2 or alpha-3 code or a name).", default=None
    ),
    compression: str = COMPRESSIONS.option("--compression", default="GZIP", help="Compression of the files."),
    instance: str | None = INSTANCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Ask AMC to ingest staged files (exactly one of --manifest-key, --file-key, --prefix)."""
    sources = [s for s in (manifest_key, file_key, prefix) if s]
    if len(sources) != 1:
        raise _fail("give exactly one of --manifest-key, --file-key, --prefix")
    try:
        kwargs: dict[str, Any] = {
            "file_format": file_format,
            "update_strategy": update_strategy,
            "country_code": country_code,
            "compression_format": compression,
        }
        request: UploadRequest
        if manifest_key:
            request = UploadRequest.from_manifest(bucket, manifest_key, **kwargs)
        elif file_key:
            request = UploadRequest.from_file(bucket, file_key, **kwargs)
        else:
            request = UploadRequest.from_prefix(bucket, str(prefix), **kwargs)
    except (ValueError, ValidationError) as exc:
        raise _fail(f"invalid upload request: {exc}".splitlines()[0]) from None

    def action(client: AmcClient) -> None:
        created = _instance(client, instance).create_upload(dataset_id, request)
        if as_json:
            _print_json(_dump(created))
        else:
            typer.echo(f"upload {created.upload_id} {created.status or ''}".rstrip())

    _run(action)
