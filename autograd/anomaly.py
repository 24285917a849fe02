"""Anomaly mode: find where a NaN or an infinity was born.

    with autograd.detect_anomaly():
        loss = model(x); loss.backward()

In forward, an op whose output holds a NaN (or an infinity) that none of its inputs holds raises
FloatingPointError naming the op and the line of user code that called it; in backward, the op
whose vjp produced a NaN or an infinity absent from its upstream gradient is named the same way.
Anomaly mode also checksums the arrays each op saves for backward, so that an element write into
one of them (`t.data[i] = v`, which the version counter cannot see) is an error naming the tensor
and the op instead of wrong gradients. Off by default: one flag check per op is all it costs then.

Part of the core (function.py and engine.py call its checks): it imports only tensor and device.
"""
import os
import sys
import zlib

import numpy as np

from .device import array_module, is_gpu
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


def _nonfinite(a):
    """Which of 'nan' and 'inf' the values of `a` hold (labels, masks and shapes hold neither)."""
    a = a._data if isinstance(a, Tensor) else a
    if not (isinstance(a, (float, np.ndarray, np.generic)) or is_gpu(a)) or array_module(a).asarray(a).dtype.kind not in "fc":
        return set()
    if np.isfinite(a).all():
        return set()
    return {kind for kind, test in (("nan", np.isnan), ("inf", np.isinf)) if test(a).any()}


def _born(out, sources):
    """'nan' or 'inf' if `out` holds that kind of value and none of `sources` does: 0 * inf is
    where a NaN is born even though an input was already infinite."""
    new = _nonfinite(out)
    if new:
        new -= set().union(*map(_nonfinite, sources))
    return "nan" if "nan" in new else "inf" if new else None


def _checksum(a):
    return zlib.crc32(np.ascontiguousarray(a)) if isinstance(a, np.ndarray) else None


def check_forward(ctx, args, out):
    where = user_line()
    born = _born(out, args)
    if born:
        raise FloatingPointError(f"{type(ctx).__name__} produced {born} in forward, called at {where}")
    sums = [_checksum(a) for a in ctx._saved] if ctx._saved and any(ctx.needs_input_grad) else None
    try:
        ctx._anomaly = (where, sums)
    except AttributeError:  # a Function with __slots__ of its own keeps no note
        pass


def check_backward(node, grad, results):
    where, sums = node._anomaly or (None, None)
    where = where or "an unknown line (recorded outside detect_anomaly)"
    if sums is not None:
        _check_saved(node, sums, where)
    for i, r in enumerate(results):
        born = None if r is None else _born(r, [grad])
        if born:
            raise FloatingPointError(f"{type(node).__name__}.backward produced {born} in the gradient "
                                     f"of its input {i}; the op was called at {where}")


def _check_saved(node, sums, where):
    name = type(node).__name__
    for i, (saved, before) in enumerate(zip(node._saved, sums)):
        if before is not None and _checksum(saved) != before:
            args, arrays, _ = node._call
            tensor = next((a for a, array in zip(args, arrays) if isinstance(a, Tensor) and array is saved), None)
            if tensor is not None:
                label = (f"'{tensor.name}'" if tensor.name else "a tensor") + f" of shape {tensor.shape}"
            else:
                label = f"the output of {name}" if i == node._out_index else f"a value of shape {saved.shape}"
            raise RuntimeError(f"{label}, saved by {name} (called at {where}) for backward, was changed in "
                               "place after it was saved (an element write such as t.data[i] = v); "
                               "gradients would be wrong. Change it after backward, or build a new tensor")
