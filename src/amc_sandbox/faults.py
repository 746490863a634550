"""Fault injection and the request log (sandbox admin features, not part of AMC)."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from amc_sandbox.errors import bad_request

MAX_LOGGED_REQUESTS: Final = 20_000
_RULE_KEYS: Final = frozenset(
    {
        "method",
        "path_regex",
        "status",
        "count",
        "retry_after",
        "delay_seconds",
        "empty_body",
        "body_text",
        "content_type",
        "disconnect",
    }
)


@dataclass
class FaultRule:
    """One injected fault.

    Matches requests whose method equals `method` ("*" = any) and whose path matches `path_regex`
    (`re.search`, path only, no query string). When it fires it waits `delay_seconds`, then answers with
    `status` (None = after the delay, let the request through: a slow response). The body is AMC-shaped
    JSON by default, nothing when `empty_body`, or `body_text` verbatim (`content_type`, default
    text/html when it looks like HTML). `retry_after` sets the Retry-After header. `count` is how many
    times the rule fires before it is spent (None = forever). `disconnect` drops the connection instead
    of answering (the client sees a transport error): "before" the request is handled, or "after" it was
    handled (its effects happen, the answer is lost). Admin paths (`/sandbox/...`) never match.
    """

    method: str = "*"
    path_regex: str = ".*"
    status: int | None = 500
    count: int | None = None
    retry_after: int | None = None
    delay_seconds: float = 0.0
    empty_body: bool = False
    body_text: str | None = None
    content_type: str | None = None
    disconnect: str | None = None
    fired: int = 0
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self._pattern = re.compile(self.path_regex)

    def matches(self, method: str, path: str) -> bool:
        if self.count is not None and self.fired >= self.count:
            return False
        return self.method in {"*", method.upper()} and self._pattern.search(path) is not None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_pattern", None)
        data["remaining"] = None if self.count is None else max(self.count - self.fired, 0)
        return data

    @classmethod
    def from_dict(cls, raw: Any) -> FaultRule:
        if not isinstance(raw, dict):
            raise bad_request("A fault rule must be a JSON object")
        unknown = sorted(set(raw) - _RULE_KEYS)
        if unknown:
            raise bad_request(f"Unknown fault rule fields: {', '.join(unknown)}")
        try:
            rule = cls(**raw)
        except (TypeError, re.error) as exc:
            raise bad_request(f"Invalid fault rule: {exc}") from exc
        if rule.status is not None and not 100 <= int(rule.status) <= 599:
            raise bad_request("status must be an HTTP status code")
        if rule.count is not None and rule.count < 1:
            raise bad_request("count must be at least 1 (omit it for a rule that always fires)")
        if rule.disconnect not in {None, "before", "after"}:
            raise bad_request('disconnect must be "before" or "after"')
        if rule.delay_seconds < 0:
            raise bad_request("delay_seconds must not be negative")
        return rule


class FaultRegistry:
    """The active rules, first match wins; thread-safe (rules fire from the server's event loop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    def add(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules.extend(rules)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_dict() for r in self._rules]

    def take(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this request (its count is consumed), or None."""
        if path.startswith("/sandbox/"):
            return None
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.fired += 1
                    return rule
        return None


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    status: int
    fault: bool
    at: float
    duration_ms: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    """Method, path and status of every request (never headers, bodies or query strings)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LoggedRequest] = deque(maxlen=MAX_LOGGED_REQUESTS)

    def add(self, method: str, path: str, status: int, *, fault: bool, started: float) -> None:
        entry = LoggedRequest(method, path, status, fault, started, round((time.time() - started) * 1000, 3))
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
