"""Book 2's models with the book's API, each an nn.Module too: `SimpleRnnlm` (ch. 5), `Rnnlm`
(ch. 6), `Seq2seq`, `PeekySeq2seq` (ch. 7) and `AttentionSeq2seq` (ch. 8).

    model = PeekySeq2seq(vocab_size, wordvec_size=16, hidden_size=128)
    loss = model.forward(xs, ts)      # a number, as the book's
    model.backward()                  # model.grads (arrays) and each parameter's .grad
    Adam().update(model.params, model.grads)              # the book's optimizer, or
    nn.optim.Adam(model.parameters()).step()              # PyTorch's way

`params` are the parameters' own arrays (an update in place trains the model), `grads` arrays of
their shapes that each backward overwrites, as the book's; backward also adds the gradients to
the parameters' `.grad`, as PyTorch's does, for nn.optim. The weights start as the book's do
(np.random.randn scaled by 1/100 for embeddings, 1/sqrt(fan-in) for the rest, zero biases), in
float32 unless dtype= says otherwise. Forward is the formulas of nn.modules.recurrent; BPTT is the engine's.
"""
import numpy as np

import autograd.functions as F
from autograd import Tensor, no_grad

from ..modules import recurrent as R
from ..modules.layers import _randn, _size
from ..modules.module import Module, Parameter
from .model import BookModel


def _weight(shape, std, dtype, rng, name):
    return Parameter(_randn(shape, std, dtype, rng), name=name)


def _zeros(n, dtype, name):
    return Parameter(np.zeros(n, dtype=dtype), name=name)


def _ids(xs, model, what="xs"):
    xs = np.asarray(xs)
    if xs.ndim != 2 or xs.dtype.kind not in "iu":
        raise ValueError(f"{model}: {what} must be integer ids of shape (N, T), got {xs.dtype} of shape {xs.shape}")
    return xs


# --- language models (chapters 5 and 6) -------------------------------------------------------

class SimpleRnnlm(BookModel):
    """Embedding - RNN (stateful) - affine - softmax over the next word, at every step."""

    def __init__(self, vocab_size, wordvec_size, hidden_size, dtype=np.float32, rng=None):
        V, D, H = (_size(type(self).__name__, n, v) for n, v in
                   (("vocab_size", vocab_size), ("wordvec_size", wordvec_size), ("hidden_size", hidden_size)))
        self.embed_W = _weight((V, D), 0.01, dtype, rng, "embed_W")
        self.rnn_Wx = _weight((D, H), 1 / np.sqrt(D), dtype, rng, "rnn_Wx")
        self.rnn_Wh = _weight((H, H), 1 / np.sqrt(H), dtype, rng, "rnn_Wh")
        self.rnn_b = _zeros(H, dtype, "rnn_b")
        self.affine_W = _weight((H, V), 1 / np.sqrt(H), dtype, rng, "affine_W")
        self.affine_b = _zeros(V, dtype, "affine_b")
        self.reset_state()

    def reset_state(self):
        self.h = None

    def _state(self, n, dtype):
        return Tensor(np.zeros((n, self.rnn_Wh.shape[0]), dtype) if self.h is None else self.h)

    def predict(self, xs):
        xs = _ids(xs, type(self).__name__)
        hs, h = R.time_rnn(self.embed_W[xs], self._state(len(xs), self.rnn_Wh.dtype),
                           self.rnn_Wx, self.rnn_Wh, self.rnn_b)
        self.h = h.data  # the next batch goes on from here; its gradient stops here (truncated BPTT)
        return R.time_affine(hs, self.affine_W, self.affine_b)

    def forward(self, xs, ts):
        return self._remember(R.time_softmax_with_loss(self.predict(xs), ts))


