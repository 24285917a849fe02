"""Tests for nn.optim: the textbook's chapter-6 update rules, PyTorch's names and defaults."""
import inspect

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.optim import SGD, AdaGrad, Adam, Momentum

STEPS = 6


# --- the textbook's optimizers, on dicts of ndarrays (chapter 6) ---------------------------

class BookSGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params.keys():
            params[key] -= self.lr * grads[key]


class BookMomentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params.keys():
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.v[key]


class BookAdaGrad:
    def __init__(self, lr=0.01, eps=1e-7):
        self.lr, self.eps, self.h = lr, eps, None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params.keys():
            self.h[key] += grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + self.eps)


class BookAdam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.iter, self.m, self.v = 0, None, None

    def update(self, params, grads):
        if self.m is None:
            self.m = {key: np.zeros_like(val) for key, val in params.items()}
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
        for key in params.keys():
            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + self.eps)


# --- helpers ---------------------------------------------------------------------------------

def make_params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [nn.Parameter(rng.standard_normal((3, 4)).astype(dtype)),
            nn.Parameter(rng.standard_normal(4).astype(dtype))]


def gradient_sequence(params, steps=STEPS, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(p.shape).astype(p.dtype) for p in params] for _ in range(steps)]


CASES = [
    (SGD, {}, BookSGD, {}),
    (SGD, {"lr": 0.3}, BookSGD, {"lr": 0.3}),
    (Momentum, {}, BookMomentum, {}),
    (Momentum, {"lr": 0.05, "momentum": 0.5}, BookMomentum, {"lr": 0.05, "momentum": 0.5}),
    (AdaGrad, {}, BookAdaGrad, {}),
    (AdaGrad, {"lr": 0.1, "eps": 1e-3}, BookAdaGrad, {"lr": 0.1, "eps": 1e-3}),
    (Adam, {}, BookAdam, {}),
    (Adam, {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-4},
     BookAdam, {"lr": 0.01, "beta1": 0.8, "beta2": 0.9, "eps": 1e-4}),
]


@pytest.mark.parametrize("cls, kwargs, book_cls, book_kwargs", CASES,
                         ids=[f"{c[0].__name__}-{'defaults' if not c[1] else 'custom'}" for c in CASES])
def test_optimizer_reproduces_the_textbook_rule_step_by_step(cls, kwargs, book_cls, book_kwargs):
    params = make_params()
    book_params = {str(i): p.data.copy() for i, p in enumerate(params)}
    opt, book = cls(params, **kwargs), book_cls(**book_kwargs)
    for grads in gradient_sequence(params):
        for p, g in zip(params, grads):
            p.grad = Tensor(g)
        opt.step()
        book.update(book_params, {str(i): g for i, g in enumerate(grads)})
        for i, p in enumerate(params):
            np.testing.assert_allclose(p.data, book_params[str(i)], rtol=1e-13, atol=1e-15)
    assert not np.allclose(params[0].data, make_params()[0].data)  # it did move


