import gc
import shutil
import subprocess
import sys
import time
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import autograd.functions as F
from autograd import Tensor, viz
from demos.apple_orange import shop

ROOT = Path(__file__).resolve().parents[2]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed")

LEAVES = {"apple": ("100.0", "2.2"), "apple_num": ("2.0", "110.00000000000001"),
          "orange": ("150.0", "3.3000000000000003"), "orange_num": ("3.0", "165.0"),
          "tax": ("1.1", "650.0")}
INTERMEDIATES = {"apple_price": ("200.0", "1.1"), "orange_price": ("450.0", "1.1"),
                 "all_price": ("650.0", "1.1"), "price": ("715.0000000000001", "1.0")}


def tensor_label(name, value, grad):
    return (f'<b>{name}</b><br/><font point-size="9" color="gray40">float64 ()</font><br/>'
            f'{value}<br/><font color="red">grad {grad}</font>')


def test_apple_orange_dot_has_every_node_value_and_gradient():
    dot = viz.to_dot(shop()["price"])
    assert dot.startswith("digraph autograd {") and dot.rstrip().endswith("}")
    for name, (value, grad) in {**LEAVES, **INTERMEDIATES}.items():
        assert tensor_label(name, value, grad) in dot
    assert dot.count('<font point-size="8">Mul</font>') == 3
    assert dot.count('<font point-size="8">Add</font>') == 1
    assert dot.count(" -> ") == 12  # 2 inputs and 1 output for each of the 4 ops
    assert "rankdir=LR;" in dot
    assert "freed" not in dot


def test_hiding_values_and_gradients():
    price = shop()["price"]
    no_values = viz.to_dot(price, values=False)
    assert "715.0000000000001" not in no_values and "<br/>100.0<br/>" not in no_values
    assert 'grad 110.00000000000001' in no_values
    no_grads = viz.to_dot(price, grads=False)
    assert 'color="red"' not in no_grads and "110.00000000000001" not in no_grads
    assert "715.0000000000001" in no_grads and "<br/>100.0" in no_grads
    bare = viz.to_dot(price, values=False, grads=False)
    for name in {**LEAVES, **INTERMEDIATES}:
        assert f"<b>{name}</b>" in bare
    assert "715" not in bare and 'color="red"' not in bare


def test_layout_direction():
    price = shop()["price"]
    assert "rankdir=LR;" in viz.to_dot(price)
    tb = viz.to_dot(price, rankdir="TB")
    assert "rankdir=TB;" in tb and "rankdir=LR" not in tb
    with pytest.raises(ValueError, match="rankdir"):
        viz.to_dot(price, rankdir="sideways")


def test_gradients_only_where_kept():
    t = shop()
    assert t["all_price"].grad.item() == 1.1 and t["apple_price"].grad.item() == 1.1
    a = Tensor(2.0, requires_grad=True, name="a")
    h = a * 3.0
    h.name = "h"
    out = h * h
    out.backward(retain_graph=True)  # without retain_grads: h keeps no gradient
    dot = viz.to_dot(out)
    assert tensor_label("a", "2.0", "36.0") in dot
    assert '<b>h</b><br/><font point-size="9" color="gray40">float64 ()</font><br/>6.0>];' in dot
    assert '<font color="red">grad: ' in dot  # the legend
    assert "<b>constant</b><br/>3.0" in dot  # the constant


def test_special_names_are_escaped():
    name = 'say "hi" <b>&amp; {x} [y]; \\ back\nslash'
    x = Tensor(1.0, requires_grad=True, name=name)
    y = x * 2
    y.name = "-> }"
    dot = viz.to_dot(y)
    assert ("<b>say &quot;hi&quot; &lt;b&gt;&amp;amp; {x} [y]; \\ back<br/>slash</b>") in dot
    assert "<b>-&gt; }</b>" in dot
    assert name not in dot


@needs_dot
def test_special_names_render(tmp_path):
    x = Tensor(1.0, requires_grad=True, name='say "hi" <b>&amp; {x} \\ \u3042\n"')
    y = (x * 2).sum()
    y.backward(retain_graph=True)
    svg = viz.render(y, tmp_path / "odd.svg")
    assert "say &quot;hi&quot; &lt;b&gt;&amp;amp; {x} \\ \u3042" in svg.read_text(encoding="utf-8")


