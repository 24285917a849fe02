"""The book's chapter 6-8 code on the engine, called the way the book's scripts call it: its
optimizers built from `optimizer_param` and `update(params, grads)` in a loop, its Trainer, its
util functions, its networks' numbers (`print(key + ":" + str(loss))`), flat memory over the
book's loops, its trained weights through the safe pickle loader. Numbers are compared with NumPy
references of the book's formulas (small pieces of the book's code, as a reader has it)."""
import contextlib
import gc
import io
import os
import pickle
import sys
import tracemalloc
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
from tests.nn.test_chapters_6_7_modules import book_nesterov, book_rmsprop
from tests.nn.test_optim import BookAdaGrad, BookAdam, BookMomentum, BookSGD
from tests.book.test_two_layer_net import BookAffine, BookRelu, BookSoftmaxWithLoss

import nn
import nn.textbook as tb
from autograd import Tensor
from nn.datasets import load_mnist_bundled
from nn.safe_pickle import RefusedPickle, load_arrays

BOOK_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "book"


# --- the book's optimizers --------------------------------------------------------------------

class BookNesterov:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        book_nesterov(params, grads, self.v, self.lr, self.momentum)


class BookRMSprop:
    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate, self.h = lr, decay_rate, None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(val) for key, val in params.items()}
        book_rmsprop(params, grads, self.h, self.lr, self.decay_rate)


def book_adam(**kw):
    return BookAdam(eps=1e-7, **kw)  # the book's common/optimizer.py adds 1e-7


REFERENCES = {"SGD": BookSGD, "Momentum": BookMomentum, "Nesterov": BookNesterov, "AdaGrad": BookAdaGrad,
              "RMSprop": BookRMSprop, "Adam": book_adam}


@pytest.mark.parametrize("name, optimizer_param", [
    ("SGD", {"lr": 0.95}), ("SGD", {}), ("Momentum", {"lr": 0.1}), ("Momentum", {"lr": 0.05, "momentum": 0.5}),
    ("Nesterov", {}), ("Nesterov", {"lr": 0.05, "momentum": 0.8}), ("AdaGrad", {"lr": 1.5}),
    ("RMSprop", {}), ("RMSprop", {"lr": 0.02, "decay_rate": 0.9}), ("Adam", {"lr": 0.3}),
    ("Adam", {"lr": 0.01, "beta1": 0.8, "beta2": 0.99})])
def test_each_optimizer_from_optimizer_param_updates_the_books_dicts_as_the_book(name, optimizer_param):
    ours, book = getattr(tb, name)(**optimizer_param), REFERENCES[name](**optimizer_param)
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal(3)}
    book_params = {key: value.copy() for key, value in params.items()}
    aliases = dict(params)
    for _ in range(8):
        grads = {key: rng.standard_normal(value.shape) for key, value in params.items()}
        ours.update(params, grads)
        book.update(book_params, grads)
        for key in params:
            np.testing.assert_allclose(params[key], book_params[key], rtol=1e-13, atol=1e-15)
            assert params[key] is aliases[key]  # in place: a network's own arrays train


def test_optimizer_compare_naive_moves_plain_numbers_in_the_dict():
    """ch06/optimizer_compare_naive.py: params hold Python floats, grads come from df(x, y)."""
    for name, lr in (("SGD", 0.95), ("Momentum", 0.1), ("AdaGrad", 1.5), ("Adam", 0.3), ("Nesterov", 0.1)):
        ours, book = getattr(tb, name)(lr=lr), REFERENCES[name](lr=lr)
        params, book_params = {"x": -7.0, "y": 2.0}, {"x": -7.0, "y": 2.0}
        for _ in range(30):
            for p, opt in ((params, ours), (book_params, book)):
                opt.update(p, {"x": p["x"] / 10.0, "y": 2.0 * p["y"]})
        assert params == pytest.approx(book_params, rel=1e-12)
        assert params["x"] != -7.0


