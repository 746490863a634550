"""`amc-uploader forget` against the AMC sandbox over HTTP: a mixed-country file of 2,500 people becomes
3 requests in each of two instances, polled to SUCCEEDED; invalid identifiers counted, a person without
any left reported and not sent, prehashed values passed through, retried faults, no clear text sent."""

from __future__ import annotations

import hashlib
import json
import re
import string
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from amc_normalize import hash_value, normalize
from amc_sandbox import SANDBOX_INSTANCE_ID, SandboxServer
from amc_uploader.cli import app
from tests.client.sandbox_helpers import sandbox_client
from tests.job.helpers import write_csv

pytestmark = pytest.mark.timeout(180)

PEOPLE = 2500
SPEC = {"email": "EMAIL", "first": "FIRST_NAME", "phone": "PHONE", "zip": "ZIP"}
# (country cell as written, resolved country, national phone, postcode)
COUNTRIES = [
    ("us", "US", "(206) 555-{:04d}", "98{:03d}"),
    ("Deutschland", "DE", "030 123{:04d}", "10{:03d}"),
    (" UK ", "GB", "020 7946 {:04d}", "SW1A 1AA"),
    ("FRA", "FR", "01 23 45 {:04d}", "75{:03d}"),
    ("", "US", "(312) 555-{:04d}", "60{:03d}"),
    ("jp", "JP", "03-1234-{:04d}", "100-0001"),
]
ALL_INVALID_LINE = 2 + 777  # header is line 1, person i is on line i + 2


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _people() -> tuple[list[dict[str, str]], list[str]]:
    """The rows and the resolved country of each."""
    rows: list[dict[str, str]] = []
    countries: list[str] = []
    for i in range(PEOPLE):
        cell, cc, phone, postcode = COUNTRIES[i % len(COUNTRIES)]
        email = f"Person.{i}@Example.com"
        row = {
            "email": _sha(email.lower()) if i % 10 == 3 else email,
            "first": f"Näme{i}",
            "phone": phone.format(i % 10000),
            "zip": postcode.format(i % 1000) if "{" in postcode else postcode,
            "country": cell,
        }
        if i % 50 == 7:
            row["email"] = "no-at-sign"
        if i == ALL_INVALID_LINE - 2:
            row.update(email="nobody", first="", phone="12", zip="?")
        rows.append(row)
        countries.append(cc)
    return rows, countries


def _expected(rows: list[dict[str, str]], countries: list[str]) -> list[dict[str, str]]:
    expected = []
    for row, cc in zip(rows, countries, strict=True):
        identity = {}
        for column, pii_type in SPEC.items():
            digest = hash_value(row[column] or None, pii_type, cc)
            if digest is not None:
                identity[pii_type] = digest
        if identity:
            expected.append(identity)
    return expected


