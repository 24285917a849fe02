"""demos.train_seq2seq: the book's seq2seq runs, small; exact-match accuracy as eval_seq2seq
scores it; Ctrl-C ends with the summary so far."""
import signal

import numpy as np
import pytest

import nn
from demos import cli, train_seq2seq
from nn.datasets import sequence


def run(capsys, *args):
    result = train_seq2seq.main([str(a) for a in args])
    return result, capsys.readouterr().out.split("\n")


def test_a_short_peeky_reversed_run_learns_and_plots(capsys, tmp_path):
    plot = tmp_path / "curves.png"
    result, lines = run(capsys, "--peeky", "--reverse", "--epochs", 3, "--max-train", 2560, "--max-test", 300,
                        "--quiet", "--plot", plot)
    assert lines[0].startswith("PeekySeq2seq (reversed input) on addition.txt: 2560 training and 300 test questions; "
                               "wordvec 16, hidden 128, batch 128, Adam lr 0.001, clipping at 5.0; 3 epochs of 20 steps")
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert len(epochs) == 3 and len(result["accuracies"]) == 3 and result["steps"] == 60
    losses = [float(line.split()[3]) for line in epochs]
    assert losses[-1] < losses[0]
    assert plot.stat().st_size > 0 and f"curves written to {plot}" in lines
    assert not result["interrupted"]


def test_accuracy_is_eval_seq2seqs_exact_match():
    (x, t), _ = sequence.load_data("addition.txt", seed=1984)
    _, id_to_char = sequence.get_vocab()
    np.random.seed(0)
    model = nn.PeekySeq2seq(len(id_to_char), 16, 32)
    q, a = x[:200], t[:200].copy()
    # half the answers are what the model writes (right by construction), half the true sums
    a[::2, 1:] = np.array(model.generate(q[::2], a[0, 0], a.shape[1] - 1))
    book = [nn.eval_seq2seq(model, q[[i]], a[i], id_to_char) for i in range(len(q))]
    assert 100 <= sum(book) < len(q)  # some right, some wrong: both ways are exercised
    assert train_seq2seq.accuracy(model, q, a, batch_size=64) == np.mean(book)


class InterruptingBar(cli.PlainBar):
    """A progress bar that presses Ctrl-C (a real SIGINT) at a given step."""

    def __init__(self, at):
        super().__init__(1, quiet=True)
        self.at = at

    def update(self, k=1):
        super().update(k)
        if self.n == self.at:
            signal.raise_signal(signal.SIGINT)


def test_ctrl_c_ends_after_the_step_with_the_summary_so_far(capsys, monkeypatch):
    monkeypatch.setattr(train_seq2seq, "progress", lambda total, quiet: InterruptingBar(3))
    result, lines = run(capsys, "--attention", "--epochs", 2, "--max-train", 512, "--max-test", 50, "--hidden", 16)
    assert result["interrupted"] and result["steps"] == 3
    assert "interrupted (Ctrl-C) after 3 of 8 steps: the summary so far" in lines
    assert any(line.startswith("final: test acc ") and "no epoch completed" in line for line in lines)
    assert lines[0].startswith("AttentionSeq2seq on date.txt: 512 training and 50 test questions")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_peeky_and_attention_together_are_refused(capsys):
    with pytest.raises(SystemExit):
        train_seq2seq.parse_args(["--peeky", "--attention"])
    assert "not allowed with argument" in capsys.readouterr().err