def test_the_books_optimizers_and_nn_optim_share_one_rule():
    """A network trained through update(params, grads) and the same network trained through
    nn.optim on its parameters end with the same weights."""
    x, t = np.random.default_rng(1).standard_normal((20, 6)), np.arange(20) % 3
    for name, kw, engine in (("Momentum", {"lr": 0.1}, {"lr": 0.1}), ("Nesterov", {"lr": 0.1}, {"lr": 0.1}),
                             ("AdaGrad", {"lr": 0.1}, {"lr": 0.1}), ("RMSprop", {"lr": 0.01}, {"lr": 0.01}),
                             ("Adam", {"lr": 0.01}, {"lr": 0.01, "eps": 1e-7})):
        a, b = (nn.MultiLayerNet(6, [5], 3, rng=np.random.default_rng(2)) for _ in range(2))
        book_opt, opt = getattr(tb, name)(**kw), getattr(nn.optim, name)(b.parameters(), **engine)
        for _ in range(5):
            book_opt.update(a.params, a.gradient(x, t))
            opt.zero_grad()
            b.loss_tensor(x, t, train_flg=True).backward()
            opt.step()
        for key in a.params:
            np.testing.assert_allclose(a.params[key], b.params[key], rtol=1e-12, atol=1e-15, err_msg=name)


def test_update_names_a_missing_or_misshapen_gradient():
    params = {"W1": np.ones((2, 2)), "b1": np.zeros(2)}
    with pytest.raises(KeyError, match="grads has no 'b1'"):
        tb.SGD().update(params, {"W1": np.ones((2, 2))})
    with pytest.raises(ValueError, match=r"grads\['b1'\] has shape \(\), params\['b1'\] has shape \(2,\)"):
        tb.Adam().update(params, {"W1": np.ones((2, 2)), "b1": 1.0})


# --- the networks' numbers and the book's loops --------------------------------------------------

def test_the_books_print_shows_a_number_not_a_tensor(capsys):
    np.random.seed(0)
    networks = {key: nn.MultiLayerNet(784, [100, 100], 10) for key in ("SGD", "Adam")}
    (x, t), _ = load_mnist_bundled()
    for key, net in networks.items():
        loss = net.loss(x[:128], t[:128])
        print(key + ":" + str(loss))
        assert type(loss) is np.float64
    lines = capsys.readouterr().out.split()
    assert [line.split(":")[0] for line in lines] == ["SGD", "Adam"]
    assert all(line.split(":")[1] == repr(float(line.split(":")[1])) for line in lines)
    assert type(networks["SGD"].predict(x[:3])) is np.ndarray
    assert isinstance(networks["SGD"](x[:3]), Tensor)


class BookMultiLayerNet:
    """common/multi_layer_net.py with ReLU and no weight decay, in raw NumPy."""

    def __init__(self, params):
        self.params = {key: value.copy() for key, value in params.items()}
        n = len(self.params) // 2
        self.layers = OrderedDict()
        for i in range(1, n + 1):
            self.layers[f"Affine{i}"] = BookAffine(self.params[f"W{i}"], self.params[f"b{i}"])
            if i < n:
                self.layers[f"Relu{i}"] = BookRelu()
        self.last_layer = BookSoftmaxWithLoss()

    def loss(self, x, t):
        for layer in self.layers.values():
            x = layer.forward(x)
        return self.last_layer.forward(x, t)

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        return {key: getattr(self.layers["Affine" + key[1:]], "d" + key[0]) for key in self.params}


def optimizer_compare_mnist(networks, optimizers, x_train, t_train, max_iterations, probe=None):
    """ch06/optimizer_compare_mnist.py's loop, as the book has it; probe(i) after step i."""
    train_size, batch_size = x_train.shape[0], 128
    train_loss = {key: [] for key in optimizers}
    for i in range(max_iterations):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]
        for key in optimizers.keys():
            grads = networks[key].gradient(x_batch, t_batch)
            optimizers[key].update(networks[key].params, grads)
            loss = networks[key].loss(x_batch, t_batch)
            train_loss[key].append(loss)
        if probe is not None:
            probe(i)
    return train_loss


