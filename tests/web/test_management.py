"""Management screens in Chromium against the real local stack: session expiry with re-login that keeps
the wizard, an upload into an existing dataset (compatibility check, update strategy), S3-trigger rules,
instance import/discovery/delete, and dataset deletion with confirmation."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import LocalServer, Shots

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture()
def api(local_server: LocalServer) -> Iterator[httpx.Client]:
    """An API client signed in as the admin, for test setup only (the UI is what is under test)."""
    tokens = httpx.post(
        f"{local_server.url}/api/auth/local-login",
        json={"username": local_server.username, "password": local_server.password},
        timeout=10,
    ).json()
    headers = {"Authorization": f"Bearer {tokens['idToken']}"}
    with httpx.Client(base_url=local_server.url, headers=headers, timeout=30) as client:
        yield client


def _sign_in_with_keyboard(page: Any, server: LocalServer, path: str) -> None:
    page.goto(f"{server.url}{path}")
    page.get_by_label("Username").focus()
    page.keyboard.type(server.username)
    page.keyboard.press("Tab")
    page.keyboard.type(server.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}{path}")


def test_existing_dataset_triggers_instances_and_expiry(
    page: Any, api: httpx.Client, local_server: LocalServer, artifacts: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    shots_dir = artifacts / "management"
    shots_dir.mkdir(exist_ok=True)
    shot = Shots(page, shots_dir)
    dataset_id = f"web_existing_{uuid.uuid4().hex[:6]}"
    key = f"incoming/{dataset_id}.csv"

    if not api.get("/api/settings/credentials").json()["connected"]:
        # A previous test saved new credentials: connect through the sandbox's consent page.
        consent = api.post("/api/settings/oauth/consent-url", json={}).json()
        answer = httpx.get(consent["url"], follow_redirects=False, timeout=10)
        code = httpx.URL(answer.headers["location"]).params["code"]
        api.post("/api/settings/oauth/callback", json={"code": code, "state": consent["state"]})
    created = api.post(
        "/api/instances/amcsandbox01/datasets",
        json={
            "datasetId": dataset_id,
            "period": "P1D",
            "countryCode": "US",
            "columns": [
                {"name": "email", "piiType": "EMAIL", "nullable": True},
                {
                    "name": "purchase_time",
                    "dataType": "TIMESTAMP",
                    "isMainEventTime": True,
                    "nullable": False,
                },
                {"name": "amount", "dataType": "DECIMAL", "columnType": "METRIC"},
            ],
        },
    )
    assert created.status_code == 201, created.text
    body = "email,purchase_time,amount,note\nann@example.com,2024-05-01T10:00:00Z,1.50,hello\n"
    assert api.put("/api/files/content", params={"key": key}, content=body.encode()).status_code == 201

    # Keyboard-only sign-in straight into step 1.
    _sign_in_with_keyboard(page, local_server, "/wizard/files")

    # Step 1: folder navigation and search.
    page.get_by_role("button", name="incoming/").click()
    crumbs = page.get_by_role("navigation", name="Folder")
    expect(crumbs.get_by_role("button", name="incoming")).to_be_visible()
    page.get_by_label("Search files in this folder").fill(dataset_id)
    page.get_by_role("checkbox", name=f"{dataset_id}.csv").check()
    shot("step1-folder-search")
    page.get_by_role("button", name="Next →").click()
    page.get_by_role("checkbox", name="amcsandbox01").check()
    page.get_by_role("button", name="Next →").click()

    # Step 3: existing dataset with an update strategy and its explanation.
    page.get_by_label("Add to an existing dataset").check()
    page.get_by_label(re.compile(r"^Dataset in amcsandbox01")).select_option(dataset_id)
    page.get_by_label("FULL_REPLACE").check()
    expect(page.get_by_text("Delete all data in the dataset, then load this file.")).to_be_visible()
    shot("step3-existing-dataset")

    # The session expires (refresh refused): the re-login dialog keeps the wizard as it was.
    page.evaluate(
        """() => {
            const key = "amc-uploader:session";
            const s = JSON.parse(sessionStorage.getItem(key));
            s.expiresAt = 0;
            s.refreshToken = "revoked";
            sessionStorage.setItem(key, JSON.stringify(s));
        }"""
    )
    page.reload()
    dialog = page.get_by_role("dialog", name="Your session has ended")
    expect(dialog).to_be_visible()
    shot("session-expired-dialog")
    dialog.get_by_label("Password").fill(local_server.password)
    dialog.get_by_role("button", name="Sign in").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label(re.compile(r"^Dataset in amcsandbox01"))).to_have_value(dataset_id)
    expect(page.get_by_label("FULL_REPLACE")).to_be_checked()
    page.get_by_role("button", name="Next →").click()

    # Step 4: the compatibility check, with the extra file column left out.
    expect(page.get_by_role("heading", name="Step 4: Check columns")).to_be_visible()
    expect(page.get_by_test_id("compat")).to_contain_text("compatible")
    expect(page.get_by_text("will not be uploaded: note")).to_be_visible()
    shot("step4-compatibility")
    page.get_by_role("button", name="Next →").click()

    # Step 5: an S3-trigger rule from this definition, then the upload.
    expect(page.get_by_role("heading", name="Step 5: Confirm and upload")).to_be_visible()
    page.get_by_text("Automate uploads with an S3 trigger").click()
    page.get_by_label("Rule name").fill(f"{dataset_id} rule")
    page.get_by_label("Key prefix").fill("incoming/")
    page.get_by_label("Key suffix").fill(".csv")
    page.get_by_role("button", name="Create rule").click()
    expect(page.get_by_text(f"Rule “{dataset_id} rule” created")).to_be_visible()
    shot("step5-trigger-rule")
    # AMC refuses the first upload request: the monitor shows the failure and retries on request.
    sandbox = api.get("/api/settings").json()["apiBaseUrl"]
    fault = {"method": "POST", "path_regex": f"/uploads/{dataset_id}$", "status": 400, "count": 1}
    httpx.post(f"{sandbox}/sandbox/faults", json=fault, timeout=10).raise_for_status()
    page.get_by_role("button", name="Submit upload").click()
    job_card = page.locator("section[data-job]").first
    expect(job_card.get_by_role("heading", name=dataset_id)).to_be_visible()
    row = job_card.locator('tr[data-instance="amcsandbox01"]')
    expect(row.locator('[data-status="FAILED"]').first).to_have_text("Failed", timeout=60_000)
    expect(row.get_by_text("AMC refused the upload request")).to_be_visible()
    expect(row.get_by_role("button", name="Retry")).to_be_visible()
    shot("monitor-failed")
    row.get_by_role("button", name="Retry").click()
    upload_status = job_card.get_by_test_id("upload-status")
    expect(upload_status).to_have_attribute("data-status", "SUCCESS", timeout=120_000)
    expect(job_card).to_contain_text("FULL_REPLACE")

    # Automation: the rule is listed; delete it after confirming.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Automation").click()
    row = page.get_by_role("row").filter(has_text=f"{dataset_id} rule")
    expect(row).to_contain_text("s3://amc-uploader-data/incoming/*.csv")
    shot("automation")
    row.get_by_role("button", name=f"Delete rule {dataset_id} rule").click()
    confirm = page.get_by_role("dialog", name=f"Delete rule {dataset_id} rule?")
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    confirm.get_by_role("button", name="Delete rule").click()
    expect(page.get_by_text(f"Rule “{dataset_id} rule” deleted.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=f"{dataset_id} rule")).to_have_count(0)

    # Settings: import instances (old app's format), discover, delete one with confirmation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    imported = tmp_path / "amc_instances.json"
    imported.write_text(
        json.dumps(
            [
                {
                    "instance_id": "amcsandbox02",
                    "advertiser_id": "ENTITYSANDBOX01",
                    "marketplace_id": "ATVPDKIKX0DER",
                    "data_upload_account_id": "210987654321",
                    "tags": [{"value": "imported", "key": ""}],
                }
            ]
        ),
        encoding="utf-8",
    )
    page.locator("#inst-import").set_input_files(str(imported))
    page.get_by_role("dialog", name="Import instances?").get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported 1 instance(s).")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="amcsandbox02")).to_contain_text("imported")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").last.click()
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert {i["instanceId"] for i in exported["items"]} >= {"amcsandbox01", "amcsandbox02"}
    page.get_by_role("button", name="Discover instances").click()
    heading = page.get_by_role("heading", name="Instances of the connected account")
    discovered = heading.locator("..").locator("..")
    expect(discovered.get_by_role("row").filter(has_text="amcsandbox01")).to_contain_text("Registered")
    shot("settings-import-discover")
    page.get_by_role("button", name="Delete amcsandbox02").click()
    confirm = page.get_by_role("dialog", name="Delete instance amcsandbox02?")
    confirm.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Instance amcsandbox02 removed")).to_be_visible()

    # Datasets: deleting needs the id typed in the confirmation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Datasets").click()
    page.get_by_label(re.compile(r"^amcsandbox01")).check()
    page.get_by_role("button", name=f"Delete dataset {dataset_id}").click()
    confirm = page.get_by_role("dialog", name=f"Delete dataset {dataset_id}?")
    expect(confirm.get_by_role("button", name="Delete dataset")).to_be_disabled()
    confirm.get_by_label(re.compile("to confirm")).fill(dataset_id)
    shot("dataset-delete-confirm")
    confirm.get_by_role("button", name="Delete dataset").click()
    expect(page.get_by_text(f"Dataset {dataset_id} deleted from amcsandbox01.")).to_be_visible()
    expect(page.get_by_role("button", name=dataset_id, exact=True)).to_have_count(0)
    assert shot.a11y == [], "accessibility findings:\n" + "\n".join(shot.a11y)
