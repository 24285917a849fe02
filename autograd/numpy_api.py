"""NumPy functions on Tensors: the protocols of NEP 13 (`__array_ufunc__`) and NEP 18
(`__array_function__`).

`np.exp(t)`, `np.dot(x, W)`, `np.sum(t, axis=0)` record the same op as `t.exp()`, `x @ W`,
`t.sum(axis=0)`. Functions without a gradient (`np.argmax`, `np.shape`, comparisons) work on the
values and return arrays. Any other NumPy function given a Tensor that requires grad raises a
TypeError that says what to use instead: no NumPy call drops a gradient silently. Where nothing
needs a gradient (no Tensor requires grad, or under `no_grad()`), NumPy works on the values.
NumPy dispatches on top-level arguments only: Tensors inside a list (`np.sum([t, u])`) reach
`Tensor.__array__`, which warns (LostGradientWarning) when it turns one that requires grad into
values.

The engine's own array code never comes here: ops run on ndarrays, and `ndarray + Tensor` takes
the first branch of `array_ufunc`.

Which NumPy function records which op is declared by the op (`numpy = np.exp`, autograd/ops/):
autograd/bindings.py hands each op to `register`, which fills `UFUNC_OPS` and `FUNCTIONS`. This
module is NumPy's side: the keywords NumPy's functions take and an op does not (refused by name),
the functions whose values have no gradient, and the hints for the rest.
"""
import numpy as np

from . import functions as F
from .device import array_module
from .tensor import Tensor, state

# ufuncs that are ops of the table, called with positional arguments only (np.exp: ops.Exp)
UFUNC_OPS = {}
# other NumPy functions that record an op (np.sum, np.reshape, ...): their implementations
FUNCTIONS = {}


def register(op, call):
    """Record `op` for the NumPy functions it declares: a ufunc through its positional call, any
    other function through `call` (the op's F function), behind NumPy's own signature where this
    module knows it (NUMPY_SIGNATURES)."""
    for f in op.numpy if isinstance(op.numpy, tuple) else (op.numpy,):
        if isinstance(f, np.ufunc):
            UFUNC_OPS[f] = op
        else:
            FUNCTIONS[f] = NUMPY_SIGNATURES[f](call) if f in NUMPY_SIGNATURES else call


# ufuncs whose result has no gradient (booleans, or piecewise constant: its gradient is 0)
VALUE_UFUNCS = {np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
                np.logical_and, np.logical_or, np.logical_xor, np.logical_not, np.isnan, np.isinf,
                np.isfinite, np.signbit, np.sign, np.floor, np.ceil, np.trunc, np.rint}

# functions whose result has no gradient: indices, shapes, booleans, constants, text, files
VALUE_FUNCTIONS = {np.argmax, np.argmin, np.argsort, np.argwhere, np.nonzero, np.flatnonzero,
                   np.count_nonzero, np.searchsorted, np.digitize, np.shape, np.ndim, np.size,
                   np.result_type, np.isclose, np.allclose, np.array_equal, np.array_equiv, np.any,
                   np.all, np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.round,
                   np.around, np.array2string, np.array_repr, np.array_str, np.save, np.savez,
                   np.savez_compressed, np.savetxt}

# what to write instead, for functions a learner reaches for
HINTS = {"absolute": "F.where(t > 0, t, -t)", "fabs": "F.where(t > 0, t, -t)", "square": "t ** 2",
         "min": "-np.max(-t)", "amin": "-np.max(-t)", "minimum": "-np.maximum(-a, -b)",
         "clip": "F.maximum and F.where", "log1p": "np.log(1 + t)", "expm1": "np.exp(t) - 1",
         "reciprocal": "1 / t", "true_divide": "t / u",
         "ravel": "t.reshape(-1)", "squeeze": "t.reshape(...)", "expand_dims": "t.reshape(...)",
         "average": "np.mean(t)", "tensordot": "np.matmul (or @) after a reshape",
         "einsum": "np.matmul (or @)"}


def array_ufunc(ufunc, method, inputs, kwargs):
    op = UFUNC_OPS.get(ufunc)
    if op is not None and method == "__call__" and not kwargs:
        return op.apply(*inputs)
    if ufunc is np.positive and method == "__call__" and not kwargs:
        return inputs[0]  # +t is t, as Tensor.__pos__
    if ufunc in VALUE_UFUNCS or not _needs_grad(inputs, kwargs.get("out", ())):
        kwargs = dict(kwargs)
        if "out" in kwargs:
            kwargs["out"] = _writable(kwargs["out"], ufunc.__name__)
        return getattr(ufunc, method)(*_values(inputs), **kwargs)
    name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
    if op is not None:
        given = ", ".join(kwargs) or method
        hint = f"call np.{ufunc.__name__}(...) with its inputs alone (no {given})"
        if method == "reduce" and ufunc is np.add:
            hint = "t.sum(axis)"
        elif method == "reduce" and ufunc is np.maximum:
            hint = "t.max(axis)"
        raise TypeError(_refusal(name, hint))
    raise TypeError(_refusal(name, HINTS.get(ufunc.__name__)))


