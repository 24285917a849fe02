"""What the book's networks of chapters 5-8 share: a `params` dict under the book's keys (W1, b1,
gamma1, ...) that aliases the parameters' own arrays, `layers` run in order, a `last_layer`, and
`predict`, `loss`, `accuracy`, `gradient`, `numerical_gradient`, `save_params`, `load_params`.

They return what the book's return: `predict` an array, `loss` a NumPy number, `gradient` a dict
of fresh arrays; none keeps a graph, so the book's loops, which store every loss, stay flat in
memory. As modules, `net(x)` gives the scores as a Tensor and `loss_tensor` the loss with its graph."""
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from autograd import enable_grad, no_grad, numerical_gradient
from autograd.tensor import state

from ..modules.layers import SoftmaxWithLoss
from ..modules.module import NPZ_MAGIC, Module
from ..safe_pickle import load_arrays
from ..textbook import class_labels


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

    def forward(self, x):
        """The scores as a Tensor with its graph (`net(x)`), in the module's mode (train()/eval())."""
        for layer in self.layers.values():
            x = layer(x)
        return x

    def _run(self, x, train_flg):
        """forward(x) in training mode if train_flg, else in evaluation mode; the mode is restored."""
        mode = self.training
        self.train(train_flg)
        try:
            return self.forward(x)
        finally:
            self.train(mode)

    def predict(self, x, train_flg=False):
        """The scores as an array, as the book's predict: the layers in order, dropout and batch
        normalization in training mode if train_flg. No graph is kept."""
        with _numbers():
            return self._run(x, train_flg).data

    def loss_tensor(self, x, t, train_flg=False):
        """loss() as a Tensor with its graph, for engine users: `.backward()` fills the parameters'
        `.grad` (gradient() is this and backward)."""
        loss = self.last_layer(self._run(x, train_flg), class_labels(t))
        if self.weight_decay_lambda:  # summed first, then added, as the book's loss
            decay = sum(0.5 * self.weight_decay_lambda * (p * p).sum()
                        for key, p in self._by_key.items() if key[0] == "W")
            loss = loss + decay
        return loss

    def loss(self, x, t, train_flg=False):
        """Cross-entropy of softmax(predict(x)) against t (labels, (N, 1) labels or one-hot rows),
        plus 0.5 * weight_decay_lambda * sum(W**2) over every weight matrix (W1, W2, ...; not gamma
        or beta) when weight decay is on: a NumPy number, as the book's (no graph is kept, so the
        book's loops may store every loss)."""
        with _numbers():
            return self.loss_tensor(x, t, train_flg).data[()]

    def accuracy(self, x, t, batch_size=100):
        """The fraction of x classified as t (labels, (N, 1) labels or one-hot rows), predicted
        batch by batch in evaluation mode (the last, shorter batch included)."""
        t = class_labels(t)
        if np.ndim(t) != 1:
            t = np.argmax(t, axis=1)
        correct = 0
        for i in range(0, len(x), batch_size):
            y = self.predict(x[i:i + batch_size], train_flg=False)
            correct += int(np.sum(np.argmax(y, axis=1) == t[i:i + batch_size]))
        return correct / len(x)

    def gradient(self, x, t):
        """Backprop of loss(x, t) in training mode: a dict of fresh arrays under params' keys."""
        for p in self._by_key.values():
            p.grad = None
        self.loss_tensor(x, t, train_flg=True).backward()
        return {key: p.grad.data for key, p in self._by_key.items()}

    def numerical_gradient(self, x, t):
        """Central differences of loss(x, t) in training mode for every parameter (slow: for checks)."""
        return {key: numerical_gradient(lambda _: self.loss(x, t, train_flg=True), self.params[key])
                for key in self.params}

    def save_params(self, file_name="params.npz"):
        """params, and batch normalization's running statistics, to an .npz (written atomically;
        whatever the name, as train_convnet.py's save_params("params.pkl"))."""
        self.save(file_name)

    def load_params(self, file_name="params.npz"):
        """Read an .npz of save_params, or the book's pickled params (`params.pkl`,
        `deep_convnet_params.pkl`), into the parameters' own arrays (params stays aliased). The
        pickle is read by a loader that admits NumPy arrays, dicts and lists only: a pickle naming
        anything else is refused by name, and nothing it names is run."""
        with open(file_name, "rb") as f:
            head = f.read(6)
        if head.startswith(NPZ_MAGIC):
            return self.load(file_name)
        state = load_arrays(file_name)
        if not isinstance(state, dict):
            raise ValueError(f"load_params: {file_name} holds a {type(state).__name__}, not a dict of "
                             "parameter name -> array")
        self.load_state_dict(state)
        return self

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


def _numbers():
    """Where the book's methods return numbers: nothing is recorded (the book's loops store every
    loss), except inside viz.record(), whose picture shows the ops behind the number."""
    return no_grad() if state.recorder is None else enable_grad()
