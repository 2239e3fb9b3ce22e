"""Both notebooks run end to end against the demo's store and feed; their outputs stay stripped in git."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nbdemo")
    subprocess.run(
        [sys.executable, "-m", "sellerwatch.cli", "demo", "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT,
        timeout=600,
    )
    return out


def test_notebooks_are_numbered_and_stripped() -> None:
    assert [p.name[:3] for p in NOTEBOOKS] == ["01-", "02-"]
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        assert all(
            not c.get("outputs") and not c.get("execution_count") for c in cells if c["cell_type"] == "code"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_end_to_end(path: Path, demo_out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLERWATCH_FEED", str(demo_out / "feed"))
    monkeypatch.setenv("SELLERWATCH_DB", f"sqlite:///{demo_out / 'demo.sqlite'}")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type in ("execute_result", "display_data") for o in outputs)
    assert os.environ["SELLERWATCH_FEED"]
