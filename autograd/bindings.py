"""The public bindings: what Tensor, `autograd.functions` (F) and NumPy's protocols get from the op
table and the engine. Tensor (autograd/tensor.py) knows no op; this module, above the core and
the op table, gives it its operators, its op methods and `backward`, fills F with one function
per op and hands each op to autograd/numpy_api.py, all from what each op declares (see
autograd.ops.Op). An op defined later is bound as it is defined.

What may import what (autograd/): device <- tensor <- anomaly <- function <- engine (the core)
<- ops (the table) <- functions, numpy_api, inplace <- bindings <- the package; the tools
(gradcheck, testing, viz) import the core (testing: also no op), never the reverse.
"""
import inspect
import os

from . import engine, functions, inplace, numpy_api
from .device import check_device, device_of
from .ops import OPS, ToDevice
from .ops.base import on_define
from .tensor import Tensor, _raw_index, as_tensor

# operator -> the name of its method (__add__, its reflection __radd__, in place __iadd__)
OPERATORS = {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "**": "pow", "@": "matmul"}


def bind(op):
    """Give `op` the F function, Tensor methods, operator and NumPy functions its class declares
    (its own declarations only: a subclass of an op, a variant with another backward, takes
    none of its parent's names)."""
    own = op.__dict__
    function, method, operator, numpy = (own.get(k) for k in ("function", "method", "operator", "numpy"))
    call = _function(own.get("call"))
    if call is None and (function or numpy):
        call = _derived(op, function or op.__name__.lower(), first="as_tensor({})")
    if function is not None:
        setattr(functions, function, call)
        if function not in functions.__all__:
            functions.__all__.append(function)
    for name in method if isinstance(method, tuple) else (method,) if method else ():
        fn = _function(own.get("tensor_method")) or _derived(op, name, first="{}", self_name="self")
        fn.__name__ = fn.__qualname__ = name
        setattr(Tensor, name, fn)
    if operator is not None:
        _bind_operator(op, OPERATORS[operator], operator)
    if numpy:
        numpy_api.register(op, call)


def _function(declared):
    """The function of a staticmethod declared in a class body (not callable itself before 3.10)."""
    return declared.__func__ if isinstance(declared, staticmethod) else declared


def _derived(op, name, first, self_name=None):
    """A function `name(x, y, ..., option=default, ...)` calling op.apply(x, y, ...,
    option=option, ...): forward's parameters without a default are its inputs (the first one
    passed through `first`), the others are passed as keywords, as forward's defaults say."""
    params = list(inspect.signature(op.forward).parameters.values())[1:]
    kinds = {p.kind for p in params}
    inputs = [p.name for p in params if p.default is p.empty]
    if not params or kinds - {inspect.Parameter.POSITIONAL_OR_KEYWORD} or params[:len(inputs)] != [
            p for p in params if p.default is p.empty]:
        raise TypeError(f"{op.__name__}: cannot make {name}() from forward's parameters "
                        f"{[p.name for p in params]}; give the op a `call` staticmethod")
    options = params[len(inputs):]
    if self_name:
        inputs[0] = self_name
    signature = inputs + [f"{p.name}=_{p.name}" for p in options]
    arguments = [first.format(inputs[0])] + inputs[1:] + [f"{p.name}={p.name}" for p in options]
    namespace = {"apply": op.apply, "as_tensor": as_tensor, **{f"_{p.name}": p.default for p in options}}
    source = f"def {name}({', '.join(signature)}):\n    return apply({', '.join(arguments)})\n"
    # named as a file of this package: anomaly mode's user_line passes over its frames
    exec(compile(source, os.path.join(os.path.dirname(__file__), f"<{op.__name__}.{name}>"), "exec"), namespace)
    fn = namespace[name]
    fn.__doc__ = op.__doc__ or f"The op {op.__name__}: {getattr(op, 'formula', '')}"
    fn.__module__ = functions.__name__ if not self_name else Tensor.__module__
    return fn


def _bind_operator(op, name, symbol):
    apply = op.apply

    def forward(self, other):
        return apply(self, other)

    def reflected(self, other):
        return apply(other, self)

    def in_place(self, other):  # changes this tensor object (autograd/inplace.py), never a rebind
        return inplace.apply(self, op, other, symbol + "=")
    methods = {f"__{name}__": forward, f"__r{name}__": reflected}
    if symbol != "@":  # t @= m is refused by Tensor itself
        methods[f"__i{name}__"] = in_place
    for dunder, fn in methods.items():
        fn.__name__ = fn.__qualname__ = dunder
        setattr(Tensor, dunder, fn)


# --- what Tensor gets from the engine and the rest of this layer -------------------------------

def _backward(self, grad=None, retain_graph=None, create_graph=False):
    """Accumulate d(self)/d(leaf) into every leaf's `.grad` (see autograd.engine)."""
    engine.backward([self], None if grad is None else [grad], retain_graph, create_graph)


def _to(self, device):
    """This tensor on `device` ("cpu" or "cuda"): itself where it is already there, else a copy
    there, through which gradients flow back (autograd.device)."""
    if device_of(self._data) == check_device(device):
        return self
    return ToDevice.apply(self, device=device)


def _setitem(self, index, value):
    inplace.setitem(self, _raw_index(index), value)


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    return numpy_api.array_ufunc(ufunc, method, inputs, kwargs)


def _array_function(self, func, types, args, kwargs):
    return numpy_api.array_function(func, types, args, kwargs)


def _pos(self):
    return self


for _name, _fn in (("backward", _backward), ("to", _to), ("__setitem__", _setitem), ("__pos__", _pos),
                   ("__array_ufunc__", _array_ufunc), ("__array_function__", _array_function)):
    _fn.__name__ = _fn.__qualname__ = _name
    setattr(Tensor, _name, _fn)
Tensor.T = property(lambda self: self.transpose(), doc="The axes reversed, as NumPy's .T")

for _op in OPS.values():
    bind(_op)
on_define.append(bind)
