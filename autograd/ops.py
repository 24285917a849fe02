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
    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, g):                       # AddLayer: dx = dout * 1, dy = dout * 1
        return g, g


class Sub(Op):
    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Op):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):                       # MulLayer: dx = dout * y, dy = dout * x
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (g * y if need_x else None), (g * x if need_y else None)


class Div(Op):
    domain = ((-3.0, 3.0), (0.5, 3.0))

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x / y

    @staticmethod
    def backward(ctx, g):                       # DivLayer: dx = dout / y, dy = dout * (-x / y**2)
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (g / y if need_x else None), (g * (-x / y ** 2) if need_y else None)


class Pow(Op):
    domain = ((0.5, 2.0), (-2.0, 2.0))

    @staticmethod
    def forward(ctx, x, b):
        y = x ** b
        ctx.save_for_backward(x, b, y)
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
    differentiable = (False, True, True)

    @staticmethod
    def forward(ctx, cond, x, y):
        if np.asarray(cond).dtype != bool:
            raise TypeError(f"the condition must be a boolean array, got dtype {np.asarray(cond).dtype}")
        ctx.save_for_backward(cond)
        return np.where(cond, x, y)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        return None, g * cond, g * ~cond


# --- elementwise, one input --------------------------------------------------------------------

class Neg(Op):
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Op):
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
    kinks = (0.0,)

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):                       # Relu layer: dout where x > 0, else 0 (0 at x = 0)
        (y,) = ctx.saved_tensors
        return g * _positive(y)


# --- matrix product ----------------------------------------------------------------------------

class MatMul(Op):
    @staticmethod
    def forward(ctx, x, W):
        if np.ndim(x) == 0 or np.ndim(W) == 0:
            raise ValueError("matmul needs operands with at least one dimension")
        ctx.save_for_backward(x, W)
        return _mm(x, W)

    @staticmethod
    def backward(ctx, g):                       # MatMul layer: dx = dout W^T, dW = x^T dout
        x, W = ctx.saved_tensors
        need_x, need_W = ctx.needs_input_grad
        if x.ndim > 1 and W.ndim > 1:
            return (_mm(g, _mT(W)) if need_x else None), (_mm(_mT(x), g) if need_W else None)
        # np.matmul reads a 1-D x as a row and a 1-D W as a column and drops that axis from the
        # result: put the axes back, apply the same formulas, then drop them from the gradients
        X = x.reshape(1, -1) if x.ndim == 1 else x
        Wc = W.reshape(-1, 1) if W.ndim == 1 else W
        g = g.reshape(np.broadcast_shapes(X.shape[:-2], Wc.shape[:-2]) + (X.shape[-2], Wc.shape[-1]))
        gx = _mm(g, _mT(Wc)) if need_x else None
        gW = _mm(_mT(X), g) if need_W else None
        if x.ndim == 1 and gx is not None:
            gx = gx[..., 0, :]
        if W.ndim == 1 and gW is not None:
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

    @staticmethod
    def forward(ctx, x, W, b):
        if np.ndim(x) != 2 or np.ndim(W) != 2:
            raise ValueError("affine expects x of shape (N, in) and W of shape (in, out)")
        ctx.save_for_backward(x, W)
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
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        y = np.sum(x, axis=axis, keepdims=keepdims)
        ctx.shape, ctx.kept = np.shape(x), _kept_shape(np.shape(x), axis)
        return y

    @staticmethod
    def backward(ctx, g):                       # every summed element gets g (db = sum(dout))
        return _broadcast_to(g.reshape(ctx.kept), shape=ctx.shape)


class Mean(Op):
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
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = np.shape(x)
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Transpose(Op):
    @staticmethod
    def forward(ctx, x, axes=None):
        y = np.transpose(x, axes)
        ctx.axes = None if axes is None else normalize_axes(axes, np.ndim(x))
        return y

    @staticmethod
    def backward(ctx, g):                       # the inverse permutation puts the axes back
        return g.transpose() if ctx.axes is None else g.transpose(*np.argsort(ctx.axes).tolist())


class BroadcastTo(Op):
    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):                       # the engine sums g back to the input's shape
        return g


