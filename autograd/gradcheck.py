"""Finite differences: the textbook's numerical_gradient, and checks of backprop against it.

A tool beside the core: it imports the engine and Tensor, and reads recorded nodes through
autograd.function's reading functions."""
import numpy as np

from .engine import grad as _grad, toposort
from .function import called_at, recorded_call
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Backprop and finite differences disagree."""


def numerical_gradient(f, x, h=1e-4):
    """Central differences (f(x+h) - f(x-h)) / 2h for each element of the ndarray `x`, which
    `f` reads in place; `x` is restored afterwards, even if `f` raises."""
    __tracebackhide__ = True
    x = x.data if isinstance(x, Tensor) else x
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        # the steps x ± h are written into x: a list cannot take them, an int array rounds them away
        what = f"an ndarray of dtype {x.dtype}" if isinstance(x, np.ndarray) else f"a {type(x).__name__}"
        raise TypeError(f"numerical_gradient: x must be a float ndarray that f reads in place; got {what}")
    grad = np.zeros(np.shape(x), dtype=np.result_type(x, np.float64))
    for idx in np.ndindex(*np.shape(x)):
        tmp = x[idx]
        try:
            x[idx] = tmp + h
            fxh1 = float(f(x))
            x[idx] = tmp - h
            fxh2 = float(f(x))
        finally:
            x[idx] = tmp
        grad[idx] = (fxh1 - fxh2) / (2 * h)
    return grad


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Compare backprop with finite differences for every input that requires grad.

    A one-element output is differentiated as it is; several output elements are projected on
    fixed random weights v (one backward, two forwards per input element), so what is compared
    is the vector-Jacobian product v·d(output)/d(input). Returns True or raises GradcheckError
    naming the input, the worst element and both values."""
    __tracebackhide__ = True  # pytest shows the caller's line and the message, not this code
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need float64")
    outs = _as_tuple(fn(*inputs))
    scalar = sum(o.size for o in outs) == 1
    rng = np.random.default_rng(0)
    weights = [np.ones(o.shape) if scalar else rng.standard_normal(o.shape) for o in outs]

    def projected(_):  # recorded like any call: fn may itself differentiate (create_graph)
        __tracebackhide__ = True
        return sum(float((o._data * w).sum()) for o, w in zip(_as_tuple(fn(*inputs)), weights))

    analytic = _grad([o for o in outs if o.requires_grad], [inputs[i] for i in checked],
                     [w for o, w in zip(outs, weights) if o.requires_grad], allow_unused=True)
    for i, a in zip(checked, analytic):
        t = inputs[i]
        a = np.zeros(t.shape) if a is None else np.asarray(a.data)
        n = numerical_gradient(projected, t.data, eps)
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if not np.all(excess <= 0):  # written so that a NaN on either side is a mismatch too
            worst = np.where(np.isnan(excess), np.inf, excess)
            # plain ints and floats: NumPy 2 would print np.int64(1), np.float64(0.5)
            idx = tuple(int(k) for k in np.unravel_index(int(np.argmax(worst)), np.shape(n)))
            raise GradcheckError(_mismatch(i, t, idx, float(a[idx]), float(n[idx]), scalar, atol, rtol))
    return True


def _mismatch(i, t, idx, backprop, numerical, scalar, atol, rtol):
    """The message of a failed gradcheck, in the function's own numbers where it has them."""
    at = float(t._data[idx])
    if scalar and t.size == 1:
        what = f"the derivative of the output with respect to input {i} at {at!r} is wrong"
    elif scalar:
        what = (f"the gradient of the output with respect to input {i} (shape {t.shape}) is wrong "
                f"at index {idx}, where the input is {at!r}")
    else:
        what = (f"the gradient of input {i} (shape {t.shape}) is wrong at index {idx}, where the "
                f"input is {at!r}")
    # finite differences are good to about 8 digits: 12.000000000789 is shown as 12.0
    numerical = float(f"{numerical:.8g}")
    message = (f"gradcheck: {what}: backprop {backprop!r} vs numerical {numerical!r} "
               f"(|diff| {abs(backprop - numerical):.3g} > atol {atol} + rtol {rtol} * |numerical|)")
    if not scalar:
        message += (". The output has several elements, so these numbers are the vector-Jacobian "
                    "product v\u00b7d(output)/d(input) along fixed random weights v (standard "
                    "normal, one per output element), not a derivative of one output element")
    return message


def gradcheck_nodes(output, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check each recorded node's vjp on its own, at that node's own inputs (in float64), in
    the order the graph was built. Call before backward (backward frees the inputs). Raises
    GradcheckError naming the first op whose backward disagrees with finite differences."""
    __tracebackhide__ = True
    nodes = toposort([output._node] if output._node is not None else [])[::-1]  # as recorded
    for k, node in enumerate(nodes):
        call = recorded_call(node)
        if call is None:
            raise RuntimeError("gradcheck_nodes: the graph was already freed by backward; call it first")
        (args, kwargs), cls = call, type(node)
        diff = getattr(cls, "differentiable", None) or (True,) * len(args)
        slots = [i for i, a in enumerate(args) if node.needs_input_grad[i] and diff[i]]
        values = [Tensor(np.array(a._data, dtype=np.float64), requires_grad=i in slots)
                  if isinstance(a, Tensor) else a for i, a in enumerate(args)]

        def op(*vals, cls=cls, kwargs=kwargs):
            __tracebackhide__ = True
            return cls.apply(*vals, **kwargs)
        try:  # all of the op's arguments: the error's "input i" is the op's own argument i
            gradcheck(op, values, eps, atol, rtol)
        except GradcheckError as e:
            where = called_at(node)
            raise GradcheckError(f"gradcheck_nodes: the backward of {cls.__name__} (node {k + 1} of "
                                 f"{len(nodes)}{', called at ' + where if where else ''}) is wrong: "
                                 f"{e}") from None
    return True


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)
