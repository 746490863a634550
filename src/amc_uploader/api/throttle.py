"""Sign-in throttling: after a run of wrong passwords for one user or from one source, attempts wait an
exponentially growing time (429 with Retry-After); a successful sign-in resets the user and the source."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Failures:
    count: int = 0
    blocked_until: float = 0.0


class LoginThrottle:
    """Failures per key (``user:<name>``, ``source:<address>``). The first ``free_attempts`` wrong
    passwords of a key answer at once; each further one blocks the key for ``base * 2**n`` seconds
    (n = 0, 1, ...), at most ``max_delay``."""

    def __init__(
        self,
        *,
        user_free_attempts: int = 5,
        source_free_attempts: int = 20,
        base_delay: float = 1.0,
        max_delay: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._free = {"user": user_free_attempts, "source": source_free_attempts}
        self._base = base_delay
        self._max = max_delay
        self._clock = clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    @staticmethod
    def keys(username: str, source: str) -> tuple[str, str]:
        return f"user:{username.strip().casefold()}", f"source:{source}"

    def retry_after(self, keys: tuple[str, ...]) -> int:
        """Whole seconds to wait before another attempt with these keys (0: go ahead)."""
        now = self._clock()
        with self._lock:
            wait = max((f.blocked_until - now for k in keys if (f := self._failures.get(k))), default=0.0)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, keys: tuple[str, ...]) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                f = self._failures.setdefault(key, _Failures())
                f.count += 1
                over = f.count - self._free[key.partition(":")[0]]
                if over > 0:
                    f.blocked_until = now + min(self._max, self._base * 2 ** (over - 1))

    def succeeded(self, keys: tuple[str, ...]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
