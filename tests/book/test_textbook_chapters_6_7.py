"""nn.textbook's chapter 6-7 layers (Convolution, Pooling, Dropout, BatchNormalization): the book's
API on the op table's ops, against references written from the book's formulas."""
import numpy as np
import pytest

from nn.textbook import BatchNormalization, Convolution, Dropout, Pooling
from tests.ops.test_conv_ops import book_batchnorm, conv_reference, pool_reference


def test_convolution_is_the_books_layer():
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    W_before, x_before = W.copy(), x.copy()
    conv = Convolution(W, b, stride=2, pad=1)
    out = conv.forward(x)
    dout = rng.standard_normal(out.shape)
    dout_before = dout.copy()
    dx = conv.backward(dout)
    ref, rdx, rdW, rdb = conv_reference(x, W, b, 2, 1, dout)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(dx, rdx, rtol=0, atol=1e-10)
    np.testing.assert_allclose(conv.dW, rdW, rtol=0, atol=1e-10)
    np.testing.assert_allclose(conv.db, rdb, rtol=0, atol=1e-10)
    for a, c in ((x, x_before), (W, W_before), (dout, dout_before)):
        np.testing.assert_array_equal(a, c)
    conv.W -= 0.1 * conv.dW  # held by reference: the book's update trains the layer
    assert conv.W is W and not np.array_equal(W, W_before)


def test_pooling_is_the_books_layer_with_its_default_stride_of_one():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 5, 5))
    pool = Pooling(2, 2)
    out = pool.forward(x)
    assert out.shape == (2, 3, 4, 4)
    dout = rng.standard_normal(out.shape)
    ref, rdx = pool_reference(x, 2, 2, 1, 0, dout)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_allclose(pool.backward(dout), rdx, rtol=0, atol=1e-12)
    out = Pooling(2, 2, stride=2).forward(rng.standard_normal((1, 1, 4, 4)))
    assert out.shape == (1, 1, 2, 2)


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
