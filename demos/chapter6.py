"""Chapter 6's comparisons, drawn as the book draws them (ch06/*.py), on the engine:

    python -m demos.chapter6 --data-dir ../shared/data/mnist-t10k --out-dir ch6_plots

  optimizers.png   SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam: training loss of a 784-100x4-10
                   ReLU network (batch 128), as optimizer_compare_mnist.py
  weight_init.png  weights of std 0.01, Xavier and He on the same network (SGD lr 0.01), as
                   weight_init_compare.py
  batch_norm.png   training accuracy with and without batch normalization for a few initial weight
                   scales (784-100x5-10, 1,000 images), as batch_norm_test.py
  overfitting.png  train and test accuracy on 300 images of a 784-100x6-10 network: plain, with weight
                   decay (lambda 0.1) and with dropout (ratio 0.2), as overfit_weight_decay.py and
                   overfit_dropout.py

--iters and --epochs scale the runs down (the book's are the defaults: 2000 iterations, 20 and 200 epochs).
"""
import argparse
import os
import sys
import time

import numpy as np

import nn
from demos.cli import check_output_paths, load_images, positive
from nn.datasets import DatasetError
from nn.textbook import smooth_curve

OPTIMIZERS = {"SGD": (nn.optim.SGD, 0.01), "Momentum": (nn.optim.Momentum, 0.01),
              "Nesterov": (nn.optim.Nesterov, 0.01), "AdaGrad": (nn.optim.AdaGrad, 0.01),
              "RMSprop": (nn.optim.RMSprop, 0.001), "Adam": (nn.optim.Adam, 0.001)}


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m demos.chapter6", description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--dataset", choices=["mnist", "fashion-mnist"], default="mnist")
    p.add_argument("--data-dir", default=None, help="folder holding the *-ubyte.gz files (default: search)")
    p.add_argument("--out-dir", default="chapter6_plots", help="folder the PNGs are written to (created)")
    p.add_argument("--iters", type=positive(int), default=2000, help="iterations of the optimizer and init runs")
    p.add_argument("--bn-epochs", type=positive(int), default=20, help="epochs of the batch norm runs")
    p.add_argument("--overfit-epochs", type=positive(int), default=200, help="epochs of the overfitting runs")
    p.add_argument("--only", default="optimizers,weight_init,batch_norm,overfitting",
                   help="comma-separated comparisons to run")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def train(net, opt, x, t, iters, batch_size, every=None, on_epoch=None):
    """The book's loop: iters minibatches drawn with np.random.choice; the losses, and on_epoch()
    after every `every` steps (and before the first)."""
    losses, marks = [], []
    if on_epoch:
        marks.append(on_epoch())
    for i in range(iters):
        mask = np.random.choice(len(x), batch_size)
        loss = net.loss_tensor(x[mask], t[mask], train_flg=True)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if on_epoch and (i + 1) % every == 0:
            marks.append(on_epoch())
    return losses, marks


def smooth(y):
    """The book's smooth_curve, where there are enough points for its window of 11."""
    return smooth_curve(y) if len(y) >= 11 else np.asarray(y)


def compare_optimizers(x, t, args):
    curves = {}
    for name, (cls, lr) in OPTIMIZERS.items():
        np.random.seed(args.seed)
        net = nn.MultiLayerNet(784, [100] * 4, 10)
        curves[name], _ = train(net, cls(net.parameters(), lr=lr), x, t, args.iters, 128)
    return {"title": "optimizers (784-100x4-10, batch 128)", "ylabel": "loss", "xlabel": "iterations",
            "curves": {k: smooth(v) for k, v in curves.items()}, "final": {k: v[-1] for k, v in curves.items()}}


def compare_weight_init(x, t, args):
    curves = {}
    for name, std in (("std=0.01", 0.01), ("Xavier", "sigmoid"), ("He", "relu")):
        np.random.seed(args.seed)
        net = nn.MultiLayerNet(784, [100] * 4, 10, weight_init_std=std)
        curves[name], _ = train(net, nn.optim.SGD(net.parameters(), lr=0.01), x, t, args.iters, 128)
    return {"title": "weight init (SGD lr 0.01)", "ylabel": "loss", "xlabel": "iterations",
            "curves": {k: smooth(v) for k, v in curves.items()}, "final": {k: v[-1] for k, v in curves.items()}}


