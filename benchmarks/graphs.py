"""Scalar graphs: the cost of one node, and a chain a million nodes deep.

The scalar graph is shallow and wide: products a_i * b_i summed pairwise in a tree, so it is
only log2(n) deep and micrograd's recursive topological sort needs no raised recursion limit.
The chain, y = y * c repeated, runs in a child process so that its peak memory is its own:

    python -m benchmarks.graphs --chain 1000000
"""
import argparse
import time

from .common import current_rss, emit, median, peak_rss, run_child, settle_gc

CHAIN_FACTOR = 1.000001


def tree(make_leaf, nodes):
    """Build the tree of about `nodes` op nodes on fresh leaves and run backward.
    Returns (forward s, backward s, op nodes, whether d out / d a_0 came out as b_0)."""
    k = (nodes + 1) // 2
    a = [make_leaf(0.5 + 0.1 * (i % 7)) for i in range(k)]
    b = [make_leaf(1.5 - 0.1 * (i % 5)) for i in range(k)]
    settle_gc()
    start = time.perf_counter()
    level = [x * y for x, y in zip(a, b)]
    while len(level) > 1:
        pairs = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        level = pairs + level[len(pairs) * 2:]  # an odd one out moves up as it is
    mid = time.perf_counter()
    level[0].backward()
    end = time.perf_counter()
    return mid - start, end - mid, 2 * k - 1, float(a[0].grad) == float(b[0].data)


def scalar_contenders():
    from autograd import Tensor
    contenders = {"engine": lambda v: Tensor(v, requires_grad=True)}
    try:
        from micrograd.engine import Value
        contenders["micrograd"] = Value
    except ImportError:
        pass
    return contenders


def bench_scalar(sizes, rounds):
    contenders = scalar_contenders()
    samples = {(n, name): [] for n in sizes for name in contenders}
    for _ in range(rounds):
        for n in sizes:
            for name, make_leaf in contenders.items():
                fwd, bwd, nodes, ok = tree(make_leaf, n)
                if not ok:
                    raise AssertionError(f"{name}: wrong gradient in the scalar tree of {n} nodes")
                samples[n, name].append((fwd / nodes, bwd / nodes))
    return {"graph": "tree: n/2 products a_i * b_i summed pairwise (depth log2 n)",
            "results": [{"nodes": 2 * ((n + 1) // 2) - 1, "contender": name,
                         "forward_us_per_node": median([f for f, _ in s]) * 1e6,
                         "backward_us_per_node": median([b for _, b in s]) * 1e6,
                         "total_us_per_node": median([f + b for f, b in s]) * 1e6}
                        for (n, name), s in samples.items()]}


def chain(n):
    """y = x * c * c * ... (n ops) and its backward; times and memory of this process."""
    from autograd import Tensor
    x = Tensor(1.0, requires_grad=True)
    base = current_rss()
    start = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * CHAIN_FACTOR
    mid = time.perf_counter()
    with_graph = current_rss()
    y.backward()
    end = time.perf_counter()
    expected = CHAIN_FACTOR ** n
    if abs(x.grad.item() - expected) > 1e-6 * expected:
        raise AssertionError(f"chain of {n}: gradient {x.grad.item()}, expected {expected}")
    return {"forward_s": mid - start, "backward_s": end - mid, "base_rss_bytes": base,
            "rss_with_graph_bytes": with_graph, "peak_rss_bytes": peak_rss()}


def bench_chain(sizes, rounds):
    """One row per chain length: medians over `rounds` child processes, and the cost per node,
    so that growth with depth shows (each node should cost the same at 10^6 as at 10^4)."""
    rows = []
    for n in sizes:
        runs = [run_child("benchmarks.graphs", ["--chain", n]) for _ in range(rounds)]
        row = {"nodes": n}
        for key in runs[0]:
            values = [r[key] for r in runs]
            row[key] = None if None in values else median(values)
        row["us_per_node"] = median([(r["forward_s"] + r["backward_s"]) / n for r in runs]) * 1e6
        if row["rss_with_graph_bytes"] is not None:
            row["graph_bytes_per_node"] = (row["rss_with_graph_bytes"] - row["base_rss_bytes"]) / n
        rows.append(row)
    return {"results": rows}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.graphs")
    p.add_argument("--chain", type=int, required=True, help="number of nodes")
    emit(chain(p.parse_args(argv).chain))


if __name__ == "__main__":
    main()