def traced_run(make, steps, at):
    """(traced bytes after step `at`, after the last step, peak, losses) of the book's loop, the
    networks' weights and the optimizers' state included."""
    (x, t), _ = load_mnist_bundled()
    x = x.astype(np.float64)
    marks = {}
    tracemalloc.start()
    try:
        np.random.seed(3)
        networks = make()
        optimizers = {"SGD": tb.SGD(), "Momentum": tb.Momentum(), "AdaGrad": tb.AdaGrad(), "Adam": tb.Adam()}
        losses = optimizer_compare_mnist(networks, optimizers, x, t, steps,
                                         lambda i: marks.setdefault(i, tracemalloc.get_traced_memory()[0]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return marks[at], marks[steps - 1], peak, losses


def test_optimizer_compare_mnist_stays_flat_and_near_the_books_numpy_code():
    """4 networks of 784-100x4-10, every loss stored: memory flat and the peak within 1.25x +
    150 MiB of the book's own layers on the same loop (below 1.25x, in fact); the same loss curves
    (the book's + 1e-7 inside its log aside)."""
    keys = ("SGD", "Momentum", "AdaGrad", "Adam")
    start, end, peak, losses = traced_run(lambda: {key: nn.MultiLayerNet(784, [100] * 4, 10) for key in keys}, 16, at=5)
    # the book's network from the same weights (the same draws of np.random.randn)
    start_b, end_b, book_peak, book_losses = traced_run(
        lambda: {key: BookMultiLayerNet(nn.MultiLayerNet(784, [100] * 4, 10).params) for key in keys}, 16, at=5)
    # a stored loss with its graph would keep each step's 128 x 784 batch (0.8 MiB) per network
    assert end - start < 256 * 1024, f"grew by {(end - start) / 2**20:.2f} MiB over 10 steps"
    assert peak < 1.25 * book_peak, (peak / 2**20, book_peak / 2**20)
    for key in losses:
        assert all(type(v) is np.float64 for v in losses[key])
        np.testing.assert_allclose(losses[key], book_losses[key], rtol=1e-4)  # Adam and AdaGrad amplify the + 1e-7


def test_thousands_of_steps_of_the_books_loop_keep_memory_flat():
    """ch05/train_neuralnet.py's loop, 3,000 steps storing every loss: the Python objects alive
    after the last step are those after step 100 plus the stored numbers (a kept graph would add
    its nodes, tensors and arrays, and its batch, every step). Counted with
    sys.getallocatedblocks(): tracing every allocation of 3,000 steps takes minutes."""
    np.random.seed(0)
    (x, t), _ = load_mnist_bundled()
    net = nn.TwoLayerNet(784, 50, 10)
    optimizer = tb.SGD(lr=0.1)
    train_loss_list, blocks = [], {}
    with one_blas_thread():  # products this small only wait for each other on a busy machine
        book_loop(net, optimizer, x, t, train_loss_list, blocks)
    # 2,899 more stored numbers: one block each, and the list's growth
    assert blocks[2999] - blocks[100] < 2 * 2899, blocks[2999] - blocks[100]
    assert train_loss_list[-1] < 0.5 * train_loss_list[0]


def one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional test dependency: the loop runs as it is
        return contextlib.nullcontext()
    return threadpool_limits(1)


def book_loop(net, optimizer, x, t, train_loss_list, blocks):
    for i in range(3000):
        batch_mask = np.random.choice(x.shape[0], 100)
        grads = net.gradient(x[batch_mask], t[batch_mask])
        optimizer.update(net.params, grads)
        train_loss_list.append(net.loss(x[batch_mask], t[batch_mask]))
        if i in (100, 2999):
            gc.collect()
            blocks[i] = sys.getallocatedblocks()


def test_a_train_convnet_trainer_and_a_train_deepnet_step_stay_flat():
    (x, t), (x_test, t_test) = load_mnist_bundled(flatten=False)
    np.random.seed(0)
    net = nn.SimpleConvNet(input_dim=(1, 28, 28), conv_param={"filter_num": 8, "filter_size": 5, "pad": 0, "stride": 1},
                           hidden_size=30, output_size=10)
    trainer = tb.Trainer(net, x[:500], t[:500], x_test[:100], t_test[:100], epochs=4, mini_batch_size=50,
                         optimizer="Adam", optimizer_param={"lr": 0.001}, verbose=False)
    tracemalloc.start()
    try:
        for _ in range(5):
            trainer.train_step()
        after_5 = tracemalloc.get_traced_memory()[0]
        for _ in range(20):
            trainer.train_step()
        after_25 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(trainer.train_loss_list) == 25
    assert after_25 - after_5 < 256 * 1024, (after_25 - after_5) / 2**20

    deep = nn.DeepConvNet()
    opt = tb.Adam()
    peaks = []
    for _ in range(3):
        tracemalloc.start()
        try:
            opt.update(deep.params, deep.gradient(x[:10], t[:10]))
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert max(peaks) < 1.1 * min(peaks), [p / 2**20 for p in peaks]


def test_trainer_runs_the_books_steps_and_prints_as_the_book(capsys):
    """ch07/train_convnet.py's call; the numbers against the book's loop on the book's network
    (TwoLayerNet in raw NumPy) with the same minibatches."""
    from tests.book.test_two_layer_net import BookTwoLayerNet
    (x, t), (x_test, t_test) = load_mnist_bundled()
    x, x_test = x[:300].astype(np.float64), x_test[:150].astype(np.float64)
    t, t_test = t[:300], t_test[:150]
    net = nn.TwoLayerNet(784, 20, 10, rng=np.random.default_rng(0))
    book, book_opt = BookTwoLayerNet(net.params), book_adam(lr=0.01)
    trainer = tb.Trainer(net, x, t, x_test, t_test, epochs=2, mini_batch_size=100, optimizer="Adam",
                         optimizer_param={"lr": 0.01}, evaluate_sample_num_per_epoch=120)
    np.random.seed(5)
    trainer.train()
    out = capsys.readouterr().out.splitlines()
    np.random.seed(5)
    book_losses, book_acc = [], []
    for i in range(6):  # int(2 epochs * 300 / 100) steps; an evaluation at steps 0 and 3
        mask = np.random.choice(300, 100)
        book_opt.update(book.params, book.gradient(x[mask], t[mask]))
        book_losses.append(book.loss(x[mask], t[mask]))
        if i % 3 == 0:
            book_acc.append((book.accuracy(x[:120], t[:120]), book.accuracy(x_test[:120], t_test[:120])))
    np.testing.assert_allclose(trainer.train_loss_list, book_losses, rtol=1e-5)
    assert list(zip(trainer.train_acc_list, trainer.test_acc_list)) == book_acc
    losses = [float(line.split(":")[1]) for line in out if line.startswith("train loss:")]
    assert losses == trainer.train_loss_list
    epochs = [line for line in out if line.startswith("=== epoch:")]
    assert epochs == [f"=== epoch:{k + 1}, train acc:{a}, test acc:{b} ===" for k, (a, b) in enumerate(book_acc)]
    assert out[-2:] == ["=============== Final Test Accuracy ===============",
                        f"test acc:{book.accuracy(x_test, t_test)}"]
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'.*SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam"):
        tb.Trainer(net, x, t, x_test, t_test, optimizer="adamw")


# --- util ---------------------------------------------------------------------------------------

def test_smooth_curve_is_the_books_kaiser_window():
    x = list(np.random.default_rng(0).random(40))
    s = np.r_[x[10:0:-1], x, x[-1:-11:-1]]  # common/util.py
    w = np.kaiser(11, 2)
    book = np.convolve(w / w.sum(), s, mode="valid")[5:-5]
    np.testing.assert_array_equal(tb.smooth_curve(x), book)
    assert len(tb.smooth_curve(x)) == 40


def test_shuffle_dataset_keeps_pairs_and_conv_output_size_is_the_books():
    x, t = np.arange(24.0).reshape(6, 1, 2, 2), np.arange(6)
    np.random.seed(1)
    xs, ts = tb.shuffle_dataset(x, t)
    np.random.seed(1)
    permutation = np.random.permutation(6)
    np.testing.assert_array_equal(ts, permutation)
    np.testing.assert_array_equal(xs, x[permutation])
    assert tb.conv_output_size(28, 5) == 24.0 and tb.conv_output_size(7, 3, stride=2, pad=1) == 4.0


def book_im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w))
    for y in range(filter_h):
        for x in range(filter_w):
            col[:, :, y, x, :, :] = img[:, :, y:y + stride * out_h:stride, x:x + stride * out_w:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


@pytest.mark.parametrize("stride, pad", [(1, 0), (1, 1), (2, 1)])
def test_im2col_and_col2im_are_the_books(stride, pad):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 7)).astype(np.float32)
    col = tb.im2col(x, 3, 3, stride, pad)
    np.testing.assert_array_equal(col, book_im2col(x, 3, 3, stride, pad))
    assert col.dtype == np.float64  # as the book's (its np.zeros)
    # col2im is im2col's adjoint: <im2col(x), c> == <x, col2im(c)>
    c = np.random.default_rng(1).standard_normal(col.shape)
    back = tb.col2im(c, x.shape, 3, 3, stride, pad)
    assert back.shape == x.shape and back.dtype == np.float64
    assert np.sum(col * c) == pytest.approx(np.sum(x * back), rel=1e-10)


