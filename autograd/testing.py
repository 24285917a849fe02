"""Property-based gradient tests in a few lines (needs hypothesis: pip install hypothesis).

    from hypothesis import given
    from autograd import testing

    @given(testing.arrays(shape=testing.shapes(), domain=(-2, 2)))
    def test_my_op(x):
        testing.assert_gradients(lambda t: MyOp.apply(t), x)

Strategies give float64 arrays by shape and dtype, mutually broadcastable shapes, class labels
with matching one-hot rows, and values kept inside an op's domain and away from its kinks.
`op_arguments(op)` draws valid arguments for any op of the built-in table (autograd.ops.OPS).
"""
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .gradcheck import gradcheck
from .tensor import Tensor

__all__ = ["shapes", "broadcastable_shapes", "values", "arrays", "tensors", "labels",
           "op_arguments", "assert_gradients"]

MARGIN = 1e-2  # how far test values stay from a kink, well beyond the finite-difference step


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes, 0-d included by default."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4):
    """A tuple of `num_shapes` shapes that broadcast together (some sides 1, some missing)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims,
                                             max_dims=max_dims, max_side=max_side).map(lambda s: s.input_shapes)


def values(domain=(-3.0, 3.0), kinks=(), distinct=False, offset=0.0):
    """Floats inside `domain`, at least MARGIN away from every kink. With `distinct`, values lie
    on a grid of step 1/8 (plus `offset`) so that no two are within a finite-difference step."""
    lo, hi = domain
    if distinct:
        return st.integers(int(np.ceil(lo * 8)), int(np.floor(hi * 8)) - 1).map(lambda i: i / 8 + offset)
    return st.floats(lo, hi, allow_nan=False).filter(lambda v: all(abs(v - k) > MARGIN for k in kinks))


def arrays(shape=None, dtype=np.float64, domain=(-3.0, 3.0), kinks=(), distinct=False, offset=0.0):
    """ndarrays of `shape` (a shape or a strategy of shapes; default any small shape)."""
    shape = shapes() if shape is None else shape
    return hnp.arrays(dtype, shape, elements=values(domain, kinks, distinct, offset), unique=distinct)


def tensors(shape=None, dtype=np.float64, domain=(-3.0, 3.0), kinks=(), requires_grad=True):
    return arrays(shape, dtype, domain, kinks).map(lambda a: Tensor(a, requires_grad=requires_grad))


@st.composite
def labels(draw, n=None, classes=None):
    """(labels, one_hot, classes): integer class indices and the matching one-hot rows."""
    n = draw(st.integers(1, 5)) if n is None else n
    c = draw(st.integers(2, 5)) if classes is None else classes
    t = np.asarray(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), dtype=np.int64)
    return t, np.eye(c)[t], c


def assert_gradients(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Backprop through `fn` agrees with finite differences for every input (arrays become
    float64 Tensors that require grad). Raises AssertionError naming the input and element."""
    ts = [x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
          for x in inputs]
    return gradcheck(fn, ts, eps=eps, atol=atol, rtol=rtol)


# --- arguments for each op of the table: (args, kwargs) for op.apply -------------------------------

def _domain(op, i):
    d = op.domain
    return d[i] if isinstance(d[0], tuple) else d


def _arrays_for(draw, op, shapes_):
    return [draw(arrays(s, domain=_domain(op, i), kinks=op.kinks, distinct=op.distinct, offset=i / 16))
            for i, s in enumerate(shapes_)]


@st.composite
def _unary(draw, op):
    return _arrays_for(draw, op, [draw(shapes())]), {}


@st.composite
def _binary(draw, op):
    return _arrays_for(draw, op, draw(broadcastable_shapes(2))), {}


@st.composite
def _where(draw, op):
    sc, sx, sy = draw(broadcastable_shapes(3))
    return [draw(hnp.arrays(bool, sc))] + _arrays_for(draw, op, [sx, sy]), {}


@st.composite
def _matmul(draw, op):
    n, k, m, b = (draw(st.integers(1, 4)) for _ in range(4))
    case = draw(st.sampled_from([((n, k), (k, m)), ((k,), (k, m)), ((n, k), (k,)), ((k,), (k,)),
                                 ((b, n, k), (k, m)), ((b, n, k), (b, k, m)), ((n, k), (b, k, m)),
                                 ((k,), (b, k, m)), ((b, 1, n, k), (b, k, m))]))
    return _arrays_for(draw, op, case), {}