def array_function(func, types, args, kwargs):
    if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented
    impl = FUNCTIONS.get(func)
    if impl is not None:
        return impl(*args, **kwargs)
    if func in VALUE_FUNCTIONS or not _needs_grad(args, kwargs):
        return func(*_values(args), **_values(kwargs))
    raise TypeError(_refusal(func.__name__, HINTS.get(func.__name__)))


def _refusal(name, hint):
    instead = f"use {hint}, " if hint else ""
    return (f"np.{name} is not supported on a Tensor that requires grad: its result would lose the "
            f"gradient. Instead {instead}use the Tensor methods and autograd.functions (F.exp, F.sum, "
            f"F.where, ...), write the op as an autograd.Function, or pass t.detach() (or t.data) "
            f"if you want the values without a gradient")


def _needs_grad(*trees):
    return state.grad_enabled and any(_any_tensor(t, lambda x: x.requires_grad) for t in trees)


def _any_tensor(tree, test):
    if isinstance(tree, Tensor):
        return test(tree)
    if isinstance(tree, (list, tuple)):
        return any(_any_tensor(x, test) for x in tree)
    if isinstance(tree, dict):
        return any(_any_tensor(x, test) for x in tree.values())
    return False


def _values(tree):
    """The same arguments with each Tensor replaced by its array."""
    if isinstance(tree, Tensor):
        return tree._data
    if isinstance(tree, (list, tuple)):
        return type(tree)(_values(x) for x in tree)
    if isinstance(tree, dict):
        return {k: _values(v) for k, v in tree.items()}
    return tree


def _writable(out, name):
    if _any_tensor(out, lambda t: True):
        raise TypeError(f"np.{name}(..., out=Tensor): a Tensor's data changes only through its "
                        f"ops; write t = np.{name}(...) (a new tensor) instead")
    return out


def _no(name, **given):
    """Refuse the NumPy keywords an op has no counterpart for (out=, dtype=, where=, ...)."""
    bad = [k for k, v in given.items() if v is not None]
    if bad:
        raise TypeError(f"np.{name} on a Tensor: {', '.join(bad)}= is not supported; call it "
                        f"without {', '.join(bad)}= (the result is a new Tensor)")


# --- NumPy's signatures: each takes an op's call and gives the function NumPy's arguments reach --

def _dot(matmul):
    def dot(a, b, out=None):
        _no("dot", out=out)
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            return F.mul(a, b)
        if np.ndim(a) > 2 or np.ndim(b) > 2:
            raise TypeError("np.dot of arrays with more than 2 dimensions on a Tensor is not supported; "
                            "use np.matmul or @ (the batched product)")
        return matmul(a, b)
    return dot


def _reduction(name, has_dtype=True):
    def signature(fn):
        def reduce(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
            _no(name, dtype=dtype, out=out, initial=initial, where=where)
            return fn(a, axis=axis, keepdims=bool(keepdims))

        def reduce_max(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # no dtype
            return reduce(a, axis, None, out, keepdims, initial, where)
        return reduce if has_dtype else reduce_max
    return signature


def _reshape(fn):
    def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
        _no("reshape", order=None if order == "C" else order, copy=copy)
        return fn(a, shape if shape is not None else newshape)
    return reshape


def _transpose(fn):
    def transpose(a, axes=None):
        return fn(a, axes)
    return transpose


def _joined(name):
    def signature(fn):
        def join(arrays, axis=0, out=None, dtype=None, casting=None):
            _no(name, out=out, dtype=dtype, casting=casting)
            if axis is None and name == "concatenate":  # NumPy flattens first
                return fn([F.reshape(a, (-1,)) for a in arrays], axis=0)
            return fn(list(arrays), axis=axis)
        return join
    return signature


def _broadcast_to(fn):
    def broadcast_to(array, shape, subok=False):
        return fn(array, shape)
    return broadcast_to


def _copy(fn):
    def copy(a, order="K", subok=False):
        _no("copy", order=None if order == "K" else order)
        return fn(a)
    return copy


def _where(fn):
    def where(condition, *xy):
        if not xy:  # np.where(cond) is np.nonzero(cond): indices
            return np.where(_values(condition))
        condition = _values(condition)
        return fn(array_module(condition).asarray(condition, dtype=bool), *xy)
    return where


NUMPY_SIGNATURES = {np.dot: _dot, np.sum: _reduction("sum"), np.mean: _reduction("mean"),
                    np.max: _reduction("max", False), np.amax: _reduction("amax", False),
                    np.reshape: _reshape, np.transpose: _transpose, np.concatenate: _joined("concatenate"),
                    np.stack: _joined("stack"), np.broadcast_to: _broadcast_to, np.where: _where,
                    np.copy: _copy}
