"""Asynchronous upload processing, like AMC: SUBMITTED -> IN_PROGRESS -> SUCCESS | FAILED.

A single worker thread takes uploads in order. For each one it resolves the data source (manifest,
single file or prefix) on S3 through boto3 (any endpoint: moto server in tests) or on the local disk
(`file://` URIs: the job can stage to a directory), checks what AMC's data-upload account would need
(the `instanceId` tag on each object or its bucket, a bucket policy granting that account read access),
streams every file through the declared compression and format, validates each row against the data
set schema, and records the outcome with a message and metrics. Messages and drop reasons name files,
columns and rules, never values (they may be PII).
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import logging
import queue
import re
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fnmatch import fnmatchcase
from pathlib import Path
from typing import IO, Any, Final, cast
from urllib.parse import unquote, urlparse

from amc_sandbox import datastore
from amc_sandbox.schema import is_hashed_pii_column, is_identity_column
from amc_sandbox.state import TERMINAL_UPLOAD_STATUSES, SandboxState

logger = logging.getLogger(__name__)

HEX64_PATTERN: Final = "^[0-9a-f]{64}$"
HEX64_RE: Final = re.compile(HEX64_PATTERN)
EMPTY_SHA256: Final = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# C.4: AMC's validator tolerates a space separator, up to 9 fractional digits and an optional Z.
TIMESTAMP_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z?$"
TIMESTAMP_RE: Final = re.compile(TIMESTAMP_PATTERN)
DATE_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}$"
DATE_RE: Final = re.compile(DATE_PATTERN)
COUNTRY_RE: Final = re.compile(r"^[A-Z]{2}$")
INT_RE: Final = re.compile(r"^[+-]?\d+$")
INT32: Final = (-(2**31), 2**31 - 1)
INT64: Final = (-(2**63), 2**63 - 1)
MAX_BUCKETS: Final = 100  # B.14
GZIP_MAGIC: Final = b"\x1f\x8b"


class UploadFailure(Exception):
    """Ends an upload as FAILED with this message."""


@dataclass(frozen=True)
class SourceFile:
    """One data file: on S3 (bucket + key) or on the local disk (path)."""

    uri: str
    bucket: str | None = None
    key: str | None = None
    path: Path | None = None


@dataclass
class IngestResult:
    input_rows: int = 0
    output_rows: int = 0
    files: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    dropped_columns: set[str] = field(default_factory=set)
    empty_hashes: int = 0
    unknown_country: int = 0
    sink: IO[str] | None = None
    event_column: str | None = None
    event_min: str | None = None
    event_max: str | None = None

    def accept(self, row: dict[str, Any]) -> None:
        self.output_rows += 1
        if self.sink is not None:
            self.sink.write(json.dumps(row, sort_keys=True) + "\n")
        event = row.get(self.event_column) if self.event_column else None
        if event:
            self.event_min = event if self.event_min is None else min(self.event_min, event)
            self.event_max = event if self.event_max is None else max(self.event_max, event)

    def metrics(self) -> dict[str, Any]:
        return {
            "OutputRowCount": self.output_rows,
            "InputRowCount": self.input_rows,
            "DroppedRowCount": sum(self.dropped.values()),
            "FileCount": self.files,
            "EmptyStringHashCount": self.empty_hashes,
            "UnknownCountryRowCount": self.unknown_country,
            "droppedRows": [{"reason": r, "rowCount": n} for r, n in sorted(self.dropped.items())],
            "droppedColumns": sorted(self.dropped_columns),
        }


def _client_error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def policy_allows(policy: dict[str, Any], account_id: str, action: str, resource: str) -> bool:
    """Would this bucket policy let `account_id` do `action` on `resource`? (D.6)

    Allow statements naming the account's root (or the bare account id, or "*") with a matching action
    and resource grant; a matching unconditional Deny wins. Conditional statements are ignored: AMC reads
    over TLS, so the usual `aws:SecureTransport` deny does not apply to it.
    """
    principals = {f"arn:aws:iam::{account_id}:root", account_id, "*"}

    def principal_matches(statement: dict[str, Any]) -> bool:
        principal = statement.get("Principal")
        if principal == "*":
            return True
        if isinstance(principal, dict):
            return any(p in principals for p in _as_list(principal.get("AWS")))
        return False

    def applies(statement: dict[str, Any]) -> bool:
        actions = [str(a).lower() for a in _as_list(statement.get("Action"))]
        resources = [str(r) for r in _as_list(statement.get("Resource"))]
        return (
            principal_matches(statement)
            and any(fnmatchcase(action.lower(), a) for a in actions)
            and any(fnmatchcase(resource, r) for r in resources)
        )

    allowed = False
    for statement in _as_list(policy.get("Statement")):
        if not isinstance(statement, dict) or "Condition" in statement:
            continue
        if statement.get("Effect") == "Deny" and applies(statement):
            return False
        if statement.get("Effect") == "Allow" and applies(statement):
            allowed = True
    return allowed


def check_value(column: dict[str, Any], value: Any) -> tuple[Any, str | None]:
    """(normalized value, drop reason) for one cell; None value = null. Reasons never contain the value."""
    name = column["name"]
    if isinstance(value, str) and value == "":
        value = None
    if value is None:
        if column["isMainEventTime"]:
            return None, f"{name}: the main event time is required"
        if not column.get("nullable", True):
            return None, f"{name}: null value in a non-nullable column"
        return None, None
    if isinstance(value, dict | list):
        return None, f"{name}: expected a scalar value"
    data_type = column["dataType"]
    if is_hashed_pii_column(column):
        if not isinstance(value, str) or not HEX64_RE.match(value):
            return (
                None,
                f"{name}: does not match the regex pattern {HEX64_PATTERN} (hashed PII must be SHA-256 hex)",
            )
        return value, None
    if data_type == "STRING":
        text = value if isinstance(value, str) else json.dumps(value)
        if column.get("isCountryCode") and not COUNTRY_RE.match(text):
            return None, f"{name}: country code must be ISO-3166 alpha-2 in upper case"
        return text, None
    if data_type in {"INTEGER", "LONG"}:
        low, high = INT32 if data_type == "INTEGER" else INT64
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and INT_RE.match(value))
        ):
            return None, f"{name}: not a valid {data_type}"
        number = int(value)
        if not low <= number <= high:
            return None, f"{name}: out of range for {data_type}"
        return number, None
    if data_type == "DECIMAL":
        if isinstance(value, bool):
            return None, f"{name}: not a valid DECIMAL"
        try:
            decimal = Decimal(str(value))
        except InvalidOperation:
            return None, f"{name}: not a valid DECIMAL"
        if not decimal.is_finite():
            return None, f"{name}: not a valid DECIMAL"
        return str(decimal), None
    if data_type == "TIMESTAMP":
        if not isinstance(value, str) or not TIMESTAMP_RE.match(value):
            return None, f"{name}: does not match the regex pattern {TIMESTAMP_PATTERN}"
        try:
            datetime.fromisoformat(value[:19].replace(" ", "T"))
        except ValueError:
            return None, f"{name}: not a valid calendar timestamp"
        canonical = value.replace(" ", "T")
        return canonical if canonical.endswith("Z") else canonical + "Z", None
    if data_type == "DATE":
        if not isinstance(value, str) or not DATE_RE.match(value):
            return None, f"{name}: does not match the regex pattern {DATE_PATTERN}"
        try:
            date.fromisoformat(value)
        except ValueError:
            return None, f"{name}: not a valid calendar date"
        return value, None
    return value, None


class UploadProcessor:
    """The background worker; `submit` queues an upload, `start`/`stop` run the thread."""

    def __init__(
        self,
        state: SandboxState,
        *,
        s3_endpoint_url: str | None = None,
        region: str = "us-east-1",
        delay: float = 0.2,
        s3_client_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.state = state
        self.s3_endpoint_url = s3_endpoint_url
        self.region = region
        self.delay = delay
        self._factory = s3_client_factory
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._s3: Any = None
        self._idle = threading.Condition()
        self._busy = 0

    # lifecycle -------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="amc-sandbox-uploads", daemon=True)
        self._thread.start()
        for instance_id, upload_id in self.state.pending_uploads():
            self.submit(instance_id, upload_id)

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._queue.put(None)
        self._thread.join(timeout=10)
        self._thread = None

    def submit(self, instance_id: str, upload_id: str) -> None:
        with self._idle:
            self._busy += 1
        self._queue.put((instance_id, upload_id))

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every submitted upload reached a terminal state (tests, demo)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout=timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self._queue.get()
            if item is None:
                break
            try:
                self.process(*item)
            except Exception:
                logger.exception("sandbox: upload worker crashed on upload %s", item[1])
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    def _pause(self) -> bool:
        """Sleep the processing delay; False when the processor is stopping."""
        return not self._stop.wait(self.delay)

    # one upload ------------------------------------------------------------------------------------

    def process(self, instance_id: str, upload_id: str) -> None:
        if not self._pause():
            return
        current = self.state.find_upload(instance_id, upload_id)
        if current is None or current["status"] in TERMINAL_UPLOAD_STATUSES:
            return  # deleted, or settled meanwhile (admin override)
        upload = self.state.update_upload(instance_id, upload_id, status="IN_PROGRESS")
        if upload is None:
            return
        logger.info("sandbox: processing upload %s of data set %s", upload_id, upload["dataSetId"])
        if not self._pause():
            return
        staging = self.state.state_dir / "data" / ".staging" / f"{upload_id}.jsonl"
        staging.parent.mkdir(parents=True, exist_ok=True)
        try:
            with staging.open("w", encoding="utf-8") as sink:
                result = IngestResult(sink=sink)
                self._finish(instance_id, upload_id, upload, result)
            with self.state.lock:
                done = self.state.find_upload(instance_id, upload_id, status="SUCCESS") is not None
                if done and self.state.has_dataset(instance_id, upload["dataSetId"]):
                    datastore.merge(
                        datastore.dataset_file(self.state.state_dir, instance_id, upload["dataSetId"]),
                        staging,
                        upload["updateStrategy"],
                        result.event_column,
                        (result.event_min, result.event_max)
                        if result.event_min and result.event_max
                        else None,
                    )
        finally:
            staging.unlink(missing_ok=True)

    def _finish(self, instance_id: str, upload_id: str, upload: dict[str, Any], result: IngestResult) -> None:
        try:
            self._ingest(instance_id, upload, result)
        except UploadFailure as exc:
            self.state.update_upload(
                instance_id, upload_id, status="FAILED", message=str(exc), metrics=result.metrics()
            )
            logger.info("sandbox: upload %s FAILED", upload_id)
            return
        except Exception:
            logger.exception("sandbox: unexpected error in upload %s", upload_id)
            self.state.update_upload(
                instance_id, upload_id, status="FAILED", message="Internal error while processing the upload"
            )
            return
        dropped = sum(result.dropped.values())
        if result.input_rows and not result.output_rows:
            message = f"All {result.input_rows} rows were rejected; see metrics.droppedRows"
            self.state.update_upload(
                instance_id, upload_id, status="FAILED", message=message, metrics=result.metrics()
            )
            return
        message = f"Ingested {result.output_rows} rows from {result.files} file(s)"
        if dropped:
            message += f"; dropped {dropped} rows"
        if result.dropped_columns:
            message += f"; dropped columns: {', '.join(sorted(result.dropped_columns))}"
        self.state.update_upload(
            instance_id, upload_id, status="SUCCESS", message=message, metrics=result.metrics()
        )
        logger.info("sandbox: upload %s SUCCESS (%d rows)", upload_id, result.output_rows)

    def _ingest(self, instance_id: str, upload: dict[str, Any], result: IngestResult) -> None:
        try:
            dataset = self.state.get_dataset(instance_id, upload["dataSetId"])
        except Exception as exc:
            raise UploadFailure(f"Data set {upload['dataSetId']} no longer exists") from exc
        instance = self.state.instance(instance_id)
        if instance is None:
            raise UploadFailure(f"Instance {instance_id} no longer exists")
        account = str(instance["dataUploadAwsAccountId"])
        files = self._resolve_sources(upload["dataSource"], instance_id, account)
        for source in files:
            name = source.uri.rsplit("/", 1)[-1]
            if name.startswith((".", "_")):
                raise UploadFailure(f"File names must not start with '.' or '_': '{source.uri}'")  # B.14
        buckets = {f.bucket for f in files if f.bucket}
        if len(buckets) > MAX_BUCKETS:
            raise UploadFailure(
                f"An upload may reference at most {MAX_BUCKETS} buckets, found {len(buckets)}"
            )
        for source in files:
            with self._open(source, instance_id, account) as raw:
                self._read_file(source, raw, upload, dataset, result)
            result.files += 1

    # sources ---------------------------------------------------------------------------------------

    def _s3_client(self) -> Any:
        if self._s3 is None:
            if self._factory is not None:
                self._s3 = self._factory()
            else:
                import boto3

                session = boto3.session.Session()
                key_id = secret = None
                if self.s3_endpoint_url and session.get_credentials() is None:
                    # A local S3 (moto server) accepts any key; boto3 only needs one to sign with.
                    key_id = secret = "sandbox"  # noqa: S105 - dummy credential for a local endpoint
                self._s3 = session.client(
                    "s3",
                    endpoint_url=self.s3_endpoint_url,
                    region_name=self.region,
                    aws_access_key_id=key_id,
                    aws_secret_access_key=secret,
                )
        return self._s3

    def _resolve_sources(self, source: dict[str, Any], instance_id: str, account: str) -> list[SourceFile]:
        bucket = str(source["sourceS3Bucket"])
        if "sourceManifestS3Key" in source:
            manifest = self._locate(bucket, str(source["sourceManifestS3Key"]))
            with self._open(manifest, instance_id, account) as raw:
                try:
                    text = raw.read().decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    raise UploadFailure(f"Manifest '{manifest.uri}' is not UTF-8 text") from exc
            files = []
            for number, line in enumerate(text.splitlines(), start=1):
                entry = line.strip()
                if not entry:
                    continue
                files.append(self._manifest_entry(entry, number, manifest))
            if not files:
                raise UploadFailure(f"Manifest '{manifest.uri}' lists no files")
            return files
        if "sourceFileS3Key" in source:
            return [self._locate(bucket, str(source["sourceFileS3Key"]))]
        prefix = str(source["sourceS3Prefix"])
        local = self._local_path(bucket, prefix)
        if local is not None:
            if not local.is_dir():
                raise UploadFailure(f"No such file or directory '{local.as_uri()}'")
            paths = sorted(p for p in local.rglob("*") if p.is_file())
            found = [SourceFile(p.as_uri(), path=p) for p in paths if not p.name.startswith((".", "_"))]
            if not found:
                raise UploadFailure(f"No files found under '{local.as_uri()}'")
        else:
            # A prefix upload lists the bucket: AMC's account needs s3:ListBucket too (D.6).
            uri = f"s3://{bucket}/{prefix}"
            self._require_policy(
                bucket, [("s3:ListBucket", f"arn:aws:s3:::{bucket}")], instance_id, account, uri
            )
            found = []
            client = self._s3_client()
            try:
                for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                    for obj in page.get("Contents", []):
                        key = str(obj["Key"])
                        if key.endswith("/") or key.rsplit("/", 1)[-1].startswith((".", "_")):
                            continue
                        found.append(SourceFile(f"s3://{bucket}/{key}", bucket=bucket, key=key))
            except Exception as exc:
                raise UploadFailure(self._s3_message(exc, f"s3://{bucket}/{prefix}")) from exc
        if not found:
            raise UploadFailure(f"No files found under prefix 's3://{bucket}/{prefix}'")
        return found

    @staticmethod
    def _local_path(bucket: str, key: str) -> Path | None:
        """A local path when asked for: a `file://` key, or a `file://` bucket with a relative key."""
        if key.startswith("file://"):
            return Path(unquote(urlparse(key).path))
        if bucket.startswith("file://"):
            return Path(unquote(urlparse(bucket).path)) / key.lstrip("/")
        return None

    def _locate(self, bucket: str, key: str) -> SourceFile:
        local = self._local_path(bucket, key)
        if local is not None:
            return SourceFile(local.as_uri(), path=local)
        return SourceFile(f"s3://{bucket}/{key}", bucket=bucket, key=key)

    @staticmethod
    def _manifest_entry(entry: str, number: int, manifest: SourceFile) -> SourceFile:
        parsed = urlparse(entry)
        if parsed.scheme == "s3" and parsed.netloc and parsed.path.strip("/"):
            return SourceFile(entry, bucket=parsed.netloc, key=parsed.path.lstrip("/"))
        if parsed.scheme == "file" and parsed.path.startswith("/"):
            return SourceFile(entry, path=Path(unquote(parsed.path)))
        raise UploadFailure(
            f"Manifest '{manifest.uri}' line {number}: expected an s3://bucket/key (or file:///path) URI"
        )

    @staticmethod
    def _s3_message(exc: Exception, uri: str) -> str:
        code = _client_error_code(exc)
        if code in {"NoSuchKey", "404", "NotFound"}:
            return f"No such file or directory '{uri}'"
        if code == "NoSuchBucket":
            return f"No such file or directory '{uri}' (bucket does not exist)"
        if code in {"AccessDenied", "403"}:
            return f"Access denied reading '{uri}'"
        return f"Could not read '{uri}': {code or type(exc).__name__}"

    def _check_access(self, source: SourceFile, instance_id: str, account: str) -> None:
        """What AMC's data-upload account needs (D.5, D.6): the instanceId tag and a bucket policy grant."""
        client = self._s3_client()
        bucket, key = source.bucket, source.key
        assert bucket is not None and key is not None
        try:
            client.head_object(Bucket=bucket, Key=key)
        except Exception as exc:
            raise UploadFailure(self._s3_message(exc, source.uri)) from exc
        tagged_on = None
        try:
            object_tags = client.get_object_tagging(Bucket=bucket, Key=key).get("TagSet", [])
        except Exception as exc:
            raise UploadFailure(self._s3_message(exc, source.uri)) from exc
        if _tag_grants(object_tags, instance_id):
            tagged_on = "object"
        elif _tag_grants(self._bucket_tags(bucket), instance_id):
            tagged_on = "bucket"
        if tagged_on is None:
            raise UploadFailure(
                f"Access denied: '{source.uri}' is not tagged with instanceId={instance_id} "
                "(neither the object nor the bucket carries that tag)"
            )
        object_arn = f"arn:aws:s3:::{bucket}/{key}"
        needed = [("s3:GetObject", object_arn)]
        if tagged_on == "object":
            needed.append(("s3:GetObjectTagging", object_arn))
        needed.append(("s3:GetBucketTagging", f"arn:aws:s3:::{bucket}"))
        self._require_policy(bucket, needed, instance_id, account, source.uri)

    def _require_policy(
        self, bucket: str, needed: list[tuple[str, str]], instance_id: str, account: str, uri: str
    ) -> None:
        policy = self._bucket_policy(bucket, uri)
        for action, resource in needed:
            if policy is None or not policy_allows(policy, account, action, resource):
                reason = (
                    "has no bucket policy"
                    if policy is None
                    else f"policy does not allow {action} on {resource}"
                )
                raise UploadFailure(
                    f"Access denied: bucket '{bucket}' {reason} for arn:aws:iam::{account}:root "
                    f"(the data upload AWS account of instance {instance_id}) reading '{uri}'"
                )

    def _bucket_tags(self, bucket: str) -> list[dict[str, Any]]:
        try:
            tags: list[dict[str, Any]] = self._s3_client().get_bucket_tagging(Bucket=bucket).get("TagSet", [])
        except Exception as exc:
            if _client_error_code(exc) == "NoSuchTagSet":
                return []
            raise UploadFailure(self._s3_message(exc, f"s3://{bucket}")) from exc
        return tags

    def _bucket_policy(self, bucket: str, uri: str) -> dict[str, Any] | None:
        client = self._s3_client()
        try:
            text = client.get_bucket_policy(Bucket=bucket)["Policy"]
        except Exception as exc:
            if _client_error_code(exc) in {"NoSuchBucketPolicy", "NoSuchBucket"}:
                return None
            raise UploadFailure(self._s3_message(exc, uri)) from exc
        try:
            policy = json.loads(text)
        except ValueError:
            return None
        return policy if isinstance(policy, dict) else None

    def _open(self, source: SourceFile, instance_id: str, account: str) -> IO[bytes]:
        if source.path is not None:
            try:
                return source.path.open("rb")
            except OSError as exc:
                raise UploadFailure(f"No such file or directory '{source.uri}'") from exc
        self._check_access(source, instance_id, account)
        try:
            body = self._s3_client().get_object(Bucket=source.bucket, Key=source.key)["Body"]
        except Exception as exc:
            raise UploadFailure(self._s3_message(exc, source.uri)) from exc
        return cast(IO[bytes], _StreamingBody(body))

    # rows --------------------------------------------------------------------------------------------

    def _read_file(
        self,
        source: SourceFile,
        raw: IO[bytes],
        upload: dict[str, Any],
        dataset: dict[str, Any],
        result: IngestResult,
    ) -> None:
        compression = upload["compressionFormat"]
        stream = _decompress(raw, compression, source.uri)
        file_format = upload["fileFormat"]
        try:
            if "csvDataFormat" in file_format:
                records = _csv_records(stream, file_format["csvDataFormat"])
            elif "jsonDataFormat" in file_format:
                records = _json_records(stream, file_format["jsonDataFormat"])
            else:
                records = _parquet_records(stream, source.uri)
            default_country = upload.get("countryCode") or dataset.get("countryCode")
            self._validate_rows(records, dataset, result, source.uri, default_country)
        except UploadFailure:
            raise
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise UploadFailure(
                f"File '{source.uri}' could not be decompressed as {compression}: {exc}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise UploadFailure(f"File '{source.uri}' is not valid UTF-8 text") from exc
        except csv.Error as exc:
            raise UploadFailure(f"File '{source.uri}' is not valid CSV: {exc}") from exc

    def _validate_rows(
        self,
        records: Iterator[tuple[list[str] | None, dict[str, Any] | None, str | None]],
        dataset: dict[str, Any],
        result: IngestResult,
        uri: str,
        default_country: str | None,
    ) -> None:
        columns = {c["name"]: c for c in dataset["columns"]}
        country_column = next((c["name"] for c in dataset["columns"] if c["isCountryCode"]), None)
        lower = {name.lower(): name for name in columns}
        main_user_columns = {
            c["name"] for c in dataset["columns"] if c["isMainUserId"] or c["isMainUserIdType"]
        }
        identity = [c["name"] for c in dataset["columns"] if is_identity_column(c)]
        result.event_column = next((c["name"] for c in dataset["columns"] if c["isMainEventTime"]), None)
        checked_header = False
        for header, record, problem in records:
            if header is not None and not checked_header:
                checked_header = True
                self._check_header(header, columns, lower, result, uri)
                continue
            result.input_rows += 1
            if problem is not None:
                result.dropped[problem] += 1
                continue
            assert record is not None
            row: dict[str, Any] = {}
            for key, value in record.items():
                name = key if key in columns else lower.get(key.lower())
                if name is None:
                    result.dropped_columns.add(key)
                    continue
                row[name] = value
            reason = None
            for name in main_user_columns:
                if row.get(name) not in (None, ""):
                    reason = f"{name}: must be empty in uploaded files (AMC fills it when identity resolves)"
                    break
            accepted: dict[str, Any] = {}
            if reason is None:
                for name, column in columns.items():
                    if name in main_user_columns:
                        continue
                    accepted[name], reason = check_value(column, row.get(name))
                    if reason is not None:
                        break
            if reason is not None:
                result.dropped[reason] += 1
                continue
            result.empty_hashes += sum(1 for name in identity if accepted.get(name) == EMPTY_SHA256)
            has_identity = any(accepted.get(name) is not None for name in identity)
            if has_identity and not default_country and not (country_column and accepted.get(country_column)):
                # Spec C.3: with no country at any level the row's country is UNKNOWN and matches poorly.
                result.unknown_country += 1
            result.accept(accepted)

    @staticmethod
    def _check_header(
        header: list[str],
        columns: dict[str, dict[str, Any]],
        lower: dict[str, str],
        result: IngestResult,
        uri: str,
    ) -> None:
        present = set()
        duplicates = [name for name, n in Counter(header).items() if n > 1]
        if duplicates:
            raise UploadFailure(f"File '{uri}' has duplicate column names: {', '.join(sorted(duplicates))}")
        for name in header:
            target = name if name in columns else lower.get(name.lower())
            if target is None:
                result.dropped_columns.add(name)
            else:
                present.add(target)
        for name, column in columns.items():
            if name in present or column["isMainUserId"] or column["isMainUserIdType"]:
                continue
            if not column.get("nullable", True) or column["isMainEventTime"]:
                raise UploadFailure(f"File '{uri}' lacks the required column '{name}'")


def _tag_grants(tags: list[dict[str, Any]], instance_id: str) -> bool:
    """D.5: tag key `instanceId`, value one id or a space-separated list of ids."""
    return any(t.get("Key") == "instanceId" and instance_id in str(t.get("Value", "")).split() for t in tags)


class _StreamingBody(io.RawIOBase):
    """A botocore StreamingBody as a readable binary file (for gzip/TextIOWrapper)."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._body.close()
        super().close()


def _decompress(raw: IO[bytes], compression: str, uri: str) -> IO[bytes]:
    if compression == "GZIP":
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
    if compression == "BZIP":
        return cast(IO[bytes], bz2.BZ2File(raw))
    if compression == "ZIP":
        archive = zipfile.ZipFile(io.BytesIO(raw.read()))
        names = [n for n in archive.namelist() if not n.endswith("/")]
        if len(names) != 1:
            raise UploadFailure(f"ZIP file '{uri}' must hold exactly one file, found {len(names)}")
        return archive.open(names[0])
    if compression == "NONE":
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, raw))
        if buffered.peek(2)[:2] == GZIP_MAGIC:
            raise UploadFailure(f"File '{uri}' is gzip-compressed but compressionFormat is NONE")
        return cast(IO[bytes], buffered)
    raise UploadFailure(
        f"compressionFormat {compression} is not supported by the sandbox (use GZIP, BZIP, ZIP or NONE)"
    )


def _csv_records(
    stream: IO[bytes], options: dict[str, Any]
) -> Iterator[tuple[list[str] | None, dict[str, Any] | None, str | None]]:
    """(header, None, None) first, then (None, record, None) or (None, None, drop reason) per row.

    B.9 defaults per the OpenAPI: delimiter ",", quote "'" (sic), escape "\\", no comment character.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    comment = options.get("commentCharacter")
    lines: Iterator[str] = (line for line in text if not (comment and line.startswith(comment)))
    reader = csv.reader(
        lines,
        delimiter=options.get("fieldDelimiter", ","),
        quotechar=options.get("quoteCharacter", "'"),
        escapechar=options.get("quoteEscapeCharacter", "\\"),
        strict=False,
    )
    header: list[str] | None = None
    for fields in reader:
        if header is None:
            header = [h.strip() for h in fields]
            yield header, None, None
            continue
        if not fields or fields == [""]:
            continue
        if len(fields) != len(header):
            yield None, None, f"row has {len(fields)} fields but the header has {len(header)}"
            continue
        yield None, dict(zip(header, fields, strict=True)), None


def _json_records(
    stream: IO[bytes], kind: str
) -> Iterator[tuple[list[str] | None, dict[str, Any] | None, str | None]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig")
    if kind == "DOCUMENT":
        try:
            document = json.load(text)
        except ValueError as exc:
            raise UploadFailure(f"JSON DOCUMENT is not valid JSON: {exc.__class__.__name__}") from exc
        items = document if isinstance(document, list) else [document]
        for item in items:
            yield (
                (None, item, None) if isinstance(item, dict) else (None, None, "record is not a JSON object")
            )
        return
    for line in text:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            yield None, None, "line is not valid JSON"
            continue
        yield (None, item, None) if isinstance(item, dict) else (None, None, "record is not a JSON object")


def _parquet_records(
    stream: IO[bytes], uri: str
) -> Iterator[tuple[list[str] | None, dict[str, Any] | None, str | None]]:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError as exc:
        raise UploadFailure("Parquet uploads need pyarrow in the sandbox") from exc
    try:
        table = pq.read_table(io.BytesIO(stream.read()))
    except Exception as exc:
        raise UploadFailure(f"File '{uri}' is not a valid Parquet file") from exc
    yield [str(n) for n in table.column_names], None, None
    for row in table.to_pylist():
        yield (
            None,
            {k: (None if v is None else v if isinstance(v, str) else str(v)) for k, v in row.items()},
            None,
        )
