"""The whole product on loopback: moto server (S3, DynamoDB, Secrets Manager, Cognito), the AMC sandbox,
the API and the built web app, bootstrapped like the CDK stack, with state in a directory."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from amc_uploader.api.app import create_app
from amc_uploader.api.aws import AwsClients
from amc_uploader.api.config import ApiSettings
from amc_uploader.api.deps import Backend, build_backend
from amc_uploader.api.models import AmcInstance
from amc_uploader.api.policy import apply_bucket_policy
from amc_uploader.api.runners import LocalJobRunner
from amc_uploader.local import persist
from amc_uploader.local.bootstrap import StackNames, bootstrap, ensure_user, generate_password
from amc_uploader.local.web import add_security_headers, find_web_dist, mount_web

logger = logging.getLogger(__name__)

REGION = "us-east-1"
ADMIN_USERNAME = "admin"
LOCAL_AWS_KEY = "local"  # moto accepts any credentials


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class LocalStackError(RuntimeError):
    """The local stack cannot start (the message says why)."""


def check_loopback(host: str) -> str:
    """`host` when it is a loopback address: the local stack trusts everyone who can reach its ports
    (the local Cognito endpoint is not authenticated), so it never listens beyond this machine."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LocalStackError(f"the local stack listens on loopback only, not on {host}")
    return host


@dataclass(frozen=True)
class AdminLogin:
    username: str
    password: str
    created: bool