# --- the book's layers: chapter 7-8 details -----------------------------------------------------

def test_convolution_takes_a_scalar_bias_as_apply_filter_does():
    rng = np.random.default_rng(0)
    w, img = rng.standard_normal((1, 1, 5, 5)), rng.random((1, 1, 28, 28))
    conv = tb.Convolution(w, 0)
    out = conv.forward(img)
    np.testing.assert_array_equal(out, tb.Convolution(w, np.zeros(1)).forward(img))
    conv.backward(np.ones_like(out))
    assert np.ndim(conv.db) == 0 and conv.db == out.size  # the gradient of that one number
    shifted = tb.Convolution(np.concatenate([w, w]), 0.5).forward(img)
    np.testing.assert_allclose(shifted[:, 1], out[:, 0] + 0.5, rtol=1e-12)
    with pytest.raises(ValueError, match=r"bias b has shape \(3,\)"):
        tb.Convolution(np.concatenate([w, w]), np.zeros(3)).forward(img)


def test_relu_backward_is_zero_under_the_mask_even_for_an_infinite_dout():
    relu = tb.Relu()
    relu.forward(np.array([[-1.0, 2.0], [0.0, 3.0]]))
    dout = np.array([[np.inf, -np.inf], [np.inf, -1.0]])
    kept = dout.copy()
    with np.errstate(all="raise"):
        dx = relu.backward(dout)
    np.testing.assert_array_equal(dx, [[0.0, -np.inf], [0.0, -1.0]])
    assert not np.signbit(dx[0, 0]) and not np.signbit(dx[1, 0])  # 0.0 as the book writes it
    np.testing.assert_array_equal(dout, kept)


