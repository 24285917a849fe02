"""Optimizers with the textbook's update rules (chapter 6) and PyTorch's names.

Each rule is written once, as a function that updates a parameter's array and its state arrays in
place; `nn.optim` applies it to the parameters' arrays and `nn.textbook`'s optimizers (the book's
`update(params, grads)` over dicts) to the book's dicts."""
import numbers
from collections.abc import Iterable

import numpy as np

from autograd import Tensor

from .modules.module import Module


class Optimizer:
    def __init__(self, params, lr):
        self.params = _parameter_list(type(self).__name__, params)
        if not isinstance(lr, numbers.Real) or not lr > 0:  # `not >`: NaN is refused too
            raise (ValueError if isinstance(lr, numbers.Real) else TypeError)(
                f"{type(self).__name__}: lr must be a positive number, got {lr!r}")
        self.lr = lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is not None:
                a = p.data
                self.update(i, a, p.grad.data)
                p.data = a  # through the setter: the step counts as an in-place change

    def update(self, i, a, g):
        """Apply the rule to parameter i's array `a` given its gradient g."""
        raise NotImplementedError


def _parameter_list(name, params):
    """`params` as a list of distinct leaf tensors that require grad, or an error naming the
    culprit. A single Tensor or a module is refused rather than iterated (its rows, or the layers
    of a Sequential, are not parameters)."""
    if isinstance(params, (Tensor, Module)) or not isinstance(params, Iterable):
        got = ("a single Tensor; pass [t] or" if isinstance(params, Tensor) else
               f"the module {type(params).__name__} itself; pass" if isinstance(params, Module) else
               f"{type(params).__name__}; pass")
        raise TypeError(f"{name}: params must be an iterable of parameters, got {got} model.parameters()")
    params = list(params)
    if not params:
        raise ValueError(f"{name}: got an empty parameter list")
    seen = {}
    for i, p in enumerate(params):
        if not isinstance(p, Tensor) or not p.requires_grad or not p.is_leaf:
            what = (f"a {type(p).__name__} that is not a leaf requiring grad" if isinstance(p, Tensor) else
                    f"of type {type(p).__name__}, not a Tensor")
            raise TypeError(f"{name}: parameter {i} is {what}; pass model.parameters()")
        if id(p) in seen:
            raise ValueError(f"{name}: parameter {i} is the same tensor as parameter {seen[id(p)]}; "
                             "it would be updated twice per step")
        seen[id(p)] = i
    return params


# --- the update rules (the book's common/optimizer.py) -----------------------------------------
# p: the parameter's array, g: its gradient, state arrays as zeros_like(p) at the start; all updated
# in place. Each returns p: the book's dicts may hold plain numbers (ch06/optimizer_compare_naive.py),
# which `p -= ...` rebinds rather than changes, so nn.textbook stores what comes back.

def sgd_rule(p, g, lr):
    """W <- W - lr * dW"""
    p -= lr * g
    return p


def momentum_rule(p, g, v, lr, momentum):
    """v <- momentum * v - lr * dW;  W <- W + v"""
    v *= momentum
    v -= lr * g
    p += v
    return p


def nesterov_rule(p, g, v, lr, momentum):
    """Nesterov's accelerated gradient as the book's repository has it since its 2021 fix: W moves
    with the previous velocity, W <- W + momentum^2 * v - (1 + momentum) * lr * dW, and then
    v <- momentum * v - lr * dW."""
    p += momentum * momentum * v
    p -= (1 + momentum) * lr * g
    v *= momentum
    v -= lr * g
    return p


def nesterov_velocity_first_rule(p, g, v, lr, momentum):
    """Nesterov's accelerated gradient as book 2's repository has it: the velocity first,
    v <- momentum * v - lr * dW, then W <- W + momentum^2 * v - (1 + momentum) * lr * dW."""
    v *= momentum
    v -= lr * g
    p += momentum * momentum * v
    p -= (1 + momentum) * lr * g
    return p


