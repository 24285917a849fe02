"""Tests for nn.Module, nn.Parameter, nn.Sequential, saving/loading and the layers."""
import os
import re
from pathlib import Path

import numpy as np
import pytest

import autograd
import autograd.functions as F
import nn
from autograd import Tensor

NN_DIR = Path(__file__).resolve().parents[2] / "nn"


def small_sequential(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Affine(4, 3, rng=rng), nn.ReLU(), nn.Affine(3, 2, rng=rng))


def backprop_once(model, n=5, seed=1):
    rng = np.random.default_rng(seed)
    loss = nn.SoftmaxWithLoss()(model(rng.standard_normal((n, model[0].W.shape[0]))),
                                rng.integers(0, model[2].W.shape[1], n))
    loss.backward()


def params_snapshot(module):
    return {name: p.data.copy() for name, p in module.named_parameters()}


def assert_params_equal(module, snapshot):
    for name, p in module.named_parameters():
        np.testing.assert_array_equal(p.data, snapshot[name], err_msg=name)


# --- Parameter, Module, Sequential ----------------------------------------------------------

def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(np.ones(3))
    assert isinstance(p, Tensor)
    assert p.requires_grad and p.is_leaf and p.grad is None
    assert not nn.Parameter(np.ones(3), requires_grad=False).requires_grad


def test_sequential_names_parameters_by_position_in_order():
    model = small_sequential()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.W", "0.b", "2.W", "2.b"]
    expected = [model[0].W, model[0].b, model[2].W, model[2].b]
    assert len(model.parameters()) == 4
    assert all(p is q for p, q in zip(model.parameters(), expected))
    assert all(p is q for (_, p), q in zip(model.named_parameters(), expected))


def test_sequential_applies_its_modules_in_order():
    model = small_sequential()
    x = np.random.default_rng(2).standard_normal((6, 4))
    h = np.maximum(x @ model[0].W.data + model[0].b.data, 0)
    np.testing.assert_allclose(model(x).data, h @ model[2].W.data + model[2].b.data, rtol=1e-13)
    assert len(model) == 3 and isinstance(model[1], nn.ReLU)
    assert [type(m).__name__ for m in model] == ["Affine", "ReLU", "Affine"]


def test_nested_modules_and_own_parameters_are_named_by_attribute_path():
    class Net(nn.Module):
        def __init__(self):
            self.body = small_sequential()
            self.scale = nn.Parameter(np.ones(2))
            self.head = nn.Affine(2, 1)

        def forward(self, x):
            return self.head(self.body(x) * self.scale)

    names = [name for name, _ in Net().named_parameters()]
    assert names == ["body.0.W", "body.0.b", "body.2.W", "body.2.b", "scale", "head.W", "head.b"]


def test_two_layer_net_parameter_names():
    net = nn.TwoLayerNet(6, 4, 3)
    named = dict(net.named_parameters())
    assert list(named) == ["layers.Affine1.W", "layers.Affine1.b", "layers.Affine2.W", "layers.Affine2.b"]
    assert named["layers.Affine1.W"] is net.layers["Affine1"].W
    assert named["layers.Affine2.b"] is net.layers["Affine2"].b


def test_zero_grad_sets_every_grad_to_none():
    model = small_sequential()
    backprop_once(model)
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_maps_names_to_copies():
    model = small_sequential()
    state = model.state_dict()
    assert list(state) == ["0.W", "0.b", "2.W", "2.b"]
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(state[name], p.data)
        assert isinstance(state[name], np.ndarray) and not np.shares_memory(state[name], p.data)
    before = model[0].W.data.copy()
    state["0.W"] += 1.0
    np.testing.assert_array_equal(model[0].W.data, before)
    model[2].b.data += 5.0
    assert not np.any(state["2.b"] == model[2].b.data)


def test_load_state_dict_copies_in_place_keeping_aliases():
    net, other = nn.TwoLayerNet(6, 4, 3, rng=np.random.default_rng(0)), nn.TwoLayerNet(6, 4, 3, rng=np.random.default_rng(1))
    other.params["b1"][...] = 0.5
    params_before = dict(net.params)
    arrays_before = {name: p.data for name, p in net.named_parameters()}
    state = other.state_dict()
    assert list(state) == ["W1", "b1", "W2", "b2"]  # the book's keys, as its save_params writes
    net.load_state_dict(state)
    for key in ("W1", "b1", "W2", "b2"):
        assert net.params[key] is params_before[key]
        np.testing.assert_array_equal(net.params[key], other.params[key])
        assert not np.shares_memory(net.params[key], state[key])
    for name, p in net.named_parameters():
        assert p.data is arrays_before[name]
    # a state under the module paths (what TwoLayerNet.save wrote before) loads as well
    net.load_state_dict({name: p.data + 1 for name, p in other.named_parameters()})
    np.testing.assert_array_equal(net.params["W2"], other.params["W2"] + 1)


