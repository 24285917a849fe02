"""Optimizers with the textbook's update rules (chapter 6) and PyTorch's names."""
import numbers
from collections.abc import Iterable

import numpy as np

from autograd import Tensor

from .module import Module


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
                self.update(i, p, p.grad.data)

    def update(self, i, p, g):
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


class SGD(Optimizer):
    """W <- W - lr * dW"""

    def __init__(self, params, lr=0.01):
        super().__init__(params, lr)

    def step(self):  # the hot loop of training: no per-parameter method call
        lr = self.lr
        for p in self.params:
            if p.grad is not None:
                p.data -= lr * p.grad.data


class Momentum(Optimizer):
    """v <- momentum * v - lr * dW;  W <- W + v"""

    def __init__(self, params, lr=0.01, momentum=0.9):
        super().__init__(params, lr)
        self.momentum = momentum
        self.v = [np.zeros_like(p.data) for p in self.params]

    def update(self, i, p, g):
        v = self.v[i]
        v *= self.momentum
        v -= self.lr * g
        p.data += v


class AdaGrad(Optimizer):
    """h <- h + dW * dW;  W <- W - lr * dW / (sqrt(h) + eps)"""

    def __init__(self, params, lr=0.01, eps=1e-7):
        super().__init__(params, lr)
        self.eps = eps
        self.h = [np.zeros_like(p.data) for p in self.params]

    def update(self, i, p, g):
        h = self.h[i]
        h += g * g
        p.data -= self.lr * g / (np.sqrt(h) + self.eps)


class Adam(Optimizer):
    """m, v: running means of dW and dW^2; W <- W - lr_t * m / (sqrt(v) + eps), with the bias
    correction folded into lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self):
        self.t += 1
        self.lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.t) / (1.0 - self.beta1 ** self.t)
        super().step()

    def update(self, i, p, g):
        m, v = self.m[i], self.v[i]
        m += (1 - self.beta1) * (g - m)
        v += (1 - self.beta2) * (g * g - v)
        p.data -= self.lr_t * m / (np.sqrt(v) + self.eps)


class Nesterov(Optimizer):
    """Nesterov's accelerated gradient, as the book writes it:
    v <- momentum * v - lr * dW;  W <- W + momentum^2 * v - (1 + momentum) * lr * dW"""

    def __init__(self, params, lr=0.01, momentum=0.9):
        super().__init__(params, lr)
        self.momentum = momentum
        self.v = [np.zeros_like(p.data) for p in self.params]

    def update(self, i, p, g):
        v, m = self.v[i], self.momentum
        v *= m
        v -= self.lr * g
        p.data += m * m * v
        p.data -= (1 + m) * self.lr * g


class RMSprop(Optimizer):
    """h <- decay_rate * h + (1 - decay_rate) * dW * dW;  W <- W - lr * dW / (sqrt(h) + eps)"""

    def __init__(self, params, lr=0.01, decay_rate=0.99, eps=1e-7):
        super().__init__(params, lr)
        self.decay_rate, self.eps = decay_rate, eps
        self.h = [np.zeros_like(p.data) for p in self.params]

    def update(self, i, p, g):
        h = self.h[i]
        h *= self.decay_rate
        h += (1 - self.decay_rate) * g * g
        p.data -= self.lr * g / (np.sqrt(h) + self.eps)
