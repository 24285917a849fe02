"""A small autograd engine on NumPy: Tensors record the ops applied to them, and backward()
applies each op's vector-Jacobian product, the textbook layer's backward formula, in reverse."""
from .tensor import Tensor, enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # first: the rest builds on it
from . import functions
from .anomaly import detect_anomaly
from .engine import grad
from .function import Function
from .gradcheck import GradcheckError, gradcheck, gradcheck_nodes, numerical_gradient

__all__ = ["Tensor", "Function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "grad", "numerical_gradient", "gradcheck", "gradcheck_nodes", "GradcheckError",
           "detect_anomaly", "functions"]
