"""The textbook's layers with the textbook's API, each one the op of the table behind it.

    mul = MulLayer()
    price = mul.forward(100, 2)          # 200
    dx, dy = mul.backward(1)             # 2, 100

`forward` runs the op through the engine and keeps its node; `backward(dout)` runs that node's
vjp, the same formula `Tensor.backward()` uses, and sums broadcast gradients back to the input's
shape. Arrays and numbers go in and come out, as in the book: a Python number where every input
was one, integers where integers went in and the book's formula keeps them (x * y, x @ W).
Weights are held by reference (`params[key] -= lr * grads[key]` trains the layer). Unlike the
book's code, nothing here changes `dout` or `x`.

A new layer is a few lines: name its op, the attributes holding its weights, and say whether the
book's formula keeps integers; `forward` may pass the op its keyword arguments:

    class Convolution(Layer):
        op, weights = ops.Conv2d, ("W", "b")
        def __init__(self, W, b, stride=1, pad=0):
            self.W, self.b, self.stride, self.pad = W, b, stride, pad
        def forward(self, x):
            return self._forward(x, stride=self.stride, pad=self.pad)
"""
import numpy as np

from autograd import Tensor, enable_grad, no_grad, ops
from autograd.engine import node_backward, sum_to_shape

_NUMBERS = (int, float, bool)


class Layer:
    """One op of the table with the book's forward/backward API."""
    op = None                # the autograd.Function this layer is
    weights = ()             # attributes holding the weights, passed to the op after the inputs;
                             # their gradients are kept as attributes 'd' + name (dW, db)
    keeps_integers = False   # the book's formula maps integers to integers (sums, products, masks)
    _node = None

    def forward(self, *inputs):
        return self._forward(*inputs)

    def backward(self, dout):
        return self._backward(dout)

    def _forward(self, *inputs, **op_kwargs):
        args = list(inputs) + [getattr(self, w) for w in self.weights]
        differentiable = self.op.differentiable or (True,) * len(args)
        tensors = [_tensor(a, type(self).__name__) if d else a for a, d in zip(args, differentiable)]
        with enable_grad():  # the book's layers always remember their forward for backward
            out = self.op.apply(*tensors, **op_kwargs)
        self._node = out.grad_fn
        self._n_inputs = len(inputs)
        self._shapes = [t.shape if d else None for t, d in zip(tensors, differentiable)]
        self._kinds = [_kind(a) for a in args]
        self._out_shape, self._out_dtype = out.shape, out.dtype
        return self._like_the_book(out.data, self._kinds)

    def _backward(self, dout):
        node = self._node
        name = type(self).__name__
        if node is None:
            raise RuntimeError(f"{name}.backward() called before {name}.forward()")
        if isinstance(dout, Tensor):
            dout = dout.data
        g = np.asarray(dout, dtype=self._out_dtype)
        if g.shape != self._out_shape:
            try:
                g = np.broadcast_to(g, self._out_shape)
            except ValueError:
                raise ValueError(f"{name}.backward: dout of shape {g.shape} does not match the output "
                                 f"of forward, shape {self._out_shape}") from None
        with no_grad():
            grads = node_backward(node, g)
        if type(grads) is not tuple:
            grads = (grads,)
        dout_kind = _kind(dout)
        results = []
        for i, (gi, shape) in enumerate(zip(grads, self._shapes)):
            if gi is None or shape is None:
                results.append(None)
                continue
            gi = np.asarray(gi)
            if gi.shape != shape:
                gi = sum_to_shape(gi, shape)
            if gi is g or gi.base is not None:  # never hand out dout itself or a view of it
                gi = gi.copy()
            results.append(self._like_the_book(gi, [dout_kind] + self._kinds[:i] + self._kinds[i + 1:]))
        for w, gw in zip(self.weights, results[self._n_inputs:]):
            setattr(self, "d" + w, gw)
        dx = [r for r, shape in zip(results[:self._n_inputs], self._shapes) if shape is not None]
        return dx[0] if len(dx) == 1 else tuple(dx)

    def _like_the_book(self, value, kinds):
        """`value` as the book's formula returns it for inputs of these kinds."""
        if self.keeps_integers:
            dtype = np.result_type(*kinds)
            if dtype.kind in "iu":
                value = value.astype(dtype)
        if all(type(k) in _NUMBERS for k in kinds):
            return value.item()
        return value[()] if value.ndim == 0 else value  # a 0-d result is a NumPy scalar, as NumPy gives


def _tensor(a, layer):
    if isinstance(a, Tensor):
        if a.requires_grad:
            raise TypeError(f"{layer}: the book's layers take arrays and numbers, not a Tensor that "
                            "requires grad (its gradient would be lost); use the nn modules or the "
                            "autograd ops on Tensors, or pass t.detach()")
        return Tensor(a.data, requires_grad=True)
    return Tensor(a, requires_grad=True)  # float arrays are not copied: weights stay the caller's


def _kind(a):
    """What decides a result's type: a Python number itself, else the array's dtype."""
    if type(a) in _NUMBERS:
        return a
    if isinstance(a, Tensor):
        return a.dtype
    return np.asarray(a).dtype


class MulLayer(Layer):
    """forward(x, y) -> x * y; backward(dout) -> (dout * y, dout * x)."""
    op, keeps_integers = ops.Mul, True


class AddLayer(Layer):
    """forward(x, y) -> x + y; backward(dout) -> (dout, dout), summed back where y was broadcast."""
    op, keeps_integers = ops.Add, True


