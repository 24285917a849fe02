"""Dropout and batch normalization, the book's chapter 6."""
import numpy as np

from ..device import array_module, device_of, to_device
from ..tensor import _raw, as_tensor
from .base import Op, dtype_of

class Dropout(Op):
    """The book's Dropout: training keeps each element where a fresh np.random.rand(*x.shape) >
    ratio (or where the given boolean `mask` is True); evaluation scales by 1 - ratio."""
    formula = "dx = dout * mask"
    function = "dropout"

    @staticmethod
    def forward(ctx, x, ratio=0.5, training=True, mask=None):
        if not 0 <= ratio <= 1:
            raise ValueError(f"dropout: ratio must be in [0, 1], got {ratio!r}")
        if not training:
            ctx.save_for_backward(1 - ratio)
            return x * (1 - ratio)
        if mask is None:
            mask = array_module(x).random.rand(*np.shape(x)) > ratio
        elif np.shape(mask) != np.shape(x) or dtype_of(mask) != bool:
            raise ValueError(f"dropout: the mask must be a boolean array of the input's shape "
                             f"{np.shape(x)}, got {dtype_of(mask)} of shape {np.shape(mask)}")
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, g):                       # Dropout.backward: dout * mask
        (mask,) = ctx.saved_tensors
        return g * mask

    @classmethod
    def arguments(cls, draw, t):                # a fixed mask (training) or evaluation: a function of x
        (x,) = t.op_arrays(draw, cls, [draw(t.shapes())])
        ratio = draw(t.st.sampled_from([0.0, 0.25, 0.5, 0.9]))
        if draw(t.st.booleans()):
            return [x], {"ratio": ratio, "training": False}
        return [x], {"ratio": ratio, "mask": draw(t.hnp.arrays(bool, x.shape))}


BATCH_NORM_EPS = 10e-7                          # the book's


def _standardize(x, training, running_mean, running_var):
    """The book's normalisation of x (N, D), for arrays and Tensors alike: the batch's mean and
    variance in training, the running ones otherwise. Returns mu, var, xc, std, xn."""
    mu = x.mean(axis=0) if training else running_mean
    xc = x - mu
    var = (xc ** 2).mean(axis=0) if training else running_var
    std = np.sqrt(var + BATCH_NORM_EPS)
    return mu, var, xc, std, xc / std


class BatchNorm(Op):
    """The book's BatchNormalization: features normalised over the batch (inputs (N, C, H, W) taken
    as (N, C*H*W)), then scaled by gamma and shifted by beta. Training uses the batch's mean and
    variance and updates running_mean / running_var in place (momentum * old + (1 - momentum) *
    batch); evaluation uses the running statistics."""
    formula = "dx = BatchNormalization.backward(dout), dgamma = sum(xn * dout, axis=0), dbeta = sum(dout, axis=0)"
    function = "batch_norm"
    distinct = True  # a batch of equal values has zero variance: the gradient is huge near it

    @staticmethod
    def forward(ctx, x, gamma, beta, running_mean=None, running_var=None, momentum=0.9, training=True):
        if np.ndim(x) < 2:
            raise ValueError(f"batch_norm: expected an input of shape (N, D) or (N, C, H, W), got {np.shape(x)}")
        x2 = x.reshape(len(x), -1)
        d = x2.shape[1]
        for name, a in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean),
                        ("running_var", running_var)):
            if a is not None and np.shape(a) != (d,):
                raise ValueError(f"batch_norm: {name} has shape {np.shape(a)}; an input of shape "
                                 f"{np.shape(x)} has {d} features, so it needs shape ({d},)")
        if not training:
            if running_mean is None or running_var is None:
                raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")
            # statistics kept in another float type do not change the result's (float32 stays float32)
            running_mean, running_var = (to_device(a, device_of(x)).astype(x.dtype, copy=False)
                                         for a in (running_mean, running_var))
        mu, var, xc, std, xn = _standardize(x2, training, running_mean, running_var)
        if training:
            for run, batch in ((running_mean, mu), (running_var, var)):
                if run is not None:
                    run *= momentum
                    run += (1 - momentum) * batch
        ctx.save_for_backward(x, gamma, xc, std, xn)
        ctx.training = training
        ctx.running = None if training else (mu.copy(), var.copy())  # later training changes them
        return (gamma * xn + beta).reshape(np.shape(x))

    @staticmethod
    def backward(ctx, g):                       # BatchNormalization.backward
        x, gamma, xc, std, xn = ctx.saved_tensors
        need_x, need_gamma, need_beta = ctx.needs_input_grad
        n = len(x)
        dout = g.reshape(n, -1)
        # under create_graph what depends on x, as functions of x
        xc, std, xn = ctx.derived((xc, std, xn), lambda x: _standardize(
            x.reshape(n, -1), ctx.training, *(ctx.running or (None, None)))[2:], x)
        dbeta = dout.sum(axis=0) if need_beta else None
        dgamma = (xn * dout).sum(axis=0) if need_gamma else None
        dx = None
        if need_x:
            dxn = gamma * dout
            dxc = dxn / std
            if ctx.training:                    # the batch's mean and variance depend on x too
                dstd = -((dxn * xc) / (std * std)).sum(axis=0)
                dvar = 0.5 * dstd / std
                dxc = dxc + (2.0 / n) * xc * dvar
                dmu = dxc.sum(axis=0)
                dxc = dxc - dmu / n
            dx = dxc.reshape(x.shape)
        return dx, dgamma, dbeta

    @staticmethod
    def call(x, gamma, beta, running_mean, running_var, momentum=0.9, training=True):
        """The book's BatchNormalization (eps 10e-7; (N, C, H, W) normalised as (N, C*H*W)). In
        training, running_mean and running_var (arrays, or None not to track) are updated in place."""
        return BatchNorm.apply(as_tensor(x), gamma, beta, running_mean=_raw(running_mean),
                               running_var=_raw(running_var), momentum=momentum, training=training)

    @classmethod
    def arguments(cls, draw, t):
        n = draw(t.st.integers(2, 4))
        feature_shape = draw(t.st.sampled_from([(draw(t.st.integers(1, 3)),), (draw(t.st.integers(1, 2)), 2, 2)]))
        d = int(np.prod(feature_shape))
        x, gamma, beta = t.op_arrays(draw, cls, [(n,) + feature_shape, (d,), (d,)])
        training = draw(t.st.booleans())
        kwargs = {"training": training, "momentum": draw(t.st.sampled_from([0.0, 0.9]))}
        if not training or draw(t.st.booleans()):
            kwargs["running_mean"] = draw(t.arrays((d,), domain=(-1.0, 1.0)))
            kwargs["running_var"] = draw(t.arrays((d,), domain=(0.1, 2.0)))
        return [x, gamma, beta], kwargs
