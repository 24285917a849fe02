"""The Tensor: an ndarray plus the node of the graph that produced it; the per-thread switches
(no_grad, anomaly mode, a viz recording) and the in-place clock.

The bottom of the core: it imports only autograd.device. Tensor knows no op: its operators,
op methods, `backward` and NumPy protocols are given to it by autograd/bindings.py, which sits
above the op table (autograd/ops/) and the engine.
"""
import functools
import threading
import warnings

from weakref import ref as _weakref

import numpy as np

from .device import device_of, in_use, is_gpu, to_device


class _State(threading.local):
    """Per-thread switches: recording on/off, anomaly checks on/off, the viz.record() block
    running in this thread. Every op reads `mode`, (recording, watch), at once (a thread-local
    read costs about 0.1 us); watch is on where anomaly mode or a recording wants each node."""
    mode = (True, False)
    _anomaly = False
    _recorder = None

    @property
    def grad_enabled(self):
        return self.mode[0]

    @grad_enabled.setter
    def grad_enabled(self, flag):
        self.mode = (bool(flag), self.mode[1])

    @property
    def anomaly(self):
        return self._anomaly

    @anomaly.setter
    def anomaly(self, flag):
        self._anomaly = bool(flag)
        self.mode = (self.mode[0], self._anomaly or self._recorder is not None)

    @property
    def recorder(self):
        return self._recorder

    @recorder.setter
    def recorder(self, recorder):
        self._recorder = recorder
        self.mode = (self.mode[0], self._anomaly or recorder is not None)


state = _State()

# Every in-place change of a tensor's data takes the next value of this clock as the tensor's
# version; a node remembers the clock when it was recorded. Backward compares the two only when
# the clock has moved since, so the check costs nothing in a forward-backward-step loop.
clock = [0]


class LostGradientWarning(UserWarning):
    """NumPy turned a Tensor that requires grad into plain values: the result has no gradient."""


class _GradMode:
    """Recording on or off in this thread inside a `with` block or a decorated function."""
    mode = True

    def __enter__(self):
        self.prev = state.grad_enabled
        state.grad_enabled = self.mode

    def __exit__(self, *exc):
        state.grad_enabled = self.prev

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _Switch(mode):
                return fn(*args, **kwargs)
        return wrapper


class _Switch(_GradMode):
    def __init__(self, mode):
        self.mode = bool(mode)


class set_grad_enabled(_Switch):
    """`set_grad_enabled(False)` turns recording off in this thread at once, as PyTorch's does;
    as a context manager or decorator, only inside the block or the function."""

    def __init__(self, mode):
        super().__init__(mode)
        self.prev = state.grad_enabled
        state.grad_enabled = self.mode

    def __enter__(self):
        pass  # already switched in __init__; __exit__ restores what was before

    def __call__(self, fn):
        state.grad_enabled = self.prev  # a decorator switches only while the function runs
        return super().__call__(fn)


class _NoParamGradMode(_GradMode):
    """Usable as `with cls():`, `@cls()` and bare `@cls`."""

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)


class no_grad(_NoParamGradMode):
    """`with no_grad():` runs ops without recording a graph (evaluation, parameter updates)."""
    mode = False


class enable_grad(_NoParamGradMode):
    """`with enable_grad():` records again inside a no_grad block."""
    mode = True


def is_grad_enabled():
    return state.grad_enabled


def as_float_array(data, what="Tensor data"):
    """Numbers, lists, int and bool arrays become float64; float arrays are kept as they are.
    The result is always an ndarray: a NumPy scalar becomes a 0-d array of its dtype (writable
    in place, like any other tensor's; only Tensor itself keeps a number as a NumPy scalar)."""
    if isinstance(data, np.ndarray) and data.dtype.kind == "f":
        return data
    if is_gpu(data):
        in_use[0] = True  # a GPU array: ops check their inputs' devices from now on
        arr = data
    else:
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError) as e:
            raise TypeError(f"{what} must be a number, a list or an ndarray of numbers: {e}") from None
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(f"{what} must be real numbers (Tensors hold floating data and can require "
                        f"grad); got dtype {arr.dtype}")
    return arr


