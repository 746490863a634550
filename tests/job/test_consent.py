"""Consent signals (issue 11): value shapes, the EEA/UK policy table (pure module, `run --engine local`,
`run --engine spark`), job configuration and the report.

The TCF and GPP strings are the public examples of the IAB specifications and their reference libraries
(TCF v2 core segment created 2022-04-20 by CMP 31, publisher country DE; GPP headers `DBABM`, `DBACNY`,
`DBABjw` of the GPP string specification's header examples), not customer data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from amc_client.models import ConsentType
from amc_uploader.cli import app
from amc_uploader.job import JobConfig, JobConfigError
from amc_uploader.job.consent import (
    ACS_INVALID,
    CONSENT_DENIED,
    CONSENT_MISSING,
    GPP_INVALID,
    TCF_INVALID,
    TCF_VERSION,
    ConsentCheck,
    check_consent_value,
    decide,
    parse_consent_spec,
    row_action,
    suggest_consent_columns,
)
from tests.job.helpers import find_manifest, read_staged_jsonl, write_csv

TCF_V2 = "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA"
# Core, disclosed-vendors and publisher-TC segments (the IAB's iabtcf-java decoder tests).
TCF_V2_WITH_SEGMENTS = (
    "COwaAK3OwaAK3GKAAAENAcCAAAAAAAAAAAAAAAAAAAAA.IF0EWSQgAYWwho0QUBzBAIYAfJgSCAMgSAAQIoCkFQICERBAEKiAQHAEQJAAAGB"
    "AAkACAAQAoHCBMCQABgAARiRCEQECIDRNABIBAggAKYQFAAARmikHC3ZCY702yOmQ.YAAAAAAAAAAAAAAAAAA"
)
TCF_V2_CORE_AND_DISCLOSED = (
    "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA.IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBA"
    "AgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw"
)
TCF_V1 = "BOONm0NOONm0NABABAENAa-AAAARh7______b9_3__7_9uz_Kv_K7Vf7nnG072lPVA9LTOQ6gEaY"
GPP_TCF = "DBABMA~" + TCF_V2
GPP_TCF_USP = "DBACNY~" + TCF_V2 + "~1YNN"
GPP_CANADA_USP = "DBABjw~BPXuQIAPXuQIAAfKABENB-CgAAAAAAAAAAAAAAAA.YAAAAAAAAAA~1YNN"


@pytest.mark.parametrize(
    ("kind", "value", "staged", "reason"),
    [
        (ConsentType.TCF, TCF_V2, TCF_V2, None),
        (ConsentType.TCF, f"  {TCF_V2} ", TCF_V2, None),
        (ConsentType.TCF, TCF_V2_WITH_SEGMENTS, TCF_V2_WITH_SEGMENTS, None),
        (ConsentType.TCF, TCF_V2_CORE_AND_DISCLOSED, TCF_V2_CORE_AND_DISCLOSED, None),
        (ConsentType.TCF, TCF_V1, None, TCF_VERSION),  # a TCF v1 string: version field 1
        (ConsentType.TCF, TCF_V2[:30], None, TCF_INVALID),  # shorter than a core segment
        (ConsentType.TCF, TCF_V2 + ".AAAA", None, TCF_INVALID),  # segment type 0 is not a segment
        (ConsentType.TCF, TCF_V2 + "=", None, TCF_INVALID),  # padding: not base64url
        (ConsentType.TCF, TCF_V2 + "\n", None, TCF_INVALID),
        (ConsentType.TCF, "yes", None, TCF_VERSION),
        (ConsentType.TCF, "consent given!", None, TCF_INVALID),
        (ConsentType.TCF, GPP_TCF, None, TCF_INVALID),
        (ConsentType.GPP, GPP_TCF, GPP_TCF, None),
        (ConsentType.GPP, "DBABM~" + TCF_V2, "DBABM~" + TCF_V2, None),
        (ConsentType.GPP, GPP_TCF_USP, GPP_TCF_USP, None),
        (ConsentType.GPP, GPP_CANADA_USP, GPP_CANADA_USP, None),
        (ConsentType.GPP, "DBABMA", None, GPP_INVALID),  # a header without its section
        (ConsentType.GPP, "DBAA~" + TCF_V2, None, GPP_INVALID),  # zero section ids
        (ConsentType.GPP, "DCABMA~" + TCF_V2, None, GPP_INVALID),  # GPP version 2 does not exist
        (ConsentType.GPP, TCF_V2, None, GPP_INVALID),
        (ConsentType.GPP, "DBABMA~a~b c", None, GPP_INVALID),
        (ConsentType.AMZN_USER_DATA, "GRANTED", "GRANTED", None),
        (ConsentType.AMZN_USER_DATA, " denied ", "DENIED", None),
        (ConsentType.AMZN_AD_STORAGE, "Granted", "GRANTED", None),
        (ConsentType.AMZN_AD_STORAGE, "yes", None, ACS_INVALID),
        (ConsentType.AMZN_USER_DATA, "1", None, ACS_INVALID),
        (ConsentType.TCF, "", None, None),
        (ConsentType.GPP, "   ", None, None),
        (ConsentType.AMZN_USER_DATA, None, None, None),
    ],
)
def test_value_shapes(kind: ConsentType, value: Any, staged: str | None, reason: str | None) -> None:
    assert check_consent_value(kind, value) == (staged, reason)


# (tcf, gpp, amzn_user_data, amzn_ad_storage) -> (reason for an EEA/UK row, signal that counts)
CASES: dict[str, tuple[tuple[str, str, str, str], str | None, str | None]] = {
    "tcf": ((TCF_V2, "", "", ""), None, "TCF"),
    "gpp": (("", GPP_TCF_USP, "", ""), None, "GPP"),
    "acs_granted": (("", "", "granted", ""), None, "ACS"),
    "acs_denied": (("", "", "DENIED", "GRANTED"), CONSENT_DENIED, "ACS"),
    "ad_storage_only": (("", "", "", "DENIED"), None, "ACS"),
    "none": (("", "", "", ""), CONSENT_MISSING, None),
    "tcf_v1_only": ((TCF_V1, "", "", ""), CONSENT_MISSING, None),
    "bad_acs_only": (("", "", "maybe", ""), CONSENT_MISSING, None),
    "tcf_over_denied": ((TCF_V2, "", "DENIED", ""), None, "TCF"),
    "gpp_over_denied": (("", GPP_CANADA_USP, "DENIED", ""), None, "GPP"),
    "bad_tcf_then_gpp": (("garbage!", GPP_TCF, "DENIED", ""), None, "GPP"),
}
KINDS = (ConsentType.TCF, ConsentType.GPP, ConsentType.AMZN_USER_DATA, ConsentType.AMZN_AD_STORAGE)
COLUMNS = ("tcf_string", "gpp_string", "amzn_user_data", "amzn_ad_storage")
COUNTRY_IN_EEA = {"DE": True, "GB": True, "NO": True, "FR": True, "US": False, "JP": False, None: False}


@pytest.mark.parametrize("policy", ["keep", "drop", "fail"])
@pytest.mark.parametrize("country", list(COUNTRY_IN_EEA))
@pytest.mark.parametrize("case", list(CASES))
def test_policy_table(case: str, country: str | None, policy: Any) -> None:
    values, reason, signal = CASES[case]
    row = list(values)
    check = ConsentCheck(
        dict(zip(COLUMNS, KINDS, strict=True)), {c: i for i, c in enumerate(COLUMNS)}, policy
    )
    got = check(row, country)
    signals = {k: check_consent_value(k, v)[0] for k, v in zip(KINDS, values, strict=True)}
    if COUNTRY_IN_EEA[country]:
        assert got == reason and decide(country, signals) == (signal, reason)
        expected = (
            "kept" if reason is None or policy == "keep" else ("dropped" if policy == "drop" else "failed")
        )
        assert row_action(got, policy) == expected
        assert check.counts.to_dict()["reasons"] == ({reason: 1} if reason else {})
        assert check.counts.to_dict()["signals"] == ({signal: 1} if signal else {})
        assert check.counts.rows_dropped == (1 if reason and policy == "drop" else 0)
    else:  # never dropped for consent, whatever the values
        assert got is None and decide(country, signals) == (None, None)
        assert row_action(got, policy) == "kept"
        assert check.counts.to_dict()["eea_uk_rows"] == 0
    assert row[2] in (None, "GRANTED", "DENIED")  # ACS staged in upper case, invalid as null


def _table_file(tmp_path: Path) -> Path:
    rows = [
        {"id": name, **dict(zip(COLUMNS, values, strict=True)), "email": f"{name}@example.com"}
        for name, (values, _, _) in CASES.items()
    ]
    return write_csv(tmp_path / "people.csv", rows)


def _run_args(src: Path, country: str, policy: str, out: Path, engine: str = "local") -> list[str]:
    consent = [f"--consent={c}={k.value.lower()}" for c, k in zip(COLUMNS, KINDS, strict=True)]
    return [
        *["run", "--input", str(src), "--country", country, "--pii", "email=EMAIL", *consent],
        *["--missing-consent", policy, "--dataset-id", "people", "--instance", "amcsandbox01"],
        *["--output", str(out), "--format", "jsonl", "--stage-only", "--engine", engine, "--json"],
    ]


def _expected(country: str, policy: str) -> tuple[set[str], dict[str, int]]:
    if not COUNTRY_IN_EEA[country]:
        return set(CASES), {}
    reasons: dict[str, int] = {}
    for _, reason, _ in CASES.values():
        if reason:
            reasons[reason] = reasons.get(reason, 0) + 1
    kept = {name for name, (_, reason, _) in CASES.items() if reason is None or policy == "keep"}
    return kept, reasons


@pytest.mark.parametrize("policy", ["keep", "drop", "fail"])
@pytest.mark.parametrize("country", ["DE", "GB", "US"])
def test_policy_table_through_run_local(tmp_path: Path, country: str, policy: str) -> None:
    src = _table_file(tmp_path)
    out = tmp_path / "out"
    outcome = CliRunner().invoke(app, _run_args(src, country, policy, out))
    kept, reasons = _expected(country, policy)
    if policy == "fail" and reasons:
        assert outcome.exit_code == 2
        first = 2 + list(CASES).index("acs_denied")  # header is line 1
        message = " ".join(outcome.output.split())
        assert f"people.csv, line {first}:" in message and CONSENT_DENIED in message
        assert "@example.com" not in outcome.output and TCF_V2 not in outcome.output
        assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))  # nothing staged
        return
    assert outcome.exit_code == 0, outcome.output
    report = json.loads(outcome.stdout)["report"]
    staged = read_staged_jsonl(find_manifest(out))
    assert {r["id"] for r in staged} == kept
    consent = report["consent"]
    assert consent["reasons"] == reasons and consent["policy"] == policy
    assert consent["rows_dropped"] == (sum(reasons.values()) if policy == "drop" else 0)
    assert report["rows_out"] == len(kept) and report["rows_dropped"] == len(CASES) - len(kept)
    assert consent["invalid_values"] == {
        "amzn_user_data": {ACS_INVALID: 1},
        "tcf_string": {TCF_INVALID: 1, TCF_VERSION: 1},
    }
    by_id = {r["id"]: r for r in staged}
    if "acs_granted" in by_id:
        assert by_id["acs_granted"]["amzn_user_data"] == "GRANTED"  # normalized, not hashed
    if "tcf" in by_id:
        assert by_id["tcf"]["tcf_string"] == TCF_V2 and by_id["tcf"]["email"] != "tcf@example.com"
    if "tcf_v1_only" in by_id:
        assert by_id["tcf_v1_only"]["tcf_string"] is None  # no consent signal: staged as null


def test_dry_run_shows_consent_counts_before_upload(tmp_path: Path) -> None:
    src = _table_file(tmp_path)
    consent = [f"--consent={c}={k.value}" for c, k in zip(COLUMNS, KINDS, strict=True)]
    outcome = CliRunner().invoke(
        app,
        ["run", "--input", str(src), "--country", "FR", *consent, "--dataset-id", "people", "--dry-run"],
    )
    assert outcome.exit_code == 0, outcome.output
    assert "EEA/UK rows" in outcome.stdout and "consent.missing" in outcome.stdout
    assert "rows dropped for consent" in outcome.stdout and "dry run" in outcome.stdout


def test_no_consent_columns_all_eea_rows_dropped_says_why(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "c.csv", [{"id": "1", "email": "a@example.com"}])
    outcome = CliRunner().invoke(
        app,
        [
            "run",
            "--input",
            str(src),
            "--country",
            "DE",
            "--pii",
            "email=EMAIL",
            "--dataset-id",
            "d",
            "--dry-run",
        ],
    )
    assert outcome.exit_code == 2
    assert "1 EEA/UK rows left out" in outcome.output and "--consent" in outcome.output


def _run_module(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "amc_uploader", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=500, check=False, env=env)


@pytest.mark.spark
@pytest.mark.timeout(900)
def test_policy_table_through_run_spark_equals_local(tmp_path: Path) -> None:
    src = _table_file(tmp_path)
    results = {}
    for engine in ("local", "spark"):
        out = tmp_path / engine
        done = _run_module(_run_args(src, "DE", "drop", out, engine))
        assert done.returncode == 0, done.stderr[-3000:]
        report = json.loads(done.stdout)["report"]
        staged = sorted(read_staged_jsonl(find_manifest(out)), key=lambda r: r["id"])
        results[engine] = (staged, report["consent"], report["rows_out"])
    assert results["spark"] == results["local"]
    kept, reasons = _expected("DE", "drop")
    assert {r["id"] for r in results["spark"][0]} == kept and results["spark"][1]["reasons"] == reasons
    failed = _run_module(_run_args(src, "GB", "fail", tmp_path / "fail", "spark"))
    first = 2 + list(CASES).index("acs_denied")
    assert failed.returncode == 2 and f"people.csv, line {first}:" in " ".join(failed.stderr.split())
    assert not (tmp_path / "fail").exists() or not any(p.is_file() for p in (tmp_path / "fail").rglob("*"))


def test_consent_config() -> None:
    base = {"inputs": ["x.csv"], "dataset_id": "d", "dry_run": True}
    config = JobConfig.from_mapping({**base, "consent": {"t": "tcf", "u": " amzn_user_data "}})
    assert config.consent == {"t": ConsentType.TCF, "u": ConsentType.AMZN_USER_DATA}
    assert config.missing_consent == "drop" and "t" in config.referenced_columns
    assert JobConfig.from_mapping({**base, "missing_consent": "FAIL"}).missing_consent == "fail"
    for bad, message in (
        ({"consent": {"t": "IAB"}}, "unknown consent kind"),
        ({"consent": {"a": "TCF", "b": "tcf"}}, "both 'a' and 'b'"),
        (
            {"consent": {"email": "TCF"}, "pii": {"email": "EMAIL"}, "country_code": "DE"},
            "cannot also be PII",
        ),
        ({"consent": {"t": "TCF"}, "column_types": {"t": "INTEGER"}}, "must be STRING"),
        ({"missing_consent": "ignore"}, "missing_consent"),
    ):
        with pytest.raises(JobConfigError, match=message):
            JobConfig.from_mapping({**base, **bad})
    assert parse_consent_spec(["tcf_string=TCF", "gpp = gpp"]) == {
        "tcf_string": ConsentType.TCF,
        "gpp": ConsentType.GPP,
    }
    with pytest.raises(ValueError, match="COLUMN=KIND"):
        parse_consent_spec(["tcf_string"])


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("tcf_string", ConsentType.TCF),
        ("TCF String", ConsentType.TCF),
        ("tc_string", ConsentType.TCF),
        ("gdpr_consent", ConsentType.TCF),
        ("euconsent-v2", ConsentType.TCF),
        ("gpp_string", ConsentType.GPP),
        ("GPP", ConsentType.GPP),
        ("amzn_user_data", ConsentType.AMZN_USER_DATA),
        ("Amazon User Data", ConsentType.AMZN_USER_DATA),
        ("amzn_ad_storage", ConsentType.AMZN_AD_STORAGE),
        ("ad_storage", ConsentType.AMZN_AD_STORAGE),
        ("email", None),
        ("consent_date", None),
        ("user_data", None),
        ("gpp_string_date", None),
    ],
)
def test_suggest_consent_columns_by_header(header: str, kind: ConsentType | None) -> None:
    assert suggest_consent_columns([header]) == ({header: kind} if kind else {})


def test_suggest_consent_columns_one_column_per_kind() -> None:
    assert suggest_consent_columns(["tcf", "tcf_string", "gpp"]) == {
        "tcf": ConsentType.TCF,
        "gpp": ConsentType.GPP,
    }