@pytest.mark.parametrize("cls", [SGD, Momentum, AdaGrad, Adam])
def test_optimizer_trains_with_gradients_from_backward(cls):
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Affine(5, 8, rng=rng, init="he"), nn.ReLU(), nn.Affine(8, 3, rng=rng, init="he"))
    x, t = rng.standard_normal((30, 5)), rng.integers(0, 3, 30)
    criterion = nn.SoftmaxWithLoss()
    opt = cls(model.parameters(), lr=0.05)
    first = criterion(model(x), t).item()
    for _ in range(30):
        loss = criterion(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert criterion(model(x), t).item() < 0.9 * first


@pytest.mark.parametrize("cls, defaults", [
    (SGD, {"lr": 0.01}),
    (Momentum, {"lr": 0.01, "momentum": 0.9}),
    (AdaGrad, {"lr": 0.01, "eps": 1e-7}),
    (Adam, {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8}),
])
def test_keyword_names_and_defaults(cls, defaults):
    signature = inspect.signature(cls)
    assert list(signature.parameters) == ["params", *defaults]
    assert {name: signature.parameters[name].default for name in defaults} == defaults
    opt = cls(make_params())
    assert opt.lr == defaults["lr"]
    if cls is Momentum:
        assert opt.momentum == 0.9
    if cls in (AdaGrad, Adam):
        assert opt.eps == defaults["eps"]
    if cls is Adam:
        assert (opt.beta1, opt.beta2) == (0.9, 0.999)


def test_sgd_default_learning_rate_is_used():
    (p,) = make_params()[:1]
    before = p.data.copy()
    p.grad = Tensor(np.ones(p.shape))
    SGD([p]).step()
    np.testing.assert_allclose(p.data, before - 0.01, rtol=1e-15)


@pytest.mark.parametrize("cls", [SGD, Momentum, AdaGrad, Adam])
def test_zero_grad_sets_grad_to_none(cls):
    params = make_params()
    for p in params:
        p.grad = Tensor(np.ones(p.shape))
    opt = cls(params)
    opt.zero_grad()
    assert all(p.grad is None for p in params)


@pytest.mark.parametrize("cls", [SGD, Momentum, AdaGrad, Adam])
def test_step_skips_parameters_without_grad(cls):
    with_grad, without = make_params()
    opt = cls([with_grad, without])
    # one step with both gradients, so that momentum and Adam hold non-zero state for `without`
    with_grad.grad, without.grad = Tensor(np.ones(with_grad.shape)), Tensor(np.ones(without.shape))
    opt.step()
    without.grad = None
    frozen, before = without.data.copy(), with_grad.data.copy()
    for _ in range(3):
        with_grad.grad = Tensor(np.ones(with_grad.shape))
        opt.step()
    assert without.grad is None
    np.testing.assert_array_equal(without.data, frozen)
    assert not np.array_equal(with_grad.data, before)


@pytest.mark.parametrize("cls", [SGD, Momentum, AdaGrad, Adam])
def test_updates_are_in_place_and_float32_stays_float32(cls):
    params = make_params(np.float32)
    arrays = [p.data for p in params]
    opt = cls(params, lr=0.1)
    for grads in gradient_sequence(params):
        for p, g in zip(params, grads):
            p.grad = Tensor(g)
        opt.step()
    for p, a in zip(params, arrays):
        assert p.dtype == np.float32
        assert p.data is a  # aliases such as TwoLayerNet.params keep training the model
        assert np.all(np.isfinite(p.data))


@pytest.mark.parametrize("cls", [SGD, Momentum, AdaGrad, Adam])
def test_float32_updates_follow_the_textbook_rule(cls):
    params = make_params(np.float32)
    book_params = {str(i): p.data.astype(np.float64) for i, p in enumerate(params)}
    book = {SGD: BookSGD, Momentum: BookMomentum, AdaGrad: BookAdaGrad, Adam: BookAdam}[cls](lr=0.05)
    opt = cls(params, lr=0.05)
    for grads in gradient_sequence(params):
        for p, g in zip(params, grads):
            p.grad = Tensor(g)
        opt.step()
        book.update(book_params, {str(i): g.astype(np.float64) for i, g in enumerate(grads)})
    for i, p in enumerate(params):
        np.testing.assert_allclose(p.data, book_params[str(i)], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [SGD, Momentum, AdaGrad, Adam])
@pytest.mark.parametrize("bad, words", [
    (lambda: np.zeros(3), ["parameter 1", "ndarray"]),
    (lambda: Tensor(np.zeros(3)), ["parameter 1", "Tensor"]),
    (lambda: nn.Parameter(np.zeros(3)) * 2.0, ["parameter 1", "Tensor", "leaf"]),
    (lambda: nn.Parameter(np.zeros(3), requires_grad=False), ["parameter 1", "Parameter"]),
], ids=["ndarray", "no-grad-tensor", "non-leaf-tensor", "frozen-parameter"])
def test_something_that_is_not_a_parameter_is_a_type_error_naming_it(cls, bad, words):
    good = nn.Parameter(np.ones(2))
    with pytest.raises(TypeError) as info:
        cls([good, bad()])
    for word in words:
        assert word in str(info.value)


def test_non_positive_learning_rate_is_an_error():
    with pytest.raises(ValueError, match="lr"):
        SGD(make_params(), lr=0.0)
    with pytest.raises(ValueError, match="lr"):
        Adam(make_params(), lr=-1e-3)


def test_optimizer_accepts_model_parameters_generator():
    model = nn.Sequential(nn.Affine(2, 2), nn.ReLU(), nn.Affine(2, 1))
    opt = SGD((p for p in model.parameters()), lr=0.1)
    assert len(opt.params) == 4 and opt.params[0] is model[0].W


def test_adam_counts_each_parameters_own_steps():
    """As PyTorch's: a parameter that first gets a gradient at the second step takes a first step
    of lr (m / sqrt(v) is g / |g| after one bias-corrected step), not a step scaled for t = 2."""
    a, b = nn.Parameter(np.zeros(3)), nn.Parameter(np.zeros(3))
    opt = Adam([a, b], lr=0.1, eps=1e-12)
    a.grad = Tensor(np.ones(3))
    opt.step()                                  # b has no gradient yet: untouched
    np.testing.assert_array_equal(b.data, 0.0)
    a.grad, b.grad = Tensor(np.ones(3)), Tensor(np.array([2.0, -3.0, 0.5]))
    opt.step()
    np.testing.assert_allclose(b.data, [-0.1, 0.1, -0.1], rtol=1e-9)
    # a took its second step: the same rule with t = 2, as a lone parameter's would
    ref = nn.Parameter(np.zeros(3))
    lone = Adam([ref], lr=0.1, eps=1e-12)
    for _ in range(2):
        ref.grad = Tensor(np.ones(3))
        lone.step()
    np.testing.assert_array_equal(a.data, ref.data)
    assert opt.t == [2, 1]
