"""conv2d and max_pool2d against references written here from their definitions (direct loops
over output positions), PyTorch when it is installed, and the errors bad shapes give (dropout and
batch_norm: tests/ops/test_dropout_batch_norm.py). The op-table property tests
(tests/ops/test_ops.py) check their gradients against finite differences."""
import numpy as np
import pytest

import autograd.functions as F
from autograd import Tensor, grad

CONFIGS = [  # (x shape, W shape, stride, pad)
    ((2, 3, 7, 7), (4, 3, 3, 3), 1, 0),
    ((2, 3, 7, 7), (4, 3, 3, 3), 2, 1),
    ((1, 2, 6, 8), (3, 2, 2, 4), 2, 0),
    ((3, 1, 5, 5), (2, 1, 5, 5), 1, 2),
    ((2, 4, 9, 9), (5, 4, 3, 3), 3, 0),
    ((1, 1, 4, 4), (1, 1, 1, 1), 1, 0),
]


def conv_reference(x, W, b, stride, pad, g):
    """out[n, f, i, j] = sum over c, u, v of xp[n, c, i*s + u, j*s + v] W[f, c, u, v] + b[f], and
    the gradients of sum(out * g), by a loop over every output position and filter offset."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    fn, c, fh, fw = W.shape
    oh, ow = (xp.shape[2] - fh) // stride + 1, (xp.shape[3] - fw) // stride + 1
    out = np.zeros((len(x), fn, oh, ow))
    dxp, dW = np.zeros_like(xp), np.zeros_like(W)
    for i in range(oh):
        for j in range(ow):
            for u in range(fh):
                for v in range(fw):
                    patch = xp[:, :, i * stride + u, j * stride + v]                 # (N, C)
                    out[:, :, i, j] += patch @ W[:, :, u, v].T
                    dW[:, :, u, v] += g[:, :, i, j].T @ patch
                    dxp[:, :, i * stride + u, j * stride + v] += g[:, :, i, j] @ W[:, :, u, v]
    out += b[None, :, None, None]
    dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    return out, dx, dW, g.sum(axis=(0, 2, 3))


def _conv_case(xs, ws, stride, pad, seed=0):
    rng = np.random.default_rng(seed)
    x, W, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    oh, ow = (xs[2] + 2 * pad - ws[2]) // stride + 1, (xs[3] + 2 * pad - ws[3]) // stride + 1
    return x, W, b, rng.standard_normal((xs[0], ws[0], oh, ow))


@pytest.mark.parametrize("xs, ws, stride, pad", CONFIGS)
def test_conv2d_values_and_gradients_match_a_direct_loop(xs, ws, stride, pad):
    x, W, b, g = _conv_case(xs, ws, stride, pad)
    tx, tW, tb = (Tensor(a, requires_grad=True) for a in (x, W, b))
    out = F.conv2d(tx, tW, tb, stride=stride, pad=pad)
    out.backward(g)
    ref, dx, dW, db = conv_reference(x, W, b, stride, pad, g)
    for got, want in ((out.data, ref), (tx.grad.data, dx), (tW.grad.data, dW), (tb.grad.data, db)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


def test_conv2d_without_bias():
    x, W, b, g = _conv_case((2, 3, 5, 5), (2, 3, 3, 3), 1, 1)
    tW = Tensor(W, requires_grad=True)
    out = F.conv2d(x, tW, stride=1, pad=1)
    out.backward(g)
    ref, _, dW, _ = conv_reference(x, W, np.zeros(2), 1, 1, g)
    np.testing.assert_allclose(out.data, ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(tW.grad.data, dW, rtol=0, atol=1e-10)


def test_conv2d_float32_stays_float32():
    x, W, b, g = (a.astype(np.float32) for a in _conv_case((2, 3, 7, 7), (4, 3, 3, 3), 2, 1))
    tx, tW, tb = (Tensor(a, requires_grad=True) for a in (x, W, b))
    out = F.conv2d(tx, tW, tb, stride=2, pad=1)
    out.backward(g)
    assert out.dtype == tx.grad.dtype == tW.grad.dtype == tb.grad.dtype == np.float32
    ref, dx, dW, db = conv_reference(*(a.astype(np.float64) for a in (x, W, b)), 2, 1, g.astype(np.float64))
    np.testing.assert_allclose(out.data, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tx.grad.data, dx, rtol=1e-5, atol=1e-5)


def test_conv2d_does_not_change_its_inputs_or_the_upstream_gradient():
    x, W, b, g = _conv_case((2, 3, 5, 5), (2, 3, 3, 3), 1, 1)
    copies = [a.copy() for a in (x, W, b, g)]
    tx, tW = Tensor(x, requires_grad=True), Tensor(W, requires_grad=True)
    F.conv2d(tx, tW, b, pad=1).backward(g)
    for a, c in zip((x, W, b, g), copies):
        np.testing.assert_array_equal(a, c)


def test_conv2d_second_derivative_through_create_graph():
    """d/dW of |d conv / dx|^2: the vjp is itself recorded (col2im is an op whose vjp is im2col)."""
    x, W, b, g = _conv_case((1, 2, 4, 4), (2, 2, 3, 3), 1, 1)
    tx, tW = Tensor(x, requires_grad=True), Tensor(W, requires_grad=True)
    (dx,) = grad(F.conv2d(tx, tW, stride=1, pad=1), [tx], grad_outputs=g, create_graph=True)
    (dx * dx).sum().backward()
    # dx is linear in W: |dx(W)|^2 has gradient 2 * (d dx / dW)^T dx, from the reference's vjp
    h = 1e-6
    numeric = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        Wp, Wm = W.copy(), W.copy()
        Wp[idx] += h
        Wm[idx] -= h
        fp = (conv_reference(x, Wp, np.zeros(2), 1, 1, g)[1] ** 2).sum()
        fm = (conv_reference(x, Wm, np.zeros(2), 1, 1, g)[1] ** 2).sum()
        numeric[idx] = (fp - fm) / (2 * h)
    np.testing.assert_allclose(tW.grad.data, numeric, rtol=1e-6, atol=1e-6)


def test_im2col_and_col2im_are_adjoint():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 7))
    col = F.im2col(x, 3, 3, stride=2, pad=1)
    assert col.shape == (2 * 4 * 4, 3 * 3 * 3)  # the book's layout
    c = rng.standard_normal(col.shape)
    back = F.col2im(c, x.shape, 3, 3, stride=2, pad=1)
    assert back.shape == x.shape
    np.testing.assert_allclose((col.data * c).sum(), (x * back.data).sum(), rtol=1e-12)


# --- PyTorch, when installed -------------------------------------------------------------------

@pytest.mark.torch
def test_conv2d_matches_pytorch():
    torch = pytest.importorskip("torch", reason="needs PyTorch (pip install torch) to compare conv2d with "
                                                "torch.nn.functional.conv2d; the direct-loop tests above run without it")
    for xs, ws, stride, pad in CONFIGS:
        x, W, b, g = _conv_case(xs, ws, stride, pad)
        tx, tW, tb = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
        want = torch.nn.functional.conv2d(tx, tW, tb, stride=stride, padding=pad)
        want.backward(torch.tensor(g))
        ex, eW, eb = (Tensor(a, requires_grad=True) for a in (x, W, b))
        got = F.conv2d(ex, eW, eb, stride=stride, pad=pad)
        got.backward(g)
        for a, t in ((got, want), (ex.grad, tx.grad), (eW.grad, tW.grad), (eb.grad, tb.grad)):
            np.testing.assert_allclose(a.data, t.detach().numpy(), rtol=0, atol=1e-10)


# --- pooling -----------------------------------------------------------------------------------

def pool_reference(x, ph, pw, stride, pad, g):
    """Max of each window over the zero-padded input; the first maximum (in row-major order
    within the window) takes the window's gradient. `stride` is an int or (vertical, horizontal)."""
    sh, sw = stride if isinstance(stride, tuple) else (stride, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c = x.shape[:2]
    oh, ow = (xp.shape[2] - ph) // sh + 1, (xp.shape[3] - pw) // sw + 1
    out, dxp = np.zeros((n, c, oh, ow)), np.zeros_like(xp)
    for a in range(n):
        for k in range(c):
            for i in range(oh):
                for j in range(ow):
                    win = xp[a, k, i * sh:i * sh + ph, j * sw:j * sw + pw]
                    u, v = np.unravel_index(np.argmax(win), win.shape)
                    out[a, k, i, j] = win[u, v]
                    dxp[a, k, i * sh + u, j * sw + v] += g[a, k, i, j]
    return out, dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]


