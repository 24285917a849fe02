"""Memory: after backward the graph lets go of what it saved, intermediates die by refcounting
alone (no reference cycles), and a long training loop runs in bounded memory."""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor


def tiny_model(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Affine(5, 10, rng=rng), nn.ReLU(), nn.Affine(10, 3, rng=rng))


def batch(rng, n=8):
    return rng.standard_normal((n, 5)), rng.integers(0, 3, n)


@pytest.fixture
def refcounting_only():
    """With the cyclic collector off, only refcounting frees objects: what dies here would die
    in any program, and anything kept alive by a cycle stays alive for the test to see."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_ten_thousand_training_steps_run_in_bounded_memory():
    model, criterion = tiny_model(), nn.SoftmaxWithLoss()
    opt = nn.optim.SGD(model.parameters(), lr=0.05)
    rng = np.random.default_rng(1)
    x, t = batch(rng)

    def train(steps):
        for _ in range(steps):
            loss = criterion(model(x), t)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return loss

    train(100)  # warm up: caches, freelists and the optimizer's own state
    tracemalloc.start()
    try:
        train(1_000)
        after_1k = tracemalloc.get_traced_memory()[0]
        last = train(9_000)
        after_10k = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert np.isfinite(last.item())
    # a leak of even one small array (~100 bytes) per step would add ~1 MB over the last 9,000 steps
    assert after_10k - after_1k < 64 * 1024, f"traced memory grew by {after_10k - after_1k} bytes"


def test_an_intermediate_of_a_finished_step_dies_while_the_loss_is_held(refcounting_only):
    model = nn.Sequential(nn.Affine(5, 10), nn.Sigmoid(), nn.Affine(10, 3))
    x, t = batch(np.random.default_rng(2))
    hidden = model[1](model[0](x))
    hidden_ref, hidden_data_ref = weakref.ref(hidden), weakref.ref(hidden.data)
    loss = nn.SoftmaxWithLoss()(model[2](hidden), t)
    del hidden
    assert hidden_ref() is not None  # the graph needs it until backward
    loss.backward()
    assert hidden_ref() is None
    assert hidden_data_ref() is None  # the array Sigmoid and the second Affine saved
    assert loss.item() > 0  # the loss itself lives on


def test_backward_releases_what_each_op_saved_even_while_the_loss_is_held(refcounting_only):
    x = Tensor(np.random.default_rng(3).standard_normal((4, 3)), requires_grad=True)
    loss = autograd.functions.cross_entropy(x.tanh() * 2.0, np.array([0, 1, 2, 0]))
    with autograd.no_grad():
        saved = loss.grad_fn.saved_tensors  # the logits, their softmax and the one-hot targets
    refs = [weakref.ref(a) for a in saved]
    del saved
    loss.backward()
    assert [r() for r in refs] == [None, None, None]
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


def test_dropping_a_step_frees_its_whole_graph_by_refcounting(refcounting_only):
    model, x, t = tiny_model(), *batch(np.random.default_rng(4))
    out = model(x)
    loss = nn.SoftmaxWithLoss()(out, t)
    refs = [weakref.ref(loss), weakref.ref(loss.grad_fn), weakref.ref(out), weakref.ref(out.grad_fn)]
    del out, loss  # no backward at all: an evaluation with grad on, then thrown away
    assert [r() for r in refs] == [None] * 4


def test_a_training_loop_leaves_no_cycles_of_graph_objects(refcounting_only):
    model, criterion = tiny_model(), nn.SoftmaxWithLoss()
    opt = nn.optim.Momentum(model.parameters(), lr=0.05)
    rng = np.random.default_rng(5)
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds goes to gc.garbage for inspection
    try:
        for _ in range(50):
            x, t = batch(rng)
            loss = criterion(model(x), t)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with autograd.no_grad():
                model(x)  # evaluation
            model(x).sum()  # a forward with grad on, never backwarded
        del loss
        found = gc.collect()
        leaked = [o for o in gc.garbage if isinstance(o, (Tensor, autograd.Function, np.ndarray))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert leaked == [], f"{len(leaked)} graph objects (of {found} unreachable) were only freed by the cycle collector"