class Tensor:
    """An n-dimensional array that records the ops applied to it when it requires grad.

    `data` is a float ndarray; `grad` is a Tensor filled in by `backward()`; `grad_fn` is the
    node (an `autograd.Function`) that made this tensor, None for leaves.
    """
    # _data: an ndarray (CuPy's on the GPU), or a NumPy float scalar for 0-d data that no one has
    # asked for as an array yet: an op's 0-d result, a tensor made from a number. Arithmetic on
    # NumPy scalars costs a tenth of that on 0-d arrays, which is what a graph of scalars is made
    # of; `.data` (and whatever may write to or share the array) turns one into a 0-d array for good.
    # Set on every tensor: _data, _node, _requires_grad, grad. The others are class defaults until set:
    # _base: the tensor whose array this one's is a view of (W.T, W[:k], W.detach()): they share
    # one version, so that an in-place change through either is seen by whoever saved the other
    # _views: set on a tensor once an op made a view of its array; an in-place op then cannot be
    # recorded on it
    __slots__ = ("_data", "_node", "_requires_grad", "grad", "__dict__", "__weakref__")
    name = _base = None
    _version = 0
    _views = False

    def __init__(self, data, requires_grad=False, name=None, device=None):
        data = data._data if isinstance(data, Tensor) else data
        if type(data) in _NUMBERS and device is None:
            self._data = np.float64(data)
        else:
            self._data = as_float_array(data if device is None else to_device(data, device))
        self._requires_grad = bool(requires_grad)
        self._node = None
        self.grad = None
        if name is not None:
            self.name = name

    @classmethod
    def _make(cls, data, node=None):
        """An op's result: no conversion, no copy."""
        return _wrap(data, node, cls)

    # --- the array -------------------------------------------------------------------------
    @property
    def data(self):
        data = self._data
        if type(data) is not np.ndarray and not is_gpu(data):
            self._data = data = np.array(data)  # a 0-d value: from now on an array, as it is shared
        return data

    @data.setter
    def data(self, value):
        # In-place updates (`t.data -= lr * g`) come through here too, handing back the same
        # array; the version lets backward notice that a value it saved has changed since.
        if value is not self._data:
            value = value._data if isinstance(value, Tensor) else as_float_array(value)
            self._base = None  # a new array: no longer a view of another tensor's, which is untouched
        owner = self._owner()
        for t in (self, owner):  # an op that saved its own output now holds a changed value
            node = t._node
            if node is not None and node._saved and any(t._data is s for s in node._saved):
                node._stamp = None
        self._data = value
        clock[0] += 1
        owner._version = clock[0]

    def _owner(self):
        """The tensor whose version this one shares: its base if it is a view, else itself."""
        return self if self._base is None else self._base

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if self._node is not None and not flag:
            raise RuntimeError("requires_grad can only be turned off on a leaf tensor; use .detach()")
        self._requires_grad = bool(flag)

    @property
    def is_leaf(self):
        return self._node is None

    @property
    def grad_fn(self):
        return self._node

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    size = property(lambda self: self._data.size)
    dtype = property(lambda self: self._data.dtype)
    device = property(lambda self: device_of(self._data))  # "cpu" or "cuda"

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item() needs a one-element tensor; this one has shape {self.shape}")
        return self._data.item()

    def numpy(self):
        if is_gpu(self._data):
            raise TypeError("numpy() of a Tensor on cuda: copy it to the CPU first, t.to('cpu').numpy()")
        return self.data

    def detach(self):
        """The same data, cut from the graph (and sharing its version: it is a view)."""
        t = Tensor._make(self.data)
        t._base = self._owner()
        return t

    def detach_(self):
        """Make this tensor a leaf that needs no grad, in place. Ops recorded on it before keep
        their way back through the graph that made it; the graph is let go once none is left."""
        self._node = None  # ops recorded on it keep the node (their _parents), as PyTorch's do
        self._requires_grad = False
        return self

    def copy_(self, src):
        """Write `src` into this tensor's own array (same shape), keeping every alias to it."""
        src = to_device(_raw(src), self.device)  # from either device, as PyTorch's copy_
        if src.shape != self.shape:
            raise ValueError(f"copy_: source of shape {src.shape} does not match tensor of shape {self.shape}")
        self.data[...] = src
        self.data = self._data  # through the setter: counts as an in-place change
        return self

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if self._node is not None:
            self._node._retained = _weakref(self)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __array__(self, dtype=None, copy=None):
        if is_gpu(self._data):
            raise TypeError("a Tensor on cuda does not become a NumPy array implicitly: copy it to "
                            "the CPU first, t.to('cpu')")
        if self._requires_grad and state.mode[0]:
            warn_lost_gradient(self)
        a = np.asarray(self.data, dtype=dtype)
        return a.copy() if copy else a

    def __repr__(self):
        body = np.array2string(to_device(self._data, "cpu"), separator=", ", prefix="Tensor(")
        extra = "" if self._data.dtype == np.float64 else f", dtype={self._data.dtype}"
        if is_gpu(self._data):
            extra += ", device='cuda'"
        if self._node is not None:
            extra += f", grad_fn={type(self._node).__name__}"
        elif self._requires_grad:
            extra += ", requires_grad=True"
        if self.name is not None:
            extra += f", name={self.name!r}"
        return f"Tensor({body}{extra})"

    # --- one-element tensors convert like NumPy scalars ---------------------------------------
    def __bool__(self): return bool(scalar(self, "bool"))
    def __int__(self): return int(scalar(self, "int"))
    def __float__(self): return float(scalar(self, "float"))
    def __round__(self, ndigits=None): return round(scalar(self, "round"), ndigits)
    def __format__(self, spec): return format_tensor(self, spec)

    # Comparisons give plain boolean masks: they have no gradient. Tensors hash by identity.
    def __eq__(self, other): return self._data == _raw(other)
    def __ne__(self, other): return self._data != _raw(other)
    __hash__ = object.__hash__

    def __gt__(self, other): return self._data > _raw(other)
    def __ge__(self, other): return self._data >= _raw(other)
    def __lt__(self, other): return self._data < _raw(other)
    def __le__(self, other): return self._data <= _raw(other)

    def __imatmul__(self, other):
        raise TypeError("in-place matmul (t @= m) is not supported; write t = t @ m (a new tensor)")

    # Given by autograd/bindings.py: backward(), the operators + - * / ** @ (reflected and
    # in-place), t[index] and t[index] = v, T, to(device), the op methods (sum, exp, reshape, ...)
    # declared by the ops of autograd/ops/, and NumPy's __array_ufunc__ / __array_function__.


