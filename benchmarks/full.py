"""Full training on Fashion-MNIST, one child process per run, so peak memory is per contender.

The engine runs `demos.train_mnist` itself (TwoLayerNet 784-50-10, SGD lr 0.1, batch 100,
accuracy on train and test once per epoch under no_grad). The floor follows the same schedule
with the same seed: the same initial weights and the same minibatches, so its accuracies should
match the engine's. A child run:

    python -m benchmarks.full --contender floor --dtype float32 --iters 10000
"""
import argparse
import contextlib
import subprocess
import sys
import time

import numpy as np

from .common import emit, median, peak_rss, run_child
from .floor import Floor

TIMEOUT_S = 1800  # a run on a busy machine with fighting BLAS threads can take minutes


def train_engine(iters, dtype):
    from demos.train_mnist import main
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the JSON answer
        r = main(["--dataset", "fashion-mnist", "--iters", str(iters), "--dtype", dtype, "--quiet"])
    return {"wall_s": r["wall_s"], "eval_s": r["eval_s"], "train_acc": r["train_acc"],
            "test_acc": r["test_acc"]}


def train_floor(iters, dtype, batch=100, lr=0.1, hidden=50, seed=0):
    from nn.datasets import load_fashion_mnist
    (x_train, t_train), (x_test, t_test) = load_fashion_mnist(normalize=True, flatten=True)
    x_train, x_test = x_train.astype(dtype, copy=False), x_test.astype(dtype, copy=False)
    np.random.seed(seed)
    # drawn as nn.TwoLayerNet draws them: W1 first, then W2
    W1 = (0.01 * np.random.standard_normal((x_train.shape[1], hidden))).astype(dtype, copy=False)
    W2 = (0.01 * np.random.standard_normal((hidden, 10))).astype(dtype, copy=False)
    net = Floor([(W1, np.zeros(hidden, dtype)), (W2, np.zeros(10, dtype))])
    train_size = len(x_train)
    per_epoch = max(train_size // batch, 1)
    eval_s = 0.0
    start = time.perf_counter()
    for i in range(iters):
        mask = np.random.choice(train_size, batch)
        net.step(x_train[mask], t_train[mask], lr)
        if i % per_epoch == 0 or i == iters - 1:
            t0 = time.perf_counter()
            train_acc, test_acc = net.accuracy(x_train, t_train), net.accuracy(x_test, t_test)
            eval_s += time.perf_counter() - t0
    return {"wall_s": time.perf_counter() - start, "eval_s": eval_s, "train_acc": train_acc,
            "test_acc": test_acc}


def train_in_child(contender, dtype, iters, threads):
    args = ["--contender", contender, "--dtype", dtype, "--iters", iters]
    return run_child("benchmarks.full", args, threads, timeout=TIMEOUT_S)


def bench_full(iters, rounds, dtypes=("float32", "float64"), threads=1):
    runs = {(c, d): [] for d in dtypes for c in ("floor", "engine")}
    for _ in range(rounds):
        for contender, dtype in runs:
            runs[contender, dtype].append(train_in_child(contender, dtype, iters, threads))
    results = []
    for (contender, dtype), rs in runs.items():
        wall = median([r["wall_s"] for r in rs])
        train = median([r["wall_s"] - r["eval_s"] for r in rs])
        results.append({"contender": contender, "dtype": dtype, "blas_threads": threads, "iters": iters,
                        "runs": len(rs), "wall_s": wall, "steps_per_s": iters / wall,
                        "train_only_steps_per_s": iters / train,
                        "train_acc": rs[-1]["train_acc"], "test_acc": rs[-1]["test_acc"],
                        "peak_rss_bytes": max(r["peak_rss_bytes"] for r in rs)})
    return {"dataset": "fashion-mnist", "results": results}


@contextlib.contextmanager
def competitor():
    """One CPU-bound process, a pure Python busy loop, for the duration of the block."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def bench_busy(iters, contenders=("floor", "engine"), dtype="float32", thread_counts=(1, 2)):
    """Each setting once quiet, then once beside a competitor started for that run only."""
    results = []
    for threads in thread_counts:
        for contender in contenders:
            quiet_s = train_in_child(contender, dtype, iters, threads)["wall_s"]
            with competitor():
                try:
                    busy_s = train_in_child(contender, dtype, iters, threads)["wall_s"]
                except subprocess.TimeoutExpired:
                    busy_s = None
            results.append({"contender": contender, "dtype": dtype, "blas_threads": threads,
                            "iters": iters, "quiet_s": quiet_s, "busy_s": busy_s,
                            "slowdown": busy_s and busy_s / quiet_s})
    return {"competitor": "1 process: python -c 'while True: pass'", "timeout_s": TIMEOUT_S,
            "results": results}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.full")
    p.add_argument("--contender", choices=["engine", "floor"], required=True)
    p.add_argument("--dtype", choices=["float32", "float64"], required=True)
    p.add_argument("--iters", type=int, required=True)
    args = p.parse_args(argv)
    train = train_engine if args.contender == "engine" else train_floor
    result = train(args.iters, args.dtype)
    result["peak_rss_bytes"] = peak_rss()
    emit(result)


if __name__ == "__main__":
    main()
