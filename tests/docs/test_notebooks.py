"""Every notebook under docs/ runs from top to bottom without an error, as a reader runs it:
a fresh kernel, the notebook's own folder as the working directory, this checkout's packages."""
import functools
import json
import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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


def test_docs_has_the_chapter_5_and_7_tutorials():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("tutorial_chapter5.ipynb", "tutorial_chapter7.ipynb"):
        assert ROOT / "docs" / name in NOTEBOOKS and f"docs/{name}" in readme


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebooks_are_committed_with_their_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["execution_count"] for c in code), "run every cell before committing"
    shown = {k for c in code for o in c["outputs"] for k in o.get("data", {})}
    assert "image/svg+xml" in shown and "text/html" in shown  # the graphs and the players


@needs_jupyter
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_runs_without_errors(path):
    nb = execute(path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []


def outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


@needs_jupyter
def test_the_chapter_5_tutorial_shows_the_books_figures_and_trains():
    nb = execute(ROOT / "docs" / "tutorial_chapter5.ipynb")
    shown = outputs(nb)
    texts = "".join(o.get("text", "") for o in shown)
    svgs = [o["data"]["image/svg+xml"] for o in shown if "image/svg+xml" in o.get("data", {})]
    players = [o["data"]["text/html"] for o in shown if "ag-player" in o.get("data", {}).get("text/html", "")]
    assert len(svgs) >= 4 and len(players) >= 3 and any("image/png" in o.get("data", {}) for o in shown)
    for figure in svgs[:2]:  # figure 5-17, from Tensors and from the book's layers
        for word in ("apple_price", "all_price", "grad 110.00000000000001", "grad 650.0", "715.0000000000001"):
            assert word in figure
        assert "freed" not in figure
    assert "Mul: dx = dout * y = 1.1 * 2 = 2.2" in players[1]
    assert "dApple: 2.2" in texts and "110.00000000000001 2.2 3.3000000000000003 165.0 650" in texts
    assert "W1: mean difference" in texts
    final = float(re.findall(r"test acc (\d\.\d+)", texts)[-1])
    assert final > 0.85  # the book's loop on the bundled digits learns


@needs_jupyter
def test_the_chapter_7_tutorial_records_and_trains_the_convnet():
    nb = execute(ROOT / "docs" / "tutorial_chapter7.ipynb")
    shown = outputs(nb)
    texts = "".join(o.get("text", "") for o in shown)
    assert any("Conv2d" in o.get("data", {}).get("image/svg+xml", "") for o in shown)
    assert any("MaxPool2d: dx" in o.get("data", {}).get("text/html", "") for o in shown)
    assert float(re.findall(r"test accuracy (\d\.\d+)", texts)[-1]) > 0.6
