"""The book's models (nn.SimpleRnnlm, nn.Rnnlm, nn.Seq2seq, nn.PeekySeq2seq, nn.AttentionSeq2seq):
the book's API and nn.Modules at once; each one's gradients against finite differences."""
import numpy as np
import pytest

import nn
from autograd import numerical_gradient

MODELS = [nn.SimpleRnnlm, nn.Rnnlm, nn.Seq2seq, nn.PeekySeq2seq, nn.AttentionSeq2seq]


def tiny(cls, dtype=np.float64):
    np.random.seed(1)
    model = cls(7, 3, 4, dtype=dtype)
    rng = np.random.default_rng(2)
    xs = rng.integers(0, 7, (3, 5))
    ts = rng.integers(0, 7, (3, 5 if cls in (nn.SimpleRnnlm, nn.Rnnlm) else 4))
    return model, xs, ts


def loss_at(model, xs, ts):
    if hasattr(model, "reset_state"):
        model.reset_state()
    return model.forward(xs, ts)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_gradients_match_finite_differences(cls):
    model, xs, ts = tiny(cls)
    loss_at(model, xs, ts)
    model.backward()
    assert len(model.params) == len(model.grads) == len(model.parameters())
    for p, g, (name, _) in zip(model.params, model.grads, model.named_parameters()):
        numeric = numerical_gradient(lambda _: loss_at(model, xs, ts), p, h=1e-6)
        np.testing.assert_allclose(g, numeric, atol=1e-7, rtol=1e-5, err_msg=name)
        assert np.abs(g).max() > 0, name


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_the_books_api_and_the_modules_share_their_arrays(cls):
    model, xs, ts = tiny(cls, dtype=np.float32)
    params = model.parameters()
    assert all(a is p.data for a, p in zip(model.params, params))  # the same arrays: updates in place train it
    loss = model.forward(xs, ts)
    assert np.ndim(loss) == 0 and loss.dtype == np.float32 and loss > 0
    grads = model.grads
    model.backward()
    assert model.grads is grads and all(g.dtype == np.float32 for g in grads)
    np.testing.assert_array_equal(params[0].grad.data, grads[0])
    # PyTorch's way: .grad accumulates over backwards; the book's grads are each backward's own
    loss_at(model, xs, ts)
    model.backward()
    np.testing.assert_allclose(params[0].grad.data, 2 * grads[0], rtol=1e-6)
    with pytest.raises(RuntimeError, match=f"{cls.__name__}.backward\\(\\) called before"):
        model.backward()


def test_a_step_with_nn_optim_changes_the_books_params():
    model, xs, ts = tiny(nn.PeekySeq2seq)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    before = [p.copy() for p in model.params]
    model.forward(xs, ts)
    model.backward()
    grads = [g.copy() for g in model.grads]
    opt.step()
    for p, b, g in zip(model.params, before, grads):
        np.testing.assert_allclose(p, b - 0.1 * g)


def test_seq2seq_generates_greedily_one_question_or_many():
    model, xs, _ = tiny(nn.AttentionSeq2seq)
    one = model.generate(xs[[0]], 1, 6)
    assert isinstance(one, list) and len(one) == 6 and all(isinstance(i, int) for i in one)
    many = model.generate(xs, 1, 6)
    assert many[0] == one and len(many) == 3
    # each id is the argmax of the scores when the ids before it are fed back (teacher forcing
    # on the model's own answer gives the same scores)
    enc = model.encoder(xs[[0]])
    scores = model.decoder(np.array([[1] + one[:-1]]), enc).data[0]
    assert scores.argmax(axis=1).tolist() == one


def test_peeky_and_attention_use_what_they_should():
    np.random.seed(0)
    peeky, plain, att = nn.PeekySeq2seq(9, 3, 5), nn.Seq2seq(9, 3, 5), nn.AttentionSeq2seq(9, 3, 5)
    assert peeky.decoder.lstm_Wx.shape == (5 + 3, 20) and peeky.decoder.affine_W.shape == (10, 9)
    assert plain.decoder.lstm_Wx.shape == (3, 20) and plain.decoder.affine_W.shape == (5, 9)
    assert att.decoder.affine_W.shape == (10, 9)
    names = [n for n, _ in peeky.named_parameters()]
    assert names == ["encoder.embed_W", "encoder.lstm_Wx", "encoder.lstm_Wh", "encoder.lstm_b", "decoder.embed_W",
                     "decoder.lstm_Wx", "decoder.lstm_Wh", "decoder.lstm_b", "decoder.affine_W", "decoder.affine_b"]


def test_rnnlm_is_stateful_until_reset_and_predicts_scores():
    model, xs, ts = tiny(nn.Rnnlm)
    first = model.forward(xs, ts)
    second = model.forward(xs, ts)  # goes on from the first batch's last state
    assert first != second
    model.reset_state()
    assert model.forward(xs, ts) == first
    assert model.predict(xs).shape == (3, 5, 7)


def test_save_params_and_load_params_round_trip(tmp_path):
    model, xs, ts = tiny(nn.Seq2seq)
    path = tmp_path / "s2s.npz"
    model.save_params(str(path))
    loss = model.forward(xs, ts)
    other, _, _ = tiny(nn.Seq2seq)
    for p in other.params:
        p[...] = 0
    other.load_params(str(path))
    assert other.forward(xs, ts) == loss


def test_bad_ids_and_sizes_are_named_errors():
    model, xs, ts = tiny(nn.Seq2seq)
    with pytest.raises(ValueError, match=r"Seq2seq: xs must be integer ids of shape \(N, T\)"):
        model.forward(xs.astype(float), ts)
    with pytest.raises(ValueError, match="Seq2seq: ts must be integer ids"):
        model.forward(xs, ts[0])
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        nn.PeekySeq2seq(5, 3, 0)