@needs_dot
def test_render_svg_and_png(tmp_path):
    price = shop()["price"]
    svg = viz.render(price, tmp_path / "graph.svg")
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = svg.read_text(encoding="utf-8")
    for value, grad in {**LEAVES, **INTERMEDIATES}.values():
        assert value in text and f"grad {grad}" in text
    png = viz.render([price], str(tmp_path / "graph.png"), rankdir="TB")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_dot_text_needs_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    price = shop()["price"]
    out = viz.render(price, tmp_path / "graph.dot")
    assert out.read_text(encoding="utf-8") == viz.to_dot(price)
    with pytest.raises(ValueError, match=r"\.svg"):
        viz.render(price, tmp_path / "graph.jpeg")


def test_without_a_dot_program_png_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setattr(viz, "dot_program", lambda: None)
    with pytest.raises(RuntimeError) as info:
        viz.render(shop()["price"], tmp_path / "graph.png")
    message = str(info.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "pip install graphviz-pure", "to_dot()"):
        assert hint in message
    assert not (tmp_path / "graph.png").exists()


def readme_shop():
    """The README's apple & orange example as written: no names, no retain_graph, no retain_grads."""
    apple, n_apple = Tensor(100.0, requires_grad=True), Tensor(2.0, requires_grad=True)
    orange, n_orange = Tensor(150.0, requires_grad=True), Tensor(3.0, requires_grad=True)
    tax = Tensor(1.1, requires_grad=True)
    price = (apple * n_apple + orange * n_orange) * tax
    price.backward()
    return price, (apple, n_apple, orange, n_orange, tax)


def leaf_label(value, grad):
    return (f'style="rounded,filled", fillcolor="#e8f0fe", label=<<font point-size="9" '
            f'color="gray40">float64 ()</font><br/>{value}<br/><font color="red">grad {grad}</font>>')


def test_a_graph_drawn_after_a_normal_backward_shows_every_leaf_and_the_structure():
    price, leaves = readme_shop()
    dot = viz.to_dot(price)
    for value, grad in LEAVES.values():
        assert dot.count(leaf_label(value, grad)) == 1
    assert dot.count('<font point-size="8">Mul</font>') == 3
    assert dot.count('<font point-size="8">Add</font>') == 1
    assert dot.count(" -> ") == 12  # the same links as before backward
    assert dot.count('style="rounded,dashed"') == 3  # apple*n, orange*n, their sum: freed values
    assert dot.count('<font color="gray50">freed</font>') == 3
    assert "715.0000000000001" in dot  # the output keeps its value
    assert "viz.record()" in dot  # the note on what was freed, and how to keep it


def test_after_backward_an_intermediate_kept_with_retain_grad_shows_value_and_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    h = x * 3.0
    h.name = "h"
    h.retain_grad()
    y = (h * h).sum()
    y.backward()
    dot = viz.to_dot(y)
    assert '<b>h</b><br/><font point-size="9" color="gray40">float64 (2,)</font><br/>[3, 6]<br/><font color="red">grad [6, 12]</font>' in dot
    assert "<b>x</b>" in dot and "grad [18, 36]" in dot
    assert dot.count('<font color="gray50">freed</font>') == 1  # h * h, held by nobody
    assert '(2,)</font><br/><font color="gray50">freed' in dot  # with its shape


def test_inputs_that_needed_no_gradient_are_marked_after_backward():
    W = Tensor(np.ones((3, 2)), requires_grad=True, name="W")
    y = (np.ones((4, 3)) @ W).sum() * 2.0
    before = viz.to_dot(y)
    assert "<b>input (no grad)</b><br/><font point-size=\"9\" color=\"gray40\">float64 (4, 3)" in before
    assert "<b>constant</b><br/>2.0" in before  # the batch and the constant, labelled
    y.backward()
    after = viz.to_dot(y)
    assert after.count('input or constant') == 2
    assert "<b>W</b>" in after and "grad [8, 8]" in after


def test_the_freed_graph_can_still_not_be_backwarded_twice():
    price, _ = readme_shop()
    viz.draw(price)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        price.backward()


def reachable_arrays(root):
    """Every array (or NumPy scalar) reachable from `root` through references."""
    found, seen, stack = [], set(), [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (type, types.ModuleType, types.FunctionType)):
            continue
        seen.add(id(obj))
        if isinstance(obj, (np.ndarray, np.generic)):
            found.append(obj)
        else:
            stack.extend(gc.get_referents(obj))
    return found


