"""API file keys are literal keys: `*`, `?` and `[` in a key are characters, never glob patterns."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import SAMPLE_COLUMNS, SAMPLE_CSV, ApiEnv

# One data row more than SAMPLE_CSV: a key it is pulled in by shows in rows_in.
LONGER_CSV = SAMPLE_CSV + "4,Ada,Lovelace,ada@example.com,206 555 0100,98101,2024-05-04T10:00:00Z,1\n"


def _dry_run(env: ApiEnv, key: str) -> dict[str, object]:
    body = {
        "sourceKeys": [key],
        "instanceIds": ["amcsandbox01"],
        "datasetId": "whatever_id",
        "countryCode": "US",
        "columns": SAMPLE_COLUMNS,
    }
    with env.client() as c:
        r = c.post("/api/jobs/dry-run", json=body)
    assert r.status_code == 200, r.text
    report: dict[str, object] = r.json()["report"]
    return report


@pytest.mark.parametrize("name", ["star*.csv", "what?.csv", "glob[1].csv", "[abc].csv", "a[!b]*.csv"])
def test_a_key_with_glob_characters_is_that_one_file(api_env: ApiEnv, name: str) -> None:
    folder = f"literal/{uuid.uuid4().hex[:6]}"
    key = f"{folder}/{name}"
    api_env.put_file(key, SAMPLE_CSV)
    # Names the key would match as a pattern.
    for decoy in ("starfish.csv", "whatx.csv", "glob1.csv", "a.csv", "ac.csv"):
        api_env.put_file(f"{folder}/{decoy}", LONGER_CSV)
    report = _dry_run(api_env, key)
    assert report["rows_in"] == 3
    with api_env.client() as c:
        r = c.post("/api/files/preview", json={"keys": [key], "countryCode": "US"})
    assert r.status_code == 200, r.text
    assert r.json()["keys"] == [key] and r.json()["rowsScanned"] == 3


def test_a_missing_key_with_glob_characters_is_not_found(api_env: ApiEnv) -> None:
    folder = f"literal/{uuid.uuid4().hex[:6]}"
    api_env.put_file(f"{folder}/starfish.csv", SAMPLE_CSV)
    body = {
        "sourceKeys": [f"{folder}/star*.csv"],
        "instanceIds": ["amcsandbox01"],
        "datasetId": "whatever_id",
        "countryCode": "US",
        "columns": SAMPLE_COLUMNS,
    }
    with api_env.client() as c:
        assert c.post("/api/jobs", json=body).status_code == 404
        r = c.post("/api/files/preview", json={"keys": [f"{folder}/star*.csv"]})
        assert r.status_code == 404, r.text
