"""Reductions: sum, mean and max over an axis, a tuple of axes or all of them (keepdims or not)."""
import numpy as np

from .base import Op, normalize_axes

def _kept_shape(shape, axis):
    """The shape of a reduction over `axis` with keepdims=True."""
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _arguments(op, draw, t):
    """An array of any shape, and an axis: None, an int (maybe negative) or a tuple of axes."""
    (x,) = t.op_arrays(draw, op, [draw(t.shapes())])
    return [x], {"axis": draw(t.axes(x.ndim)), "keepdims": draw(t.st.booleans())}


class Sum(Op):
    formula = "dx = dout copied to every summed element"
    function = method = "sum"
    numpy = np.sum
    arguments = classmethod(_arguments)
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        y = np.sum(x, axis=axis, keepdims=keepdims)
        ctx.shape, ctx.kept = np.shape(x), _kept_shape(np.shape(x), axis)
        return y

    @staticmethod
    def backward(ctx, g):                       # every summed element gets g (db = sum(dout))
        return np.broadcast_to(g.reshape(ctx.kept), ctx.shape)


class Mean(Op):
    formula = "dx = dout / n copied to every averaged element"
    function = method = "mean"
    numpy = np.mean
    arguments = classmethod(_arguments)
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        y = np.mean(x, axis=axis, keepdims=keepdims)
        ctx.shape, ctx.kept = np.shape(x), _kept_shape(np.shape(x), axis)
        ctx.n = np.size(x) // max(np.size(y), 1)
        return y

    @staticmethod
    def backward(ctx, g):
        return np.broadcast_to(g.reshape(ctx.kept) / ctx.n, ctx.shape)


class Max(Op):
    formula = "dx = dout at the maximum, tied maxima share it"
    function = method = "max"
    numpy = (np.max, np.amax)
    arguments = classmethod(_arguments)
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



