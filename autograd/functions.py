"""The ops as functions (`import autograd.functions as F`). Inputs may be Tensors, ndarrays or
numbers; the result is a Tensor. Forward and vjp of each op live in autograd/ops.py."""
from . import ops
from .tensor import Tensor, _raw, _raw_index

__all__ = ["add", "sub", "mul", "div", "neg", "pow", "matmul", "affine", "maximum", "where", "exp", "log",
           "sqrt", "tanh", "sigmoid", "relu", "sum", "mean", "max", "reshape", "transpose",
           "broadcast_to", "getitem", "concatenate", "stack", "softmax", "log_softmax", "cross_entropy"]


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