class LocalStack:
    """Start with `start()` (or as a context manager); `url` is the web app, `url + "/api"` the API.

    `admin` holds the first administrator's login; `admin.created` is True only on the run that made it
    (the password is then shown once by the CLI; it is kept, private, in the state directory so the user
    still exists after a restart).
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        web_dist: Path | None = None,
        refresh_interval: float = 2.0,
        processing_delay: float = 0.2,
        queue_delay: float = 0.0,
        snapshot_interval: float = 30.0,
        names: StackNames | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.host = check_loopback(host)
        self._port = port
        self.web_dist = find_web_dist(web_dist)
        self.refresh_interval = refresh_interval
        self.processing_delay = processing_delay
        self.queue_delay = queue_delay
        self.snapshot_interval = snapshot_interval
        self.names = names or StackNames()
        self._moto: Any = None
        self.sandbox: Any = None
        self._server: uvicorn.Server | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._snapshot_lock = threading.Lock()
        self._socket: socket.socket | None = None
        self.backend: Backend | None = None
        self.admin: AdminLogin | None = None
        self.moto_endpoint = ""
        self.url = ""

    def start(self, timeout: float = 30.0) -> LocalStack:
        from moto.server import ThreadedMotoServer

        from amc_sandbox import (
            SANDBOX_ADVERTISER_ID,
            SANDBOX_CLIENT_ID,
            SANDBOX_CLIENT_SECRET,
            SANDBOX_DATA_UPLOAD_ACCOUNT_ID,
            SANDBOX_INSTANCE_ID,
            SANDBOX_MARKETPLACE_ID,
            SANDBOX_REFRESH_TOKEN,
            SANDBOX_SCOPE,
            SandboxServer,
        )

        self.state_dir.mkdir(parents=True, exist_ok=True)
        # Stable user pool ids across restarts (moto derives them from the pool's name and settings).
        os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
        # The sandbox's S3 reader and the job engine build default boto3 clients: local dummy credentials.
        for key, value in (
            ("AWS_ACCESS_KEY_ID", LOCAL_AWS_KEY),
            ("AWS_SECRET_ACCESS_KEY", LOCAL_AWS_KEY),
            ("AWS_DEFAULT_REGION", REGION),
        ):
            os.environ.setdefault(key, value)

        moto_port = _free_port(self.host)
        self._moto = ThreadedMotoServer(ip_address=self.host, port=moto_port, verbose=False)
        self._moto.start()
        self.moto_endpoint = f"http://{self.host}:{moto_port}"
        aws = AwsClients(REGION, self.moto_endpoint, LOCAL_AWS_KEY, LOCAL_AWS_KEY)

        self.sandbox = SandboxServer(
            self.state_dir / "sandbox",
            host=self.host,
            s3_endpoint_url=self.moto_endpoint,
            region=REGION,
            processing_delay=self.processing_delay,
        )
        self.sandbox.start()

        names = self.names
        cognito = bootstrap(
            aws,
            names,
            lwa_secret={
                "client_id": SANDBOX_CLIENT_ID,
                "client_secret": SANDBOX_CLIENT_SECRET,
                "refresh_token": SANDBOX_REFRESH_TOKEN,
            },
        )
        restored = persist.load(aws, names, self.state_dir / "aws")
        self.admin = self._admin_user(aws, cognito.user_pool_id, names.admin_group)

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((self.host, self._port))
        except OSError as exc:
            raise LocalStackError(f"cannot listen on {self.host}:{self._port} ({exc.strerror})") from None
        port = int(self._socket.getsockname()[1])
        self.url = f"http://{self.host}:{port}"

        settings = ApiSettings(
            settings_table=names.settings_table,
            jobs_table=names.jobs_table,
            triggers_table=names.triggers_table,
            lwa_secret_id=names.lwa_secret_id,
            data_bucket=names.data_bucket,
            artifact_bucket=names.artifact_bucket,
            glue_job_name=None,
            cognito_user_pool_id=cognito.user_pool_id,
            cognito_client_id=cognito.client_id,
            cognito_region=REGION,
            admin_group=names.admin_group,
            api_base_url=self.sandbox.base_url,
            lwa_token_url=self.sandbox.token_url,
            lwa_consent_url=self.sandbox.consent_url,
            lwa_scope=SANDBOX_SCOPE,
            redirect_uri=f"{self.url}/redirect",
            aws_endpoint_url=self.moto_endpoint,
            local_mode=True,
        )
        self.settings = settings
        backend = build_backend(settings, aws=aws, local_queue_delay=self.queue_delay)
        self.backend = backend
        if not restored:
            sandbox_instance = AmcInstance(
                instance_id=SANDBOX_INSTANCE_ID,
                name="AMC sandbox",
                advertiser_id=SANDBOX_ADVERTISER_ID,
                marketplace_id=SANDBOX_MARKETPLACE_ID,
                data_upload_aws_account_id=SANDBOX_DATA_UPLOAD_ACCOUNT_ID,
                tags=["sandbox"],
            )
            backend.settings_repo.put_instance(sandbox_instance)
            apply_bucket_policy(aws.s3, names.artifact_bucket, [SANDBOX_DATA_UPLOAD_ACCOUNT_ID])

        app = create_app(settings, backend=backend)
        add_security_headers(app)
        mount_web(app, self.web_dist, self.runtime_config())
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        server, sock = self._server, self._socket
        self._spawn("amc-local-api", lambda: server.run(sockets=[sock]))
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local API did not start on {self.url}")
            time.sleep(0.02)
        self._spawn("amc-local-refresher", self._refresh_loop)
        if self.snapshot_interval > 0:
            self._spawn("amc-local-snapshot", self._snapshot_loop)
        logger.info("local stack up", extra={"url": self.url})
        return self

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _admin_user(self, aws: AwsClients, pool_id: str, group: str) -> AdminLogin:
        path = self.state_dir / "admin-login.json"
        created = False
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            username, password = str(data["username"]), str(data["password"])
        else:
            username, password = ADMIN_USERNAME, generate_password()
            persist._private(path, json.dumps({"username": username, "password": password}))
            created = True
        ensure_user(aws, pool_id, username, password, groups=(group,))
        return AdminLogin(username, password, created)

    def runtime_config(self) -> dict[str, Any]:
        s = self.settings
        return {
            "apiBaseUrl": self.url,
            "authMode": "local",
            "region": REGION,
            "userPoolId": s.cognito_user_pool_id,
            "userPoolClientId": s.cognito_client_id,
            "hostedUiDomain": "",
            "redirectUri": f"{self.url}/",
            "dataBucket": s.data_bucket,
        }

    def _refresh_loop(self) -> None:
        assert self.backend is not None
        while not self._stop.wait(self.refresh_interval):
            try:
                self.backend.jobs.scan_for_new_objects()
                self.backend.jobs.refresh()
            except Exception as exc:
                logger.warning("status refresh failed", extra={"error_type": type(exc).__name__})

    def _snapshot_loop(self) -> None:
        while not self._stop.wait(self.snapshot_interval):
            self.snapshot()

    def snapshot(self) -> None:
        if self.backend is None or self._moto is None:
            return
        with self._snapshot_lock:
            try:
                persist.save(self.backend.aws, self.names, self.state_dir / "aws")
            except Exception as exc:
                logger.warning("state snapshot failed", extra={"error_type": type(exc).__name__})

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.should_exit = True
        if self.backend is not None:
            runner = self.backend.runner
            if isinstance(runner, LocalJobRunner):
                runner.shutdown()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        self.snapshot()
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
