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
        if not isinstance(x, (Tensor, np.ndarray)):
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
