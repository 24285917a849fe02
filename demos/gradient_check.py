"""The textbook's gradient check: backprop against numerical differentiation on three images.

    python -m demos.gradient_check [--dataset fashion-mnist] [--data-dir DIR]

The first line says where the images came from (as in demos.train_mnist: full MNIST where found,
a folder holding only the t10k files, or the test digits bundled with the package).
"""
import argparse
import sys

import numpy as np

import nn
from demos.cli import DATA_DIR
from nn.datasets import DatasetError, find_dataset


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m demos.gradient_check", description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=["mnist", "fashion-mnist"], default="mnist",
                   help="which dataset (default: %(default)s)")
    p.add_argument("--data-dir", metavar="DIR", default=None,
                   help="a folder holding the dataset's files (the four *-ubyte.gz files or only the "
                        "two t10k files), directly or in DIR/<dataset>/; used or refused (default: "
                        "$AUTOGRAD_DATA, the cache, a download, then for mnist the bundled test digits)")
    p.add_argument("--seed", type=int, default=0, help="seeds the weights (default: %(default)s)")
    args = p.parse_args(argv)
    source = find_dataset(args.dataset, args.data_dir, wording=DATA_DIR)
    print(source)
    (x_train, t_train), _ = source.load(normalize=True, one_hot_label=True)
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
        sys.exit(f"python -m demos.gradient_check: {e}")
    except KeyboardInterrupt:
        sys.exit("python -m demos.gradient_check: interrupted")