class DivLayer(Layer):
    """forward(x, y) -> x / y; backward(dout) -> (dout / y, dout * (-x / y**2))."""
    op = ops.Div


class Relu(Layer):
    """forward(x) -> max(x, 0); backward(dout) -> dout where x > 0, else 0 (also at x = 0)."""
    op, keeps_integers = ops.ReLU, True

    def backward(self, dout):
        # The op multiplies dout by its mask, which gives -0.0 where dout < 0; the book writes 0
        # there. Adding 0 turns -0.0 into 0.0 and changes no other value.
        return self._backward(dout) + 0


class Sigmoid(Layer):
    """forward(x) -> 1 / (1 + exp(-x)); backward(dout) -> dout * (1 - y) * y."""
    op = ops.Sigmoid


class Tanh(Layer):
    """forward(x) -> tanh(x); backward(dout) -> dout * (1 - y**2)."""
    op = ops.Tanh


class MatMul(Layer):
    """forward(x) -> x @ W; backward(dout) -> dout @ W.T, keeping dW = x.T @ dout."""
    op, weights, keeps_integers = ops.MatMul, ("W",), True

    def __init__(self, W):
        self.W, self.dW = W, None


class Affine(Layer):
    """forward(x) -> x W + b, flattening x of shape (N, ...) to (N, -1); backward(dout) -> dx of
    x's own shape, keeping dW = x.T @ dout and db = sum(dout, axis=0)."""
    op, weights, keeps_integers = ops.Affine, ("W", "b"), True

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.dW = self.db = None
        self.original_x_shape = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"Affine.forward: x of shape {x.shape}; expected a batch, shape (N, ...): "
                             "write x.reshape(1, -1) for one sample")
        self.original_x_shape = x.shape
        return self._forward(x.reshape(x.shape[0], -1))

    def backward(self, dout):
        return self._backward(dout).reshape(self.original_x_shape)


class SoftmaxWithLoss(Layer):
    """forward(x, t) -> the mean cross-entropy of softmax(x) against labels or one-hot rows t
    (exact: no + 1e-7); backward(dout=1) -> dout * (softmax(x) - t) / N."""
    op = ops.CrossEntropy

    def backward(self, dout=1):
        return self._backward(dout)


class RNN:
    """The book's RNN cell (vol. 2): h_next = tanh(h_prev Wh + x Wx + b), built from the layers
    above as the book writes the formula. `params` [Wx, Wh, b]; `grads` are updated in place."""

    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self._h, self._x, self._sum, self._bias, self._tanh = MatMul(Wh), MatMul(Wx), AddLayer(), AddLayer(), Tanh()

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        self._x.W, self._h.W = Wx, Wh
        t = self._bias.forward(self._sum.forward(self._h.forward(h_prev), self._x.forward(x)), b)
        return self._tanh.forward(t)

    def backward(self, dh_next):
        dt, db = self._bias.backward(self._tanh.backward(dh_next))
        dhw, dxw = self._sum.backward(dt)
        dh_prev, dx = self._h.backward(dhw), self._x.backward(dxw)
        self.grads[0][...] = self._x.dW
        self.grads[1][...] = self._h.dW
        self.grads[2][...] = db
        return dx, dh_prev


__all__ = ["Layer", "MulLayer", "AddLayer", "DivLayer", "Relu", "Sigmoid", "Tanh", "MatMul", "Affine",
           "SoftmaxWithLoss", "RNN"]


# --- chapters 6-7 ------------------------------------------------------------------------------

class Convolution(Layer):
    """forward(x) -> the convolution of x (N, C, H, W) with filters W (FN, C, FH, FW) plus b, by
    im2col; backward(dout) -> dx, keeping dW and db."""
    op, weights = ops.Conv2d, ("W", "b")

    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad
        self.dW = self.db = None

    def forward(self, x):
        return self._forward(x, stride=self.stride, pad=self.pad)


class Pooling(Layer):
    """forward(x) -> the maximum of each pool_h x pool_w window (the book's stride defaults to 1);
    backward(dout) -> dout at each window's first maximum."""
    op = ops.MaxPool2d

    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def forward(self, x):
        return self._forward(x, pool_h=self.pool_h, pool_w=self.pool_w, stride=self.stride, pad=self.pad)


class Dropout(Layer):
    """forward(x, train_flg=True) -> x * mask, mask = np.random.rand(*x.shape) > dropout_ratio, or
    x * (1 - dropout_ratio) when not training; backward(dout) -> dout * mask (or the scale)."""
    op = ops.Dropout

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio

    def forward(self, x, train_flg=True):
        return self._forward(x, ratio=self.dropout_ratio, training=train_flg)


class BatchNormalization(Layer):
    """forward(x, train_flg=True) -> gamma * normalised x + beta ((N, C, H, W) taken as (N, -1));
    training updates running_mean / running_var in place (zeros of the right size when None, as
    the book starts them); backward(dout) -> dx, keeping dgamma and dbeta."""
    op, weights = ops.BatchNorm, ("gamma", "beta")

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean, self.running_var = running_mean, running_var
        self.dgamma = self.dbeta = None

    def forward(self, x, train_flg=True):
        if self.running_mean is None:
            d = int(np.prod(np.shape(x)[1:]))
            dtype = np.result_type(np.asarray(x).dtype, np.float32)
            self.running_mean, self.running_var = np.zeros(d, dtype), np.zeros(d, dtype)
        return self._forward(x, running_mean=self.running_mean, running_var=self.running_var,
                             momentum=self.momentum, training=train_flg)


__all__ += ["Convolution", "Pooling", "Dropout", "BatchNormalization"]
