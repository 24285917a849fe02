"""viz.record(): every value and gradient of the ops inside the block, named after the
variables, for Tensors and for the book's layers; the player's frames; pictures without dot."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import nn
from autograd import Function, Tensor, viz
from nn.textbook import Affine, AddLayer, MulLayer, Relu, SoftmaxWithLoss

BOXES = {"apple": ("100.0", "2.2"), "apple_num": ("2.0", "110.00000000000001"),
         "orange": ("150.0", "3.3000000000000003"), "orange_num": ("3.0", "165.0"), "tax": ("1.1", "650.0"),
         "apple_price": ("200.0", "1.1"), "orange_price": ("450.0", "1.1"), "all_price": ("650.0", "1.1"),
         "price": ("715.0000000000001", "1.0")}


def label(name, value, grad):
    return (f'<b>{name}</b><br/><font point-size="9" color="gray40">float64 ()</font><br/>{value}'
            f'<br/><font color="red">grad {grad}</font>')


def tensor_shop():
    apple, apple_num = Tensor(100.0, requires_grad=True), Tensor(2.0, requires_grad=True)
    orange, orange_num = Tensor(150.0, requires_grad=True), Tensor(3.0, requires_grad=True)
    tax = Tensor(1.1, requires_grad=True)
    with viz.record() as g:
        apple_price = apple * apple_num
        orange_price = orange * orange_num
        all_price = apple_price + orange_price
        price = all_price * tax
        price.backward()
    return g, price


def layer_shop():
    """The book's buy_apple_orange code with the import changed, inside record()."""
    apple, apple_num, orange, orange_num, tax = 100, 2, 150, 3, 1.1
    with viz.record() as g:
        mul_apple_layer, mul_orange_layer = MulLayer(), MulLayer()
        add_apple_orange_layer, mul_tax_layer = AddLayer(), MulLayer()
        apple_price = mul_apple_layer.forward(apple, apple_num)
        orange_price = mul_orange_layer.forward(orange, orange_num)
        all_price = add_apple_orange_layer.forward(apple_price, orange_price)
        price = mul_tax_layer.forward(all_price, tax)
        dprice = 1
        dall_price, dtax = mul_tax_layer.backward(dprice)
        dapple_price, dorange_price = add_apple_orange_layer.backward(dall_price)
        dorange, dorange_num = mul_orange_layer.backward(dorange_price)
        dapple, dapple_num = mul_apple_layer.backward(dapple_price)
    assert price == 715.0000000000001 and dapple_num == 110.00000000000001 and dtax == 650
    return g


@pytest.mark.parametrize("shop", [lambda: tensor_shop()[0], layer_shop], ids=["tensors", "book layers"])
def test_the_record_is_figure_5_17_named_after_the_variables(shop):
    dot = shop().source
    for name, (value, grad) in BOXES.items():
        assert label(name, value, grad) in dot
    assert dot.count(" -> ") == 12 and dot.count("Mul</font>") == 3 and dot.count("Add</font>") == 1
    assert "freed" not in dot and "rankdir=LR" in dot


def test_outside_the_block_nothing_changes():
    g, price = tensor_shop()
    a = Tensor(2.0, requires_grad=True)
    y = a * a
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()  # made outside: freed as always
    price.backward()  # made inside: kept, as with retain_graph=True
    assert g.source.count("grad 1.0") == 1  # the picture is as the block ended


def test_a_block_whose_result_is_a_number_still_draws_every_op():
    net = nn.TwoLayerNet(4, 3, 2)
    x, t = np.random.default_rng(0).random((5, 4)), np.array([0, 1, 0, 1, 1])
    net.gradient(x, t)  # gradients left from before the block are not drawn
    with viz.record() as g:
        value = net.loss(x, t)  # the book's number, as the book's loss returns
    dot = g.source
    assert "Affine" in dot and "ReLU" in dot and "CrossEntropy" in dot
    assert 'color="red"' not in dot  # no backward ran inside the block: no gradient shown
    assert "<b>x</b>" in dot and "<b>t</b>" in dot and np.isfinite(value)


def width_px(svg):
    width = ET.fromstring(svg).get("width")
    number = float(re.match(r"[\d.]+", width).group())
    return number * 4 / 3 if width.endswith("pt") else number


@pytest.mark.parametrize("make", [lambda: (nn.TwoLayerNet(784, 50, 10), (100, 784)),
                                  lambda: (nn.SimpleConvNet(), (10, 1, 28, 28))], ids=["TwoLayerNet", "SimpleConvNet"])
@pytest.mark.parametrize("own_layout", [False, True])
def test_the_books_networks_fit_a_notebook(make, own_layout, monkeypatch):
    if own_layout:
        monkeypatch.setattr(viz, "dot_program", lambda: None)
    elif viz.dot_program() is None:
        pytest.skip("no dot program (Graphviz or graphviz-pure)")
    net, shape = make()
    rng = np.random.default_rng(0)
    x, t = rng.random(shape), rng.integers(0, 10, shape[0])
    with viz.record() as g:
        net.gradient(x, t)
    svg = g.svg()
    assert width_px(svg) <= 1000
    assert g.rankdir == "TB" and "<b>W1</b>" in g.source and "<b>labels</b>" not in g.source


