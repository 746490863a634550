"""Keep the local stack's AWS state in a directory: moto holds it in memory, so it is written out on
stop (and periodically) and loaded back on start. S3 objects are files; tables, secret and tags JSON."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from amc_uploader.api.aws import AwsClients
from amc_uploader.local.bootstrap import StackNames

logger = logging.getLogger(__name__)


def _private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    tmp.replace(path)


def save(aws: AwsClients, names: StackNames, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    staging = root / "s3.new"
    shutil.rmtree(staging, ignore_errors=True)
    meta: dict[str, Any] = {}
    for bucket in (names.data_bucket, names.artifact_bucket):
        objects: dict[str, Any] = {}
        paginator = aws.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                got = aws.s3.get_object(Bucket=bucket, Key=key)
                target = staging / bucket / quote(key, safe="")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(got["Body"].read())
                tags = aws.s3.get_object_tagging(Bucket=bucket, Key=key).get("TagSet", [])
                objects[key] = {"content_type": got.get("ContentType"), "tags": tags}
        try:
            policy: str | None = aws.s3.get_bucket_policy(Bucket=bucket)["Policy"]
        except ClientError:
            policy = None
        meta[bucket] = {"objects": objects, "policy": policy}
    _private(staging / "meta.json", json.dumps(meta))
    shutil.rmtree(root / "s3", ignore_errors=True)
    staging.rename(root / "s3")
    tables: dict[str, list[Any]] = {}
    for table in (names.settings_table, names.jobs_table, names.triggers_table):
        items: list[Any] = []
        for scan_page in aws.dynamodb.get_paginator("scan").paginate(TableName=table):
            items.extend(scan_page.get("Items", []))
        tables[table] = items
    _private(root / "dynamodb.json", json.dumps(tables))
    secret = aws.secrets.get_secret_value(SecretId=names.lwa_secret_id).get("SecretString", "{}")
    _private(root / "secret.json", secret)


def load(aws: AwsClients, names: StackNames, root: Path) -> bool:
    """Restore a saved state into freshly bootstrapped resources; False when there is none."""
    meta_path = root / "s3" / "meta.json"
    if not meta_path.exists():
        return False
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    for bucket, info in meta.items():
        for key, obj in info["objects"].items():
            body = (root / "s3" / bucket / quote(key, safe="")).read_bytes()
            kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key, "Body": body}
            if obj.get("content_type"):
                kwargs["ContentType"] = obj["content_type"]
            aws.s3.put_object(**kwargs)
            if obj.get("tags"):
                aws.s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": obj["tags"]})
        if info.get("policy"):
            aws.s3.put_bucket_policy(Bucket=bucket, Policy=info["policy"])
    tables_path = root / "dynamodb.json"
    if tables_path.exists():
        for table, items in json.loads(tables_path.read_text(encoding="utf-8")).items():
            for item in items:
                aws.dynamodb.put_item(TableName=table, Item=item)
    secret_path = root / "secret.json"
    if secret_path.exists():
        aws.secrets.put_secret_value(
            SecretId=names.lwa_secret_id, SecretString=secret_path.read_text(encoding="utf-8")
        )
    logger.info("local state restored", extra={"buckets": len(meta)})
    return True
