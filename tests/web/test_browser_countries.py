"""The wizard in Chromium on a file that mixes US and German customers: the per-row country column and the
consent column (both suggested from the file), the warning while no consent column is chosen, per-country
and consent counts in the dry run, the upload to the sandbox to SUCCESS; then the erasure page for two of
those customers. Screenshots: test-artifacts/web/countries/."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import LocalServer, Shots
from tests.web.test_browser import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TCF_V2 = "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA"
HEADER = "email,first_name,last_name,phone,zip,country,tcf_string,purchase_time,amount"
ROWS = [
    "ann.smith@example.com,Ann,Smith,+1 206 555 0100,98101,US,,2024-05-01T10:00:00Z,19.99",
    "bob@example.org,Bob,Jones,(425) 555-0101,98052,,,2024-05-01T11:30:00Z,5.00",
    "carol@example.net,Carol,White,206.555.0102,98004,usa,,2024-05-02T09:15:00Z,42.50",
    f"jonas@example.de,Jonas,Müller,030 1234567,10115,DE,{TCF_V2},2024-05-02T12:00:00Z,7.25",
    f"lena@example.de,Lena,Schmidt,0151 23456789,80331,Deutschland,{TCF_V2},2024-05-03T08:45:00Z,13.00",
    "max@example.de,Max,Weber,089 1234567,20095,DEU,,2024-05-03T17:20:00Z,3.10",
]


def test_multi_country_consent_journey(
    page: Any, local_server: LocalServer, artifacts: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    directory = artifacts / "countries"
    directory.mkdir(exist_ok=True)
    shot = Shots(page, directory)
    base = local_server.url
    dataset_id = f"web_global_{uuid.uuid4().hex[:6]}"

    page.goto(f"{base}/settings")
    page.get_by_label("Username").fill(local_server.username)
    page.get_by_label("Password").fill(local_server.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/settings")
    page.get_by_label("Client ID").fill(SANDBOX_CLIENT_ID)
    page.get_by_label("Client secret").fill(SANDBOX_CLIENT_SECRET)
    page.get_by_role("button", name=re.compile(r"(Save|Replace) credentials")).click()
    expect(page.get_by_text("Credentials saved.")).to_be_visible()

    page.get_by_role("link", name="Select files").click()
    csv_path = tmp_path / f"{dataset_id}.csv"
    csv_path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    page.locator("#file-upload").set_input_files(str(csv_path))
    expect(page.get_by_text(f"Uploaded {csv_path.name}")).to_be_visible()
    page.get_by_role("button", name="Next →").click()
    page.get_by_role("checkbox", name="amcsandbox01").check()
    page.get_by_role("button", name="Next →").click()

    expect(page.get_by_role("heading", name="Step 3: Define dataset")).to_be_visible()
    page.get_by_label("Dataset id").fill(dataset_id)
    page.get_by_label("Daily (P1D)").check()
    page.get_by_label("Country of the records").select_option("US")
    page.get_by_role("button", name="Connect to Amazon Ads").click()
    expect(page.get_by_text("Connected to Amazon Ads.")).to_be_visible()
    expect(page.get_by_label("Dataset id")).to_have_value(dataset_id)
    page.get_by_role("button", name="Next →").click()

    # Step 4: the country column and the consent column are suggested from the file.
    expect(page.get_by_role("heading", name="Step 4: Define columns")).to_be_visible()
    expect(page.get_by_label("Role of country")).to_have_value("COUNTRY")
    expect(page.get_by_label("Role of tcf_string")).to_have_value("CONSENT")
    expect(page.get_by_label("Consent signal of tcf_string")).to_have_value("TCF")
    expect(page.get_by_label("Role of email")).to_have_value("PII")
    expect(page.get_by_label("PII type of phone")).to_have_value("PHONE")
    # Without a consent column, the German rows would go without consent: the step says so.
    page.get_by_label("Role of tcf_string").select_option("DIMENSION")
    warning = page.get_by_test_id("consent-warning")
    expect(warning).to_contain_text("Column country has EEA/UK countries in 3 of the rows read")
    shot("step4-no-consent-column")
    page.get_by_label("Role of tcf_string").select_option("CONSENT")
    page.get_by_label("Consent signal of tcf_string").select_option("TCF")
    expect(warning).to_have_count(0)
    page.get_by_label("Role of purchase_time").select_option("MAIN_EVENT_TIME")
    page.get_by_label("Role of amount").select_option("METRIC")
    expect(page.get_by_label("Leave them out (recommended)")).to_be_checked()
    shot("step4-country-and-consent")
    page.get_by_role("button", name="Next →").click()

    # Step 5: per-country and consent counts before anything is uploaded.
    expect(page.get_by_role("heading", name="Step 5: Confirm and upload")).to_be_visible()
    countries = page.get_by_test_id("dry-run-countries")
    expect(countries).to_be_visible(timeout=60_000)
    expect(countries.locator('tr[data-country="US"] td').first).to_have_text("3")
    # The German row without consent is left out before normalization: two German rows are hashed.
    expect(countries.locator('tr[data-country="DE"] td').first).to_have_text("2")
    expect(page.get_by_test_id("consent-eea-rows")).to_have_text("3")
    expect(page.get_by_test_id("consent-dropped")).to_have_text("1")
    expect(page.get_by_test_id("dry-run-consent")).to_contain_text("TCF: 2")
    expect(page.get_by_text("Per row, from column country; default US")).to_be_visible()
    shot("step5-dry-run-per-country")
    page.get_by_role("button", name="Submit upload").click()

    expect(page).to_have_url(re.compile(r"/monitor\?job="))
    job_card = page.locator("section[data-job]").first
    expect(job_card.get_by_role("heading", name=dataset_id)).to_be_visible()
    instance_row = job_card.locator('tr[data-instance="amcsandbox01"]')
    upload_status = instance_row.get_by_test_id("upload-status")
    expect(upload_status).to_have_attribute("data-status", "SUCCESS", timeout=120_000)
    shot("monitor-success")

    # Erasure: two of the customers, each by their own country; the deletion request and its status.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Erasure").click()
    expect(page.get_by_role("heading", name="Erasure (right to be forgotten)")).to_be_visible()
    people = tmp_path / f"forget_{dataset_id}.csv"
    people.write_text(
        "email,phone,country\nann.smith@example.com,+1 206 555 0100,US\njonas@example.de,030 1234567,DE\n",
        encoding="utf-8",
    )
    page.locator("#erasure-upload").set_input_files(str(people))
    expect(page.get_by_label("Identifier type of email")).to_have_value("EMAIL")
    expect(page.get_by_label("Country column (per person)")).to_have_value("country")
    page.get_by_label("Identifier type of phone").select_option("PHONE")
    page.get_by_role("checkbox", name="amcsandbox01").check()
    page.get_by_role("button", name="Erase these people").click()
    expect(page.get_by_test_id("erasure-message")).to_contain_text("2 people in 1 deletion request(s)")
    detail = page.get_by_test_id("erasure-detail")
    expect(detail.locator('tr[data-instance="amcsandbox01"]')).to_be_visible()
    expect(detail).to_contain_text("DE: 1")
    expect(page.get_by_test_id("erasure-table").get_by_text(people.name)).to_be_visible()
    shot("erasure")
    assert shot.a11y == [], "accessibility findings:\n" + "\n".join(shot.a11y)
