"""In-place operators on Tensors, with PyTorch's semantics: `t -= v`, `t += v`, `t *= v`,
`t /= v`, `t **= v` and `t[index] = v` change the tensor object itself (its array, so every alias
sees the change, and its version, so a value saved for backward that changed is an error).

- Under `no_grad()`, or where nothing requires grad, only the data changes: the manual update
  `with no_grad(): p -= lr * p.grad` trains the parameter.
- While recording, on a tensor that is the result of an op (or needs no grad), the op is recorded:
  the tensor's node becomes the op's, whose input is the value from before. Ops recorded before
  keep taking their gradient to the node the tensor had then (each node keeps its inputs' nodes
  as they were), so `c += c + 1` gives the numbers of `c = c + (c + 1)`.
- While recording, a leaf that requires grad is refused (its gradient would be the gradient of
  something else), and so is a tensor whose array another tensor shares (a view, or one with
  views): the other one's graph would not know about the change.

Above the op table (it records Add, SetItem, ... in place) and below autograd/bindings.py, which
gives Tensor its in-place operators. It reads no node's fields: the core's `before_overwrite`
gives a node that saved the value being overwritten a copy of it.
"""
import numpy as np

from .function import before_overwrite
from .ops import SetItem
from .tensor import Tensor, _raw, _wrap, state


def apply(t, op, other, symbol):
    """`t <symbol> other` in place through `op` (Add for +=, ...); returns t."""
    if not (state.mode[0] and (t._requires_grad or (isinstance(other, Tensor) and other._requires_grad))):
        _write(t, op.apply(t, other)._data, symbol)  # nothing is recorded
        return t
    _check_recordable(t, symbol)
    before = _before(t)
    out = op.apply(before, before if other is t else other)
    _record(t, out, symbol)
    return t


def setitem(t, index, value):
    """`t[index] = value`: in the array under no_grad (or where nothing requires grad), else
    recorded as SetItem."""
    if not (state.mode[0] and (t._requires_grad or (isinstance(value, Tensor) and value._requires_grad))):
        try:
            t.data[index] = _raw(value)
        except (ValueError, IndexError, TypeError) as e:
            raise type(e)(f"t[index] = value on a Tensor of shape {t.shape}: {e}") from None
        t.data = t._data  # through the setter: counts as an in-place change
        return
    _check_recordable(t, "[index] =")
    _record(t, SetItem.apply(_before(t), value, index=index), "[index] =")


def _check_recordable(t, symbol):
    if t._node is None and t._requires_grad:
        raise RuntimeError(
            f"t {symbol} ... on a leaf Tensor that requires grad (shape {t.shape}{_named(t)}) while "
            "the graph is recorded: its gradient would be the gradient of another value. Update "
            "parameters inside `with no_grad():` (with no_grad(): p -= lr * p.grad), or build a "
            "new tensor (t = t - v, t = F.where(mask, v, t))")
    if t._base is not None or getattr(t, "_views", False):
        raise RuntimeError(
            f"t {symbol} ... while recording, on a Tensor of shape {t.shape}{_named(t)} whose array "
            "another tensor shares (a view such as t[:k], t.T, t.reshape(...), t.detach(), or a "
            "tensor such views were taken of): the other tensor's graph would not see the change. "
            "Make a copy first (t = t.copy()), build a new tensor (F.where, F.concatenate), or "
            "update under `with no_grad():`")


def _named(t):
    return f", '{t.name}'" if t.name else ""


def _before(t):
    """A stand-in for t's current value and node: the input of the op recorded in place. It
    shares t's array and version, so changing t after is seen by whoever saved the stand-in."""
    b = _wrap(t.data, t._node)  # an array: it is about to be written
    b._requires_grad, b.name, b._base = t._requires_grad, t.name, t
    return b


def _record(t, out, symbol):
    before_overwrite(out._node, t._data)  # the op keeps t's value from before (y *= x): a copy of it
    _write(t, out._data, symbol)
    t._node, t._requires_grad = out._node, True


def _write(t, value, symbol):
    """Copy `value` into t's own array (t's dtype) and count it as an in-place change."""
    if value.shape != t.shape:
        raise ValueError(f"t {symbol} ...: the result has shape {value.shape} but the Tensor has shape "
                         f"{t.shape}; an in-place operation cannot change the shape (build a new "
                         "tensor: t = t + v)")
    try:
        np.copyto(t.data, value, casting="same_kind")
    except ValueError as e:  # a read-only array (a broadcast, or one the caller locked)
        raise ValueError(f"t {symbol} ... on a Tensor of shape {t.shape}: {e}; make a copy first "
                         "(t = t.copy())") from None
    t.data = t._data  # through the setter: the version moves, a saved output is marked changed
