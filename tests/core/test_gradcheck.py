"""Gradient checking: the textbook's numerical_gradient, gradcheck, gradcheck_nodes, and the
public helpers of autograd.testing with which users write their own property tests."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd
import autograd.functions as F
from autograd import GradcheckError, Tensor, gradcheck, gradcheck_nodes, numerical_gradient, testing

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- numerical_gradient ------------------------------------------------------------------------

def test_numerical_gradient_of_the_textbook_function_2():
    def function_2(x):
        return x[0] ** 2 + x[1] ** 2
    np.testing.assert_allclose(numerical_gradient(function_2, np.array([3.0, 4.0])), [6.0, 8.0], rtol=1e-9)
    np.testing.assert_allclose(numerical_gradient(function_2, np.array([0.0, 2.0])), [0.0, 4.0], atol=1e-9)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 1, 3)])
def test_numerical_gradient_of_any_shape_is_central_differences(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    grad = numerical_gradient(lambda v: float((v ** 3).sum()), x)
    assert grad.shape == shape and grad.dtype == np.float64
    # central differences of a cubic are exact up to the h^2 term: 3x^2 + h^2
    np.testing.assert_allclose(grad, 3 * x ** 2 + 1e-8, rtol=1e-6, atol=1e-7)


def test_numerical_gradient_uses_the_given_step():
    x = np.array([1.0])
    assert numerical_gradient(lambda v: float(v[0] ** 3), x, h=0.5)[0] == pytest.approx(3.0 + 0.25, rel=1e-12)


def test_numerical_gradient_perturbs_the_array_in_place_as_the_textbook_relies_on():
    W = np.array([[1.0, -2.0], [0.5, 3.0]])
    loss = lambda _: float((W ** 2).sum())  # noqa: E731  the textbook's f = lambda w: net.loss(x, t)
    np.testing.assert_allclose(numerical_gradient(loss, W), 2 * W, rtol=1e-9)


def test_numerical_gradient_restores_x_exactly():
    x = np.array([[0.1, 0.7, 1e-9], [3.3, -2.2, 1e8]])
    before = x.copy()
    numerical_gradient(lambda v: float(np.sin(v).sum()), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_restores_x_even_if_f_raises():
    x = np.array([[0.1, 0.7, 0.3], [3.3, -2.2, 5.0]])
    before = x.copy()

    def f(v):
        if v[1, 1] != before[1, 1]:
            raise ValueError("f failed with element (1, 1) perturbed")
        return float(v.sum())
    with pytest.raises(ValueError, match="perturbed"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)


# --- gradcheck ---------------------------------------------------------------------------------

def test_gradcheck_returns_true_for_correct_gradients():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    W = Tensor(rng.standard_normal((4, 2)), requires_grad=True)
    assert gradcheck(lambda a, b: F.log_softmax((a @ b).tanh()), [x, W]) is True
    assert gradcheck(lambda a: (a.sigmoid(), a.exp().sum()), x) is True  # several outputs


def test_gradcheck_skips_inputs_that_need_no_gradient():
    x = Tensor(np.ones(3), requires_grad=True)
    c = Tensor(np.full(3, 2.0))
    assert gradcheck(lambda a, b: a * b, [x, c]) is True


class SquareWithWrongBackward(autograd.Function):
    """x^2 with a backward that is wrong at two elements, by 0.5 at (0, 0) and by 7 at (1, 2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        dx = g * 2 * x
        dx[0, 0] = 0.5
        dx[1, 2] = 7.0
        return dx


def _wrong_inputs():
    a = np.array([[0.0, 1.0, 2.0], [-1.0, 0.5, 0.0]])  # zero where backward is wrong: dx is 0 there
    return Tensor(np.ones((2, 3)), requires_grad=True), Tensor(a, requires_grad=True)


def test_gradcheck_names_the_input_the_worst_element_and_both_values():
    ok, bad = _wrong_inputs()
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: a * 3 + SquareWithWrongBackward.apply(b), [ok, bad])
    message = str(info.value)
    assert "input 1" in message
    assert "(1, 2)" in message
    assert re.search(r"backprop 7\.0\b", message)
    numerical = float(re.search(r"numerical ([^ ]+) \(", message).group(1))
    assert abs(numerical) < 1e-6  # d(x^2)/dx at x = 0
    assert "where the input is 0.0" in message
    assert "vector-Jacobian product" in message and "random weights" in message  # a (2, 3) output
    assert isinstance(info.value, AssertionError)


