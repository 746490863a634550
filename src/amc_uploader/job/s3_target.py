"""An S3 bucket (with optional key prefix) as staging target; the bucket AMC reads from."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from amc_uploader.job.target import StagingTarget, TargetSpec

__all__ = ["S3Target"]


class S3Target(StagingTarget):
    """An S3 bucket with an optional key prefix (``s3://bucket/prefix``)."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        client: Any = None,
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        self._bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = (
            endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        )
        self.region = region
        if client is None:
            import boto3

            client = boto3.client("s3", endpoint_url=self.endpoint_url, region_name=region)
        self.client = client

    @property
    def spec(self) -> TargetSpec:
        uri = f"s3://{self._bucket}/{self.prefix}" if self.prefix else f"s3://{self._bucket}"
        return TargetSpec(uri=uri, endpoint_url=self.endpoint_url, region=self.region)

    @property
    def bucket(self) -> str | None:
        return self._bucket

    def full_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self._bucket}/{self.full_key(key)}"

    @staticmethod
    def _tagging(tags: Mapping[str, str] | None) -> dict[str, str]:
        return {"Tagging": urlencode(dict(tags))} if tags else {}

    def put_bytes(self, key: str, data: bytes, *, tags: Mapping[str, str] | None = None) -> None:
        self.client.put_object(Bucket=self._bucket, Key=self.full_key(key), Body=data, **self._tagging(tags))

    def put_file(self, key: str, path: Path, *, tags: Mapping[str, str] | None = None) -> None:
        self.client.upload_file(
            str(path), self._bucket, self.full_key(key), ExtraArgs=self._tagging(tags) or None
        )

    def read_bytes(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self._bucket, Key=self.full_key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = response["Body"].read()
        return body

    def list_keys(self, prefix: str) -> list[str]:
        full = self.full_key(prefix)
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=full):
            keys.extend(obj["Key"][strip:] for obj in page.get("Contents", []))
        return sorted(keys)

    def delete_keys(self, keys: Sequence[str]) -> None:
        batch = [self.full_key(k) for k in keys]
        for start in range(0, len(batch), 1000):
            chunk = batch[start : start + 1000]
            self.client.delete_objects(
                Bucket=self._bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
            )

    def get_tags(self, key: str) -> dict[str, str]:
        response = self.client.get_object_tagging(Bucket=self._bucket, Key=self.full_key(key))
        return {t["Key"]: t["Value"] for t in response.get("TagSet", [])}
