"""The textbook's layers as modules, built from autograd ops: no hand-written backward here."""
import numbers

import numpy as np

import autograd.functions as F
from autograd import Tensor

from .module import Module, Parameter


def init_std(fan_in, weight_init_std=0.01, init=None):
    """The textbook's weight scales: a fixed std (0.01), Xavier 1/sqrt(n) or He sqrt(2/n)."""
    if init is None:
        return weight_init_std
    if init == "xavier":
        return np.sqrt(1.0 / fan_in)
    if init == "he":
        return np.sqrt(2.0 / fan_in)
    raise ValueError(f"init must be None, 'xavier' or 'he', got {init!r}")


def _size(layer, what, n):
    """A layer's size argument, checked: numpy's own error for 0, -1 or 2.5 would name no layer."""
    integer = isinstance(n, numbers.Integral) and not isinstance(n, bool)
    if not integer or n <= 0:
        raise (ValueError if integer else TypeError)(f"{layer}: {what} must be a positive integer, got {n!r}")
    return int(n)


def _randn(shape, std, dtype, rng):
    rng = np.random if rng is None else rng
    return (std * rng.standard_normal(shape)).astype(dtype, copy=False)


class Affine(Module):
    """x W + b with W of shape (in, out) and b of shape (out,); inputs of shape (N, ...) are
    flattened to (N, in) as the textbook's tensor-aware Affine does."""

    def __init__(self, in_features, out_features, weight_init_std=0.01, init=None, dtype=np.float64, rng=None):
        in_features = _size("Affine", "in_features", in_features)
        out_features = _size("Affine", "out_features", out_features)
        std = init_std(in_features, weight_init_std, init)
        self.W = Parameter(_randn((in_features, out_features), std, dtype, rng), name="W")
        self.b = Parameter(np.zeros(out_features, dtype=dtype), name="b")

    def forward(self, x):
        if not hasattr(x, "ndim"):  # a list; Tensors and arrays of either device have a shape
            x = np.asarray(x)
        flat = x.reshape(len(x), -1) if x.ndim > 2 else x
        try:
            return F.affine(flat, self.W, self.b)
        except ValueError:  # checked only once it failed: the check costs every step otherwise
            n_in, n_out = self.W.shape
            if x.ndim < 2:
                raise ValueError(f"Affine({n_in}, {n_out}): input of shape {x.shape} has no batch axis; "
                                 f"inputs are batches of shape (N, {n_in}): for one sample, pass "
                                 f"x.reshape(1, -1)") from None
            raise ValueError(f"Affine({n_in}, {n_out}): input of shape {x.shape} does not have {n_in} "
                             f"features; expected (N, {n_in}) or (N, ...) flattening to it") from None


class ReLU(Module):
    def forward(self, x):
        return F.relu(x)


class Sigmoid(Module):
    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x):
        return F.tanh(x)


class SoftmaxWithLoss(Module):
    """Softmax then mean cross-entropy; `t` holds class labels or one-hot rows. Its gradient is
    the textbook's (softmax(x) - t) / N."""

    def forward(self, x, t):
        return F.cross_entropy(x, t)


class RNN(Module):
    """The textbook's RNN cell h_next = tanh(h_prev Wh + x Wx + b), run over a sequence."""

    def __init__(self, input_size, hidden_size, weight_init_std=None, dtype=np.float64, rng=None):
        input_size, hidden_size = _size("RNN", "input_size", input_size), _size("RNN", "hidden_size", hidden_size)
        self.Wx = Parameter(_randn((input_size, hidden_size), weight_init_std or np.sqrt(1 / input_size), dtype, rng), name="Wx")
        self.Wh = Parameter(_randn((hidden_size, hidden_size), weight_init_std or np.sqrt(1 / hidden_size), dtype, rng), name="Wh")
        self.b = Parameter(np.zeros(hidden_size, dtype=dtype), name="b")

    def cell(self, x, h_prev):
        return F.tanh(h_prev @ self.Wh + x @ self.Wx + self.b)

    def forward(self, xs, h0=None):
        """xs: (N, T, D) -> every hidden state, (N, T, H). h0 defaults to zeros."""
        if np.ndim(xs) != 3 or np.shape(xs)[2] != self.Wx.shape[0]:
            raise ValueError(f"RNN: expected input of shape (N, T, {self.Wx.shape[0]}), got {np.shape(xs)}")
        n, steps = np.shape(xs)[:2]
        h = Tensor(np.zeros((n, self.Wh.shape[0]), dtype=self.Wh.dtype)) if h0 is None else h0
        hs = []
        for t in range(steps):
            h = self.cell(xs[:, t, :], h)
            hs.append(h)
        return F.stack(hs, axis=1)


