"""Every op of the table against PyTorch, where it is installed: values and gradients in float64
over the arguments each op declares (autograd.testing.op_arguments: its shapes, domain, kinks and
keywords), as tests/ops/test_ops.py checks them against finite differences.

TORCH maps each op's name to a function computing the same thing with PyTorch, called as the op's
`apply` is (Tensors for the differentiable arguments, the rest as drawn); NO_COUNTERPART names the
ops PyTorch has no function for, and why. An op of the table in neither fails
test_every_op_has_a_pytorch_counterpart_or_a_reason, with or without torch installed."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from autograd import Tensor, testing
from autograd.ops import OPS
from autograd.ops.normalization import BATCH_NORM_EPS

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None

EXAMPLES = 40
TOL = dict(rtol=1e-10, atol=1e-12)


def _torch_index(index):
    """An index drawn for NumPy (ints, slices, Ellipsis, int or bool arrays) as PyTorch takes it."""
    if isinstance(index, tuple):
        return tuple(_torch_index(i) for i in index)
    return torch.from_numpy(index) if isinstance(index, np.ndarray) else index


def _positions(shape, index):
    """The flat position in an array of `shape` of each element of array[index]."""
    return np.arange(int(np.prod(shape))).reshape(shape)[index]


def _scatter_add(g, index, shape):
    at = torch.from_numpy(np.ravel(_positions(shape, index)))
    return torch.zeros(int(np.prod(shape)), dtype=g.dtype).index_add(0, at, g.reshape(-1)).reshape(shape)


def _set_item(x, v, index):
    out = x.clone()
    out[_torch_index(index)] = v
    return out


def _dims(x, axis):
    """NumPy's axis (None, an int or a tuple) as PyTorch's dim: None reduces every axis."""
    return tuple(range(x.ndim)) if axis is None else axis


def _cross_entropy(x, t):
    t = np.asarray(t)  # class indices (integers), or one-hot / probability rows (floats)
    return F.cross_entropy(x, torch.from_numpy(t if t.dtype.kind == "f" else t.astype(np.int64)))


def _im2col(x, fh, fw, stride=1, pad=0):
    cols = F.unfold(x, (fh, fw), stride=stride, padding=pad)  # (N, C*FH*FW, OH*OW)
    return cols.transpose(1, 2).reshape(-1, cols.shape[1])


def _col2im(col, shape, fh, fw, stride=1, pad=0):
    n, c, h, w = shape
    return F.fold(col.reshape(n, -1, c * fh * fw).transpose(1, 2), (h, w), (fh, fw), stride=stride,
                  padding=pad)


def _max_pool2d(x, pool_h, pool_w=None, stride=None, pad=0):
    # the book's pooling pads with zeros (PyTorch's with -inf): here the zeros are added first
    pool_w = pool_h if pool_w is None else pool_w
    return F.max_pool2d(F.pad(x, (pad,) * 4), (pool_h, pool_w), stride=pool_h if stride is None else stride)


def _batch_norm(x, gamma, beta, running_mean=None, running_var=None, momentum=0.9, training=True):
    # the book's: features (N, C*H*W), its eps, and momentum weighting the old running statistics
    # (PyTorch's weights the batch's); outputs and gradients do not depend on the running variance
    # being biased (the book) or not (PyTorch)
    running = [None if a is None else torch.from_numpy(a) for a in (running_mean, running_var)]
    out = F.batch_norm(x.reshape(len(x), -1), *running, gamma, beta, training, 1 - momentum, BATCH_NORM_EPS)
    return out.reshape(x.shape)


TORCH = {
    "Add": lambda x, y: torch.add(x, y),
    "Sub": lambda x, y: torch.sub(x, y),
    "Mul": lambda x, y: torch.mul(x, y),
    "Div": lambda x, y: torch.div(x, y),
    "Pow": lambda x, b: torch.pow(x, b),
    "Maximum": lambda x, y: torch.maximum(x, y),
    "Where": lambda cond, x, y: torch.where(torch.from_numpy(cond), x, y),
    "Neg": lambda x: torch.neg(x),
    "Exp": lambda x: torch.exp(x),
    "Log": lambda x: torch.log(x),
    "Sqrt": lambda x: torch.sqrt(x),
    "Tanh": lambda x: torch.tanh(x),
    "Sigmoid": lambda x: torch.sigmoid(x),
    "ReLU": lambda x: torch.relu(x),
    # ReLU's mask (y > 0) as a float, derivative 0: PyTorch's sign has derivative 0 too
    "Positive": lambda y: torch.sign(y).clamp(min=0),
    "MatMul": lambda x, W: torch.matmul(x, W),
    "Affine": lambda x, W, b: x @ W + b,
    "Reshape": lambda x, shape: torch.reshape(x, shape),
    "Transpose": lambda x, axes=None: x.permute(tuple(reversed(range(x.ndim))) if axes is None else axes),
    "BroadcastTo": lambda x, shape: torch.broadcast_to(x, shape),
    "GetItem": lambda x, index: x[_torch_index(index)],
    "ScatterAdd": _scatter_add,
    "Concatenate": lambda *xs, axis=0: torch.cat(xs, dim=axis),
    "Stack": lambda *xs, axis=0: torch.stack(xs, dim=axis),
    "Copy": lambda x: torch.clone(x),
    "SetItem": _set_item,
    "Sum": lambda x, axis=None, keepdims=False: torch.sum(x, dim=_dims(x, axis), keepdim=keepdims),
    "Mean": lambda x, axis=None, keepdims=False: torch.mean(x, dim=_dims(x, axis), keepdim=keepdims),
    "Max": lambda x, axis=None, keepdims=False: torch.amax(x, dim=_dims(x, axis), keepdim=keepdims),
    "Softmax": lambda x, axis=-1: torch.softmax(x, dim=axis),
    "LogSoftmax": lambda x, axis=-1: torch.log_softmax(x, dim=axis),
    "CrossEntropy": _cross_entropy,
    "Im2col": _im2col,
    "Col2im": _col2im,
    "Conv2d": lambda x, W, b=None, stride=1, pad=0: F.conv2d(x, W, b, stride=stride, padding=pad),
    "MaxPool2d": _max_pool2d,
    "BatchNorm": _batch_norm,
}

NO_COUNTERPART = {
    "Dropout": "the book's dropout: training multiplies by a given or fresh mask and evaluation scales "
               "by 1 - ratio; PyTorch's draws its own mask and scales by 1 / (1 - p) in training",
}


def test_every_op_has_a_pytorch_counterpart_or_a_reason():
    assert not set(TORCH) & set(NO_COUNTERPART), "an op is both mapped and listed without counterpart"
    unknown = (set(TORCH) | set(NO_COUNTERPART)) - set(OPS)
    assert not unknown, f"not ops of autograd.ops.OPS: {sorted(unknown)}"
    missing = set(OPS) - set(TORCH) - set(NO_COUNTERPART)
    assert not missing, (f"ops with no PyTorch function in TORCH and no reason in NO_COUNTERPART "
                         f"(tests/ops/test_torch_parity.py): {sorted(missing)}")


def _writes_once(case):
    """True where no two elements of v are written to one place: PyTorch leaves such repeated
    writes undefined and gives every one of them a gradient, the engine (NumPy's order) only the
    last, the one that lands."""
    (x, _), kwargs = case
    at = np.ravel(_positions(np.shape(x), kwargs["index"]))
    return len(np.unique(at)) == len(at)


@pytest.mark.torch
@pytest.mark.skipif(torch is None, reason="torch is not installed: the comparisons with PyTorch run "
                                          "where it is (pip install torch)")
@pytest.mark.parametrize("name", sorted(TORCH))
def test_op_matches_pytorch(name):
    op = OPS[name]
    arguments = testing.op_arguments(op)
    if name == "SetItem":
        arguments = arguments.filter(_writes_once)
    differentiable = op.differentiable

    @settings(max_examples=EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(arguments)
    def check(case):
        args, kwargs = case
        slots = [i for i in range(len(args)) if differentiable is None or differentiable[i]]
        ours = [Tensor(np.array(args[i], dtype=np.float64), requires_grad=True) for i in slots]
        theirs = [torch.tensor(np.array(args[i], dtype=np.float64), requires_grad=True) for i in slots]
        out = op.apply(*_put(args, slots, ours), **_copies(kwargs))
        want = TORCH[name](*_put(args, slots, theirs), **_copies(kwargs))
        assert out.shape == tuple(want.shape), f"{name}: output shape {out.shape} vs PyTorch's {tuple(want.shape)}"
        np.testing.assert_allclose(out.data, want.detach().numpy(), **TOL, err_msg=f"{name}: values")
        w = np.random.default_rng(0).standard_normal(out.shape)
        out.backward(w)
        want.backward(torch.from_numpy(w))
        for i, a, b in zip(slots, ours, theirs):
            got = np.zeros(a.shape) if a.grad is None else a.grad.data
            ref = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
            np.testing.assert_allclose(got, ref, **TOL, err_msg=f"{name}: the gradient of argument {i}")
    check._hypothesis_internal_add_digest = name.encode()  # the failure database: one key per op
    check()


def _put(args, slots, tensors):
    """args with the tensors in the differentiable slots."""
    args = list(args)
    for i, t in zip(slots, tensors):
        args[i] = t
    return args


def _copies(kwargs):
    """Each side gets its own copy of array keywords: batch_norm updates running statistics in place."""
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
