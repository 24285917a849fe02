"""What the book's networks of chapters 6-8 share: a `params` dict under the book's keys (W1, b1,
gamma1, ...) that aliases the parameters' own arrays, `layers` run in order, a `last_layer`, and
`predict`, `loss`, `accuracy`, `gradient`, `numerical_gradient`, `save_params`, `load_params`."""
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from autograd import no_grad, numerical_gradient

from .layers import SoftmaxWithLoss
from .module import Module


class BookNetwork(Module):
    weight_decay_lambda = 0

    def __init__(self):
        self.layers = OrderedDict()
        self.last_layer = SoftmaxWithLoss()
        self.params = {}       # key -> the parameter's own array: params[key] -= lr * g trains it
        self._by_key = {}      # key -> the Parameter

    def _add(self, name, layer, **keys):
        """Append a layer; keys maps the book's parameter names to the layer's attributes
        (W1='W', b1='b')."""
        self.layers[name] = layer
        for key, attr in keys.items():
            p = getattr(layer, attr)
            p.name = key
            self._by_key[key] = p
            self.params[key] = p.data
        return layer

    def predict(self, x, train_flg=False):
        """The layers in order, dropout and batch normalization in training mode if train_flg."""
        mode = self.training
        self.train(train_flg)
        try:
            for layer in self.layers.values():
                x = layer(x)
        finally:
            self.train(mode)
        return x

    def forward(self, x):
        return self.predict(x, self.training)

    def loss(self, x, t, train_flg=False):
        """Cross-entropy of softmax(predict(x)), plus 0.5 * weight_decay_lambda * sum(W**2) over
        every weight matrix (W1, W2, ...; not gamma or beta) when weight decay is on."""
        loss = self.last_layer(self.predict(x, train_flg), t)
        if self.weight_decay_lambda:
            for key, p in self._by_key.items():
                if key[0] == "W":
                    loss = loss + 0.5 * self.weight_decay_lambda * (p * p).sum()
        return loss

    def accuracy(self, x, t, batch_size=100):
        """The fraction of x classified as t (labels or one-hot), predicted batch by batch in
        evaluation mode (the last, shorter batch included)."""
        if np.ndim(t) != 1:
            t = np.argmax(t, axis=1)
        correct = 0
        with no_grad():
            for i in range(0, len(x), batch_size):
                y = self.predict(x[i:i + batch_size], train_flg=False)
                correct += int(np.sum(np.argmax(y.data, axis=1) == t[i:i + batch_size]))
        return correct / len(x)

    def gradient(self, x, t):
        """Backprop of loss(x, t) in training mode: a dict of fresh arrays under params' keys."""
        for p in self._by_key.values():
            p.grad = None
        self.loss(x, t, train_flg=True).backward()
        return {key: p.grad.data for key, p in self._by_key.items()}

    def numerical_gradient(self, x, t):
        """Central differences of loss(x, t) in training mode for every parameter (slow: for checks)."""
        with no_grad():
            return {key: numerical_gradient(lambda _: self.loss(x, t, train_flg=True), self.params[key])
                    for key in self.params}

    def save_params(self, file_name="params.npz"):
        """params, and batch normalization's running statistics, to an .npz (written atomically)."""
        self.save(file_name)

    def load_params(self, file_name="params.npz"):
        """Read an .npz of save_params into the parameters' own arrays (params stays aliased).
        Only arrays are read: unlike a pickle, loading a file cannot run code."""
        return self.load(file_name)

    def state_dict(self):
        """The book's keys (W1, b1, gamma1, ...) -> copies of the arrays; buffers (running
        statistics) under their module paths ("layers.BatchNorm1.running_mean")."""
        state = {key: p.data.copy() for key, p in self._by_key.items()}
        state.update((name, b.copy()) for name, b in self.named_buffers())
        return state

    def load_state_dict(self, state):
        if isinstance(state, Mapping):  # the book's keys to the module paths Module checks against
            path = {id(p): name for name, p in self.named_parameters()}
            path = {key: path[id(p)] for key, p in self._by_key.items()}
            state = {path.get(k, k): v for k, v in state.items()}
        super().load_state_dict(state)
