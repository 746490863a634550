"""The Spark engine (filled in next)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from amc_client.staging import InstanceStage
from amc_uploader.job.errors import JobConfigError
from amc_uploader.job.local_engine import EngineResult
from amc_uploader.job.plan import JobPlan
from amc_uploader.job.report import JobProgress


def build_spark_session() -> Any:
    raise JobConfigError("the spark engine is not available yet")


def run_spark(
    plan: JobPlan,
    stages: Sequence[InstanceStage],
    *,
    spark: Any = None,
    progress: Callable[[JobProgress], None] | None = None,
) -> EngineResult:
    raise JobConfigError("the spark engine is not available yet")