@pytest.mark.parametrize("shape, ph, pw, stride, pad", [
    ((2, 3, 4, 4), 2, 2, 2, 0), ((1, 2, 5, 5), 3, 3, 1, 0), ((2, 1, 6, 4), 2, 2, 2, 1),
    ((1, 2, 5, 7), 3, 1, 2, 0), ((2, 2, 3, 3), 3, 3, 3, 0), ((2, 2, 4, 9), 2, 3, (2, 3), 0),
    ((1, 2, 5, 6), 3, 2, (1, 2), 1)])
def test_max_pool2d_matches_a_direct_loop(shape, ph, pw, stride, pad):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape)
    tx = Tensor(x, requires_grad=True)
    out = F.max_pool2d(tx, ph, pw, stride=stride, pad=pad)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref, dx = pool_reference(x, ph, pw, stride, pad, g)
    np.testing.assert_array_equal(out.data, ref)
    np.testing.assert_allclose(tx.grad.data, dx, rtol=0, atol=1e-12)


def test_max_pool2d_ties_go_to_the_first_maximum_and_defaults_are_the_window():
    x = Tensor(np.array([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, 2.0]]]]), requires_grad=True)
    out = F.max_pool2d(x, 2)  # pool_w = 2, stride = 2
    assert out.shape == (1, 1, 1, 2)
    out.backward(np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(x.grad.data, [[[[10.0, 0, 0, 20.0], [0, 0, 0, 0]]]])


def test_max_pool2d_names_a_bad_window_before_the_stride_it_defaults():
    x = np.ones((1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"window height must be an integer >= 1, got 0"):
        F.max_pool2d(x, 0)
    with pytest.raises(ValueError, match=r"window width must be an integer >= 1, got 0"):
        F.max_pool2d(x, 2, 0)
    with pytest.raises(ValueError, match=r"stride must be an integer >= 1, got \(2, 0\)"):
        F.max_pool2d(x, 2, stride=(2, 0))


@pytest.mark.parametrize("layout", ["channels first", "channels last"])
@pytest.mark.parametrize("p, pad", [(2, 0), (3, 0), (2, 1), (3, 2)])
def test_tiled_max_pool2d_gives_ties_to_the_first_maximum_in_either_memory_layout(layout, p, pad):
    """Windows that tile the input (stride = window) take a path of their own; small integers
    make many ties, the padding's zeros among them. A convolution's output is channels last in
    memory, so both layouts are checked."""
    rng = np.random.default_rng(p + 10 * pad)
    x = rng.integers(-1, 2, (2, 3, 6 * p - 2 * pad, 6 * p - 2 * pad)).astype(np.float64)
    if layout == "channels last":
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    tx = Tensor(x, requires_grad=True)
    out = F.max_pool2d(tx, p, pad=pad)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref, dx = pool_reference(x, p, p, p, pad, g)
    np.testing.assert_array_equal(out.data, ref)
    np.testing.assert_array_equal(tx.grad.data, dx)


@pytest.mark.parametrize("ph, stride", [(2, 2), (2, 1)])
def test_max_pool2d_of_a_window_with_nan_is_nan_and_its_first_nan_takes_the_gradient(ph, stride):
    """np.argmax's choice, as the book's Pooling makes it, tiled or not."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = np.nan
    tx = Tensor(x, requires_grad=True)
    out = F.max_pool2d(tx, ph, stride=stride)
    g = np.arange(1.0, out.size + 1).reshape(out.shape)
    out.backward(g)
    ref, dx = pool_reference(x, ph, ph, stride, 0, g)
    np.testing.assert_array_equal(out.data, ref)  # NaN where the reference has NaN
    np.testing.assert_array_equal(tx.grad.data, dx)
    assert np.isnan(out.data[0, 0, 0, 0]) and tx.grad.data[0, 0, 1, 1] == 0  # not the largest number


def test_tiled_max_pool2d_second_derivative_through_create_graph():
    """d/dx of sum(pool(x^2)) is 2x at each window's first maximum; its own gradient (summed) is 2
    there: the vjp is recorded, so it differentiates again."""
    x = np.abs(np.random.default_rng(5).standard_normal((2, 3, 4, 6))) + 0.1
    tx = Tensor(x, requires_grad=True)
    (dx,) = grad(F.max_pool2d(tx * tx, 2).sum(), [tx], create_graph=True)
    _, first = pool_reference(x * x, 2, 2, 2, 0, np.ones((2, 3, 2, 3)))
    np.testing.assert_allclose(dx.data, 2 * x * first, rtol=1e-12)
    dx.sum().backward()
    np.testing.assert_array_equal(tx.grad.data, 2 * first)


def test_max_pool2d_float32_stays_float32():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32), requires_grad=True)
    out = F.max_pool2d(x, 2)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == np.float32


# --- errors name the sizes ---------------------------------------------------------------------

@pytest.mark.parametrize("call, words", [
    (lambda: F.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((2, 4, 3, 3))), ["3 channels", "expect 4"]),
    (lambda: F.conv2d(np.zeros((1, 1, 3, 3)), np.zeros((2, 1, 5, 5)), pad=0), ["window height 5", "input height 3", "(3)"]),
    (lambda: F.conv2d(np.zeros((1, 1, 6, 6)), np.zeros((2, 1, 3, 3)), stride=2), ["output height", "(6 + 2*0 - 3) / 2 + 1 = 2.5", "not a whole number"]),
    (lambda: F.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3)), np.zeros(3)), ["bias", "(3,)", "(2,)"]),
    (lambda: F.conv2d(np.zeros((5, 5)), np.zeros((2, 1, 3, 3))), ["(N, C, H, W)", "(5, 5)"]),
    (lambda: F.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3)), stride=0), ["stride", "0"]),
    (lambda: F.max_pool2d(np.zeros((1, 1, 7, 7)), 2), ["output height", "3.5", "not a whole number"]),
    (lambda: F.max_pool2d(np.zeros((1, 1, 2, 2)), 3), ["window height 3", "input height 2"]),
    (lambda: F.batch_norm(np.zeros((4, 3)), np.ones(2), np.zeros(3), None, None), ["gamma", "(2,)", "3 features"]),
    (lambda: F.batch_norm(np.zeros((4, 3)), np.ones(3), np.zeros(3), None, None, training=False), ["running_mean"]),
    (lambda: F.dropout(np.zeros(3), 1.5), ["ratio", "1.5"]),
])
def test_bad_shapes_are_errors_naming_the_sizes(call, words):
    with pytest.raises(ValueError) as e:
        call()
    for w in words:
        assert w in str(e.value), (w, str(e.value))
