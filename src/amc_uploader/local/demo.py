"""The main job on the local stack, through the product's own REST API: upload the bundled sample file,
create a dataset in the sandbox AMC instance, run the job, wait for AMC to ingest it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from amc_uploader.local.stack import LocalStack

logger = logging.getLogger(__name__)

SANDBOX_INSTANCE = "amcsandbox01"
MIN_CONFIDENCE = 0.5


class DemoError(RuntimeError):
    """A demo step failed; the message names the step and the API's error code."""


@dataclass
class DemoResult:
    job: dict[str, Any]
    dataset: dict[str, Any]
    sample: str
    seconds: float

    @property
    def report(self) -> dict[str, Any]:
        report: dict[str, Any] = self.job.get("report") or {}
        return report

    @property
    def instance(self) -> dict[str, Any]:
        instances: list[dict[str, Any]] = self.job.get("instances") or []
        return instances[0] if instances else {}


class _Api:
    def __init__(self, base: str):
        self._http = httpx.Client(base_url=base, timeout=120)
        self._token: str | None = None

    def login(self, username: str, password: str) -> None:
        out = self.call(
            "sign in", "POST", "/api/auth/local-login", json={"username": username, "password": password}
        )
        self._token = str(out["idToken"])

    def call(self, step: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        response = self._http.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
                detail = f"{body.get('error')}: {body.get('message')}"
            except ValueError:
                detail = response.text[:200]
            raise DemoError(f"{step} failed (HTTP {response.status_code}) {detail}")
        return response.json() if response.content else None

    def close(self) -> None:
        self._http.close()


def _columns(preview: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]:
    """Dataset columns and job columns from the preview's suggestions (each PII type once)."""
    dataset_cols: list[dict[str, Any]] = []
    job_cols: list[dict[str, Any]] = []
    event_time: str | None = None
    for col in preview["columns"]:
        name = col["name"]
        pii = col.get("suggestedPiiType")
        if pii and pii != "NAME" and col.get("confidence", 0) >= MIN_CONFIDENCE:
            dataset_cols.append({"name": name, "dataType": "STRING", "piiType": pii, "nullable": True})
            job_cols.append({"name": name, "piiType": pii})
            continue
        data_type = col["inferredType"]
        is_event = data_type in ("TIMESTAMP", "DATE") and event_time is None
        if is_event:
            event_time = name
        column_type = "METRIC" if data_type in ("INTEGER", "LONG", "DECIMAL") else "DIMENSION"
        dataset_cols.append(
            {
                "name": name,
                "dataType": data_type,
                "columnType": column_type,
                "isMainEventTime": is_event,
                "nullable": not is_event,
            }
        )
        job_cols.append({"name": name, "dataType": data_type, "isMainEventTime": is_event})
    return dataset_cols, job_cols, event_time


def run_demo(
    state_dir: Path,
    sample: Path,
    *,
    country_code: str = "US",
    timeout: float = 180.0,
    progress: Callable[[str], None] | None = None,
    stack: LocalStack | None = None,
) -> DemoResult:
    """Start a local stack in `state_dir` (or use `stack`) and run the main job end to end."""

    def say(text: str) -> None:
        logger.info("demo step", extra={"step": text})
        if progress is not None:
            progress(text)

    started = time.monotonic()
    own = stack is None
    if stack is None:
        say("starting the local stack (moto server, AMC sandbox, API)")
        stack = LocalStack(state_dir, snapshot_interval=0, refresh_interval=0.5).start()
    api = _Api(stack.url)
    try:
        assert stack.admin is not None
        api.login(stack.admin.username, stack.admin.password)
        key = f"samples/{sample.name}"
        say(f"uploading {sample.name} to the data bucket")
        api.call(
            "upload",
            "PUT",
            "/api/files/content",
            params={"key": key},
            content=sample.read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )
        preview = api.call(
            "preview", "POST", "/api/files/preview", json={"keys": [key], "countryCode": country_code}
        )
        dataset_cols, job_cols, event_time = _columns(preview)
        dataset_id = "demo_customers_" + time.strftime("%Y%m%d%H%M%S", time.gmtime())
        say(f"creating dataset {dataset_id} in AMC instance {SANDBOX_INSTANCE}")
        dataset = api.call(
            "create dataset",
            "POST",
            f"/api/instances/{SANDBOX_INSTANCE}/datasets",
            json={
                "datasetId": dataset_id,
                "description": "AMC Uploader demo: bundled sample customers",
                "period": "P1D" if event_time else None,
                "countryCode": country_code,
                "columns": dataset_cols,
            },
        )
        say("starting the upload job")
        job = api.call(
            "start job",
            "POST",
            "/api/jobs",
            json={
                "sourceKeys": [key],
                "instanceIds": [SANDBOX_INSTANCE],
                "datasetId": dataset_id,
                "countryCode": country_code,
                "columns": job_cols,
            },
        )
        job_id = job["jobId"]
        deadline = time.monotonic() + timeout
        last = ""
        while job["status"] not in ("SUCCEEDED", "FAILED", "CANCELLED"):
            if time.monotonic() > deadline:
                raise DemoError(
                    f"job {job_id} did not finish within {timeout:.0f} s (status {job['status']})"
                )
            time.sleep(0.3)
            job = api.call("job status", "GET", f"/api/jobs/{job_id}")
            inst = job["instances"][0]
            line = f"job {job['status']}, AMC upload {inst.get('uploadStatus') or '-'}"
            if line != last:
                say(line)
                last = line
        if job["status"] != "SUCCEEDED":
            inst = job["instances"][0]
            raise DemoError(
                f"job {job_id} ended {job['status']}: "
                f"{job.get('error') or inst.get('message') or 'no message'}"
            )
        return DemoResult(job=job, dataset=dataset, sample=key, seconds=time.monotonic() - started)
    finally:
        api.close()
        if own:
            stack.stop()
