"""docs/sequel_rnn_to_seq2seq.ipynb: the sequel's notebook runs (tests/docs/test_notebooks.py runs every
notebook) and shows what it says: the engine's gradients equal the book's and finite differences."""
import re

from tests.docs.test_notebooks import ROOT, execute, needs_jupyter

PATH = ROOT / "docs" / "sequel_rnn_to_seq2seq.ipynb"


@needs_jupyter
def test_the_sequel_notebook_checks_each_layer_and_draws_the_curves():
    nb = execute(PATH)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    texts = "".join(o.get("text", "") for o in outputs)
    assert texts.count("equal: True") == 3 and "equal: False" not in texts
    errors = [float(e) for e in re.findall(r"vs finite differences:\s*([0-9.e+-]+)", texts)]
    assert len(errors) == 5 and max(errors) < 1e-6
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2  # gradient reach, training loss
    assert "exact-match accuracy on 200 test questions" in texts


def test_the_sequel_notebook_records_two_steps_of_an_rnn_and_plays_them():
    """BPTT watched: the record shows both steps named after the variables, the weights used by
    both steps with their gradients, and a player of the forward and backward frames."""
    import json
    cells = json.loads(PATH.read_text(encoding="utf-8"))["cells"]
    start = next(i for i, c in enumerate(cells) if "".join(c["source"]).startswith("## Watching BPTT"))
    shown = [o.get("data", {}) for c in cells[start:start + 4] if c["cell_type"] == "code" for o in c["outputs"]]
    svg = next("".join(d["image/svg+xml"]) for d in shown if "image/svg+xml" in d)
    assert all(name in svg for name in ("h1", "h2", "W_x", "W_h", "b_h")) and svg.count("grad") >= 8
    html = next("".join(d["text/html"]) for d in shown if "text/html" in d)
    assert "MatMul" in html and "Tanh" in html
