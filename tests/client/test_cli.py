"""`amc-uploader amc ...` against the sandbox over HTTP: tables, --json with all pages merged,
--instance, dataset create from JSON/TOML, and one-line failures naming status and AMC code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amc_client import build_dataset
from amc_sandbox import SANDBOX_INSTANCE_ID, SANDBOX_SECOND_INSTANCE_ID, SandboxServer
from amc_uploader.cli import app
from tests.client.sandbox_helpers import (
    PURCHASE_COLUMNS,
    make_bucket,
    purchase_rows,
    sandbox_client,
    stage_csv,
    unique,
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def run(amc_sandbox_clean: SandboxServer):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = amc_sandbox_clean.env()

    def invoke(*args: str, extra_env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["amc", *args], env={**env, **(extra_env or {})})

    return invoke


def test_accounts_and_instances(run) -> None:  # type: ignore[no-untyped-def]
    table = run("accounts")
    assert table.exit_code == 0, table.output
    assert "ENTITYSANDBOX01" in table.stdout and "accountId" in table.stdout
    data = json.loads(run("instances", "--json").stdout)
    assert SANDBOX_INSTANCE_ID in {i["instanceId"] for i in data["instances"]}
    one = json.loads(run("instances", SANDBOX_INSTANCE_ID, "--json").stdout)
    assert one["dataUploadAwsAccountId"] == "123456789012"


def test_dataset_commands(run, tmp_path: Path, amc_sandbox_clean: SandboxServer) -> None:  # type: ignore[no-untyped-def]
    dataset_id = unique("cli")
    toml = tmp_path / "cols.toml"
    toml.write_text(
        'description = "From TOML"\ncountry_code = "US"\n'
        + "".join(
            "\n[[columns]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in col.items())
            for col in PURCHASE_COLUMNS
        )
    )
    created = run("datasets", "create", dataset_id, "--columns", str(toml))
    assert created.exit_code == 0, created.output
    assert f"created dataset {dataset_id}" in created.stdout

    got = json.loads(run("datasets", "get", dataset_id, "--json").stdout)
    assert got["dataSet"]["description"] == "From TOML" and got["dataSet"]["countryCode"] == "US"
    table = run("datasets", "get", dataset_id)
    assert "main user id" in table.stdout and "EMAIL" in table.stdout

    # JSON column file, other instance via --instance.
    cols = tmp_path / "cols.json"
    cols.write_text(json.dumps([{"name": "store_id"}, {"name": "region"}]))
    other = run(
        "datasets",
        "create",
        dataset_id,
        "--columns",
        str(cols),
        "--instance",
        SANDBOX_SECOND_INSTANCE_ID,
        "--json",
    )
    assert json.loads(other.stdout) == {"dataSetId": dataset_id, "instanceId": SANDBOX_SECOND_INSTANCE_ID}

    # --json merges every page: small pages give the same list as one big page.
    with sandbox_client(amc_sandbox_clean) as client:
        for n in range(4):
            client.for_instance().create_dataset(build_dataset(f"{dataset_id}_{n}", [{"name": "k"}]))
    listed = json.loads(run("datasets", "list", "--json").stdout)["dataSets"]
    assert dataset_id in {d["dataSetId"] for d in listed}
    amc_sandbox_clean.clear_requests()
    paged = json.loads(run("datasets", "list", "--json", "--page-size", "2").stdout)["dataSets"]
    assert paged == listed
    pages = amc_sandbox_clean.requests(method="POST", path_contains="/dataSets/list")
    assert len(pages) == -(-len(listed) // 2) and len(pages) >= 2

    deleted = run("datasets", "delete", dataset_id, "--yes")
    assert deleted.exit_code == 0 and f"deleted dataset {dataset_id}" in deleted.stdout
    gone = run("datasets", "get", dataset_id)
    assert gone.exit_code == 1
    lines = gone.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: HTTP 404")


def test_dataset_create_rejects_bad_definition_before_any_request(
    run, tmp_path: Path, amc_sandbox_clean: SandboxServer
) -> None:  # type: ignore[no-untyped-def]
    cols = tmp_path / "bad.json"
    cols.write_text(json.dumps([{"name": "user_id"}, {"name": "q", "column_type": "METRIC"}]))
    amc_sandbox_clean.clear_requests()
    result = run("datasets", "create", "ok_name", "--columns", str(cols))
    assert result.exit_code == 1
    assert "reserved" in result.stderr and "METRIC" in result.stderr
    assert amc_sandbox_clean.requests() == []


def test_upload_commands(run, amc_sandbox_clean: SandboxServer, moto_endpoint: str) -> None:  # type: ignore[no-untyped-def]
    dataset_id = unique("cliup")
    bucket = unique("cli").replace("_", "-")
    s3 = make_bucket(moto_endpoint, bucket)
    with sandbox_client(amc_sandbox_clean) as client:
        client.for_instance().create_dataset(build_dataset(dataset_id, PURCHASE_COLUMNS, country_code="US"))
    good = stage_csv(
        s3, bucket, f"amc/{dataset_id}/a/{SANDBOX_INSTANCE_ID}", purchase_rows(), SANDBOX_INSTANCE_ID
    )
    bad = stage_csv(s3, bucket, f"amc/{dataset_id}/b/{SANDBOX_INSTANCE_ID}", purchase_rows(), None)

    created = json.loads(
        run(
            "uploads",
            "create",
            dataset_id,
            "--bucket",
            bucket,
            "--manifest-key",
            good,
            "--country",
            "US",
            "--json",
        ).stdout
    )
    waited = run("uploads", "wait", dataset_id, created["uploadId"], "--poll", "0.1", "--json")
    assert waited.exit_code == 0, waited.output
    assert json.loads(waited.stdout)["upload"]["status"] == "SUCCESS"

    failed_id = json.loads(
        run("uploads", "create", dataset_id, "--bucket", bucket, "--manifest-key", bad, "--json").stdout
    )["uploadId"]
    failed = run("uploads", "wait", dataset_id, failed_id, "--poll", "0.1")
    assert failed.exit_code == 1
    assert f"upload {failed_id} FAILED" in failed.stderr and "instanceId" in failed.stderr

    listed = json.loads(run("uploads", "list", "--dataset", dataset_id, "--json").stdout)["uploads"]
    assert {u["uploadId"] for u in listed} == {created["uploadId"], failed_id}
    table = run("uploads", "list", "--dataset", dataset_id)
    assert created["uploadId"] in table.stdout
    got = run("uploads", "get", dataset_id, created["uploadId"])
    assert "OutputRowCount" in got.stdout


def test_failures_are_one_line_without_tokens(run, amc_sandbox_clean: SandboxServer) -> None:  # type: ignore[no-untyped-def]
    amc_sandbox_clean.inject(method="POST", path_regex="/dataSets/list$", status=503, count=10)
    result = run("datasets", "list", extra_env={"AMC_MAX_ATTEMPTS": "2"})
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: HTTP 503")
    bad_secret = run("accounts", extra_env={"AMC_REFRESH_TOKEN": "Atzr|cli-secret-refresh"})
    assert bad_secret.exit_code == 1
    assert len(bad_secret.stderr.strip().splitlines()) == 1
    assert "HTTP 400" in bad_secret.stderr or "HTTP 401" in bad_secret.stderr
    assert "cli-secret-refresh" not in bad_secret.output and "sandbox-secret" not in bad_secret.output
    missing = run("datasets", "list", extra_env={"AMC_INSTANCE_ID": ""})
    assert missing.exit_code == 1 and "AMC_INSTANCE_ID" in missing.stderr
