"""Smoke test of the convolution benchmark (benchmarks/conv.py): it runs, the floor computes the
same step as the engine, and every contender reports positive numbers. Speeds are not asserted."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

import autograd.functions as F
import nn
from autograd import Tensor
from benchmarks import conv

ROOT = Path(__file__).resolve().parents[2]


def test_the_floor_takes_the_engines_step():
    params, (batch, *_) = conv.init_params("float64"), conv.make_batches("float64")
    floor = conv.ConvFloor({k: v.copy() for k, v in params.items()})
    floor.step(*batch)
    net = nn.SimpleConvNet()
    for key, value in params.items():
        net.params[key][...] = value
    grads = net.gradient(*batch)
    for key in params:
        np.testing.assert_allclose(floor.p[key], params[key] - conv.LR * grads[key], rtol=1e-12, atol=1e-15)


def test_the_floors_pooling_gives_ties_to_the_first_maximum_as_the_engine():
    """Random batches have ties only among the zeros relu makes, whose gradient relu stops; so
    ties are checked here, on small integers."""
    x = np.random.default_rng(2).integers(0, 3, (2, 3, 6, 8)).astype(np.float64)
    out, first = conv.max_pool_2x2(np.ascontiguousarray(x.transpose(0, 2, 3, 1)))
    tx = Tensor(x, requires_grad=True)
    pooled = F.max_pool2d(tx, 2)
    pooled.sum().backward()
    np.testing.assert_array_equal(out.transpose(0, 3, 1, 2), pooled.data)
    np.testing.assert_array_equal(first.reshape(2, 6, 8, 3).transpose(0, 3, 1, 2), tx.grad.data)


def test_run_conv_section_quick(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick", "--only", "conv", "--rounds", "1",
                           "--skip", "torch_1thread", "--json", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "x floor" in proc.stdout
    r = json.loads(out.read_text())["conv"]
    assert set(r["configs"]) == {"float32"}  # --quick: float32 only
    for c in r["configs"].values():
        v = c["contenders"]
        # one-thread runs need threadpoolctl (an optional benchmark dependency)
        one_thread = {"floor_1thread", "engine_1thread"} if conv.threadpool_limits is not None else set()
        assert {"floor", "engine"} | one_thread <= set(v)
        assert v["floor"]["ratio_to_floor"] == 1.0 and v["floor"]["memory_ratio_to_floor"] == 1.0
        assert all(x["median_ms"] > 0 and x["ratio_to_floor"] > 0 for x in v.values())
        assert v["engine"]["step_memory_bytes"] > 0
