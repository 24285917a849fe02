"""Threads: the switches (no_grad, detect_anomaly) belong to the thread that sets them, and two
threads training two models get exactly the parameters they would get one after the other, with
no false in-place error from the mutation clock the threads share. (The basic no_grad-in-one-thread
checks are in test_backward.py; here the threads run at the same time, step after step.)"""
import sys
import threading

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, no_grad


@pytest.fixture(autouse=True)
def frequent_thread_switches():
    """Switch threads every few microseconds so that their steps interleave finely."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def run_in_threads(*targets):
    """Start one thread per target, all at once; re-raise the first error any of them hit."""
    errors = []
    start = threading.Barrier(len(targets))

    def wrap(fn):
        def run():
            try:
                start.wait(10)
                fn()
            except BaseException as e:  # noqa: BLE001  (handed to the main thread)
                errors.append(e)
        return run
    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not any(th.is_alive() for th in threads), "a thread did not finish"
    if errors:
        raise errors[0]


def train(seed, steps=300, optimizer=nn.optim.SGD):
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Affine(6, 16, rng=rng), nn.Tanh(), nn.Affine(16, 4, rng=rng))
    opt = optimizer(model.parameters(), lr=0.05)
    criterion = nn.SoftmaxWithLoss()
    for _ in range(steps):
        x, t = rng.standard_normal((8, 6)), rng.integers(0, 4, 8)
        loss = criterion(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.state_dict()


def test_two_threads_training_two_models_match_training_them_one_after_the_other():
    expected = {seed: train(seed, optimizer=opt) for seed, opt in ((1, nn.optim.SGD), (2, nn.optim.Adam))}
    got = {}
    run_in_threads(lambda: got.__setitem__(1, train(1, optimizer=nn.optim.SGD)),
                   lambda: got.__setitem__(2, train(2, optimizer=nn.optim.Adam)))
    for seed in (1, 2):
        assert got[seed].keys() == expected[seed].keys()
        for name in expected[seed]:
            np.testing.assert_array_equal(got[seed][name], expected[seed][name], err_msg=f"model {seed}, {name}")


def test_no_grad_in_one_thread_leaves_a_training_thread_recording():
    w = Tensor(np.ones(3), requires_grad=True)
    seen = {"evaluated": 0, "trained": 0}

    def evaluate():
        with no_grad():
            for _ in range(2000):
                assert not (w * 2.0).requires_grad
                seen["evaluated"] += 1

    def training():
        for _ in range(2000):
            y = (w * w).sum()
            assert y.requires_grad
            w.grad = None
            y.backward()
            np.testing.assert_array_equal(w.grad.data, 2 * w.data)
            seen["trained"] += 1

    run_in_threads(evaluate, training)
    assert seen == {"evaluated": 2000, "trained": 2000}


def test_anomaly_mode_in_one_thread_does_not_check_another():
    found = []

    def checking():
        with autograd.detect_anomaly(), np.errstate(invalid="ignore"):
            for _ in range(500):
                with pytest.raises(FloatingPointError):
                    Tensor([-1.0], requires_grad=True).log()
            found.append("checked")

    def unchecked():
        with np.errstate(invalid="ignore"):
            for _ in range(500):
                assert np.isnan(Tensor([-1.0], requires_grad=True).log().data[0])
        found.append("unchecked")

    run_in_threads(checking, unchecked)
    assert sorted(found) == ["checked", "unchecked"]


def test_a_graph_recorded_in_one_thread_can_be_backwarded_in_another():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    y = (x.tanh() * x).sum()
    run_in_threads(y.backward)
    np.testing.assert_allclose(x.grad.data, np.tanh(x.data) + x.data * (1 - np.tanh(x.data) ** 2))
