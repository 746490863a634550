"""The web app in Chromium against the real local stack: sign in, settings (credentials, the Amazon Ads
OAuth round trip through the sandbox, an instance), the six-step wizard on a file with PII columns up to
an AMC upload in SUCCESS, datasets, a narrow window, sign out. Screenshots: test-artifacts/web/."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import LocalServer, Shots

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SANDBOX_CLIENT_ID = "amzn1.application-oa2-client.sandbox"
SANDBOX_CLIENT_SECRET = "sandbox-secret"

SAMPLE_ROWS = [
    ("ann.smith@example.com", "Ann", "Smith", "+1 206 555 0100", "98101", "2024-05-01T10:00:00Z", "19.99"),
    ("BOB@Example.org ", "Bob", "Jones", "(425) 555-0101", "98052", "2024-05-01T11:30:00Z", "5.00"),
    ("carol@example.net", "Carol", "White", "206.555.0102", "98004-1234", "2024-05-02T09:15:00Z", "42.50"),
    ("not-an-email", "Dan", "Brown", "555-0103", "98101", "2024-05-02T12:00:00Z", "7.25"),
    ("", "Eve", "Black", "", "", "2024-05-03T08:45:00Z", "13.00"),
    ("frank@example.com", "Frank", "Green", "+1-206-555-0104", "98109", "2024-05-03T17:20:00Z", "3.10"),
]


def _sample_csv(path: Path) -> Path:
    lines = ["email,first_name,last_name,phone,zip,purchase_time,amount"]
    lines += [",".join(row) for row in SAMPLE_ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_upload_journey(page: Any, local_server: LocalServer, artifacts: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    shot = Shots(page, artifacts)
    base = local_server.url
    dataset_id = f"web_customers_{uuid.uuid4().hex[:6]}"

    # Sign in: protected pages send us to the sign-in form; a wrong password is refused in place.
    page.goto(f"{base}/settings")
    expect(page).to_have_url(re.compile(r"/signin\?next=(%2F|/)settings$"))
    page.get_by_label("Username").fill(local_server.username)
    page.get_by_label("Password").fill("wrong-password-1A!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-error")).to_have_text("The username or password is not correct.")
    shot("signin-error")
    page.get_by_label("Password").fill(local_server.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/settings")
    expect(page.get_by_text(f"Signed in as {local_server.username}")).to_be_visible()

    # Settings: client-side validation, then save the LwA credentials (this clears the connection).
    page.get_by_label("Client ID").fill("bad id with spaces")
    page.get_by_label("Client secret").fill(SANDBOX_CLIENT_SECRET)
    page.get_by_role("button", name=re.compile(r"(Save|Replace) credentials")).click()
    expect(page.locator("#client-id-error")).to_have_text(
        "Client ID must contain only letters, numbers, dashes, and periods."
    )
    page.get_by_label("Client ID").fill(SANDBOX_CLIENT_ID)
    page.get_by_role("button", name=re.compile(r"(Save|Replace) credentials")).click()
    expect(page.get_by_text("Credentials saved.")).to_be_visible()
    expect(page.get_by_test_id("creds-status")).to_have_text("Credentials set")
    expect(page.get_by_test_id("connection-status")).to_have_text("Not connected")
    expect(page.get_by_label("Client ID")).to_have_value("")
    shot("settings-credentials-saved")

    # An instance: the 12-digit account rule, then add the sandbox's second instance.
    page.get_by_role("button", name="Add instance").click()
    page.get_by_label("AMC instance id").fill("amcsandbox02")
    page.get_by_label("Advertiser (AMC account) id").fill("ENTITYSANDBOX01")
    page.get_by_label("Marketplace id").fill("ATVPDKIKX0DER")
    page.get_by_label("Data upload AWS account id").fill("21098765432")
    page.get_by_label("Tags").fill("sandbox, second")
    page.locator("form").get_by_role("button", name="Add instance").click()
    expect(page.locator("#e-acct")).to_have_text("An AWS account id is exactly 12 digits.")
    shot("settings-instance-validation")
    page.get_by_label("Data upload AWS account id").fill("210987654321")
    page.locator("form").get_by_role("button", name="Add instance").click()
    expect(page.get_by_text("Instance amcsandbox02 added.")).to_be_visible()
    expect(page.get_by_role("cell", name="amcsandbox02", exact=True)).to_be_visible()

    # Wizard step 1: upload a small file with PII columns; it is selected at once.
    page.get_by_role("link", name="Select files").click()
    expect(page.get_by_role("heading", name="Step 1: Select files")).to_be_visible()
    csv_path = _sample_csv(tmp_path / f"{dataset_id}.csv")
    page.locator("#file-upload").set_input_files(str(csv_path))
    expect(page.get_by_text(f"Uploaded {csv_path.name}")).to_be_visible()
    expect(page.get_by_role("heading", name="Selected: 1 file(s)")).to_be_visible()
    expect(page.get_by_role("checkbox", name=csv_path.name)).to_be_checked()
    shot("step1-files")
    page.get_by_role("button", name="Next →").click()

    # Step 2: two instances, pick the first one.
    expect(page.get_by_role("heading", name="Step 2: Select destinations")).to_be_visible()
    page.get_by_role("checkbox", name="amcsandbox01").check()
    expect(page.get_by_text("1 of 2 selected")).to_be_visible()
    shot("step2-destinations")
    page.get_by_role("button", name="Next →").click()

    # Step 3: a bad dataset id is flagged next to the field; the dataset list needs the connection,
    # and connecting from here returns here with the wizard intact (OAuth through the sandbox).
    expect(page.get_by_role("heading", name="Step 3: Define dataset")).to_be_visible()
    page.get_by_label("Dataset id").fill("Bad Id")
    expect(page.get_by_test_id("dataset-id-error")).to_have_text(
        "Use lowercase letters only: AMC dataset ids are lowercase."
    )
    page.get_by_label("Dataset id").fill("9lives")
    expect(page.get_by_test_id("dataset-id-error")).to_have_text(
        "Start the dataset id with a lowercase letter."
    )
    expect(page.get_by_text("Connect to Amazon Ads in Settings first.")).to_be_visible()
    shot("step3-bad-dataset-id-and-not-connected")
    page.get_by_label("Dataset id").fill(dataset_id)
    page.get_by_label("Description").fill("Customers uploaded by the browser test")
    page.get_by_label("Daily (P1D)").check()
    page.get_by_label("Country of the records").select_option("US")
    page.get_by_role("button", name="Connect to Amazon Ads").click()
    expect(page).to_have_url(f"{base}/wizard/dataset")
    expect(page.get_by_text("Connected to Amazon Ads.")).to_be_visible()
    expect(page.get_by_label("Dataset id")).to_have_value(dataset_id)
    expect(page.get_by_label("Description")).to_have_value("Customers uploaded by the browser test")
    expect(page.get_by_test_id("dataset-id-error")).to_be_empty()
    shot("step3-back-from-oauth")
    page.get_by_role("button", name="Next →").click()

    # Step 4: PII types pre-filled from the backend's suggestions, the timestamp column as the event time.
    expect(page.get_by_role("heading", name="Step 4: Define columns")).to_be_visible()
    email_row = page.locator('tr[data-column="email"]')
    expect(email_row.get_by_label("Role of email")).to_have_value("PII")
    expect(email_row.get_by_label("PII type of email")).to_have_value("EMAIL")
    expect(email_row.get_by_text(re.compile(r"Suggested EMAIL · \d+%"))).to_be_visible()
    expect(page.get_by_label("Role of purchase_time")).to_have_value("MAIN_EVENT_TIME")
    expect(page.get_by_label("Data type of purchase_time")).to_have_value("TIMESTAMP")
    expect(page.get_by_text("needs one main event time column")).to_have_count(0)
    page.get_by_label("Role of purchase_time").select_option("DIMENSION")
    expect(page.get_by_text("needs one main event time column")).to_be_visible()
    page.get_by_label("Role of purchase_time").select_option("MAIN_EVENT_TIME")
    page.get_by_label("Role of amount").select_option("METRIC")
    expect(page.get_by_text("needs one main event time column")).to_have_count(0)
    prefilled = (("first_name", "FIRST_NAME"), ("last_name", "LAST_NAME"), ("phone", "PHONE"), ("zip", "ZIP"))
    for column, pii in prefilled:
        expect(page.get_by_label(f"Role of {column}")).to_have_value("PII")
        expect(page.get_by_label(f"PII type of {column}")).to_have_value(pii)
    # Each PII type once: the message sits in the row of the field, and the step cannot be left.
    page.get_by_label("PII type of first_name").select_option("EMAIL")
    first_name_row = page.locator('tr[data-column="first_name"]')
    duplicate = "Email is used by email, first_name; each PII type can be used once."
    expect(first_name_row.get_by_text(duplicate)).to_be_visible()
    page.get_by_role("button", name="Next →").click()
    expect(page.get_by_text("2 problem(s) to fix above.")).to_be_visible()
    expect(page.get_by_role("heading", name="Step 4: Define columns")).to_be_visible()
    shot("step4-duplicate-pii-type")
    page.get_by_label("PII type of first_name").select_option("FIRST_NAME")
    expect(first_name_row.get_by_text("each PII type can be used once")).to_have_count(0)
    shot("step4-columns")
    page.get_by_role("button", name="Next →").click()

    # Step 5: the dry-run report (table + chart), then submit.
    expect(page.get_by_role("heading", name="Step 5: Confirm and upload")).to_be_visible()
    report = page.get_by_test_id("dry-run-table")
    expect(report).to_be_visible(timeout=60_000)
    expect(report.get_by_role("rowheader", name="email")).to_be_visible()
    expect(page.locator("figure.chart svg")).to_be_visible()
    shot("step5-confirm-dry-run")
    page.get_by_role("button", name="Submit upload").click()

    # Step 6: live status until AMC reports SUCCESS, with row counts; our SUCCEEDED and AMC's SUCCESS
    # read the same ("Done"), the raw values kept on the badges.
    expect(page).to_have_url(re.compile(r"/monitor\?job="))
    job_card = page.locator("section[data-job]").first
    expect(job_card.get_by_role("heading", name=dataset_id)).to_be_visible()
    shot("step6-monitor-running")
    instance_row = job_card.locator('tr[data-instance="amcsandbox01"]')
    upload_status = instance_row.get_by_test_id("upload-status")
    expect(upload_status).to_have_attribute("data-status", "SUCCESS", timeout=120_000)
    expect(upload_status).to_have_text("Done")
    expect(instance_row).to_contain_text(re.compile(r"\d"))
    expect(job_card.locator('[data-status="SUCCEEDED"]').first).to_have_text("Done")
    expect(job_card.get_by_text("SUCCEEDED", exact=True)).to_have_count(0)
    shot("step6-monitor-success")

    # Datasets: the new dataset and its upload in the instance.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Datasets").click()
    page.get_by_label(re.compile(r"^amcsandbox01")).check()
    page.get_by_role("button", name=dataset_id, exact=True).click()
    expect(page.get_by_role("heading", name=f"Uploads of {dataset_id}")).to_be_visible()
    expect(page.locator("table").last.locator('[data-status="SUCCESS"]')).to_have_text("Done")
    shot("datasets")

    # A narrow window keeps everything reachable.
    page.set_viewport_size({"width": 420, "height": 860})
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Monitor uploads").click()
    expect(page.locator("section[data-job]").first).to_be_visible()
    shot("narrow-monitor", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 720})

    # Sign out: back to the sign-in form, and protected pages stay closed.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/signin")
    page.goto(f"{base}/monitor")
    expect(page).to_have_url(re.compile(r"/signin\?next="))
    shot("signed-out")
    assert shot.a11y == [], "accessibility findings:\n" + "\n".join(shot.a11y)
