"""Softmax, log-softmax and the loss: the textbook's SoftmaxWithLoss as one op, CrossEntropy."""
import numpy as np

from ..device import array_module
from ..tensor import Tensor, _raw, as_tensor
from .base import Op, either

def softmax_array(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))  # shifting by the max avoids overflow
    return e / e.sum(axis=axis, keepdims=True)


def _arguments(op, draw, t):
    (x,) = t.op_arrays(draw, op, [draw(t.shapes(min_dims=1))])
    return [x], {"axis": draw(t.st.integers(-x.ndim, x.ndim - 1))}


class Softmax(Op):
    formula = "dx = out * (dout - sum(dout * out, axis))"
    function = "softmax"
    arguments = classmethod(_arguments)
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


_softmax = either(Softmax, softmax_array)


class LogSoftmax(Op):
    formula = "dx = dout - exp(out) * sum(dout, axis)"
    function = "log_softmax"
    arguments = classmethod(_arguments)
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
        return g - np.exp(y) * g.sum(axis=ctx.axis, keepdims=True)


class CrossEntropy(Op):
    """Softmax and cross-entropy error in one op, as the textbook's SoftmaxWithLoss.

    Mean over the batch; `t` holds class indices, or one-hot rows / probabilities."""
    formula = "dx = dout * (softmax(x) - t) / N"
    function = "cross_entropy"
    differentiable = (True, False)

    @staticmethod
    def forward(ctx, x, t):
        if x.ndim not in (1, 2):
            raise ValueError(f"cross_entropy expects logits of shape (N, C) or (C,), got {x.shape}")
        x2 = x.reshape(1, -1) if x.ndim == 1 else x
        n = len(x2)
        xp = array_module(x)
        labels, t = _targets(t, x2.shape, x.dtype, xp)
        z = x2 - x2.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        p = e
        p /= s                                  # e is ours: the softmax in place
        # labels stay labels (the book's backward subtracts 1 at each): a copy, the caller's may change
        ctx.save_for_backward(x, p[0] if x.ndim == 1 else p, t if labels is None else labels.copy())
        ctx.labels = labels is not None
        if n == 0:  # the mean over no samples, as NumPy's mean and PyTorch give it
            return xp.array(np.nan, x.dtype)
        if labels is None:
            return -(t * _log_p(p, z, s)).sum() / n
        return -_log_p(p, z, s, (xp.arange(n), labels)).sum() / n

    @staticmethod
    def backward(ctx, g):                       # SoftmaxWithLoss: dx = (y - t) / batch_size
        x, p, t = ctx.saved_tensors
        n = max(len(x), 1) if x.ndim == 2 else 1
        if isinstance(x, Tensor) or not ctx.labels:  # under create_graph p is a function of x
            if ctx.labels:
                t = _onehot(array_module(p), t, p.shape, p.dtype)
            d = ctx.derived(p, _softmax, x) - t
        else:
            d = p.copy()
            d[(array_module(p).arange(len(t)), t) if p.ndim == 2 else t] -= 1
        d *= g / n                              # in place on a new array (d = d * ... for Tensors)
        return d, None

    @staticmethod
    def call(logits, t):
        """Mean cross-entropy of softmax(logits) against class indices or one-hot/probability rows.
        Its vjp is the textbook's SoftmaxWithLoss backward: (softmax(logits) - t) / N."""
        return CrossEntropy.apply(as_tensor(logits), _raw(t))

    @classmethod
    def arguments(cls, draw, t):                # labels, one-hot rows, probabilities, one sample
        labels, onehot, c = draw(t.labels())
        n = len(labels)
        kind = draw(t.st.sampled_from(["labels", "onehot", "probabilities", "single"]))
        if kind == "single":
            return t.op_arrays(draw, cls, [(c,)]) + [labels[0]], {}
        (x,) = t.op_arrays(draw, cls, [(n, c)])
        if kind == "probabilities":
            w = draw(t.arrays((n, c), domain=(0.1, 1.0)))
            return [x, w / w.sum(axis=1, keepdims=True)], {}
        return [x, labels if kind == "labels" else onehot], {}


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
    """(class indices, None) or (None, rows of probabilities), checked: indices stay indices
    (CrossEntropy's backward subtracts 1 at each, as the book's SoftmaxWithLoss does). A number
    as the label goes to the logits' device (`xp`, their array module)."""
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
    if n and (labels.min() < 0 or labels.max() >= c):  # negative ones would wrap around
        bad = np.flatnonzero((labels < 0) | (labels >= c))[0]
        raise ValueError(f"cross_entropy: label {labels[bad]} at position {bad} is out of range "
                         f"for {c} classes (labels must be integers in [0, {c}))")
    return labels, None


def _onehot(xp, labels, shape, dtype):
    onehot = xp.zeros(shape, dtype)
    onehot[(xp.arange(len(labels)), labels) if len(shape) == 2 else labels] = 1
    return onehot


