"""The package's import graph: every module imports alone, there is no cycle, and the base package
loads neither pyspark nor pandas (Spark and pandas are optional extras)."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import amc_normalize

PACKAGE = Path(amc_normalize.__file__).parent
MODULES = sorted(f"amc_normalize.{m.name}" for m in pkgutil.iter_modules([str(PACKAGE)]))
OPTIONAL = ("pyspark", "pandas", "pyarrow")
FOREIGN = ("amc_uploader", "amc_client", "amc_sandbox")


def _loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.partition(".")[0] for name in result.stdout.split()}


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_alone(module: str) -> None:
    loaded = _loaded_after_import(module)
    assert not loaded & set(FOREIGN)
    if module not in ("amc_normalize.pandas", "amc_normalize.spark"):
        assert not loaded & set(OPTIONAL)


def test_spark_adapter_imports_without_pyspark() -> None:
    assert "pyspark" not in _loaded_after_import("amc_normalize.spark")


def _imports(path: Path) -> set[str]:
    """amc_normalize modules `path` imports, at module level or inside functions (a lazy import that
    dodges a cycle is still a cycle); imports for type checking only do not count."""
    found: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("amc_normalize"):
            if node.module == "amc_normalize":
                found |= {f"amc_normalize.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("amc_normalize.")}
        pending.extend(ast.iter_child_nodes(node))
    return found & set(MODULES)


def test_import_graph_has_no_cycle() -> None:
    graph = {module: _imports(PACKAGE / f"{module.rpartition('.')[2]}.py") for module in MODULES}
    assert graph["amc_normalize.core"]  # the parser sees imports at all
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        pytest.fail(f"import cycle: {error.args[1]}")