class GetItem(Op):
    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = np.shape(x), _own_index(index)
        return x[index]

    @staticmethod
    def backward(ctx, g):                       # repeated indices add up
        return _scatter_add(g, index=ctx.index, shape=ctx.shape)


class ScatterAdd(Op):
    """The vjp of x[index]: a zero array of `shape` with g added at `index`."""

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
    return np.array(index) if isinstance(index, (np.ndarray, list)) else index


def _axis_slices(axis, item):
    return (slice(None),) * axis + (item,)


class Concatenate(Op):
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
    differentiable = (True, False)

    @staticmethod
    def forward(ctx, x, t):
        if x.ndim not in (1, 2):
            raise ValueError(f"cross_entropy expects logits of shape (N, C) or (C,), got {x.shape}")
        x2 = x.reshape(1, -1) if x.ndim == 1 else x
        n = len(x2)
        labels, t = _targets(t, x2.shape, x.dtype)
        z = x2 - x2.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        p = e / s
        if x.ndim == 1:                         # one sample: p and t take the logits' shape again
            ctx.save_for_backward(x, p[0], t[0])
        else:
            ctx.save_for_backward(x, p, t)
        if n == 0:  # the mean over no samples, as NumPy's mean and PyTorch give it
            return np.array(np.nan, x.dtype)
        if labels is None:
            return -(t * _log_p(p, z, s)).sum() / n
        return -_log_p(p, z, s, (np.arange(n), labels)).sum() / n

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


def _targets(t, shape, dtype):
    """(labels or None, rows of probabilities): class indices become one-hot rows; checked."""
    n, c = shape
    t = np.asarray(t)
    if t.shape == shape or (n == 1 and t.shape == (c,)):
        return None, t.reshape(shape).astype(dtype, copy=False)
    if t.shape not in ((n,), ()) or (t.shape == () and n != 1):
        raise ValueError(f"cross_entropy: targets of shape {t.shape} do not match logits of shape "
                         f"{shape}; give {n} class indices, shape ({n},), or one-hot rows, shape {shape}")
    labels = t.reshape(n)
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f":
            raise TypeError(f"cross_entropy: class labels must be integers, got dtype {labels.dtype}")
        bad = np.flatnonzero(~np.isfinite(labels) | (labels != np.round(labels)))
        if bad.size:  # float labels are fine while they hold whole numbers
            raise TypeError(f"cross_entropy: class labels must be integers, got {labels[bad[0]]} "
                            f"at position {bad[0]}")
        labels = labels.astype(np.int64)
    onehot = np.zeros(shape, dtype)
    try:
        if n and labels.min() < 0:  # a negative index would silently wrap around
            raise IndexError
        onehot[np.arange(n), labels] = 1
    except IndexError:
        bad = np.flatnonzero((labels < 0) | (labels >= c))[0]
        raise ValueError(f"cross_entropy: label {labels[bad]} at position {bad} is out of range "
                         f"for {c} classes (labels must be integers in [0, {c}))") from None
    return labels, onehot


# --- what the vjps call besides operators: arrays in a normal backward, Tensors under create_graph

def _either(op, array_fn):
    return lambda a, **kw: op.apply(a, **kw) if isinstance(a, Tensor) else array_fn(a, **kw)


def _scatter_array(g, index, shape):
    out = np.zeros(shape, dtype=np.result_type(g))
    np.add.at(out, index, g)
    return out


class Positive(Function):
    """The mask y > 0 in y's dtype, with derivative 0: under create_graph ReLU's gradient
    depends on y through it, so it differentiates again (to zeros) as PyTorch's does."""

    @staticmethod
    def forward(ctx, y):
        return (y > 0).astype(y.dtype)

    @staticmethod
    def backward(ctx, g):
        return g * 0


_positive = _either(Positive, lambda y: y > 0)
_exp = _either(Exp, np.exp)
_log = _either(Log, np.log)
_softmax = _either(Softmax, softmax_array)
_broadcast_to = _either(BroadcastTo, np.broadcast_to)
_scatter_add = _either(ScatterAdd, _scatter_array)
