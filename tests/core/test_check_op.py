"""testing.check_op: a right op passes; each kind of wrong op fails with a message naming the op,
the check and the inputs; arity, shapes, domain, kinks and ties are what the caller says."""
import inspect

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st

import autograd.functions as F
from autograd import Function, testing
from autograd.ops import OPS, Op
from tests.core.test_function import Cube, Mul       # x ** 3 and x * y, right
from tests.core.test_gradcheck import WrongCube      # x ** 3 with 2x^2 for 3x^2 in its backward

FEW = 30  # examples per run: each wrong op below fails on almost any input
EPS = 1e-5  # beyond check_op's finite-difference step


class SwappedMul(Mul):
    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * x, g * y  # dx and dy swapped


class ShiftedSoftmax(Function):
    @staticmethod
    def forward(ctx, x):
        x -= x.max()  # shifts the caller's array
        y = np.exp(x) / np.exp(x).sum()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum())


class TextbookRelu(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.mask = x <= 0
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx, g):
        g[ctx.mask] = 0  # the textbook's Relu.backward: writes into the upstream gradient
        return g


class FlatCube(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * np.asarray(x) ** 2  # values only: the graph of x is lost


class Float64Cube(Cube):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.astype(np.float64) ** 3


class Float32SlipCube(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        k = 3 if x.dtype == np.float64 else 2  # a slip taken only in float32
        return g * k * x ** 2


class Float32SlipSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x if x.dtype == np.float64 else x * np.abs(x)  # right only in float64

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x


class LazyMul(Mul):
    """x * y whose backward is right only when both inputs require grad."""
    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if all(ctx.needs_input_grad):
            return g * y, g * x
        return (g * x, None) if ctx.needs_input_grad[0] else (None, g * y)  # swapped on this branch


def _failure(op, **kw):
    with pytest.raises(AssertionError) as info:
        testing.check_op(op, max_examples=FEW, **kw)
    return str(info.value)


def test_a_right_op_passes():
    testing.check_op(Cube, domain=(-2, 2), max_examples=FEW)


def test_a_callable_on_tensors_passes():
    testing.check_op(lambda x, y: F.tanh(x) * y + F.exp(y), max_examples=FEW)


def test_a_slip_in_a_backward_fails_naming_the_op_the_check_the_input_and_the_element():
    msg = _failure(WrongCube)
    assert msg.startswith("check_op(WrongCube): first derivatives: the gradient of input x")
    assert "is wrong at index" in msg and "finite differences" in msg
    assert "\ninputs:\n  x = array(" in msg and "upstream gradient:" in msg


def test_the_failing_inputs_are_shrunk():
    msg = _failure(WrongCube)
    assert "x = array(" in msg and "shape ())" in msg  # the simplest failing input: one number


def test_a_0d_output_reports_the_derivatives_themselves():
    msg = _failure(WrongCube, shapes=())
    assert "the output is 0-d: the derivatives themselves are" in msg


def test_swapped_gradients_of_a_binary_op_fail():
    msg = _failure(SwappedMul)
    assert msg.startswith("check_op(SwappedMul): first derivatives: the gradient of input ")
    assert "\n  x = " in msg and "\n  y = " in msg


def test_a_forward_that_changes_its_input_fails():
    msg = _failure(ShiftedSoftmax, shapes=testing.shapes(min_dims=1), second_order=False)
    assert msg.startswith("check_op(ShiftedSoftmax): inputs unchanged: forward changed input x in "
                          "place (first at index")


def test_a_backward_that_writes_into_the_upstream_gradient_fails():
    msg = _failure(TextbookRelu, kinks=(0,), second_order=False)  # item assignment fails on Tensors
    assert msg.startswith("check_op(TextbookRelu): upstream gradient unchanged: backward changed "
                          "the upstream gradient")


def test_a_backward_that_is_not_differentiable_again_fails_under_second_order():
    msg = _failure(FlatCube)
    assert msg.startswith("check_op(FlatCube): second derivatives: the gradient of input x")
    testing.check_op(FlatCube, second_order=False, max_examples=FEW)  # its first derivatives are right


def test_second_order_may_depend_on_the_example():
    msg = _failure(FlatCube, second_order=lambda args, kwargs: bool(np.all(args[0] > 0)))
    assert msg.startswith("check_op(FlatCube): second derivatives:") and "\n  x = array(" in msg
    testing.check_op(FlatCube, second_order=lambda args, kwargs: False, max_examples=FEW)


def test_a_backward_that_fails_on_tensors_is_named():
    class NumpyCube(Cube):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * np.square(x)  # a NumPy function the engine does not record
    msg = _failure(NumpyCube)
    assert msg.startswith("check_op(NumpyCube): second derivatives: raised TypeError")


def test_float32_inputs_must_give_float32_outputs():
    msg = _failure(Float64Cube)
    assert msg.startswith("check_op(Float64Cube): float32: float32 inputs gave a float64 output")


def test_an_op_wrong_only_in_float32_fails():
    msg = _failure(Float32SlipCube, second_order=False)
    assert msg.startswith("check_op(Float32SlipCube): float32: the gradient of input x (shape ")
    assert "beyond float32's precision" in msg
    msg = _failure(Float32SlipSquare, second_order=False)
    assert msg.startswith("check_op(Float32SlipSquare): float32: the output (shape ")


def test_float32_rounding_alone_passes():
    # a long sum in float32 differs from float64 in the last digits, within float32's precision.
    # Positive values: where large terms cancel, float32 keeps fewer digits of the small result
    # than the tolerance, which scales with the result, allows (3e-3 beyond it in random draws)
    testing.check_op(lambda x: (x * 1000.0).sum() + F.exp(x).sum(), shapes=(64,), domain=(0.1, 3.0),
                     max_examples=FEW)


def test_an_op_wrong_only_when_some_inputs_need_no_grad_fails():
    msg = _failure(LazyMul, second_order=False)
    assert msg.startswith("check_op(LazyMul): some inputs without grad: with only ")
    assert "(a needs_input_grad branch of backward)" in msg
    testing.check_op(Mul, max_examples=FEW)  # the right one passes, whichever inputs require grad


def test_an_op_that_returns_no_tensor_fails():
    msg = _failure(lambda x: x.data * 2)
    assert msg.startswith("check_op(<lambda>): forward: the op returned ") and "not a Tensor" in msg


def _drawn(check, **kw):
    """The inputs check_op draws for an op of the given signature (an op that records them, and
    also sees them stepped by finite differences: within EPS of the drawn values)."""
    seen = []

    def spy(*xs):
        seen.append([np.array(x.data) for x in xs])
        return check(*xs)
    spy.__signature__ = inspect.signature(check)
    testing.check_op(spy, max_examples=FEW, **kw)
    return seen


def test_arity_comes_from_forward_or_the_callable():
    assert {len(xs) for xs in _drawn(lambda x, y, z: x * y + z)} == {3}
    assert {len(xs) for xs in _drawn(lambda x, y, scale=2.0: x * y * scale)} == {2}

    class Scaled(Function):
        @staticmethod
        def forward(ctx, x, y, scale=2.0):
            return x * y * scale

        @staticmethod
        def backward(ctx, g):
            return None, None
    with pytest.raises(AssertionError, match="check_op.Scaled.: first derivatives"):
        testing.check_op(Scaled, max_examples=FEW)  # two inputs drawn, a gradient missing
    testing.check_op(Cube.apply, max_examples=5)   # the apply of a Function is the Function


def test_an_op_of_any_number_of_inputs_needs_arity():
    with pytest.raises(TypeError, match=r"check_op\(<lambda>\).*pass arity="):
        testing.check_op(lambda *xs: F.stack(xs))
    assert {len(xs) for xs in _drawn(lambda *xs: F.stack(xs), arity=3, broadcast=False)} == {3}


def _within(x, lo, hi):
    return np.all((lo - EPS <= x) & (x <= hi + EPS))


def test_values_stay_in_the_domain_and_away_from_kinks():
    for (x,) in _drawn(lambda x: F.relu(x - 1) + F.relu(-x), domain=(-1, 2), kinks=(0, 1)):
        assert _within(x, -1, 2) and np.all(np.abs(x - 1) > testing.MARGIN - EPS)
        assert np.all(np.abs(x) > testing.MARGIN - EPS)


def test_a_domain_per_input():
    for x, y in _drawn(lambda x, y: F.log(x) * y, domain=((0.5, 1.0), (-1, 0))):
        assert _within(x, 0.5, 1) and _within(y, -1, 0)
    with pytest.raises(ValueError, match="2 domains for an op of 1 inputs"):
        testing.check_op(lambda x: x, domain=((0, 1), (0, 1)))


def test_distinct_inputs_have_no_ties_within_or_across_inputs():
    for xs in _drawn(F.maximum, distinct=True):
        v = np.sort(np.concatenate([x.ravel() for x in xs]))
        assert np.all(np.diff(v) > 1e-3)


def test_shapes_are_0d_to_3d_and_broadcast_together():
    seen = _drawn(lambda x, y: x * y)
    assert all(np.broadcast_shapes(x.shape, y.shape) is not None for x, y in seen)
    assert any(x.shape != y.shape for x, y in seen) and all(x.ndim <= 3 for x, _ in seen)
    assert all(x.shape == y.shape for x, y in _drawn(lambda x, y: x * y, broadcast=False))


def test_shapes_given_as_a_shape_a_tuple_of_shapes_or_a_strategy():
    assert {x.shape for (x,) in _drawn(lambda x: x * 2, shapes=(2, 3))} == {(2, 3)}
    assert {(x.shape, y.shape) for x, y in _drawn(F.matmul, shapes=((2, 3), (3, 4)))} == {((2, 3), (3, 4))}
    assert {x.ndim for (x,) in _drawn(lambda x: x.sum(axis=0), shapes=testing.shapes(min_dims=1))} >= {1}


def test_arguments_and_differentiable_for_an_op_with_labels():
    def picked(x, t):
        return x[np.arange(len(t)), t].sum()
    cases = testing.labels().flatmap(lambda lab: testing.arrays((len(lab[0]), lab[2])).map(
        lambda x: ([x, lab[0]], {})))
    testing.check_op(picked, arguments=cases, differentiable=(True, False), max_examples=FEW)


def test_an_op_of_the_table_without_an_argument_strategy_is_checked_on_its_inputs():
    from tests.ops import test_ops
    drawn = []

    class Unlisted(Op):
        @staticmethod
        def forward(ctx, x, y):
            drawn.append((np.shape(x), np.shape(y)))
            return x * 2 + y

        @staticmethod
        def backward(ctx, g):
            return g * 2, g
    try:
        test_ops.test_op("Unlisted")
    finally:
        del OPS["Unlisted"]
    assert len({shapes for shapes in drawn}) > 1  # two arrays of shapes drawn to broadcast together


def test_an_op_whose_inputs_cannot_be_told_names_the_op():
    class Variadic(Op):
        @staticmethod
        def forward(ctx, *xs):
            return xs[0]

        @staticmethod
        def backward(ctx, g):
            return g
    try:
        with pytest.raises(LookupError, match="Variadic"):
            testing.check_op(Variadic)
    finally:
        del OPS["Variadic"]


def test_strategies_for_kwargs_reach_the_op():
    seen = []

    def scale(x, factor=1.0):
        seen.append(factor)
        return x * factor
    cases = st.tuples(testing.arrays(), st.sampled_from([0.5, 2.0])).map(lambda c: ([c[0]], {"factor": c[1]}))
    testing.check_op(scale, arguments=cases, max_examples=FEW)
    assert set(seen) == {0.5, 2.0}


def test_max_examples_comes_from_the_call_or_the_loaded_profile():
    drawn = []
    cases = testing.arrays().map(lambda x: drawn.append(x) or ([x], {}))
    testing.check_op(lambda x: x * 2, arguments=cases, max_examples=7)
    assert len(drawn) == 7
    current = settings.get_current_profile_name()
    settings.register_profile("check_op_few", max_examples=3)
    settings.load_profile("check_op_few")
    try:
        drawn.clear()
        testing.check_op(lambda x: x * 2, arguments=cases)
    finally:
        settings.load_profile(current)
    assert len(drawn) == 3
