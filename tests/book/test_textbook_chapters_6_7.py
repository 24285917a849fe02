"""nn.textbook's chapter 7 layers (Convolution, Pooling): the book's API on the op table's ops,
against references written from the book's formulas (Dropout and BatchNormalization:
tests/ops/test_dropout_batch_norm.py)."""
import numpy as np

from nn.textbook import Convolution, Pooling
from tests.ops.test_conv_ops import conv_reference, pool_reference


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


