"""nn.Module, nn.Parameter and nn.Sequential: parameters found by walking attributes, as PyTorch."""
import io
import os
import uuid
from collections.abc import Mapping

import numpy as np

from autograd import Tensor
from autograd.device import array_module, check_device, device_of, to_device

NPZ_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY")  # a zip archive (.npz), or an .npy file


class Parameter(Tensor):
    """A Tensor that a Module owns and an optimizer updates: requires grad by default."""
    __slots__ = ()

    def __init__(self, data, requires_grad=True, name=None):
        super().__init__(data, requires_grad=requires_grad, name=name)


class Module:
    """Base class of layers and models: `forward` does the work, calling the module runs it."""
    training = True  # train() / eval() set it on a module and all its submodules
    buffer_names = ()  # array attributes that are state but not parameters (running statistics)

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def named_parameters(self, prefix=""):
        """(name, Parameter) pairs, in attribute order, submodules and dicts of them included.
        A parameter shared by several places (a module used twice) is listed once, under its
        first name, as PyTorch does: optimizers and state dicts see it once."""
        seen = set()
        for name, p in self._all_parameters(prefix):
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def _all_parameters(self, prefix):
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
            elif isinstance(value, Module):
                yield from value.named_parameters(f"{prefix}{name}.")
            elif isinstance(value, dict):
                for key, sub in value.items():
                    if isinstance(sub, Module):
                        yield from sub.named_parameters(f"{prefix}{name}.{key}.")

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    # --- training mode and buffers: state that optimizers do not see -----------------------
    def named_children(self):
        """(name, submodule) pairs: module attributes, and modules held in dicts ("layers.Conv1")."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, dict):
                for key, sub in value.items():
                    if isinstance(sub, Module):
                        yield f"{name}.{key}", sub

    def train(self, mode=True):
        """Training mode (dropout drops, batch norm uses and updates batch statistics), here and in
        every submodule; train(False) is eval(). Returns the module."""
        self.training = bool(mode)
        for _, m in self.named_children():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def named_buffers(self, prefix=""):
        """(name, ndarray) pairs of the buffers (a module class's `buffer_names`), submodules included."""
        for name in self.buffer_names:
            yield prefix + name, getattr(self, name)
        for name, m in self.named_children():
            yield from m.named_buffers(f"{prefix}{name}.")

    def buffers(self):
        return [b for _, b in self.named_buffers()]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def to(self, device):
        """Move every parameter (with its gradient) and buffer to `device` ("cpu" or "cuda") in
        place, and returns the module. The Parameters stay the same objects, and dicts of this
        module's tree that held a moved array (the book networks' `params`) get the moved one.
        Make the optimizer after moving: its state lives on the parameters' device."""
        check_device(device)
        moved = {}  # id of an old array -> (the old array, the moved one)
        for p in self.parameters():
            new = to_device(p._data, device)
            if new is not p._data:
                moved[id(p._data)] = (p._data, new)
                p.data = new  # through the setter: a graph that saved the old array refuses backward
                if p.grad is not None:
                    p.grad = Tensor(p.grad, device=device)
        modules = [self]
        for m in modules:  # this module and every submodule, breadth first
            for name in m.buffer_names:
                old = getattr(m, name)
                new = to_device(old, device)
                if new is not old:
                    moved[id(old)] = (old, new)
                    setattr(m, name, new)
            modules.extend(sub for _, sub in m.named_children() if sub not in modules)
        for m in modules:
            for value in vars(m).values():
                if isinstance(value, dict):
                    for key, a in value.items():
                        if id(a) in moved and moved[id(a)][0] is a:
                            value[key] = moved[id(a)][1]
        return self

    def state_dict(self):
        """Parameter name -> a copy of its array; buffers (running statistics) too."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update((name, b.copy()) for name, b in self.named_buffers())
        return state

    def load_state_dict(self, state):
        """Copy arrays into the parameters in place (aliases such as TwoLayerNet.params stay valid).
        Checks everything before changing anything: a missing, extra or misshapen entry is an error."""
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of parameter name -> array, as state_dict() "
                            f"gives, got {type(state).__name__}")
        own = dict(self.named_parameters())
        own.update(self.named_buffers())
        missing = sorted(set(own) - set(state))
        extra = sorted(set(state) - set(own))
        if missing or extra:
            raise KeyError(f"load_state_dict: {type(self).__name__} state does not match: "
                           f"missing {missing}, unexpected {extra}")
        for name, p in own.items():
            value = array_module(state[name]).asarray(state[name])
            if value.shape != p.shape:
                raise ValueError(f"load_state_dict: parameter '{name}' has shape {p.shape}, "
                                 f"the state has {value.shape}")
            if value.dtype.kind not in "biuf":
                raise TypeError(f"load_state_dict: parameter '{name}' holds real numbers, the state has "
                                f"an array of dtype {value.dtype}")
        for name, p in own.items():
            if isinstance(p, Tensor):
                p.copy_(state[name])
            else:  # a buffer: in place, so that aliases of it stay valid
                p[...] = to_device(state[name], device_of(p))

    def save(self, path):
        """Write the state dict to an .npz file atomically: a failure leaves the old file intact."""
        path = os.fspath(path)
        folder, name = os.path.split(os.path.abspath(path))
        # open(..., "xb") rather than mkstemp: the file gets the usual permissions (umask), not 0600
        tmp = os.path.join(folder, f".tmp-{name}-{os.getpid()}-{uuid.uuid4().hex[:8]}.npz")
        f = open(tmp, "xb")
        try:
            with f:
                np.savez(f, **{k: to_device(a, "cpu") for k, a in self.state_dict().items()})
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    def load(self, path):
        """Read an .npz written by save() into this module."""
        path = os.fspath(path)
        try:
            with open(path, "rb") as f:
                raw = f.read()
            if not raw.startswith(NPZ_MAGIC):
                # np.load would take it for a pickle and suggest allow_pickle=True: never for a state file
                raise ValueError("it is not a zip archive, as an .npz file is")
            npz = np.load(io.BytesIO(raw), allow_pickle=False)
            if not hasattr(npz, "files"):  # a valid .npy file holds one bare array
                raise ValueError("it holds a single array, not an .npz archive of named arrays")
            with npz:
                state = {k: npz[k] for k in npz.files}
        except FileNotFoundError:
            raise FileNotFoundError(f"load: no such file: {path}") from None
        except Exception as e:  # corrupt bytes make zipfile and np.load raise a dozen kinds of error
            raise ValueError(f"load: {path} is not a readable .npz state file ({e})") from None
        self.load_state_dict(state)
        return self


class Sequential(Module):
    """Modules applied one after the other; their parameters are named "0.W", "2.b", ..."""

    def __init__(self, *modules):
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                if isinstance(m, type):  # nn.ReLU for nn.ReLU()
                    raise TypeError(f"Sequential: item {i} is the class {m.__name__}, not a Module; "
                                    f"write {m.__name__}()")
                raise TypeError(f"Sequential: item {i} is a {type(m).__name__}, not a Module")
            setattr(self, str(i), m)

    def _layers(self):  # the module attributes; train() adds a `training` flag beside them
        return [m for m in vars(self).values() if isinstance(m, Module)]

    def __iter__(self):
        return iter(self._layers())

    def __len__(self):
        return len(self._layers())

    def __getitem__(self, i):
        return self._layers()[i]

    def forward(self, x):
        for m in self._layers():
            x = m.forward(x)
        return x