@pytest.mark.parametrize("change, error, words", [
    (lambda s: s.pop("2.W"), KeyError, ["2.W", "missing"]),
    (lambda s: s.__setitem__("3.W", np.zeros((3, 2))), KeyError, ["3.W", "unexpected"]),
    (lambda s: s.__setitem__("2.W", np.zeros((2, 3))), ValueError, ["2.W", "(3, 2)", "(2, 3)"]),
])
def test_load_state_dict_mismatch_is_an_error_naming_the_parameter_and_changes_nothing(change, error, words):
    model = small_sequential(seed=0)
    before = params_snapshot(model)
    state = {name: value + 1.0 for name, value in small_sequential(seed=1).state_dict().items()}
    change(state)
    with pytest.raises(error) as info:
        model.load_state_dict(state)
    for word in words:
        assert word in str(info.value)
    assert_params_equal(model, before)


def test_save_and_load_round_trip(tmp_path):
    model = small_sequential(seed=0)
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path) as npz:
        assert sorted(npz.files) == ["0.W", "0.b", "2.W", "2.b"]
        np.testing.assert_array_equal(npz["0.W"], model[0].W.data)
    fresh = small_sequential(seed=1)
    assert fresh.load(str(path)) is fresh
    assert_params_equal(fresh, params_snapshot(model))


def test_save_and_load_keep_float32(tmp_path):
    net = nn.TwoLayerNet(5, 3, 2, dtype=np.float32)
    net.save(tmp_path / "net.npz")
    fresh = nn.TwoLayerNet(5, 3, 2, dtype=np.float32, rng=np.random.default_rng(7))
    fresh.load(tmp_path / "net.npz")
    for key in ("W1", "b1", "W2", "b2"):
        assert fresh.params[key].dtype == np.float32
        np.testing.assert_array_equal(fresh.params[key], net.params[key])


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "model.npz"
    small_sequential(seed=1).save(path)
    model = small_sequential(seed=0)
    model.save(path)
    fresh = small_sequential(seed=2).load(path)
    assert_params_equal(fresh, params_snapshot(model))
    assert os.listdir(tmp_path) == ["model.npz"]


def test_saved_file_gets_ordinary_permissions(tmp_path):
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    small_sequential().save(tmp_path / "model.npz")
    assert (tmp_path / "model.npz").stat().st_mode == plain.stat().st_mode


def test_save_failing_midway_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = small_sequential(seed=1)
    old.save(path)
    old_bytes = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        small_sequential(seed=0).save(path)
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["model.npz"]
    monkeypatch.undo()
    assert_params_equal(small_sequential(seed=2).load(path), params_snapshot(old))


