import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from autograd import Tensor, viz
from demos.apple_orange import shop

ROOT = Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed")

LEAVES = {"apple": ("100.0", "2.2"), "apple_num": ("2.0", "110.00000000000001"),
          "orange": ("150.0", "3.3000000000000003"), "orange_num": ("3.0", "165.0"),
          "tax": ("1.1", "650.0")}
INTERMEDIATES = {"apple_price": ("200.0", "1.1"), "orange_price": ("450.0", "1.1"),
                 "all_price": ("650.0", "1.1"), "price": ("715.0000000000001", "1.0")}


def tensor_label(name, value, grad):
    return (f'<b>{name}</b><br/><font point-size="9" color="gray40">float64 ()</font><br/>'
            f'{value}<br/><font color="red">grad={grad}</font>')


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
    assert 'grad=110.00000000000001' in no_values
    no_grads = viz.to_dot(price, grads=False)
    assert "grad=" not in no_grads and "110.00000000000001" not in no_grads
    assert "715.0000000000001" in no_grads and "<br/>100.0" in no_grads
    bare = viz.to_dot(price, values=False, grads=False)
    for name in {**LEAVES, **INTERMEDIATES}:
        assert f"<b>{name}</b>" in bare
    assert "715" not in bare and "grad=" not in bare


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
    assert '<font color="red">grad=</font>' in dot  # the legend
    assert "label=<3.0>" in dot  # the constant


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
        assert value in text and f"grad={grad}" in text
    png = viz.render([price], str(tmp_path / "graph.png"), rankdir="TB")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_dot_text_needs_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    price = shop()["price"]
    out = viz.render(price, tmp_path / "graph.dot")
    assert out.read_text(encoding="utf-8") == viz.to_dot(price)
    with pytest.raises(ValueError, match=r"\.svg"):
        viz.render(price, tmp_path / "graph.jpeg")


def test_missing_dot_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH: no dot
    with pytest.raises(RuntimeError) as info:
        viz.render(shop()["price"], tmp_path / "graph.svg")
    message = str(info.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda", "to_dot()"):
        assert hint in message
    assert not (tmp_path / "graph.svg").exists()


def test_freed_graph_is_drawn_with_a_note():
    x = Tensor(3.0, requires_grad=True, name="x")
    y = x * x
    y.backward()  # frees what Mul saved, and with it the link to x
    dot = viz.to_dot(y)
    assert "retain_graph=True" in dot and "Mul" in dot


def test_arrays_are_abbreviated_and_summarised():
    small = Tensor(np.arange(3.0), requires_grad=True, name="small")
    big = Tensor(np.arange(100.0).reshape(10, 10), requires_grad=True, name="big")
    out = (small.sum() + big.sum()).reshape(1)
    out.sum().backward(retain_graph=True)
    dot = viz.to_dot(out)
    assert "float64 (3,)</font><br/>[0, 1, 2]" in dot
    assert "float64 (10, 10)</font><br/>mean=49.5 min=0 max=99" in dot
    assert "grad=mean=1 min=1 max=1" in dot
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
    assert dot.count('<font color="red">grad=1.0</font>') == 10_000  # every sum
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
    assert "grad=110.00000000000001" in (tmp_path / "shop.svg").read_text(encoding="utf-8")


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
    assert "grad=" in svg_texts(committed) and svg_texts(drawn) == svg_texts(committed)
