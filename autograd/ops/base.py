"""What every op of the table shares: the `Op` class, which registers each op in `OPS` and holds
its declarations, and the array helpers that more than one kind of op uses."""
import operator

import numpy as np

from ..function import Function
from ..tensor import Tensor

OPS = {}
# called with each op as it is defined: autograd.bindings adds itself, so that an op defined after
# `import autograd` is bound as the built-in ones were
on_define = []


class Op(Function):
    """An op of the table: forward and vjp side by side, and what the rest of the package derives
    from it, declared here so that a new op is one class in one file.

    Bindings (autograd/bindings.py makes them as the op is defined; a subclass of an op inherits
    none of them, so a variant with another backward rebinds nothing):
      function   its name in `autograd.functions` (F). F's function is the class's own `call`
                 where it has one, else made from forward's signature: the parameters without a
                 default are the inputs (the first is made a Tensor), the others keywords.
      method     the name(s) of the Tensor method: the class's `tensor_method` where it has one,
                 else the same call with the tensor as the first input.
      operator   '+', '-', '*', '/', '**', '@': the operator, its reflected form and (but '@')
                 its in-place form.
      numpy      the NumPy ufuncs and functions that record this op when given Tensors.
    Property tests (autograd.testing.check_op, run on every op by tests/ops/test_ops.py):
      domain     (lo, hi) for every input, or one pair per input: where test values are drawn
      kinks      points where the op is not differentiable, which test values keep away from
      distinct   ties have no derivative (max, maximum): test values are free of them
      differentiable  per input: does it take a gradient? (None: all do)
      second_order    True, False, or a function of (args, kwargs): where drawn inputs have
                 second derivatives
      arguments  a classmethod (cls, draw, t) -> (args, kwargs) drawing valid arguments, `t` being
                 autograd.testing (its strategies); None: one array per input of forward, of
                 shapes that broadcast together
    """
    function = method = operator = None
    numpy = ()
    domain = (-3.0, 3.0)
    kinks = ()
    distinct = False
    differentiable = None
    second_order = True
    arguments = None

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        OPS[cls.__name__] = cls
        for hook in on_define:
            hook(cls)


def either(op, array_fn):
    """`op` where a vjp meets Tensors (create_graph=True: recorded, differentiable again), else
    `array_fn` on the arrays of a normal backward (no node, no overhead)."""
    return lambda a, **kw: op.apply(a, **kw) if isinstance(a, Tensor) else array_fn(a, **kw)


def dtype_of(a):
    """The dtype of an array on either device, or of what np.asarray makes of `a`."""
    return a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype


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