class Bodies(list[tuple[str, bytes]]):
    """Every request body that leaves this process over HTTP (url, bytes)."""


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[Bodies]:
    bodies = Bodies()
    original = httpx.HTTPTransport.handle_request

    def handle(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        bodies.append((str(request.url), request.read()))
        return original(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)
    yield bodies


def _second_instance(sandbox: SandboxServer) -> str:
    instance_id = f"amcerase{uuid.uuid4().hex[:8]}"
    sandbox.add_instance(instance_id, name="erasure test")
    return instance_id


def _deletion_bodies(bodies: Bodies) -> dict[str, list[list[dict[str, str]]]]:
    by_instance: dict[str, list[list[dict[str, str]]]] = {}
    for url, body in bodies:
        path = httpx.URL(url).path
        if path.endswith("/userDeletionRequest"):
            instance = path.split("/")[3]
            by_instance.setdefault(instance, []).append(json.loads(body)["targetIdentities"])
    return by_instance


def _clear_text_sent(rows: list[dict[str, str]], countries: list[str], sent: Bodies) -> list[str]:
    """Input values found in the bodies. Short hex-looking values (postcodes) occur inside digests by
    chance, so those must equal a whole token of a body; longer ones must not occur anywhere."""
    clear: set[str] = set()
    for row, cc in zip(rows, countries, strict=True):
        for column, pii_type in SPEC.items():
            value = row[column]
            if not value or (column == "email" and len(value) == 64):
                continue
            clear.add(value)
            clear.add(normalize(value, pii_type, cc) or value)
    payload = b"\n".join(body for _, body in sent).decode("utf-8", "replace")
    tokens = set(re.split(r'[\s"&=,:{}\[\]]+', payload))
    return sorted(
        v
        for v in clear
        if v in tokens or ((len(v) >= 10 or not set(v.lower()) <= set(string.hexdigits)) and v in payload)
    )


def test_forget_mixed_countries_in_two_instances(
    amc_sandbox_env: dict[str, str], amc_sandbox_clean: SandboxServer, sent: Bodies, tmp_path: Path
) -> None:
    sandbox = amc_sandbox_clean
    other = _second_instance(sandbox)
    rows, countries = _people()
    path = write_csv(tmp_path / "forget.csv", rows)
    sandbox.inject(method="POST", path_regex="/userDeletionRequest$", status=429, retry_after=0, count=1)
    sandbox.inject(method="POST", path_regex=f"{other}/userDeletionRequest$", status=503, count=1)
    result_file = tmp_path / "result.json"
    args = ["forget", "--input", str(path), "--country-column", "country", "--country", "US"]
    args += [a for c, t in SPEC.items() for a in ("--pii", f"{c}={t}")]
    args += ["--instance", SANDBOX_INSTANCE_ID, "--instance", other, "--wait", "--poll", "0.05"]
    args += ["--result", str(result_file)]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output

    result = json.loads(result_file.read_text())
    report = result["report"]
    assert report["rows"] == PEOPLE
    assert report["without_identifiers"] == 1 and report["lines_without_identifiers"] == [ALL_INVALID_LINE]
    assert report["columns"]["email"]["invalid"] == PEOPLE // 50 + 1
    assert report["columns"]["email"]["prehashed"] == sum(
        1 for i in range(PEOPLE) if i % 10 == 3 and i % 50 != 7
    )
    assert report["columns"]["phone"]["invalid"] == 1 and report["columns"]["zip"]["invalid"] == 1
    assert report["countries"] == dict(sorted(Counter(countries).items()))
    assert report["identities"] == PEOPLE - 1

    requests = result["requests"]
    assert [(r["instance_id"], r["identity_count"]) for r in requests] == [
        (i, n) for i in (SANDBOX_INSTANCE_ID, other) for n in (1000, 1000, PEOPLE - 1 - 2000)
    ]
    assert all(r["status"] == "SUCCEEDED" and r["error"] is None for r in requests)

    # What reached each instance: the expected hashes, in 3 requests, the all-invalid person not among them.
    expected = _expected(rows, countries)
    bodies = _deletion_bodies(sent)
    assert set(bodies) == {SANDBOX_INSTANCE_ID, other}
    for instance_id, batches in bodies.items():
        # The faulted calls were sent again: 4 POSTs, 3 distinct requests.
        assert len(batches) == 4
        distinct = [b for n, b in enumerate(batches) if b not in batches[:n]]
        assert [x for b in distinct for x in b] == expected, instance_id
    assert all(_sha("") not in identity.values() for identity in expected)

    faults = [r for r in sandbox.requests(method="POST", path_contains="/userDeletionRequest") if r["fault"]]
    assert sorted(r["status"] for r in faults) == [429, 503]
    with sandbox_client(sandbox) as client:
        for instance_id in (SANDBOX_INSTANCE_ID, other):
            listed = client.for_instance(instance_id).list_user_deletion_requests(page_size=2)
            ids = {d.user_deletion_request_id: d.status for d in listed}
            for r in requests:
                if r["instance_id"] == instance_id:
                    assert ids[r["request_id"]] == "SUCCEEDED"

    # Nothing in clear text left the machine: no input value, raw or normalized, is in any request body.
    assert not _clear_text_sent(rows, countries, sent)


def test_forget_defaults_to_every_instance_and_prints_json(
    amc_sandbox_env: dict[str, str], amc_sandbox_clean: SandboxServer, tmp_path: Path
) -> None:
    sandbox = amc_sandbox_clean
    extra = _second_instance(sandbox)
    path = write_csv(tmp_path / "p.csv", [{"email": "a@example.com"}, {"email": "b@example.com"}])
    run = CliRunner().invoke(app, ["forget", "--input", str(path), "--pii", "email=EMAIL", "--json"])
    assert run.exit_code == 0, run.output
    result = json.loads(run.stdout)
    with sandbox_client(sandbox) as client:
        known = {i.instance_id for i in client.list_instances()}
    assert {SANDBOX_INSTANCE_ID, extra} <= known
    assert {r["instance_id"] for r in result["requests"]} == known
    assert all(r["request_id"] and r["identity_count"] == 2 for r in result["requests"])


def test_forget_reports_failures_and_sends_nothing_without_identities(
    amc_sandbox_env: dict[str, str], amc_sandbox_clean: SandboxServer, tmp_path: Path
) -> None:
    sandbox = amc_sandbox_clean
    nobody = write_csv(tmp_path / "n.csv", [{"email": "nope"}, {"email": ""}])
    run = CliRunner().invoke(
        app, ["forget", "--input", str(nobody), "--pii", "email=EMAIL", "--instance", SANDBOX_INSTANCE_ID]
    )
    assert run.exit_code == 1
    assert "nothing to send" in run.output and "nope" not in run.output
    assert sandbox.requests(path_contains="/userDeletionRequest") == []

    people = write_csv(tmp_path / "p.csv", [{"email": f"c{i}@example.com"} for i in range(1001)])
    sandbox.inject(method="POST", path_regex="/userDeletionRequest$", status=403, count=1)
    result_file = tmp_path / "r.json"
    run = CliRunner().invoke(
        app,
        [
            *("forget", "--input", str(people), "--pii", "email=EMAIL"),
            *("--instance", SANDBOX_INSTANCE_ID, "--result", str(result_file)),
        ],
    )
    assert run.exit_code == 1 and "2 deletion request(s) failed or not sent" in run.output
    first, second = json.loads(result_file.read_text())["requests"]
    assert first["request_id"] is None and "403" in first["error"]
    assert second["request_id"] is None and second["error"].startswith("not sent")
    assert len(sandbox.requests(method="POST", path_contains="/userDeletionRequest")) == 1
    assert "c0@example.com" not in run.output + result_file.read_text()


def test_forget_bad_usage_is_one_line(amc_sandbox_env: dict[str, str], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [{"email": "secret@example.com", "name": "Jane Doe"}])
    cases: list[tuple[list[str], str]] = [
        (["--pii", "name=NAME"], "NAME is not an AMC identity type"),
        (["--pii", "mail=EMAIL"], "p.csv: column 'mail': not in the file's header"),
        (["--pii", "email=EMAIL", "--country", "BR"], "'BR' is not supported"),
        (["--pii", "email=EMAIL", "--country", "XX"], "'XX' is not a country code or name"),
    ]
    for extra, message in cases:
        run = CliRunner().invoke(app, ["forget", "--input", str(path), *extra])
        assert run.exit_code in (1, 2) and message in run.output, run.output
        assert len(run.output.strip().splitlines()) == 1
        assert "secret@example.com" not in run.output and "Jane Doe" not in run.output


def test_the_clear_text_check_finds_a_leak() -> None:
    rows = [{"email": "leak@example.com", "first": "Zoë", "phone": "030 1234567", "zip": "10115"}]
    assert _clear_text_sent(rows, ["DE"], Bodies([("u", b'{"targetIdentities": [{"ZIP": "10115"}]}')])) == [
        "10115"
    ]
    assert _clear_text_sent(rows, ["DE"], Bodies([("u", b'{"x": "a leak@example.com b"}')])) == [
        "leak@example.com"
    ]
    assert _clear_text_sent(rows, ["DE"], Bodies([("u", b'{"PHONE": "4930 1234567"}')])) == []
    assert _clear_text_sent(rows, ["DE"], Bodies([("u", b'{"PHONE": "49301234567"}')])) == ["49301234567"]
