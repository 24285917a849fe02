"""Book 2's `common/` package (deep-learning-from-scratch-2) with its API, each layer only its forward.

    lstm = TimeLSTM(Wx, Wh, b, stateful=True)
    hs = lstm.forward(xs)            # (N, T, H)
    dxs = lstm.backward(dhs)         # BPTT; lstm.grads = [dWx, dWh, db], lstm.dh

A layer holds `params` (the caller's arrays, by reference) and `grads` (arrays of their shapes,
overwritten in place by each backward, as the book's are). `forward` runs the layer's formula
(nn.modules.recurrent, the op table) on Tensors and keeps the graph; `backward(dout)` hands dout to
`autograd.grad`, the engine's one backward, for the gradients of the inputs and the weights. No
layer here has a backward formula of its own: the LSTM's page of slices, TimeRNN's and TimeLSTM's
BPTT are what the engine does with their forwards.

Differences from the book's code: SoftmaxWithLoss and SigmoidWithLoss compute the exact loss
(no + 1e-7 inside the log); nothing changes `dout` or the inputs in place.
"""
import time

import numpy as np

import autograd
import autograd.functions as F
from autograd import Tensor, enable_grad, no_grad

from . import optim
from .book.seq2seq import AttentionSeq2seq, PeekySeq2seq, Rnnlm, Seq2seq, SimpleRnnlm  # book 2's models, here too
from .modules import recurrent as R


class Layer:
    """The adapter: `_forward(formula, *inputs)` and `_backward(*douts)`."""
    _graph = None

    def __init__(self, *params):
        self.params = list(params)
        self.grads = [np.zeros_like(p) for p in params]

    def _forward(self, formula, *inputs):
        """formula(*input Tensors, *weight Tensors) -> a Tensor or a tuple of them; returns their
        arrays. Only the inputs passed here get gradients: labels and ids go in the formula's closure."""
        with enable_grad():  # the book's layers always remember their forward for backward
            xs = [Tensor(_float(x, type(self).__name__), requires_grad=True) for x in inputs]
            ws = [Tensor(p, requires_grad=True) for p in self.params]  # no copy: the caller's arrays
            out = formula(*xs, *ws)
        outs = out if isinstance(out, tuple) else (out,)
        self._graph = (outs, xs, ws)
        values = tuple(o.data[()] if o.ndim == 0 else o.data for o in outs)
        return values if isinstance(out, tuple) else values[0]

    def _backward(self, *douts):
        """The gradients of the first len(douts) outputs, dout each, with respect to the inputs
        (returned: one array, a tuple, or None without inputs) and the weights (into `grads`)."""
        name = type(self).__name__
        if self._graph is None:
            raise RuntimeError(f"{name}.backward() called before {name}.forward()")
        outs, xs, ws = self._graph
        outs = outs[:len(douts)]
        seeds = []
        for o, d in zip(outs, douts):
            d = np.asarray(d.data if isinstance(d, Tensor) else d, dtype=o.dtype)
            try:
                seeds.append(np.broadcast_to(d, o.shape))
            except ValueError:
                raise ValueError(f"{name}.backward: dout of shape {d.shape} does not match the output "
                                 f"of forward, shape {o.shape}") from None
        gs = autograd.grad(outs, xs + ws, seeds, retain_graph=True, allow_unused=True)
        gs = [np.zeros_like(t.data) if g is None else g.data for t, g in zip(xs + ws, gs)]
        for dw, g in zip(self.grads, gs[len(xs):]):
            dw[...] = g
        dx = gs[:len(xs)]
        return None if not dx else dx[0] if len(dx) == 1 else tuple(dx)


def _float(x, layer):
    if isinstance(x, Tensor):
        raise TypeError(f"{layer}: the book's layers take arrays, not Tensors; use the nn modules on Tensors")
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


# --- common/layers.py -------------------------------------------------------------------------

class MatMul(Layer):
    """forward(x) -> x W; backward(dout) -> dx, grads [dW]."""

    def forward(self, x):
        return self._forward(lambda x, W: x @ W, x)

    def backward(self, dout):
        return self._backward(dout)


class Affine(Layer):
    """forward(x) -> x W + b; backward(dout) -> dx, grads [dW, db]."""

    def forward(self, x):
        return self._forward(F.affine, x)

    def backward(self, dout):
        return self._backward(dout)