class Rnnlm(BookModel):
    """Embedding - LSTM (stateful) - affine - softmax over the next word, at every step."""

    def __init__(self, vocab_size=10000, wordvec_size=100, hidden_size=100, dtype=np.float32, rng=None):
        V, D, H = (_size(type(self).__name__, n, v) for n, v in
                   (("vocab_size", vocab_size), ("wordvec_size", wordvec_size), ("hidden_size", hidden_size)))
        self.embed_W = _weight((V, D), 0.01, dtype, rng, "embed_W")
        self.lstm_Wx = _weight((D, 4 * H), 1 / np.sqrt(D), dtype, rng, "lstm_Wx")
        self.lstm_Wh = _weight((H, 4 * H), 1 / np.sqrt(H), dtype, rng, "lstm_Wh")
        self.lstm_b = _zeros(4 * H, dtype, "lstm_b")
        self.affine_W = _weight((H, V), 1 / np.sqrt(H), dtype, rng, "affine_W")
        self.affine_b = _zeros(V, dtype, "affine_b")
        self.reset_state()

    def reset_state(self):
        self.h = self.c = None

    def predict(self, xs):
        """The scores (N, T, V) of the next word after each of xs (N, T)."""
        xs = _ids(xs, type(self).__name__)
        H = self.lstm_Wh.shape[0]
        zeros = np.zeros((len(xs), H), self.lstm_Wh.dtype)
        h, c = (Tensor(zeros if s is None else s) for s in (self.h, self.c))
        hs, h, c = R.time_lstm(self.embed_W[xs], h, c, self.lstm_Wx, self.lstm_Wh, self.lstm_b)
        self.h, self.c = h.data, c.data  # truncated BPTT: the next batch starts from these values
        return R.time_affine(hs, self.affine_W, self.affine_b)

    def forward(self, xs, ts):
        return self._remember(R.time_softmax_with_loss(self.predict(xs), ts))


# --- seq2seq (chapters 7 and 8) ---------------------------------------------------------------

class Encoder(Module):
    """Embedding - LSTM over the question; forward(xs) -> the last hidden state (N, H)."""

    def __init__(self, vocab_size, wordvec_size, hidden_size, dtype=np.float32, rng=None):
        V, D, H = vocab_size, wordvec_size, hidden_size
        self.embed_W = _weight((V, D), 0.01, dtype, rng, "embed_W")
        self.lstm_Wx = _weight((D, 4 * H), 1 / np.sqrt(D), dtype, rng, "lstm_Wx")
        self.lstm_Wh = _weight((H, 4 * H), 1 / np.sqrt(H), dtype, rng, "lstm_Wh")
        self.lstm_b = _zeros(4 * H, dtype, "lstm_b")

    def states(self, xs):
        zeros = Tensor(np.zeros((len(xs), self.lstm_Wh.shape[0]), self.lstm_Wh.dtype))
        hs, _, _ = R.time_lstm(self.embed_W[xs], zeros, zeros, self.lstm_Wx, self.lstm_Wh, self.lstm_b)
        return hs

    def forward(self, xs):
        return self.states(xs)[:, -1]


class Decoder(Module):
    """Embedding - LSTM started from the encoder's state - affine: the scores of each next
    character. forward(xs, h) -> scores (N, T, V); generate(h, start_id, sample_size) -> ids."""
    affine_in = 1  # the affine layer reads H * affine_in features

    def __init__(self, vocab_size, wordvec_size, hidden_size, dtype=np.float32, rng=None, lstm_in=None):
        V, D, H = vocab_size, wordvec_size, hidden_size
        lstm_in = D if lstm_in is None else lstm_in
        self.embed_W = _weight((V, D), 0.01, dtype, rng, "embed_W")
        self.lstm_Wx = _weight((lstm_in, 4 * H), 1 / np.sqrt(lstm_in), dtype, rng, "lstm_Wx")
        self.lstm_Wh = _weight((H, 4 * H), 1 / np.sqrt(H), dtype, rng, "lstm_Wh")
        self.lstm_b = _zeros(4 * H, dtype, "lstm_b")
        self.affine_W = _weight((self.affine_in * H, V), 1 / np.sqrt(self.affine_in * H), dtype, rng, "affine_W")
        self.affine_b = _zeros(V, dtype, "affine_b")

    def start(self, enc):
        """The LSTM's first state (h, c) from what the encoder gave."""
        return enc, Tensor(np.zeros(enc.shape, enc.dtype))

    def steps(self, xs, h, c, enc):
        """The scores for xs (N, T) from the state (h, c): (scores, h, c)."""
        hs, h, c = R.time_lstm(self.embed_W[xs], h, c, self.lstm_Wx, self.lstm_Wh, self.lstm_b)
        return R.time_affine(hs, self.affine_W, self.affine_b), h, c

    def forward(self, xs, enc):
        h, c = self.start(enc)
        return self.steps(xs, h, c, enc)[0]

    def generate(self, enc, start_id, sample_size):
        """Greedy decoding from start_id, each step fed its own argmax: ids (N, sample_size)."""
        ids = np.full((len(enc), 1), start_id)
        h, c = self.start(enc)
        sampled = []
        for _ in range(sample_size):
            scores, h, c = self.steps(ids, h, c, enc)
            ids = scores.data[:, -1].argmax(axis=1)[:, None]
            sampled.append(ids)
        return np.concatenate(sampled, axis=1) if sampled else np.zeros((len(enc), 0), dtype=int)