def adagrad_rule(p, g, h, lr, eps):
    """h <- h + dW * dW;  W <- W - lr * dW / (sqrt(h) + eps)"""
    h += g * g
    p -= lr * g / (np.sqrt(h) + eps)
    return p


def rmsprop_rule(p, g, h, lr, decay_rate, eps):
    """h <- decay_rate * h + (1 - decay_rate) * dW * dW;  W <- W - lr * dW / (sqrt(h) + eps)"""
    h *= decay_rate
    h += (1 - decay_rate) * g * g
    p -= lr * g / (np.sqrt(h) + eps)
    return p


def adam_rule(p, g, m, v, t, lr, beta1, beta2, eps):
    """Step t (1, 2, ... for this parameter): m, v running means of dW and dW^2;
    W <- W - lr_t * m / (sqrt(v) + eps), the bias correction folded into
    lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)."""
    lr_t = lr * np.sqrt(1.0 - beta2 ** t) / (1.0 - beta1 ** t)
    m += (1 - beta1) * (g - m)
    v += (1 - beta2) * (g * g - v)
    p -= lr_t * m / (np.sqrt(v) + eps)
    return p


# --- the optimizers on parameters (PyTorch's names and defaults) -------------------------------

class SGD(Optimizer):
    """W <- W - lr * dW"""

    def __init__(self, params, lr=0.01):
        super().__init__(params, lr)

    def update(self, i, a, g):
        sgd_rule(a, g, self.lr)


class Momentum(Optimizer):
    """v <- momentum * v - lr * dW;  W <- W + v"""

    def __init__(self, params, lr=0.01, momentum=0.9):
        super().__init__(params, lr)
        self.momentum = momentum
        self.v = [np.zeros_like(p.data) for p in self.params]

    def update(self, i, a, g):
        momentum_rule(a, g, self.v[i], self.lr, self.momentum)


class AdaGrad(Optimizer):
    """h <- h + dW * dW;  W <- W - lr * dW / (sqrt(h) + eps)"""

    def __init__(self, params, lr=0.01, eps=1e-7):
        super().__init__(params, lr)
        self.eps = eps
        self.h = [np.zeros_like(p.data) for p in self.params]

    def update(self, i, a, g):
        adagrad_rule(a, g, self.h[i], self.lr, self.eps)


class Adam(Optimizer):
    """m, v: running means of dW and dW^2; W <- W - lr_t * m / (sqrt(v) + eps), with the bias
    correction folded into lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t). As PyTorch's, t counts
    each parameter's own steps: one that first gets a gradient at the 5th step() takes a first
    step (t = 1) there."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = [0] * len(self.params)
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def update(self, i, a, g):
        self.t[i] += 1
        adam_rule(a, g, self.m[i], self.v[i], self.t[i], self.lr, self.beta1, self.beta2, self.eps)


class Nesterov(Optimizer):
    """Nesterov's accelerated gradient as the book's repository has it (since its 2021 fix):
    W <- W + momentum^2 * v - (1 + momentum) * lr * dW;  then v <- momentum * v - lr * dW"""

    def __init__(self, params, lr=0.01, momentum=0.9):
        super().__init__(params, lr)
        self.momentum = momentum
        self.v = [np.zeros_like(p.data) for p in self.params]

    def update(self, i, a, g):
        nesterov_rule(a, g, self.v[i], self.lr, self.momentum)


class RMSprop(Optimizer):
    """h <- decay_rate * h + (1 - decay_rate) * dW * dW;  W <- W - lr * dW / (sqrt(h) + eps)"""

    def __init__(self, params, lr=0.01, decay_rate=0.99, eps=1e-7):
        super().__init__(params, lr)
        self.decay_rate, self.eps = decay_rate, eps
        self.h = [np.zeros_like(p.data) for p in self.params]

    def update(self, i, a, g):
        rmsprop_rule(a, g, self.h[i], self.lr, self.decay_rate, self.eps)
