"""A SimpleConvNet training step (the book's chapter 7 network: conv 30x5x5 - relu - pool 2x2 -
affine 100 - relu - affine 10, batch 100, 28x28 inputs) of the engine beside a raw-NumPy floor,
the fastest NumPy form of the same math (the convolution's windows by sliding_window_view and one
matrix product, the pooling by maxima of strided views), and PyTorch CPU when it is installed;
float32 and float64, one BLAS thread and the default. Time per step (medians over rounds,
contenders in alternation, ratio to the floor of the same round) and memory of one step
(tracemalloc's peak of what the step allocates above what was held before it; NumPy reports its
arrays to tracemalloc).

    python -m benchmarks.conv --rounds 5 --budget 1.0
"""
import argparse
import itertools
import tracemalloc

import numpy as np

from .common import blas_limit, emit, median, threadpool_limits
from .step import have_torch, time_steps

LR = 0.01
N_BATCHES = 3
SHAPE = dict(batch=100, channels=1, side=28, filters=30, fsize=5, hidden=100, classes=10)


def init_params(dtype):
    s = SHAPE
    rng = np.random.default_rng(0)
    pooled = s["filters"] * ((s["side"] - s["fsize"] + 1) // 2) ** 2
    shapes = {"W1": (s["filters"], s["channels"], s["fsize"], s["fsize"]), "W2": (pooled, s["hidden"]),
              "W3": (s["hidden"], s["classes"])}
    params = {}
    for i, (key, shape) in enumerate(shapes.items(), start=1):
        params[key] = (0.01 * rng.standard_normal(shape)).astype(dtype)
        params[f"b{i}"] = np.zeros(shape[0] if i == 1 else shape[1], dtype)
    return params


def make_batches(dtype):
    s = SHAPE
    rng = np.random.default_rng(1)
    return [(rng.random((s["batch"], s["channels"], s["side"], s["side"])).astype(dtype),
             rng.integers(0, s["classes"], s["batch"])) for _ in range(N_BATCHES)]


# --- the floor: the book's Convolution, Pooling, Affine, Relu, SoftmaxWithLoss in raw NumPy ------
# Its fastest NumPy form: channels last throughout (the convolution's matrix product gives
# (N*OH*OW, FN), rows in (n, oh, ow) order, so no transposes); the 2x2 pooling windows, which tile
# the input, are a view (N, OH, 2, OW, 2, C) whose four strided slices give the maxima, and a mask
# of that view's shape marks each window's first maximum (the book's argmax), which takes dout.

def im2col(x, fh, fw):
    """Windows by sliding_window_view, laid out (N*OH*OW, C*FH*FW) in one copy."""
    n, c = x.shape[:2]
    win = np.lib.stride_tricks.sliding_window_view(x, (fh, fw), axis=(2, 3))
    oh, ow = win.shape[2:4]
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, -1), oh, ow


def max_pool_2x2(x):
    """x (N, H, W, C) -> the maxima of its 2x2 windows (N, H/2, W/2, C) and the first-maximum mask
    of the windows' view (N, H/2, 2, W/2, 2, C)."""
    n, h, w, c = x.shape
    win = x.reshape(n, h // 2, 2, w // 2, 2, c)
    out = np.maximum(np.maximum(win[:, :, 0, :, 0], win[:, :, 0, :, 1]),
                     np.maximum(win[:, :, 1, :, 0], win[:, :, 1, :, 1]))
    first = np.empty(win.shape, bool)
    np.equal(win[:, :, 0, :, 0], out, out=first[:, :, 0, :, 0])
    taken = first[:, :, 0, :, 0].copy()
    for i, j in ((0, 1), (1, 0), (1, 1)):
        m = first[:, :, i, :, j]
        np.equal(win[:, :, i, :, j], out, out=m)
        np.greater(m, taken, out=m)             # a maximum and none before it
        taken |= m
    return out, first


class ConvFloor:
    def __init__(self, params):
        self.p = params

    def step(self, x, t):
        p = self.p
        fn, _, fh, fw = p["W1"].shape
        n = len(x)
        # forward
        col, oh, ow = im2col(x, fh, fw)
        # (only what backward needs stays referenced, as the engine's graph keeps only its saved values)
        conv = col @ p["W1"].reshape(fn, -1).T
        conv += p["b1"]
        r1 = np.maximum(conv, 0)                # (N*OH*OW, FN): (N, OH, OW, FN) in memory
        del conv
        pool, first = max_pool_2x2(r1.reshape(n, oh, ow, fn))
        flat = pool.transpose(0, 3, 1, 2).reshape(n, -1)  # (c, h, w) order, as W2 expects
        del pool
        r2 = flat @ p["W2"]
        r2 += p["b2"]
        r2 = np.maximum(r2, 0)
        s = r2 @ p["W3"] + p["b3"]
        s = s - s.max(axis=1, keepdims=True)
        y = np.exp(s)
        y /= y.sum(axis=1, keepdims=True)
        # backward
        dout = y
        dout[np.arange(n), t] -= 1
        dout /= n
        dW3, db3 = r2.T @ dout, dout.sum(axis=0)
        dout = (dout @ p["W3"].T) * (r2 > 0)
        dW2, db2 = flat.T @ dout, dout.sum(axis=0)
        ph, pw = oh // 2, ow // 2
        dpool = (dout @ p["W2"].T).reshape(n, fn, ph, pw).transpose(0, 2, 3, 1)
        dconv = dpool.reshape(n, ph, 1, pw, 1, fn) * first  # dout at each window's first maximum
        del dpool, first
        dconv = dconv.reshape(-1, fn)
        dconv *= r1 > 0
        del r1
        db1 = dconv.sum(axis=0)
        dW1 = (col.T @ dconv).T.reshape(p["W1"].shape)  # x needs no gradient: no col2im for dx
        for key, g in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2), ("W3", dW3), ("b3", db3)):
            p[key] -= LR * g