def test_a_graph_that_can_be_drawn_after_backward_holds_no_saved_arrays():
    rng = np.random.default_rng(0)
    W = Tensor(rng.standard_normal((3, 4)), requires_grad=True, name="W")
    b = Tensor(np.zeros(4), requires_grad=True, name="b")
    x = rng.standard_normal((5, 3))
    loss = F.cross_entropy((x @ W + b).tanh() * 2.0, np.array([0, 1, 2, 3, 0])) + (W ** 2).mean()
    assert any(a is x for a in reachable_arrays(loss))  # before backward: the batch, the saved values
    loss.backward()
    kept = {id(a) for a in (loss._data, W._data, b._data, W.grad._data, b.grad._data)}
    assert [a for a in reachable_arrays(loss) if id(a) not in kept] == []
    dot = viz.to_dot(loss)
    assert "<b>W</b>" in dot and "<b>b</b>" in dot and dot.count("grad ") == 3  # W, b, the legend


# --- the Graph object: notebooks and files -----------------------------------------------------

@needs_dot
def test_draw_shows_inline_as_svg_in_a_notebook():
    price, _ = readme_shop()
    graph = viz.draw(price)
    bundle = graph._repr_mimebundle_()
    root = ET.fromstring(bundle["image/svg+xml"])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    words = svg_texts(bundle["image/svg+xml"])
    for value, grad in LEAVES.values():
        assert value in words and f"grad {grad}" in words
    assert "Graph" in bundle["text/plain"]
    IPython = pytest.importorskip("IPython.core.interactiveshell")
    data, _ = IPython.InteractiveShell.instance().display_formatter.format(graph)
    assert data["image/svg+xml"] == bundle["image/svg+xml"]


