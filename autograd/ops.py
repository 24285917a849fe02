"""The op table: every built-in op, its forward and its vjp side by side.

Each op is an `autograd.Function`. Its `backward` is the textbook layer's backward formula,
written with operators and methods that ndarrays and Tensors share: a normal backward runs it on
ndarrays; `create_graph=True` runs it on Tensors, so it is recorded and can be differentiated
again. Gradients of broadcast inputs are summed back by the engine (`engine.sum_to_shape`), so no
vjp here undoes broadcasting itself.

The class attributes are the facts the property tests need: the values an op's inputs may take
(`domain`), points to keep away from (`kinks`), whether inputs must be free of ties (`distinct`)
and which inputs have a gradient (`differentiable`). `OPS` lists the table; `autograd.testing`
builds inputs for each entry, and tests/test_ops.py checks every one against finite differences.
"""
import operator

import numpy as np

from .device import array_module, device_of, is_gpu, to_device
from .function import Function
from .tensor import Tensor, _raw

OPS = {}


class Op(Function):
    domain = (-3.0, 3.0)   # the range test inputs are drawn from, for every input
    kinks = ()             # points where the op is not differentiable
    distinct = False       # ties (max, maximum) have no derivative: tests draw distinct values
    differentiable = None  # per input: does it have a gradient? None: all do

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        OPS[cls.__name__] = cls


# --- elementwise, two inputs (broadcasting) ----------------------------------------------------

class Add(Op):
    formula = "dx = dout, dy = dout"
    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, g):                       # AddLayer: dx = dout * 1, dy = dout * 1
        return g, g


class Sub(Op):
    formula = "dx = dout, dy = -dout"
    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Op):
    formula = "dx = dout * y, dy = dout * x"
    @staticmethod
    def forward(ctx, x, y):
        need_x, need_y = ctx.needs_input_grad  # keep only what a gradient reads (x * 2 keeps 2)
        ctx.save_for_backward(x if need_y else None, y if need_x else None)
        return x * y

    @staticmethod
    def backward(ctx, g):                       # MulLayer: dx = dout * y, dy = dout * x
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (g * y if need_x else None), (g * x if need_y else None)


class Div(Op):
    formula = "dx = dout / y, dy = dout * (-x / y**2)"
    domain = ((-3.0, 3.0), (0.5, 3.0))

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, y)
        return x / y

    @staticmethod
    def backward(ctx, g):                       # DivLayer: dx = dout / y, dy = dout * (-x / y**2)
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (g / y if need_x else None), (g * (-x / y ** 2) if need_y else None)


class Pow(Op):
    formula = "dx = dout * b * x**(b - 1), db = dout * out * log(x)"
    domain = ((0.5, 2.0), (-2.0, 2.0))

    @staticmethod
    def forward(ctx, x, b):
        y = x ** b
        ctx.save_for_backward(x, b, y if ctx.needs_input_grad[1] else None)
        return y

    @staticmethod
    def backward(ctx, g):                       # d(x^b)/dx = b x^(b-1), d(x^b)/db = x^b log x
        x, b, y = ctx.saved_tensors
        need_x, need_b = ctx.needs_input_grad
        # At x = 0 the formulas meet 0 * inf: b x^(b-1) is 0 for b = 0 (x^0 is constant) and
        # x^b log x is 0 for b > 0. Adding the constant 1 to x just there gives those zeros
        # and leaves the formulas (and their own derivatives) as they are everywhere else.
        zero = _raw(x) == 0
        gx = gb = None
        if need_x:
            gx = g * b * (x + (zero & (_raw(b) == 0))) ** (b - 1)
        if need_b:
            gb = g * y * _log(x + zero)
        return gx, gb


class Maximum(Op):
    formula = "dx = dout * (x > y), dy = dout * (y > x), a tie shares dout"
    distinct = True

    @staticmethod
    def forward(ctx, x, y):
        out = np.maximum(x, y)
        ctx.save_for_backward(((x > y) + 0.5 * (x == y)).astype(out.dtype, copy=False))
        return out

    @staticmethod
    def backward(ctx, g):                       # the larger input takes g; a tie shares it
        (share,) = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (g * share if need_x else None), (g * (1 - share) if need_y else None)


class Where(Op):
    formula = "dx = dout * cond, dy = dout * ~cond"
    differentiable = (False, True, True)

    @staticmethod
    def forward(ctx, cond, x, y):
        if _dtype(cond) != bool:
            raise TypeError(f"the condition must be a boolean array, got dtype {_dtype(cond)}")
        cond = array_module(cond).array(cond)  # a copy: the caller may change theirs before backward
        ctx.save_for_backward(cond)
        return np.where(cond, x, y)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        return None, g * cond, g * ~cond


# --- elementwise, one input --------------------------------------------------------------------

class Neg(Op):
    formula = "dx = -dout"
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Op):
    formula = "dx = dout * out"
    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Log(Op):
    formula = "dx = dout / x"
    domain = (0.1, 3.0)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Sqrt(Op):
    formula = "dx = dout / (2 * out)"
    domain = (0.1, 3.0)

    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (2 * y)


