"""A small autograd engine on NumPy: Tensors record the ops applied to them, and backward()
applies each op's vector-Jacobian product, the textbook layer's backward formula, in reverse.

The package is built in layers, each importing only those below it (README, "Layout"): the
core (tensor, function, engine, with device and anomaly), the op table (ops/), the bindings that
give Tensor, `autograd.functions` and NumPy's protocols their ops (bindings), and the tools beside
them (gradcheck; `autograd.viz` for drawing graphs and `autograd.testing` for hypothesis
strategies, imported on first use, so that importing the engine needs neither hypothesis nor
anything else optional)."""
import importlib

from .tensor import Tensor, LostGradientWarning, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .anomaly import detect_anomaly
from .function import Function
from .engine import grad
from . import ops, bindings, functions
from .gradcheck import GradcheckError, gradcheck, gradcheck_nodes, numerical_gradient

__all__ = ["Tensor", "Function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "grad", "numerical_gradient", "gradcheck", "gradcheck_nodes", "GradcheckError",
           "detect_anomaly", "functions", "LostGradientWarning"]

_LAZY = ("testing", "viz")


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)  # also sets it on the package
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