@st.composite
def _affine(draw, op):
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    b_shape = draw(st.sampled_from([(m,), (1, m), (), (1,)]))
    return _arrays_for(draw, op, [(n, k), (k, m), b_shape]), {}


@st.composite
def _axis(draw, ndim):
    """None, an int (maybe negative) or a tuple of distinct axes."""
    if ndim == 0:
        return None
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        return None
    if choice == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)))


@st.composite
def _reduction(draw, op):
    (x,) = _arrays_for(draw, op, [draw(shapes())])
    return [x], {"axis": draw(_axis(x.ndim)), "keepdims": draw(st.booleans())}


@st.composite
def _reshape(draw, op):
    (x,) = _arrays_for(draw, op, [draw(shapes())])
    target = draw(st.sampled_from([(x.size,), (-1,), x.shape[::-1], (1,) + x.shape + (1,),
                                   (x.size, 1) if x.size > 1 else ()]))
    return [x], {"shape": target}


@st.composite
def _transpose(draw, op):
    (x,) = _arrays_for(draw, op, [draw(shapes())])
    axes = draw(st.none() | st.permutations(range(x.ndim)).map(tuple))
    return [x], {"axes": axes}


@st.composite
def _broadcast_to(draw, op):
    target = draw(shapes(min_dims=1))
    keep = draw(st.integers(0, len(target)))
    src = tuple(s if draw(st.booleans()) else 1 for s in target[len(target) - keep:])
    (x,) = _arrays_for(draw, op, [src])
    return [x], {"shape": target}


@st.composite
def _index(draw, shape):
    """A basic or advanced index into an array of `shape` (advanced ones repeat entries)."""
    kind = draw(st.sampled_from(["int", "slice", "array", "mask", "tuple"]))
    n = shape[0]
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "slice":
        return slice(draw(st.integers(0, n - 1)), draw(st.integers(1, n)), draw(st.integers(1, 2)))
    if kind == "array":
        return np.asarray(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6)))
    if kind == "mask":
        return draw(hnp.arrays(bool, shape[:1]))
    return (Ellipsis, draw(st.integers(0, shape[-1] - 1)))


@st.composite
def _getitem(draw, op):
    (x,) = _arrays_for(draw, op, [draw(shapes(min_dims=1))])
    return [x], {"index": draw(_index(x.shape))}


@st.composite
def _scatter_add(draw, op):
    shape = draw(shapes(min_dims=1))
    index = draw(_index(shape))
    (g,) = _arrays_for(draw, op, [np.zeros(shape)[index].shape])
    return [g], {"index": index, "shape": shape}


@st.composite
def _concatenate(draw, op):
    base = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(base), len(base) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    shapes_ = [base[:axis % len(base)] + (s,) + base[axis % len(base) + 1:] for s in sizes]
    return _arrays_for(draw, op, shapes_), {"axis": axis}


@st.composite
def _stack(draw, op):
    base = draw(shapes())
    k = draw(st.integers(1, 3))
    return _arrays_for(draw, op, [base] * k), {"axis": draw(st.integers(-len(base) - 1, len(base)))}


@st.composite
def _softmax(draw, op):
    (x,) = _arrays_for(draw, op, [draw(shapes(min_dims=1))])
    return [x], {"axis": draw(st.integers(-x.ndim, x.ndim - 1))}


@st.composite
def _cross_entropy(draw, op):
    t, onehot, c = draw(labels())
    n = len(t)
    kind = draw(st.sampled_from(["labels", "onehot", "probabilities", "single"]))
    if kind == "single":
        (x,) = _arrays_for(draw, op, [(c,)])
        return [x, t[0]], {}
    (x,) = _arrays_for(draw, op, [(n, c)])
    if kind == "probabilities":
        w = draw(arrays((n, c), domain=(0.1, 1.0)))
        return [x, w / w.sum(axis=1, keepdims=True)], {}
    return [x, t if kind == "labels" else onehot], {}


ARGUMENTS = {
    "Add": _binary, "Sub": _binary, "Mul": _binary, "Div": _binary, "Pow": _binary,
    "Maximum": _binary, "Where": _where, "Neg": _unary, "Exp": _unary, "Log": _unary,
    "Sqrt": _unary, "Tanh": _unary, "Sigmoid": _unary, "ReLU": _unary, "MatMul": _matmul, "Affine": _affine,
    "Sum": _reduction, "Mean": _reduction, "Max": _reduction, "Reshape": _reshape,
    "Transpose": _transpose, "BroadcastTo": _broadcast_to, "GetItem": _getitem,
    "ScatterAdd": _scatter_add, "Concatenate": _concatenate, "Stack": _stack,
    "Softmax": _softmax, "LogSoftmax": _softmax, "CrossEntropy": _cross_entropy,
}