class Tanh(Op):
    formula = "dx = dout * (1 - out**2)"
    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):                       # tanh layer: dx = dout * (1 - y^2)
        (y,) = ctx.saved_tensors
        return g * (1.0 - y ** 2)


class Sigmoid(Op):
    formula = "dx = dout * (1 - out) * out"
    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):        # exp(-x) = inf for x < -709 gives y = 0, as it should
            y = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):                       # Sigmoid layer: dx = dout * (1 - y) * y
        (y,) = ctx.saved_tensors
        return g * (1.0 - y) * y


class ReLU(Op):
    formula = "dx = dout * (x > 0)"
    kinks = (0.0,)

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):                       # Relu layer: dout where x > 0, else 0 (0 at x = 0)
        (y,) = ctx.saved_tensors
        if isinstance(g, Tensor):               # create_graph: the zeros stay a function of y
            return np.where(y.data > 0, g, 0 * _positive(y))  # (derivative 0), as PyTorch's
        return np.where(y > 0, g, 0)            # 0 under the mask even for dout = inf (inf * 0 is NaN)


# --- matrix product ----------------------------------------------------------------------------

class MatMul(Op):
    formula = "dx = dout @ W.T, dW = x.T @ dout"
    @staticmethod
    def forward(ctx, x, W):
        if np.ndim(x) == 0 or np.ndim(W) == 0:
            raise ValueError("matmul needs operands with at least one dimension")
        need_x, need_W = ctx.needs_input_grad
        ctx.save_for_backward(x if need_W else None, W if need_x else None)
        ctx.shapes = (np.shape(x), np.shape(W))
        return _mm(x, W)

    @staticmethod
    def backward(ctx, g):                       # MatMul layer: dx = dout W^T, dW = x^T dout
        x, W = ctx.saved_tensors
        need_x, need_W = ctx.needs_input_grad
        x_shape, W_shape = ctx.shapes
        if len(x_shape) > 1 and len(W_shape) > 1:
            return (_mm(g, _mT(W)) if need_x else None), (_mm(_mT(x), g) if need_W else None)
        # np.matmul reads a 1-D x as a row and a 1-D W as a column and drops that axis from the
        # result: put the axes back, apply the same formulas, then drop them from the gradients
        X_shape = (1,) + x_shape if len(x_shape) == 1 else x_shape
        Wc_shape = W_shape + (1,) if len(W_shape) == 1 else W_shape
        g = g.reshape(np.broadcast_shapes(X_shape[:-2], Wc_shape[:-2]) + (X_shape[-2], Wc_shape[-1]))
        gx = _mm(g, _mT(W.reshape(Wc_shape))) if need_x else None
        gW = _mm(_mT(x.reshape(X_shape)), g) if need_W else None
        if len(x_shape) == 1 and gx is not None:
            gx = gx[..., 0, :]
        if len(W_shape) == 1 and gW is not None:
            gW = gW[..., 0]
        return gx, gW


def _mm(a, b):
    """a @ b. Two float dtypes are first cast to the one NumPy promotes to: only same-dtype
    products take NumPy's BLAS path (float32 data @ float64 weights is ~10x slower otherwise)."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype != b.dtype:
        dtype = np.result_type(a, b)
        a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
    try:
        return a @ b
    except ValueError:
        raise ValueError(_matmul_mismatch(a, b)) from None


def _matmul_mismatch(x, W):
    """What is wrong with the shapes of x @ W, in place of numpy's message about gufunc
    signatures and core dimensions (worked out only once matmul has failed)."""
    xs, ws = np.shape(x), np.shape(W)
    inner_x, inner_W = xs[-1], ws[-2] if len(ws) > 1 else ws[0]
    if inner_x != inner_W:
        which = "first" if len(ws) == 1 else "second-to-last"
        return (f"matmul of shapes {xs} and {ws}: the last axis of the first ({inner_x}) must match "
                f"the {which} axis of the second ({inner_W})")
    return (f"matmul of shapes {xs} and {ws}: the batch shapes {xs[:-2]} and {ws[:-2]} do not "
            "broadcast together")


def _mT(a):
    """Swap the last two axes (a batch of transposed matrices)."""
    return a.T if a.ndim == 2 else a.transpose(*range(a.ndim - 2), a.ndim - 1, a.ndim - 2)


class Affine(Op):
    """x W + b in one op, as the textbook's Affine layer: x (N, in), W (in, out), b (out,)."""
    formula = "dx = dout @ W.T, dW = x.T @ dout, db = sum(dout, axis=0)"

    @staticmethod
    def forward(ctx, x, W, b):
        if np.ndim(x) != 2 or np.ndim(W) != 2:
            raise ValueError("affine expects x of shape (N, in) and W of shape (in, out)")
        need_x, need_W, _ = ctx.needs_input_grad
        ctx.save_for_backward(x if need_W else None, W if need_x else None)
        y = _mm(x, W)
        if isinstance(b, np.ndarray) and b.ndim == 1 and b.dtype == y.dtype:
            y += b                              # y is new: adding in place saves a pass over memory
            return y
        return y + b

    @staticmethod
    def backward(ctx, g):                       # Affine layer: dx = dout W^T, dW = x^T dout,
        x, W = ctx.saved_tensors                # db = sum(dout, axis=0): the engine sums g to b's shape
        need_x, need_W, need_b = ctx.needs_input_grad
        return (_mm(g, W.T) if need_x else None), (_mm(x.T, g) if need_W else None), (g if need_b else None)


