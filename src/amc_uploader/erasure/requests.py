"""Send identity maps as AMC user deletion requests (spec B.13) to every instance, and follow them.

Batches of at most 1000 identities; every call goes through the client, so it is retried by the client's
policy. Each request is recorded (`ErasureResult`) as soon as AMC answers, so a result file written from
`on_change` names every request id even when a later call fails. One instance failing does not stop the
others: its error is recorded and the next instance gets its requests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from amc_client import AmcError, UserDeletion, UserDeletionRequestRef
from amc_uploader.erasure.identities import ErasureInput

logger = logging.getLogger(__name__)


class DeletionTarget(Protocol):
    """One AMC instance's deletion endpoints (`amc_client.InstanceClient` is one)."""

    instance_id: str

    def create_user_deletion_request(
        self, identities: Sequence[Mapping[str, Any]]
    ) -> UserDeletionRequestRef: ...

    def get_user_deletion_request(self, request_id: str) -> UserDeletion: ...

    def wait_for_user_deletion_request(
        self, request_id: str, *, timeout: float = ..., poll: float = ..., max_poll: float = ...
    ) -> UserDeletion: ...


@dataclass
class DeletionRequest:
    """One request sent to one instance; `error` is one line (HTTP status, AMC code; never a value)."""

    instance_id: str
    batch: int
    identity_count: int
    request_id: str | None = None
    status: str | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return (self.status or "").upper() == "SUCCEEDED"

    def to_dict(self) -> dict[str, Any]:
        return {
            "instance_id": self.instance_id,
            "batch": self.batch,
            "identity_count": self.identity_count,
            "request_id": self.request_id,
            "status": self.status,
            "error": self.error,
        }


@dataclass
class ErasureResult:
    """Every request of one erasure, with the input report."""

    source: str
    report: dict[str, Any]
    requests: list[DeletionRequest] = field(default_factory=list)

    @property
    def failed(self) -> list[DeletionRequest]:
        return [r for r in self.requests if r.error is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "report": self.report,
            "requests": [r.to_dict() for r in self.requests],
        }


def submit(
    erasure: ErasureInput,
    instances: Sequence[DeletionTarget],
    *,
    source: str = "",
    on_change: Callable[[ErasureResult], None] | None = None,
) -> ErasureResult:
    """Create the deletion requests of `erasure` in every instance (nothing is sent without identities)."""
    result = ErasureResult(source=source, report=erasure.report.to_dict())
    batches = erasure.batches()
    for ic in instances:
        failed = False
        for number, batch in enumerate(batches, start=1):
            request = DeletionRequest(ic.instance_id, number, len(batch))
            result.requests.append(request)
            if failed:
                # The instance refused one request (after the client's retries): the rest would fare the
                # same; they are recorded so a re-run knows what is missing.
                request.error = "not sent: an earlier request to this instance failed"
                continue
            try:
                ref = ic.create_user_deletion_request(batch)
            except AmcError as exc:
                failed = True
                request.error = _one_line(exc)
                logger.warning("instance %s: deletion request %d failed", ic.instance_id, number)
                if on_change is not None:
                    on_change(result)
                continue
            request.request_id = ref.user_deletion_request_id
            request.status = "PENDING"
            logger.info("instance %s: deletion request %s created", ic.instance_id, request.request_id)
            if on_change is not None:
                on_change(result)
    return result


def refresh(
    result: ErasureResult,
    instances: Sequence[DeletionTarget],
    *,
    wait: bool = False,
    timeout: float = 3600.0,
    poll: float = 5.0,
    on_change: Callable[[ErasureResult], None] | None = None,
) -> ErasureResult:
    """Read each request's status; with `wait`, poll each until it leaves PENDING, `timeout` seconds in
    all (requests still PENDING then keep that status)."""
    by_id = {ic.instance_id: ic for ic in instances}
    deadline = time.monotonic() + timeout
    for request in result.requests:
        ic = by_id.get(request.instance_id)
        if ic is None or request.request_id is None or request.succeeded:
            continue
        try:
            if wait:
                deletion = ic.wait_for_user_deletion_request(
                    request.request_id, timeout=max(0.0, deadline - time.monotonic()), poll=poll
                )
            else:
                deletion = ic.get_user_deletion_request(request.request_id)
        except AmcError as exc:
            request.error = _one_line(exc)
        else:
            request.status = deletion.status
            request.error = None
        if on_change is not None:
            on_change(result)
    return result


def _one_line(exc: AmcError) -> str:
    return " ".join(str(exc).split())
