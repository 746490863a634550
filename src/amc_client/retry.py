"""Retry policy (spec A.6): which failures are retried, how long to wait, when to give up."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from amc_client.errors import AmcConfigError

# Spec A.6: 429 and 5xx are retried; AMC answers 504 "Endpoint request timed out" now and then (#117).
DEFAULT_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by attempts and by total time.

    Delay before retry n (1-based): a uniform draw in [cap/2, cap] with cap = min(max_delay,
    base_delay * 2**(n-1)) ("equal jitter"), unless the answer carried Retry-After, which is used as is
    (a Retry-After above `max_retry_after` ends the retries). No retry starts if it would end after
    `max_total_seconds`.
    `sleep`, `clock` and `random` are injectable for tests.
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_total_seconds: float = 120.0
    max_retry_after: float = 60.0
    retry_statuses: frozenset[int] = DEFAULT_RETRY_STATUSES
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise AmcConfigError("max_attempts must be >= 1")

    def backoff(self, retry_number: int) -> float:
        cap = min(self.max_delay, self.base_delay * (2 ** max(0, retry_number - 1)))
        return float(cap / 2 + self.random() * cap / 2)

    def delay(self, retry_number: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry `retry_number`; None when Retry-After asks for more than
        `max_retry_after` (the caller gives up rather than retrying before the server allows)."""
        if retry_after is not None:
            return None if retry_after > self.max_retry_after else max(0.0, retry_after)
        return self.backoff(retry_number)


NO_RETRY = RetryPolicy(max_attempts=1)