# --- reductions --------------------------------------------------------------------------------

AxisError = getattr(np, "exceptions", np).AxisError  # numpy >= 1.25 keeps it in np.exceptions


def normalize_axes(axis, ndim):
    """`axis` (None, an int or a sequence of ints, negative ones counting from the end) as a
    tuple of axes in [0, ndim): the one place where axes are resolved and bad ones refused."""
    if axis is None:
        return tuple(range(ndim))
    axes = []
    for a in ((axis,) if np.ndim(axis) == 0 else axis):
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise AxisError(a, ndim)
        axes.append(a % ndim)
    return tuple(axes)


def _kept_shape(shape, axis):
    """The shape of a reduction over `axis` with keepdims=True."""
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Op):
    formula = "dx = dout copied to every summed element"
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        y = np.sum(x, axis=axis, keepdims=keepdims)
        ctx.shape, ctx.kept = np.shape(x), _kept_shape(np.shape(x), axis)
        return y

    @staticmethod
    def backward(ctx, g):                       # every summed element gets g (db = sum(dout))
        return _broadcast_to(g.reshape(ctx.kept), shape=ctx.shape)


class Mean(Op):
    formula = "dx = dout / n copied to every averaged element"
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        y = np.mean(x, axis=axis, keepdims=keepdims)
        ctx.shape, ctx.kept = np.shape(x), _kept_shape(np.shape(x), axis)
        ctx.n = np.size(x) // max(np.size(y), 1)
        return y

    @staticmethod
    def backward(ctx, g):
        return _broadcast_to(g.reshape(ctx.kept) / ctx.n, shape=ctx.shape)


class Max(Op):
    formula = "dx = dout at the maximum, tied maxima share it"
    distinct = True

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = normalize_axes(axis, np.ndim(x))
        y = np.max(x, axis=axes, keepdims=True)
        ties = x == y
        ctx.save_for_backward(np.divide(ties, ties.sum(axis=axes, keepdims=True), dtype=y.dtype))
        ctx.kept = y.shape
        return y if keepdims else y.reshape([n for i, n in enumerate(y.shape) if i not in axes])

    @staticmethod
    def backward(ctx, g):                       # the maximum takes g; tied maxima share it equally
        (share,) = ctx.saved_tensors
        return g.reshape(ctx.kept) * share


# --- shapes and indexing -----------------------------------------------------------------------

class Reshape(Op):
    formula = "dx = dout.reshape(x.shape)"
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = np.shape(x)
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Transpose(Op):
    formula = "dx = dout transposed back"
    @staticmethod
    def forward(ctx, x, axes=None):
        y = np.transpose(x, axes)
        ctx.axes = None if axes is None else normalize_axes(axes, np.ndim(x))
        return y

    @staticmethod
    def backward(ctx, g):                       # the inverse permutation puts the axes back
        return g.transpose() if ctx.axes is None else g.transpose(*np.argsort(ctx.axes).tolist())


class BroadcastTo(Op):
    formula = "dx = dout summed over the broadcast axes"
    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):                       # the engine sums g back to the input's shape
        return g


class GetItem(Op):
    formula = "dx = zeros of x's shape with dout added at index"
    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = np.shape(x), _own_index(index)
        return x[index]

    @staticmethod
    def backward(ctx, g):                       # repeated indices add up
        return _scatter_add(g, index=ctx.index, shape=ctx.shape)


class ScatterAdd(Op):
    """The vjp of x[index]: a zero array of `shape` with g added at `index`."""
    formula = "dg = dout[index]"

    @staticmethod
    def forward(ctx, g, index, shape):
        ctx.index = index
        return _scatter_array(g, index, shape)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.index]


def _own_index(index):
    """`index` with its arrays and lists copied: the caller may change theirs after forward."""
    if isinstance(index, tuple):
        return tuple(_own_index(i) for i in index)
    if isinstance(index, (np.ndarray, list)) or is_gpu(index):
        return array_module(index).array(index)
    return index


def _axis_slices(axis, item):
    return (slice(None),) * axis + (item,)