@pytest.mark.parametrize("layer, x", [
    (lambda: tb.Affine(np.ones((3, 2), np.float32), np.zeros(2, np.float32)), np.ones((4, 3), np.float32)),
    (lambda: tb.Sigmoid(), np.ones((4, 3), np.float32)),
    (lambda: tb.Relu(), np.ones((4, 3), np.float32)),
    (lambda: tb.Convolution(np.ones((2, 1, 3, 3), np.float32), np.zeros(2, np.float32)), np.ones((2, 1, 5, 5), np.float32)),
    (lambda: tb.Pooling(2, 2, stride=2), np.arange(32, dtype=np.float32).reshape(2, 1, 4, 4)),
])
def test_a_float64_dout_after_a_float32_forward_gives_float64_as_the_books_formula(layer, x):
    layer = layer()
    out = layer.forward(x)
    assert out.dtype == np.float32
    dout = np.full(out.shape, 1 / 3)          # float64, not representable in float32
    dx = layer.backward(dout)
    assert dx.dtype == np.float64
    assert layer.backward(dout.astype(np.float32)).dtype == np.float32
    if isinstance(layer, tb.Affine):          # the book's dx = dout @ W.T, dW = x.T @ dout, in float64
        layer.backward(dout)
        np.testing.assert_array_equal(layer.dW, x.T.astype(np.float64) @ dout)
        np.testing.assert_array_equal(dx, dout @ layer.W.T.astype(np.float64))


