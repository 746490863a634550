"""Shared fixtures: each group lives in tests/fixtures/ and is loaded here."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures.paths",
    "tests.fixtures.aws",
    "tests.fixtures.spark",
    "tests.fixtures.sandbox",
]
