"""`SandboxServer`: the sandbox app under uvicorn, in a background thread or in the foreground."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from amc_client.models import HEADER_ADVERTISER_ID, HEADER_CLIENT_ID, HEADER_MARKETPLACE_ID
from amc_sandbox import datastore
from amc_sandbox.app import InjectedDisconnect, create_app
from amc_sandbox.constants import (
    SANDBOX_ADVERTISER_ID,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_INSTANCE_ID,
    SANDBOX_MARKETPLACE_ID,
    SANDBOX_REFRESH_TOKEN,
    SANDBOX_SCOPE,
)
from amc_sandbox.errors import SandboxApiError
from amc_sandbox.faults import FaultRegistry, FaultRule, RequestLog
from amc_sandbox.routes.common import SandboxContext
from amc_sandbox.state import SandboxState
from amc_sandbox.worker import UploadProcessor


class _QuietDisconnects(logging.Filter):
    """Injected disconnects are requested behaviour: keep their tracebacks out of uvicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InjectedDisconnect))


class SandboxServer:
    """A local AMC + Login-with-Amazon look-alike over real HTTP.

    State lives in `state_dir` (JSON files) and survives a restart; uploads read their files from S3 at
    `s3_endpoint_url` (None = boto3's default resolution, e.g. `AWS_ENDPOINT_URL`) or from `file://` paths.
    `port=0` picks a free port. Use as a context manager or call `start()`/`stop()`.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        s3_endpoint_url: str | None = None,
        region: str = "us-east-1",
        processing_delay: float = 0.2,
        token_lifetime: int | None = None,
        s3_client_factory: Any = None,
    ) -> None:
        self.host = host
        self.state = SandboxState(Path(state_dir), token_lifetime=token_lifetime)
        self.processor = UploadProcessor(
            self.state,
            s3_endpoint_url=s3_endpoint_url,
            region=region,
            delay=processing_delay,
            s3_client_factory=s3_client_factory,
        )
        self.fault_registry = FaultRegistry()
        self.request_log = RequestLog()
        self.context = SandboxContext(self.state, self.processor, self.fault_registry, self.request_log)
        self.app = create_app(self.context)
        self._socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.port = int(self._socket.getsockname()[1])
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._token: str | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/auth/o2/token"

    @property
    def consent_url(self) -> str:
        return f"{self.base_url}/ap/oa"

    def env(self) -> dict[str, str]:
        """`AMC_*` variables that point the client and CLI at this sandbox (public dummy credentials)."""
        return {
            "AMC_API_BASE_URL": self.base_url,
            "AMC_LWA_TOKEN_URL": self.token_url,
            "AMC_LWA_CONSENT_URL": self.consent_url,
            "AMC_LWA_SCOPE": SANDBOX_SCOPE,
            "AMC_CLIENT_ID": SANDBOX_CLIENT_ID,
            "AMC_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "AMC_REFRESH_TOKEN": SANDBOX_REFRESH_TOKEN,
            "AMC_ADVERTISER_ID": SANDBOX_ADVERTISER_ID,
            "AMC_MARKETPLACE_ID": SANDBOX_MARKETPLACE_ID,
            "AMC_INSTANCE_ID": SANDBOX_INSTANCE_ID,
        }

    def _make_server(self, log_level: str) -> uvicorn.Server:
        error_log = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, _QuietDisconnects) for f in error_log.filters):
            error_log.addFilter(_QuietDisconnects())
        config = uvicorn.Config(self.app, log_level=log_level, lifespan="off", access_log=False)
        return uvicorn.Server(config)

    def start(self, timeout: float = 10.0) -> SandboxServer:
        """Serve in a background thread; returns once the server accepts connections."""
        if self._thread is not None:
            return self
        self.processor.start()
        self._server = self._make_server("warning")
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.run(sockets=[self._socket]), name="amc-sandbox-http", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"AMC sandbox did not start on {self.base_url}")
            time.sleep(0.01)
        return self

    def serve_forever(self, log_level: str = "info") -> None:
        """Serve in the calling thread until interrupted (Ctrl-C); the CLI uses this."""
        self.processor.start()
        self._server = self._make_server(log_level)
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self.processor.stop()
            self._socket.close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.processor.stop()
        self._socket.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # In-process twins of the /sandbox/* admin endpoints.

    def inject(self, *rules: FaultRule | dict[str, Any], **rule: Any) -> list[FaultRule]:
        """Add fault rules: `inject(status=429, retry_after=1, count=2, path_regex="/uploads/")`."""
        built = [r if isinstance(r, FaultRule) else FaultRule.from_dict(r) for r in rules]
        if rule:
            built.append(FaultRule.from_dict(rule))
        self.fault_registry.add(built)
        return built

    def clear_faults(self) -> None:
        self.fault_registry.clear()

    def faults(self) -> list[dict[str, Any]]:
        return self.fault_registry.rules()

    def requests(
        self, *, method: str | None = None, path_contains: str | None = None
    ) -> list[dict[str, Any]]:
        """Logged requests (method, path, status, fault, at, duration_ms), admin paths excluded."""
        return [
            e.to_dict()
            for e in self.request_log.entries()
            if not e.path.startswith("/sandbox/")
            and (method is None or e.method == method.upper())
            and (path_contains is None or path_contains in e.path)
        ]

    def clear_requests(self) -> None:
        self.request_log.clear()

    def reset(self, *, tokens: bool = False) -> None:
        """Seeded state again, no faults, empty request log (issued tokens kept unless `tokens`)."""
        self.processor.wait_idle(timeout=30)
        self.fault_registry.clear()
        self.request_log.clear()
        self.state.reset(tokens=tokens)

    def set_token_lifetime(self, seconds: int) -> None:
        self.state.token_lifetime = seconds

    def set_consent(self, mode: str) -> None:
        """ "approve" (default) or "deny": what `/ap/oa` answers."""
        self.state.consent_mode = mode

    def expire_access_tokens(self) -> int:
        return self.state.expire_access_tokens()

    def revoke_refresh_tokens(self) -> None:
        self.state.revoke_refresh_tokens()

    def access_token(self) -> str:
        """A valid access token for the seeded client (tests that talk HTTP without the client library).

        Reused while it stays valid (it is re-checked on every call), otherwise a new one is issued.
        """
        if self._token is not None:
            try:
                self.state.check_access_token(self._token)
                return self._token
            except SandboxApiError:
                self._token = None
        issued = self.state.refresh(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_REFRESH_TOKEN)
        self._token = str(issued["access_token"])
        return self._token

    def headers(self, *, advertiser: bool = True) -> dict[str, str]:
        """Valid AMC headers for the seeded advertiser (fresh token)."""
        headers = {
            "Authorization": f"Bearer {self.access_token()}",
            HEADER_CLIENT_ID: SANDBOX_CLIENT_ID,
        }
        if advertiser:
            headers[HEADER_ADVERTISER_ID] = SANDBOX_ADVERTISER_ID
            headers[HEADER_MARKETPLACE_ID] = SANDBOX_MARKETPLACE_ID
        return headers

    def wait_for_uploads(self, timeout: float = 30.0) -> bool:
        """Block until the upload worker is idle."""
        return self.processor.wait_idle(timeout=timeout)

    def dataset_rows(
        self, dataset_id: str, *, instance_id: str = SANDBOX_INSTANCE_ID, limit: int | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        """(row count, first `limit` rows) the sandbox holds for a data set after its successful uploads."""
        return datastore.read(self.state.state_dir, instance_id, dataset_id, limit)

    def add_instance(
        self,
        instance_id: str,
        *,
        account_id: str = SANDBOX_ADVERTISER_ID,
        marketplace_id: str = SANDBOX_MARKETPLACE_ID,
        data_upload_account_id: str = "111122223333",
        name: str = "",
        ads_account_id: str | None = None,
    ) -> dict[str, Any]:
        return self.state.add_instance(
            instance_id,
            account_id=account_id,
            marketplace_id=marketplace_id,
            data_upload_account_id=data_upload_account_id,
            name=name,
            ads_account_id=ads_account_id,
        )
