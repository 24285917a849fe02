"""Where a tensor's array lives: "cpu" (a NumPy array) or "cuda" (a CuPy array on the GPU).

The op table needs no device of its own: NumPy's functions and ufuncs hand CuPy arrays to CuPy
(`__array_function__`, `__array_ufunc__`), so `np.exp(x)` or `np.sum(x)` run where x lives. What
NumPy cannot dispatch, making new arrays (zeros, arange, random), goes through `array_module`.
CuPy is imported only when a tensor is first put on the GPU: a CPU install never imports it.

The bottom of the core: it imports nothing of autograd.
"""
import sys

import numpy as np

DEVICES = ("cpu", "cuda")

# Set once a GPU array has reached the engine: only then do ops check their inputs' devices,
# so a CPU-only run pays one list read per op for the check.
in_use = [False]


def is_gpu(a):
    """Is `a` a CuPy array? (Never imports CuPy: without it there are none.)"""
    cupy = sys.modules.get("cupy")
    return cupy is not None and isinstance(a, cupy.ndarray)


def device_of(a):
    return "cuda" if is_gpu(a) else "cpu"


def array_module(*arrays):
    """numpy, or cupy where one of `arrays` lives on the GPU: for the calls that make arrays."""
    cupy = sys.modules.get("cupy")
    if cupy is not None and any(isinstance(a, cupy.ndarray) for a in arrays):
        return cupy
    return np


def check_device(device):
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}: expected 'cpu' or 'cuda'")
    return device


def _cupy():
    try:
        import cupy
    except ImportError:
        raise RuntimeError("device 'cuda' needs CuPy, which is not installed: pip install "
                           "cupy-cuda12x (or the cupy package for your CUDA version)") from None
    in_use[0] = True
    return cupy


def to_device(a, device):
    """`a` (an array, a list or a number) as an array on `device`: `a` itself where it is already
    there, else a copy there."""
    if check_device(device) == "cpu":
        return a.get() if is_gpu(a) else np.asarray(a)
    cupy = _cupy()
    try:
        return cupy.asarray(a)
    except cupy.cuda.runtime.CUDARuntimeError as e:
        raise RuntimeError(f"device 'cuda': CuPy found no usable GPU ({e})") from None


def check_same(op, arrays):
    """The array inputs of one op on one device, or an error naming both devices."""
    first = None
    for i, a in enumerate(arrays):
        if isinstance(a, np.ndarray) or is_gpu(a):
            where = device_of(a)
            if first is None:
                first = (i, where)
            elif where != first[1]:
                raise RuntimeError(f"{op}: inputs on different devices: input {first[0]} is on "
                                   f"{first[1]}, input {i} on {where}; move one with "
                                   f".to({first[1]!r}) or .to({where!r})")
