"""Dropout and batch normalization, their one home: the ops (F.dropout, F.batch_norm) against the
book's layer formulas, and the layers built on them: nn.Dropout and nn.BatchNorm (the mode, the
running statistics as buffers), nn.textbook's Dropout and BatchNormalization (the book's API)."""
import numpy as np
import pytest

import autograd.functions as F
import nn
from autograd import Tensor
from nn.textbook import BatchNormalization, Dropout


# --- dropout -----------------------------------------------------------------------------------

def test_dropout_is_the_books_mask_in_training_and_a_scale_in_evaluation():
    x = Tensor(np.random.default_rng(0).standard_normal((4, 5)), requires_grad=True)
    np.random.seed(7)
    out = F.dropout(x, 0.3)
    np.random.seed(7)
    mask = np.random.rand(4, 5) > 0.3  # the book's Dropout.forward, drawn the same way
    np.testing.assert_array_equal(out.data, x.data * mask)
    g = np.random.default_rng(1).standard_normal((4, 5))
    out.backward(g)
    np.testing.assert_array_equal(x.grad.data, g * mask)
    x.grad = None
    ev = F.dropout(x, 0.3, training=False)
    np.testing.assert_array_equal(ev.data, x.data * (1 - 0.3))
    ev.backward(g)
    np.testing.assert_array_equal(x.grad.data, g * 0.7)


def test_dropout_draws_a_fresh_mask_each_call_and_keeps_float32():
    x = Tensor(np.ones((50, 50), dtype=np.float32))
    a, b = F.dropout(x, 0.5), F.dropout(x, 0.5)
    assert a.dtype == np.float32
    assert not np.array_equal(a.data, b.data)
    assert 0.4 < a.data.mean() < 0.6


# --- batch normalization -----------------------------------------------------------------------

def book_batchnorm(x, gamma, beta, momentum, running_mean, running_var, train, dout):
    """The book's BatchNormalization forward and backward, written out (on copies)."""
    shape = x.shape
    x = x.reshape(len(x), -1)
    running_mean, running_var = running_mean.copy(), running_var.copy()
    if train:
        mu = x.mean(axis=0)
        xc = x - mu
        var = np.mean(xc ** 2, axis=0)
        std = np.sqrt(var + 10e-7)
        xn = xc / std
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        xc = x - running_mean
        std = np.sqrt(running_var + 10e-7)
        xn = xc / std
    out = gamma * xn + beta
    dout = dout.reshape(len(x), -1)
    n = len(x)
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(xn * dout, axis=0)
    dxn = gamma * dout
    dxc = dxn / std
    if train:
        dstd = -np.sum((dxn * xc) / (std * std), axis=0)
        dvar = 0.5 * dstd / std
        dxc += (2.0 / n) * xc * dvar
        dmu = np.sum(dxc, axis=0)
        dx = dxc - dmu / n
    else:
        dx = dxc
    return out.reshape(shape), dx.reshape(shape), dgamma, dbeta, running_mean, running_var


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3, 3)])
@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_is_the_books_layer(shape, train):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape) * 2 + 1
    d = int(np.prod(shape[1:]))
    gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
    rm, rv = rng.standard_normal(d), rng.uniform(0.5, 2, d)
    dout = rng.standard_normal(shape)
    want = book_batchnorm(x, gamma, beta, 0.9, rm, rv, train, dout)
    tx, tg, tb = (Tensor(a, requires_grad=True) for a in (x, gamma, beta))
    out = F.batch_norm(tx, tg, tb, rm, rv, momentum=0.9, training=train)
    out.backward(dout)
    for got, ref in zip((out.data, tx.grad.data, tg.grad.data, tb.grad.data, rm, rv), want):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_batch_norm_training_normalises_and_float32_stays_float32():
    x = np.random.default_rng(6).standard_normal((64, 4)).astype(np.float32) * 3 + 2
    d = 4
    rm, rv = np.zeros(d, np.float32), np.ones(d, np.float32)
    tx = Tensor(x, requires_grad=True)
    out = F.batch_norm(tx, np.ones(d, np.float32), np.zeros(d, np.float32), rm, rv)
    np.testing.assert_allclose(out.data.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.data.std(axis=0), 1, atol=1e-3)
    out.sum().backward()
    assert out.dtype == tx.grad.dtype == rm.dtype == rv.dtype == np.float32
    np.testing.assert_allclose(rm, 0.1 * x.mean(axis=0), rtol=1e-5)


# --- the modules -------------------------------------------------------------------------------

def test_dropout_module_follows_the_mode():
    x = np.ones((20, 20))
    d = nn.Dropout(0.3)
    y = d(x).data
    assert set(np.unique(y)) <= {0.0, 1.0} and 0 < y.mean() < 1
    d.eval()
    np.testing.assert_array_equal(d(x).data, x * 0.7)


def test_batchnorm_running_statistics_are_buffers_in_the_state_and_files(tmp_path):
    bn = nn.BatchNorm(3, momentum=0.9)
    x = np.random.default_rng(0).standard_normal((16, 3)) + 5
    bn(x)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.1 * x.var(axis=0))
    assert [n for n, _ in bn.named_parameters()] == ["gamma", "beta"]  # optimizers never see them
    state = bn.state_dict()
    assert set(state) == {"gamma", "beta", "running_mean", "running_var"}
    bn.save(tmp_path / "bn.npz")
    other = nn.BatchNorm(3)
    alias = other.running_mean
    other.load(tmp_path / "bn.npz")
    assert other.running_mean is alias  # loaded in place
    np.testing.assert_array_equal(other.running_var, bn.running_var)
    bn.eval()
    before = bn.running_mean.copy()
    out = bn(x)
    np.testing.assert_array_equal(bn.running_mean, before)  # evaluation leaves them as they are
    np.testing.assert_allclose(out.data, (x - before) / np.sqrt(bn.running_var + 10e-7))
    with pytest.raises(ValueError, match="running_var"):
        nn.BatchNorm(4).load_state_dict({**nn.BatchNorm(4).state_dict(), "running_var": np.zeros(3)})


# --- the book's layers (nn.textbook) -------------------------------------------------------------

def test_dropout_is_the_books_layer():
    x = np.random.default_rng(2).standard_normal((3, 4))
    d = Dropout(0.4)
    np.random.seed(3)
    out = d.forward(x)
    np.random.seed(3)
    mask = np.random.rand(3, 4) > 0.4
    np.testing.assert_array_equal(out, x * mask)
    dout = np.ones((3, 4))
    np.testing.assert_array_equal(d.backward(dout), dout * mask)
    np.testing.assert_array_equal(d.forward(x, train_flg=False), x * (1 - 0.4))


@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 2, 2)])
def test_batch_normalization_is_the_books_layer(shape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape) * 3 + 1
    d = int(np.prod(shape[1:]))
    gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
    bn = BatchNormalization(gamma, beta, momentum=0.9)
    out = bn.forward(x)  # running statistics start at zero, as the book's
    dout = rng.standard_normal(shape)
    dx = bn.backward(dout)
    want = book_batchnorm(x, gamma, beta, 0.9, np.zeros(d), np.zeros(d), True, dout)
    for got, ref in zip((out, dx, bn.dgamma, bn.dbeta, bn.running_mean, bn.running_var), want):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
    rm, rv = bn.running_mean.copy(), bn.running_var.copy()
    test_out = bn.forward(x, train_flg=False)
    want = book_batchnorm(x, gamma, beta, 0.9, rm, rv, False, dout)
    np.testing.assert_allclose(test_out, want[0], rtol=1e-12)
    np.testing.assert_array_equal(bn.running_mean, rm)
