"""nn.LSTM and nn.Embedding (PyTorch's names and gate order) and the mapping of the book's LSTM
weights (gates f, g, i, o) onto PyTorch's (i, f, g, o). Without torch installed, nn.LSTM is
checked against a NumPy copy of the equations in PyTorch's documentation; with torch, against
torch.nn.LSTM / torch.nn.RNN themselves (values and gradients) and a torch state dict."""
import importlib.util

import numpy as np
import pytest

import nn
from autograd import Tensor, gradcheck
from nn import textbook2 as tb

TOL = dict(rtol=1e-9, atol=1e-12)
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                 reason="torch is not installed: the comparisons with torch.nn.LSTM / "
                                        "torch.nn.RNN run where it is (pip install torch)")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def torch_lstm_equations(xs, W_ih, W_hh, b_ih, b_hh, h, c):
    """PyTorch's documented LSTM: i, f, g, o from W_i* x + b_i* + W_h* h + b_h*, rows in that order."""
    H = W_hh.shape[1]
    hs = []
    for t in range(xs.shape[1]):
        z = xs[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh
        i, f, g, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), sigmoid(z[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
    return np.stack(hs, axis=1), h, c


def book_to_torch(W, H):
    """The book's gate blocks f, g, i, o (last axis) in PyTorch's order i, f, g, o."""
    f, g, i, o = (W[..., k * H:(k + 1) * H] for k in range(4))
    return np.concatenate([i, f, g, o], axis=-1)


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def test_lstm_follows_pytorchs_equations_and_names(rng):
    N, T, D, H = 3, 4, 5, 2
    lstm = nn.LSTM(D, H)
    names = [n for n, _ in lstm.named_parameters()]
    assert names == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert [p.shape for p in lstm.parameters()] == [(4 * H, D), (4 * H, H), (4 * H,), (4 * H,)]
    assert all(np.abs(p.data).max() <= 1 / np.sqrt(H) for p in lstm.parameters())  # U(-1/sqrt(H), 1/sqrt(H))
    xs, h0, c0 = rng.standard_normal((N, T, D)), rng.standard_normal((1, N, H)), rng.standard_normal((1, N, H))
    hs, (h, c) = lstm(xs, (Tensor(h0), Tensor(c0)))
    ref_hs, ref_h, ref_c = torch_lstm_equations(xs, *(p.data for p in lstm.parameters()), h0[0], c0[0])
    np.testing.assert_allclose(hs.data, ref_hs, **TOL)
    assert h.shape == c.shape == (1, N, H)
    np.testing.assert_allclose(h.data[0], ref_h, **TOL)
    np.testing.assert_allclose(c.data[0], ref_c, **TOL)
    hs0, _ = lstm(xs)  # no hx: zeros
    np.testing.assert_allclose(hs0.data, torch_lstm_equations(xs, *(p.data for p in lstm.parameters()),
                                                               np.zeros((N, H)), np.zeros((N, H)))[0], **TOL)


def test_lstm_gradients_match_finite_differences(rng):
    lstm = nn.LSTM(3, 2)
    xs = Tensor(rng.standard_normal((2, 3, 3)), requires_grad=True)
    h0 = Tensor(rng.standard_normal((1, 2, 2)), requires_grad=True)
    c0 = Tensor(rng.standard_normal((1, 2, 2)), requires_grad=True)

    def run(xs, h0, c0, *weights):
        hs, (h, c) = lstm(xs, (h0, c0))
        return (hs * hs).sum() + (c * h).sum()
    assert gradcheck(run, [xs, h0, c0, *lstm.parameters()])


def test_the_books_weights_mapped_give_pytorchs_lstm_the_same_outputs(rng):
    """Wx (D, 4H) with gates f, g, i, o is weight_ih_l0 (4H, D) with i, f, g, o, transposed; the
    book's one bias b is bias_ih_l0 + bias_hh_l0."""
    N, T, D, H = 2, 3, 4, 3
    Wx, Wh, b = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)
    book = tb.TimeLSTM(Wx, Wh, b)
    xs = rng.standard_normal((N, T, D))
    lstm = nn.LSTM(D, H)
    half = book_to_torch(b, H) / 2
    lstm.load_state_dict({"weight_ih_l0": book_to_torch(Wx, H).T, "weight_hh_l0": book_to_torch(Wh, H).T,
                          "bias_ih_l0": half, "bias_hh_l0": half})
    np.testing.assert_allclose(lstm(xs)[0].data, book.forward(xs), **TOL)


def test_lstm_refuses_what_it_cannot_read():
    lstm = nn.LSTM(3, 2)
    with pytest.raises(ValueError, match=r"LSTM: expected input of shape \(N, T, 3\) \(batch first\), got \(2, 3\)"):
        lstm(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"hx must be \(h0, c0\), each of shape \(1, 2, 2\)"):
        lstm(np.ones((2, 4, 3)), (np.zeros((2, 2)), np.zeros((2, 2))))


def test_embedding_picks_rows_and_sums_the_gradients_of_repeated_ids():
    emb = nn.Embedding(5, 3)
    assert [n for n, _ in emb.named_parameters()] == ["weight"]
    ids = np.array([[0, 4, 0], [0, 2, 1]])
    out = emb(ids)
    np.testing.assert_array_equal(out.data, emb.weight.data[ids])
    (out * out).sum().backward()
    expected = np.zeros((5, 3))
    np.add.at(expected, ids, 2 * emb.weight.data[ids])
    np.testing.assert_allclose(emb.weight.grad.data, expected, **TOL)
    assert np.allclose(emb.weight.grad.data[0], 3 * 2 * emb.weight.data[0])  # id 0 used three times
    with pytest.raises(IndexError, match=r"Embedding: ids must be in \[0, 5\), got values from 0 to 5"):
        emb(np.array([0, 5]))
    with pytest.raises(TypeError, match="Embedding: ids must be integers"):
        emb(np.array([0.0, 1.0]))


# --- with torch ----------------------------------------------------------------------------------

@pytest.mark.torch
@needs_torch
def test_time_lstm_equals_torch_lstm_with_the_weights_mapped(rng):
    import torch
    N, T, D, H = 3, 4, 5, 6
    Wx, Wh, b = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)
    xs, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    book = tb.TimeLSTM(Wx, Wh, b)
    hs = book.forward(xs)
    dxs = book.backward(dhs)
    ref = torch.nn.LSTM(D, H, batch_first=True).double()
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.from_numpy(book_to_torch(Wx, H).T.copy()))
        ref.weight_hh_l0.copy_(torch.from_numpy(book_to_torch(Wh, H).T.copy()))
        ref.bias_ih_l0.copy_(torch.from_numpy(book_to_torch(b, H)))
        ref.bias_hh_l0.zero_()
    x = torch.from_numpy(xs).requires_grad_()
    out, _ = ref(x)
    out.backward(torch.from_numpy(dhs))
    np.testing.assert_allclose(hs, out.detach().numpy(), **TOL)
    np.testing.assert_allclose(dxs, x.grad.numpy(), **TOL)
    dWx, dWh, db = book.grads
    np.testing.assert_allclose(book_to_torch(dWx, H).T, ref.weight_ih_l0.grad.numpy(), **TOL)
    np.testing.assert_allclose(book_to_torch(dWh, H).T, ref.weight_hh_l0.grad.numpy(), **TOL)
    np.testing.assert_allclose(book_to_torch(db, H), ref.bias_ih_l0.grad.numpy(), **TOL)


