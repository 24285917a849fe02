"""Every notebook under docs/ runs from top to bottom without an error, as a reader runs it:
a fresh kernel, the notebook's own folder as the working directory, this checkout's packages."""
import functools
import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs").rglob("*.ipynb"))
MISSING = [m for m in ("nbclient", "nbformat", "ipykernel") if importlib.util.find_spec(m) is None]
needs_jupyter = pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)} "
                                   "(pip install -e '.[docs]')")


@functools.lru_cache(maxsize=None)  # each notebook runs once per test session
def execute(path):
    import nbformat
    from nbclient import NotebookClient

    with pytest.MonkeyPatch.context() as mp:
        # the kernel inherits this environment: it imports this checkout's autograd and nn
        mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            mp.setenv(var, "1")  # tests run side by side: BLAS threads fighting for cores only slow it
        nb = nbformat.read(path, as_version=4)
        # a failing cell raises CellExecutionError, which shows the cell and its traceback
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def test_docs_has_the_chapter_5_tutorial():
    assert ROOT / "docs" / "tutorial_chapter5.ipynb" in NOTEBOOKS
    assert "docs/tutorial_chapter5.ipynb" in (ROOT / "README.md").read_text(encoding="utf-8")


@needs_jupyter
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_runs_without_errors(path):
    nb = execute(path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []


@needs_jupyter
def test_the_tutorial_draws_graphs_and_curves():
    nb = execute(ROOT / "docs" / "tutorial_chapter5.ipynb")
    shown = [set(o.get("data", {})) for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    texts = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    kind = "image/svg+xml" if any("image/svg+xml" in s for s in shown) else "text/plain"
    assert sum(kind in s for s in shown) >= 2  # the graphs: inline SVG, or DOT text without dot
    assert any("image/png" in s for s in shown)  # the training curves
    assert "dApple: 2.2" in texts and "backprop 8.0 vs numerical 12.0" in texts
    assert "110.00000000000001 2.2 3.3000000000000003 165.0 650" in texts  # the book's layers, as written