def test_labels_of_shape_n_1_are_class_indices():
    x = np.array([[0.1, 0.9, 0.3], [2.0, -1.0, 0.5]])
    layer, flat = tb.SoftmaxWithLoss(), tb.SoftmaxWithLoss()
    assert layer.forward(x, np.array([[1], [0]])) == flat.forward(x, np.array([1, 0]))
    np.testing.assert_array_equal(layer.backward(), flat.backward())
    net = nn.MultiLayerNet(3, [4], 3, rng=np.random.default_rng(0))
    assert net.loss(x, np.array([[1], [0]])) == net.loss(x, np.array([1, 0]))
    assert net.accuracy(x, np.array([[1], [0]])) == net.accuracy(x, np.array([1, 0]))


def test_ch07_gradient_check_with_its_1_by_1_labels():
    """ch07/gradient_check.py: a 10x10 input, labels np.array([1]).reshape((1, 1))."""
    np.random.seed(0)
    network = nn.SimpleConvNet(input_dim=(1, 10, 10), conv_param={"filter_num": 10, "filter_size": 3, "pad": 0, "stride": 1},
                               hidden_size=10, output_size=10, weight_init_std=0.01)
    X = np.random.rand(100).reshape((1, 1, 10, 10))
    T = np.array([1]).reshape((1, 1))
    grad_num = network.numerical_gradient(X, T)
    grad = network.gradient(X, T)
    for key, val in grad_num.items():
        diff = np.abs(grad_num[key] - grad[key])
        # central differences across a kink (a ReLU or a pooling window's maximum) miss a few entries
        assert np.median(diff) < 1e-9 and diff.mean() < 1e-5, (key, np.median(diff), diff.mean())


# --- load_params: the book's pickles, safely --------------------------------------------------

