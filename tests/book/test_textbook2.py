"""nn.textbook2: book 2's layers, Time layers, optimizers and trainers. Every layer's values and
gradients equal a raw-NumPy copy of the book's formulas (the references below, written as the
book's common/layers.py and common/time_layers.py compute them, backward by hand) to 1e-9."""
import numpy as np
import pytest

import nn
from nn import textbook2 as tb

TOL = dict(rtol=1e-9, atol=1e-12)


def close(a, b):
    np.testing.assert_allclose(a, b, **TOL)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# --- the book's formulas in raw NumPy, backward written by hand, as the book writes them -----

def ref_rnn(x, h_prev, Wx, Wh, b):
    return np.tanh(h_prev @ Wh + x @ Wx + b)


def ref_rnn_backward(dh_next, x, h_prev, h_next, Wx, Wh):
    dt = dh_next * (1 - h_next ** 2)
    return dt @ Wx.T, dt @ Wh.T, x.T @ dt, h_prev.T @ dt, dt.sum(axis=0)  # dx, dh, dWx, dWh, db


def ref_lstm(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    A = x @ Wx + h_prev @ Wh + b
    f, g, i, o = sigmoid(A[:, :H]), np.tanh(A[:, H:2 * H]), sigmoid(A[:, 2 * H:3 * H]), sigmoid(A[:, 3 * H:])
    c_next = f * c_prev + g * i
    return o * np.tanh(c_next), c_next, (f, g, i, o)


def ref_lstm_backward(dh_next, dc_next, x, h_prev, c_prev, c_next, gates, Wx, Wh):
    f, g, i, o = gates
    tc = np.tanh(c_next)
    ds = dc_next + (dh_next * o) * (1 - tc ** 2)
    dA = np.hstack((ds * c_prev * f * (1 - f), ds * i * (1 - g ** 2), ds * g * i * (1 - i), dh_next * tc * o * (1 - o)))
    return dA @ Wx.T, dA @ Wh.T, ds * f, x.T @ dA, h_prev.T @ dA, dA.sum(axis=0)  # dx, dh, dc, dWx, dWh, db


def ref_time_lstm(xs, Wx, Wh, b, h, c, dhs):
    """Forward over time, then BPTT by hand: (hs, h, c, dxs, dh0, [dWx, dWh, db])."""
    caches, hs = [], []
    for t in range(xs.shape[1]):
        h_prev, c_prev = h, c
        h, c, gates = ref_lstm(xs[:, t], h_prev, c_prev, Wx, Wh, b)
        caches.append((xs[:, t], h_prev, c_prev, c, gates))
        hs.append(h)
    dxs, dh, dc, grads = np.empty_like(xs), 0, 0, [0, 0, 0]
    for t in reversed(range(xs.shape[1])):
        x, h_prev, c_prev, c_next, gates = caches[t]
        dx, dh, dc, *dw = ref_lstm_backward(dhs[:, t] + dh, dc, x, h_prev, c_prev, c_next, gates, Wx, Wh)
        dxs[:, t] = dx
        grads = [a + d for a, d in zip(grads, dw)]
    return np.stack(hs, axis=1), h, c, dxs, dh, grads


def ref_time_rnn(xs, Wx, Wh, b, h, dhs):
    caches, hs = [], []
    for t in range(xs.shape[1]):
        h_prev = h
        h = ref_rnn(xs[:, t], h_prev, Wx, Wh, b)
        caches.append((xs[:, t], h_prev, h))
        hs.append(h)
    dxs, dh, grads = np.empty_like(xs), 0, [0, 0, 0]
    for t in reversed(range(xs.shape[1])):
        x, h_prev, h_next = caches[t]
        dx, dh, *dw = ref_rnn_backward(dhs[:, t] + dh, x, h_prev, h_next, Wx, Wh)
        dxs[:, t] = dx
        grads = [a + d for a, d in zip(grads, dw)]
    return np.stack(hs, axis=1), h, dxs, dh, grads


def ref_time_softmax_with_loss(xs, ts, dout=1.0):
    N, T, V = xs.shape
    ts, mask = ts.reshape(N * T), (ts != -1).reshape(N * T)
    ys = softmax(xs.reshape(N * T, V))
    safe = np.where(mask, ts, 0)
    loss = -np.sum(np.log(ys[np.arange(N * T), safe]) * mask) / mask.sum()
    dx = ys.copy()
    dx[np.arange(N * T), safe] -= 1
    dx *= dout / mask.sum()
    dx *= mask[:, None]
    return loss, dx.reshape(N, T, V)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def lstm_weights(rng, D, H):
    return rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)