def test_the_shopping_record_renders_without_dot(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(viz, "dot_program", lambda: None)
    g = layer_shop()
    path = g.save(tmp_path / "shop.svg")
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    words = [e.text for e in root.iter("{http://www.w3.org/2000/svg}text")]
    for name, (value, grad) in BOXES.items():
        assert name in words and value in words and f"grad {grad}" in words
    assert "digraph" not in path.read_text(encoding="utf-8")


def test_the_players_frames_show_each_op_and_its_formula_with_numbers():
    frames = layer_shop().play().frames
    assert len(frames) == 1 + 4 + 4 + 1
    assert frames[0]["c"].startswith("Inputs: apple = 100.0, apple_num = 2.0")
    assert frames[1]["c"] == "Forward 1/4: Mul(apple=100, apple_num=2) \u2192 apple_price = 200"
    last = frames[8]["c"]
    assert "Mul: dx = dout * y = 1.1 * 2 = 2.2   \u2192 apple" in last
    assert "Mul: dy = dout * x = 1.1 * 100 = 110   \u2192 apple_num" in last
    assert frames[5]["g"] == {"n13": ["grad 1.0"], "n10": ["grad 1.1"], "n11": ["grad 650.0"]}  # price, all_price, tax
    assert frames[-1]["c"].startswith("Everything")


def test_a_users_function_shows_its_own_formula():
    class Cube(Function):
        formula = "dx = dout * 3 * x**2"

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    x = Tensor(2.0, requires_grad=True)
    with viz.record() as g:
        y = Cube.apply(x)
        y.backward()
    assert "Cube: dx = dout * 3 * x**2 = 1 * 3 * 2**2 = 12   \u2192 x" in g.play().frames[-2]["c"]


def test_the_graph_is_there_only_after_the_block():
    with viz.record() as g:
        assert "recording" in repr(g)
        with pytest.raises(RuntimeError, match="after the `with` block"):
            g.source


def test_a_block_that_fails_says_so():
    with pytest.raises(ZeroDivisionError):
        with viz.record() as g:
            Tensor(1.0, requires_grad=True) * 2
            1 / 0
    with pytest.raises(RuntimeError, match="ended with ZeroDivisionError"):
        g.source


class BookNet:
    """A two-layer network in the book's form on nn.textbook's layers."""

    def __init__(self, rng):
        self.params = {"W1": 0.1 * rng.standard_normal((4, 3)), "b1": np.zeros(3),
                       "W2": 0.1 * rng.standard_normal((3, 2)), "b2": np.zeros(2)}
        self.layers = [Affine(self.params["W1"], self.params["b1"]), Relu(),
                       Affine(self.params["W2"], self.params["b2"])]
        self.last = SoftmaxWithLoss()

    def gradient(self, x, t):
        for layer in self.layers:
            x = layer.forward(x)
        self.last.forward(x, t)
        dout = self.last.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return self.layers[0].dW


def test_the_books_layers_on_arrays_make_one_connected_graph_named_after_params():
    rng = np.random.default_rng(1)
    network = BookNet(rng)
    x_batch, t_batch = rng.standard_normal((5, 4)), np.array([0, 1, 1, 0, 1])
    with viz.record() as g:
        dW1 = network.gradient(x_batch, t_batch)
    boxes = g.scene.boxes
    ops = [b for b in boxes if b.kind == "op"]
    assert [b.lines[0][0] for b in ops] == ["Affine", "ReLU", "Affine", "CrossEntropy"]
    assert len(g.scene.edges) == 3 + 1 + 1 + 1 + 3 + 1 + 2 + 1  # each layer's inputs and output, chained
    names = [b.text("name") for b in boxes]
    for name in ("x_batch", "W1", "b1", "W2", "b2", "t_batch"):
        assert [name] in names
    w1 = next(b for b in boxes if b.text("name") == ["W1"])
    assert w1.text("grad")  # the gradient the book's backward gave W1
    steps = g.scene.steps
    assert np.array_equal(steps[0].dins[1], dW1)


def test_retain_grads_after_backward_is_an_error_not_a_silent_no_op():
    a = Tensor(2.0, requires_grad=True)
    price = (a * 3.0) * 1.1
    price.backward()
    with pytest.raises(RuntimeError, match="before backward.*viz.record"):
        viz.retain_grads(price)


def test_a_batch_sliced_from_the_data_is_named_after_its_variable_not_the_data():
    x_train = np.random.default_rng(2).random((10, 4))
    x_batch = x_train[:3]  # the book's Affine reshapes it again: a view of a view
    with viz.record() as g:
        y = Affine(np.ones((4, 2)), np.zeros(2)).forward(x_batch)
    names = [b.text("name") for b in g.scene.boxes]
    assert names == [["x_batch"], ["input"], ["input"], [], ["y"]]
