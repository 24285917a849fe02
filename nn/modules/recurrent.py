"""Recurrent networks as Tensor formulas: the book's RNN and LSTM cells run over time, the
time-distributed affine and loss, dot-product attention, and PyTorch's `Embedding` and `LSTM`.

Each piece is its forward only; the engine's one backward does BPTT. `nn.textbook2` (book 2's
layers) and the book's models (`nn.book.seq2seq`) are built on these formulas, so each is written once.
The LSTM's four gates sit side by side in one weight matrix; the book orders them f, g, i, o,
PyTorch i, f, g, o: `lstm_cell` takes the order.
"""
import numpy as np

import autograd.functions as F
from autograd import Tensor

from .layers import _size
from .module import Module, Parameter

BOOK_GATES = "fgio"   # book 2's LSTM: A = [f | g | i | o]
TORCH_GATES = "ifgo"  # PyTorch's nn.LSTM: weight_ih = [W_i | W_f | W_g | W_o]


def rnn_cell(x, h_prev, Wx, Wh, b):
    """The book's RNN: h_next = tanh(h_prev Wh + x Wx + b)."""
    return F.tanh(h_prev @ Wh + x @ Wx + b)


def lstm_cell(A, c_prev, order=BOOK_GATES):
    """One LSTM step from the gates' affine sum A (N, 4H): f, i, o = sigmoid, g = tanh,
    c_next = f * c_prev + g * i, h_next = o * tanh(c_next). Returns (h_next, c_next)."""
    H = A.shape[1] // 4
    gate = {name: A[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    f, g, i, o = F.sigmoid(gate["f"]), F.tanh(gate["g"]), F.sigmoid(gate["i"]), F.sigmoid(gate["o"])
    c_next = f * c_prev + g * i
    return o * F.tanh(c_next), c_next


def time_rnn(xs, h, Wx, Wh, b):
    """The RNN over xs (N, T, D) from h (N, H): (hs (N, T, H), last h)."""
    hs = []
    for t in range(xs.shape[1]):
        h = rnn_cell(xs[:, t], h, Wx, Wh, b)
        hs.append(h)
    return F.stack(hs, axis=1), h


def time_lstm(xs, h, c, Wx, Wh, b, order=BOOK_GATES):
    """The LSTM over xs (N, T, D) from (h, c), A = x Wx + h Wh + b at each step, as the book
    writes it: (hs (N, T, H), last h, last c)."""
    hs = []
    for t in range(xs.shape[1]):
        h, c = lstm_cell(xs[:, t] @ Wx + h @ Wh + b, c, order)
        hs.append(h)
    return F.stack(hs, axis=1), h, c


def time_affine(xs, W, b):
    """x W + b at every step of xs (N, T, D): one product over the N*T rows, as the book does."""
    N, T = xs.shape[:2]
    return F.affine(xs.reshape(N * T, -1), W, b).reshape(N, T, -1)


def time_softmax_with_loss(xs, ts, ignore_label=-1):
    """The mean cross-entropy of softmax(xs) (N, T, V) against labels ts (N, T) (or one-hot rows
    (N, T, V)), over the steps whose label is not `ignore_label`; its gradient is the book's
    (softmax - t) / (labels counted), zero at the ignored steps."""
    N, T, V = xs.shape
    ts = np.asarray(ts)
    if ts.ndim == 3:
        ts = ts.argmax(axis=2)
    if ts.shape != (N, T):
        raise ValueError(f"TimeSoftmaxWithLoss: labels of shape {ts.shape} do not match scores of shape {xs.shape}")
    rows, labels = xs.reshape(N * T, V), ts.reshape(N * T)
    kept = labels != ignore_label
    if not kept.all():
        rows, labels = rows[np.flatnonzero(kept)], labels[kept]
    return F.cross_entropy(rows, labels)


def attention(enc_hs, dec_hs):
    """Dot-product attention (book 2, chapter 8): each decoder state (N, Td, H) weighs the
    encoder states (N, Te, H) by softmax(h . hs) and takes their weighted sum: (N, Td, H)."""
    weights = F.softmax(dec_hs @ enc_hs.transpose(0, 2, 1), axis=2)  # (N, Td, Te)
    return weights @ enc_hs


# --- PyTorch's modules ------------------------------------------------------------------------

def _uniform(shape, bound, dtype, rng):
    rng = np.random if rng is None else rng
    return rng.uniform(-bound, bound, shape).astype(dtype, copy=False)


class Embedding(Module):
    """PyTorch's nn.Embedding: `weight` (num_embeddings, embedding_dim), drawn from N(0, 1);
    forward(ids) -> weight[ids]; the gradient of a row used several times is the sum."""

    def __init__(self, num_embeddings, embedding_dim, dtype=np.float64, rng=None):
        n = _size("Embedding", "num_embeddings", num_embeddings)
        d = _size("Embedding", "embedding_dim", embedding_dim)
        rng = np.random if rng is None else rng
        self.weight = Parameter(rng.standard_normal((n, d)).astype(dtype, copy=False), name="weight")

    def forward(self, ids):
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"Embedding: ids must be integers, got dtype {ids.dtype}")
        n = self.weight.shape[0]
        if ids.size and (ids.min() < 0 or ids.max() >= n):
            raise IndexError(f"Embedding: ids must be in [0, {n}), got values from {ids.min()} to {ids.max()}")
        return self.weight[ids]


class LSTM(Module):
    """PyTorch's nn.LSTM (one layer, batch_first=True): inputs (N, T, input_size) -> (hs (N, T, H),
    (h, c) each (1, N, H)). Parameters `weight_ih_l0` (4H, input_size), `weight_hh_l0` (4H, H),
    `bias_ih_l0`, `bias_hh_l0` (4H,), gates in PyTorch's order i, f, g, o, drawn from
    U(-1/sqrt(H), 1/sqrt(H)) as PyTorch draws them: a PyTorch state dict loads as it is."""

    def __init__(self, input_size, hidden_size, dtype=np.float64, rng=None):
        D = _size("LSTM", "input_size", input_size)
        H = _size("LSTM", "hidden_size", hidden_size)
        bound = 1 / np.sqrt(H)
        self.weight_ih_l0 = Parameter(_uniform((4 * H, D), bound, dtype, rng), name="weight_ih_l0")
        self.weight_hh_l0 = Parameter(_uniform((4 * H, H), bound, dtype, rng), name="weight_hh_l0")
        self.bias_ih_l0 = Parameter(_uniform(4 * H, bound, dtype, rng), name="bias_ih_l0")
        self.bias_hh_l0 = Parameter(_uniform(4 * H, bound, dtype, rng), name="bias_hh_l0")
        self.input_size, self.hidden_size = D, H

    def forward(self, xs, hx=None):
        D, H = self.input_size, self.hidden_size
        if np.ndim(xs) != 3 or np.shape(xs)[2] != D:
            raise ValueError(f"LSTM: expected input of shape (N, T, {D}) (batch first), got {np.shape(xs)}")
        N = np.shape(xs)[0]
        if hx is None:
            h = c = Tensor(np.zeros((N, H), dtype=self.weight_hh_l0.dtype))
        else:
            h, c = hx
            if np.shape(h) != (1, N, H) or np.shape(c) != (1, N, H):
                raise ValueError(f"LSTM: hx must be (h0, c0), each of shape (1, {N}, {H}); "
                                 f"got {np.shape(h)} and {np.shape(c)}")
            h, c = h[0], c[0]
        hs, h, c = time_lstm(xs, h, c, self.weight_ih_l0.T, self.weight_hh_l0.T,
                             self.bias_ih_l0 + self.bias_hh_l0, TORCH_GATES)
        return hs, (h.reshape(1, N, H), c.reshape(1, N, H))
