"""examples/pandas_quickstart.ipynb runs end to end in a real kernel (the venv's Python), so the docs cannot
rot: the report shows the repaired ZIPs and the flagged phones, and the staged manifest exists."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KERNEL = "amc-uploader-venv"


def _outputs(cell: Any, kind: str) -> str:
    """All text of one MIME type (`text/plain`, `text/html`) or of the stream outputs (`stream`)."""
    parts = []
    for output in cell.get("outputs", []):
        if kind == "stream" and output["output_type"] == "stream":
            parts.append(output["text"])
        elif kind != "stream" and output["output_type"] in ("execute_result", "display_data"):
            parts.append(output["data"].get(kind, ""))
    return "".join(parts)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_pandas_quickstart_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work)
    # A kernel spec of this interpreter, so no other Jupyter kernel on the machine is picked up.
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec_dir / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"}), encoding="utf-8"
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))

    notebook = nbformat.read(work / "pandas_quickstart.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        notebook, kernel_name=KERNEL, timeout=60, resources={"metadata": {"path": str(work)}}
    )
    client.execute()
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.get("outputs") is not None for c in cells)
    errors = [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []

    dtypes = _outputs(cells[0], "text/plain")
    assert re.search(r"zip\s+int64", dtypes) and re.search(r"phone\s+float64", dtypes)
    report_cell = next(c for c in cells if c.source.startswith("report = "))
    report_html = _outputs(report_cell, "text/html")
    assert "12 rows, 6 PII columns" in report_html
    assert "zip.zero_padded: 10" in report_html  # every Boston-area ZIP lost its leading zero
    assert "phone.float: 11" in report_html
    assert "email.no_at: 1" in report_html and "phone.not_possible: 1" in report_html
    reasons = _outputs(next(c for c in cells if "to_pandas(reasons=True)" in c.source), "text/plain")
    assert "zip.zero_padded" in reasons

    stage_output = _outputs(next(c for c in cells if "run_job(" in c.source), "stream")
    assert "staged 12 rows for instance staged" in stage_output
    manifest = Path(re.search(r"manifest: (\S+)", stage_output).group(1))  # type: ignore[union-attr]
    assert manifest.is_file()
    assert manifest.is_relative_to(tmp_path)
    listed = [line for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert listed and all((manifest.parent / Path(line).name).exists() for line in listed)
