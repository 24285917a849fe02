"""Where a training step of the engine spends its time, beside the floor doing the same math.

    python -m benchmarks.profile_step [--dtype float32] [--steps 4000] [--cprofile]
    python -m benchmarks.profile_step --sizes 8,4,2 --batch 2    # next to no NumPy work: the fixed cost

784-50-10, batch 100 unless told otherwise, SGD, one BLAS thread (when threadpoolctl is
installed) so that thread hand-offs do not blur small differences. Three views:
  parts   each part of the step timed with perf_counter on every step, medians;
  ops     each forward op alone against its NumPy formula: the fixed cost of recording an op;
  --cprofile  the functions with the most time of their own, per step (cProfile slows Python
          code, so read these as shares rather than times).
"""
import argparse
import cProfile
import pstats
import time
import timeit

import numpy as np

from .common import blas_limit, threadpool_limits
from .floor import Floor, affine, relu, softmax_with_loss
from .step import LR, init_layers, make_batches

def engine_model(layers):
    import nn
    dtype = layers[0][0].dtype
    (W1, b1), (W2, b2) = layers
    model = nn.Sequential(nn.Affine(*W1.shape, dtype=dtype), nn.ReLU(), nn.Affine(*W2.shape, dtype=dtype))
    model.load_state_dict({"0.W": W1, "0.b": b1, "2.W": W2, "2.b": b2})
    return model, nn.SoftmaxWithLoss(), nn.optim.SGD(model.parameters(), lr=LR)


def parts(layers, batches, steps):
    """Median us of the parts of a step, engine and floor stepping in turn on the same batch.
    Engine: each module's forward, the loss, zero_grad, backward, optimizer step.
    Floor: forward, backward, update."""
    model, criterion, opt = engine_model([(W.copy(), b.copy()) for W, b in layers])
    net = Floor(layers)
    engine_rows, floor_rows = [], []
    for i in range(steps):
        x, t = batches[i % len(batches)]
        marks = [time.perf_counter()]
        _, inputs, y = net.forward(x, t)
        marks.append(time.perf_counter())
        grads = net.backward(inputs, y, t)
        marks.append(time.perf_counter())
        net.update(grads, LR)
        marks.append(time.perf_counter())
        floor_rows.append(np.diff(marks))

        marks = [time.perf_counter()]
        for m in model:
            x = m(x)
            marks.append(time.perf_counter())
        loss = criterion(x, t)
        marks.append(time.perf_counter())
        opt.zero_grad()
        marks.append(time.perf_counter())
        loss.backward()
        marks.append(time.perf_counter())
        opt.step()
        marks.append(time.perf_counter())
        engine_rows.append(np.diff(marks))
    return np.median(engine_rows, axis=0) * 1e6, np.median(floor_rows, axis=0) * 1e6


def layer_names(sizes):
    return [f"Affine {sizes[0]}-{sizes[1]}", "ReLU", f"Affine {sizes[1]}-{sizes[2]}", "SoftmaxWithLoss"]


def print_parts(title, sizes, e, f):
    print(f"parts of a step, median us ({title})")
    print(f"{'':<26}{'engine':>8}{'floor':>8}{'extra':>8}")
    for name, value in zip(layer_names(sizes), e[:4]):
        print(f"{'  forward ' + name:<26}{value:8.1f}")
    total = [e[:4].sum(), e[5], e[4] + e[6]]
    for name, eng, flo in zip(["forward", "backward", "zero_grad + step"], total, f):
        print(f"{name:<26}{eng:8.1f}{flo:8.1f}{eng - flo:8.1f}")
    print(f"{'step':<26}{sum(total):8.1f}{f.sum():8.1f}{sum(total) - f.sum():8.1f}"
          f"   ({sum(total) / f.sum():.2f}x)")


def print_ops(sizes, layers, batches):
    import autograd.functions as F
    from autograd import Tensor
    (W1, b1), (W2, b2) = layers
    tW1, tb1, tW2, tb2 = (Tensor(a, requires_grad=True) for a in (W1, b1, W2, b2))
    x, t = batches[0]
    a = affine(x, W1, b1)
    h = relu(a)
    s = affine(h, W2, b2)
    ta, th, ts = (Tensor(v, requires_grad=True) for v in (a, h, s))
    ops = zip(layer_names(sizes),
              [lambda: affine(x, W1, b1), lambda: relu(a), lambda: affine(h, W2, b2),
               lambda: softmax_with_loss(s, t)],
              [lambda: F.affine(x, tW1, tb1), lambda: F.relu(ta), lambda: F.affine(th, tW2, tb2),
               lambda: F.cross_entropy(ts, t)])
    print("\nforward ops alone, us: best of 7 runs of 1000 calls, NumPy and engine in turn")
    print(f"{'':<26}{'engine':>8}{'numpy':>8}{'extra':>8}")
    for name, numpy_fn, engine_fn in ops:
        runs = [(timeit.timeit(numpy_fn, number=1000), timeit.timeit(engine_fn, number=1000)) for _ in range(7)]
        n, e = (min(r) * 1e3 for r in zip(*runs))
        print(f"{name:<26}{e:8.1f}{n:8.1f}{e - n:8.1f}")


def print_cprofile(layers, batches, steps, top):
    model, criterion, opt = engine_model(layers)

    def run():
        for i in range(steps):
            x, t = batches[i % len(batches)]
            loss = criterion(model(x), t)
            opt.zero_grad()
            loss.backward()
            opt.step()
    prof = cProfile.Profile()
    prof.runcall(run)
    rows = sorted(((tt, ct, n, f) for f, (_, n, tt, ct, _) in pstats.Stats(prof).stats.items()),
                  reverse=True)[:top]
    print(f"\ncProfile of the engine's step, per step, top {top} by own time")
    print(f"{'own us':>8}{'cum us':>8}{'calls':>7}  function")
    for tt, ct, n, (path, line, name) in rows:
        where = "/".join(path.split("/")[-2:])
        print(f"{tt / steps * 1e6:8.1f}{ct / steps * 1e6:8.1f}{n / steps:7.1f}  {name} ({where}:{line})")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_step")
    p.add_argument("--sizes", default="784,50,10", help="input, hidden and output sizes")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--cprofile", action="store_true")
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args(argv)
    sizes = tuple(int(n) for n in args.sizes.split(","))
    if len(sizes) != 3:
        p.error("--sizes: three sizes, input,hidden,output")
    batches = make_batches(sizes, args.batch, args.dtype)
    title = f"{args.sizes.replace(',', '-')} batch {args.batch} {args.dtype}"
    with blas_limit(1 if threadpool_limits else None):
        parts(init_layers(sizes, args.dtype), batches, 200)  # warm up BLAS and the caches
        print_parts(title, sizes, *parts(init_layers(sizes, args.dtype), batches, args.steps))
        print_ops(sizes, init_layers(sizes, args.dtype), batches)
        if args.cprofile:
            print_cprofile(init_layers(sizes, args.dtype), batches, args.steps, args.top)
    if not threadpool_limits:
        print("(threadpoolctl is not installed: BLAS ran with its default threads)")


if __name__ == "__main__":
    main()
