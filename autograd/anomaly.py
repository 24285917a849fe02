"""Anomaly mode: find where a NaN or an infinity was born.

    with autograd.detect_anomaly():
        loss = model(x); loss.backward()

In forward, an op whose inputs are finite but whose output is not raises FloatingPointError
naming the op and the line of user code that called it; in backward, the op whose vjp produced
a non-finite gradient from a finite one is named the same way. Off by default: one flag check
per op is all it costs then.
"""
import os
import sys

import numpy as np

from .tensor import Tensor, state

_PACKAGES = tuple(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), p) + os.sep
                  for p in ("autograd", "nn"))


class detect_anomaly:
    def __enter__(self):
        self.prev = state.anomaly
        state.anomaly = True
        return self

    def __exit__(self, *exc):
        state.anomaly = self.prev


def user_line():
    """file:line of the innermost caller outside the autograd and nn packages."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGES):
        frame = frame.f_back
    return "<unknown>" if frame is None else f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _finite(a):
    a = a._data if isinstance(a, Tensor) else a
    return not isinstance(a, (np.ndarray, np.generic)) or a.dtype.kind not in "fc" or bool(np.isfinite(a).all())


def _what(a):
    a = np.asarray(a._data if isinstance(a, Tensor) else a)
    return "nan" if np.isnan(a).any() else "inf"


def check_forward(ctx, args, out):
    ctx._where = user_line()
    if not _finite(out) and all(_finite(a) for a in args):
        raise FloatingPointError(f"{type(ctx).__name__} produced {_what(out)} in forward, called at "
                                 f"{ctx._where}")


def check_backward(node, grad, results):
    if not _finite(grad):
        return
    for i, r in enumerate(results):
        if r is not None and not _finite(r):
            where = getattr(node, "_where", None) or "an unknown line (recorded outside detect_anomaly)"
            raise FloatingPointError(f"{type(node).__name__}.backward produced {_what(r)} in the gradient "
                                     f"of its input {i}; the op was called at {where}")