class Concatenate(Op):
    formula = "dxs = dout cut into each input's slice"
    @staticmethod
    def forward(ctx, *xs, axis=0):
        y = np.concatenate(xs, axis=axis)
        (ctx.axis,) = normalize_axes(axis, y.ndim)
        ctx.bounds = np.cumsum([0] + [np.shape(x)[ctx.axis] for x in xs]).tolist()
        return y

    @staticmethod
    def backward(ctx, g):                       # each input gets its slice of g
        b = ctx.bounds
        return tuple(g[_axis_slices(ctx.axis, slice(b[i], b[i + 1]))] for i in range(len(b) - 1))


class Stack(Op):
    formula = "dxs = dout taken apart along axis"
    @staticmethod
    def forward(ctx, *xs, axis=0):
        y = np.stack(xs, axis=axis)
        (ctx.axis,), ctx.n = normalize_axes(axis, y.ndim), len(xs)
        return y

    @staticmethod
    def backward(ctx, g):
        return tuple(g[_axis_slices(ctx.axis, i)] for i in range(ctx.n))


# --- softmax and the loss ----------------------------------------------------------------------

def softmax_array(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))  # shifting by the max avoids overflow
    return e / e.sum(axis=axis, keepdims=True)


class Softmax(Op):
    formula = "dx = out * (dout - sum(dout * out, axis))"
    @staticmethod
    def forward(ctx, x, axis=-1):
        y = softmax_array(x, axis)
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Op):
    formula = "dx = dout - exp(out) * sum(dout, axis)"
    @staticmethod
    def forward(ctx, x, axis=-1):
        z = x - np.max(x, axis=axis, keepdims=True)
        y = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g - _exp(y) * g.sum(axis=ctx.axis, keepdims=True)


class CrossEntropy(Op):
    """Softmax and cross-entropy error in one op, as the textbook's SoftmaxWithLoss.

    Mean over the batch; `t` holds class indices, or one-hot rows / probabilities."""
    formula = "dx = dout * (softmax(x) - t) / N"
    differentiable = (True, False)

    @staticmethod
    def forward(ctx, x, t):
        if x.ndim not in (1, 2):
            raise ValueError(f"cross_entropy expects logits of shape (N, C) or (C,), got {x.shape}")
        x2 = x.reshape(1, -1) if x.ndim == 1 else x
        n = len(x2)
        labels, t = _targets(t, x2.shape, x.dtype, array_module(x))
        z = x2 - x2.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        p = e / s
        if x.ndim == 1:                         # one sample: p and t take the logits' shape again
            ctx.save_for_backward(x, p[0], t[0])
        else:
            ctx.save_for_backward(x, p, t)
        xp = array_module(x)
        if n == 0:  # the mean over no samples, as NumPy's mean and PyTorch give it
            return xp.array(np.nan, x.dtype)
        if labels is None:
            return -(t * _log_p(p, z, s)).sum() / n
        return -_log_p(p, z, s, (xp.arange(n), labels)).sum() / n

    @staticmethod
    def backward(ctx, g):                       # SoftmaxWithLoss: dx = (y - t) / batch_size
        x, p, t = ctx.saved_tensors
        if isinstance(x, Tensor):
            p = _softmax(x)                     # p as a function of x: differentiable again
        d = p - t
        d *= g / (max(len(x), 1) if x.ndim == 2 else 1)  # in place on a new array (d = d * ... for Tensors)
        return d, None


def _log_p(p, z, s, at=...):
    """log of the softmax p = exp(z) / s at `at`, to the last digit as softmax-then-log; where
    p underflows to 0 (huge logits) the log-sum-exp form z - log(s) takes over."""
    p = p[at]
    tiny = _TINY.get(p.dtype) or np.finfo(p.dtype).tiny
    if p.min() >= tiny:
        return np.log(p)
    return np.log(p, out=(z - np.log(s))[at], where=p >= tiny)


_TINY = {np.dtype(t): np.finfo(t).tiny for t in (np.float16, np.float32, np.float64)}


def _targets(t, shape, dtype, xp):
    """(labels or None, rows of probabilities): class indices become one-hot rows; checked.
    A number as the label goes to the logits' device (`xp`, their array module)."""
    n, c = shape
    t = xp.asarray(t)
    if (t.shape == shape or (n == 1 and t.shape == (c,))) and not (c == 1 and t.dtype.kind in "iu"):
        return None, t.astype(dtype).reshape(shape)  # a copy: the caller may change theirs
    if t.shape not in ((n,), (n, 1), ()) or (t.shape == () and n != 1):  # (N, 1): the book's labels
        give = (f"1 class index, shape (1,) or (1, 1), or a one-hot row, shape {shape}" if n == 1 else
                f"{n} class indices, shape ({n},) or ({n}, 1), or one-hot rows, shape {shape}")
        raise ValueError(f"cross_entropy: targets of shape {t.shape} do not match logits of shape "
                         f"{shape}; give {give}")
    labels = t.reshape(n)
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f":
            raise TypeError(f"cross_entropy: class labels must be integers, got dtype {labels.dtype}")
        bad = np.flatnonzero(~np.isfinite(labels) | (labels != np.round(labels)))
        if bad.size:  # float labels are fine while they hold whole numbers
            raise TypeError(f"cross_entropy: class labels must be integers, got {labels[bad[0]]} "
                            f"at position {bad[0]}")
        labels = labels.astype(np.int64)
    onehot = xp.zeros(shape, dtype)
    try:
        if n and (labels.min() < 0 or labels.max() >= c):  # negative ones (and any on a GPU) would wrap around
            raise IndexError
        onehot[xp.arange(n), labels] = 1
    except IndexError:
        bad = np.flatnonzero((labels < 0) | (labels >= c))[0]
        raise ValueError(f"cross_entropy: label {labels[bad]} at position {bad} is out of range "
                         f"for {c} classes (labels must be integers in [0, {c}))") from None
    return labels, onehot