# --- common/layers.py ---------------------------------------------------------------------------

def test_matmul_and_affine_are_the_books(rng):
    x, W, b, dout = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal((4, 5))
    layer = tb.MatMul(W)
    close(layer.forward(x), x @ W)
    close(layer.backward(dout), dout @ W.T)
    close(layer.grads[0], x.T @ dout)
    layer = tb.Affine(W, b)
    grads = layer.grads
    close(layer.forward(x), x @ W + b)
    close(layer.backward(dout), dout @ W.T)
    assert layer.grads is grads and layer.params[0] is W  # grads overwritten in place, weights by reference
    close(grads[0], x.T @ dout)
    close(grads[1], dout.sum(axis=0))


def test_softmax_sigmoid_and_their_losses_are_the_books(rng):
    x, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    y = softmax(x)
    layer = tb.Softmax()
    close(layer.forward(x), y)
    close(layer.backward(dout), y * dout - y * np.sum(y * dout, axis=1, keepdims=True))
    t = np.array([0, 2, 1, 2])
    layer = tb.SoftmaxWithLoss()
    close(layer.forward(x, t), -np.mean(np.log(y[np.arange(4), t])))
    d = y.copy()
    d[np.arange(4), t] -= 1
    close(layer.backward(), d / 4)
    close(tb.SoftmaxWithLoss().forward(x, np.eye(3)[t]), -np.mean(np.log(y[np.arange(4), t])))  # one-hot labels

    layer = tb.Sigmoid()
    s = sigmoid(x)
    close(layer.forward(x), s)
    close(layer.backward(dout), dout * (1 - s) * s)
    x1, t1 = rng.standard_normal(6), np.array([0, 1, 1, 0, 1, 0])
    y1 = sigmoid(x1)
    layer = tb.SigmoidWithLoss()
    # the book's cross_entropy_error(np.c_[1 - y, y], t), without its + 1e-7 inside the log
    close(layer.forward(x1, t1), -np.mean(np.log(np.c_[1 - y1, y1][np.arange(6), t1])))
    close(layer.backward(2.0), (y1 - t1) * 2.0 / 6)


def test_dropout_is_the_books(rng):
    x, dout = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    np.random.seed(3)
    mask = np.random.rand(5, 4) > 0.3
    np.random.seed(3)
    layer = tb.Dropout(0.3)
    close(layer.forward(x), x * mask)
    close(layer.backward(dout), dout * mask)
    close(layer.forward(x, train_flg=False), x * 0.7)


def test_embedding_sums_the_gradients_of_repeated_ids(rng):
    W, idx, dout = rng.standard_normal((5, 3)), np.array([0, 2, 0, 4, 0]), rng.standard_normal((5, 3))
    layer = tb.Embedding(W)
    close(layer.forward(idx), W[idx])
    assert layer.backward(dout) is None
    expected = np.zeros_like(W)
    np.add.at(expected, idx, dout)  # the book's Embedding.backward
    close(layer.grads[0], expected)
    assert np.allclose(layer.grads[0][0], dout[[0, 2, 4]].sum(axis=0))


# --- common/time_layers.py ----------------------------------------------------------------------

def test_rnn_cell_is_the_books(rng):
    Wx, Wh, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 4)), rng.standard_normal(4)
    x, h, dh = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    layer = tb.RNN(Wx, Wh, b)
    h_next = layer.forward(x, h)
    close(h_next, ref_rnn(x, h, Wx, Wh, b))
    dx, dh_prev = layer.backward(dh)
    rdx, rdh, *rgrads = ref_rnn_backward(dh, x, h, h_next, Wx, Wh)
    close(dx, rdx)
    close(dh_prev, rdh)
    for g, r in zip(layer.grads, rgrads):
        close(g, r)


def test_lstm_cell_is_the_books_gate_order_f_g_i_o(rng):
    D, H = 3, 4
    Wx, Wh, b = lstm_weights(rng, D, H)
    x, h, c = rng.standard_normal((2, D)), rng.standard_normal((2, H)), rng.standard_normal((2, H))
    dh, dc = rng.standard_normal((2, H)), rng.standard_normal((2, H))
    layer = tb.LSTM(Wx, Wh, b)
    h_next, c_next = layer.forward(x, h, c)
    rh, rc, gates = ref_lstm(x, h, c, Wx, Wh, b)
    close(h_next, rh)
    close(c_next, rc)
    dx, dh_prev, dc_prev = layer.backward(dh, dc)
    rdx, rdh, rdc, *rgrads = ref_lstm_backward(dh, dc, x, h, c, rc, gates, Wx, Wh)
    for got, want in zip([dx, dh_prev, dc_prev, *layer.grads], [rdx, rdh, rdc, *rgrads]):
        close(got, want)