class Softmax(Layer):
    """forward(x) -> softmax over the last axis; backward(dout) -> dx."""

    def forward(self, x):
        return self._forward(F.softmax, x)

    def backward(self, dout):
        return self._backward(dout)


class SoftmaxWithLoss(Layer):
    """forward(x, t) -> the mean cross-entropy of softmax(x) against labels or one-hot rows t;
    backward(dout=1) -> dout * (softmax(x) - t) / N."""

    def forward(self, x, t):
        return self._forward(lambda x: F.cross_entropy(x, t), x)

    def backward(self, dout=1):
        return self._backward(dout)


class Sigmoid(Layer):
    """forward(x) -> 1 / (1 + exp(-x)); backward(dout) -> dout * (1 - y) * y."""

    def forward(self, x):
        return self._forward(F.sigmoid, x)

    def backward(self, dout):
        return self._backward(dout)


class SigmoidWithLoss(Layer):
    """forward(x, t) -> the mean binary cross-entropy of y = sigmoid(x) against labels t (0 or 1);
    backward(dout=1) -> dout * (y - t) / N. As the book writes it, the two-class softmax of the
    scores (0, x), whose probabilities are (1 - y, y)."""

    def forward(self, x, t):
        t = np.asarray(t).astype(np.intp)
        return self._forward(lambda x: F.cross_entropy(F.stack([x * 0, x], axis=1), t), x)

    def backward(self, dout=1):
        return self._backward(dout)


class Dropout(Layer):
    """forward(x, train_flg=True) -> x * mask, mask = np.random.rand(*x.shape) > dropout_ratio,
    or x * (1 - dropout_ratio) when not training; backward(dout) -> dout * mask."""

    def __init__(self, dropout_ratio=0.5):
        super().__init__()
        self.dropout_ratio = dropout_ratio

    def forward(self, x, train_flg=True):
        return self._forward(lambda x: F.dropout(x, self.dropout_ratio, training=train_flg), x)

    def backward(self, dout):
        return self._backward(dout)


class Embedding(Layer):
    """forward(idx) -> W[idx]; backward(dout) -> None, grads [dW] with the rows of repeated ids summed."""

    def forward(self, idx):
        return self._forward(lambda W: W[np.asarray(idx)])

    def backward(self, dout):
        return self._backward(dout)


# --- common/time_layers.py --------------------------------------------------------------------

class RNN(Layer):
    """forward(x, h_prev) -> h_next = tanh(h_prev Wh + x Wx + b); backward(dh_next) -> (dx, dh_prev)."""

    def forward(self, x, h_prev):
        return self._forward(R.rnn_cell, x, h_prev)

    def backward(self, dh_next):
        return self._backward(dh_next)


class LSTM(Layer):
    """forward(x, h_prev, c_prev) -> (h_next, c_next), gates f, g, i, o side by side in Wx (D, 4H),
    Wh (H, 4H), b (4H,); backward(dh_next, dc_next) -> (dx, dh_prev, dc_prev)."""

    def forward(self, x, h_prev, c_prev):
        return self._forward(lambda x, h, c, Wx, Wh, b: R.lstm_cell(x @ Wx + h @ Wh + b, c), x, h_prev, c_prev)

    def backward(self, dh_next, dc_next):
        return self._backward(dh_next, dc_next)


class _Recurrent(Layer):
    """TimeRNN and TimeLSTM: the state (h, and c) kept between forwards when stateful."""
    state_names = ()

    def __init__(self, Wx, Wh, b, stateful=False):
        super().__init__(Wx, Wh, b)
        self.stateful = stateful
        self.dh = None
        self.reset_state()

    def reset_state(self):
        for name in self.state_names:
            setattr(self, name, None)

    def _run(self, formula, xs):
        xs = _float(xs, type(self).__name__)
        if xs.ndim != 3 or xs.shape[2] != self.params[0].shape[0]:
            raise ValueError(f"{type(self).__name__}.forward: expected xs of shape (N, T, "
                             f"{self.params[0].shape[0]}), got {xs.shape}")
        H = self.params[1].shape[0]
        state = []
        for name in self.state_names:
            s = getattr(self, name)
            if not self.stateful or s is None:
                s = np.zeros((len(xs), H), dtype=xs.dtype)
            state.append(s)
        hs, *last = self._forward(formula, xs, *state)
        for name, s in zip(self.state_names, last):
            setattr(self, name, s)
        return hs


