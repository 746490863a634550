"""Source files: listing with prefix and pages, small uploads, preview with suggestions and fill rates."""

from __future__ import annotations

import gzip
import json
import uuid

from tests.api.conftest import SAMPLE_CSV, SAMPLE_PII, ApiEnv


def test_list_prefix_pages_and_folders(api_env: ApiEnv) -> None:
    base = f"list-{uuid.uuid4().hex[:6]}/"
    for i in range(5):
        api_env.put_file(f"{base}file{i}.csv", "a\n1\n")
    api_env.put_file(f"{base}sub/inner.csv", "a\n1\n")
    with api_env.client() as c:
        first = c.get("/api/files", params={"prefix": base, "limit": 2}).json()
        assert first["bucket"] == api_env.names.data_bucket
        # What the web app needs to send a file above the limit to the bucket instead.
        assert first["maxUploadBytes"] == api_env.settings.max_upload_bytes
        assert first["artifactBucket"] == api_env.settings.artifact_bucket
        assert len(first["items"]) == 2 and first["nextToken"]
        keys = [i["key"] for i in first["items"]]
        token = first["nextToken"]
        while token:
            page = c.get("/api/files", params={"prefix": base, "limit": 2, "token": token}).json()
            keys += [i["key"] for i in page["items"]]
            token = page["nextToken"]
        assert len(keys) == 6 and len(set(keys)) == 6
        folders = c.get("/api/files", params={"prefix": base, "delimiter": True}).json()
        assert folders["prefixes"] == [f"{base}sub/"]
        assert len(folders["items"]) == 5
        assert all(i["size"] == 4 and i["lastModified"] for i in folders["items"])
        assert c.get("/api/files", params={"limit": 0}).status_code == 422
        assert c.get("/api/files", params={"token": "!!"}).status_code == 400


def test_upload_small_file(api_env: ApiEnv) -> None:
    key = f"uploads/{uuid.uuid4().hex[:6]}/new file.csv"
    with api_env.client() as c:
        r = c.put("/api/files/content", params={"key": key}, content=b"a,b\n1,2\n")
        assert r.status_code == 201, r.text
        assert r.json() == {"bucket": api_env.names.data_bucket, "key": key, "size": 8}
        body = api_env.aws.s3.get_object(Bucket=api_env.names.data_bucket, Key=key)["Body"].read()
        assert body == b"a,b\n1,2\n"
        for bad in ("../x.csv", "/abs.csv", "a//b.csv"):
            assert c.put("/api/files/content", params={"key": bad}, content=b"x").status_code == 400
        assert c.put("/api/files/content", params={"key": "empty.csv"}, content=b"").status_code == 422
        big = c.put("/api/files/content", params={"key": "big.csv"}, content=b"x" * (65 * 1024))
        assert big.status_code == 422 and big.json()["error"] == "too_large"
        # the limit in KB/MB, not bytes, and the command that stages such a file instead
        assert "64 KB" in big.json()["message"]
        assert f"aws s3 cp FILE s3://{api_env.names.data_bucket}/big.csv" in big.json()["message"]
        assert c.put("/api/files/content", content=b"x").status_code == 422


def test_preview_suggests_pii_without_values(api_env: ApiEnv) -> None:
    key = f"preview/{uuid.uuid4().hex[:6]}.csv"
    api_env.put_file(key, SAMPLE_CSV)
    with api_env.client() as c:
        r = c.post("/api/files/preview", json={"keys": [key], "countryCode": "US"})
        assert r.status_code == 200, r.text
        body = r.json()
        for value in SAMPLE_PII:
            assert value not in r.text
        assert body["fileFormat"] == "CSV" and body["rowsScanned"] == 3
        cols = {col["name"]: col for col in body["columns"]}
        assert cols["email"]["suggestedPiiType"] == "EMAIL"
        assert cols["email"]["confidence"] > 0.5
        assert cols["email"]["fillRate"] == round(2 / 3, 4)
        assert cols["phone"]["suggestedPiiType"] == "PHONE"
        assert cols["purchase_time"]["inferredType"] == "TIMESTAMP"
        assert cols["amount"]["inferredType"] == "DECIMAL"
        assert cols["customer_id"]["inferredType"] == "INTEGER"
        assert all(col["samples"] is None for col in body["columns"])

        # Samples need the request AND the administrator's permission.
        asked = c.post("/api/files/preview", json={"keys": [key], "includeSamples": True}).json()
        assert asked["samplesIncluded"] is False and asked["warnings"]
        assert "Zebulon" not in json.dumps(asked)
        c.patch("/api/settings", json={"allowSampleValues": True})
        try:
            body = {"keys": [key], "includeSamples": True, "sampleSize": 2}
            allowed = c.post("/api/files/preview", json=body)
            cols = {col["name"]: col for col in allowed.json()["columns"]}
            assert cols["first_name"]["samples"] == ["Zebulon", "Philippa"]
        finally:
            c.patch("/api/settings", json={"allowSampleValues": False})


