"""nn.textbook: the book's layers on the op table. The seeds' usage lines run verbatim (only the
imports changed) and print the seeds' text; the book's own TwoLayerNet runs on these layers."""
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import Tensor, ops, testing
from autograd import numerical_gradient
from nn.datasets import load_mnist_bundled
from nn.textbook import (RNN, Affine, AddLayer, DivLayer, MatMul, MulLayer, Relu, Sigmoid,
                         SoftmaxWithLoss, Tanh)


# --- the seeds' usage lines, verbatim; the printed text compared with the notebooks' ---------

def test_buy_apple_seed_000(capsys):
    apple = 100
    apple_num = 2
    tax = 1.1

    # layer
    mul_apple_layer = MulLayer()
    mul_tax_layer = MulLayer()

    # forward
    apple_price = mul_apple_layer.forward(apple, apple_num)
    price = mul_tax_layer.forward(apple_price, tax)

    print(price)

    # backward
    dprice = 1
    dapple_price, dtax = mul_tax_layer.backward(dprice)
    dapple, dapple_num = mul_tax_layer.backward(dapple_price)  # sic: the notebook's mul_tax_layer twice

    print(dapple, dapple_num, dtax)
    assert capsys.readouterr().out == "220.00000000000003\n1.2100000000000002 220.00000000000003 200\n"


def test_buy_apple_seed_002(capsys):
    apple = 100
    apple_num = 2
    tax = 1.1

    mul_apple_layer = MulLayer()
    mul_tax_layer = MulLayer()

    apple_price = mul_apple_layer.forward(apple, apple_num)
    price = mul_tax_layer.forward(apple_price, tax)

    print(price)  # 220

    dprice = 1
    dapple_price, dtax = mul_tax_layer.backward(dprice)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)

    print(dapple, dapple_num, dtax)  # 2.2 110 200
    assert capsys.readouterr().out == "220.00000000000003\n2.2 110.00000000000001 200\n"


def test_buy_apple_orange_seeds_000_and_002(capsys):
    apple = 100
    apple_num = 2
    orange = 150
    orange_num = 3
    tax = 1.1

    # layer
    mul_apple_layer = MulLayer()
    mul_orange_layer = MulLayer()
    add_apple_orange_layer = AddLayer()
    mul_tax_layer = MulLayer()

    # forward
    apple_price = mul_apple_layer.forward(apple, apple_num)
    orange_price = mul_orange_layer.forward(orange, orange_num)
    all_price = add_apple_orange_layer.forward(apple_price, orange_price)
    price = mul_tax_layer.forward(all_price, tax)

    # backward
    dprice = 1
    dall_price, dtax = mul_tax_layer.backward(dprice)
    print(dall_price)
    print(dtax)
    dapple_price, dorange_price = add_apple_orange_layer.backward(dall_price)
    print(dapple_price)
    print(dorange_price)
    dorange, dorange_num = mul_orange_layer.backward(dorange_price)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)

    print(price)
    print(dapple_num, dapple, dorange, dorange_num, dtax)
    assert capsys.readouterr().out == ("1.1\n650\n1.1\n1.1\n715.0000000000001\n"
                                       "110.00000000000001 2.2 3.3000000000000003 165.0 650\n")


def test_add_mul_div_sigmoid_layers_seed_001(capsys):
    x = 10
    y = 20
    add_layer = AddLayer()  # インスタンス化
    z = add_layer.forward(x, y)  # 順伝播
    print(z)
    dout = 1
    dx, dy = add_layer.backward(dout)  # 逆伝播
    print(dx, dy)

    x = 10
    y = 20
    mul_layer = MulLayer()  # インスタンス化
    z = mul_layer.forward(x, y)  # 順伝播
    print(z)
    dout = 1
    dx, dy = mul_layer.backward(dout)  # 逆伝播
    print(dx, dy)

    x = 10
    y = 20
    div_layer = DivLayer()  # インスタンス化
    z = div_layer.forward(x, y)  # 順伝播
    print(z)
    dout = 1
    dx, dy = div_layer.backward(dout)  # 逆伝播
    print(dx, dy)

    x = 10
    sigmoid_layer = Sigmoid()  # インスタンス化 (the notebook's SigmoidLayer)
    y = sigmoid_layer.forward(x)  # 順伝播
    print(y)
    dout = 1
    dx = sigmoid_layer.backward(dout)  # 逆伝播
    print(dx)
    assert capsys.readouterr().out == ("30\n1 1\n200\n20 10\n0.5\n0.05 -0.025\n"
                                       "0.9999546021312976\n4.5395807735907655e-05\n")