class TimeRNN(_Recurrent):
    """forward(xs) -> hs (N, T, H); backward(dhs) -> dxs, keeping dh, the gradient of the first
    state. Stateful: each forward starts from the last one's h (set_state(h), reset_state())."""
    state_names = ("h",)

    def set_state(self, h):
        self.h = h

    def forward(self, xs):
        return self._run(R.time_rnn, xs)

    def backward(self, dhs):
        dxs, self.dh = self._backward(dhs)
        return dxs


class TimeLSTM(_Recurrent):
    """forward(xs) -> hs (N, T, H); backward(dhs) -> dxs, keeping dh. Stateful: each forward
    starts from the last one's (h, c); set_state(h, c=None) (c None: zeros), reset_state()."""
    state_names = ("h", "c")

    def set_state(self, h, c=None):
        self.h, self.c = h, c

    def forward(self, xs):
        return self._run(R.time_lstm, xs)

    def backward(self, dhs):
        dxs, self.dh, _ = self._backward(dhs)
        return dxs


class TimeEmbedding(Embedding):
    """forward(xs) -> W[xs] (N, T, D); backward(dout) -> None, grads [dW]."""


class TimeAffine(Layer):
    """forward(xs) -> xs W + b at every step (N, T, M); backward(dout) -> dxs, grads [dW, db]."""

    def forward(self, xs):
        return self._forward(R.time_affine, xs)

    def backward(self, dout):
        return self._backward(dout)


class TimeSoftmaxWithLoss(Layer):
    """forward(xs, ts) -> the mean cross-entropy over the steps whose label is not -1;
    backward(dout=1) -> dxs, zero at the ignored steps."""
    ignore_label = -1

    def forward(self, xs, ts):
        return self._forward(lambda xs: R.time_softmax_with_loss(xs, ts, self.ignore_label), xs)

    def backward(self, dout=1):
        return self._backward(dout)


class TimeDropout(Layer):
    """forward(xs) -> xs * mask / (1 - dropout_ratio), mask = np.random.rand(*xs.shape) >
    dropout_ratio, while `train_flg` (inverted dropout); xs itself otherwise. backward(dout) -> dxs."""

    def __init__(self, dropout_ratio=0.5):
        super().__init__()
        self.dropout_ratio = dropout_ratio
        self.train_flg = True

    def forward(self, xs):
        if not self.train_flg:  # the identity, recorded like any forward so that backward works
            return self._forward(lambda xs: xs * 1, xs)
        xs = _float(xs, "TimeDropout")
        # the book's mask: float32 (flg.astype(np.float32) * scale), whatever the data's dtype
        mask = (np.random.rand(*xs.shape) > self.dropout_ratio).astype(np.float32) * (1 / (1 - self.dropout_ratio))
        return self._forward(lambda xs: xs * mask, xs)

    def backward(self, dout):
        return self._backward(dout)


# --- common/optimizer.py: update(params, grads) over lists, in place -------------------------

class _ListOptimizer:
    """Book 2's optimizers: `update(params, grads)` changes each array of `params` in place, with
    per-parameter state (velocities, squared-gradient sums) made on the first update."""
    state_names = ()

    def update(self, params, grads):
        for name in self.state_names:
            if getattr(self, name) is None:
                setattr(self, name, [np.zeros_like(p) for p in params])
        self._step()
        for i, (p, g) in enumerate(zip(params, grads)):
            self._rule(p, g, *(getattr(self, name)[i] for name in self.state_names))

    def _step(self):
        pass


class SGD(_ListOptimizer):
    """W -= lr * dW"""

    def __init__(self, lr=0.01):
        self.lr = lr

    def _rule(self, p, g):
        optim.sgd_rule(p, g, self.lr)


class Momentum(_ListOptimizer):
    """v = momentum * v - lr * dW;  W += v"""
    state_names = ("v",)

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def _rule(self, p, g, v):
        optim.momentum_rule(p, g, v, self.lr, self.momentum)


class Nesterov(_ListOptimizer):
    """v = momentum * v - lr * dW;  W += momentum^2 * v - (1 + momentum) * lr * dW (the new v:
    book 2's order, not book 1's)"""
    state_names = ("v",)

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def _rule(self, p, g, v):
        optim.nesterov_velocity_first_rule(p, g, v, self.lr, self.momentum)


