"""nn.TwoLayerNet against the textbook's raw-NumPy TwoLayerNet (chapter 5), line for line."""
from collections import OrderedDict

import numpy as np
import pytest

import nn
from autograd import Tensor

KEYS = ("W1", "b1", "W2", "b2")


# --- the textbook's layers and network, in raw NumPy (seed 002) -----------------------------

def softmax(x):
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)
    return np.exp(x) / np.sum(np.exp(x))


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class BookRelu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class BookAffine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx


class BookSoftmaxWithLoss:
    def __init__(self):
        self.loss = self.y = self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:  # one-hot rows, as in the chapter
            return (self.y - self.t) / batch_size
        dx = self.y.copy()  # class labels: the book's common/layers.py version
        dx[np.arange(batch_size), self.t] -= 1
        return dx / batch_size


class BookTwoLayerNet:
    def __init__(self, params):
        self.params = {key: params[key].copy() for key in KEYS}
        self.layers = OrderedDict()
        self.layers["Affine1"] = BookAffine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = BookRelu()
        self.layers["Affine2"] = BookAffine(self.params["W2"], self.params["b2"])
        self.lastLayer = BookSoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.lastLayer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        y = np.argmax(self.predict(x), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.sum(y == t) / float(x.shape[0])

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        return {"W1": self.layers["Affine1"].dW, "b1": self.layers["Affine1"].db,
                "W2": self.layers["Affine2"].dW, "b2": self.layers["Affine2"].db}


# --- data ------------------------------------------------------------------------------------

def fake_images(n, size=784, seed=0):
    """MNIST-like data: float32 pixels in [0, 1] and labels that depend on them."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, size), dtype=np.float32)
    labels = np.argmax(x @ rng.standard_normal((size, 10)), axis=1)
    return x, labels


def make_pair(input_size=784, hidden_size=50, output_size=10, seed=0):
    """Our net and the textbook's, holding the same weights (biases made non-zero)."""
    net = nn.TwoLayerNet(input_size, hidden_size, output_size, rng=np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 100)
    net.params["b1"][...] = 0.01 * rng.standard_normal(hidden_size)
    net.params["b2"][...] = 0.01 * rng.standard_normal(output_size)
    return net, BookTwoLayerNet(net.params)


# --- API -------------------------------------------------------------------------------------

def test_params_are_the_models_own_arrays():
    net = nn.TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    assert list(net.params) == list(KEYS)
    shapes = {"W1": (784, 50), "b1": (50,), "W2": (50, 10), "b2": (10,)}
    assert {key: a.shape for key, a in net.params.items()} == shapes
    assert all(type(a) is np.ndarray and a.dtype == np.float64 for a in net.params.values())
    assert net.params["W1"] is net.layers["Affine1"].W.data
    assert net.params["b1"] is net.layers["Affine1"].b.data
    assert net.params["W2"] is net.layers["Affine2"].W.data
    assert net.params["b2"] is net.layers["Affine2"].b.data
    np.testing.assert_array_equal(net.params["b1"], np.zeros(50))


def test_layers_are_an_ordered_dict_and_lastLayer_is_softmax_with_loss():
    net = nn.TwoLayerNet(4, 3, 2)
    assert isinstance(net.layers, OrderedDict)
    assert list(net.layers) == ["Affine1", "Relu1", "Affine2"]
    assert [type(layer) for layer in net.layers.values()] == [nn.Affine, nn.ReLU, nn.Affine]
    assert isinstance(net.lastLayer, nn.SoftmaxWithLoss)


def test_initial_weights_are_the_textbooks_for_the_same_seed():
    np.random.seed(42)
    net = nn.TwoLayerNet(input_size=20, hidden_size=5, output_size=3)
    np.random.seed(42)
    np.testing.assert_array_equal(net.params["W1"], 0.01 * np.random.randn(20, 5))
    np.testing.assert_array_equal(net.params["W2"], 0.01 * np.random.randn(5, 3))
    np.testing.assert_array_equal(net.params["b2"], np.zeros(3))

    np.random.seed(42)
    wide = nn.TwoLayerNet(20, 5, 3, weight_init_std=0.5)
    np.random.seed(42)
    np.testing.assert_array_equal(wide.params["W1"], 0.5 * np.random.randn(20, 5))


def test_updating_params_in_place_trains_the_model():
    net = nn.TwoLayerNet(6, 4, 3, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 6))
    before = net.predict(x).copy()
    net.params["b2"] -= 1.0
    np.testing.assert_allclose(net.predict(x), before - 1.0, rtol=1e-12)
    assert net.layers["Affine2"].b.data is net.params["b2"]


def test_predict_loss_and_accuracy_agree_with_the_textbook():
    net, book = make_pair(seed=1)
    x, labels = fake_images(40)
    one_hot = np.eye(10)[labels]
    y = net.predict(x)
    assert type(y) is np.ndarray  # an array, as the book's; net(x) is the Tensor
    np.testing.assert_allclose(y, book.predict(x), rtol=1e-12, atol=1e-15)
    assert isinstance(net(x), Tensor)
    np.testing.assert_array_equal(net(x).data, y)
    for t in (labels, one_hot):
        loss = net.loss(x, t)
        assert type(loss) is np.float64  # a number, as the book's: print(loss) shows its digits
        assert str(loss) == repr(float(loss))
        # the textbook adds 1e-7 inside its log; ours is exact: only the loss value differs
        assert abs(loss - book.loss(x, t)) < 1e-5
        assert net.accuracy(x, t) == book.accuracy(x, t)
    assert net.accuracy(x, labels) == net.accuracy(x, one_hot)