def test_save_failing_to_a_new_path_leaves_nothing(tmp_path, monkeypatch):
    def broken_savez(file, **arrays):
        file.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(KeyboardInterrupt):
        small_sequential().save(tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []


def test_load_of_a_missing_file_names_it(tmp_path):
    path = tmp_path / "nowhere.npz"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        small_sequential().load(path)


def _truncated(tmp_path):
    path = tmp_path / "good.npz"
    small_sequential().save(path)
    raw = path.read_bytes()
    return raw[: len(raw) // 2]


def _npy_file_bytes(tmp_path):
    np.save(tmp_path / "array.npy", np.zeros(3))
    return (tmp_path / "array.npy").read_bytes()


@pytest.mark.parametrize("content", [
    pytest.param(_truncated, id="truncated"),
    pytest.param(lambda tmp_path: b"", id="empty"),
    pytest.param(lambda tmp_path: b"this is not an npz archive\n" * 20, id="garbage"),
    pytest.param(_npy_file_bytes, id="npy-not-npz"),
])
def test_load_of_an_unreadable_file_is_a_clear_error_naming_it(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content(tmp_path))
    model = small_sequential()
    before = params_snapshot(model)
    with pytest.raises(ValueError) as info:
        model.load(path)
    assert str(path) in str(info.value) and "npz" in str(info.value)
    assert_params_equal(model, before)


def test_load_of_a_file_for_another_model_names_the_parameters(tmp_path):
    nn.Sequential(nn.Affine(4, 3), nn.ReLU(), nn.Affine(3, 5)).save(tmp_path / "other.npz")
    model = small_sequential()
    before = params_snapshot(model)
    with pytest.raises(ValueError, match=r"2\.W"):
        model.load(tmp_path / "other.npz")
    assert_params_equal(model, before)


# --- Affine ---------------------------------------------------------------------------------

def test_affine_holds_W_in_by_out_and_b_out_float64_by_default():
    layer = nn.Affine(7, 3)
    assert isinstance(layer.W, nn.Parameter) and isinstance(layer.b, nn.Parameter)
    assert layer.W.shape == (7, 3) and layer.b.shape == (3,)
    assert layer.W.dtype == np.float64 and layer.b.dtype == np.float64
    np.testing.assert_array_equal(layer.b.data, np.zeros(3))
    assert [name for name, _ in layer.named_parameters()] == ["W", "b"]


def test_affine_dtype_float32_everywhere():
    layer = nn.Affine(4, 3, dtype=np.float32)
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
    x = Tensor(np.ones((2, 4), np.float32), requires_grad=True)
    y = layer(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert layer.W.grad.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("kwargs, std", [
    ({}, 0.01),
    ({"weight_init_std": 0.2}, 0.2),
    ({"init": "he"}, np.sqrt(2 / 1000)),
    ({"init": "xavier"}, np.sqrt(1 / 1000)),
])
def test_affine_initial_weight_scale(kwargs, std):
    W = nn.Affine(1000, 200, rng=np.random.default_rng(0), **kwargs).W.data
    assert abs(W.std() / std - 1) < 0.02
    assert abs(W.mean()) < 0.02 * std


def test_affine_default_init_is_the_textbooks_0_01_randn():
    np.random.seed(3)
    W = nn.Affine(5, 4).W.data
    np.random.seed(3)
    np.testing.assert_array_equal(W, 0.01 * np.random.randn(5, 4))


def test_affine_unknown_init_is_an_error_naming_it():
    with pytest.raises(ValueError, match="glorot"):
        nn.Affine(3, 2, init="glorot")


def test_affine_is_x_W_plus_b_with_the_textbook_gradients():
    rng = np.random.default_rng(0)
    layer = nn.Affine(4, 3, rng=rng)
    layer.b.data[...] = rng.standard_normal(3)
    x = Tensor(rng.standard_normal((5, 4)), requires_grad=True)
    dout = rng.standard_normal((5, 3))
    y = layer(x)
    np.testing.assert_allclose(y.data, x.data @ layer.W.data + layer.b.data, rtol=1e-13)
    y.backward(dout)
    np.testing.assert_allclose(x.grad.data, dout @ layer.W.data.T, rtol=1e-13)   # dx = dout W^T
    np.testing.assert_allclose(layer.W.grad.data, x.data.T @ dout, rtol=1e-13)   # dW = x^T dout
    np.testing.assert_allclose(layer.b.grad.data, dout.sum(axis=0), rtol=1e-13)  # db = sum dout


def test_affine_flattens_image_batches_like_the_textbooks_tensor_affine():
    rng = np.random.default_rng(1)
    layer = nn.Affine(2 * 3 * 3, 4, rng=rng)
    x = rng.standard_normal((5, 2, 3, 3))
    expected = x.reshape(5, -1) @ layer.W.data + layer.b.data
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-13)

    xt = Tensor(x, requires_grad=True)
    dout = rng.standard_normal((5, 4))
    layer(xt).backward(dout)
    assert xt.grad.shape == (5, 2, 3, 3)
    np.testing.assert_allclose(xt.grad.data, (dout @ layer.W.data.T).reshape(x.shape), rtol=1e-13)
    np.testing.assert_allclose(layer.W.grad.data, x.reshape(5, -1).T @ dout, rtol=1e-13)


@pytest.mark.parametrize("shape", [(2, 7), (2, 3, 3), (12,)])
def test_affine_wrong_feature_count_is_an_error_naming_the_shapes(shape):
    layer = nn.Affine(12, 5)
    with pytest.raises(ValueError) as info:
        layer(np.zeros(shape))
    assert str(shape) in str(info.value) and "12" in str(info.value)


# --- activations and the loss ---------------------------------------------------------------

@pytest.mark.parametrize("module, function, reference, derivative", [
    (nn.ReLU, F.relu, lambda x: np.maximum(x, 0), lambda x, y: (x > 0).astype(float)),
    (nn.Sigmoid, F.sigmoid, lambda x: 1 / (1 + np.exp(-x)), lambda x, y: (1 - y) * y),
    (nn.Tanh, F.tanh, np.tanh, lambda x, y: 1 - y ** 2),
])
def test_activation_modules_match_the_functions_and_the_textbook_layers(module, function, reference, derivative):
    x_data = np.array([[-2.0, -0.5, 0.0], [0.25, 1.0, 3.0]])
    dout = np.array([[1.0, -2.0, 3.0], [0.5, -1.5, 2.0]])
    x1, x2 = Tensor(x_data, requires_grad=True), Tensor(x_data, requires_grad=True)
    y1, y2 = module()(x1), function(x2)
    np.testing.assert_array_equal(y1.data, y2.data)
    np.testing.assert_allclose(y1.data, reference(x_data), rtol=1e-14)
    y1.backward(dout)
    y2.backward(dout)
    np.testing.assert_array_equal(x1.grad.data, x2.grad.data)
    np.testing.assert_allclose(x1.grad.data, dout * derivative(x_data, reference(x_data)), rtol=1e-13)


def test_relu_gradient_at_zero_is_zero():
    x = Tensor(np.array([0.0, 1.0, -1.0]), requires_grad=True)
    nn.ReLU()(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])


def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("one_hot", [False, True], ids=["labels", "one-hot"])
def test_softmax_with_loss_value_and_gradient(one_hot):
    rng = np.random.default_rng(0)
    x_data = rng.standard_normal((6, 4))
    labels = np.array([0, 3, 1, 1, 2, 3])
    t_one_hot = np.eye(4)[labels]
    x = Tensor(x_data, requires_grad=True)
    loss = nn.SoftmaxWithLoss()(x, t_one_hot if one_hot else labels)
    y = _softmax(x_data)
    assert loss.shape == () or loss.size == 1
    np.testing.assert_allclose(loss.item(), -np.mean(np.log(y[np.arange(6), labels])), rtol=1e-13)
    loss.backward()
    np.testing.assert_allclose(x.grad.data, (y - t_one_hot) / 6, rtol=1e-12, atol=1e-16)


def test_softmax_with_loss_textbook_example():
    x = Tensor(np.array([[0.1, 0.9]]), requires_grad=True)
    loss = nn.SoftmaxWithLoss()(x, np.array([1]))
    np.testing.assert_allclose(loss.item(), 0.37110066594777763, rtol=1e-14)
    loss.backward()
    np.testing.assert_allclose(x.grad.data, [[0.3100255, -0.3100255]], rtol=1e-6)


# --- RNN ------------------------------------------------------------------------------------

class TextbookRNN:
    """The textbook's RNN cell with its hand-written backward (seed 001)."""

    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        t = np.dot(h_prev, Wh) + np.dot(x, Wx) + b
        h_next = np.tanh(t)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - h_next ** 2)
        db = np.sum(dt, axis=0)
        dWh = np.dot(h_prev.T, dt)
        dh_prev = np.dot(dt, Wh.T)
        dWx = np.dot(x.T, dt)
        dx = np.dot(dt, Wx.T)
        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db
        return dx, dh_prev


