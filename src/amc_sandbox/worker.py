"""Asynchronous upload processing, like AMC: SUBMITTED -> IN_PROGRESS -> SUCCESS | FAILED.

A single worker thread takes uploads in order. For each one it resolves the data source (`sources`),
which on S3 checks what AMC's data-upload account would need (`access`), reads every file through the
declared compression and format (`reading`), validates each row against the data set schema
(`validation`), records the outcome with a message and metrics, and merges the accepted rows into the
data set (`datastore`). Messages name files, columns and rules, never values (they may be PII).
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Final

from amc_client.models import UploadStatus
from amc_sandbox import datastore
from amc_sandbox.access import S3Access
from amc_sandbox.errors import UploadFailure
from amc_sandbox.reading import ReadError, read_records
from amc_sandbox.sources import Sources, hidden
from amc_sandbox.state import TERMINAL_UPLOAD_STATUSES, SandboxState
from amc_sandbox.validation import IngestResult, validate_rows

logger = logging.getLogger(__name__)

MAX_BUCKETS: Final = 100  # B.14


def boto3_s3_client(endpoint_url: str | None, region: str) -> Any:
    """A boto3 S3 client; a local endpoint (moto server) gets dummy credentials when none are configured."""
    import boto3

    session = boto3.session.Session()
    key_id = secret = None
    if endpoint_url and session.get_credentials() is None:
        # A local S3 (moto server) accepts any key; boto3 only needs one to sign with.
        key_id = secret = "sandbox"  # noqa: S105 - dummy credential for a local endpoint
    return session.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )


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
        self.delay = delay
        self.access = S3Access(s3_client_factory or (lambda: boto3_s3_client(s3_endpoint_url, region)))
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._busy = 0

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

    def process(self, instance_id: str, upload_id: str) -> None:
        if not self._pause():
            return
        current = self.state.find_upload(instance_id, upload_id)
        if current is None or current["status"] in TERMINAL_UPLOAD_STATUSES:
            return  # deleted, or settled meanwhile (admin override)
        upload = self.state.update_upload(instance_id, upload_id, status=UploadStatus.IN_PROGRESS.value)
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
                succeeded = self.state.find_upload(instance_id, upload_id, status=UploadStatus.SUCCESS.value)
                if succeeded is not None and self.state.has_dataset(instance_id, upload["dataSetId"]):
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
        failed = UploadStatus.FAILED.value
        try:
            self._ingest(instance_id, upload, result)
        except UploadFailure as exc:
            self.state.update_upload(
                instance_id, upload_id, status=failed, message=str(exc), metrics=result.metrics()
            )
            logger.info("sandbox: upload %s FAILED", upload_id)
            return
        except Exception:
            logger.exception("sandbox: unexpected error in upload %s", upload_id)
            self.state.update_upload(
                instance_id, upload_id, status=failed, message="Internal error while processing the upload"
            )
            return
        dropped = sum(result.dropped.values())
        if result.input_rows and not result.output_rows:
            message = f"All {result.input_rows} rows were rejected; see metrics.droppedRows"
            self.state.update_upload(
                instance_id, upload_id, status=failed, message=message, metrics=result.metrics()
            )
            return
        message = f"Ingested {result.output_rows} rows from {result.files} file(s)"
        if dropped:
            message += f"; dropped {dropped} rows"
        if result.dropped_columns:
            message += f"; dropped columns: {', '.join(sorted(result.dropped_columns))}"
        self.state.update_upload(
            instance_id,
            upload_id,
            status=UploadStatus.SUCCESS.value,
            message=message,
            metrics=result.metrics(),
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
        sources = Sources(self.access, instance_id, str(instance["dataUploadAwsAccountId"]))
        files = sources.resolve(upload["dataSource"])
        for source in files:
            if hidden(source.uri.rsplit("/", 1)[-1]):
                raise UploadFailure(f"File names must not start with '.' or '_': '{source.uri}'")  # B.14
        buckets = {f.bucket for f in files if f.bucket}
        if len(buckets) > MAX_BUCKETS:
            raise UploadFailure(
                f"An upload may reference at most {MAX_BUCKETS} buckets, found {len(buckets)}"
            )
        default_country = upload.get("countryCode") or dataset.get("countryCode")
        for source in files:
            try:
                with read_records(
                    functools.partial(sources.open, source),
                    uri=source.uri,
                    compression=upload["compressionFormat"],
                    file_format=upload["fileFormat"],
                ) as records:
                    validate_rows(records, dataset, result, source.uri, default_country)
            except ReadError as exc:
                raise UploadFailure(str(exc)) from exc
            result.files += 1
