"""The web app on a phone (390 and 360 px wide) against the real local stack in Chromium: no main page scrolls
sideways (wide tables scroll inside their card); a broken CSV is flagged in the files step with the API's
one-line reason and Next disabled; a file above the upload limit gets the commands that stage it; the API
docs page loads Swagger UI from the local stack only. Screenshots: test-artifacts/web/narrow/."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import LocalServer
from tests.web.test_browser import SAMPLE_ROWS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
NARROWEST = 360

# The page's width against the viewport and, when it is wider, what makes it so: the deepest elements
# whose hiding brings the page back to the viewport's width (tag, id and class, for the failure message).
OVERFLOW_JS = """() => {
    const width = window.innerWidth;
    const page = () => document.documentElement.scrollWidth;
    const classes = (el) => typeof el.className === "string" && el.className
        ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes(el);
    const culprits = [];
    const walk = (el) => {
        let found = false;
        for (const child of el.children) {
            const display = child.style.display;
            child.style.display = "none";
            const fits = page() <= width;
            child.style.display = display;
            if (fits) {
                found = true;
                if (!walk(child)) culprits.push(name(child));
            }
        }
        return found;
    };
    const scrollWidth = page();
    if (scrollWidth > width) walk(document.body);
    return { scrollWidth, width, culprits: culprits.slice(0, 8) };
}"""


class Fits:
    """Checks that the current page has no horizontal overflow and keeps a full-page screenshot."""

    def __init__(self, page: Any, directory: Path) -> None:
        self.page = page
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.n = 0
        self.overflows: list[str] = []

    def __call__(self, name: str) -> None:
        self.n += 1
        self.page.screenshot(path=str(self.directory / f"{self.n:02d}-{name}.png"), full_page=True)
        # The narrowest common phone too (the same page, laid out again).
        for width in (PHONE["width"], NARROWEST):
            self.page.set_viewport_size({**PHONE, "width": width})
            m = self.page.evaluate(OVERFLOW_JS)
            if m["scrollWidth"] > m["width"]:
                wide = f"scrollWidth {m['scrollWidth']} > {m['width']}"
                self.overflows.append(f"{name}: {wide}: {m['culprits']}")
        self.page.set_viewport_size(PHONE)


def _sign_in(page: Any, server: LocalServer, target: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server.url}{target}")
    page.get_by_label("Username").fill(server.username)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}{target}")


def _csv(path: Path, *, with_time: bool = True) -> Path:
    header = "email,first_name,last_name,phone,zip,purchase_time,amount"
    rows = [",".join(r) for r in SAMPLE_ROWS]
    if not with_time:
        header = "email,first_name,last_name,phone,zip"
        rows = [",".join(r[:5]) for r in SAMPLE_ROWS]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_every_main_page_fits_a_phone(
    page: Any, local_server: LocalServer, artifacts: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    base = local_server.url
    fits = Fits(page, artifacts / "narrow")
    page.set_viewport_size(PHONE)
    dataset_id = f"web_phone_{uuid.uuid4().hex[:6]}"

    page.goto(f"{base}/signin")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    fits("signin")
    _sign_in(page, local_server, "/settings")
    expect(page.get_by_test_id("creds-status")).to_be_visible()
    fits("settings")

    # The wizard on a CRM list without any time column: the period follows the file (no period), so the
    # columns step opens without an error.
    page.goto(f"{base}/wizard/files")
    csv_path = _csv(tmp_path / f"{dataset_id}.csv", with_time=False)
    page.locator("#file-upload").set_input_files(str(csv_path))
    expect(page.get_by_text(f"Uploaded {csv_path.name}")).to_be_visible()
    next_button = page.get_by_role("button", name="Next →")
    expect(next_button).to_be_enabled()
    fits("wizard-files")
    next_button.click()
    expect(page.get_by_role("heading", name="Step 2: Select destinations")).to_be_visible()
    page.get_by_role("checkbox", name="amcsandbox01").check()
    fits("wizard-destinations")
    page.get_by_role("button", name="Next →").click()
    expect(page.get_by_role("heading", name="Step 3: Define dataset")).to_be_visible()
    page.get_by_label("Dataset id").fill(dataset_id)
    expect(page.get_by_label("Dimension (no time)")).to_be_checked()
    expect(page.get_by_test_id("period-hint")).to_contain_text("no time column")
    fits("wizard-dataset")
    page.get_by_role("button", name="Next →").click()
    expect(page.get_by_role("heading", name="Step 4: Define columns")).to_be_visible()
    expect(page.locator('tr[data-column="email"]')).to_be_visible()
    expect(page.get_by_text("needs one main event time column")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"problem\(s\) to fix"))).to_have_count(0)
    fits("wizard-columns")
    page.get_by_role("button", name="Next →").click()
    expect(page.get_by_role("heading", name="Step 5: Confirm and upload")).to_be_visible()
    report = page.get_by_test_id("dry-run-table")
    expect(report).to_be_visible(timeout=60_000)
    # The chart scales down whole (not cut off); the wide table scrolls inside its card.
    chart = page.locator("figure.chart svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"], box
    ratio = chart.evaluate("s => s.viewBox.baseVal.height / s.viewBox.baseVal.width")
    assert abs(box["height"] / box["width"] - ratio) < 0.02, (box, ratio)
    assert report.locator("xpath=..").evaluate("w => w.scrollWidth > w.clientWidth")
    # Reason codes read as sentences (the API's table), the code kept as small text.
    reason = report.locator("[data-reason]").first
    expect(reason).to_be_visible()
    code = reason.get_attribute("data-reason")
    assert code and re.fullmatch(r"[a-z_]+\.[a-z_]+", code)
    sentence = reason.locator("[title]")
    expect(sentence).to_have_attribute("title", code)
    expect(sentence).to_have_text(re.compile(r"^[A-Z].+\.$"))
    fits("wizard-confirm")

    for path, heading in [
        ("/monitor", "Step 6: Monitor uploads"),
        ("/datasets", "Datasets"),
        ("/automation", "Automation"),
        ("/erasure", "Erasure"),
        ("/no-such-page", None),
    ]:
        page.goto(f"{base}{path}")
        if heading:
            expect(page.get_by_role("heading", name=heading, exact=False).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        fits(path.strip("/"))
    assert fits.overflows == [], "pages wider than the phone:\n" + "\n".join(fits.overflows)


def test_a_broken_csv_is_flagged_in_the_files_step(
    page: Any, local_server: LocalServer, artifacts: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    name = f"broken_{uuid.uuid4().hex[:6]}.csv"
    broken = tmp_path / name
    broken.write_text("email,zip\nann@example.com,02134\nsecret@example.com,1,2\n", encoding="utf-8")
    _sign_in(page, local_server, "/wizard/files")

    page.locator("#file-upload").set_input_files(str(broken))
    expect(page.get_by_text(f"Uploaded {name}")).to_be_visible()
    problem = page.get_by_test_id("file-problem")
    expect(problem).to_contain_text(f"{name}:3: row has 3 fields, the header has 2")
    # The API's one-line reason, never a value from the file.
    assert "secret@example.com" not in problem.inner_text() and "ann@" not in problem.inner_text()
    next_button = page.get_by_role("button", name="Next →")
    expect(next_button).to_be_disabled()
    expect(page.get_by_text("This file cannot be read: see above.")).to_be_visible()
    # The sidebar keeps the later steps closed too.
    page.goto(f"{local_server.url}/wizard/destinations")
    expect(page).to_have_url(f"{local_server.url}/wizard/files")
    page.screenshot(path=str(artifacts / "files-broken-csv.png"), full_page=True)

    # A readable file instead: the flag goes, Next opens.
    page.get_by_role("button", name=re.compile(rf"^Remove .*{re.escape(name)} from the selection$")).click()
    good = _csv(tmp_path / f"good_{uuid.uuid4().hex[:6]}.csv")
    page.locator("#file-upload").set_input_files(str(good))
    expect(page.get_by_text(f"Uploaded {good.name}")).to_be_visible()
    expect(page.get_by_role("heading", name="Selected: 1 file(s)")).to_be_visible()
    expect(next_button).to_be_enabled()
    expect(problem).to_have_count(0)


def test_a_file_above_the_upload_limit_gets_the_commands_to_stage_it(
    page: Any, local_server: LocalServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    big = tmp_path / "big customers.csv"
    with big.open("wb") as f:
        f.write(b"email\n")
        f.write(b"a@example.com\n" * (800 * 1024))  # 11.2 MB, above the local stack's 10 MB
    page.set_viewport_size(PHONE)
    _sign_in(page, local_server, "/wizard/files")
    expect(page.get_by_text("Up to 10 MB")).to_be_visible()

    page.locator("#file-upload").set_input_files(str(big))
    expect(page.get_by_test_id("too-large")).to_contain_text("big customers.csv is 11 MB; files above 10 MB")
    copy = page.get_by_test_id("copy-command").inner_text()
    assert re.fullmatch(r"aws s3 cp 'big customers\.csv' s3://[a-z0-9.-]+/", copy), copy
    run = page.get_by_test_id("run-command").inner_text()
    assert run.startswith("amc-uploader run --input 'big customers.csv' ") and " --output s3://" in run, run
    expect(page.get_by_text("Uploaded big customers.csv")).to_have_count(0)
    # The long commands wrap inside the alert on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_api_docs_load_from_the_local_stack_only(page: Any, local_server: LocalServer) -> None:
    from playwright.sync_api import expect

    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc) if r.url.startswith("http") else None)
    page.goto(f"{local_server.url}/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("AMC Uploader API", timeout=20_000)
    expect(page.locator(".opblock").first).to_be_visible()
    assert hosts == {urlsplit(local_server.url).netloc}, hosts