class AdaGrad(_ListOptimizer):
    """h += dW * dW;  W -= lr * dW / (sqrt(h) + 1e-7)"""
    state_names = ("h",)

    def __init__(self, lr=0.01):
        self.lr, self.h = lr, None

    def _rule(self, p, g, h):
        optim.adagrad_rule(p, g, h, self.lr, 1e-7)


class RMSprop(_ListOptimizer):
    """h = decay_rate * h + (1 - decay_rate) * dW * dW;  W -= lr * dW / (sqrt(h) + 1e-7)"""
    state_names = ("h",)

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate, self.h = lr, decay_rate, None

    def _rule(self, p, g, h):
        optim.rmsprop_rule(p, g, h, self.lr, self.decay_rate, 1e-7)


class Adam(_ListOptimizer):
    """m, v: running means of dW and dW^2; W -= lr_t * m / (sqrt(v) + 1e-7) with the bias
    correction in lr_t = lr * sqrt(1 - beta2^iter) / (1 - beta1^iter)."""
    state_names = ("m", "v")

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.iter, self.m, self.v = 0, None, None

    def _step(self):
        self.iter += 1

    def _rule(self, p, g, m, v):
        optim.adam_rule(p, g, m, v, self.iter, self.lr, self.beta1, self.beta2, 1e-7)


# --- common/util.py and common/trainer.py -----------------------------------------------------

def clip_grads(grads, max_norm):
    """Scale every gradient in place by max_norm / (their joint L2 norm + 1e-6) when below 1."""
    total_norm = np.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for g in grads:
            g *= rate


def remove_duplicate(params, grads):
    """The book's: a weight listed twice (shared) is kept once, its gradients summed; a weight
    listed once more as another's transpose (weight tying) likewise, the transposed gradient added."""
    params, grads = list(params), list(grads)
    i = 0
    while i < len(params):
        j = i + 1
        while j < len(params):
            a, b = params[i], params[j]
            if a is b:
                grads[i] = grads[i] + grads[j]
            elif a.ndim == 2 and b.ndim == 2 and a.T.shape == b.shape and np.array_equal(a.T, b):
                grads[i] = grads[i] + grads[j].T
            else:
                j += 1
                continue
            del params[j], grads[j]
        i += 1
    return params, grads


def _train_step(model, optimizer, x, t, max_grad):
    """One step of either trainer; returns the loss. A book optimizer (update(params, grads))
    updates model.params from model.grads; an nn.optim optimizer steps on the parameters' .grad."""
    if hasattr(optimizer, "zero_grad"):  # nn.optim: PyTorch's protocol
        optimizer.zero_grad()
        loss = model.forward(x, t)
        model.backward()
        if max_grad is not None:
            clip_grads([p.grad.data for p in optimizer.params if p.grad is not None], max_grad)
        optimizer.step()
        return loss
    loss = model.forward(x, t)
    model.backward()
    params, grads = remove_duplicate(model.params, model.grads)
    if max_grad is not None:
        clip_grads(grads, max_grad)
    optimizer.update(params, grads)
    return loss


class Trainer:
    """Book 2's Trainer: fit(x, t, max_epoch=10, batch_size=32, max_grad=None, eval_interval=20)
    shuffles each epoch, steps over the minibatches and appends the mean loss every eval_interval
    steps to loss_list. The optimizer is one of this module's or an nn.optim one built on
    model.parameters()."""

    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer
        self.loss_list = []
        self.eval_interval = None
        self.current_epoch = 0

    def fit(self, x, t, max_epoch=10, batch_size=32, max_grad=None, eval_interval=20):
        data_size = len(x)
        max_iters = data_size // batch_size
        self.eval_interval = eval_interval
        total_loss, loss_count = 0.0, 0
        start_time = time.time()
        for _ in range(max_epoch):
            idx = np.random.permutation(data_size)
            x, t = x[idx], t[idx]
            for iters in range(max_iters):
                batch = slice(iters * batch_size, (iters + 1) * batch_size)
                total_loss += _train_step(self.model, self.optimizer, x[batch], t[batch], max_grad)
                loss_count += 1
                if eval_interval is not None and iters % eval_interval == 0:
                    avg_loss = total_loss / loss_count
                    print(f"| epoch {self.current_epoch + 1} |  iter {iters + 1} / {max_iters} | "
                          f"time {time.time() - start_time:.0f}[s] | loss {avg_loss:.2f}")
                    self.loss_list.append(float(avg_loss))
                    total_loss, loss_count = 0.0, 0
            self.current_epoch += 1

    def plot(self, ylim=None):
        import matplotlib.pyplot as plt
        if ylim is not None:
            plt.ylim(*ylim)
        plt.plot(np.arange(len(self.loss_list)), self.loss_list, label="train")
        plt.xlabel(f"iterations (x{self.eval_interval})")
        plt.ylabel("loss")
        plt.show()