def compare_batch_norm(x, t, args):
    x, t = x[:1000], t[:1000]
    panels = {}
    for w in (1.0, 0.1, 0.01, 0.001):
        curves = {}
        for label, bn in (("batch norm", True), ("normal", False)):
            np.random.seed(args.seed)
            net = nn.MultiLayerNetExtend(784, [100] * 5, 10, weight_init_std=w, use_batchnorm=bn)
            with np.errstate(over="ignore", invalid="ignore"):  # std 1 without batch norm blows up, as in the book
                _, acc = train(net, nn.optim.SGD(net.parameters(), lr=0.01), x, t, args.bn_epochs * 10, 100,
                               every=10, on_epoch=lambda: net.accuracy(x, t))
            curves[label] = acc
        panels[f"W std {w:g}"] = curves
    return {"title": "batch normalization (1000 images, SGD lr 0.01)", "ylabel": "train accuracy",
            "xlabel": "epochs", "panels": panels,
            "final": {f"{p} {k}": v[-1] for p, c in panels.items() for k, v in c.items()}}


def compare_overfitting(x, t, x_test, t_test, args):
    x, t = x[:300], t[:300]
    panels = {}
    setups = (("plain", {}), ("weight decay 0.1", {"weight_decay_lambda": 0.1}),
              ("dropout 0.2", {"use_dropout": True, "dropout_ration": 0.2}))
    for label, kw in setups:
        np.random.seed(args.seed)
        net = nn.MultiLayerNetExtend(784, [100] * 6, 10, **kw)
        _, acc = train(net, nn.optim.SGD(net.parameters(), lr=0.01), x, t, args.overfit_epochs * 3, 100,
                       every=3, on_epoch=lambda: (net.accuracy(x, t), net.accuracy(x_test, t_test)))
        panels[label] = {"train": [a for a, _ in acc], "test": [b for _, b in acc]}
    return {"title": "overfitting (300 training images, 784-100x6-10)", "ylabel": "accuracy", "xlabel": "epochs",
            "panels": panels, "final": {f"{p} {k}": v[-1] for p, c in panels.items() for k, v in c.items()}}


def draw(path, result):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = result.get("panels") or {"": result["curves"]}
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 4), squeeze=False)
    for ax, (name, curves) in zip(axes[0], panels.items()):
        for label, y in curves.items():
            ax.plot(y, label=label, linestyle="--" if label in ("normal", "test") else "-")
        ax.set(title=name or result["title"], xlabel=result["xlabel"], ylabel=result["ylabel"])
        ax.legend()
    if len(panels) > 1:
        fig.suptitle(result["title"])
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    known = ("optimizers", "weight_init", "batch_norm", "overfitting")
    if set(only) - set(known):
        raise SystemExit(f"chapter6: --only: unknown {sorted(set(only) - set(known))}; choose from {','.join(known)}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SystemExit("chapter6: this demo draws plots and needs matplotlib (pip install matplotlib)") from None
    os.makedirs(args.out_dir, exist_ok=True)
    check_output_paths(os.path.join(args.out_dir, "x.png"))
    (x, t), (x_test, t_test), where = load_images(args.dataset, args.data_dir, np.dtype(np.float64))
    x, x_test = x.reshape(len(x), -1), x_test.reshape(len(x_test), -1)
    print(f"{args.dataset} from {where}: {len(x)} training and {len(x_test)} test images")
    runs = {"optimizers": lambda: compare_optimizers(x, t, args),
            "weight_init": lambda: compare_weight_init(x, t, args),
            "batch_norm": lambda: compare_batch_norm(x, t, args),
            "overfitting": lambda: compare_overfitting(x, t, x_test, t_test, args)}
    results = {}
    for name in only:
        start = time.perf_counter()
        results[name] = result = runs[name]()
        path = os.path.join(args.out_dir, f"{name}.png")
        draw(path, result)
        finals = ", ".join(f"{k} {v:.3f}" for k, v in result["final"].items())
        print(f"{name}: {path} ({time.perf_counter() - start:.1f} s); final {result['ylabel']}: {finals}")
    return results


if __name__ == "__main__":
    try:
        main()
    except DatasetError as e:
        sys.exit(f"chapter6: {e}")
