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


def _imported_packages(package: str) -> dict[str, set[str]]:
    """Every top-level package each module of `src/<package>` imports (lazy and TYPE_CHECKING imports too)."""
    import ast

    found: dict[str, set[str]] = {}
    for path in sorted((REPO_ROOT / "src" / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
        found[str(path.relative_to(REPO_ROOT))] = names
    return found


# The arrows point one way: the job uses the client and the library; the client and the library never
# know the job; the sandbox (a development server) is known by nothing but the CLI and the local stack.
_FORBIDDEN = {
    "amc_normalize": {"amc_client", "amc_uploader", "amc_sandbox"},
    "amc_client": {"amc_uploader", "amc_sandbox"},
}


def test_imports_point_one_way() -> None:
    offenders = {
        module: sorted(imports & _FORBIDDEN[package])
        for package in _FORBIDDEN
        for module, imports in _imported_packages(package).items()
        if imports & _FORBIDDEN[package]
    }
    assert offenders == {}


def test_only_the_cli_and_the_local_stack_start_the_sandbox() -> None:
    users = sorted(
        module for module, imports in _imported_packages("amc_uploader").items() if "amc_sandbox" in imports
    )
    assert users == ["src/amc_uploader/commands/sandbox_cmd.py", "src/amc_uploader/local/stack.py"]