def test_time_lstm_is_the_books_bptt(rng):
    N, T, D, H = 2, 5, 3, 4
    Wx, Wh, b = lstm_weights(rng, D, H)
    xs, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    layer = tb.TimeLSTM(Wx, Wh, b)
    hs = layer.forward(xs)
    zeros = np.zeros((N, H))
    rhs, rh, rc, rdxs, rdh, rgrads = ref_time_lstm(xs, Wx, Wh, b, zeros, zeros, dhs)
    close(hs, rhs)
    close(layer.backward(dhs), rdxs)
    close(layer.dh, rdh)
    for g, r in zip(layer.grads, rgrads):
        close(g, r)


def test_stateful_time_lstm_goes_on_from_its_last_state_and_set_state(rng):
    N, T, D, H = 2, 3, 3, 4
    Wx, Wh, b = lstm_weights(rng, D, H)
    x1, x2, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    layer = tb.TimeLSTM(Wx, Wh, b, stateful=True)
    layer.forward(x1)
    zeros = np.zeros((N, H))
    _, h1, c1, *_ = ref_time_lstm(x1, Wx, Wh, b, zeros, zeros, dhs)
    hs2 = layer.forward(x2)
    rhs2, _, _, rdxs, rdh, _ = ref_time_lstm(x2, Wx, Wh, b, h1, c1, dhs)
    close(hs2, rhs2)
    close(layer.backward(dhs), rdxs)
    close(layer.dh, rdh)
    h0 = rng.standard_normal((N, H))
    layer.set_state(h0)  # c=None: zeros
    close(layer.forward(x1), ref_time_lstm(x1, Wx, Wh, b, h0, zeros, dhs)[0])
    layer.reset_state()
    close(layer.forward(x1), ref_time_lstm(x1, Wx, Wh, b, zeros, zeros, dhs)[0])
    # not stateful: every forward starts from zeros
    plain = tb.TimeLSTM(Wx, Wh, b)
    plain.forward(x1)
    close(plain.forward(x1), ref_time_lstm(x1, Wx, Wh, b, zeros, zeros, dhs)[0])


def test_time_rnn_is_the_books_bptt(rng):
    N, T, D, H = 2, 4, 3, 5
    Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)), rng.standard_normal(H)
    xs, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    layer = tb.TimeRNN(Wx, Wh, b, stateful=True)
    h0 = rng.standard_normal((N, H))
    layer.set_state(h0)
    rhs, rh, rdxs, rdh, rgrads = ref_time_rnn(xs, Wx, Wh, b, h0, dhs)
    close(layer.forward(xs), rhs)
    close(layer.h, rh)
    close(layer.backward(dhs), rdxs)
    close(layer.dh, rdh)
    for g, r in zip(layer.grads, rgrads):
        close(g, r)


def test_time_embedding_affine_and_dropout_are_the_books(rng):
    W, xs = rng.standard_normal((6, 3)), np.array([[0, 1, 0], [5, 0, 2]])
    dout = rng.standard_normal((2, 3, 3))
    layer = tb.TimeEmbedding(W)
    close(layer.forward(xs), W[xs])
    assert layer.backward(dout) is None
    expected = np.zeros_like(W)
    np.add.at(expected, xs, dout)
    close(layer.grads[0], expected)

    A, b, hs, dout = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 4))
    layer = tb.TimeAffine(A, b)
    close(layer.forward(hs), (hs.reshape(6, 3) @ A + b).reshape(2, 3, 4))
    close(layer.backward(dout), (dout.reshape(6, 4) @ A.T).reshape(2, 3, 3))
    close(layer.grads[0], hs.reshape(6, 3).T @ dout.reshape(6, 4))
    close(layer.grads[1], dout.reshape(6, 4).sum(axis=0))

    np.random.seed(5)
    mask = (np.random.rand(2, 3, 3) > 0.4).astype(np.float32) * (1 / 0.6)
    np.random.seed(5)
    layer = tb.TimeDropout(0.4)
    close(layer.forward(hs), hs * mask)
    close(layer.backward(dout[..., :3]), dout[..., :3] * mask)
    layer.train_flg = False
    close(layer.forward(hs), hs)


