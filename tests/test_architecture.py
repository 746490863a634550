"""The layout rules anyone can check: which package may import which, and nothing reads outside the repo."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fixtures.paths import REPO_ROOT

_CODE_DIRS = ("src", "tests", "bench", "glue_entry", "deploy/lambdas", "deploy/cdk/amc_infra")


def _code_files() -> list[Path]:
    files: list[Path] = []
    for name in _CODE_DIRS:
        path = REPO_ROOT / name
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


def test_nothing_reads_a_shared_folder_beside_the_checkout() -> None:
    pattern = re.compile(r"\.\./shared|AMC_SHARED_DIR|parents\[\d\]\s*/\s*[\"']shared[\"']")
    offenders = [
        str(p.relative_to(REPO_ROOT))
        for p in _code_files()
        if p != Path(__file__).resolve() and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_conformance_rows_are_in_the_repository() -> None:
    countries = sorted(p.name for p in (REPO_ROOT / "tests/data/conformance").iterdir())
    assert countries == ["ca", "de", "es", "fr", "gb", "in", "it", "jp", "us"]
    assert (REPO_ROOT / "docs/normalization.md").is_file()


def test_amc_client_knows_nothing_of_the_sandbox() -> None:
    """The sandbox is a development server beside the client, never a part of it (issue 10)."""
    pattern = re.compile(r"\bamc_sandbox\b")
    offenders = [
        str(p.relative_to(REPO_ROOT))
        for p in sorted((REPO_ROOT / "src/amc_client").rglob("*.py"))
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert not (REPO_ROOT / "src/amc_client/sandbox").exists()