def test_accuracy_is_the_fraction_of_correct_predictions():
    net = nn.TwoLayerNet(3, 4, 2, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((8, 3))
    predicted = np.argmax(net.predict(x), axis=1)
    t = predicted.copy()
    t[:3] = 1 - t[:3]
    assert net.accuracy(x, t) == pytest.approx(5 / 8)
    assert net.accuracy(x, np.eye(2)[t]) == pytest.approx(5 / 8)


@pytest.mark.parametrize("one_hot", [False, True], ids=["labels", "one-hot"])
def test_gradient_equals_the_textbooks_backprop(one_hot):
    net, book = make_pair(seed=2)
    x, labels = fake_images(100, seed=3)
    t = np.eye(10)[labels] if one_hot else labels
    ours, theirs = net.gradient(x, t), book.gradient(x, t)
    assert list(ours) == list(KEYS)
    for key in KEYS:
        assert type(ours[key]) is np.ndarray and ours[key].shape == net.params[key].shape
        np.testing.assert_allclose(ours[key], theirs[key], rtol=0, atol=1e-10, err_msg=key)


def test_gradient_returns_fresh_arrays_each_call():
    net = nn.TwoLayerNet(6, 5, 3, rng=np.random.default_rng(0))
    x, labels = fake_images(10, size=6, seed=1)
    labels = labels % 3
    first = net.gradient(x, labels)
    kept = {key: g.copy() for key, g in first.items()}
    second = net.gradient(x[:4], labels[:4])
    for key in KEYS:
        assert first[key] is not second[key] and not np.shares_memory(first[key], second[key])
        np.testing.assert_array_equal(first[key], kept[key])
        assert not np.shares_memory(first[key], net.params[key])
    # no accumulation across calls: the same batch gives the same gradient again
    for key, g in net.gradient(x, labels).items():
        np.testing.assert_allclose(g, kept[key], rtol=1e-14, atol=0)
    # writing into a returned gradient changes neither the model nor later gradients
    before = {key: a.copy() for key, a in net.params.items()}
    second["W1"][...] = 1e9
    for key in KEYS:
        np.testing.assert_array_equal(net.params[key], before[key])
    np.testing.assert_allclose(net.gradient(x, labels)["W1"], kept["W1"], rtol=1e-14, atol=0)


def test_textbook_training_loop_gives_the_textbooks_parameters_after_200_steps():
    # the chapter's loop and sizes, on 10x10 images to stay fast; float64 pixels, as train_mnist
    # casts them (float32 @ float64 skips BLAS and is ~10x slower)
    net, book = make_pair(input_size=100, seed=4)
    x_train, labels = fake_images(1000, size=100, seed=5)
    x_train = x_train.astype(np.float64)
    t_train = np.eye(10)[labels]                    # one_hot_label=True, as the chapter loads it
    x_test, test_labels = fake_images(200, size=100, seed=6)
    x_test = x_test.astype(np.float64)
    t_test = np.eye(10)[test_labels]
    learning_rate, batch_size, iters_num = 0.1, 100, 200
    batches = np.random.RandomState(7)
    losses, book_losses, accs = [], [], []
    for i in range(iters_num):
        batch_mask = batches.choice(x_train.shape[0], batch_size)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grad, book_grad = net.gradient(x_batch, t_batch), book.gradient(x_batch, t_batch)
        for key in KEYS:
            net.params[key] -= learning_rate * grad[key]
            book.params[key] -= learning_rate * book_grad[key]
        losses.append(net.loss(x_batch, t_batch))
        book_losses.append(book.loss(x_batch, t_batch))
        if i % 50 == 0:
            accs.append((net.accuracy(x_train, t_train), net.accuracy(x_test, t_test),
                         book.accuracy(x_train, t_train), book.accuracy(x_test, t_test)))
    owners = {"W1": net.layers["Affine1"].W, "b1": net.layers["Affine1"].b,
              "W2": net.layers["Affine2"].W, "b2": net.layers["Affine2"].b}
    for key in KEYS:
        np.testing.assert_allclose(net.params[key], book.params[key], rtol=0, atol=1e-8, err_msg=key)
        assert owners[key].data is net.params[key]
    np.testing.assert_allclose(losses, book_losses, atol=1e-5)
    assert all(a[:2] == a[2:] for a in accs)
    assert losses[-1] < 0.8 * losses[0]             # it learned something


def test_gradient_agrees_with_numerical_gradient_on_three_samples():
    net, _ = make_pair(input_size=20, hidden_size=8, output_size=10, seed=8)
    x, labels = fake_images(3, size=20, seed=9)
    t = np.eye(10)[labels]
    before = {key: a.copy() for key, a in net.params.items()}
    grad_numerical = net.numerical_gradient(x, t)
    grad_backprop = net.gradient(x, t)
    for key in KEYS:
        assert grad_numerical[key].shape == net.params[key].shape
        diff = np.average(np.abs(grad_backprop[key] - grad_numerical[key]))
        assert diff < 1e-7, (key, diff)
        np.testing.assert_array_equal(net.params[key], before[key])  # restored


def test_float32_net_keeps_float32_params_and_gradients():
    net = nn.TwoLayerNet(12, 6, 4, dtype=np.float32, rng=np.random.default_rng(0))
    x, labels = fake_images(5, size=12)
    grads = net.gradient(x, labels % 4)
    for key in KEYS:
        assert net.params[key].dtype == np.float32 and grads[key].dtype == np.float32
        net.params[key] -= 0.1 * grads[key]
        assert net.params[key].dtype == np.float32
