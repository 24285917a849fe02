"""What the demos share on the command line: argparse types, checks of output paths before any
training time is spent, progress bars, Ctrl-C as "stop after this step", the curves' plot, the
images loaded from the folder --data-dir names, and nn.datasets' messages in the command line's
words (DATA_DIR)."""
import argparse
import os
import signal
import sys
import tempfile
import threading

import numpy as np

from autograd.device import to_device
from nn.datasets import TEST_IMAGES, TEST_LABELS, DatasetError, Wording, load_fashion_mnist, load_mnist, read_idx


class CommandLine(Wording):
    """nn.datasets' messages in the demos' words: --data-dir DIR, --dataset NAME."""
    option = "--data-dir"
    splitter = "the demos"
    fallback = ", falling back on the bundled test digits."

    def pass_folder(self, folder="DIR"):
        return f"{self.option} {folder}"

    def use_dataset(self, name):
        return f"--dataset {name}"


DATA_DIR = CommandLine()  # find_dataset(name, args.data_dir, wording=DATA_DIR)


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


def writable(path):
    """Problems writing a file at path: its folder missing or read-only, or path a folder."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return [f"{path} is a folder; give a file name in it"]
    if not os.path.isdir(folder):
        return [f"the folder {folder} does not exist" if not os.path.exists(folder)
                else f"{folder} is not a folder"]
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        return [f"cannot write in the folder {folder}: {e.strerror or e}"]
    return []


def check_output_paths(*paths):
    """Fail before training, not after it, when an output cannot be written."""
    for path in paths:
        if path:
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
                raise SystemExit(f"train_convnet: cannot write {path}: {folder} is not a writable folder")


def plot_problems(path):
    try:
        import matplotlib  # noqa: F401  (first: what a missing matplotlib fails on)
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:  # said before training; training still runs
        print(f"--plot {path}: matplotlib is not installed (pip install matplotlib); no plot will be "
              "written", file=sys.stderr)
        return []
    fmt = os.path.splitext(path)[1].lower().lstrip(".")
    formats = FigureCanvasBase.get_supported_filetypes()
    if fmt not in formats:
        return [f"--plot {path}: cannot write a plot as {'.' + fmt if fmt else 'a file without an extension'}; "
                f"use {', '.join('.' + f for f in sorted(formats))}"]
    return []


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

    def write(self, s):
        print(s, flush=True)

    def close(self):
        pass


def plot_curves(path, losses, train_acc, test_acc):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # said before training
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


class StopOnInterrupt:
    """While active, Ctrl-C (SIGINT) asks the loop to stop after the current step instead of
    raising in the middle of one; a second Ctrl-C raises KeyboardInterrupt as usual. Signal
    handlers belong to the main thread, so elsewhere Ctrl-C keeps its default meaning."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def on(device, *arrays):
    """The arrays on `device`: the same arrays for the CPU, copies on the GPU."""
    return tuple(to_device(a, device) for a in arrays)


def load_images(dataset, data_dir, dtype):
    """(x_train, t_train), (x_test, t_test) as (N, 1, 28, 28) images, and where they came from.
    A folder with only the t10k files is split 8,000 / 2,000."""
    load = load_mnist if dataset == "mnist" else load_fashion_mnist
    try:
        (x_train, t_train), (x_test, t_test) = load(normalize=True, flatten=False, root=data_dir, dtype=dtype)
        return (x_train, t_train), (x_test, t_test), data_dir or "the standard locations"
    except DatasetError:
        if data_dir is None or not all(os.path.exists(os.path.join(data_dir, f)) for f in (TEST_IMAGES, TEST_LABELS)):
            raise
    x = read_idx(os.path.join(data_dir, TEST_IMAGES)).astype(dtype)[:, None] / dtype.type(255)
    t = read_idx(os.path.join(data_dir, TEST_LABELS)).astype(np.int64)
    where = f"{data_dir} (only the t10k files: split {len(x) * 4 // 5} train / {len(x) - len(x) * 4 // 5} test)"
    n = len(x) * 4 // 5
    return (x[:n], t[:n]), (x[n:], t[n:]), where
