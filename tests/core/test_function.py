"""autograd.Function: a user's own op, written like a textbook layer, joins the engine."""
import numpy as np
import pytest

import autograd
from autograd import Tensor, gradcheck


# The example of DESIGN.md, verbatim.
class Sigmoid(autograd.Function):
    @staticmethod
    def forward(ctx, x):                 # x: ndarray
        y = 1.0 / (1.0 + np.exp(-x))
        ctx.save_for_backward(y)
        return y
    @staticmethod
    def backward(ctx, g):                # g: upstream gradient; return one gradient per input
        (y,) = ctx.saved_tensors
        return g * (1.0 - y) * y


class Cube(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


A = np.array([[-2.0, -0.5, 0.0], [0.25, 1.0, 3.0]])


def test_design_sigmoid_example_matches_the_built_in_op():
    t = Tensor(A, requires_grad=True)
    y = Sigmoid.apply(t)
    assert isinstance(y, Tensor)
    assert isinstance(y.grad_fn, Sigmoid)
    assert y.requires_grad and not y.is_leaf
    u = Tensor(A, requires_grad=True)
    np.testing.assert_array_equal(y.data, u.sigmoid().data)
    g = np.arange(6.0).reshape(2, 3)
    y.backward(g)
    u.sigmoid().backward(g)
    np.testing.assert_array_equal(t.grad.data, u.grad.data)


def test_design_sigmoid_example_passes_gradcheck():
    assert gradcheck(Sigmoid.apply, [Tensor(A, requires_grad=True)]) is True


def test_a_custom_op_composes_with_built_in_ops():
    x = Tensor(A, requires_grad=True)
    loss = (Cube.apply(x.tanh()) * 2).sum()
    loss.backward()
    np.testing.assert_allclose(x.grad.data, 2 * 3 * np.tanh(A) ** 2 * (1 - np.tanh(A) ** 2), rtol=1e-14)


def test_forward_receives_arrays_and_plain_arguments_as_given():
    seen = {}

    class Scale(autograd.Function):
        @staticmethod
        def forward(ctx, x, factor, *, offset=0.0):
            seen.update(x=type(x), factor=factor, offset=offset)
            ctx.factor = factor
            return x * factor + offset

        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor, None

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Scale.apply(x, 3.0, offset=1.0)
    assert seen == {"x": np.ndarray, "factor": 3.0, "offset": 1.0}
    np.testing.assert_array_equal(y.data, [4.0, 7.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_backward_may_return_a_bare_gradient_for_one_input():
    class Double(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, g):
            return 2 * g  # not a tuple

    x = Tensor([1.0, 2.0], requires_grad=True)
    Double.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


class Mul(autograd.Function):
    calls = []

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        Mul.calls.append(tuple(ctx.needs_input_grad))
        return (g * y if ctx.needs_input_grad[0] else None), (g * x if ctx.needs_input_grad[1] else None)


def test_needs_input_grad_tells_which_inputs_need_a_gradient():
    Mul.calls.clear()
    x, w, c = Tensor([2.0], requires_grad=True), Tensor([3.0], requires_grad=True), Tensor([5.0])
    Mul.apply(x, c).sum().backward()
    Mul.apply(c, w).sum().backward()
    Mul.apply(x, w).sum().backward()
    Mul.apply(x, np.array([7.0])).sum().backward()
    assert Mul.calls == [(True, False), (False, True), (True, True), (True, False)]
    assert x.grad.item() == 5.0 + 3.0 + 7.0
    assert w.grad.item() == 5.0 + 2.0


def test_backward_may_return_none_for_an_input_that_needs_no_gradient():
    x, c = Tensor([2.0, 4.0], requires_grad=True), Tensor([5.0, 6.0])
    Mul.apply(x, c).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [5.0, 6.0])
    assert c.grad is None


def test_none_for_an_input_that_needs_a_gradient_leaves_it_without_one():
    class StopSecond(autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g, None

    x, y = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    StopSecond.apply(x, y).sum().backward()
    assert x.grad.item() == 1.0
    assert y.grad is None


class IgnoreY(autograd.Function):
    """2x, with y as an input it does not depend on: its gradient is None."""
    @staticmethod
    def forward(ctx, x, y):
        return 2 * x

    @staticmethod
    def backward(ctx, g):
        return 2 * g, None


def test_none_for_an_intermediate_input_keeps_its_other_gradients():
    a = Tensor(1.0, requires_grad=True)
    h = a * 3
    (IgnoreY.apply(a, h) + h).backward()
    assert a.grad.item() == 5.0
    a2 = Tensor(1.0, requires_grad=True)
    h2 = a2 * 3
    assert autograd.grad(IgnoreY.apply(a2, h2) + h2, a2)[0].item() == 5.0


def test_an_intermediate_that_gets_only_none_passes_nothing_on_and_is_freed():
    a = Tensor([1.0, 2.0], requires_grad=True)
    h = a.exp()
    IgnoreY.apply(a, h).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [2.0, 2.0])
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        h.sum().backward()  # Exp's saved output was freed with the rest of the graph
    b = Tensor([1.0, 2.0], requires_grad=True)
    (gb,) = autograd.grad(IgnoreY.apply(a, b.exp()).sum(), b, allow_unused=True)
    assert gb is None


@pytest.mark.parametrize("returned", [lambda g: (g, g), lambda g: (g, g, g)], ids=["two-for-one", "three-for-one"])
def test_the_wrong_number_of_gradients_is_a_clear_error(returned):
    class Wrong(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return returned(g)

    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"Wrong\.backward returned \d gradients for 1 input"):
        Wrong.apply(x).sum().backward()


def test_gradients_for_a_broadcast_input_are_summed_back_by_the_engine():
    class Add(autograd.Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, g):
            return g, g

    x, b = Tensor(np.ones((4, 3)), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
    Add.apply(x, b).backward(np.arange(12.0).reshape(4, 3))
    np.testing.assert_array_equal(b.grad.data, [18.0, 22.0, 26.0])


def test_no_graph_is_recorded_when_no_input_requires_grad_or_under_no_grad():
    y = Cube.apply(Tensor([2.0]))
    assert y.is_leaf and not y.requires_grad and y.item() == 8.0
    with autograd.no_grad():
        z = Cube.apply(Tensor([2.0], requires_grad=True))
    assert z.is_leaf and not z.requires_grad


def test_under_create_graph_backward_receives_tensors_and_is_differentiable_again():
    seen = []

    class Square(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            seen.append((type(g), type(x)))
            return 2 * g * x

    x = Tensor([1.0, -3.0], requires_grad=True)
    (g,) = autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert seen[-1] == (Tensor, Tensor)
    assert g.requires_grad
    np.testing.assert_array_equal(g.data, [2.0, -6.0])
    (g2,) = autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(g2.data, [2.0, 2.0])

    Square.apply(Tensor([1.0], requires_grad=True)).sum().backward()
    assert seen[-1][0] is not Tensor and seen[-1][1] is not Tensor  # a normal backward: arrays


def test_second_derivative_of_the_design_sigmoid_example():
    x = Tensor(A, requires_grad=True)
    (g,) = autograd.grad(Sigmoid.apply(x).sum(), x, create_graph=True)
    (g2,) = autograd.grad(g.sum(), x)
    s = 1 / (1 + np.exp(-A))
    np.testing.assert_allclose(g2.data, s * (1 - s) * (1 - 2 * s), rtol=1e-12, atol=1e-16)


def test_third_derivative_of_a_custom_cube():
    x = Tensor([2.0], requires_grad=True)
    (g1,) = autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (g2,) = autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = autograd.grad(g2.sum(), x)
    assert (g1.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)


def test_saved_tensors_after_backward_raise_naming_retain_graph():
    x = Tensor([1.0], requires_grad=True)
    y = Cube.apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.sum().backward()


def test_a_forward_returning_a_tuple_is_refused_by_name():
    class Both(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x, 2 * x

    with pytest.raises(TypeError, match=r"^Both.forward returned a tuple; a Function returns one array"):
        Both.apply(Tensor([1.0, 2.0], requires_grad=True))
