"""The ops as functions (`import autograd.functions as F`). Inputs may be Tensors, ndarrays or
numbers; the result is a Tensor. Forward and vjp of each op live in autograd/ops.py."""
from . import ops
from .tensor import Tensor, _raw, _raw_index

__all__ = ["add", "sub", "mul", "div", "neg", "pow", "matmul", "affine", "maximum", "where", "exp", "log",
           "sqrt", "tanh", "sigmoid", "relu", "sum", "mean", "max", "reshape", "transpose",
           "broadcast_to", "getitem", "concatenate", "stack", "softmax", "log_softmax", "cross_entropy",
           "im2col", "col2im", "conv2d", "max_pool2d", "dropout", "batch_norm"]


def _tensor(x):
    # a function of plain numbers still returns a Tensor
    return x if isinstance(x, Tensor) else Tensor(x)


def add(x, y): return ops.Add.apply(_tensor(x), y)
def sub(x, y): return ops.Sub.apply(_tensor(x), y)
def mul(x, y): return ops.Mul.apply(_tensor(x), y)
def div(x, y): return ops.Div.apply(_tensor(x), y)
def pow(x, y): return ops.Pow.apply(_tensor(x), y)
def matmul(x, y): return ops.MatMul.apply(_tensor(x), y)
def affine(x, W, b): return ops.Affine.apply(x, W, b)
def maximum(x, y): return ops.Maximum.apply(_tensor(x), y)
def where(cond, x, y): return ops.Where.apply(_raw(cond), _tensor(x), y)
def neg(x): return ops.Neg.apply(_tensor(x))
def exp(x): return ops.Exp.apply(_tensor(x))
def log(x): return ops.Log.apply(_tensor(x))
def sqrt(x): return ops.Sqrt.apply(_tensor(x))
def tanh(x): return ops.Tanh.apply(_tensor(x))
def sigmoid(x): return ops.Sigmoid.apply(_tensor(x))
def relu(x): return ops.ReLU.apply(_tensor(x))
def sum(x, axis=None, keepdims=False): return ops.Sum.apply(_tensor(x), axis=axis, keepdims=keepdims)
def mean(x, axis=None, keepdims=False): return ops.Mean.apply(_tensor(x), axis=axis, keepdims=keepdims)
def max(x, axis=None, keepdims=False): return ops.Max.apply(_tensor(x), axis=axis, keepdims=keepdims)
def reshape(x, shape): return ops.Reshape.apply(_tensor(x), shape=shape)
def transpose(x, axes=None): return ops.Transpose.apply(_tensor(x), axes=None if axes is None else tuple(axes))
def broadcast_to(x, shape): return ops.BroadcastTo.apply(_tensor(x), shape=tuple(shape))
def getitem(x, index): return ops.GetItem.apply(_tensor(x), index=_raw_index(index))
def concatenate(tensors, axis=0): return ops.Concatenate.apply(*map(_tensor, tensors), axis=axis)
def stack(tensors, axis=0): return ops.Stack.apply(*map(_tensor, tensors), axis=axis)
def softmax(x, axis=-1): return ops.Softmax.apply(_tensor(x), axis=axis)
def log_softmax(x, axis=-1): return ops.LogSoftmax.apply(_tensor(x), axis=axis)


def cross_entropy(logits, t):
    """Mean cross-entropy of softmax(logits) against class indices or one-hot/probability rows.
    Its vjp is the textbook's SoftmaxWithLoss backward: (softmax(logits) - t) / N."""
    return ops.CrossEntropy.apply(_tensor(logits), _raw(t))


# --- the book's chapters 6-7: convolution, pooling, dropout, batch normalization --------------

def im2col(x, filter_h, filter_w, stride=1, pad=0):
    """The windows of x (N, C, H, W) as rows of an (N*OH*OW, C*FH*FW) matrix (the book's im2col)."""
    return ops.Im2col.apply(_tensor(x), fh=filter_h, fw=filter_w, stride=stride, pad=pad)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """im2col's adjoint: the rows summed back into an array of input_shape (the book's col2im)."""
    return ops.Col2im.apply(_tensor(col), shape=tuple(input_shape), fh=filter_h, fw=filter_w,
                            stride=stride, pad=pad)


def conv2d(x, W, b=None, stride=1, pad=0):
    """x (N, C, H, W) convolved with filters W (FN, C, FH, FW) plus b (FN,): (N, FN, OH, OW), as
    PyTorch's conv2d(x, W, b, stride, padding=pad) (a cross-correlation)."""
    return ops.Conv2d.apply(_tensor(x), W, b, stride=stride, pad=pad)


def max_pool2d(x, pool_h, pool_w=None, stride=None, pad=0):
    """The maximum of each pool_h x pool_w window (pool_w and stride default to pool_h; stride
    may be a pair (vertical, horizontal))."""
    return ops.MaxPool2d.apply(_tensor(x), pool_h=pool_h, pool_w=pool_w, stride=stride, pad=pad)


def dropout(x, ratio=0.5, training=True):
    """The book's Dropout: in training x times a fresh mask np.random.rand(*x.shape) > ratio
    (no rescaling), in evaluation x * (1 - ratio)."""
    return ops.Dropout.apply(_tensor(x), ratio=ratio, training=training)


def batch_norm(x, gamma, beta, running_mean, running_var, momentum=0.9, training=True):
    """The book's BatchNormalization (eps 10e-7; (N, C, H, W) normalised as (N, C*H*W)). In
    training, running_mean and running_var (arrays, or None not to track) are updated in place."""
    return ops.BatchNorm.apply(_tensor(x), gamma, beta, running_mean=_raw(running_mean),
                               running_var=_raw(running_var), momentum=momentum, training=training)
