"""Deep graphs: backward is iterative, so a chain of a million ops needs no recursion, and the
memory a chain takes grows linearly with its length. Run with -s to see the timings."""
import gc
import os
import time
import tracemalloc

import numpy as np
import pytest

import autograd
from autograd import Tensor

MILLION = 1_000_000


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_million_op_chain_backpropagates_without_recursion():
    x = Tensor(0.0, requires_grad=True)
    has_proc = os.path.exists("/proc/self/statm")
    # Python's cyclic collector rescanning a million live objects costs as much as building the
    # graph; it is paused so that the timing printed is the engine's own.
    gc.disable()
    try:
        rss_before = _rss_bytes() if has_proc else 0
        start = time.perf_counter()
        y = x
        for _ in range(MILLION):
            y = y + 0.5
        built = time.perf_counter()
        rss_built = _rss_bytes() if has_proc else 0
        y.backward()
        done = time.perf_counter()
    finally:
        gc.enable()
    print(f"\n1e6-op chain (gc paused): forward {built - start:.2f} s, backward {done - built:.2f} s "
          f"({(done - built) / MILLION * 1e6:.2f} us/node), graph {(rss_built - rss_before) / 2**20:.0f} MiB RSS")
    assert y.item() == 500_000.0
    assert x.grad.item() == 1.0
    if has_proc:  # the whole graph of a million nodes fits well within 1 GiB
        assert rss_built - rss_before < 2**30


def test_a_deep_chain_of_ops_that_save_values_gets_the_chain_rule_right():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.00001
    y.backward()
    assert x.grad.item() == pytest.approx(1.00001 ** 50_000, rel=1e-9)


def test_a_deep_graph_is_freed_without_recursion_when_dropped_unused():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    del y  # no RecursionError or crash while a 100,000-node chain is torn down
    assert x.grad is None


def test_a_deep_chain_works_with_autograd_grad_and_retain_graph():
    x = Tensor(2.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y.tanh() * 0.5 + y * 0.5
    (g1,) = autograd.grad(y, x, retain_graph=True)
    (g2,) = autograd.grad(y, x)
    assert g1.item() == g2.item()
    assert 0.0 < g1.item() < 1.0


def _peak_bytes_of_chain(n):
    tracemalloc.start()
    try:
        x = Tensor(np.float64(1.0), requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 1.0000001
        y.backward()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_of_a_chain_grows_linearly_with_its_length():
    n = 5_000
    small, large = _peak_bytes_of_chain(n), _peak_bytes_of_chain(2 * n)
    per_node = large / (2 * n)
    print(f"\nchain peak: {small / 2**20:.1f} MiB for {n} ops, {large / 2**20:.1f} MiB for {2 * n} "
          f"ops ({per_node:.0f} B/op)")
    assert 1.6 < large / small < 2.4
    assert per_node * MILLION < 2**30  # so a million-op chain peaks below 1 GiB