def test_preview_suggests_consent_and_country_columns(api_env: ApiEnv) -> None:
    key = f"preview/{uuid.uuid4().hex[:6]}.csv"
    api_env.put_file(
        key,
        "email,Country,TCF String,gpp_string,amzn_user_data,AMZN_AD_STORAGE,notes\n"
        "a@example.com,us,,,,,x\n"
        "b@example.de,Deutschland,,,GRANTED,,y\n"
        "c@example.fr,FRA,,,,,z\n",
    )
    with api_env.client() as c:
        r = c.post("/api/files/preview", json={"keys": [key], "countryCode": "US"})
    assert r.status_code == 200, r.text
    body = r.json()
    cols = {col["name"]: col for col in body["columns"]}
    assert {n: col["suggestedConsentType"] for n, col in cols.items() if col["suggestedConsentType"]} == {
        "TCF String": "TCF",
        "gpp_string": "GPP",
        "amzn_user_data": "AMZN_USER_DATA",
        "AMZN_AD_STORAGE": "AMZN_AD_STORAGE",
    }
    assert body["suggestedCountryColumn"] == "Country"
    assert cols["Country"]["countryCandidate"] is True and cols["Country"]["eeaUkRows"] == 2
    assert cols["notes"]["countryCandidate"] is False and cols["notes"]["eeaUkRows"] is None
    assert {"DE", "FR", "GB", "IT", "ES", "NO"} <= set(body["eeaUkCountries"])
    assert "US" not in body["eeaUkCountries"]
    assert "Deutschland" not in r.text
    with api_env.client() as c:
        named = c.post("/api/files/preview", json={"keys": [key], "countryColumn": "notes"})
        missing = c.post("/api/files/preview", json={"keys": [key], "countryColumn": "land"})
    assert named.json()["suggestedCountryColumn"] == "notes"
    assert {col["name"]: col["countryCandidate"] for col in named.json()["columns"]}["notes"] is True
    assert missing.status_code == 422 and missing.json()["error"] == "column_not_found"


def test_preview_formats_and_errors(api_env: ApiEnv) -> None:
    base = f"formats/{uuid.uuid4().hex[:6]}"
    api_env.put_file(f"{base}/a.jsonl.gz", gzip.compress(b'{"email": "x@example.com", "n": 1}\n{"n": 2}\n'))
    api_env.put_file(f"{base}/other.csv", "x,y\n1,2\n")
    api_env.put_file(f"{base}/ragged.csv", "x,y\n1,2,3\n")
    api_env.put_file(f"{base}/dupes.csv", "x,x\n1,2\n")
    api_env.put_file(f"{base}/bom.csv", "\ufeffemail,n\nq@example.com,1\n".encode())
    api_env.put_file(f"{base}/latin1.csv", "name\nJos\xe9\n".encode("latin-1"))
    api_env.put_file(f"{base}/notjson.jsonl", "[1, 2]\n")
    with api_env.client() as c:
        jl = c.post("/api/files/preview", json={"keys": [f"{base}/a.jsonl.gz"]}).json()
        assert jl["fileFormat"] == "JSONL"
        assert {col["name"]: col["fillRate"] for col in jl["columns"]} == {"email": 0.5, "n": 1.0}
        bom = c.post("/api/files/preview", json={"keys": [f"{base}/bom.csv"]}).json()
        assert bom["columns"][0]["name"] == "email"
        cases = {
            f"{base}/ragged.csv": "ragged_row",
            f"{base}/dupes.csv": "duplicate_columns",
            f"{base}/latin1.csv": "bad_encoding",
            f"{base}/notjson.jsonl": "bad_json",
        }
        for key, code in cases.items():
            r = c.post("/api/files/preview", json={"keys": [key]})
            assert r.status_code == 422, key
            assert r.json()["error"] == code
            assert key.rsplit("/", 1)[-1] in r.json()["message"]
        mixed = c.post("/api/files/preview", json={"keys": [f"{base}/other.csv", f"{base}/bom.csv"]})
        assert mixed.status_code == 422 and mixed.json()["error"] == "schema_mismatch"
        missing = c.post("/api/files/preview", json={"keys": [f"{base}/none.csv"]})
        assert missing.status_code == 404
        assert c.post("/api/files/preview", json={"keys": []}).status_code == 422


def test_preview_parquet(api_env: ApiEnv) -> None:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"email": ["a@example.com", None], "amount": [1, 2]}), buf)
    key = f"formats/{uuid.uuid4().hex[:6]}.parquet"
    api_env.put_file(key, buf.getvalue())
    with api_env.client() as c:
        body = c.post("/api/files/preview", json={"keys": [key]}).json()
    assert body["fileFormat"] == "PARQUET"
    cols = {col["name"]: col for col in body["columns"]}
    assert cols["email"]["fillRate"] == 0.5 and cols["amount"]["inferredType"] == "INTEGER"