def test_tanh_layer_seed_001():
    tanh_layer = Tanh()
    y = tanh_layer.forward(0.5)
    assert y == np.tanh(0.5)
    assert tanh_layer.backward(1) == 1 * (1.0 - np.tanh(0.5) ** 2)


def test_matmul_layer_seed_001(capsys):
    x = np.array([[1, 2],
                  [3, 4]])
    W = np.array([[1, 2, 3],
                  [4, 5, 6]])
    matmul_layer = MatMul(W)  # インスタンス化
    y = matmul_layer.forward(x)  # 順伝播
    print(y)
    dout = np.array([[1, 2, 3],
                     [4, 5, 6]])
    dx = matmul_layer.backward(dout)  # 逆伝播
    print(dx)
    assert capsys.readouterr().out == "[[ 9 12 15]\n [19 26 33]]\n[[14 32]\n [32 77]]\n"
    np.testing.assert_array_equal(matmul_layer.dW, x.T @ dout)
    assert matmul_layer.dW.dtype == np.int64


def test_relu_seed_003_leaves_x_as_it_was(capsys):
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])

    relu = Relu()
    forward = relu.forward(x)
    print("forward: {}".format(forward))
    print(x)
    backward = relu.backward(x)
    print("backward: {}".format(backward))
    print(x)
    # the notebook's last line printed [[0. 2.] [3. 0.]]: its Relu.backward wrote into dout, here x
    assert capsys.readouterr().out == ("forward: [[0. 2.]\n [3. 0.]]\n[[-1.  2.]\n [ 3. -4.]]\n"
                                       "backward: [[0. 2.]\n [3. 0.]]\n[[-1.  2.]\n [ 3. -4.]]\n")


