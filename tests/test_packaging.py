"""The base install: the library, the client and the CLI work without any extra, and a feature that needs
one says so in one line. Each case runs in a fresh interpreter in which the extras' modules cannot be
imported (as after `pip install amc-uploader` with no extras)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from amc_normalize.extras import EXTRA_OF_MODULE, MissingExtraError, needs_extra, require
from tests.fixtures.paths import REPO_ROOT

SAMPLE = REPO_ROOT / "src/amc_uploader/samples/data/customers_us.csv"

_BLOCKER = f"""
import importlib.abc, sys
BLOCKED = {sorted(EXTRA_OF_MODULE)!r}
class _NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _NotInstalled())
"""


def _run_base(code: str, *, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _BLOCKER + code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return _run_base(
        f"import sys\nsys.argv = ['amc-uploader', *{list(args)!r}]\n"
        "from amc_uploader.cli import main\nmain()",
        cwd=cwd,
    )


def test_base_imports_load_no_extra() -> None:
    result = _run_base(
        "import sys, amc_normalize, amc_client, amc_uploader.cli, amc_uploader.job\n"
        "loaded = sorted({m.partition('.')[0] for m in sys.modules} & set(BLOCKED))\n"
        "print(loaded)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_cli_help_and_normalize_work_without_extras(tmp_path: Path) -> None:
    assert _cli("--help").returncode == 0
    out = tmp_path / "hashed.csv"
    result = _cli(
        "normalize", str(SAMPLE), str(out), "--country", "US", "--pii", "email=EMAIL", "--pii", "zip=ZIP"
    )
    assert result.returncode == 0, result.stderr
    header, first = out.read_text(encoding="utf-8").splitlines()[:2]
    assert header.startswith("customer_id,first_name")
    assert len(first.split(",")[header.split(",").index("zip")]) == 64


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (
            [
                "run",
                "--input",
                str(SAMPLE),
                "--country",
                "US",
                "--pii",
                "email=EMAIL",
                "--engine",
                "spark",
                "--dataset-id",
                "customers",
                "--dry-run",
            ],
            "spark",
        ),
        (
            [
                "run",
                "--input",
                "s3://bucket/customers.csv",
                "--country",
                "US",
                "--pii",
                "email=EMAIL",
                "--dataset-id",
                "customers",
                "--dry-run",
            ],
            "aws",
        ),
        (["sandbox", "--port", "0"], "sandbox"),
        (["serve", "--port", "0"], "api"),
        (["demo"], "api"),
    ],
)
def test_a_command_needing_an_extra_says_which_in_one_line(args: list[str], extra: str) -> None:
    result = _cli(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"pip install 'amc-uploader[{extra}]'" in lines[0]
    assert "Traceback" not in result.stderr


def test_require_and_needs_extra_name_the_extra() -> None:
    with pytest.raises(MissingExtraError, match=r"pip install 'amc-uploader\[spark\]'"):
        require("pyspark.not_a_module_of_pyspark")
    with (
        pytest.raises(MissingExtraError, match=r"the sandbox needs the 'sandbox' extra"),
        needs_extra("sandbox", "the sandbox"),
    ):
        raise ModuleNotFoundError("No module named 'fastapi'", name="fastapi")
    with pytest.raises(ModuleNotFoundError), needs_extra("sandbox"):  # not an extra's module: left alone
        raise ModuleNotFoundError("No module named 'nope'", name="nope")


@pytest.mark.parametrize(
    ("module", "extra"), [("amc_normalize.pandas", "pandas"), ("amc_normalize.spark", "spark")]
)
def test_an_adapter_without_its_extra_names_it(module: str, extra: str) -> None:
    result = _run_base(f"import {module}")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith(f"{module} needs the '{extra}' extra: pip install 'amc-uploader[{extra}]'")
    )