class PeekyDecoder(Decoder):
    """The decoder that peeks: the encoder's state goes, beside the input, into the LSTM and the
    affine layer at every step."""
    affine_in = 2

    def __init__(self, vocab_size, wordvec_size, hidden_size, dtype=np.float32, rng=None):
        super().__init__(vocab_size, wordvec_size, hidden_size, dtype, rng, lstm_in=hidden_size + wordvec_size)

    def steps(self, xs, h, c, enc):
        N, T = xs.shape
        peek = F.broadcast_to(enc.reshape(N, 1, -1), (N, T, enc.shape[1]))
        out = F.concatenate([peek, self.embed_W[xs]], axis=2)
        hs, h, c = R.time_lstm(out, h, c, self.lstm_Wx, self.lstm_Wh, self.lstm_b)
        out = F.concatenate([peek, hs], axis=2)
        return R.time_affine(out, self.affine_W, self.affine_b), h, c


class AttentionEncoder(Encoder):
    """The encoder that hands over all its hidden states (N, T, H)."""

    def forward(self, xs):
        return self.states(xs)


class AttentionDecoder(Decoder):
    """The decoder with attention: each step's state weighs the encoder's states; the weighted
    sum (the context) and the state go into the affine layer."""
    affine_in = 2

    def start(self, enc_hs):
        return super().start(enc_hs[:, -1])

    def steps(self, xs, h, c, enc_hs):
        dec_hs, h, c = R.time_lstm(self.embed_W[xs], h, c, self.lstm_Wx, self.lstm_Wh, self.lstm_b)
        out = F.concatenate([R.attention(enc_hs, dec_hs), dec_hs], axis=2)
        return R.time_affine(out, self.affine_W, self.affine_b), h, c


class Seq2seq(BookModel):
    """Encoder - decoder for questions and answers of character ids: the decoder reads the
    answer's ids but the last and is scored on the answer's ids but the first (teacher forcing)."""
    encoder_class, decoder_class = Encoder, Decoder

    def __init__(self, vocab_size, wordvec_size, hidden_size, dtype=np.float32, rng=None):
        name = type(self).__name__
        V, D, H = (_size(name, n, v) for n, v in
                   (("vocab_size", vocab_size), ("wordvec_size", wordvec_size), ("hidden_size", hidden_size)))
        self.encoder = self.encoder_class(V, D, H, dtype, rng)
        self.decoder = self.decoder_class(V, D, H, dtype, rng)

    def forward(self, xs, ts):
        name = type(self).__name__
        xs, ts = _ids(xs, name), _ids(ts, name, "ts")
        scores = self.decoder(ts[:, :-1], self.encoder(xs))
        return self._remember(R.time_softmax_with_loss(scores, ts[:, 1:]))

    def generate(self, xs, start_id, sample_size):
        """The answer to the question xs (1, T) as a list of sample_size ids, each the argmax
        after the one before; for N questions (N, T), a list of N such lists."""
        xs = _ids(xs, type(self).__name__)
        with no_grad():
            ids = self.decoder.generate(self.encoder(xs), start_id, sample_size)
        return ids[0].tolist() if len(xs) == 1 else ids.tolist()


class PeekySeq2seq(Seq2seq):
    """Seq2seq whose decoder peeks at the encoder's state at every step."""
    decoder_class = PeekyDecoder


class AttentionSeq2seq(Seq2seq):
    """Seq2seq whose decoder attends to all the encoder's states."""
    encoder_class, decoder_class = AttentionEncoder, AttentionDecoder


__all__ = ["SimpleRnnlm", "Rnnlm", "Seq2seq", "PeekySeq2seq", "AttentionSeq2seq"]
