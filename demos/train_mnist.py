"""The main job: train the textbook's two-layer net on MNIST or Fashion-MNIST.

    python -m demos.train_mnist                          # the textbook's run on MNIST
    python -m demos.train_mnist --dataset fashion-mnist  # real data found offline (Debian package)

Defaults are the textbook's: 784-50-10, batch 100, lr 0.1, 10000 iterations, minibatches drawn
with np.random.choice; train and test accuracy are printed once per epoch.
"""
import argparse
import os
import sys
import time

# One BLAS thread unless told otherwise (set OPENBLAS_NUM_THREADS): at these sizes a second
# thread gains little, and on a busy 2-core machine two BLAS threads fighting another process
# make training many times slower. Effective only before NumPy loads, as under `python -m`.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import nn  # noqa: E402
from nn.datasets import DatasetError, load_fashion_mnist, load_mnist  # noqa: E402

OPTIMIZERS = {"sgd": nn.optim.SGD, "momentum": nn.optim.Momentum, "adagrad": nn.optim.AdaGrad,
              "adam": nn.optim.Adam}


def positive(kind):
    """An argparse type: a number of `kind` above zero (0 iterations or a batch of 0 cannot train)."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    parse.__name__ = f"positive {kind.__name__}"
    return parse


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m demos.train_mnist", description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=["mnist", "fashion-mnist"], default="mnist")
    p.add_argument("--data-dir", default=None, help="folder holding the four *-ubyte.gz files")
    p.add_argument("--iters", type=positive(int), default=10000)
    p.add_argument("--batch-size", type=positive(int), default=100)
    p.add_argument("--lr", type=positive(float), default=0.1)
    p.add_argument("--hidden", type=positive(int), default=50)
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", metavar="PATH", help="write a PNG of the loss and accuracy curves")
    p.add_argument("--save", metavar="PATH", help="write the trained parameters to an .npz")
    p.add_argument("--graph", metavar="PATH", help="draw the graph of one training step (SVG or PNG)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p.parse_args(argv)


def progress(total, quiet):
    """tqdm when installed; otherwise a plain bar on stderr."""
    if not quiet:
        try:
            from tqdm import tqdm
            return tqdm(total=total, unit="step", file=sys.stderr, dynamic_ncols=True)
        except ImportError:
            pass
    return PlainBar(total, quiet)


class PlainBar:
    def __init__(self, total, quiet):
        self.total, self.n, self.quiet, self.shown = total, 0, quiet, -1

    def update(self, k=1):
        self.n += k
        pct = 100 * self.n // self.total
        if not self.quiet and pct // 10 != self.shown // 10:
            self.shown = pct
            print(f"  {pct:3d}% ({self.n}/{self.total} steps)", file=sys.stderr, flush=True)

    def set_postfix_str(self, s):
        pass

    def write(self, s):
        print(s, flush=True)

    def close(self):
        pass


def plot_curves(path, losses, train_acc, test_acc):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"--plot {path}: matplotlib is not installed (pip install matplotlib); no plot written",
              file=sys.stderr)
        return
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(losses, lw=0.5)
    a.set(xlabel="iteration", ylabel="loss", title="training loss")
    epochs = np.arange(len(train_acc))
    b.plot(epochs, train_acc, marker="o", label="train")
    b.plot(epochs, test_acc, marker="s", linestyle="--", label="test")
    b.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.0), title="accuracy")
    b.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"curves written to {path}")


def draw_step(path, net, x, t):
    from autograd import viz
    loss = net.loss(x, t)
    viz.retain_grads(loss)
    loss.backward(retain_graph=True)  # keep the graph to draw it
    viz.render(loss, path)
    print(f"graph of one training step written to {path}")


def main(argv=None):
    args = parse_args(argv)
    load = load_mnist if args.dataset == "mnist" else load_fashion_mnist
    dtype = np.dtype(args.dtype)
    (x_train, t_train), (x_test, t_test) = load(normalize=True, flatten=True, one_hot_label=False,
                                                root=args.data_dir)
    x_train, x_test = x_train.astype(dtype, copy=False), x_test.astype(dtype, copy=False)
    np.random.seed(args.seed)
    net = nn.TwoLayerNet(input_size=x_train.shape[1], hidden_size=args.hidden, output_size=10, dtype=dtype)
    opt = OPTIMIZERS[args.optimizer](net.parameters(), lr=args.lr)
    if args.graph:
        draw_step(args.graph, net, x_train[:args.batch_size], t_train[:args.batch_size])
        net.zero_grad()

    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size // args.batch_size, 1)
    losses, train_acc, test_acc = [], [], []
    print(f"{args.dataset}: {train_size} training and {x_test.shape[0]} test images; "
          f"784-{args.hidden}-10, batch {args.batch_size}, lr {args.lr}, {args.optimizer}, {dtype}")
    bar = progress(args.iters, args.quiet)
    start = time.perf_counter()
    eval_s = 0.0
    for i in range(args.iters):
        batch_mask = np.random.choice(train_size, args.batch_size)
        loss = net.loss(x_train[batch_mask], t_train[batch_mask])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        bar.update()
        if i % iter_per_epoch == 0 or i == args.iters - 1:
            t0 = time.perf_counter()
            train_acc.append(net.accuracy(x_train, t_train))
            test_acc.append(net.accuracy(x_test, t_test))
            eval_s += time.perf_counter() - t0
            bar.write(f"epoch {len(train_acc) - 1:2d}  iter {i:5d}  loss {losses[-1]:.4f}  "
                      f"train acc {train_acc[-1]:.4f}  test acc {test_acc[-1]:.4f}")
    wall = time.perf_counter() - start
    bar.close()
    print(f"final: train acc {train_acc[-1]:.4f}, test acc {test_acc[-1]:.4f}; {args.iters} steps "
          f"in {wall:.1f} s ({args.iters / wall:.0f} steps/s; {args.iters / (wall - eval_s):.0f} "
          f"steps/s without the {eval_s:.1f} s of evaluation)")
    if args.plot:
        plot_curves(args.plot, losses, train_acc, test_acc)
    if args.save:
        net.save(args.save)
        print(f"parameters written to {args.save}")
    return {"train_acc": train_acc[-1], "test_acc": test_acc[-1], "wall_s": wall, "eval_s": eval_s}


if __name__ == "__main__":
    try:
        main()
    except DatasetError as e:  # what was tried and how to fix it; a traceback adds nothing
        sys.exit(f"train_mnist: {e}")