def test_time_softmax_with_loss_ignores_label_minus_one(rng):
    xs = rng.standard_normal((2, 4, 5))
    ts = np.array([[1, -1, 3, 0], [-1, -1, 4, 2]])
    layer = tb.TimeSoftmaxWithLoss()
    loss, dx = ref_time_softmax_with_loss(xs, ts, dout=3.0)
    close(layer.forward(xs, ts), loss)
    got = layer.backward(3.0)
    close(got, dx)
    assert np.all(got[ts == -1] == 0)
    # the mean is over the five labelled steps only
    kept = ts != -1
    close(loss, -np.mean(np.log(softmax(xs)[kept, ts[kept]])))
    # no label ignored: the mean over all N * T steps; one-hot labels as well
    full = np.array([[1, 2, 3, 0], [0, 1, 4, 2]])
    close(tb.TimeSoftmaxWithLoss().forward(xs, full), ref_time_softmax_with_loss(xs, full)[0])
    close(tb.TimeSoftmaxWithLoss().forward(xs, np.eye(5)[full]), ref_time_softmax_with_loss(xs, full)[0])


def test_a_float32_layer_stays_float32(rng):
    Wx, Wh, b = (w.astype(np.float32) for w in lstm_weights(rng, 3, 2))
    layer = tb.TimeLSTM(Wx, Wh, b)
    hs = layer.forward(rng.standard_normal((2, 3, 3)).astype(np.float32))
    assert hs.dtype == np.float32
    assert layer.backward(np.ones_like(hs)).dtype == np.float32 and layer.grads[0].dtype == np.float32


def test_backward_before_forward_and_a_misshapen_dout_are_named_errors(rng):
    Wx, Wh, b = lstm_weights(rng, 3, 2)
    layer = tb.TimeLSTM(Wx, Wh, b)
    with pytest.raises(RuntimeError, match=r"TimeLSTM.backward\(\) called before TimeLSTM.forward\(\)"):
        layer.backward(np.ones((1, 1, 2)))
    layer.forward(np.ones((2, 3, 3)))
    with pytest.raises(ValueError, match=r"TimeLSTM.backward: dout of shape \(5,\) does not match .* \(2, 3, 2\)"):
        layer.backward(np.ones(5))
    with pytest.raises(ValueError, match=r"TimeLSTM.forward: expected xs of shape \(N, T, 3\), got \(2, 3\)"):
        layer.forward(np.ones((2, 3)))


# --- optimizers, clipping, the trainers ---------------------------------------------------------

def book_optimizer_steps(name, params, grads_seq, **kw):
    """The book's update rules, written out for one list of arrays."""
    lr = kw.get("lr", 0.01 if name != "Adam" else 0.001)
    state = [np.zeros_like(p) for p in params]
    state2 = [np.zeros_like(p) for p in params]
    for it, grads in enumerate(grads_seq, 1):
        for p, g, s, s2 in zip(params, grads, state, state2):
            if name == "SGD":
                p -= lr * g
            elif name == "Momentum":
                s[...] = 0.9 * s - lr * g
                p += s
            elif name == "Nesterov":
                s[...] = 0.9 * s - lr * g
                p += 0.9 * 0.9 * s - (1 + 0.9) * lr * g
            elif name == "AdaGrad":
                s += g * g
                p -= lr * g / (np.sqrt(s) + 1e-7)
            elif name == "RMSprop":
                s[...] = 0.99 * s + 0.01 * g * g
                p -= lr * g / (np.sqrt(s) + 1e-7)
            elif name == "Adam":
                lr_t = lr * np.sqrt(1 - 0.999 ** it) / (1 - 0.9 ** it)
                s += 0.1 * (g - s)
                s2 += 0.001 * (g ** 2 - s2)
                p -= lr_t * s / (np.sqrt(s2) + 1e-7)


