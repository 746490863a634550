"""The one mapping of errors to HTTP answers: every domain error class has a status, and domain code
raises domain errors, never HTTP errors."""

from __future__ import annotations

import ast
import inspect
from importlib import import_module

import pytest

from amc_uploader.api import domain_errors, errors
from amc_uploader.api.domain_errors import DomainError
from amc_uploader.api.errors import DOMAIN_STATUS, ApiError, domain_status, to_api_error

# Modules of domain code: they may describe errors, never raise an HTTP one.
DOMAIN_MODULES = [
    "amc_uploader.api.amc_gateway",
    "amc_uploader.api.engine",
    "amc_uploader.api.erasure_service",
    "amc_uploader.api.policy",
    "amc_uploader.api.preview",
    "amc_uploader.api.repositories",
    "amc_uploader.api.service",
]


def _tree(cls: type[DomainError]) -> list[type[DomainError]]:
    out: list[type[DomainError]] = []
    for sub in cls.__subclasses__():
        out += [sub, *_tree(sub)]
    return out


def _product_classes() -> list[type[DomainError]]:
    return [c for c in _tree(DomainError) if c.__module__.startswith("amc_uploader.")]


def test_every_domain_error_class_has_a_status() -> None:
    classes = _product_classes()
    assert classes, "no domain errors found"
    missing = [c.__name__ for c in classes if c not in DOMAIN_STATUS]
    assert not missing, f"domain errors without an HTTP status in api.errors.DOMAIN_STATUS: {missing}"
    assert set(DOMAIN_STATUS) == set(classes)
    assert all(400 <= status < 500 for status in DOMAIN_STATUS.values())


def test_every_domain_error_class_has_its_own_code() -> None:
    codes = [c.code for c in _product_classes()]
    assert len(set(codes)) == len(codes)
    assert DomainError.code not in codes


def test_every_domain_error_is_exported() -> None:
    exported = {getattr(domain_errors, name) for name in domain_errors.__all__}
    assert set(_product_classes()) <= exported


def test_an_unmapped_domain_error_is_an_internal_error() -> None:
    class Unmapped(DomainError):
        code = "unmapped"

    assert domain_status(Unmapped) is None
    assert to_api_error(Unmapped("x")) is None


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (domain_errors.NotFound("Nothing here.", code="thing_not_found"), 404, "thing_not_found"),
        (domain_errors.JobNotFound("j"), 404, "job_not_found"),
        (domain_errors.InstanceNotFound("i"), 404, "instance_not_found"),
        (domain_errors.JobInstanceNotFound("j", "i"), 404, "job_instance_not_found"),
        (domain_errors.TriggerNotFound("r"), 404, "trigger_not_found"),
        (domain_errors.SourceFileNotFound("b", "in/a.csv"), 404, "file_not_found"),
        (domain_errors.NotAStagedManifestError("k is not a staged manifest key."), 404, "not_a_manifest"),
        (domain_errors.AlreadyExists("The item already exists."), 409, "already_exists"),
        (domain_errors.Conflict("Too late.", code="too_late"), 409, "too_late"),
        (domain_errors.ConcurrentChange("j"), 409, "busy"),
        (domain_errors.UploadInProgressError("Leased."), 409, "upload_in_progress"),
        (domain_errors.InvalidRequest("Invalid job: x", code="invalid_job"), 422, "invalid_job"),
        (domain_errors.BucketPolicyRejectedError("S3 refused."), 422, "bucket_policy_rejected"),
        (domain_errors.NotConfigured("Connect first.", code="not_connected"), 400, "not_connected"),
    ],
)
def test_domain_error_answer(error: DomainError, status: int, code: str) -> None:
    api = to_api_error(error)
    assert api is not None
    assert (api.status, api.code, api.message) == (status, code, error.message)


def test_messages_name_the_ids() -> None:
    assert domain_errors.SourceFileNotFound("b", "in/a.csv").message == "s3://b/in/a.csv does not exist."
    assert domain_errors.JobInstanceNotFound("j1", "i1").message == "Job j1 has no instance i1."


def _http_error_names() -> set[str]:
    return {
        name for name, value in vars(errors).items() if inspect.isclass(value) and issubclass(value, ApiError)
    }


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_code_raises_no_http_error(module: str) -> None:
    tree = ast.parse(inspect.getsource(import_module(module)))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "amc_uploader.api.errors"
        for alias in node.names
    }
    assert not imported & _http_error_names()
