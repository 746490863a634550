"""A whole lifecycle at DEBUG (amc_client, httpx, httpcore, the sandbox, uvicorn): no client secret,
refresh token, access token, authorization code, PKCE verifier or clear-text PII in any log record or
in any error message raised on the way."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from amc_client import (
    AmcClient,
    AmcError,
    InMemoryCredentialStore,
    LwaTokenProvider,
    RetryPolicy,
    StaticTokenProvider,
    UploadRequest,
    build_dataset,
    generate_pkce,
    generate_state,
)
from amc_sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_INSTANCE_ID, SandboxServer
from tests.client.sandbox_helpers import (
    EMAILS,
    PURCHASE_COLUMNS,
    make_bucket,
    purchase_rows,
    sandbox_settings,
    stage_csv,
    unique,
)

LOGGERS = [
    "",
    "amc_client",
    "httpx",
    "httpcore",
    "amc_sandbox",
    "uvicorn",
    "uvicorn.error",
    "botocore",
]


class RecordingTransport(httpx.HTTPTransport):
    """Real HTTP; remembers every bearer token sent and every token/code the server handed out."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            self.secrets.add(auth.removeprefix("Bearer "))
        if request.url.path.endswith("/auth/o2/token"):
            form = parse_qs(request.content.decode())
            for key in ("code", "code_verifier", "refresh_token", "client_secret"):
                self.secrets.update(form.get(key, []))
        response = super().handle_request(request)
        if request.url.path.endswith("/auth/o2/token"):
            response.read()
            try:
                body = json.loads(response.content)
            except ValueError:
                body = {}
            for key in ("access_token", "refresh_token"):
                if isinstance(body, dict) and body.get(key):
                    self.secrets.add(str(body[key]))
        return response


def test_lifecycle_logs_no_secret(
    amc_sandbox_clean: SandboxServer, moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = amc_sandbox_clean
    transport = RecordingTransport()
    errors: list[str] = []
    retry = RetryPolicy(sleep=lambda s: None, max_attempts=3)

    # Consent + code exchange with PKCE, then the refresh token obtained that way.
    store = InMemoryCredentialStore(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)
    settings = sandbox_settings(sandbox)
    http = httpx.Client(transport=transport)
    provider = LwaTokenProvider(store, token_url=sandbox.token_url, http_client=http, retry=retry)
    client = AmcClient(settings, transport=transport, retry=retry, token_provider=provider)
    pkce, state = generate_pkce(), generate_state()
    redirect = http.get(
        client.consent_url("http://localhost:9/cb", state=state, code_challenge=pkce.challenge)
    )
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    # Capture from here: the GET above plays the browser (its redirect carries the code by design).
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    transport.secrets.update({code, pkce.verifier.get_secret_value(), SANDBOX_CLIENT_SECRET})
    provider.exchange_code(code, "http://localhost:9/cb", code_verifier=pkce.verifier)
    refresh = store.load().refresh_token
    assert refresh is not None
    transport.secrets.add(refresh.get_secret_value())

    bucket = unique("logs").replace("_", "-")
    s3 = make_bucket(moto_endpoint, bucket)
    dataset_id = unique("logged")
    ic = client.for_instance()
    ic.create_dataset(build_dataset(dataset_id, PURCHASE_COLUMNS, country_code="US"))
    manifest = stage_csv(
        s3,
        bucket,
        f"amc/{dataset_id}/j/{SANDBOX_INSTANCE_ID}",
        purchase_rows(bad_rows=1),
        SANDBOX_INSTANCE_ID,
    )
    sandbox.inject(method="POST", path_regex=f"/uploads/{dataset_id}$", status=500, count=1)
    sandbox.inject(method="POST", path_regex="/uploads/list$", status=429, retry_after=0, count=1)
    upload = ic.create_upload(dataset_id, UploadRequest.from_manifest(bucket, manifest, country_code="US"))
    sandbox.expire_access_tokens()  # forces a 401 and a refresh
    done = ic.wait_for_upload(dataset_id, upload.upload_id, timeout=30, poll=0.05, max_poll=0.2)
    assert done.succeeded

    # Failures on the way: a forged token, a bad refresh token at LwA, a validation error.
    for action in (
        lambda: AmcClient(
            settings,
            transport=transport,
            token_provider=StaticTokenProvider(SANDBOX_CLIENT_ID, "Atza|forged-token-value"),
        ).list_accounts(),
        lambda: LwaTokenProvider(
            InMemoryCredentialStore(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, "Atzr|bogus-refresh-value"),
            token_url=sandbox.token_url,
            http_client=http,
        ).get_access_token(),
        lambda: ic.get_dataset("no_such_dataset"),
    ):
        with pytest.raises(AmcError) as info:
            action()
        errors.append(str(info.value) + repr(info.value))
    transport.secrets.update({"Atza|forged-token-value", "Atzr|bogus-refresh-value", "forged-token-value"})
    ic.delete_dataset(dataset_id)
    client.close()
    http.close()

    assert len(transport.secrets) >= 6
    records = caplog.records
    assert any(r.name.startswith("httpx") for r in records) and any(
        r.name.startswith("httpcore") for r in records
    )
    assert any(r.name.startswith("amc_client") for r in records)
    texts = [r.getMessage() + (r.exc_text or "") for r in records] + [caplog.text] + errors
    # Whole values and any 12-character slice of them (a truncated token is still a leak).
    forbidden = set(EMAILS)
    for secret in (s for s in transport.secrets if len(s) >= 6):
        forbidden.add(secret)
        forbidden.update(secret[i : i + 12] for i in range(max(1, len(secret) - 11)))
    forbidden -= {"Atza|", "Atzr|"}
    joined = "\n".join(texts)
    leaks = {s for s in forbidden if s in joined}
    assert not leaks, f"{len(leaks)} secret value(s) leaked into logs/errors"
