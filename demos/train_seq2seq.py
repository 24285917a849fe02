"""Book 2's chapters 7 and 8: teach a seq2seq model to add, or to read dates.

    python -m demos.train_seq2seq                         # the baseline on addition
    python -m demos.train_seq2seq --peeky --reverse       # 0.9+ test accuracy in 10 epochs
    python -m demos.train_seq2seq --attention --reverse   # dates -> YYYY-MM-DD, with attention

The book's setup (ch07/train_seq2seq.py, ch08/train.py): the generated 'addition.txt' (or
'date.txt' with --attention) split 45,000 / 5,000 with seed 1984, characters embedded in 16
numbers, an LSTM of 128 (256 with attention), batch 128, Adam lr 0.001, gradients clipped at a
norm of 5.0, 25 epochs. --reverse feeds each question backwards (chapter 8 does too). After
every epoch the exact-match accuracy on the whole test set is printed: the greedy answer,
character by character, must be the right one. Ctrl-C stops after the current step and ends
with the summary so far (--plot still writes); a second Ctrl-C aborts.
"""
import argparse
import sys
import time

import numpy as np

import nn
from demos.cli import StopOnInterrupt, plot_problems, positive, progress, writable
from nn.datasets import sequence
from nn.textbook2 import Adam, clip_grads


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m demos.train_seq2seq", description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--peeky", action="store_true", help="the decoder peeks at the encoder's state")
    kind.add_argument("--attention", action="store_true", help="attention, on the dates set")
    p.add_argument("--reverse", action="store_true", help="feed the questions backwards")
    p.add_argument("--epochs", type=positive(int), default=25)
    p.add_argument("--batch-size", type=positive(int), default=128)
    p.add_argument("--hidden", type=positive(int), default=None, help="LSTM size (default: 128, 256 with --attention)")
    p.add_argument("--max-train", type=positive(int), default=None, metavar="N",
                   help="train on the first N questions only (default: all 45,000)")
    p.add_argument("--max-test", type=positive(int), default=None, metavar="N",
                   help="score the first N test questions only (default: all 5,000)")
    p.add_argument("--seed", type=int, default=0, help="seeds the weights and the shuffling")
    p.add_argument("--plot", metavar="PATH", help="write the loss and accuracy curves, e.g. curves.png")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    if args.plot is not None:
        for problem in writable(args.plot) or plot_problems(args.plot):
            p.error(problem if problem.startswith("--plot") else f"--plot {args.plot}: {problem}")
    return args


def accuracy(model, questions, answers, batch_size=500):
    """The share of questions whose greedy answer is the right one, every character."""
    right = 0
    for i in range(0, len(questions), batch_size):
        q, a = questions[i:i + batch_size], answers[i:i + batch_size]
        guess = model.generate(q, a[0, 0], a.shape[1] - 1)
        right += int(np.all(np.atleast_2d(guess) == a[:, 1:], axis=1).sum())
    return right / len(questions)


def plot_curves(path, losses, accs, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(losses, lw=0.5)
    a.set(xlabel="iteration", ylabel="loss", title="training loss")
    b.plot(np.arange(1, len(accs) + 1), accs, marker="o")
    b.set(xlabel="epoch", ylabel="exact-match accuracy", ylim=(0, 1.0), title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"curves written to {path}")


def main(argv=None):
    args = parse_args(argv)
    data = "date.txt" if args.attention else "addition.txt"
    (x_train, t_train), (x_test, t_test) = sequence.load_data(data, seed=1984)
    char_to_id, _ = sequence.get_vocab()
    if args.reverse:
        x_train, x_test = x_train[:, ::-1].copy(), x_test[:, ::-1].copy()
    x_train, t_train = x_train[:args.max_train], t_train[:args.max_train]
    x_test, t_test = x_test[:args.max_test], t_test[:args.max_test]
    model_class = nn.AttentionSeq2seq if args.attention else nn.PeekySeq2seq if args.peeky else nn.Seq2seq
    hidden = args.hidden or (256 if args.attention else 128)
    np.random.seed(args.seed)
    model = model_class(len(char_to_id), 16, hidden)
    optimizer = Adam(0.001)
    name = f"{model_class.__name__}{' (reversed input)' if args.reverse else ''}"
    iters = max(len(x_train) // args.batch_size, 1)
    print(f"{name} on {data}: {len(x_train)} training and {len(x_test)} test questions; wordvec 16, "
          f"hidden {hidden}, batch {args.batch_size}, Adam lr 0.001, clipping at 5.0; {args.epochs} "
          f"epochs of {iters} steps", flush=True)

    losses, accs, epoch_s = [], [], []
    bar = progress(args.epochs * iters, args.quiet)
    start = time.perf_counter()
    steps = 0
    with StopOnInterrupt() as interrupt:
        for epoch in range(args.epochs):
            t0 = time.perf_counter()
            order = np.random.permutation(len(x_train))
            for i in range(iters):
                batch = order[i * args.batch_size:(i + 1) * args.batch_size]
                losses.append(float(model.forward(x_train[batch], t_train[batch])))
                model.backward()
                clip_grads(model.grads, 5.0)
                optimizer.update(model.params, model.grads)
                steps += 1
                bar.update()
                if interrupt.requested:
                    break
            if interrupt.requested:
                break
            epoch_s.append(time.perf_counter() - t0)
            accs.append(accuracy(model, x_test, t_test))
            bar.write(f"epoch {epoch + 1:2d}  loss {np.mean(losses[-iters:]):.4f}  test acc {accs[-1]:.4f}  "
                      f"({epoch_s[-1]:.1f} s of training)")
    wall = time.perf_counter() - start
    bar.close()
    if interrupt.requested:
        print(f"interrupted (Ctrl-C) after {steps} of {args.epochs * iters} steps: the summary so far")
    if not accs:  # stopped within the first epoch: the accuracy as it stands
        accs.append(accuracy(model, x_test, t_test))
    per_epoch = f"{np.mean(epoch_s):.1f} s per epoch of training" if epoch_s else "no epoch completed"
    print(f"final: test acc {accs[-1]:.4f} after {steps} steps in {wall:.1f} s ({per_epoch})")
    print("accuracy per epoch: " + " ".join(f"{a:.4f}" for a in accs))
    if args.plot:
        plot_curves(args.plot, losses, accs, f"{name}, {data}")
    return {"accuracies": accs, "epoch_s": epoch_s, "steps": steps, "wall_s": wall,
            "interrupted": interrupt.requested}


if __name__ == "__main__":
    try:
        result = main()
    except KeyboardInterrupt:  # a second Ctrl-C
        sys.exit("python -m demos.train_seq2seq: interrupted")
    sys.exit(130 if result["interrupted"] else 0)
