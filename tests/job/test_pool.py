"""Worker processes of the local engine: a worker that dies or raises fails the job with nothing staged;
a small input takes the quick path without a pool; the worker count follows config, flag and cores."""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

import pytest

from amc_uploader.job import JobConfig, JobError, line_chunks, run_job
from amc_uploader.job import local_engine as engine_module
from amc_uploader.job.columnar import Batch, BatchResult, BatchTransformer, RawBatch
from amc_uploader.job.errors import StagingError
from amc_uploader.job.plan import build_plan
from amc_uploader.job.pool import OrderedPool, available_cores
from amc_uploader.job.synthetic import PII_SPEC, synthetic_rows
from tests.job.helpers import write_csv


def _config(tmp_path: Path, **extra: Any) -> JobConfig:
    src = tmp_path / "people.csv"
    if not src.exists():
        write_csv(src, list(synthetic_rows(2000, seed=1)))
    data: dict[str, Any] = {
        "inputs": [str(src)],
        "dataset_id": "ds_test",
        "country_code": "US",
        "pii": PII_SPEC,
        "instances": ["amcsandbox01"],
        "output": str(tmp_path / "out"),
        "stage_only": True,
        "partition_cap_bytes": 2048,  # many partitions are staged before the failing batch
        "workers": 2,
        **extra,
    }
    return JobConfig.from_mapping(data)


def _staged(tmp_path: Path) -> list[Path]:
    out = tmp_path / "out"
    return [p for p in out.rglob("*") if p.is_file()] if out.exists() else []


_real_call = BatchTransformer.__call__


def _first_line(batch: Batch | RawBatch) -> int:
    return batch.start if isinstance(batch, RawBatch) else batch.lines[0]


def _dies(self: BatchTransformer, batch: Batch | RawBatch) -> BatchResult:
    if _first_line(batch) > 1000:
        os._exit(9)  # as if killed (OOM killer, kill -9)
    return _real_call(self, batch)


def _raises(self: BatchTransformer, batch: Batch | RawBatch) -> BatchResult:
    if _first_line(batch) > 1000:
        raise RuntimeError("a bug in a worker")
    return _real_call(self, batch)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BATCH_ROWS", 100)
    monkeypatch.setattr(line_chunks, "RAW_CHUNK_BYTES", 10_000)


@pytest.mark.usefixtures("small_batches")
def test_a_worker_that_dies_fails_the_job_and_nothing_is_staged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BatchTransformer, "__call__", _dies)  # the workers are forked: they inherit it
    with pytest.raises(StagingError, match="worker process of the local engine stopped unexpectedly"):
        run_job(_config(tmp_path))
    assert _staged(tmp_path) == []


@pytest.mark.usefixtures("small_batches")
def test_a_worker_that_raises_fails_the_job_and_nothing_is_staged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BatchTransformer, "__call__", _raises)
    with pytest.raises(RuntimeError, match="a bug in a worker"):
        run_job(_config(tmp_path))
    assert _staged(tmp_path) == []


def test_a_small_input_starts_no_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = write_csv(tmp_path / "small.csv", list(synthetic_rows(200, seed=2)))

    def no_pool(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a 200-row file must not start worker processes")

    monkeypatch.setattr(engine_module, "OrderedPool", no_pool)
    result = run_job(_config(tmp_path, inputs=[str(src)], workers=None, partition_cap_bytes=1_000_000))
    assert result.report.rows_out == 200


def test_worker_count(tmp_path: Path) -> None:
    big = build_plan(_config(tmp_path, workers=None), "j")
    big = type(big)(**{**big.__dict__, "total_bytes": engine_module.QUICK_PATH_BYTES})
    assert engine_module.worker_count(big) == available_cores() >= 1
    assert engine_module.worker_count(big, 3) == 3
    small = build_plan(_config(tmp_path, workers=None), "j")
    assert engine_module.worker_count(small) == 1  # quick path
    assert engine_module.worker_count(build_plan(_config(tmp_path, workers=2), "j")) == 2  # asked for


def test_results_come_back_in_order() -> None:
    with OrderedPool(3, _slow_square_factory) as pool:
        assert list(pool.map(range(40), depth=5)) == [i * i for i in range(40)]


def _slow_square_factory() -> Any:
    import random
    import time

    def square(i: int) -> int:
        time.sleep(random.random() / 200)
        return i * i

    return square


def test_job_error_is_the_base_of_staging_error() -> None:
    assert issubclass(StagingError, JobError)


class _Node:
    def __init__(self) -> None:
        self.self = self  # a reference cycle: only the cyclic collector frees it
        self.payload = list(range(1000))


_ALIVE: weakref.WeakSet[_Node] = weakref.WeakSet()


def _cycle_maker() -> Any:
    def make(item: int) -> int:
        alive = len(_ALIVE)  # left by earlier items in this worker
        _ALIVE.add(_Node())
        return alive

    return make


def test_an_items_reference_cycles_die_with_it() -> None:
    """A worker collects each item's cyclic garbage before the next item (a batch's columns held by such
    a cycle made worker memory creep up)."""
    with OrderedPool(1, _cycle_maker, ()) as pool:
        assert list(pool.map(range(6))) == [0] * 6
