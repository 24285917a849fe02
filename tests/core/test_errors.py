"""Bad input to Tensor, backward, autograd.grad and the gradient checks: each error says what was wrong in the user's terms, naming the op, the shapes,
the label, the parameter or the file, and never leaks a numpy internal in their place. One test
per case; each asserts the content of the message."""
import numpy as np

import autograd
from autograd import Tensor
from tests.helpers import leaf, message


# --- Tensor construction -----------------------------------------------------------------------

def test_tensor_of_a_string_names_the_dtype():
    msg = message(TypeError, Tensor, "abc")
    assert "real numbers" in msg and "<U3" in msg


def test_tensor_of_a_list_of_strings_names_the_dtype():
    assert "real numbers" in message(TypeError, Tensor, ["a", "b"])


def test_tensor_of_a_complex_number_names_the_dtype():
    msg = message(TypeError, Tensor, 1 + 2j)
    assert "real numbers" in msg and "complex128" in msg


def test_tensor_of_an_arbitrary_object_is_a_type_error():
    msg = message(TypeError, Tensor, object())
    assert "real numbers" in msg and "object" in msg


def test_tensor_of_none_is_a_type_error():
    assert "real numbers" in message(TypeError, Tensor, None)


def test_tensor_of_a_ragged_list_says_what_data_may_be():
    msg = message(TypeError, Tensor, [[1, 2], [3]])
    assert "a number, a list or an ndarray of numbers" in msg and "inhomogeneous" in msg


def test_requires_grad_on_string_data_says_tensors_hold_floating_data():
    msg = message(TypeError, Tensor, np.array(["x", "y"]), requires_grad=True)
    assert "floating data and can require grad" in msg


def test_requires_grad_on_integer_data_gives_a_float64_leaf():
    # not an error: integer data becomes float64, and a float tensor can require grad
    t = Tensor(np.array([1, 2]), requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad


def test_requires_grad_cannot_be_turned_off_on_a_non_leaf():
    msg = message(RuntimeError, setattr, leaf(2) * 2, "requires_grad", False)
    assert "only be turned off on a leaf" in msg and ".detach()" in msg


def test_an_op_whose_result_is_not_real_names_the_op():
    class Complex(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1j

        @staticmethod
        def backward(ctx, g):
            return g
    msg = message(TypeError, Complex.apply, leaf(2))
    assert "the result of Complex" in msg and "complex128" in msg


# --- backward and autograd.grad ----------------------------------------------------------------

def test_backward_grad_of_the_wrong_shape_names_both_shapes():
    msg = message(ValueError, (leaf(2, 3) * 2).backward, np.ones(3))
    assert "backward" in msg and "(3,)" in msg and "(2, 3)" in msg


def test_implicit_backward_grad_on_a_non_scalar_names_its_shape():
    msg = message(RuntimeError, (leaf(2, 3) * 2).backward)
    assert "one-element output" in msg and "(2, 3)" in msg and "grad=" in msg


def test_backward_grad_of_strings_is_a_type_error():
    msg = message(TypeError, (leaf(2) * 2).backward, np.array(["a", "b"]))
    assert "backward grad" in msg and "real numbers" in msg


def test_backward_of_a_tensor_that_needs_no_grad_says_how_to_fix_it():
    msg = message(RuntimeError, Tensor([1.0]).backward)
    assert "does not require grad" in msg and "requires_grad=True" in msg and "no_grad" in msg


def test_second_backward_through_freed_values_names_the_op_and_retain_graph():
    y = (leaf(2) * leaf(2)).sum()
    y.backward()
    msg = message(RuntimeError, y.backward)
    assert "Mul" in msg and "retain_graph=True" in msg


def test_grad_of_a_tensor_that_does_not_require_grad_names_the_input():
    x = leaf(2)
    msg = message(ValueError, autograd.grad, (x * 2).sum(), [x, Tensor([1.0, 2.0])])
    assert "input 1" in msg and "(2,)" in msg and "does not require grad" in msg


def test_grad_of_a_plain_array_says_it_is_not_a_tensor():
    msg = message(TypeError, autograd.grad, (leaf(2) * 2).sum(), np.ones(2))
    assert "input 0" in msg and "ndarray" in msg and "not a Tensor" in msg


def test_grad_of_an_unused_input_suggests_allow_unused():
    msg = message(RuntimeError, autograd.grad, (leaf(2) * 2).sum(), leaf(3))
    assert "(3,)" in msg and "allow_unused=True" in msg


def test_grad_outputs_of_the_wrong_shape_names_both_shapes():
    x = leaf(2, 2)
    msg = message(ValueError, autograd.grad, x * 2, x, grad_outputs=np.ones(3))
    assert "(3,)" in msg and "(2, 2)" in msg


def test_a_custom_backward_returning_the_wrong_number_of_gradients_names_the_op():
    class Two(autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g
    msg = message(TypeError, Two.apply(leaf(2), leaf(2)).sum().backward)
    assert "Two.backward returned 1 gradients for 2 inputs" in msg


def test_a_custom_backward_returning_a_gradient_of_the_wrong_shape_names_the_op_and_shapes():
    class WrongShape(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return np.ones(7)
    x = leaf(2, 3)
    msg = message(ValueError, WrongShape.apply(x).sum().backward)
    assert "WrongShape.backward" in msg and "(7,)" in msg and "input 0" in msg and "(2, 3)" in msg
    assert x.grad is None


def test_a_custom_backward_returning_a_list_names_the_op():
    class ReturnsList(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return [2.0, 2.0]
    msg = message(TypeError, ReturnsList.apply(leaf(2)).sum().backward)
    assert "ReturnsList.backward" in msg and "list" in msg and "ndarray" in msg


# --- gradient checking -------------------------------------------------------------------------

def test_gradcheck_of_float32_inputs_names_the_input_and_float64():
    t = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    msg = message(TypeError, autograd.gradcheck, lambda a: a.sum(), [t])
    assert "input 0 is float32" in msg and "float64" in msg


def test_numerical_gradient_of_a_list_says_x_must_be_a_float_array():
    msg = message(TypeError, autograd.numerical_gradient, lambda x: x.sum(), [1.0, 2.0])
    assert "numerical_gradient" in msg and "list" in msg and "float ndarray" in msg


def test_numerical_gradient_of_an_integer_array_says_the_steps_would_be_lost():
    msg = message(TypeError, autograd.numerical_gradient, lambda x: x.sum(), np.array([1, 2]))
    assert "numerical_gradient" in msg and "int64" in msg and "float" in msg
