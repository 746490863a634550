"""Shared fixtures: each group lives in tests/fixtures/ and is loaded here."""

from __future__ import annotations

import os

from hypothesis import settings

pytest_plugins = [
    "tests.fixtures.paths",
    "tests.fixtures.aws",
    "tests.fixtures.spark",
    "tests.fixtures.sandbox",
]

# CI replays the same examples on every run (a landing must not hinge on luck); local runs keep exploring
# new ones, and a failure prints the blob that reproduces it.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))
