"""One training step (forward + backward + SGD update) per contender, timed in alternation.

Every contender starts from the same weights (the textbook's 0.01 * randn, zero biases) and cycles
through the same few random batches, so all do the same arithmetic. Also a child process:

    python -m benchmarks.step --kind floor --sizes 784,50,10 --batch 100 --dtype float32 --budget 0.3
"""
import argparse
import itertools
import time

import numpy as np

from .common import blas_limit, emit, median, run_child, settle_gc, threadpool_limits
from .floor import Floor

LR = 0.1
N_BATCHES = 4
SETTLE_STEPS = 2  # untimed, before each sample: the first steps after a switch run on cold caches

# (label, kind, threads: of BLAS, or for torch of its own pool; None = the default)
CONTENDERS = [
    ("floor", "floor", None),
    ("engine_sequential", "sequential", None),
    ("engine_twolayernet", "twolayernet", None),
    ("torch", "torch", None),
    ("floor_1thread", "floor", 1),
    ("engine_sequential_1thread", "sequential", 1),
    ("torch_1thread", "torch", 1),
]


def config_name(sizes, batch, dtype):
    return f"{'-'.join(map(str, sizes))} batch {batch} {dtype}"


def init_layers(sizes, dtype):
    rng = np.random.default_rng(0)
    return [((0.01 * rng.standard_normal((m, n))).astype(dtype), np.zeros(n, dtype))
            for m, n in zip(sizes, sizes[1:])]


def make_batches(sizes, batch, dtype):
    rng = np.random.default_rng(1)
    return [(rng.random((batch, sizes[0])).astype(dtype), rng.integers(0, sizes[-1], batch))
            for _ in range(N_BATCHES)]


def have_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def applicable(kind, sizes):
    return (kind != "twolayernet" or len(sizes) == 3) and (kind != "torch" or have_torch())


def make_step(kind, sizes, batch, dtype):
    """A function of no arguments that runs one training step on the next batch."""
    layers = init_layers(sizes, dtype)
    batches = make_batches(sizes, batch, dtype)
    if kind == "torch":
        return _torch_step(layers, batches)
    if kind in ("sequential", "twolayernet"):
        return _engine_step(kind, layers, batches)
    net = Floor(layers)
    cycle = itertools.cycle(batches)

    def step():
        x, t = next(cycle)
        net.step(x, t, LR)
    return step


def _engine_step(kind, layers, batches):
    import nn
    dtype = layers[0][0].dtype
    if kind == "twolayernet":
        (W1, b1), (W2, b2) = layers
        model = nn.TwoLayerNet(W1.shape[0], W1.shape[1], W2.shape[1], dtype=dtype)
        for key, value in zip(("W1", "b1", "W2", "b2"), (W1, b1, W2, b2)):
            model.params[key][...] = value
        loss_of = model.loss_tensor
    else:
        modules = []
        for W, b in layers:
            modules += [nn.Affine(*W.shape, dtype=dtype), nn.ReLU()]
        model = nn.Sequential(*modules[:-1])
        model.load_state_dict({f"{2 * i}.{key}": value for i, (W, b) in enumerate(layers)
                               for key, value in (("W", W), ("b", b))})
        criterion = nn.SoftmaxWithLoss()

        def loss_of(x, t):
            return criterion(model(x), t)
    opt = nn.optim.SGD(model.parameters(), lr=LR)
    cycle = itertools.cycle(batches)

    def step():  # the loop of demos/train_mnist.py
        x, t = next(cycle)
        loss = loss_of(x, t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def _torch_step(layers, batches):
    import torch
    modules = []
    for W, b in layers:
        linear = torch.nn.Linear(*W.shape, dtype=getattr(torch, W.dtype.name))
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T))  # torch keeps W as (out, in)
            linear.bias.copy_(torch.from_numpy(b))
        modules += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*modules[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    cycle = itertools.cycle([(torch.from_numpy(x), torch.from_numpy(t)) for x, t in batches])

    def step():
        x, t = next(cycle)
        loss = torch.nn.functional.cross_entropy(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def time_steps(step, n):
    """Seconds per step over n steps."""
    settle_gc()
    start = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - start) / n


def warm_up(step, budget_s):
    """Run steps for budget_s (the first ones allocate, fill caches, start thread pools: torch
    takes dozens of steps to settle) and return how many steps fit in budget_s."""
    deadline = time.perf_counter() + budget_s
    step()
    while time.perf_counter() < deadline:
        step()
    return max(1, int(budget_s / time_steps(step, 2)))


def bench_config(sizes, batch, dtype, rounds, budget_s, threads_in_child=False, skip=()):
    """Each round times every contender once, starting one further along the list each round
    (so none always runs first); a sample is the mean over as many steps as fit in budget_s.
    One-thread contenders run here under threadpoolctl, or each sample in a child process whose
    environment sets the threads: always so for torch, whose pool misbehaves when resized."""
    via_threadpoolctl = threadpool_limits is not None and not threads_in_child
    contenders = [c for c in CONTENDERS if applicable(c[1], sizes) and c[0] not in skip]
    steps, counts = {}, {}
    for label, kind, threads in contenders:
        if not threads or (via_threadpoolctl and kind != "torch"):
            steps[label] = make_step(kind, sizes, batch, dtype)
            with blas_limit(threads):
                counts[label] = warm_up(steps[label], budget_s)
    samples = {label: [] for label, _, _ in contenders}
    for r in range(rounds):
        start = r % len(contenders)
        for label, kind, threads in contenders[start:] + contenders[:start]:
            if label in steps:
                with blas_limit(threads):
                    for _ in range(SETTLE_STEPS):
                        steps[label]()
                    samples[label].append(time_steps(steps[label], counts[label]))
            else:
                args = ["--kind", kind, "--sizes", ",".join(map(str, sizes)), "--batch", batch,
                        "--dtype", dtype, "--budget", budget_s]
                answer = run_child("benchmarks.step", args, threads)
                samples[label].append(answer["s_per_step"])
                counts[label] = answer["steps"]
    floor = samples["floor"]
    return {"sizes": list(sizes), "batch": batch, "dtype": dtype,
            "one_thread_by": "threadpoolctl" if via_threadpoolctl else "child processes",
            "contenders": {label: {
                "median_us": median(s) * 1e6,
                "min_us": min(s) * 1e6,
                # per round, against the floor of the same round: load that comes and goes cancels
                "ratio_to_floor": median([a / b for a, b in zip(s, floor)]),
                "steps_per_sample": counts[label],
                "samples_us": [x * 1e6 for x in s],
                "threads": threads or "default",
                "in_child": label not in steps,
            } for label, s in samples.items()}}


def bench_steps(configs, rounds, budget_s, threads_in_child=False, skip=()):
    return {"configs": {config_name(*c): bench_config(*c, rounds, budget_s, threads_in_child, skip)
                        for c in configs}}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.step")
    p.add_argument("--kind", choices=["floor", "sequential", "twolayernet", "torch"], required=True)
    p.add_argument("--sizes", required=True, help="layer sizes, e.g. 784,50,10")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--dtype", choices=["float64", "float32"], required=True)
    p.add_argument("--budget", type=float, required=True, help="seconds to warm up, and to time")
    args = p.parse_args(argv)
    step = make_step(args.kind, tuple(int(n) for n in args.sizes.split(",")), args.batch, args.dtype)
    n = warm_up(step, args.budget)
    emit({"s_per_step": time_steps(step, n), "steps": n})


if __name__ == "__main__":
    main()