# --- what the vjps call besides operators: arrays in a normal backward, Tensors under create_graph

def _dtype(a):
    """The dtype of an array on either device, or of what np.asarray makes of `a`."""
    return a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype


def _either(op, array_fn):
    return lambda a, **kw: op.apply(a, **kw) if isinstance(a, Tensor) else array_fn(a, **kw)


def _scatter_array(g, index, shape):
    xp = array_module(g)
    out = xp.zeros(shape, dtype=g.dtype)
    xp.add.at(out, index, g)
    return out


class Positive(Op):
    """The mask y > 0 in y's dtype, with derivative 0: under create_graph ReLU's gradient
    depends on y through it, so it differentiates again (to zeros) as PyTorch's does."""
    formula = "dy = 0 * dout"
    kinks = (0.0,)

    @staticmethod
    def forward(ctx, y):
        return (y > 0).astype(y.dtype)

    @staticmethod
    def backward(ctx, g):
        return g * 0


_positive = _either(Positive, lambda y: y > 0)


# --- copies and in-place writes (Tensor.copy, t[index] = v: autograd/inplace.py) ---------------

class Copy(Op):
    """A copy of x in the graph: the book's `out = x.copy()` on a Tensor."""
    formula = "dx = dout"

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class SetItem(Op):
    """x with v written at index (x itself is left as it is): what `t[index] = v` records. Only
    the elements of v that land in the result get a gradient (a repeated index keeps the last)."""
    formula = "dx = dout where not overwritten, dv = dout[index] where v landed"

    @staticmethod
    def forward(ctx, x, v, index):
        xp = array_module(x)
        out = x.copy()
        out[index] = v
        kept = xp.ones(x.shape, out.dtype)
        kept[index] = 0                         # x's elements that were overwritten get no gradient
        landed = xp.asarray(_landed(x.shape, index, np.shape(v)), dtype=out.dtype)
        ctx.save_for_backward(kept, landed)
        ctx.index = _own_index(index)
        return out

    @staticmethod
    def backward(ctx, g):
        kept, landed = ctx.saved_tensors
        return g * kept, g[ctx.index] * landed


def _landed(shape, index, v_shape):
    """Per element of x[index] (v broadcast to its shape): True where its write is the last to
    reach its place (NumPy writes repeated indices in order)."""
    order = np.full(shape, -1)
    n = np.zeros(shape)[index]
    order[index] = np.arange(n.size).reshape(n.shape)
    landed = np.zeros(n.size, bool)
    landed[order[index].ravel()] = True
    return landed.reshape(n.shape)
_exp = _either(Exp, np.exp)
_log = _either(Log, np.log)
_softmax = _either(Softmax, softmax_array)
_broadcast_to = _either(BroadcastTo, np.broadcast_to)
_scatter_add = _either(ScatterAdd, _scatter_array)


# --- convolution and pooling (the book's chapter 7: im2col, col2im) ----------------------------
#
# im2col lays every window of an (N, C, H, W) input out as one row of an (N*OH*OW, C*FH*FW)
# matrix (rows in (n, oh, ow) order, columns in (c, fh, fw) order), so a convolution is one matrix
# product and a pooling one reduction per row. col2im is its adjoint: each window's row is added
# back where the window came from, overlaps summing up.