# --- contenders --------------------------------------------------------------------------------

def make_step(kind, dtype):
    params, batches = init_params(dtype), make_batches(dtype)
    cycle = itertools.cycle(batches)
    if kind == "floor":
        net = ConvFloor(params)
        return lambda: net.step(*next(cycle))
    if kind == "engine":
        import nn
        net = nn.SimpleConvNet(dtype=dtype)
        for key, value in params.items():
            net.params[key][...] = value
        opt = nn.optim.SGD(net.parameters(), lr=LR)

        def step():  # the loop of demos/train_convnet.py
            x, t = next(cycle)
            loss = net.loss_tensor(x, t, train_flg=True)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return step
    return _torch_step(params, batches)


def _torch_step(params, batches):
    import torch
    P = {k: torch.from_numpy(v.copy()).requires_grad_() for k, v in params.items()}
    cycle = itertools.cycle([(torch.from_numpy(x), torch.from_numpy(t)) for x, t in batches])
    F = torch.nn.functional
    opt = torch.optim.SGD(list(P.values()), lr=LR)

    def step():
        x, t = next(cycle)
        h = F.max_pool2d(F.relu(F.conv2d(x, P["W1"], P["b1"])), 2)
        h = F.relu(h.reshape(len(x), -1) @ P["W2"] + P["b2"])
        loss = F.cross_entropy(h @ P["W3"] + P["b3"], t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


CONTENDERS = [("floor", "floor", None), ("engine", "engine", None), ("torch", "torch", None),
              ("floor_1thread", "floor", 1), ("engine_1thread", "engine", 1), ("torch_1thread", "torch", 1)]


def step_memory(step):
    """Peak bytes a step allocates above what is held before it (tracemalloc; the step is warm)."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def bench_dtype(dtype, rounds, budget_s, skip=()):
    contenders = [c for c in CONTENDERS if c[0] not in skip and (c[1] != "torch" or have_torch())]
    if threadpool_limits is None:  # one-thread runs need threadpoolctl here
        contenders = [c for c in contenders if not c[2]]
    steps, counts = {}, {}
    for label, kind, threads in contenders:
        steps[label] = make_step(kind, dtype)
        with blas_limit(threads):
            steps[label]()
            counts[label] = max(1, int(budget_s / time_steps(steps[label], 2)))
    samples = {label: [] for label, _, _ in contenders}
    for r in range(rounds):
        start = r % len(contenders)
        for label, _, threads in contenders[start:] + contenders[:start]:
            with blas_limit(threads):
                steps[label]()
                samples[label].append(time_steps(steps[label], counts[label]))
    memory = {label: step_memory(steps[label]) for label, kind, threads in contenders
              if kind != "torch" and not threads}
    out = {}
    for label, s in samples.items():
        base = "floor_1thread" if label.endswith("_1thread") else "floor"
        out[label] = {"median_ms": median(s) * 1e3, "min_ms": min(s) * 1e3,
                      "ratio_to_floor": median([a / b for a, b in zip(s, samples[base])]),
                      "steps_per_sample": counts[label], "samples_ms": [x * 1e3 for x in s]}
        if label in memory:
            out[label]["step_memory_bytes"] = memory[label]
            out[label]["memory_ratio_to_floor"] = memory[label] / memory["floor"]
    return {"contenders": out}


def bench_conv(rounds, budget_s, dtypes=("float32", "float64"), skip=()):
    return {"network": "SimpleConvNet conv30x5x5-pool2-100-10, batch 100, 28x28, SGD",
            "configs": {dtype: bench_dtype(dtype, rounds, budget_s, skip) for dtype in dtypes}}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.conv", description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--budget", type=float, default=1.0, help="seconds of steps per sample")
    p.add_argument("--dtypes", default="float32,float64")
    p.add_argument("--skip", default="", help="contenders to leave out, comma-separated")
    args = p.parse_args(argv)
    r = bench_conv(args.rounds, args.budget, tuple(args.dtypes.split(",")), tuple(args.skip.split(",")))
    print_conv(r)
    emit(r)


def print_conv(r):
    print(r["network"])
    for dtype, c in r["configs"].items():
        print(f"\n{dtype}")
        print(f"{'contender':16s} {'median ms':>10s} {'min ms':>8s} {'x floor':>8s} {'step MiB':>9s} {'x floor mem':>11s}")
        for label, v in c["contenders"].items():
            mem = v.get("step_memory_bytes")
            print(f"{label:16s} {v['median_ms']:10.1f} {v['min_ms']:8.1f} {v['ratio_to_floor']:8.3f} "
                  f"{'-' if mem is None else f'{mem / 2**20:.1f}':>9s} {v.get('memory_ratio_to_floor', float('nan')):11.2f}")


if __name__ == "__main__":
    main()
