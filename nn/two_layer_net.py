"""The textbook's TwoLayerNet, same API, built on the modules and backward()."""
import weakref
from collections import OrderedDict

import numpy as np

from autograd import no_grad, numerical_gradient

from .layers import Affine, ReLU, SoftmaxWithLoss
from .module import Module


class TwoLayerNet(Module):
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01, init=None,
                 dtype=np.float64, rng=None):
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(input_size, hidden_size, weight_init_std, init, dtype, rng)
        self.layers["Relu1"] = ReLU()
        self.layers["Affine2"] = Affine(hidden_size, output_size, weight_init_std, init, dtype, rng)
        self.lastLayer = SoftmaxWithLoss()
        a1, a2 = self.layers["Affine1"], self.layers["Affine2"]
        # the parameters' own arrays: the textbook's `params[key] -= lr * grad[key]` trains the model
        self.params = {"W1": a1.W.data, "b1": a1.b.data, "W2": a2.W.data, "b2": a2.b.data}
        self._by_key = {"W1": a1.W, "b1": a1.b, "W2": a2.W, "b2": a2.b}
        for key, p in self._by_key.items():
            p.name = key
        self._losses = weakref.WeakSet()  # losses returned by loss() since the last gradient()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer(x)
        return x

    forward = predict

    def loss(self, x, t):
        """The loss as a Tensor: `net.loss(x, t).backward()` works. Its graph is let go at the next
        `gradient()` call (a new training step), so the book's `train_loss_list.append(loss)`
        keeps numbers, not every step's graph and batch."""
        loss = self.lastLayer(self.predict(x), t)
        if loss.grad_fn is not None:
            self._losses.add(loss)
        return loss

    def accuracy(self, x, t):
        with no_grad():
            y = np.argmax(self.predict(x).data, axis=1)
        if np.ndim(t) != 1:
            t = np.argmax(t, axis=1)
        return float(np.sum(y == t) / float(np.shape(x)[0]))

    def numerical_gradient(self, x, t):
        with no_grad():
            return {key: numerical_gradient(lambda W: self.loss(x, t), self.params[key])
                    for key in ("W1", "b1", "W2", "b2")}

    def gradient(self, x, t):
        """Backprop through the graph: fresh arrays 'W1', 'b1', 'W2', 'b2' each call."""
        for loss in list(self._losses):  # the previous step's losses: their values stay, graphs go
            loss.detach_()
        self._losses.clear()
        for p in self._by_key.values():  # zero_grad without walking the module tree each step
            p.grad = None
        self.lastLayer(self.predict(x), t).backward()
        return {key: p.grad.data for key, p in self._by_key.items()}