def _output_size(op, x_shape, fh, fw, stride, pad):
    """(OH, OW) of a window of fh x fw moved by `stride` over an input padded by `pad`; an error
    naming the sizes where the window does not fit or does not land on a whole number of steps."""
    sh, sw = _pair_of(stride)
    for what, v, low in (("window height", fh, 1), ("window width", fw, 1), ("stride", sh, 1),
                         ("stride", sw, 1), ("pad", pad, 0)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < low:
            raise ValueError(f"{op}: {what} must be an integer >= {low}, got {stride if what == 'stride' else v!r}")
    if len(x_shape) != 4:
        raise ValueError(f"{op}: expected an input of shape (N, C, H, W), got {tuple(x_shape)}")
    sizes = []
    for axis, n, f, stride in (("height", x_shape[2], fh, sh), ("width", x_shape[3], fw, sw)):
        padded = n + 2 * pad
        if f > padded:
            raise ValueError(f"{op}: the window {axis} {f} is larger than the input {axis} {n} "
                             f"padded by {pad} on each side ({padded})")
        steps, rest = divmod(padded - f, stride)
        if rest:
            raise ValueError(f"{op}: output {axis} (({n} + 2*{pad} - {f}) / {stride} + 1 = "
                             f"{(padded - f) / stride + 1:g}) is not a whole number; change the "
                             f"padding, the stride or the input {axis}")
        sizes.append(steps + 1)
    return tuple(sizes)


def _pair_of(stride):
    """A stride as (vertical, horizontal): an int moves the same in both directions."""
    return tuple(stride) if isinstance(stride, (tuple, list)) and len(stride) == 2 else (stride, stride)


def im2col_array(x, fh, fw, stride=1, pad=0):
    """The windows of x (N, C, H, W) as rows: (N*OH*OW, C*FH*FW), in one copy."""
    n, c = x.shape[:2]
    sh, sw = _pair_of(stride)
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = array_module(x).lib.stride_tricks.sliding_window_view(x, (fh, fw), axis=(2, 3))[:, :, ::sh, ::sw]
    oh, ow = win.shape[2:4]
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * fh * fw)


def col2im_array(col, shape, fh, fw, stride=1, pad=0):
    """The adjoint of im2col: rows of col (N*OH*OW, C*FH*FW) summed back into an array of
    `shape` (N, C, H, W), by a loop over the filter offsets as the book's col2im."""
    n, c, h, w = shape
    oh, ow = _output_size("col2im", shape, fh, fw, stride, pad)
    sh, sw = _pair_of(stride)
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = array_module(col).zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for y in range(fh):
        for x in range(fw):
            img[:, :, y:y + sh * oh:sh, x:x + sw * ow:sw] += col[:, :, y, x]
    return img[:, :, pad:pad + h, pad:pad + w] if pad else img


class Im2col(Op):
    formula = "dx = col2im(dout)"
    @staticmethod
    def forward(ctx, x, fh, fw, stride=1, pad=0):
        _output_size("im2col", np.shape(x), fh, fw, stride, pad)
        ctx.geometry = (np.shape(x), fh, fw, stride, pad)
        return im2col_array(x, fh, fw, stride, pad)

    @staticmethod
    def backward(ctx, g):                       # each window's row goes back where it came from
        shape, fh, fw, stride, pad = ctx.geometry
        return _col2im(g, shape=shape, fh=fh, fw=fw, stride=stride, pad=pad)


class Col2im(Op):
    """The vjp of im2col: its rows summed back into an image of `shape`."""
    formula = "dcol = im2col(dout)"

    @staticmethod
    def forward(ctx, col, shape, fh, fw, stride=1, pad=0):
        oh, ow = _output_size("col2im", shape, fh, fw, stride, pad)
        expected = (shape[0] * oh * ow, shape[1] * fh * fw)
        if np.shape(col) != expected:
            raise ValueError(f"col2im: columns of shape {np.shape(col)} do not match an image of shape "
                             f"{tuple(shape)} with {fh}x{fw} windows: expected {expected}")
        ctx.geometry = (fh, fw, stride, pad)
        return col2im_array(col, shape, fh, fw, stride, pad)

    @staticmethod
    def backward(ctx, g):
        fh, fw, stride, pad = ctx.geometry
        return _im2col(g, fh=fh, fw=fw, stride=stride, pad=pad)


_im2col = _either(Im2col, im2col_array)
_col2im = _either(Col2im, col2im_array)


class Conv2d(Op):
    """The book's Convolution: x (N, C, H, W), W (FN, C, FH, FW), b (FN,) or None -> (N, FN, OH, OW),
    as col @ W.reshape(FN, -1).T + b over the im2col rows of x."""
    formula = "dx = col2im(dout @ W), dW = dout.T @ im2col(x), db = sum(dout)"

    @staticmethod
    def forward(ctx, x, W, b=None, stride=1, pad=0):
        if np.ndim(W) != 4:
            raise ValueError(f"conv2d: expected filters W of shape (FN, C, FH, FW), got {np.shape(W)}")
        fn, c, fh, fw = W.shape
        oh, ow = _output_size("conv2d", np.shape(x), fh, fw, stride, pad)
        if x.shape[1] != c:
            raise ValueError(f"conv2d: the input has {x.shape[1]} channels (shape {x.shape}) but the "
                             f"filters W of shape {W.shape} expect {c}")
        if b is not None and np.shape(b) != (fn,):
            raise ValueError(f"conv2d: the bias b has shape {np.shape(b)}; {fn} filters need shape ({fn},)")
        col = im2col_array(x, fh, fw, stride, pad)
        out = _mm(col, W.reshape(fn, -1).T)
        if b is not None:
            if b.dtype == out.dtype:
                out += b                        # out is new: in place saves a pass over memory
            else:
                out = out + b
        ctx.save_for_backward(x, W, col)
        ctx.geometry = (stride, pad)
        return out.reshape(len(x), oh, ow, fn).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, g):                       # Convolution.backward
        x, W, col = ctx.saved_tensors
        stride, pad = ctx.geometry
        needs = ctx.needs_input_grad
        need_x, need_W, need_b = needs + (False,) * (3 - len(needs))  # b may be left out
        fn, c, fh, fw = W.shape
        if isinstance(x, Tensor):               # create_graph: col as a function of x
            col = _im2col(x, fh=fh, fw=fw, stride=stride, pad=pad)
        dout = g.transpose(0, 2, 3, 1).reshape(-1, fn)
        db = dout.sum(axis=0) if need_b else None
        dW = _mm(dout.T, col).reshape(fn, c, fh, fw) if need_W else None
        dx = None
        if need_x:
            dcol = _mm(dout, W.reshape(fn, -1))
            dx = _col2im(dcol, shape=x.shape, fh=fh, fw=fw, stride=stride, pad=pad)
        return (dx, dW, db)[:len(needs)]


