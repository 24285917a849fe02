"""The main job: train the textbook's two-layer net on MNIST or Fashion-MNIST.

    python -m demos.train_mnist                          # full MNIST where found, else the bundled digits
    python -m demos.train_mnist --dataset fashion-mnist  # real data found offline (Debian package)

Defaults are the textbook's: 784-50-10, batch 100, lr 0.1, 10000 iterations, minibatches drawn
with np.random.choice; train and test accuracy are printed once per epoch. The first line says
where the data came from. Ctrl-C stops after the current step and ends with the summary so far
(and --save, --plot still write); a second Ctrl-C aborts.
"""
import argparse
import os
import shutil
import sys
import time

import numpy as np

import nn
from demos.cli import DATA_DIR, StopOnInterrupt, on, plot_curves, plot_problems, positive, progress, writable
from nn.datasets import DatasetError, find_dataset

OPTIMIZERS = {"sgd": nn.optim.SGD, "momentum": nn.optim.Momentum, "adagrad": nn.optim.AdaGrad,
              "adam": nn.optim.Adam}
GRAPH_PICTURES = ("svg", "png", "pdf")  # drawn by Graphviz's dot
GRAPH_TEXT = ("dot", "gv")              # the DOT text itself


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m demos.train_mnist", description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=["mnist", "fashion-mnist"], default="mnist",
                   help="which dataset (default: %(default)s)")
    p.add_argument("--data-dir", metavar="DIR", default=None,
                   help="a folder holding the four *-ubyte.gz files (or only the two t10k files, "
                        "split 8,000 / 2,000), directly or in DIR/<dataset>/; used or refused "
                        "(default: $AUTOGRAD_DATA, the cache, a download, then for mnist the "
                        "bundled test digits)")
    p.add_argument("--iters", type=positive(int), default=10000,
                   help="training steps (default: %(default)s)")
    p.add_argument("--batch-size", type=positive(int), default=100,
                   help="images per step (default: %(default)s)")
    p.add_argument("--lr", type=positive(float), default=0.1, help="learning rate (default: %(default)s)")
    p.add_argument("--hidden", type=positive(int), default=50,
                   help="hidden layer size (default: %(default)s)")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd",
                   help="update rule (default: %(default)s)")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                   help="data and parameter type (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds the weights and the minibatches (default: %(default)s)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                   help="where the network trains: cuda needs CuPy and a GPU (default: %(default)s)")
    p.add_argument("--plot", metavar="PATH",
                   help="write the loss and accuracy curves, e.g. curves.png (default: no plot)")
    p.add_argument("--save", metavar="PATH",
                   help="write the trained parameters to an .npz (default: not saved)")
    p.add_argument("--graph", metavar="PATH",
                   help="draw the graph of one training step: .svg, .png, .pdf (with Graphviz's "
                        "dot) or .dot, .gv (DOT text) (default: not drawn)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar (default: a bar on stderr)")
    args = p.parse_args(argv)
    for problem in check_outputs(args):
        p.error(problem)
    return args


def check_outputs(args):
    """What is wrong with the output paths, before any training time is spent on them."""
    problems = []
    for flag in ("save", "plot", "graph"):
        path = getattr(args, flag)
        if path is not None:
            problems += [f"--{flag} {path}: {p}" for p in writable(path)]
    if args.graph is not None and not problems:
        fmt = os.path.splitext(args.graph)[1].lower().lstrip(".")
        if fmt not in GRAPH_PICTURES + GRAPH_TEXT:
            problems.append(f"--graph {args.graph}: cannot tell the format from the name; use "
                            f"{', '.join('.' + f for f in GRAPH_PICTURES + GRAPH_TEXT)}")
        elif fmt in GRAPH_PICTURES and shutil.which("dot") is None:
            problems.append(f"--graph {args.graph}: drawing a .{fmt} needs Graphviz's dot program, "
                            "which is not on PATH (apt-get install graphviz, brew install graphviz "
                            "or conda install -c conda-forge graphviz); a .dot path writes the DOT "
                            "text without it")
    if args.plot is not None and not problems:
        problems += plot_problems(args.plot)
    return problems


