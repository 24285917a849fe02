"""The book 2 model's API on an nn.Module (what the models of nn.book.seq2seq share)."""
import numpy as np

import autograd

from ..modules.module import Module


class BookModel(Module):
    """The book's API for a model that is an nn.Module: forward(xs, ts) returns the loss as a
    number (the subclass computes it as a Tensor and passes it to `_remember`); backward(dout=1)
    hands it to autograd.grad, writes the gradients into `grads` (in place, as the book's) and adds
    them to each parameter's `.grad` (as PyTorch's backward). `params` are the parameters' arrays."""
    _loss = None
    _book_grads = None

    @property
    def params(self):
        return [p.data for p in self.parameters()]

    @property
    def grads(self):
        if self._book_grads is None:
            self._book_grads = [np.zeros_like(p) for p in self.params]
        return self._book_grads

    def _remember(self, loss):
        self._loss = loss
        return loss.data[()]

    def backward(self, dout=1):
        self._backward(dout)

    def _backward(self, dout):
        name = type(self).__name__
        if self._loss is None:
            raise RuntimeError(f"{name}.backward() called before {name}.forward(), or twice after it")
        loss, self._loss = self._loss, None
        ps = self.parameters()
        gs = autograd.grad(loss, ps, np.asarray(dout, dtype=loss.dtype), allow_unused=True)
        for dw, p, g in zip(self.grads, ps, gs):
            if g is None:  # a weight the loss did not use
                dw[...] = 0
                continue
            dw[...] = g.data
            p.grad = g if p.grad is None else p.grad + g

    def save_params(self, file_name=None):
        self.save(file_name or type(self).__name__ + ".npz")

    def load_params(self, file_name=None):
        self.load(file_name or type(self).__name__ + ".npz")