class MaxPool2d(Op):
    """The book's Pooling (max): the maximum of each window; the first maximum of a window takes
    its gradient (the book's argmax). Padding adds zeros, as the book's im2col does."""
    formula = "dx = dout at each window's first maximum"
    distinct = True

    @staticmethod
    def forward(ctx, x, pool_h, pool_w=None, stride=None, pad=0):
        pool_w = pool_h if pool_w is None else pool_w
        stride = pool_h if stride is None else stride
        oh, ow = _output_size("max_pool2d", np.shape(x), pool_h, pool_w, stride, pad)
        n, c = x.shape[:2]
        if pool_h == pool_w == stride:          # the windows tile the input: no im2col copy
            out, first_max = _tiled_max(x, stride, pad, oh, ow)
            if not np.isnan(out).any():         # NaN: the general path's argmax picks the first one
                ctx.save_for_backward(first_max)
                ctx.geometry = (x.shape, pad)
                return out.transpose(0, 3, 1, 2)
        col = im2col_array(x, pool_h, pool_w, stride, pad).reshape(-1, pool_h * pool_w)
        arg_max = col.argmax(axis=1)
        xp = array_module(col)
        out = col[xp.arange(len(col)), arg_max]
        ctx.save_for_backward(xp.arange(pool_h * pool_w) == arg_max[:, None])
        ctx.geometry = (x.shape, pool_h, pool_w, stride, pad)
        return out.reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, g):                       # Pooling.backward: dout into each window's argmax
        (first_max,) = ctx.saved_tensors
        if len(ctx.geometry) == 2:              # tiled: first_max is (N, OH, p, OW, p, C)
            shape, pad = ctx.geometry
            n, oh, ph, ow, pw, c = first_max.shape
            dx = g.transpose(0, 2, 3, 1).reshape(n, oh, 1, ow, 1, c) * first_max
            dx = dx.reshape(n, oh * ph, ow * pw, c).transpose(0, 3, 1, 2)
            return dx[:, :, pad:pad + shape[2], pad:pad + shape[3]] if pad else dx
        shape, ph, pw, stride, pad = ctx.geometry
        dmax = g.transpose(0, 2, 3, 1).reshape(-1, 1) * first_max
        dcol = dmax.reshape(first_max.shape[0] // shape[1], -1)
        return _col2im(dcol, shape=shape, fh=ph, fw=pw, stride=stride, pad=pad)


def _tiled_max(x, p, pad, oh, ow):
    """Max pooling of p x p windows moved by p. Channels last, the windows are a view
    (N, OH, p, OW, p, C) of the (padded) input, so the maxima are p*p - 1 elementwise maxima of
    its strided slices (N, OH, OW, C), channels innermost as a convolution's output lies in
    memory. Returns those maxima (N, OH, OW, C) and a mask of the view's shape, True at each
    window's first maximum in row-major order within the window (np.argmax's choice)."""
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c = x.shape[:2]
    win = x.transpose(0, 2, 3, 1).reshape(n, oh, p, ow, p, c)
    offsets = [(i, j) for i in range(p) for j in range(p)]
    out = win[:, :, 0, :, 0].copy()
    for i, j in offsets[1:]:
        np.maximum(out, win[:, :, i, :, j], out=out)
    first_max = array_module(x).empty(win.shape, dtype=bool)
    taken = None                                # windows whose first maximum is found
    for i, j in offsets:
        found = first_max[:, :, i, :, j]
        np.equal(win[:, :, i, :, j], out, out=found)
        if taken is None:
            taken = found.copy()
        else:
            np.greater(found, taken, out=found)  # a maximum, and none before it (found and not taken)
            taken |= found
    return out, first_max


# --- dropout and batch normalization (the book's chapter 6) ------------------------------------

class Dropout(Op):
    """The book's Dropout: training keeps each element where a fresh np.random.rand(*x.shape) >
    ratio (or where the given boolean `mask` is True); evaluation scales by 1 - ratio."""
    formula = "dx = dout * mask"

    @staticmethod
    def forward(ctx, x, ratio=0.5, training=True, mask=None):
        if not 0 <= ratio <= 1:
            raise ValueError(f"dropout: ratio must be in [0, 1], got {ratio!r}")
        if not training:
            ctx.save_for_backward(1 - ratio)
            return x * (1 - ratio)
        if mask is None:
            mask = array_module(x).random.rand(*np.shape(x)) > ratio
        elif np.shape(mask) != np.shape(x) or _dtype(mask) != bool:
            raise ValueError(f"dropout: the mask must be a boolean array of the input's shape "
                             f"{np.shape(x)}, got {_dtype(mask)} of shape {np.shape(mask)}")
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, g):                       # Dropout.backward: dout * mask
        (mask,) = ctx.saved_tensors
        return g * mask


