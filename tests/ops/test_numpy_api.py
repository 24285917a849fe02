"""NumPy functions on Tensors (NEP 13 / NEP 18): the supported ones record the same op as the
Tensor method, with the same values and gradients; those without a gradient give arrays; every
other one refuses a Tensor that requires grad. And one-element tensors convert like NumPy scalars."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import autograd.functions as F
from autograd import Tensor, no_grad, testing


def var(x):
    return Tensor(np.array(x, dtype=np.float64), requires_grad=True)


def same_op_same_gradients(numpy_call, method_call, *arrays):
    """numpy_call and method_call record the same op, with equal values and gradients."""
    a = [var(x) for x in arrays]
    b = [var(x) for x in arrays]
    ya, yb = numpy_call(*a), method_call(*b)
    assert isinstance(ya, Tensor)
    assert type(ya.grad_fn) is type(yb.grad_fn)
    np.testing.assert_array_equal(ya.data, yb.data)
    g = np.random.default_rng(0).standard_normal(ya.shape)
    ga = autograd.grad(ya, a, g)
    gb = autograd.grad(yb, b, g)
    for u, v in zip(ga, gb):
        np.testing.assert_array_equal(u.data, v.data)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_elementwise_ufuncs_are_the_tensor_methods(data):
    shape_x, shape_y = data.draw(testing.broadcastable_shapes(2))
    x = data.draw(testing.arrays(shape_x, domain=(0.5, 2.0)))
    y = data.draw(testing.arrays(shape_y, domain=(0.5, 2.0)))
    for np_fn, method in [(np.add, lambda a, b: a + b), (np.subtract, lambda a, b: a - b),
                          (np.multiply, lambda a, b: a * b), (np.divide, lambda a, b: a / b),
                          (np.true_divide, lambda a, b: a / b), (np.power, lambda a, b: a ** b),
                          (np.maximum, F.maximum)]:
        same_op_same_gradients(np_fn, method, x, y)
    for np_fn, method in [(np.exp, Tensor.exp), (np.log, Tensor.log), (np.sqrt, Tensor.sqrt),
                          (np.tanh, Tensor.tanh), (np.negative, Tensor.__neg__)]:
        same_op_same_gradients(np_fn, method, x)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_reductions_and_shapes_are_the_tensor_methods(data):
    x = data.draw(testing.arrays(data.draw(testing.shapes(min_dims=1)), distinct=True))
    axis = data.draw(st.sampled_from([None, 0, -1]))
    keepdims = data.draw(st.booleans())
    same_op_same_gradients(lambda t: np.sum(t, axis=axis, keepdims=keepdims),
                           lambda t: t.sum(axis=axis, keepdims=keepdims), x)
    same_op_same_gradients(lambda t: np.mean(t, axis=axis, keepdims=keepdims),
                           lambda t: t.mean(axis=axis, keepdims=keepdims), x)
    same_op_same_gradients(lambda t: np.max(t, axis=axis, keepdims=keepdims),
                           lambda t: t.max(axis=axis, keepdims=keepdims), x)
    same_op_same_gradients(lambda t: np.amax(t, axis), lambda t: t.max(axis), x)
    same_op_same_gradients(lambda t: np.reshape(t, (-1,)), lambda t: t.reshape(-1), x)
    same_op_same_gradients(lambda t: np.transpose(t), lambda t: t.transpose(), x)
    same_op_same_gradients(lambda t: np.broadcast_to(t, (2,) + x.shape), lambda t: F.broadcast_to(t, (2,) + x.shape), x)
    same_op_same_gradients(lambda t: np.concatenate([t, t * 2], axis=0),
                           lambda t: F.concatenate([t, t * 2], axis=0), x)
    same_op_same_gradients(lambda t: np.stack([t, t], axis=-1), lambda t: F.stack([t, t], axis=-1), x)
    same_op_same_gradients(lambda t: np.where(x > 0, t, -t), lambda t: F.where(x > 0, t, -t), x)


def test_products():
    rng = np.random.default_rng(1)
    x, W, v = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    same_op_same_gradients(np.dot, lambda a, b: a @ b, x, W)
    same_op_same_gradients(np.matmul, lambda a, b: a @ b, x, W)
    same_op_same_gradients(np.dot, lambda a, b: a @ b, v, v)
    same_op_same_gradients(lambda a: np.dot(a, 2.0), lambda a: a * 2.0, x)
    same_op_same_gradients(lambda a: np.reshape(a, (15,)), lambda a: a.reshape(15), x)  # shape= needs NumPy 2.1


def test_the_books_affine_line_keeps_every_gradient():
    # y = np.dot(x, W) + b with W a Tensor once dropped W's gradient silently
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 3))
    W, b = var(rng.standard_normal((3, 4))), var(np.zeros(4))
    y = np.dot(x, W) + b
    F.sum(y * y).backward()
    np.testing.assert_allclose(W.grad.data, x.T @ (2 * (x @ W.data)), rtol=1e-12)
    np.testing.assert_allclose(b.grad.data, (2 * (x @ W.data)).sum(axis=0), rtol=1e-12)


def test_arrays_on_the_left_reach_the_op():
    x, t = np.ones((2, 3)), var(np.full((3, 3), 2.0))
    for y, op in [(x @ t, "MatMul"), (x[:, :3] + t[:2], "Add"), (x[:, :3] * t[:2], "Mul"),
                  (np.float64(2.0) * t, "Mul"), (x[:, :3] - t[:2], "Sub"), (x[:, :3] / t[:2], "Div")]:
        assert type(y.grad_fn).__name__ == op


def test_the_books_softmax_and_cross_entropy_on_tensors():
    from tests.book.test_two_layer_net import cross_entropy_error, softmax  # the book's common/functions.py
    rng = np.random.default_rng(3)
    logits, labels = var(rng.standard_normal((4, 3))), np.array([0, 2, 1, 1])
    loss = cross_entropy_error(softmax(logits), labels)
    loss.backward()
    p = np.exp(logits.data) / np.exp(logits.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(logits.grad.data, (p - np.eye(3)[labels]) / 4, atol=1e-6)
    # the book's accuracy, on a Tensor
    y = np.argmax(logits, axis=1)
    assert isinstance(y, np.ndarray)
    assert np.sum(y == labels) / float(logits.shape[0]) == np.mean(np.argmax(p, axis=1) == labels)


def test_functions_without_a_gradient_give_arrays():
    t = var([[1.0, -2.0], [3.0, 0.5]])
    assert np.shape(t) == (2, 2) and np.ndim(t) == 2 and np.size(t) == 4
    np.testing.assert_array_equal(np.argmax(t, axis=1), [0, 0])
    np.testing.assert_array_equal(np.argmin(t), 1)
    for result in [np.greater(t, 0), t > 0, np.equal(t, 3.0), np.isnan(t), np.sign(t),
                   np.zeros_like(t), t.data < t, np.floor(t)]:
        assert isinstance(result, np.ndarray), result
    assert np.allclose(t, t.data) and np.array_equal(t, t.data)
    with pytest.warns(autograd.LostGradientWarning):
        assert np.asarray(t) is t.data  # the values, said to have no gradient
    assert isinstance(np.round(t, 1), np.ndarray)


@pytest.mark.parametrize("call, name", [
    (lambda t: np.sin(t), "np.sin"),
    (lambda t: np.abs(t), "np.absolute"),
    (lambda t: np.square(t), "np.square"),
    (lambda t: np.min(t), "np.min"),
    (lambda t: np.clip(t, 0, 1), "np.clip"),
    (lambda t: np.linalg.norm(t), "np.norm"),
    (lambda t: np.cumsum(t), "np.cumsum"),
    (lambda t: np.add.reduce(t), "np.add.reduce"),
    (lambda t: np.exp(t, out=np.empty(2)), "np.exp"),
    (lambda t: np.diff(t), "np.diff"),
])
def test_other_functions_refuse_a_tensor_that_requires_grad(call, name):
    t = var([0.5, -1.0])
    with pytest.raises(TypeError, match=f"{name} is not supported on a Tensor that requires grad") as e:
        call(t)
    assert "autograd.functions" in str(e.value) and "t.detach()" in str(e.value)


def test_hints_name_what_to_use_instead():
    t = var([0.5, -1.0])
    with pytest.raises(TypeError, match=r"use t \*\* 2"):
        np.square(t)
    with pytest.raises(TypeError, match=r"use -np.max\(-t\)"):
        np.min(t)
    with pytest.raises(TypeError, match=r"use t.sum\(axis\)"):
        np.add.reduce(t)
    with pytest.raises(TypeError, match=r"out= is not supported"):
        np.sum(t, out=np.empty(()))
    with pytest.raises(TypeError, match=r"dtype= is not supported"):
        np.mean(t, dtype=np.float32)


def test_without_a_gradient_to_lose_numpy_works_on_the_values():
    t = Tensor([0.5, -1.0])
    np.testing.assert_array_equal(np.sin(t), np.sin([0.5, -1.0]))
    np.testing.assert_array_equal(np.cumsum(t), [0.5, -0.5])
    g = var([0.5, -1.0])
    with no_grad():
        np.testing.assert_array_equal(np.abs(g), [0.5, 1.0])
    out = np.empty(2)
    np.exp(t, out=out)
    np.testing.assert_array_equal(out, np.exp([0.5, -1.0]))
    with pytest.raises(TypeError, match="out=Tensor"):
        np.exp(np.ones(2), out=(t,))


# --- conversions like NumPy scalars ----------------------------------------------------------

def test_one_element_tensors_convert_like_numpy_scalars():
    price = Tensor(715.0000000000001)
    assert int(price) == 715 and isinstance(int(price), int)
    assert float(price) == 715.0000000000001
    assert round(Tensor(2.5)) == round(np.float64(2.5)) == 2 and isinstance(round(Tensor(2.5)), int)
    assert round(Tensor([2.567]), 2) == round(np.float64(2.567), 2) == 2.57
    assert f"{price:.2f}" == "715.00" and f"{Tensor([[0.5]]):.1%}" == "50.0%"
    assert f"{price}" == str(price)
    assert int(Tensor([[3.9]])) == 3
    assert bool(Tensor([0.0])) is False and bool(Tensor(2.0)) is True
    assert round(Tensor(np.float32(1.25)), 1) == round(np.float32(1.25), 1)


def test_more_than_one_element_is_an_error_naming_the_shape():
    t = Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(2,\).*np.any"):
        bool(t)
    with pytest.raises(ValueError):
        if Tensor([]):
            pass
    for fn in (int, float, round):
        with pytest.raises(TypeError, match=r"shape \(2,\)"):
            fn(t)
    with pytest.raises(TypeError, match=r"'.2f' needs a one-element Tensor; this one has shape \(2,\)"):
        f"{t:.2f}"
    assert f"{t}" == str(t)


def test_eq_and_ne_compare_elementwise_and_tensors_stay_hashable():
    a, b = var([1.0, 2.0, 3.0]), Tensor([1.0, 0.0, 3.0])
    np.testing.assert_array_equal(a == b, [True, False, True])
    np.testing.assert_array_equal(a != b, [False, True, False])
    np.testing.assert_array_equal(a == 2.0, [False, True, False])
    np.testing.assert_array_equal(np.array([1.0, 2.0, 3.0]) == a, [True, True, True])
    assert isinstance(a == b, np.ndarray)
    d = {a: 1, b: 2}
    assert d[a] == 1 and d[b] == 2 and hash(a) != hash(Tensor([1.0, 2.0, 3.0]))
    assert len({a, b, a}) == 2
    assert a.grad is None  # comparisons record nothing


def test_positional_arguments_follow_numpys_signatures():
    x = np.arange(6.0).reshape(2, 3)
    same_op_same_gradients(lambda t: np.max(t, 0, None, True), lambda t: t.max(axis=0, keepdims=True), x)
    same_op_same_gradients(lambda t: np.sum(t, 1, None, None, True), lambda t: t.sum(axis=1, keepdims=True), x)
    same_op_same_gradients(lambda t: np.mean(t, 0, None, None, True), lambda t: t.mean(axis=0, keepdims=True), x)
    same_op_same_gradients(lambda t: np.reshape(t, (3, 2)), lambda t: t.reshape(3, 2), x)
    same_op_same_gradients(lambda t: np.transpose(t, (1, 0)), lambda t: t.transpose(1, 0), x)


# --- NumPy given lists and tuples of Tensors ------------------------------------------------------

LIST_CALLS = {"np.sum([t, u])": lambda t, u: np.sum([t, u]),
              "np.mean((t, u), axis=0)": lambda t, u: np.mean((t, u), axis=0),
              "np.array([t, u])": lambda t, u: np.array([t, u]),
              "np.exp([t])": lambda t, u: np.exp([t]),
              "np.add.reduce([t, u])": lambda t, u: np.add.reduce([t, u]),
              "np.asarray(t)": lambda t, u: np.asarray(t),
              "Tensor([t, u])": lambda t, u: Tensor([t, u])}


@pytest.mark.parametrize("call", LIST_CALLS.values(), ids=LIST_CALLS)
def test_numpy_turning_tensors_that_require_grad_into_values_is_never_silent(call):
    # NumPy dispatches on top-level arguments only and hands list elements to __array__
    t, u = var([1.0, 2.0]), var([3.0, 4.0])
    with pytest.warns(autograd.LostGradientWarning, match=r"no gradient.*F\.stack.*t\.detach\(\), t\.data or t\.item\(\)"):
        result = call(t, u)
    assert not (isinstance(result, Tensor) and result.requires_grad)


@pytest.mark.parametrize("call", LIST_CALLS.values(), ids=LIST_CALLS)
def test_values_of_tensors_that_need_no_gradient_come_without_a_warning(call, recwarn):
    t, u = var([1.0, 2.0]), var([3.0, 4.0])
    with no_grad():
        call(t, u)
    call(t.detach(), u.detach())
    assert not [w for w in recwarn if issubclass(w.category, autograd.LostGradientWarning)]


def test_the_recorded_way_to_write_a_sum_over_a_list():
    t, u = var([1.0, 2.0]), var([3.0, 4.0])
    np.testing.assert_array_equal(np.sum(F.stack([t, u]), axis=0).data, [4.0, 6.0])
    np.mean(F.stack([t, u]), axis=0).sum().backward()
    np.testing.assert_array_equal(t.grad.data, [0.5, 0.5])