def make_rnn(D=3, H=4, seed=0):
    rng = np.random.default_rng(seed)
    rnn = nn.RNN(D, H, rng=rng)
    rnn.b.data[...] = 0.1 * rng.standard_normal(H)
    return rnn, rng


def test_rnn_parameters_shapes_and_names():
    rnn, _ = make_rnn(3, 4)
    assert [(name, p.shape) for name, p in rnn.named_parameters()] == [
        ("Wx", (3, 4)), ("Wh", (4, 4)), ("b", (4,))]


def test_rnn_cell_is_tanh_of_h_prev_Wh_plus_x_Wx_plus_b():
    rnn, rng = make_rnn()
    x, h_prev = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    expected = np.tanh(h_prev @ rnn.Wh.data + x @ rnn.Wx.data + rnn.b.data)
    np.testing.assert_allclose(rnn.cell(x, h_prev).data, expected, rtol=1e-14)


def test_rnn_cell_gradients_equal_the_textbooks_backward():
    rnn, rng = make_rnn()
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    h_prev = Tensor(rng.standard_normal((2, 4)), requires_grad=True)
    dh_next = rng.standard_normal((2, 4))

    book = TextbookRNN(rnn.Wx.data.copy(), rnn.Wh.data.copy(), rnn.b.data.copy())
    h_book = book.forward(x.data.copy(), h_prev.data.copy())
    dx, dh_prev = book.backward(dh_next)

    h_next = rnn.cell(x, h_prev)
    np.testing.assert_allclose(h_next.data, h_book, rtol=1e-14)
    h_next.backward(dh_next)
    np.testing.assert_allclose(rnn.Wx.grad.data, book.grads[0], rtol=1e-12)
    np.testing.assert_allclose(rnn.Wh.grad.data, book.grads[1], rtol=1e-12)
    np.testing.assert_allclose(rnn.b.grad.data, book.grads[2], rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, dx, rtol=1e-12)
    np.testing.assert_allclose(h_prev.grad.data, dh_prev, rtol=1e-12)


