"""Data helpers for the job tests: conformance rows, synthetic customers, reading staged output back."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

PII_COLUMNS = {
    "first_name": "FIRST_NAME",
    "last_name": "LAST_NAME",
    "email": "EMAIL",
    "phone": "PHONE",
    "address": "ADDRESS",
    "city": "CITY",
    "state": "STATE",
    "zip": "ZIP",
}
COUNTRIES = ("US", "GB", "CA", "DE", "FR", "ES", "IT", "JP", "IN")


def conformance_rows(conformance_dir: Path, country: str) -> list[dict[str, Any]]:
    path = conformance_dir / country.lower() / "raw.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def manifest_files(manifest: Path) -> list[Path]:
    return [Path(line.removeprefix("file://")) for line in manifest.read_text().splitlines() if line]


def read_staged_csv(manifest: Path) -> tuple[list[str], list[dict[str, str]]]:
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    for part in manifest_files(manifest):
        text = gzip.decompress(part.read_bytes()).decode()
        reader = csv.reader(io.StringIO(text, newline=""))
        this_header = next(reader)
        assert header is None or this_header == header
        header = this_header
        rows.extend(dict(zip(this_header, r, strict=True)) for r in reader)
    assert header is not None
    return header, rows


def read_staged_jsonl(manifest: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for part in manifest_files(manifest):
        rows.extend(json.loads(line) for line in gzip.decompress(part.read_bytes()).decode().splitlines())
    return rows


def find_manifest(out: Path) -> Path:
    manifests = sorted(out.rglob("manifest.txt"))
    assert len(manifests) == 1, manifests
    return manifests[0]