def test_relu_mask_seed_000():
    x = np.array([[1.0, -0.5], [-2.0, 3.0]])
    relu = Relu()
    np.testing.assert_array_equal(relu.forward(x), [[1.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(relu.backward(np.ones((2, 2))), 1.0 * ~(x <= 0))


def test_relu_gradient_at_zero_is_zero():
    relu = Relu()
    relu.forward(np.array([0.0, 1.0, -1.0]))
    np.testing.assert_array_equal(relu.backward(np.ones(3)), [0.0, 1.0, 0.0])


def test_sigmoid_seed_003():
    x = np.array([[0., 2.], [3., 0.]])  # the x the notebook printed (its Relu had changed it)
    sig = Sigmoid()
    sig.forward(x)
    out = sig.backward(x)
    np.testing.assert_allclose(out, [[0., 0.20998717], [0.13552998, 0.]], atol=5e-9)
    y = 1 / (1 + np.exp(-x))
    np.testing.assert_array_equal(out, x * (1.0 - y) * y)


def test_affine_seed_003_flattens_and_restores_the_shape():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.random.randn(2, 3)
    b = np.array([1.0, 2.0, 3.0])
    affine = Affine(W, b)
    np.testing.assert_array_equal(affine.forward(x), np.dot(x, W) + b)
    x4 = np.random.randn(2, 1, 1, 2)
    out = affine.forward(x4)
    dout = np.random.randn(*out.shape)
    dx = affine.backward(dout)
    assert dx.shape == x4.shape
    np.testing.assert_array_equal(dx, np.dot(dout, W.T).reshape(x4.shape))
    np.testing.assert_array_equal(affine.dW, np.dot(x4.reshape(2, -1).T, dout))
    np.testing.assert_array_equal(affine.db, np.sum(dout, axis=0))


def test_bias_gradient_seed_000():
    X_dot_W = np.array([[0, 0, 0], [10, 10, 10]])
    B = np.array([1, 2, 3])
    add = AddLayer()
    np.testing.assert_array_equal(add.forward(X_dot_W, B), [[1, 2, 3], [11, 12, 13]])
    dY = np.array([[1, 2, 3], [4, 5, 6]])
    dX, dB = add.backward(dY)
    assert repr(dB) == "array([5, 7, 9])"
    np.testing.assert_array_equal(dX, dY)
    assert not np.shares_memory(dX, dY)


def test_softmax_with_loss_seed_003_exact():
    x = np.array([0.1, 0.9])
    t = np.array([0, 1])
    softmaxwithloss = SoftmaxWithLoss()
    # the notebook printed 0.6191208810457112 and [0.155, -0.155]: its cross_entropy_error used
    # pred as the labels and its backward divided one sample by 2; the exact values are these
    assert softmaxwithloss.forward(x, t) == 0.37110066594777763
    np.testing.assert_allclose(softmaxwithloss.backward(), [0.3100255, -0.3100255], atol=1e-7)
    x2, labels = np.random.randn(4, 3), np.array([0, 2, 1, 2])
    layer = SoftmaxWithLoss()
    loss = layer.forward(x2, labels)
    assert isinstance(loss, np.float64)
    p = np.exp(x2) / np.exp(x2).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(layer.backward(), (p - np.eye(3)[labels]) / 4, rtol=1e-14)


def test_rnn_is_the_books_formula():
    rng = np.random.default_rng(0)
    Wx, Wh, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 4)), rng.standard_normal(4)
    x, h_prev, dh_next = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    rnn = RNN(Wx, Wh, b)
    grads = rnn.grads
    h_next = rnn.forward(x, h_prev)
    np.testing.assert_array_equal(h_next, np.tanh(np.dot(h_prev, Wh) + np.dot(x, Wx) + b))
    dx, dh_prev = rnn.backward(dh_next)
    dt = dh_next * (1 - h_next ** 2)
    np.testing.assert_allclose(dx, np.dot(dt, Wx.T), rtol=1e-14)
    np.testing.assert_allclose(dh_prev, np.dot(dt, Wh.T), rtol=1e-14)
    assert rnn.grads is grads and rnn.grads[0] is grads[0]  # written in place, as the book does
    for got, want in zip(rnn.grads, [np.dot(x.T, dt), np.dot(h_prev.T, dt), np.sum(dt, axis=0)]):
        np.testing.assert_allclose(got, want, rtol=1e-13)
    assert rnn.params[0] is Wx
    Wx -= 0.1 * rnn.grads[0]  # params held by reference: an update changes the next forward
    np.testing.assert_array_equal(rnn.forward(x, h_prev), np.tanh(np.dot(h_prev, Wh) + np.dot(x, Wx) + b))


# --- the API's promises ----------------------------------------------------------------------

def test_weights_are_held_by_reference_and_not_copied():
    W, b = np.random.randn(4, 3), np.zeros(3)
    affine = Affine(W, b)
    assert affine.W is W and affine.b is b
    x = np.random.randn(5, 4)
    affine.forward(x)
    affine.backward(np.ones((5, 3)))
    W -= 0.5 * affine.dW
    b -= 0.5 * affine.db
    np.testing.assert_array_equal(affine.forward(x), x @ W + b)


def test_no_layer_changes_its_inputs_or_dout():
    rng = np.random.default_rng(1)

    def frozen(*shape):
        a = rng.standard_normal(shape)
        a.setflags(write=False)  # any write raises
        return a

    cases = [(MulLayer(), (frozen(3, 2), frozen(3, 2))), (AddLayer(), (frozen(3, 2), frozen(2))),
             (DivLayer(), (frozen(3, 2), frozen(3, 2) + 5)), (Relu(), (frozen(3, 2),)),
             (Sigmoid(), (frozen(3, 2),)), (Tanh(), (frozen(3, 2),)), (MatMul(frozen(2, 4)), (frozen(3, 2),)),
             (Affine(frozen(2, 4), frozen(4)), (frozen(3, 2),))]
    for layer, inputs in cases:
        copies = [a.copy() for a in inputs]
        out = layer.forward(*inputs)
        dout = frozen(*np.shape(out))
        dout_copy = dout.copy()
        grads = layer.backward(dout)
        grads = grads if isinstance(grads, tuple) else (grads,)
        for a, c in zip(inputs, copies):
            np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(dout, dout_copy)
        for g in grads:
            assert not np.shares_memory(g, dout), type(layer).__name__


def test_backward_before_forward_and_a_dout_of_the_wrong_shape_are_named():
    with pytest.raises(RuntimeError, match=r"Relu.backward\(\) called before Relu.forward\(\)"):
        Relu().backward(np.ones(3))
    relu = Relu()
    relu.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Relu.backward: dout of shape \(4,\).*shape \(2, 3\)"):
        relu.backward(np.ones(4))
    with pytest.raises(TypeError, match="not a Tensor that requires grad"):
        Relu().forward(Tensor(np.ones(3), requires_grad=True))


def test_layers_work_under_no_grad_and_can_backward_twice():
    layer = MulLayer()
    with autograd.no_grad():
        layer.forward(3.0, 4.0)
    assert layer.backward(1.0) == (4.0, 3.0)
    assert layer.backward(2.0) == (8.0, 6.0)


def test_float32_stays_float32():
    W, b = np.ones((2, 3), np.float32), np.zeros(3, np.float32)
    affine = Affine(W, b)
    assert affine.forward(np.ones((4, 2), np.float32)).dtype == np.float32
    assert affine.backward(np.ones((4, 3), np.float32)).dtype == np.float32
    assert affine.dW.dtype == np.float32 and affine.db.dtype == np.float32


# --- every layer's backward is its op's vjp --------------------------------------------------

SINGLE_OP_LAYERS = [MulLayer, AddLayer, DivLayer, Relu, Sigmoid, Tanh, MatMul, Affine, SoftmaxWithLoss]


@pytest.mark.parametrize("layer_class", SINGLE_OP_LAYERS, ids=lambda c: c.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_layer_backward_equals_its_ops_vjp(layer_class, data):
    op = layer_class.op
    args, kwargs = data.draw(testing.op_arguments(op))
    n_weights = len(layer_class.weights)
    inputs, weights = args[:len(args) - n_weights], args[len(args) - n_weights:]
    layer = layer_class(*weights)
    out = layer.forward(*inputs)
    dout = data.draw(testing.arrays(np.shape(out)))
    got = layer.backward(dout)
    got = list(got) if isinstance(got, tuple) else [got]
    got += [getattr(layer, "d" + w) for w in layer_class.weights]

    differentiable = op.differentiable or (True,) * len(args)
    tensors = [Tensor(a, requires_grad=True) if d else a for a, d in zip(args, differentiable)]
    y = op.apply(*tensors)
    np.testing.assert_array_equal(out, y.data)
    want = autograd.grad(y, [t for t in tensors if isinstance(t, Tensor)], dout)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert np.shape(g) == w.shape
        np.testing.assert_array_equal(g, w.data)


# --- the book's TwoLayerNet (ch05/two_layer_net.py), as a learner has it, on these layers ----

class TwoLayerNet:

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        # 重みの初期化
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

        # レイヤの生成
        self.layers = OrderedDict()
        self.layers['Affine1'] = Affine(self.params['W1'], self.params['b1'])
        self.layers['Relu1'] = Relu()
        self.layers['Affine2'] = Affine(self.params['W2'], self.params['b2'])

        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)

        return x

    # x:入力データ, t:教師データ
    def loss(self, x, t):
        y = self.predict(x)
        return self.lastLayer.forward(y, t)

    def accuracy(self, x, t):
        y = self.predict(x)
        y = np.argmax(y, axis=1)
        if t.ndim != 1: t = np.argmax(t, axis=1)

        accuracy = np.sum(y == t) / float(x.shape[0])
        return accuracy

    # x:入力データ, t:教師データ
    def numerical_gradient(self, x, t):
        loss_W = lambda W: self.loss(x, t)

        grads = {}
        grads['W1'] = numerical_gradient(loss_W, self.params['W1'])
        grads['b1'] = numerical_gradient(loss_W, self.params['b1'])
        grads['W2'] = numerical_gradient(loss_W, self.params['W2'])
        grads['b2'] = numerical_gradient(loss_W, self.params['b2'])

        return grads

    def gradient(self, x, t):
        # forward
        self.loss(x, t)

        # backward
        dout = 1
        dout = self.lastLayer.backward(dout)

        layers = list(self.layers.values())
        layers.reverse()
        for layer in layers:
            dout = layer.backward(dout)

        # 設定
        grads = {}
        grads['W1'], grads['b1'] = self.layers['Affine1'].dW, self.layers['Affine1'].db
        grads['W2'], grads['b2'] = self.layers['Affine2'].dW, self.layers['Affine2'].db

        return grads


def digits(n):
    """The first n of the real MNIST test digits that ship with the package, one-hot labels."""
    (x, t), _ = load_mnist_bundled(one_hot_label=True)
    return x[:n], t[:n].astype(np.float64)


def test_books_two_layer_net_gradient_check(capsys):
    np.random.seed(0)
    x_train, t_train = digits(3)
    x_train = x_train[:, ::8]  # every 8th pixel: 98 inputs keep the finite differences quick
    network = TwoLayerNet(input_size=98, hidden_size=20, output_size=10)
    for key in ('b1', 'b2'):  # non-zero biases, so their gradients are checked too
        network.params[key] += 0.01 * np.random.randn(*network.params[key].shape)

    x_batch = x_train[:3]
    t_batch = t_train[:3]

    grad_numerical = network.numerical_gradient(x_batch, t_batch)
    grad_backprop = network.gradient(x_batch, t_batch)

    for key in grad_numerical.keys():
        diff = np.average(np.abs(grad_backprop[key] - grad_numerical[key]))
        print(key + ":" + str(diff))
        assert diff < 1e-8, key  # the notebooks print 1e-13 .. 1e-7
        assert grad_backprop[key].shape == network.params[key].shape
    assert [line.split(":")[0] for line in capsys.readouterr().out.split()] == ["W1", "b1", "W2", "b2"]


def test_books_two_layer_net_trains_as_nn_two_layer_net_does():
    np.random.seed(1)
    x_train, t_train = digits(1000)
    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    twin = nn.TwoLayerNet(784, 50, 10)
    for key in twin.params:
        twin.params[key][...] = network.params[key]

    iters_num = 300
    train_size = x_train.shape[0]
    batch_size = 100
    learning_rate = 0.1
    train_loss_list, twin_losses = [], []
    rng = np.random.default_rng(2)
    first = network.accuracy(x_train, t_train)
    for i in range(iters_num):
        batch_mask = rng.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        grad = network.gradient(x_batch, t_batch)
        for key in ('W1', 'b1', 'W2', 'b2'):
            network.params[key] -= learning_rate * grad[key]

        loss = network.loss(x_batch, t_batch)
        train_loss_list.append(loss)

        twin_grad = twin.gradient(x_batch, t_batch)
        for key in ('W1', 'b1', 'W2', 'b2'):
            twin.params[key] -= learning_rate * twin_grad[key]
        twin_losses.append(float(twin.loss(x_batch, t_batch)))
    np.testing.assert_allclose(train_loss_list, twin_losses, rtol=1e-10)
    assert np.mean(train_loss_list[-20:]) < 0.5 * np.mean(train_loss_list[:20])
    assert network.accuracy(x_train, t_train) > max(first + 0.5, 0.8)


@pytest.mark.parametrize("module", ["nn.textbook", "nn.textbook2"])
def test_no_layer_writes_a_backward_formula(module):
    """Every backward in nn/textbook.py and nn/textbook2.py (book 2's layers) hands dout to the
    engine (`_backward`) or to other layers, and does no arithmetic; the only extra is Relu's 0
    under its mask (see there)."""
    import ast
    import importlib
    import inspect

    tree = ast.parse(inspect.getsource(importlib.import_module(module)))
    backwards = [(c.name, f) for c in ast.walk(tree) if isinstance(c, ast.ClassDef)
                 for f in c.body if isinstance(f, ast.FunctionDef) and f.name == "backward"]
    assert len(backwards) >= 5
    for cls, f in backwards:
        calls = [n.func.attr for n in ast.walk(f) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
        allowed = {"_backward", "backward", "reshape"} | ({"where", "errstate"} if cls == "Relu" else set())
        assert set(calls) <= allowed, (f.lineno, calls)
        assert not any(isinstance(n, ast.BinOp) for n in ast.walk(f)), f.lineno


def test_the_porting_guides_examples_print_what_their_comments_say(capsys):
    import re
    from pathlib import Path
    guide = (Path(__file__).parents[2] / "docs" / "porting_the_book.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", guide, re.S)
    run = [b for b in blocks if "print(" in b]
    assert len(run) == 2
    env = {"np": np, "MulLayer": MulLayer}
    for block in run:
        exec(block, env)
        printed = capsys.readouterr().out.split("\n")[:-1]
        expected = [line.split("# ", 1)[1] for line in block.split("\n") if line.startswith(("print", "# "))
                    and "# " in line]
        assert printed == expected
