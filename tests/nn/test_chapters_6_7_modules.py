"""Modules of the book's chapters 6-7 (Conv2d, MaxPool2d; Dropout and BatchNorm themselves in
tests/ops/test_dropout_batch_norm.py), train()/eval(), buffers in state_dict() and files, and the optimizers Nesterov and RMSprop against the book's
update rules."""
import numpy as np
import pytest

import autograd.functions as F
import nn
from autograd import Tensor


def test_conv2d_module_shapes_init_and_forward():
    conv = nn.Conv2d(3, 8, 5, stride=1, pad=2, rng=np.random.default_rng(0))
    assert conv.W.shape == (8, 3, 5, 5) and conv.b.shape == (8,)
    assert abs(conv.W.data.std() - 0.01) < 0.002
    he = nn.Conv2d(3, 8, 5, init="he", rng=np.random.default_rng(0))
    assert abs(he.W.data.std() - np.sqrt(2 / 75)) < 0.02
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 6))
    np.testing.assert_array_equal(conv(x).data, F.conv2d(x, conv.W, conv.b, pad=2).data)
    assert [n for n, _ in conv.named_parameters()] == ["W", "b"]
    assert nn.Conv2d(1, 2, (3, 1), dtype=np.float32).W.shape == (2, 1, 3, 1)
    assert nn.Conv2d(1, 2, 3, dtype=np.float32).W.dtype == np.float32


@pytest.mark.parametrize("args, words", [((0, 2, 3), ["in_channels", "0"]), ((1, 2, 2.5), ["kernel_size", "2.5"])])
def test_conv2d_module_refuses_bad_sizes(args, words):
    with pytest.raises((ValueError, TypeError)) as e:
        nn.Conv2d(*args)
    assert all(w in str(e.value) for w in words)


def test_max_pool_module():
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
    np.testing.assert_array_equal(nn.MaxPool2d(2)(x).data, F.max_pool2d(x, 2).data)
    np.testing.assert_array_equal(nn.MaxPool2d(3, stride=1, pad=1)(x).data, F.max_pool2d(x, 3, stride=1, pad=1).data)
    assert list(nn.MaxPool2d(2).parameters()) == []


def test_max_pool_module_strides_by_its_window_in_each_direction():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 9))
    out = nn.MaxPool2d((2, 3))(x)  # PyTorch's MaxPool2d((2, 3)): stride (2, 3), windows side by side
    assert out.shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(out.data, x.reshape(2, 3, 2, 2, 3, 3).max(axis=(3, 5)))
    np.testing.assert_array_equal(nn.MaxPool2d((2, 3), stride=1)(x).data, F.max_pool2d(x, 2, 3, stride=1).data)


def test_train_and_eval_reach_every_submodule():
    model = nn.Sequential(nn.Affine(4, 3), nn.Dropout(0.5), nn.BatchNorm(3))
    assert model.training and all(m.training for m in model)
    assert model.eval() is model
    assert not model.training and not any(m.training for m in model)
    assert len(model) == 3 and isinstance(model[2], nn.BatchNorm)  # the flag is no layer
    model.train()
    assert all(m.training for m in model)


def test_nested_buffers_are_named_by_path():
    model = nn.Sequential(nn.Affine(4, 3), nn.BatchNorm(3))
    assert [n for n, _ in model.named_buffers()] == ["1.running_mean", "1.running_var"]
    assert set(model.state_dict()) == {"0.W", "0.b", "1.gamma", "1.beta", "1.running_mean", "1.running_var"}
    with pytest.raises(KeyError, match="1.running_mean"):
        model.load_state_dict({k: v for k, v in model.state_dict().items() if k != "1.running_mean"})


# --- optimizers: the book's common/optimizer.py, on dicts of arrays ------------------------------

def book_nesterov(params, grads, v, lr, momentum):
    """As the book's repository has it since its 2021 fix: the parameters move with the previous
    velocity, and the velocity is updated after."""
    for key in params:
        params[key] += momentum * momentum * v[key]
        params[key] -= (1 + momentum) * lr * grads[key]
        v[key] *= momentum
        v[key] -= lr * grads[key]


def book_rmsprop(params, grads, h, lr, decay_rate):
    for key in params:
        h[key] *= decay_rate
        h[key] += (1 - decay_rate) * grads[key] * grads[key]
        params[key] -= lr * grads[key] / (np.sqrt(h[key]) + 1e-7)


@pytest.mark.parametrize("cls, book, kw", [(nn.optim.Nesterov, book_nesterov, {"momentum": 0.8}),
                                           (nn.optim.RMSprop, book_rmsprop, {"decay_rate": 0.95})])
def test_optimizers_follow_the_books_update_rules(cls, book, kw):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 2)), rng.standard_normal(2)
    ref = {"a": a.copy(), "b": b.copy()}
    state = {"a": np.zeros_like(a), "b": np.zeros_like(b)}
    pa, pb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    opt = cls([pa, pb], lr=0.05, **kw)
    for step in range(5):
        ga, gb = rng.standard_normal((3, 2)), rng.standard_normal(2)
        pa.grad, pb.grad = Tensor(ga), Tensor(gb)
        opt.step()
        book(ref, {"a": ga, "b": gb}, state, 0.05, *kw.values())
        np.testing.assert_allclose(pa.data, ref["a"], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(pb.data, ref["b"], rtol=1e-13, atol=1e-15)


def test_optimizers_train_a_batchnorm_model_without_touching_the_buffers():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Affine(4, 8, init="he", rng=rng), nn.BatchNorm(8), nn.ReLU(), nn.Affine(8, 2, rng=rng))
    x, t = rng.standard_normal((32, 4)), (rng.standard_normal(32) > 0).astype(int)
    for cls in (nn.optim.Nesterov, nn.optim.RMSprop):
        opt = cls(model.parameters(), lr=0.01)
        assert len(opt.params) == 6
        first = None
        for _ in range(30):
            loss = F.cross_entropy(model(x), t)
            first = first or loss.item()
            opt.zero_grad()
            loss.backward()
            opt.step()
        assert loss.item() < first