@pytest.mark.torch
@needs_torch
def test_time_rnn_equals_torch_rnn(rng):
    import torch
    N, T, D, H = 2, 5, 3, 4
    Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)), rng.standard_normal(H)
    xs, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    book = tb.TimeRNN(Wx, Wh, b)
    hs = book.forward(xs)
    dxs = book.backward(dhs)
    ref = torch.nn.RNN(D, H, batch_first=True).double()
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.from_numpy(Wx.T.copy()))
        ref.weight_hh_l0.copy_(torch.from_numpy(Wh.T.copy()))
        ref.bias_ih_l0.copy_(torch.from_numpy(b))
        ref.bias_hh_l0.zero_()
    x = torch.from_numpy(xs).requires_grad_()
    out, _ = ref(x)
    out.backward(torch.from_numpy(dhs))
    np.testing.assert_allclose(hs, out.detach().numpy(), **TOL)
    np.testing.assert_allclose(dxs, x.grad.numpy(), **TOL)
    np.testing.assert_allclose(book.grads[0], ref.weight_ih_l0.grad.numpy().T, **TOL)
    np.testing.assert_allclose(book.grads[1], ref.weight_hh_l0.grad.numpy().T, **TOL)
    np.testing.assert_allclose(book.grads[2], ref.bias_ih_l0.grad.numpy(), **TOL)


@pytest.mark.torch
@needs_torch
def test_a_torch_state_dict_loads_into_nn_lstm_and_embedding_and_gives_torchs_results(rng):
    import torch
    N, T, V, D, H = 3, 4, 7, 5, 6
    torch.manual_seed(0)
    ref_emb, ref_lstm = torch.nn.Embedding(V, D).double(), torch.nn.LSTM(D, H, batch_first=True).double()
    emb, lstm = nn.Embedding(V, D), nn.LSTM(D, H)
    emb.load_state_dict({k: v.numpy() for k, v in ref_emb.state_dict().items()})
    lstm.load_state_dict({k: v.numpy() for k, v in ref_lstm.state_dict().items()})
    ids = rng.integers(0, V, (N, T))
    h0, c0 = rng.standard_normal((1, N, H)), rng.standard_normal((1, N, H))
    out, (h, c) = ref_lstm(ref_emb(torch.from_numpy(ids)), (torch.from_numpy(h0), torch.from_numpy(c0)))
    (out.sum() + (h * c).sum()).backward()
    got, (gh, gc) = lstm(emb(ids), (Tensor(h0), Tensor(c0)))
    (got.sum() + (gh * gc).sum()).backward()
    np.testing.assert_allclose(got.data, out.detach().numpy(), **TOL)
    np.testing.assert_allclose(gc.data, c.detach().numpy(), **TOL)
    for name, p in lstm.named_parameters():
        np.testing.assert_allclose(p.grad.data, getattr(ref_lstm, name).grad.numpy(), **TOL, err_msg=name)
    np.testing.assert_allclose(emb.weight.grad.data, ref_emb.weight.grad.numpy(), **TOL)
