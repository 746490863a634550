"""Helpers for the sandbox tests: raw HTTP (httpx) and S3 staging done by hand with boto3."""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx

from amc_sandbox import SANDBOX_INSTANCE_ID, SandboxServer

INSTANCE = SANDBOX_INSTANCE_ID
DATA = f"/amc/advertiserData/{INSTANCE}"


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def unique(prefix: str = "ds") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def client(server: SandboxServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=10)


def col(name: str, data_type: str = "STRING", column_type: str = "DIMENSION", **extra: Any) -> dict[str, Any]:
    return {"name": name, "dataType": data_type, "columnType": column_type, **extra}


def identity_columns() -> list[dict[str, Any]]:
    return [
        col("user_id", isMainUserId=True),
        col("user_type", isMainUserIdType=True),
        col("email", externalUserIdType={"hashedPii": "EMAIL"}),
        col("phone", externalUserIdType={"hashedPii": "PHONE"}),
    ]


def fact_dataset(dataset_id: str, **extra: Any) -> dict[str, Any]:
    """A FACT data set with hashed email + phone, an event time and a few typed columns."""
    columns = [
        *identity_columns(),
        col("ts", "TIMESTAMP", isMainEventTime=True),
        col("day", "DATE"),
        col("product", "STRING"),
        col("quantity", "LONG", "METRIC"),
        col("price", "DECIMAL", "METRIC"),
        col("store", "INTEGER"),
    ]
    return {
        "dataSet": {
            "dataSetId": dataset_id,
            "period": "P1D",
            "countryCode": "US",
            "columns": columns,
            **extra,
        }
    }


def dimension_dataset(dataset_id: str, **extra: Any) -> dict[str, Any]:
    columns = [col("sku"), col("category"), col("weight", "DECIMAL", "METRIC")]
    return {"dataSet": {"dataSetId": dataset_id, "columns": columns, **extra}}


def create_dataset(http: httpx.Client, server: SandboxServer, body: Mapping[str, Any]) -> str:
    response = http.post(f"{DATA}/dataSets", json=body, headers=server.headers())
    assert response.status_code == 200, response.text
    return str(body["dataSet"]["dataSetId"])


def upload_body(
    bucket: str,
    *,
    manifest: str | None = None,
    file: str | None = None,
    prefix: str | None = None,
    fmt: str = "CSV",
    compression: str = "GZIP",
    strategy: str = "ADDITIVE",
) -> dict[str, Any]:
    source: dict[str, Any] = {"sourceS3Bucket": bucket}
    if manifest is not None:
        source["sourceManifestS3Key"] = manifest
    if file is not None:
        source["sourceFileS3Key"] = file
    if prefix is not None:
        source["sourceS3Prefix"] = prefix
    file_format: dict[str, Any] = (
        {"csvDataFormat": {"fieldDelimiter": ",", "quoteCharacter": '"'}}
        if fmt == "CSV"
        else {"jsonDataFormat": "LINES"}
    )
    return {
        "updateStrategy": strategy,
        "compressionFormat": compression,
        "dataSource": source,
        "fileFormat": file_format,
    }


def csv_gz(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        return f'"{text}"' if "," in text else text

    lines = [",".join(header)] + [",".join(cell(v) for v in row) for row in rows]
    return gzip.compress(("\n".join(lines) + "\n").encode())


def jsonl_gz(records: Iterable[Mapping[str, Any]]) -> bytes:
    return gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode())


def amc_policy(bucket: str, *accounts: str) -> str:
    """The staging contract's statement (spec D.6). moto enforces policies: no TLS-only deny over http."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowDataUploadFromAmc",
                    "Effect": "Allow",
                    "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in accounts]},
                    "Action": [
                        "s3:GetObject",
                        "s3:GetObjectVersion",
                        "s3:ListBucket",
                        "s3:GetObjectTagging",
                        "s3:GetBucketTagging",
                    ],
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                },
            ],
        }
    )


def stage(
    s3: Any,
    bucket: str,
    files: Mapping[str, bytes],
    *,
    tag: str | None = INSTANCE,
    manifest_key: str | None = "stage/manifest.txt",
    manifest_extra: Sequence[str] = (),
) -> str | None:
    """Put files (+ a manifest listing them) with the instanceId tag; returns the manifest key."""
    tagging = f"instanceId={tag}" if tag else ""
    for key, body in files.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body, Tagging=tagging)
    if manifest_key is None:
        return None
    lines = [f"s3://{bucket}/{key}" for key in files] + list(manifest_extra)
    s3.put_object(Bucket=bucket, Key=manifest_key, Body="\n".join(lines).encode(), Tagging=tagging)
    return manifest_key