class WrongCube(autograd.Function):
    """x^3 with a slip in its backward: 2x^2 where 3x^2 belongs."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x ** 2


def test_gradcheck_of_a_scalar_function_of_a_scalar_gives_the_two_derivatives():
    x = Tensor(2.0, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongCube.apply, [x])
    message = str(info.value)
    assert ("the derivative of the output with respect to input 0 at 2.0 is wrong: "
            "backprop 8.0 vs numerical 12.0 ") in message
    assert "random" not in message


def test_gradcheck_of_a_scalar_output_gives_the_gradient_elements_themselves():
    x = Tensor(np.array([[1.0, -1.0], [0.5, 2.0]]), requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a: WrongCube.apply(a).sum(), [x])
    message = str(info.value)
    assert "input 0 (shape (2, 2)) is wrong at index (1, 1), where the input is 2.0" in message
    assert "backprop 8.0 vs numerical 12.0 " in message  # d(sum x^3)/dx at 2: 12
    assert "random" not in message


def test_gradcheck_of_several_outputs_says_the_numbers_are_a_projection():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    for fn in (WrongCube.apply,  # two output elements
               lambda a: (WrongCube.apply(a[0]), a[1] * 1.0)):  # two scalar outputs
        with pytest.raises(GradcheckError) as info:
            gradcheck(fn, [x])
        message = str(info.value)
        assert "vector-Jacobian product" in message and "fixed random weights" in message
        backprop, numerical = map(float, re.search(r"backprop (\S+) vs numerical (\S+) ", message).groups())
        assert numerical == pytest.approx(1.5 * backprop, rel=1e-6)  # 3x^2 vs 2x^2, the same weight


def test_gradcheck_frames_are_hidden_from_pytest_tracebacks(tmp_path):
    (tmp_path / "test_user_op.py").write_text(
        "import autograd\n"
        "from autograd import Tensor\n"
        "from tests.core.test_gradcheck import WrongCube\n"
        "def test_cube():\n"
        "    autograd.gradcheck(WrongCube.apply, [Tensor(2.0, requires_grad=True)])\n"
        "def test_cube_nodes():\n"
        "    autograd.gradcheck_nodes(WrongCube.apply(Tensor(2.0, requires_grad=True)))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                           str(tmp_path / "test_user_op.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    out = done.stdout
    assert "2 failed" in out, out
    assert "autograd.gradcheck(WrongCube.apply" in out  # the user's line
    assert "backprop 8.0 vs numerical 12.0" in out
    assert "gradcheck_nodes: the backward of WrongCube" in out
    for inside in ("excess = np.abs(a - n)", "def gradcheck(", "def numerical_gradient(",
                   "def gradcheck_nodes(", "gradcheck.py"):
        assert inside not in out, out


def test_gradcheck_rejects_float32_inputs():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="float32.*float64"):
        gradcheck(lambda a: a * 2, [x])


def test_gradcheck_passes_a_function_that_itself_differentiates():
    x = Tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)

    def first_gradient(a):
        return autograd.grad(a.tanh().sum(), a, create_graph=True)[0]
    assert gradcheck(first_gradient, [x]) is True


# --- gradcheck_nodes ---------------------------------------------------------------------------

def test_gradcheck_nodes_passes_a_graph_of_built_in_ops():
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    W = Tensor(rng.standard_normal((3, 5)), requires_grad=True)
    b = Tensor(rng.standard_normal(5), requires_grad=True)
    h = F.maximum((x @ W + b).tanh(), 0.25 * (x @ W))
    loss = F.cross_entropy(h, np.array([0, 4, 2, 1])) + (h.sigmoid() ** 2).mean() + h[1:, ::2].sum()
    assert gradcheck_nodes(loss) is True
    loss.backward()  # still usable afterwards
    assert W.grad.shape == (3, 5)


def test_gradcheck_nodes_names_the_wrong_op():
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    y = (SquareWithWrongBackward.apply(x.tanh()) * 2).sum() + x.exp().mean()
    with pytest.raises(GradcheckError, match="SquareWithWrongBackward"):
        gradcheck_nodes(y)


def test_gradcheck_nodes_names_the_ops_own_argument():
    from tests.core.test_check_op import SwappedMul  # x * y with dx and dy swapped (imported late: it imports this file)
    c = Tensor(np.full(3, 2.0))  # argument 0 needs no gradient
    y = Tensor(np.array([1.0, -1.0, 0.5]), requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck_nodes(SwappedMul.apply(c, y).sum())
    message = str(info.value)
    assert message.startswith("gradcheck_nodes: the backward of SwappedMul (node 1 of 2)")
    assert "input 1 (shape (3,))" in message and "input 0" not in message


def test_gradcheck_nodes_checks_float32_graphs_in_float64():
    x = Tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    assert gradcheck_nodes((x.sigmoid() * x).sum()) is True


def test_gradcheck_nodes_after_backward_is_an_error():
    x = Tensor(np.ones(3), requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward"):
        gradcheck_nodes(y)


# --- autograd.testing: a user's own property test (the README's, run by tests/docs/test_readme.py) ---

@SETTINGS
@given(testing.arrays(shape=testing.shapes(min_dims=1), domain=(-2, 2)))
def test_assert_gradients_catches_a_wrong_users_op(x):
    x[0] = 1.0  # at least one element where 2x^2 and 3x^2 differ
    with pytest.raises(AssertionError, match="input 0"):
        testing.assert_gradients(WrongCube.apply, x)


@SETTINGS
@given(testing.broadcastable_shapes(num_shapes=3))
def test_broadcastable_shapes_broadcast_together(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)  # raises if they do not


@SETTINGS
@given(testing.labels())
def test_labels_match_their_one_hot_rows(drawn):
    t, onehot, classes = drawn
    assert t.dtype.kind == "i"
    assert onehot.shape == (len(t), classes)
    assert np.all((0 <= t) & (t < classes))
    np.testing.assert_array_equal(onehot.sum(axis=1), np.ones(len(t)))
    np.testing.assert_array_equal(onehot.argmax(axis=1), t)


@SETTINGS
@given(testing.labels(n=3, classes=7))
def test_labels_take_a_fixed_batch_and_class_count(drawn):
    t, onehot, classes = drawn
    assert t.shape == (3,) and onehot.shape == (3, 7) and classes == 7


@SETTINGS
@given(testing.arrays(shape=(20,), domain=(-1.0, 1.0), kinks=(0.0, 0.5)))
def test_values_stay_in_the_domain_and_away_from_kinks(a):
    assert a.dtype == np.float64 and a.shape == (20,)
    assert np.all((-1.0 <= a) & (a <= 1.0))
    assert np.all(np.abs(a) > testing.MARGIN)
    assert np.all(np.abs(a - 0.5) > testing.MARGIN)


@SETTINGS
@given(testing.arrays(shape=(3, 4), distinct=True))
def test_distinct_values_have_no_near_ties(a):
    v = np.sort(a.ravel())
    assert np.all(np.diff(v) >= 1 / 8 - 1e-12)


@SETTINGS
@given(testing.arrays(shape=testing.shapes(max_dims=2, max_side=3)))
def test_shapes_are_small_and_include_0d(a):
    assert a.ndim <= 2 and all(1 <= n <= 3 for n in a.shape)


def test_shapes_strategy_can_draw_a_0d_shape():
    found = []

    @settings(max_examples=200, deadline=None)
    @given(testing.shapes())
    def collect(shape):
        found.append(shape)
    collect()
    assert () in found


@SETTINGS
@given(testing.tensors(shape=(2, 3), domain=(0.5, 1.5)))
def test_tensors_are_float64_and_require_grad(t):
    assert isinstance(t, Tensor) and t.requires_grad and t.dtype == np.float64
    assert np.all((0.5 <= t.data) & (t.data <= 1.5))


@SETTINGS
@given(st.data())
def test_op_arguments_are_valid_for_their_op(data):
    from autograd.ops import OPS
    name = data.draw(st.sampled_from(sorted(OPS)))
    args, kwargs = data.draw(testing.op_arguments(OPS[name]))
    out = OPS[name].apply(*args, **kwargs)
    assert isinstance(out, Tensor) and np.all(np.isfinite(out.data))


def test_op_arguments_for_an_unknown_op_name_the_op():
    class Unknown(autograd.Function):
        pass
    with pytest.raises(LookupError, match="Unknown"):
        testing.op_arguments(Unknown)


def test_a_nan_gradient_is_a_mismatch_not_a_pass():
    class NanBackward(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * np.nan

    with pytest.raises(autograd.GradcheckError, match="backprop nan"):
        autograd.gradcheck(NanBackward.apply, [Tensor(np.array([1.0, 2.0]), requires_grad=True)])
