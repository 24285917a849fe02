"""Optimizers with the textbook's update rules (chapter 6) and PyTorch's names."""
import numpy as np

from autograd import Tensor


class Optimizer:
    def __init__(self, params, lr):
        self.params = list(params)
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor) or not p.requires_grad or not p.is_leaf:
                raise TypeError(f"{type(self).__name__}: parameter {i} is a {type(p).__name__}"
                                f"{'' if not isinstance(p, Tensor) else ' that is not a leaf requiring grad'}; "
                                "pass model.parameters()")
        if not lr > 0:
            raise ValueError(f"{type(self).__name__}: lr must be positive, got {lr}")
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