def test_a_pickle_naming_os_system_is_refused_by_name_and_never_run(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    path = tmp_path / "params.pkl"
    path.write_bytes(pickle.dumps({"W1": Evil()}))
    net = nn.SimpleConvNet(input_dim=(1, 6, 6), conv_param={"filter_num": 2, "filter_size": 3}, hidden_size=4)
    before = {key: value.copy() for key, value in net.params.items()}
    with pytest.raises(RefusedPickle, match=r"names (posix|nt)\.system; only NumPy arrays, dicts and lists"):
        net.load_params(path)
    assert not marker.exists()
    for key in before:
        np.testing.assert_array_equal(net.params[key], before[key])
    for payload, words in ((pickle.dumps({"f": eval}), "builtins.eval"),
                           (pickle.dumps({"a": np.array([1, "x"], dtype=object)}), "dtype object"),
                           (pickle.dumps({"a": (1, 2)}), "type tuple"),
                           (pickle.dumps({1: np.ones(2)}), "key of type int")):
        with pytest.raises(RefusedPickle, match=words):
            load_arrays(io.BytesIO(payload))


def test_load_params_reads_a_pickle_of_arrays_and_an_npz_under_any_name(tmp_path):
    net = nn.SimpleConvNet(input_dim=(1, 6, 6), conv_param={"filter_num": 2, "filter_size": 3}, hidden_size=4,
                           rng=np.random.default_rng(0))
    saved = {key: value + 1.0 for key, value in net.params.items()}
    (tmp_path / "params.pkl").write_bytes(pickle.dumps(saved))  # what the book's save_params writes
    aliases = dict(net.params)
    net.load_params(tmp_path / "params.pkl")
    for key in saved:
        np.testing.assert_array_equal(net.params[key], saved[key])
        assert net.params[key] is aliases[key]
    net.save_params(tmp_path / "mine.pkl")        # train_convnet.py's name; .npz content
    other = nn.SimpleConvNet(input_dim=(1, 6, 6), conv_param={"filter_num": 2, "filter_size": 3}, hidden_size=4)
    other.load_params(tmp_path / "mine.pkl")
    np.testing.assert_array_equal(other.params["W2"], saved["W2"])
    (tmp_path / "list.pkl").write_bytes(pickle.dumps([np.ones(2)]))
    with pytest.raises(ValueError, match="holds a list, not a dict"):
        other.load_params(tmp_path / "list.pkl")


@pytest.mark.skipif(not (BOOK_DATA / "params.pkl").exists(), reason="the book's params.pkl is not in ../shared/data/book")
def test_the_books_trained_simple_convnet_loads_and_classifies_the_bundled_digits():
    """ch07/apply_filter.py and visualize_filter.py's load; the accuracy the book's own code
    gives with these weights on these 2,000 digits is 0.971."""
    _, (x, t) = load_mnist_bundled(flatten=False)
    network = nn.SimpleConvNet(input_dim=(1, 28, 28), conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},
                               hidden_size=100, output_size=10, weight_init_std=0.01)
    network.load_params(str(BOOK_DATA / "params.pkl"))
    assert network.params["W1"].shape == (30, 1, 5, 5)
    assert network.accuracy(x, t) == 0.971
    # apply_filter.py: each learned filter on an image, bias 0
    w = network.params["W1"][0].reshape(1, 1, 5, 5)
    out = tb.Convolution(w, 0).forward(x[:1].astype(np.float64))
    np.testing.assert_allclose(out[0, 0], (book_im2col(x[:1], 5, 5) @ w.reshape(-1)).reshape(24, 24), rtol=1e-12)


@pytest.mark.skipif(not (BOOK_DATA / "deep_convnet_params.pkl").exists(),
                    reason="the book's deep_convnet_params.pkl is not in ../shared/data/book")
def test_the_books_trained_deep_convnet_loads_and_classifies_the_bundled_digits():
    """ch08/misclassified_mnist.py: its loop over batches of 100; the book's own code gives
    test accuracy:0.992 with these weights on the first 1,000 of these digits (0.9855 on all 2,000)."""
    _, (x_test, t_test) = load_mnist_bundled(flatten=False)
    x_test, t_test = x_test[:1000], t_test[:1000]
    network = nn.DeepConvNet()
    network.load_params(str(BOOK_DATA / "deep_convnet_params.pkl"))
    acc, batch_size = 0.0, 100
    for i in range(int(x_test.shape[0] / batch_size)):
        tx = x_test[i * batch_size:(i + 1) * batch_size]
        tt = t_test[i * batch_size:(i + 1) * batch_size]
        y = np.argmax(network.predict(tx, train_flg=False), axis=1)
        acc += np.sum(y == tt)
    acc = acc / x_test.shape[0]
    assert "test accuracy:" + str(acc) == "test accuracy:0.992"
