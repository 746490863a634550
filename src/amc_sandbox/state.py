"""The sandbox's state: accounts, instances, data sets, uploads, tokens; persisted as JSON files.

Two files in the state directory, rewritten atomically (temp file + rename) after every change:
`state.json` (accounts, instances, data sets, uploads, deletion requests, settings) and `auth.json`
(refresh tokens, access tokens and authorization codes, stored as SHA-256 digests only, never in clear).
Everything is guarded by one re-entrant lock: request handlers and the upload worker share it.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from amc_client.models import FAILURE_STATUSES, SUCCESS_STATUSES, UploadStatus
from amc_sandbox import datastore, schema
from amc_sandbox.constants import (
    AUTH_CODE_LIFETIME,
    DEFAULT_TOKEN_LIFETIME,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_REFRESH_TOKEN,
    instance_record,
    seed_accounts,
    seed_instances,
)
from amc_sandbox.errors import LwaError, SandboxApiError, bad_request, conflict, not_found

STATE_FILE: Final = "state.json"
AUTH_FILE: Final = "auth.json"
STATE_VERSION: Final = 1
DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 1000
TERMINAL_UPLOAD_STATUSES: Final = SUCCESS_STATUSES | FAILURE_STATUSES


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def iso_now(now: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    text = value.strip().replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A stored record without its private (underscore) fields, deep-copied for the response."""
    return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}