def _wrap(data, node=None, cls=Tensor):
    """Tensor._make as a plain function, for the engine's hot paths."""
    t = _new(cls)
    t._data = data
    t._requires_grad = node is not None
    t._node = node
    t.grad = None
    return t


_new = object.__new__
_NUMBERS = {float, int, bool, np.float64}


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _raw_index(index):
    if isinstance(index, tuple):
        return tuple(_raw(i) for i in index)
    return _raw(index)


def as_tensor(x):
    """x itself if it is a Tensor, else a Tensor of it (a function of plain numbers still returns
    a Tensor)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def warn_lost_gradient(t):
    """Tensor.__array__ on a Tensor that requires grad, while recording: NumPy is turning it into
    values (np.asarray(t), or a NumPy function handed a list of Tensors, which it dispatches on)."""
    warnings.warn(
        f"NumPy turned a Tensor of shape {t.shape} that requires grad into plain values (np.asarray, "
        "or a NumPy function given a list or tuple of Tensors, such as np.sum([t, u]) or "
        "np.array([t, u])): the result has no gradient. To keep the gradient, use the Tensor ops on "
        "Tensors, not lists (F.stack([t, u]).sum(axis=0), F.exp(t)); for the values alone, say so "
        "with t.detach(), t.data or t.item()", LostGradientWarning, stacklevel=3)


def scalar(t, what):
    """The one element of `t` as a NumPy scalar, for int(), float(), bool(), round(), format()."""
    if t._data.size != 1:
        raise (ValueError if what == "bool" else TypeError)(
            f"{what}() of a Tensor needs exactly one element; this one has shape {t.shape} "
            f"({t._data.size} elements)" + ("; use np.any(t > 0) or np.all(t > 0) for a truth value"
                                            if what == "bool" else ""))
    x = t._data.reshape(-1)[0]
    return x.get()[()] if is_gpu(x) else x  # a NumPy scalar from either device


def format_tensor(t, spec):
    if t._data.size == 1:
        return format(scalar(t, "format"), spec) if spec else str(t)
    if spec:
        raise TypeError(f"format spec {spec!r} needs a one-element Tensor; this one has shape {t.shape}: "
                        "format its elements, or np.array2string(t) for the whole array")
    return str(t)