def test_rnn_over_a_sequence_returns_every_hidden_state():
    rnn, rng = make_rnn()
    N, T = 2, 5
    xs, h0 = rng.standard_normal((N, T, 3)), rng.standard_normal((N, 4))
    book = TextbookRNN(rnn.Wx.data, rnn.Wh.data, rnn.b.data)
    for start in (None, h0):
        hs = rnn(xs, None if start is None else Tensor(start))
        assert hs.shape == (N, T, 4)
        h = np.zeros((N, 4)) if start is None else start
        for t in range(T):
            h = book.forward(xs[:, t, :], h)
            np.testing.assert_allclose(hs.data[:, t, :], h, rtol=1e-13, atol=1e-15)


def test_rnn_backprop_through_time_matches_the_textbook_cell_backward_step_by_step():
    rnn, rng = make_rnn()
    N, T = 2, 4
    xs = Tensor(rng.standard_normal((N, T, 3)), requires_grad=True)
    h0 = Tensor(rng.standard_normal((N, 4)), requires_grad=True)
    dhs = rng.standard_normal((N, T, 4))
    rnn(xs, h0).backward(dhs)

    cells, h = [], h0.data
    for t in range(T):
        cells.append(TextbookRNN(rnn.Wx.data, rnn.Wh.data, rnn.b.data))
        h = cells[-1].forward(xs.data[:, t, :], h)
    grads = [np.zeros_like(rnn.Wx.data), np.zeros_like(rnn.Wh.data), np.zeros_like(rnn.b.data)]
    dxs, dh = np.zeros(xs.shape), np.zeros((N, 4))
    for t in reversed(range(T)):
        dxs[:, t, :], dh = cells[t].backward(dhs[:, t, :] + dh)
        for total, g in zip(grads, cells[t].grads):
            total += g
    np.testing.assert_allclose(rnn.Wx.grad.data, grads[0], rtol=1e-11)
    np.testing.assert_allclose(rnn.Wh.grad.data, grads[1], rtol=1e-11)
    np.testing.assert_allclose(rnn.b.grad.data, grads[2], rtol=1e-11)
    np.testing.assert_allclose(xs.grad.data, dxs, rtol=1e-11)
    np.testing.assert_allclose(h0.grad.data, dh, rtol=1e-11)


def test_rnn_backprop_through_time_matches_finite_differences():
    rnn, rng = make_rnn(D=2, H=3)
    xs = Tensor(rng.standard_normal((2, 4, 2)), requires_grad=True)
    h0 = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    assert autograd.gradcheck(lambda xs, h0, Wx, Wh, b: rnn(xs, h0), [xs, h0, rnn.Wx, rnn.Wh, rnn.b])


def test_rnn_wrong_input_shape_is_an_error_naming_it():
    rnn, _ = make_rnn(3, 4)
    with pytest.raises(ValueError, match=re.escape("(2, 5, 7)")):
        rnn(np.zeros((2, 5, 7)))


# --- built from autograd ops only -----------------------------------------------------------

def test_nn_has_no_hand_written_backward():
    sources = {path.relative_to(NN_DIR).as_posix(): path for path in sorted(NN_DIR.rglob("*.py"))}
    assert set(sources) >= {"modules/module.py", "modules/layers.py", "optim.py", "book/two_layer_net.py"}
    # the books' APIs name a backward that hands dout to the engine; tests/book/test_textbook_layers.py checks them
    books = {"textbook.py", "textbook2.py", "book/model.py"}
    for name, path in sources.items():
        text = path.read_text(encoding="utf-8")
        if name not in books:
            assert "def backward" not in text, name
        assert not re.search(r"class \w+\((autograd\.)?Function\)", text), name