def encode_token(seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": seq}).encode()).decode().rstrip("=")


def decode_token(token: str | None) -> int | None:
    if token is None or token == "":
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        seq = value["after"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise bad_request("Invalid nextToken") from exc
    if not isinstance(seq, int):
        raise bad_request("Invalid nextToken")
    return seq


def page_size(value: str | None, default: int = DEFAULT_PAGE_SIZE) -> int:
    if value is None or value == "":
        return default
    try:
        size = int(value)
    except ValueError as exc:
        raise bad_request(f"maxResults must be an integer between 1 and {MAX_PAGE_SIZE}") from exc
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_request(f"maxResults must be an integer between 1 and {MAX_PAGE_SIZE}")
    return size


def paginate(
    records: list[dict[str, Any]], next_token: str | None, max_results: int, *, descending: bool = False
) -> tuple[list[dict[str, Any]], str | None]:
    """Cursor pagination over records carrying a monotonic `_seq`; stable while records are added."""
    after = decode_token(next_token)
    ordered = sorted(records, key=lambda r: int(r["_seq"]), reverse=descending)
    if after is not None:
        ordered = [r for r in ordered if (r["_seq"] < after if descending else r["_seq"] > after)]
    page = ordered[:max_results]
    token = encode_token(int(page[-1]["_seq"])) if len(ordered) > max_results else None
    return page, token


class SandboxState:
    """Thread-safe sandbox state bound to a directory."""

    def __init__(self, state_dir: Path, *, token_lifetime: int | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self._data: dict[str, Any] = {}
        self._auth: dict[str, Any] = {}
        self._load()
        if token_lifetime is not None:
            self.token_lifetime = token_lifetime

    def _seed_data(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "seq": 0,
            "config": {"token_lifetime": DEFAULT_TOKEN_LIFETIME, "consent": "approve"},
            "clients": {SANDBOX_CLIENT_ID: digest(SANDBOX_CLIENT_SECRET)},
            "accounts": seed_accounts(),
            "instances": {i["instanceId"]: i for i in seed_instances()},
            "datasets": {},
            "uploads": {},
            "deletions": {},
        }

    def _seed_auth(self) -> dict[str, Any]:
        return {
            "refresh_tokens": {digest(SANDBOX_REFRESH_TOKEN): {"client_id": SANDBOX_CLIENT_ID}},
            "access_tokens": {},
            "codes": {},
        }

    def _load(self) -> None:
        with self.lock:
            state_path = self.state_dir / STATE_FILE
            auth_path = self.state_dir / AUTH_FILE
            self._data = (
                json.loads(state_path.read_text("utf-8")) if state_path.exists() else self._seed_data()
            )
            self._auth = json.loads(auth_path.read_text("utf-8")) if auth_path.exists() else self._seed_auth()
            self._save()

    def _write(self, name: str, payload: dict[str, Any]) -> None:
        path = self.state_dir / name
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(payload, indent=1, sort_keys=True), "utf-8")
        os.replace(tmp, path)

    def _save(self) -> None:
        self._write(STATE_FILE, self._data)
        self._save_auth()

    def _save_auth(self) -> None:
        now = time.time()
        self._auth["access_tokens"] = {
            k: v for k, v in self._auth["access_tokens"].items() if v["expires_at"] > now
        }
        self._auth["codes"] = {k: v for k, v in self._auth["codes"].items() if v["expires_at"] > now}
        self._write(AUTH_FILE, self._auth)

    def reset(self, *, tokens: bool = False) -> None:
        """Back to the seeded state; issued tokens survive unless `tokens` is true."""
        with self.lock:
            self._data = self._seed_data()
            datastore.drop_all(self.state_dir)
            if tokens:
                self._auth = self._seed_auth()
            self._save()

    def _next_seq(self) -> int:
        self._data["seq"] = int(self._data["seq"]) + 1
        return int(self._data["seq"])

    @property
    def token_lifetime(self) -> int:
        return int(self._data["config"]["token_lifetime"])

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        if seconds < 1:
            raise ValueError("token lifetime must be at least 1 second")
        with self.lock:
            self._data["config"]["token_lifetime"] = int(seconds)
            self._save()

    @property
    def consent_mode(self) -> str:
        return str(self._data["config"].get("consent", "approve"))

    @consent_mode.setter
    def consent_mode(self, mode: str) -> None:
        if mode not in {"approve", "deny"}:
            raise ValueError("consent mode must be 'approve' or 'deny'")
        with self.lock:
            self._data["config"]["consent"] = mode
            self._save()

    def is_client(self, client_id: str | None) -> bool:
        return client_id is not None and client_id in self._data["clients"]

    def _check_client(self, client_id: str | None, client_secret: str | None) -> str:
        expected = self._data["clients"].get(client_id or "")
        if (
            not client_id
            or client_secret is None
            or expected is None
            or not secrets.compare_digest(expected, digest(client_secret))
        ):
            raise LwaError(401, "invalid_client", "Client authentication failed")
        return client_id

    def issue_code(
        self,
        client_id: str,
        redirect_uri: str,
        scope: str,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> str:
        code = "ANsandbox" + secrets.token_urlsafe(18)
        with self.lock:
            self._auth["codes"][digest(code)] = {
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": scope,
                "code_challenge": code_challenge,
                "code_challenge_method": code_challenge_method,
                "expires_at": time.time() + AUTH_CODE_LIFETIME,
            }
            self._save_auth()
        return code

    def _issue_access_token(self, client_id: str) -> tuple[str, int]:
        token = "Atza|sandbox-" + secrets.token_urlsafe(32)
        lifetime = self.token_lifetime
        self._auth["access_tokens"][digest(token)] = {
            "client_id": client_id,
            "expires_at": time.time() + lifetime,
        }
        return token, lifetime

    def exchange_code(
        self,
        client_id: str | None,
        client_secret: str | None,
        code: str | None,
        redirect_uri: str | None,
        code_verifier: str | None,
    ) -> dict[str, Any]:
        """authorization_code grant (A.2); codes are single-use and expire after 5 minutes."""
        with self.lock:
            client = self._check_client(client_id, client_secret)
            if not code or not redirect_uri:
                raise LwaError(
                    400, "invalid_request", "The request is missing a required parameter : code/redirect_uri"
                )
            record = self._auth["codes"].pop(digest(code), None)
            self._save_auth()
            invalid = LwaError(400, "invalid_grant", "The request has an invalid parameter : code")
            if record is None or record["expires_at"] <= time.time() or record["client_id"] != client:
                raise invalid
            if record["redirect_uri"] != redirect_uri:
                raise LwaError(400, "invalid_grant", "The request has an invalid parameter : redirect_uri")
            challenge = record.get("code_challenge")
            if challenge:
                if not code_verifier:
                    raise LwaError(
                        400, "invalid_grant", "The request has an invalid parameter : code_verifier"
                    )
                if (record.get("code_challenge_method") or "plain").upper() == "S256":
                    computed = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest())
                    computed_text = computed.decode().rstrip("=")
                else:
                    computed_text = code_verifier
                if not secrets.compare_digest(computed_text, challenge):
                    raise LwaError(
                        400, "invalid_grant", "The request has an invalid parameter : code_verifier"
                    )
            refresh = "Atzr|sandbox-" + secrets.token_urlsafe(32)
            self._auth["refresh_tokens"][digest(refresh)] = {"client_id": client}
            access, lifetime = self._issue_access_token(client)
            self._save_auth()
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": lifetime,
        }

    def refresh(
        self, client_id: str | None, client_secret: str | None, refresh_token: str | None
    ) -> dict[str, Any]:
        """refresh_token grant (A.2): returns the same refresh token again."""
        with self.lock:
            client = self._check_client(client_id, client_secret)
            if not refresh_token:
                raise LwaError(
                    400, "invalid_request", "The request is missing a required parameter : refresh_token"
                )
            record = self._auth["refresh_tokens"].get(digest(refresh_token))
            if record is None or record["client_id"] != client:
                raise LwaError(
                    400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
                )
            access, lifetime = self._issue_access_token(client)
            self._save_auth()
        return {
            "access_token": access,
            "refresh_token": refresh_token,
            "token_type": "bearer",
            "expires_in": lifetime,
        }

    def revoke_refresh_tokens(self) -> None:
        """Simulate the user revoking consent: every refresh token stops working."""
        with self.lock:
            self._auth["refresh_tokens"] = {}
            self._save_auth()

    def expire_access_tokens(self) -> int:
        """Make every issued access token expired now; returns how many there were."""
        with self.lock:
            count = len(self._auth["access_tokens"])
            self._auth["access_tokens"] = {}
            self._save_auth()
        return count

    def check_access_token(self, token: str) -> str:
        """The client id the bearer token was issued to, or a 401."""
        with self.lock:
            record = self._auth["access_tokens"].get(digest(token))
        if record is None:
            raise SandboxApiError(401, "UNAUTHORIZED", "Invalid access token")
        if record["expires_at"] <= time.time():
            raise SandboxApiError(401, "UNAUTHORIZED", "Access token has expired")
        return str(record["client_id"])

    def accounts(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(a) for a in self._data["accounts"]]

    def account(self, account_id: str) -> dict[str, Any] | None:
        return next((a for a in self.accounts() if a["accountId"] == account_id), None)

    def instances_for(self, account_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                copy.deepcopy(i) for i in self._data["instances"].values() if i["_accountId"] == account_id
            ]

    def instance(self, instance_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self._data["instances"].get(instance_id)
            return copy.deepcopy(found) if found else None

    def add_instance(
        self,
        instance_id: str,
        *,
        account_id: str,
        marketplace_id: str,
        data_upload_account_id: str,
        name: str = "",
        ads_account_id: str | None = None,
    ) -> dict[str, Any]:
        """Register an extra instance (admin API), creating its account when new."""
        with self.lock:
            if not any(a["accountId"] == account_id for a in self._data["accounts"]):
                self._data["accounts"].append(
                    {
                        "accountId": account_id,
                        "accountName": name or account_id,
                        "marketplaceId": marketplace_id,
                    }
                )
            record = instance_record(
                instance_id, name or instance_id, account_id, marketplace_id, data_upload_account_id
            )
            if ads_account_id:
                record["_adsAccountId"] = ads_account_id
            self._data["instances"][instance_id] = record
            self._save()
            return copy.deepcopy(record)

    def _datasets(self, instance_id: str) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = self._data["datasets"].setdefault(instance_id, {})
        return result

    def list_datasets(self, instance_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(d) for d in self._datasets(instance_id).values()]

    def get_dataset(self, instance_id: str, dataset_id: str) -> dict[str, Any]:
        with self.lock:
            found = self._datasets(instance_id).get(dataset_id)
            if found is None:
                raise not_found(f"Data set {dataset_id} not found in instance {instance_id}")
            return copy.deepcopy(found)

    def has_dataset(self, instance_id: str, dataset_id: str) -> bool:
        with self.lock:
            return dataset_id in self._datasets(instance_id)

    def create_dataset(self, instance_id: str, dataset: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            datasets = self._datasets(instance_id)
            if dataset["dataSetId"] in datasets:
                raise conflict(f"Data set {dataset['dataSetId']} already exists in instance {instance_id}")
            if len(datasets) >= schema.MAX_DATASETS_PER_INSTANCE:
                raise bad_request(f"An instance holds at most {schema.MAX_DATASETS_PER_INSTANCE} data sets")
            now = iso_now()
            record = {**dataset, "owner": "CUSTOMER", "createdTime": now, "updatedTime": now}
            record["_seq"] = self._next_seq()
            datasets[dataset["dataSetId"]] = record
            self._save()
            return copy.deepcopy(record)

    def update_dataset(
        self, instance_id: str, dataset_id: str, mutate: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        """Apply `mutate` to a copy of the stored data set; store it only if `mutate` does not raise."""
        with self.lock:
            current = self.get_dataset(instance_id, dataset_id)
            mutate(current)
            current["updatedTime"] = iso_now()
            self._datasets(instance_id)[dataset_id] = current
            self._save()
            return copy.deepcopy(current)

    def delete_dataset(self, instance_id: str, dataset_id: str) -> None:
        with self.lock:
            self.get_dataset(instance_id, dataset_id)
            del self._datasets(instance_id)[dataset_id]
            datastore.drop(self.state_dir, instance_id, dataset_id)
            uploads = self._uploads(instance_id)
            for upload_id in [u for u, rec in uploads.items() if rec["dataSetId"] == dataset_id]:
                del uploads[upload_id]
            self._save()

    def _uploads(self, instance_id: str) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = self._data["uploads"].setdefault(instance_id, {})
        return result

    def create_upload(self, instance_id: str, dataset_id: str, request: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.get_dataset(instance_id, dataset_id)
            now = iso_now()
            upload_id = str(uuid.uuid4())
            record: dict[str, Any] = {
                "uploadId": upload_id,
                "dataSetId": dataset_id,
                "instanceId": instance_id,
                "status": UploadStatus.SUBMITTED.value,
                "createdAt": now,
                "updatedAt": now,
                "countryCode": request.get("countryCode"),
                "dataSource": request["dataSource"],
                "fileFormat": request["fileFormat"],
                "compressionFormat": request["compressionFormat"],
                "updateStrategy": request["updateStrategy"],
                "_seq": self._next_seq(),
                "_created": time.time(),
            }
            self._uploads(instance_id)[upload_id] = record
            self._save()
            return copy.deepcopy(record)

    def get_upload(self, instance_id: str, dataset_id: str, upload_id: str) -> dict[str, Any]:
        with self.lock:
            found = self._uploads(instance_id).get(upload_id)
            if found is None or found["dataSetId"] != dataset_id:
                raise not_found(
                    f"Upload {upload_id} not found for data set {dataset_id} in instance {instance_id}"
                )
            return copy.deepcopy(found)

    def find_upload(
        self, instance_id: str, upload_id: str, status: str | None = None
    ) -> dict[str, Any] | None:
        """The upload (any data set), optionally only when in `status`; None otherwise."""
        with self.lock:
            found = self._uploads(instance_id).get(upload_id)
            if found is None or (status is not None and found["status"] != status):
                return None
            return copy.deepcopy(found)

    def list_uploads(self, instance_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(u) for u in self._uploads(instance_id).values()]

    def update_upload(self, instance_id: str, upload_id: str, **fields: Any) -> dict[str, Any] | None:
        """Set fields on an upload (worker); None when the upload (or its data set) was deleted meanwhile."""
        with self.lock:
            found = self._uploads(instance_id).get(upload_id)
            if found is None:
                return None
            found.update(fields)
            found["updatedAt"] = iso_now()
            self._save()
            return copy.deepcopy(found)

    def pending_uploads(self) -> Iterable[tuple[str, str]]:
        """(instance id, upload id) of every upload not yet terminal, oldest first (resumed on restart)."""
        with self.lock:
            pending = [
                (int(u["_seq"]), instance_id, upload_id)
                for instance_id, uploads in self._data["uploads"].items()
                for upload_id, u in uploads.items()
                if u["status"] not in TERMINAL_UPLOAD_STATUSES
            ]
        return [(i, u) for _, i, u in sorted(pending)]

    def _deletions(self, instance_id: str) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = self._data["deletions"].setdefault(instance_id, {})
        return result

    def create_deletion(self, instance_id: str, identity_count: int) -> dict[str, Any]:
        with self.lock:
            request_id = str(uuid.uuid4())
            record = {
                "userDeletionRequestId": request_id,
                "status": "PENDING",
                "identityCount": identity_count,
                "creationDateTime": iso_now(),
                "_seq": self._next_seq(),
                "_created": time.time(),
            }
            self._deletions(instance_id)[request_id] = record
            self._save()
            return copy.deepcopy(record)

    def settle_deletions(self, older_than: float) -> None:
        """Deletion requests older than `older_than` seconds become SUCCEEDED."""
        with self.lock:
            cutoff = time.time() - older_than
            changed = False
            for deletions in self._data["deletions"].values():
                for record in deletions.values():
                    if record["status"] == "PENDING" and record["_created"] <= cutoff:
                        record["status"] = "SUCCEEDED"
                        changed = True
            if changed:
                self._save()

    def list_deletions(self, instance_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(d) for d in self._deletions(instance_id).values()]

    def get_deletion(self, instance_id: str, request_id: str) -> dict[str, Any]:
        with self.lock:
            found = self._deletions(instance_id).get(request_id)
            if found is None:
                raise not_found(f"User deletion request {request_id} not found in instance {instance_id}")
            return copy.deepcopy(found)