def test_without_dot_a_notebook_still_shows_a_picture(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH: no dot
    monkeypatch.setattr(viz, "dot_program", lambda: None)  # nor graphviz-pure: the own layout
    price, _ = readme_shop()
    bundle = viz.draw(price)._repr_mimebundle_()
    words = svg_texts(bundle["image/svg+xml"])
    for value, grad in LEAVES.values():
        assert value in words and f"grad {grad}" in words
    assert "digraph" not in bundle["image/svg+xml"]


@needs_dot
@pytest.mark.parametrize("with_graphviz_package", [True, False])
def test_a_graph_saves_itself_in_each_format(tmp_path, monkeypatch, with_graphviz_package):
    if with_graphviz_package:
        pytest.importorskip("graphviz")
    else:
        monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz fails: dot itself draws
    graph = viz.draw(readme_shop()[0])
    svg = graph.save(tmp_path / "g.svg")
    assert svg == tmp_path / "g.svg" and "grad 110.00000000000001" in svg_texts(svg.read_text("utf-8"))
    assert graph.save(str(tmp_path / "g.png")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert graph.save(tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    for suffix in ("dot", "gv"):
        assert graph.save(tmp_path / f"g.{suffix}").read_text("utf-8") == graph.source


@pytest.mark.parametrize("with_graphviz_package", [True, False])
def test_a_failing_dot_is_an_error_with_its_message_and_writes_nothing(tmp_path, monkeypatch, with_graphviz_package):
    if with_graphviz_package:
        pytest.importorskip("graphviz")
    else:
        monkeypatch.setitem(sys.modules, "graphviz", None)
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'Error: out of ink' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="dot failed to draw the graph as svg: Error: out of ink"):
        viz.draw(readme_shop()[0]).save(tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


def test_saving_into_a_missing_folder_names_it(tmp_path):
    graph = viz.draw(readme_shop()[0])
    with pytest.raises(FileNotFoundError, match="nowhere"):
        graph.save(tmp_path / "nowhere" / "g.dot")
    with pytest.raises(ValueError, match=r"\.svg"):
        graph.save(tmp_path / "g.jpeg")
    with pytest.raises(ValueError, match="svg, png, pdf"):
        graph.pipe("jpeg")


def test_draw_takes_tensors_only():
    with pytest.raises(TypeError, match="ndarray"):
        viz.draw(np.ones(3))


# --- autograd's lazy submodules ----------------------------------------------------------------

def test_import_autograd_reaches_viz_and_testing_lazily_without_hypothesis():
    code = ("import sys, autograd\n"
            "assert 'hypothesis' not in sys.modules and 'autograd.viz' not in sys.modules\n"
            "assert callable(autograd.viz.draw)\n"
            "assert 'hypothesis' not in sys.modules\n"
            "assert callable(autograd.testing.arrays) and 'hypothesis' in sys.modules\n"
            "from autograd import testing, viz\n"
            "assert testing is autograd.testing and viz is autograd.viz\n"
            "assert {'viz', 'testing'} <= set(dir(autograd))\n"
            "try:\n    autograd.vis\nexcept AttributeError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "module 'autograd' has no attribute 'vis'"


def test_arrays_are_abbreviated_and_summarised():
    small = Tensor(np.arange(3.0), requires_grad=True, name="small")
    big = Tensor(np.arange(100.0).reshape(10, 10), requires_grad=True, name="big")
    out = (small.sum() + big.sum()).reshape(1)
    out.sum().backward(retain_graph=True)
    dot = viz.to_dot(out)
    assert "float64 (3,)</font><br/>[0, 1, 2]" in dot
    assert "float64 (10, 10)</font><br/>mean 50<br/>min 0, max 99" in dot
    assert '<font color="red">grad mean 1</font><br/><font color="red">min 1, max 1</font>' in dot
    assert "float32" in viz.to_dot(Tensor(np.ones(3, np.float32), requires_grad=True).sum())


def test_ten_thousand_nodes_are_drawn_whole():
    x = Tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(10_000):
        y = y + x
    viz.retain_grads(y)
    y.backward(retain_graph=True)
    start = time.perf_counter()
    dot = viz.to_dot(y)
    elapsed = time.perf_counter() - start
    print(f"to_dot of 10,000 ops: {elapsed:.3f} s")
    assert dot.count('<font point-size="8">Add</font>') == 10_000
    assert dot.count('<font color="red">grad 1.0</font>') == 10_000  # every sum
    assert tensor_label("x", "1.0", "10001.0") in dot


def run_demo(*args):
    return subprocess.run([sys.executable, "-m", "demos.apple_orange", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_demo_prints_the_textbook_numbers():
    done = run_demo()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for line in ("price: 715.0000000000001", "dApple: 2.2", "dApple_num: 110.00000000000001",
                 "dOrange: 3.3000000000000003", "dOrange_num: 165.0", "dTax: 650.0",
                 "dAll_price: 1.1", "dApple_price: 1.1", "dOrange_price: 1.1"):
        assert line in lines


@needs_dot
def test_demo_draws_the_graph(tmp_path):
    done = run_demo("--graph", str(tmp_path / "shop.svg"))
    assert done.returncode == 0, done.stderr
    assert "grad 110.00000000000001" in (tmp_path / "shop.svg").read_text(encoding="utf-8")


def svg_texts(svg):
    """The words of an SVG drawing, in order: what Graphviz writes, whatever its coordinates."""
    ns = "{http://www.w3.org/2000/svg}"
    return [e.text for e in ET.fromstring(svg).iter(f"{ns}text")]


@needs_dot
def test_the_readme_picture_is_the_demos_output(tmp_path):
    done = run_demo("--graph", str(tmp_path / "shop.svg"))
    assert done.returncode == 0, done.stderr
    committed = (ROOT / "docs" / "apple_orange.svg").read_text(encoding="utf-8")
    drawn = (tmp_path / "shop.svg").read_text(encoding="utf-8")
    assert "docs/apple_orange.svg" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "grad 1.0" in svg_texts(committed) and svg_texts(drawn) == svg_texts(committed)


def test_the_readme_notebook_example_runs_as_written(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = readme.split("```python\n")[1:]
    five_minutes = next(b for b in blocks if b.startswith("import numpy as np\nfrom autograd import Tensor"))
    recording = next(b for b in blocks if b.startswith("from autograd import viz\nwith viz.record() as g:"))
    env = {}
    exec(five_minutes.split("```")[0], env)  # the apple & orange graph, backward already run once
    monkeypatch.chdir(tmp_path)
    exec(recording.split("```")[0], env)
    assert "grad=" not in (tmp_path / "backprop.html").read_text(encoding="utf-8")
    dot = env["g"].source
    for name, grad in (("n_apple", "110.00000000000001"), ("tax", "650.0"), ("all_price", "1.1")):
        assert f"<b>{name}</b>" in dot and f"grad {grad}</font>" in dot  # this block's, not the sum of two
    assert "grad 4.4" not in dot and "freed" not in dot
