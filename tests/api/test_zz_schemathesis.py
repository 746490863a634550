"""schemathesis against the running app's OpenAPI schema: no 5xx, responses match the schema.

Runs last in this package (it may write through the API); settings it could change are restored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from amc_uploader.api.models import AmcInstance
from tests.api.conftest import ApiEnv

# Replacing the instance list or the LWA credentials would only test the sandbox's refusal afterwards.
EXCLUDED = ("replaceInstances", "saveCredentials", "deleteCredentials", "deleteInstance")


def test_schema_conformance(api_env: ApiEnv, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("schemathesis")
    cmd = [
        str(exe),
        "run",
        f"{api_env.url}/api/openapi.json",
        "--checks",
        "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
        "--max-examples",
        "5",
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        "20261129",
        "--workers",
        "1",
        "--no-shrink",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "-H",
        f"Authorization: Bearer {api_env.admin_token}",
        "--no-color",
        "--report-dir",
        str(tmp_path),
    ]
    for op in EXCLUDED:
        cmd += ["--exclude-operation-id", op]
    # Fuzz against an AMC instance of its own (own sandbox account), so generated datasets never touch
    # the seeded instances other test packages share.
    repo = api_env.backend.settings_repo
    seeded = repo.get_instance("amcsandbox01")
    secret = api_env.aws.secrets.get_secret_value(SecretId=api_env.names.lwa_secret_id)["SecretString"]
    api_env.sandbox.add_instance(
        "amcapifuzz01", account_id="ENTITYAPIFUZZ", data_upload_account_id="111122223333", name="API fuzzing"
    )
    repo.delete_instance("amcsandbox01")
    repo.put_instance(
        AmcInstance(
            instance_id="amcapifuzz01",
            advertiser_id="ENTITYAPIFUZZ",
            marketplace_id=seeded.marketplace_id,
            data_upload_aws_account_id="111122223333",
        )
    )
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=240, check=False)
    finally:
        for instance in repo.list_instances():
            repo.delete_instance(instance.instance_id)
        repo.put_instance(seeded)
        api_env.aws.secrets.put_secret_value(SecretId=api_env.names.lwa_secret_id, SecretString=secret)
        api_env.backend.amc.reset()
    (tmp_path / "schemathesis-output.txt").write_text(out.stdout + out.stderr)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "FAILURES" not in out.stdout and "Server error" not in out.stdout, out.stdout[-4000:]
    assert " passed" in out.stdout