def draw_step(path, net, x, t):
    from autograd import viz
    loss = net.loss_tensor(x, t)
    viz.retain_grads(loss)
    loss.backward(retain_graph=True)  # keep the graph to draw it
    viz.render(loss, path)
    print(f"graph of one training step written to {path}")


def main(argv=None):
    """Train as the flags say; returns the final accuracies, the steps run and the timings."""
    args = parse_args(argv)
    source = find_dataset(args.dataset, args.data_dir, wording=DATA_DIR)
    print(source, flush=True)
    dtype = np.dtype(args.dtype)
    (x_train, t_train), (x_test, t_test) = source.load(normalize=True, flatten=True, one_hot_label=False)
    x_train, x_test = x_train.astype(dtype, copy=False), x_test.astype(dtype, copy=False)
    np.random.seed(args.seed)
    net = nn.TwoLayerNet(input_size=x_train.shape[1], hidden_size=args.hidden, output_size=10, dtype=dtype)
    if args.graph:  # drawn on the CPU, before the network moves
        draw_step(args.graph, net, x_train[:args.batch_size], t_train[:args.batch_size])
        net.zero_grad()
    net.to(args.device)
    opt = OPTIMIZERS[args.optimizer](net.parameters(), lr=args.lr)
    # the datasets stay NumPy: the steps move their batches, the evaluation its sets (once)
    eval_sets = [on(args.device, x, t) for x, t in ((x_train, t_train), (x_test, t_test))]

    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size // args.batch_size, 1)
    losses, train_acc, test_acc = [], [], []
    print(f"784-{args.hidden}-10, batch {args.batch_size}, lr {args.lr}, {args.optimizer}, {dtype}; "
          f"{args.iters} steps, an epoch every {iter_per_epoch}", flush=True)

    def evaluate(i):
        train_acc.append(net.accuracy(*eval_sets[0]))
        test_acc.append(net.accuracy(*eval_sets[1]))
        loss = f"{losses[-1]:.4f}" if losses else "   -  "
        bar.write(f"epoch {len(train_acc) - 1:2d}  iter {i:5d}  loss {loss}  "
                  f"train acc {train_acc[-1]:.4f}  test acc {test_acc[-1]:.4f}")

    bar = progress(args.iters, args.quiet)
    start = time.perf_counter()
    eval_s, steps = 0.0, 0
    with StopOnInterrupt() as interrupt:
        for i in range(args.iters):
            batch_mask = np.random.choice(train_size, args.batch_size)
            loss = net.loss_tensor(*on(args.device, x_train[batch_mask], t_train[batch_mask]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            steps += 1
            bar.update()
            if i % iter_per_epoch == 0 or i == args.iters - 1 or interrupt.requested:
                t0 = time.perf_counter()
                evaluate(i)
                eval_s += time.perf_counter() - t0
            if interrupt.requested:
                break
        if not train_acc:  # stopped before the first step ended: the untrained net's accuracy
            evaluate(-1)
    wall = time.perf_counter() - start
    bar.close()
    if interrupt.requested:
        print(f"interrupted (Ctrl-C) after {steps} of {args.iters} steps: the summary so far")
    train_wall = wall - eval_s
    rates = (f"{steps / wall:.0f} steps/s; {steps / train_wall:.0f} steps/s without the {eval_s:.1f} s "
             f"of evaluation" if steps and train_wall > 0 else "no steps")
    print(f"final: train acc {train_acc[-1]:.4f}, test acc {test_acc[-1]:.4f}; {steps} steps "
          f"in {wall:.1f} s ({rates})")
    if args.plot:
        plot_curves(args.plot, losses, train_acc, test_acc)
    if args.save:
        net.save(args.save)
        print(f"parameters written to {args.save}")
    return {"train_acc": train_acc[-1], "test_acc": test_acc[-1], "wall_s": wall, "eval_s": eval_s,
            "steps": steps, "interrupted": interrupt.requested, "data": source}


if __name__ == "__main__":
    try:
        result = main()
    except DatasetError as e:  # what was tried and how to fix it; a traceback adds nothing
        sys.exit(f"python -m demos.train_mnist: {e}")
    except KeyboardInterrupt:  # a Ctrl-C outside training, or a second one
        sys.exit("python -m demos.train_mnist: interrupted")
    sys.exit(130 if result["interrupted"] else 0)
