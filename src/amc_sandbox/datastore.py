"""What the sandbox "ingested": accepted rows per data set as JSON lines, applying the update strategy.

`data/<instance>/<data set>.jsonl` under the state directory. Rows hold exactly what was uploaded (hashed
PII, never clear text unless the customer uploaded clear text in a non-PII column). Update strategies
(spec B.9): ADDITIVE appends, FULL_REPLACE replaces everything, OVERLAP_REPLACE drops stored rows whose
main event time lies in the new upload's time window then appends, OVERLAP_KEEP appends only new rows
outside the stored rows' time window. On DIMENSION data sets (no event time) the OVERLAP strategies
append, like ADDITIVE.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def dataset_file(root: Path, instance_id: str, dataset_id: str) -> Path:
    return root / "data" / instance_id / f"{dataset_id}.jsonl"


def iter_rows(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open("r", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row: dict[str, Any] = json.loads(line)
                yield row


def _window(path: Path, event_column: str) -> tuple[str, str] | None:
    values = [str(r[event_column]) for r in iter_rows(path) if r.get(event_column)]
    return (min(values), max(values)) if values else None


def merge(
    target: Path,
    new_rows: Path,
    strategy: str,
    event_column: str | None,
    new_window: tuple[str, str] | None,
) -> int:
    """Merge the staged `new_rows` file into `target`; returns the stored row count afterwards."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        count = 0
        if strategy != "FULL_REPLACE":
            drop_window = new_window if strategy == "OVERLAP_REPLACE" and event_column else None
            for row in iter_rows(target):
                event = str(row.get(event_column) or "") if event_column else ""
                if drop_window and drop_window[0] <= event <= drop_window[1]:
                    continue
                out.write(json.dumps(row, sort_keys=True) + "\n")
                count += 1
        keep_window = _window(target, event_column) if strategy == "OVERLAP_KEEP" and event_column else None
        for row in iter_rows(new_rows):
            event = str(row.get(event_column) or "") if event_column else ""
            if keep_window and keep_window[0] <= event <= keep_window[1]:
                continue
            out.write(json.dumps(row, sort_keys=True) + "\n")
            count += 1
    os.replace(tmp, target)
    return count


def drop(root: Path, instance_id: str, dataset_id: str) -> None:
    dataset_file(root, instance_id, dataset_id).unlink(missing_ok=True)


def drop_all(root: Path) -> None:
    shutil.rmtree(root / "data", ignore_errors=True)


def read(
    root: Path, instance_id: str, dataset_id: str, limit: int | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """(stored row count, the first `limit` rows)."""
    rows: list[dict[str, Any]] = []
    count = 0
    for row in iter_rows(dataset_file(root, instance_id, dataset_id)):
        if limit is None or len(rows) < limit:
            rows.append(row)
        count += 1
    return count, rows
