"""The textbook's gradient check: backprop against numerical differentiation on three images.

    python -m demos.gradient_check [--dataset fashion-mnist] [--data-dir DIR]
"""
import argparse
import sys

import numpy as np

import nn
from nn.datasets import DatasetError, load_fashion_mnist, load_mnist


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m demos.gradient_check", description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=["mnist", "fashion-mnist"], default="mnist")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    load = load_mnist if args.dataset == "mnist" else load_fashion_mnist
    (x_train, t_train), _ = load(normalize=True, one_hot_label=True, root=args.data_dir)
    np.random.seed(args.seed)
    network = nn.TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    x_batch, t_batch = x_train[:3], t_train[:3]
    grad_numerical = network.numerical_gradient(x_batch, t_batch)
    grad_backprop = network.gradient(x_batch, t_batch)
    diffs = {}
    for key in grad_numerical:
        diffs[key] = np.average(np.abs(grad_backprop[key] - grad_numerical[key]))
        print(f"{key}:{diffs[key]}")
    return diffs


if __name__ == "__main__":
    try:
        main()
    except DatasetError as e:  # what was tried and how to fix it; a traceback adds nothing
        sys.exit(f"gradient_check: {e}")