BATCH_NORM_EPS = 10e-7                          # the book's


def _standardize(x, training, running_mean, running_var):
    """The book's normalisation of x (N, D), for arrays and Tensors alike: the batch's mean and
    variance in training, the running ones otherwise. Returns mu, var, xc, std, xn."""
    mu = x.mean(axis=0) if training else running_mean
    xc = x - mu
    var = (xc ** 2).mean(axis=0) if training else running_var
    std = _sqrt(var + BATCH_NORM_EPS)
    return mu, var, xc, std, xc / std


class BatchNorm(Op):
    """The book's BatchNormalization: features normalised over the batch (inputs (N, C, H, W) taken
    as (N, C*H*W)), then scaled by gamma and shifted by beta. Training uses the batch's mean and
    variance and updates running_mean / running_var in place (momentum * old + (1 - momentum) *
    batch); evaluation uses the running statistics."""
    formula = "dx = BatchNormalization.backward(dout), dgamma = sum(xn * dout, axis=0), dbeta = sum(dout, axis=0)"
    distinct = True  # a batch of equal values has zero variance: the gradient is huge near it

    @staticmethod
    def forward(ctx, x, gamma, beta, running_mean=None, running_var=None, momentum=0.9, training=True):
        if np.ndim(x) < 2:
            raise ValueError(f"batch_norm: expected an input of shape (N, D) or (N, C, H, W), got {np.shape(x)}")
        x2 = x.reshape(len(x), -1)
        d = x2.shape[1]
        for name, a in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean),
                        ("running_var", running_var)):
            if a is not None and np.shape(a) != (d,):
                raise ValueError(f"batch_norm: {name} has shape {np.shape(a)}; an input of shape "
                                 f"{np.shape(x)} has {d} features, so it needs shape ({d},)")
        if not training:
            if running_mean is None or running_var is None:
                raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")
            # statistics kept in another float type do not change the result's (float32 stays float32)
            running_mean, running_var = (to_device(a, device_of(x)).astype(x.dtype, copy=False)
                                         for a in (running_mean, running_var))
        mu, var, xc, std, xn = _standardize(x2, training, running_mean, running_var)
        if training:
            for run, batch in ((running_mean, mu), (running_var, var)):
                if run is not None:
                    run *= momentum
                    run += (1 - momentum) * batch
        ctx.save_for_backward(x, gamma, xc, std, xn)
        ctx.training = training
        ctx.running = None if training else (mu.copy(), var.copy())  # later training changes them
        return (gamma * xn + beta).reshape(np.shape(x))

    @staticmethod
    def backward(ctx, g):                       # BatchNormalization.backward
        x, gamma, xc, std, xn = ctx.saved_tensors
        need_x, need_gamma, need_beta = ctx.needs_input_grad
        n = len(x)
        dout = g.reshape(n, -1)
        if isinstance(x, Tensor):               # create_graph: what depends on x, as functions of x
            _, _, xc, std, xn = _standardize(x.reshape(n, -1), ctx.training, *(ctx.running or (None, None)))
        dbeta = dout.sum(axis=0) if need_beta else None
        dgamma = (xn * dout).sum(axis=0) if need_gamma else None
        dx = None
        if need_x:
            dxn = gamma * dout
            dxc = dxn / std
            if ctx.training:                    # the batch's mean and variance depend on x too
                dstd = -((dxn * xc) / (std * std)).sum(axis=0)
                dvar = 0.5 * dstd / std
                dxc = dxc + (2.0 / n) * xc * dvar
                dmu = dxc.sum(axis=0)
                dxc = dxc - dmu / n
            dx = dxc.reshape(x.shape)
        return dx, dgamma, dbeta


_sqrt = _either(Sqrt, np.sqrt)


# --- moving between devices (autograd.device) ---------------------------------------------------

class ToDevice(Function):
    """`t.to(device)`: a copy on the other device; its gradient goes back to the input's device.
    Not in OPS: the property suite runs each op on one device (benchmarks/gpu.py runs it on the
    GPU through this op)."""
    formula = "dx = dout moved back to x's device"

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = device_of(x)
        return to_device(x, device)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.source) if isinstance(g, Tensor) else to_device(g, ctx.source)