class RnnlmTrainer:
    """Book 2's RnnlmTrainer: fit(xs, ts, max_epoch=10, batch_size=20, time_size=35,
    max_grad=None, eval_interval=20) reads the corpus in batch_size parallel streams of
    time_size steps (truncated BPTT) and appends the perplexity to ppl_list."""

    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer
        self.time_idx = None
        self.ppl_list = None
        self.eval_interval = None
        self.current_epoch = 0

    def get_batch(self, x, t, batch_size, time_size):
        data_size = len(x)
        offsets = np.arange(batch_size)[:, None] * (data_size // batch_size)
        where = (offsets + self.time_idx + np.arange(time_size)) % data_size
        self.time_idx += time_size
        return np.asarray(x)[where].astype("i"), np.asarray(t)[where].astype("i")

    def fit(self, xs, ts, max_epoch=10, batch_size=20, time_size=35, max_grad=None, eval_interval=20):
        max_iters = len(xs) // (batch_size * time_size)
        self.time_idx = 0
        self.ppl_list = []
        self.eval_interval = eval_interval
        total_loss, loss_count = 0.0, 0
        start_time = time.time()
        for _ in range(max_epoch):
            for iters in range(max_iters):
                batch_x, batch_t = self.get_batch(xs, ts, batch_size, time_size)
                total_loss += _train_step(self.model, self.optimizer, batch_x, batch_t, max_grad)
                loss_count += 1
                if eval_interval is not None and iters % eval_interval == 0:
                    ppl = np.exp(total_loss / loss_count)
                    print(f"| epoch {self.current_epoch + 1} |  iter {iters + 1} / {max_iters} | "
                          f"time {time.time() - start_time:.0f}[s] | perplexity {ppl:.2f}")
                    self.ppl_list.append(float(ppl))
                    total_loss, loss_count = 0.0, 0
            self.current_epoch += 1

    def plot(self, ylim=None):
        import matplotlib.pyplot as plt
        if ylim is not None:
            plt.ylim(*ylim)
        plt.plot(np.arange(len(self.ppl_list)), self.ppl_list, label="train")
        plt.xlabel(f"iterations (x{self.eval_interval})")
        plt.ylabel("perplexity")
        plt.show()


def eval_seq2seq(model, question, correct, id_to_char, verbose=False, is_reverse=False):
    """1 if model.generate(question, ...) writes `correct` (its first id is the start id), else 0;
    verbose prints the question, the answer and the guess."""
    correct = np.asarray(correct).flatten()
    start_id, correct = correct[0], correct[1:]
    with no_grad():
        guess = model.generate(question, start_id, len(correct))
    question = "".join(id_to_char[int(c)] for c in np.asarray(question).flatten())
    correct = "".join(id_to_char[int(c)] for c in correct)
    guess = "".join(id_to_char[int(c)] for c in guess)
    if verbose:
        print("Q", question[::-1] if is_reverse else question)
        print("T", correct)
        print(("[ok] " if guess == correct else "[ng] ") + guess)
        print("---")
    return 1 if guess == correct else 0

__all__ = ["MatMul", "Affine", "Softmax", "SoftmaxWithLoss", "Sigmoid", "SigmoidWithLoss", "Dropout",
           "Embedding", "RNN", "TimeRNN", "LSTM", "TimeLSTM", "TimeEmbedding", "TimeAffine",
           "TimeSoftmaxWithLoss", "TimeDropout", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop",
           "Adam", "Trainer", "RnnlmTrainer", "clip_grads", "remove_duplicate", "eval_seq2seq",
           "SimpleRnnlm", "Rnnlm", "Seq2seq", "PeekySeq2seq", "AttentionSeq2seq"]