# --- the book's chapters 6-7: windows over (N, C, H, W) inputs, dropout, batch normalization -----

@st.composite
def _window_geometry(draw, max_window=3):
    """(shape, (OH, OW), fh, fw, stride, pad) of an (N, C, H, W) input and a window that fits it
    on whole steps."""
    fh, fw = draw(st.integers(1, max_window)), draw(st.integers(1, max_window))
    stride, pad = draw(st.integers(1, 2)), draw(st.integers(0, 1))
    oh, ow = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = (oh - 1) * stride + fh - 2 * pad, (ow - 1) * stride + fw - 2 * pad
    assume(h >= 1 and w >= 1)
    return (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w), (oh, ow), fh, fw, stride, pad


@st.composite
def _im2col(draw, op):
    shape, _, fh, fw, stride, pad = draw(_window_geometry())
    return _arrays_for(draw, op, [shape]), {"fh": fh, "fw": fw, "stride": stride, "pad": pad}


@st.composite
def _col2im(draw, op):
    shape, (oh, ow), fh, fw, stride, pad = draw(_window_geometry())
    col_shape = (shape[0] * oh * ow, shape[1] * fh * fw)
    return _arrays_for(draw, op, [col_shape]), {"shape": shape, "fh": fh, "fw": fw, "stride": stride, "pad": pad}


@st.composite
def _conv2d(draw, op):
    (n, c, h, w), _, fh, fw, stride, pad = draw(_window_geometry())
    fn = draw(st.integers(1, 2))
    shapes_ = [(n, c, h, w), (fn, c, fh, fw)] + ([(fn,)] if draw(st.booleans()) else [])
    return _arrays_for(draw, op, shapes_), {"stride": stride, "pad": pad}


@st.composite
def _max_pool2d(draw, op):
    shape, _, ph, pw, stride, pad = draw(_window_geometry())
    # distinct values off the grid's 0: no ties within a window, none with the padding's zeros
    x = draw(arrays(shape, domain=op.domain, distinct=True, offset=1 / 32))
    kwargs = {"pool_h": ph, "pool_w": pw, "stride": stride, "pad": pad}
    if ph == pw and stride == ph and draw(st.booleans()):
        kwargs = {"pool_h": ph, "pad": pad}     # the defaults: a square window, stride = window
    return [x], kwargs


@st.composite
def _dropout(draw, op):
    """A fixed mask (training) or evaluation: the op is then a function of x alone."""
    (x,) = _arrays_for(draw, op, [draw(shapes())])
    ratio = draw(st.sampled_from([0.0, 0.25, 0.5, 0.9]))
    if draw(st.booleans()):
        return [x], {"ratio": ratio, "training": False}
    return [x], {"ratio": ratio, "mask": draw(hnp.arrays(bool, x.shape))}


@st.composite
def _batch_norm(draw, op):
    n = draw(st.integers(2, 4))
    feature_shape = draw(st.sampled_from([(draw(st.integers(1, 3)),), (draw(st.integers(1, 2)), 2, 2)]))
    d = int(np.prod(feature_shape))
    x, gamma, beta = _arrays_for(draw, op, [(n,) + feature_shape, (d,), (d,)])
    training = draw(st.booleans())
    kwargs = {"training": training, "momentum": draw(st.sampled_from([0.0, 0.9]))}
    if not training or draw(st.booleans()):
        kwargs["running_mean"] = draw(arrays((d,), domain=(-1.0, 1.0)))
        kwargs["running_var"] = draw(arrays((d,), domain=(0.1, 2.0)))
    return [x, gamma, beta], kwargs


ARGUMENTS.update({
    "Im2col": _im2col, "Col2im": _col2im, "Conv2d": _conv2d, "MaxPool2d": _max_pool2d,
    "Dropout": _dropout, "BatchNorm": _batch_norm,
})

def op_arguments(op):
    """A strategy of (args, kwargs) valid for `op.apply`, for an op of autograd.ops.OPS."""
    if op.__name__ not in ARGUMENTS:
        raise LookupError(f"autograd.testing has no argument strategy for op {op.__name__}: add one "
                          "to ARGUMENTS so the op-table property test can check it")
    return ARGUMENTS[op.__name__](op)