# --- the book's chapters 6-7 -------------------------------------------------------------------

def _pair(layer, what, k):
    """A kernel size given as n or (h, w), checked."""
    if isinstance(k, (tuple, list)) and len(k) == 2:
        return _size(layer, what, k[0]), _size(layer, what, k[1])
    k = _size(layer, what, k)
    return k, k


class Conv2d(Module):
    """The book's Convolution: filters W (out_channels, in_channels, kh, kw) and bias b
    (out_channels,) over inputs (N, in_channels, H, W), by im2col."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, pad=0, weight_init_std=0.01,
                 init=None, dtype=np.float64, rng=None):
        in_channels = _size("Conv2d", "in_channels", in_channels)
        out_channels = _size("Conv2d", "out_channels", out_channels)
        kh, kw = _pair("Conv2d", "kernel_size", kernel_size)
        std = init_std(in_channels * kh * kw, weight_init_std, init)
        self.W = Parameter(_randn((out_channels, in_channels, kh, kw), std, dtype, rng), name="W")
        self.b = Parameter(np.zeros(out_channels, dtype=dtype), name="b")
        self.stride, self.pad = stride, pad

    def forward(self, x):
        return F.conv2d(x, self.W, self.b, stride=self.stride, pad=self.pad)


class MaxPool2d(Module):
    """The book's Pooling: the maximum of each kernel_size window, moved by stride (an int or
    (vertical, horizontal); default the window, in each direction, as PyTorch's)."""

    def __init__(self, kernel_size, stride=None, pad=0):
        self.pool_h, self.pool_w = _pair("MaxPool2d", "kernel_size", kernel_size)
        self.stride, self.pad = stride, pad

    def forward(self, x):
        stride = (self.pool_h, self.pool_w) if self.stride is None else self.stride
        return F.max_pool2d(x, self.pool_h, self.pool_w, stride=stride, pad=self.pad)


class Dropout(Module):
    """The book's Dropout: in training, each element is kept where a fresh random draw exceeds
    dropout_ratio (no rescaling); in evaluation (module.eval()) the input is scaled by 1 - ratio."""

    def __init__(self, dropout_ratio=0.5):
        if not 0 <= dropout_ratio <= 1:
            raise ValueError(f"Dropout: dropout_ratio must be in [0, 1], got {dropout_ratio!r}")
        self.dropout_ratio = dropout_ratio

    def forward(self, x):
        return F.dropout(x, self.dropout_ratio, training=self.training)


class BatchNorm(Module):
    """The book's BatchNormalization over num_features (C*H*W for (N, C, H, W) inputs): gamma and
    beta are parameters; running_mean and running_var are buffers (in state_dict(), saved and
    loaded, never seen by optimizers), updated in training and used in evaluation."""
    buffer_names = ("running_mean", "running_var")

    def __init__(self, num_features, momentum=0.9, dtype=np.float64):
        num_features = _size("BatchNorm", "num_features", num_features)
        self.gamma = Parameter(np.ones(num_features, dtype=dtype), name="gamma")
        self.beta = Parameter(np.zeros(num_features, dtype=dtype), name="beta")
        self.running_mean = np.zeros(num_features, dtype=dtype)  # the book starts both at zero
        self.running_var = np.zeros(num_features, dtype=dtype)
        self.momentum = momentum

    def forward(self, x):
        return F.batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var,
                            momentum=self.momentum, training=self.training)
