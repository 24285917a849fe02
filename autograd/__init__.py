"""A small autograd engine on NumPy: Tensors record the ops applied to them, and backward()
applies each op's vector-Jacobian product, the textbook layer's backward formula, in reverse.

`autograd.viz` (drawing graphs) and `autograd.testing` (hypothesis strategies) are imported on
first use, so that importing the engine needs neither hypothesis nor anything else optional."""
import importlib

from .tensor import (Tensor, LostGradientWarning, enable_grad, is_grad_enabled, no_grad,  # first: the rest
                     set_grad_enabled)  # builds on it
from . import functions
from .anomaly import detect_anomaly
from .engine import grad
from .function import Function
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
