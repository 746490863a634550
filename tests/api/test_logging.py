"""Log capture over a full job through the API: no PII value, token or secret in any log record."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator

import pytest

from amc_uploader.api.logs import NOISY_LOGGERS, JsonFormatter, quiet_third_party
from tests.api.conftest import (
    SAMPLE_PII,
    ApiEnv,
    create_dataset,
    start_sample_job,
    unique_dataset_id,
    wait_job,
)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.json = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        # Both the raw record (message, args, every attribute) and our JSON rendering of it.
        self.lines.append(repr(vars(record)) + "\n" + record.getMessage() + "\n" + self.json.format(record))


@pytest.fixture
def captured() -> Iterator[_Capture]:
    root = logging.getLogger()
    handler = _Capture()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # The product's logging configuration (third-party loggers at WARNING), everything else at DEBUG.
    quiet = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    quiet_third_party()
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


def test_no_pii_token_or_secret_in_logs(api_env: ApiEnv, captured: _Capture) -> None:
    dataset_id = unique_dataset_id("logs")
    with api_env.client() as c:
        # Errors too: a rejected credential save and an invalid job.
        c.put("/api/settings/credentials", json={"clientId": "bad value!", "clientSecret": "Zebulon"})
        c.post("/api/files/preview", json={"keys": ["nope.csv"], "includeSamples": True})
    create_dataset(api_env, dataset_id)
    job = start_sample_job(api_env, dataset_id, f"logs/{uuid.uuid4().hex[:6]}.csv")
    done = wait_job(api_env, job["jobId"])
    assert done["status"] == "SUCCEEDED"
    with api_env.client() as c:
        key = f"logs/{uuid.uuid4().hex[:6]}-preview.csv"
        api_env.put_file(key, "first_name,email\nZebulon,zebulon.q@example.com\n")
        assert c.post("/api/files/preview", json={"keys": [key]}).status_code == 200
        assert (
            c.get("/api/me", headers={"Authorization": f"Bearer {api_env.expired_token}"}).status_code == 401
        )

    # A failing AMC call on the worker's path is reported, never a crash.
    failing = unique_dataset_id("logsfail")
    create_dataset(api_env, failing)
    api_env.sandbox.inject(method="POST", path_regex=f"/uploads/{failing}$", status=400, count=1)
    try:
        bad = start_sample_job(api_env, failing, f"logs/{uuid.uuid4().hex[:6]}-fail.csv")
        assert wait_job(api_env, bad["jobId"])["status"] == "FAILED"
    finally:
        api_env.sandbox.clear_faults()

    text = "\n".join(captured.lines)
    assert "upload request failed" in text
    assert "crashed" not in text and "unhandled error" not in text
    assert len(captured.lines) > 20, "the capture saw the job"
    assert job["jobId"] in text  # ids are logged
    forbidden = [
        *SAMPLE_PII,
        *api_env.secrets,
        api_env.admin_token,
        api_env.expired_token,
        "Atza|",  # LWA access tokens
        "Atzr|",  # LWA refresh tokens
        "Bearer ",
    ]
    leaks = [value for value in forbidden if value in text]
    for line in captured.lines:
        if any(v in line for v in leaks):
            print("LEAK:", line[:1500])
    assert leaks == [], f"{len(leaks)} forbidden values in logs"
    # Our JSON lines parse and carry no request bodies.
    ours = [
        json.loads(line.rsplit("\n", 1)[1])
        for line in captured.lines
        if "amc_uploader" in line.split("\n")[0]
    ]
    assert ours and all("body" not in rec for rec in ours)