@pytest.mark.parametrize("name", ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"])
def test_optimizers_update_lists_in_place_by_the_books_rules(name, rng):
    params = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    expected = [p.copy() for p in params]
    grads_seq = [[rng.standard_normal(p.shape) for p in params] for _ in range(3)]
    opt = getattr(tb, name)()
    arrays = list(params)
    for grads in grads_seq:
        opt.update(params, grads)
    book_optimizer_steps(name, expected, grads_seq)
    assert all(a is p for a, p in zip(arrays, params))
    for p, e in zip(params, expected):
        close(p, e)


def test_clip_grads_scales_to_the_joint_norm_and_leaves_small_ones(rng):
    grads = [np.full((2, 2), 3.0), np.full(2, 4.0)]  # norm sqrt(4*9 + 2*16) = sqrt(68)
    tb.clip_grads(grads, 1.0)
    rate = 1.0 / (np.sqrt(68) + 1e-6)
    close(grads[0], np.full((2, 2), 3.0 * rate))
    close(grads[1], np.full(2, 4.0 * rate))
    small = [np.full(2, 0.1)]
    tb.clip_grads(small, 5.0)
    close(small[0], np.full(2, 0.1))


def test_remove_duplicate_merges_shared_and_tied_weights():
    W, b = np.arange(6.0).reshape(2, 3), np.ones(3)
    params, grads = tb.remove_duplicate([W, b, W, W.T.copy()], [np.ones((2, 3)), np.ones(3), 2 * np.ones((2, 3)), 3 * np.ones((3, 2))])
    assert len(params) == 2 and params[0] is W and params[1] is b
    close(grads[0], 6 * np.ones((2, 3)))


def addition_sample(n=256):
    from nn.datasets import sequence
    (x, t), _ = sequence.load_data("addition.txt", seed=1984)
    return x[:n, ::-1].copy(), t[:n], len(sequence.get_vocab()[0])


def test_trainer_with_the_books_adam_and_with_nn_optim_learns(capsys):
    x, t, V = addition_sample()
    for make in (lambda m: tb.Adam(0.01), lambda m: nn.optim.Adam(m.parameters(), lr=0.01)):
        np.random.seed(0)
        model = nn.PeekySeq2seq(V, 8, 16)
        trainer = nn.Trainer(model, make(model))
        trainer.fit(x, t, max_epoch=6, batch_size=32, max_grad=5.0, eval_interval=4)
        assert trainer.current_epoch == 6 and len(trainer.loss_list) == 12
        assert trainer.loss_list[-1] < 0.8 * trainer.loss_list[0]
    assert "| epoch 6 |  iter 5 / 8 |" in capsys.readouterr().out
    assert nn.Trainer is tb.Trainer and nn.eval_seq2seq is tb.eval_seq2seq


def test_nn_optim_and_the_books_adam_take_the_same_step_without_clipping():
    x, t, V = addition_sample(64)
    models = []
    for make in (lambda m: tb.Adam(0.01), lambda m: nn.optim.Adam(m.parameters(), lr=0.01, eps=1e-7)):
        np.random.seed(0)
        model = nn.Seq2seq(V, 4, 6, dtype=np.float64)
        nn.Trainer(model, make(model)).fit(x, t, max_epoch=1, batch_size=16, eval_interval=None)
        models.append(model)
    for a, b in zip(*(m.params for m in models)):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)


def test_rnnlm_trainer_reads_parallel_streams_and_reports_perplexity(capsys):
    corpus = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9] * 20)
    np.random.seed(0)
    model = nn.SimpleRnnlm(10, 5, 8)
    trainer = tb.RnnlmTrainer(model, tb.SGD(0.5))
    trainer.time_idx = 0
    bx, bt = trainer.get_batch(corpus[:-1], corpus[1:], batch_size=2, time_size=3)
    np.testing.assert_array_equal(bx, [[0, 1, 2], [9, 0, 1]])  # offsets 0 and 199 // 2 = 99
    trainer.fit(corpus[:-1], corpus[1:], max_epoch=20, batch_size=4, time_size=5, eval_interval=1000)
    assert len(trainer.ppl_list) == 20 and trainer.ppl_list[-1] < 0.5 * trainer.ppl_list[0]
    assert "perplexity" in capsys.readouterr().out


def test_eval_seq2seq_scores_and_prints_as_the_book(capsys):
    from nn.datasets import sequence
    x, t, V = addition_sample(4)
    _, id_to_char = sequence.get_vocab()
    np.random.seed(0)
    model = nn.Seq2seq(V, 4, 6)
    guess = model.generate(x[[0]], t[0, 0], 4)
    assert isinstance(guess, list) and len(guess) == 4 and all(isinstance(i, int) for i in guess)
    right = t[0].copy()
    right[1:] = guess
    assert tb.eval_seq2seq(model, x[[0]], right, id_to_char, verbose=True, is_reverse=True) == 1
    wrong = right.copy()
    wrong[1] = (wrong[1] + 1) % V
    assert tb.eval_seq2seq(model, x[[0]], wrong, id_to_char) == 0
    out = capsys.readouterr().out.split("\n")
    assert out[0] == "Q " + "".join(id_to_char[int(c)] for c in x[0][::-1])
    assert out[2] == "[ok] " + "".join(id_to_char[i] for i in guess)
