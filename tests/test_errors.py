"""Bad input to the public API: each error says what was wrong in the user's terms, naming the op,
the shapes, the label, the parameter or the file, and never leaks a numpy internal in their place.
One test per case; each asserts the content of the message."""
import traceback

import numpy as np
import pytest

import autograd
import autograd.functions as F
import nn
from autograd import Tensor
from nn.datasets import DatasetError, read_idx


def leaf(*shape):
    return Tensor(np.ones(shape), requires_grad=True)


def message(error, fn, *args, **kwargs):
    """The message of the `error` that fn(*args, **kwargs) raises."""
    with pytest.raises(error) as info:
        fn(*args, **kwargs)
    return str(info.value)


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


# --- shapes of ops -----------------------------------------------------------------------------

def test_matmul_of_a_0d_operand_names_the_op_and_shapes():
    msg = message(ValueError, lambda: Tensor(2.0) @ leaf(2))
    assert msg.startswith("MatMul:") and "at least one dimension" in msg and "()" in msg and "(2,)" in msg


def test_matmul_of_mismatched_matrices_names_both_shapes_and_the_inner_sizes():
    msg = message(ValueError, lambda: leaf(2, 3) @ leaf(4, 5))
    assert msg.startswith("MatMul:") and "(2, 3)" in msg and "(4, 5)" in msg and "3" in msg
    assert "gufunc" not in msg  # numpy's internal signature is not the user's business


def test_matmul_of_mismatched_vectors_names_both_shapes():
    msg = message(ValueError, lambda: leaf(3) @ np.ones(4))
    assert msg.startswith("MatMul:") and "(3,)" in msg and "(4,)" in msg and "gufunc" not in msg


def test_batched_matmul_whose_batch_shapes_do_not_broadcast_names_both_shapes():
    msg = message(ValueError, lambda: leaf(2, 3, 4) @ leaf(5, 4, 2))
    assert msg.startswith("MatMul:") and "(2, 3, 4)" in msg and "(5, 4, 2)" in msg and "batch" in msg


def test_add_of_shapes_that_do_not_broadcast_names_the_op_and_both_shapes():
    msg = message(ValueError, lambda: leaf(2, 3) + leaf(4))
    assert msg.startswith("Add:") and "broadcast" in msg and "(2, 3)" in msg and "(4,)" in msg


def test_mul_with_an_array_that_does_not_broadcast_names_the_op_and_both_shapes():
    msg = message(ValueError, lambda: leaf(2, 3) * np.ones((3, 2)))
    assert msg.startswith("Mul:") and "(2, 3)" in msg and "(3, 2)" in msg


def test_reflected_sub_with_an_array_names_the_op_and_both_shapes():
    msg = message(ValueError, lambda: np.ones(2) - leaf(2, 3))
    assert msg.startswith("Sub:") and "(2,)" in msg and "(2, 3)" in msg


def test_an_operand_that_is_not_a_number_names_the_op():
    msg = message(TypeError, lambda: leaf(2) + "a")
    assert msg.startswith("Add:") and "'a'" in msg and "__init__" not in msg


def test_an_operand_that_is_none_names_the_op():
    msg = message(TypeError, lambda: leaf(2) * None)
    assert msg.startswith("Mul:") and "None" in msg


def test_reshape_to_another_size_names_both_sizes():
    msg = message(ValueError, leaf(2, 3).reshape, 4, 2)
    assert msg.startswith("Reshape:") and "size 6" in msg and "(4,2)" in msg and "(2, 3)" in msg


def test_reshape_with_two_unknown_sides_names_the_op():
    msg = message(ValueError, F.reshape, leaf(2, 3), (-1, -1))
    assert msg.startswith("Reshape:") and "one unknown dimension" in msg


def test_transpose_with_an_axis_out_of_range_names_the_axis():
    msg = message(ValueError, leaf(2, 3).transpose, 0, 2)
    assert msg.startswith("Transpose:") and "axis 2" in msg and "(2, 3)" in msg


def test_transpose_with_a_repeated_axis_names_the_op():
    msg = message(ValueError, F.transpose, leaf(2, 3), (0, 0))
    assert msg.startswith("Transpose:") and "repeated axis" in msg


def test_transpose_with_too_few_axes_names_the_shape():
    msg = message(ValueError, leaf(2, 3, 4).transpose, 1, 0)
    assert msg.startswith("Transpose:") and "(2, 3, 4)" in msg


def test_broadcast_to_an_incompatible_shape_names_both_shapes():
    msg = message(ValueError, F.broadcast_to, leaf(2, 3), (4, 3))
    assert msg.startswith("BroadcastTo:") and "(4,3)" in msg and "(2, 3)" in msg


def test_concatenate_of_mismatched_sides_names_the_dimension_and_shapes():
    msg = message(ValueError, F.concatenate, [leaf(2, 3), leaf(2, 4)], axis=0)
    assert msg.startswith("Concatenate:") and "dimension 1" in msg and "(2, 3)" in msg and "(2, 4)" in msg


def test_concatenate_of_different_ranks_names_both_shapes():
    msg = message(ValueError, F.concatenate, [leaf(2, 3), leaf(3)])
    assert msg.startswith("Concatenate:") and "number of dimensions" in msg and "(3,)" in msg


def test_concatenate_along_a_missing_axis_names_the_axis():
    msg = message(ValueError, F.concatenate, [leaf(2, 3), leaf(2, 3)], axis=2)
    assert msg.startswith("Concatenate:") and "axis 2" in msg


def test_concatenate_of_nothing_names_the_op():
    assert "Concatenate: need at least one array" in message(ValueError, F.concatenate, [])


def test_stack_of_different_shapes_names_both_shapes():
    msg = message(ValueError, F.stack, [leaf(2, 3), leaf(3, 2)])
    assert msg.startswith("Stack:") and "same shape" in msg and "(2, 3)" in msg and "(3, 2)" in msg


def test_where_with_a_non_boolean_condition_names_its_dtype():
    msg = message(TypeError, F.where, np.array([1, 0]), leaf(2), leaf(2))
    assert msg.startswith("Where:") and "boolean" in msg and "int64" in msg


def test_where_whose_operands_do_not_broadcast_names_the_shapes():
    msg = message(ValueError, F.where, np.array([True, False, True]), leaf(2), leaf(2))
    assert msg.startswith("Where:") and "(3,)" in msg and "(2,)" in msg


def test_index_out_of_range_names_the_index_and_the_shape():
    msg = message(IndexError, lambda: leaf(3)[5])
    assert msg.startswith("GetItem:") and "index 5" in msg and "size 3" in msg


def test_too_many_indices_names_the_op():
    msg = message(IndexError, lambda: leaf(3)[0, 1])
    assert msg.startswith("GetItem:") and "too many indices" in msg and "(3,)" in msg


def test_index_array_out_of_range_names_the_index():
    msg = message(IndexError, lambda: leaf(3)[np.array([0, 7])])
    assert msg.startswith("GetItem:") and "index 7" in msg


def test_boolean_mask_of_the_wrong_length_names_both_sizes():
    msg = message(IndexError, lambda: leaf(3)[np.array([True, False])])
    assert msg.startswith("GetItem:") and "size of axis is 3" in msg and "is 2" in msg


def test_sum_over_a_missing_axis_names_the_axis_and_the_rank():
    msg = message(ValueError, leaf(2, 3).sum, axis=2)
    assert msg.startswith("Sum:") and "axis 2" in msg and "dimension 2" in msg


def test_sum_over_a_repeated_axis_names_the_op():
    assert "Sum: duplicate value in 'axis'" in message(ValueError, leaf(2, 3).sum, axis=(0, 0))


def test_mean_over_a_missing_negative_axis_names_the_axis():
    msg = message(ValueError, leaf(2, 3).mean, axis=-3)
    assert msg.startswith("Mean:") and "axis -3" in msg


def test_max_of_an_empty_tensor_names_the_op():
    msg = message(ValueError, Tensor(np.ones(0), requires_grad=True).max)
    assert msg.startswith("Max:") and "zero-size" in msg and "(0,)" in msg


def test_softmax_over_a_missing_axis_names_the_axis():
    msg = message(ValueError, F.softmax, leaf(2, 3), axis=3)
    assert msg.startswith("Softmax:") and "axis 3" in msg


def test_item_of_a_larger_tensor_names_its_shape():
    assert "(2,)" in message(ValueError, leaf(2).item)


def test_copy_of_another_shape_names_both_shapes():
    msg = message(ValueError, leaf(2).copy_, np.ones(3))
    assert "copy_" in msg and "(3,)" in msg and "(2,)" in msg


# --- cross_entropy -----------------------------------------------------------------------------

def test_cross_entropy_targets_of_the_wrong_shape_name_both_shapes_and_what_to_give():
    msg = message(ValueError, F.cross_entropy, leaf(4, 3), np.ones((4, 2)))
    assert "targets of shape (4, 2)" in msg and "logits of shape (4, 3)" in msg
    assert "4 class indices" in msg and "one-hot rows" in msg


def test_cross_entropy_for_one_sample_speaks_of_one_index():
    msg = message(ValueError, F.cross_entropy, leaf(1, 3), np.array([0, 1]))
    assert "give 1 class index, shape (1,) or (1, 1), or a one-hot row, shape (1, 3)" in msg


def test_cross_entropy_takes_labels_of_shape_n_by_1_as_class_indices():
    # the book's ch07/gradient_check.py: t = np.array([1]).reshape((1, 1)); its SoftmaxWithLoss takes them
    x = np.array([[0.1, 0.9, -0.3], [0.2, 0.0, 1.5]])
    for t in (np.array([[1]]), np.array([[2], [0]])):
        a, b = leaf(len(t), 3), leaf(len(t), 3)
        a.data[...] = b.data[...] = x[:len(t)]
        F.cross_entropy(a, t).backward()
        F.cross_entropy(b, t.ravel()).backward()
        np.testing.assert_array_equal(a.grad.data, b.grad.data)
    msg = message(ValueError, F.cross_entropy, leaf(2, 3), np.array([[0], [1], [2]]))
    assert "(3, 1)" in msg and "2 class indices, shape (2,) or (2, 1)" in msg


def test_an_ops_error_is_said_once():
    with pytest.raises(ValueError) as info:
        F.cross_entropy(leaf(2, 3), np.array([0, 7]))
    error = info.value
    assert error.__cause__ is None and error.__suppress_context__  # no chained copy of it
    assert str(error).startswith("CrossEntropy: cross_entropy: label 7 at position 1")
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))  # as printed
    assert text.count("label 7 at position 1") == 1 and "direct cause" not in text


def test_cross_entropy_non_integer_float_labels_name_the_label():
    msg = message(TypeError, F.cross_entropy, leaf(2, 3), np.array([0.0, 1.5]))
    assert "labels must be integers" in msg and "1.5" in msg and "position 1" in msg


def test_cross_entropy_nan_label_names_the_label():
    msg = message(TypeError, F.cross_entropy, leaf(2, 3), np.array([np.nan, 1.0]))
    assert "labels must be integers" in msg and "nan" in msg and "position 0" in msg


def test_cross_entropy_string_labels_name_the_dtype():
    msg = message(TypeError, F.cross_entropy, leaf(2, 3), np.array(["a", "b"]))
    assert "labels must be integers" in msg and "<U1" in msg


def test_cross_entropy_boolean_labels_name_the_dtype():
    msg = message(TypeError, F.cross_entropy, leaf(2, 3), np.array([True, False]))
    assert "labels must be integers" in msg and "bool" in msg


def test_cross_entropy_negative_label_names_the_label_and_its_position():
    msg = message(ValueError, F.cross_entropy, leaf(2, 3), np.array([0, -1]))
    assert "label -1 at position 1" in msg and "[0, 3)" in msg


def test_cross_entropy_too_large_label_names_the_label_and_the_class_count():
    msg = message(ValueError, F.cross_entropy, leaf(2, 3), np.array([3, 0]))
    assert "label 3 at position 0" in msg and "3 classes" in msg


def test_cross_entropy_batch_size_mismatch_names_both_shapes():
    msg = message(ValueError, F.cross_entropy, leaf(2, 3), np.array([0, 1, 2]))
    assert "(3,)" in msg and "(2, 3)" in msg and "2 class indices" in msg


def test_cross_entropy_of_3d_logits_names_the_shape():
    msg = message(ValueError, F.cross_entropy, leaf(2, 3, 4), np.array([0, 1]))
    assert "(N, C)" in msg and "(2, 3, 4)" in msg


def test_softmax_with_loss_module_reports_the_same_label_error():
    msg = message(ValueError, nn.SoftmaxWithLoss(), leaf(2, 10), np.array([3, 10]))
    assert "label 10 at position 1" in msg and "10 classes" in msg


# --- nn modules --------------------------------------------------------------------------------

def test_affine_input_with_the_wrong_feature_count_names_the_layer_and_the_shape():
    msg = message(ValueError, nn.Affine(4, 2), np.ones((3, 5)))
    assert "Affine(4, 2)" in msg and "(3, 5)" in msg and "4 features" in msg


def test_affine_input_that_flattens_to_the_wrong_size_names_its_original_shape():
    msg = message(ValueError, nn.Affine(784, 10), np.ones((2, 1, 28, 27)))
    assert "Affine(784, 10)" in msg and "(2, 1, 28, 27)" in msg


def test_affine_1d_input_names_the_expected_shape():
    msg = message(ValueError, nn.Affine(4, 2), np.ones(4))
    assert "(4,)" in msg and "(N, 4)" in msg


@pytest.mark.parametrize("x", [np.ones(12), 3.0], ids=["1-d", "0-d"])
def test_affine_input_without_a_batch_axis_says_so(x):
    msg = message(ValueError, nn.Affine(12, 5), x)
    assert "has no batch axis" in msg and "x.reshape(1, -1)" in msg and "features" not in msg


def test_a_model_that_reuses_a_module_lists_its_parameters_once_and_trains():
    a = nn.Affine(3, 3)
    model = nn.Sequential(a, nn.Tanh(), a)
    assert [name for name, _ in model.named_parameters()] == ["0.W", "0.b"]
    assert len(model.parameters()) == 2 and list(model.state_dict()) == ["0.W", "0.b"]
    opt = nn.optim.Adam(model.parameters(), lr=0.01)  # refused a repeated parameter before
    x = np.random.default_rng(0).standard_normal((4, 3))
    loss = (model(x) ** 2).sum()
    loss.backward()
    opt.step()
    model.load_state_dict(model.state_dict())


def test_functional_affine_with_mismatched_weights_names_the_shapes():
    msg = message(ValueError, F.affine, np.ones((3, 5)), leaf(4, 2), leaf(2))
    assert msg.startswith("Affine:") and "(3, 5)" in msg and "(4, 2)" in msg and "gufunc" not in msg


@pytest.mark.parametrize("sizes", [(0, 2), (3, -1), (2.5, 3), ("4", 2)])
def test_affine_with_a_size_that_is_not_a_positive_integer_names_it(sizes):
    msg = message((ValueError, TypeError), nn.Affine, *sizes)
    assert "Affine" in msg and "positive integer" in msg and repr(next(s for s in sizes if not (
        isinstance(s, int) and s > 0))) in msg


def test_affine_with_an_unknown_init_names_the_choices():
    msg = message(ValueError, nn.Affine, 4, 2, init="foo")
    assert "'xavier' or 'he'" in msg and "'foo'" in msg


def test_rnn_input_without_a_time_axis_names_the_expected_shape():
    msg = message(ValueError, nn.RNN(3, 4), np.ones((2, 3)))
    assert "RNN" in msg and "(N, T, 3)" in msg and "(2, 3)" in msg


def test_rnn_input_with_the_wrong_feature_count_names_the_shape():
    msg = message(ValueError, nn.RNN(3, 4), np.ones((2, 5, 4)))
    assert "(N, T, 3)" in msg and "(2, 5, 4)" in msg


def test_sequential_of_something_that_is_not_a_module_names_it():
    msg = message(TypeError, nn.Sequential, nn.Affine(2, 2), "relu")
    assert msg == "Sequential: item 1 is a str, not a Module"


def test_sequential_of_a_layer_class_instead_of_a_layer_says_how_to_fix_it():
    msg = message(TypeError, nn.Sequential, nn.Affine(2, 2), nn.ReLU)
    assert msg == "Sequential: item 1 is the class ReLU, not a Module; write ReLU()"


# --- optimizers --------------------------------------------------------------------------------

def test_optimizer_given_a_plain_array_names_the_parameter():
    msg = message(TypeError, nn.optim.SGD, [np.ones(2)])
    assert "SGD: parameter 0 is of type ndarray, not a Tensor" in msg and "model.parameters()" in msg


def test_optimizer_given_a_tensor_that_needs_no_grad_names_the_parameter():
    model = nn.Affine(2, 2)
    msg = message(TypeError, nn.optim.Adam, model.parameters() + [Tensor(np.ones(2))])
    assert "Adam: parameter 2" in msg and "not a leaf requiring grad" in msg


def test_optimizer_given_a_non_leaf_tensor_names_the_parameter():
    msg = message(TypeError, nn.optim.SGD, [leaf(2) * 2])
    assert "parameter 0" in msg and "not a leaf requiring grad" in msg


@pytest.mark.parametrize("model", [nn.Affine(2, 2), nn.Sequential(nn.Affine(2, 2), nn.ReLU())],
                         ids=["Affine", "Sequential"])
def test_optimizer_given_a_module_says_to_pass_its_parameters(model):
    msg = message(TypeError, nn.optim.SGD, model)
    assert f"SGD: params must be an iterable of parameters, got the module {type(model).__name__} itself" in msg
    assert "model.parameters()" in msg


def test_optimizer_given_a_single_tensor_says_to_pass_a_list():
    msg = message(TypeError, nn.optim.Momentum, nn.Affine(2, 2).W)
    assert "Momentum" in msg and "single" in msg and "[" in msg


def test_optimizer_given_none_says_what_params_must_be():
    msg = message(TypeError, nn.optim.SGD, None)
    assert "SGD" in msg and "NoneType" in msg and "model.parameters()" in msg


def test_optimizer_given_no_parameters_says_so():
    assert "SGD: got an empty parameter list" in message(ValueError, nn.optim.SGD, [])


def test_optimizer_given_the_same_parameter_twice_names_both_positions():
    model = nn.Affine(2, 2)
    msg = message(ValueError, nn.optim.AdaGrad, [model.W, model.b, model.W])
    assert "AdaGrad: parameter 2" in msg and "parameter 0" in msg


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), "0.1", None])
def test_optimizer_learning_rate_that_is_not_a_positive_number_is_named(lr):
    msg = message((ValueError, TypeError), nn.optim.SGD, nn.Affine(2, 2).parameters(), lr=lr)
    assert "SGD: lr must be a positive number" in msg and repr(lr) in msg


# --- state dicts and files ---------------------------------------------------------------------

def test_load_state_dict_with_a_missing_entry_names_it():
    msg = message(KeyError, nn.Affine(2, 2).load_state_dict, {"W": np.ones((2, 2))})
    assert "missing ['b']" in msg


def test_load_state_dict_with_an_extra_entry_names_it():
    msg = message(KeyError, nn.Affine(2, 2).load_state_dict,
                  {"W": np.ones((2, 2)), "b": np.ones(2), "c": np.ones(1)})
    assert "unexpected ['c']" in msg


def test_load_state_dict_with_a_misshapen_entry_names_the_parameter_and_both_shapes():
    msg = message(ValueError, nn.Affine(2, 2).load_state_dict, {"W": np.ones((2, 3)), "b": np.ones(2)})
    assert "'W'" in msg and "(2, 2)" in msg and "(2, 3)" in msg


def test_load_state_dict_with_non_numeric_values_names_the_parameter_and_dtype():
    model = nn.Affine(2, 2)
    before = model.b.data.copy()
    msg = message(TypeError, model.load_state_dict, {"b": np.ones(2), "W": np.array([["a", "b"], ["c", "d"]])})
    assert "'W'" in msg and "<U1" in msg
    np.testing.assert_array_equal(model.b.data, before)  # checked before anything changed


def test_load_state_dict_of_something_that_is_not_a_mapping_says_so():
    msg = message(TypeError, nn.Affine(2, 2).load_state_dict, [np.ones((2, 2)), np.ones(2)])
    assert "load_state_dict" in msg and "dict" in msg and "list" in msg


def test_load_of_a_missing_file_names_it(tmp_path):
    path = tmp_path / "nothing.npz"
    assert str(path) in message(FileNotFoundError, nn.Affine(2, 2).load, path)


def test_load_of_a_file_that_is_not_npz_names_it(tmp_path):
    path = tmp_path / "garbage.npz"
    path.write_bytes(b"not a zip archive at all")
    msg = message(ValueError, nn.Affine(2, 2).load, path)
    assert str(path) in msg and "not a readable .npz" in msg and "allow_pickle" not in msg


def test_load_of_a_bare_npy_file_says_it_is_not_an_archive(tmp_path):
    path = tmp_path / "one.npy"
    np.save(path, np.ones(3))
    msg = message(ValueError, nn.Affine(2, 2).load, path)
    assert str(path) in msg and "single array" in msg


def test_load_of_an_npz_of_another_model_names_the_mismatched_entries(tmp_path):
    path = tmp_path / "other.npz"
    nn.Sequential(nn.Affine(2, 2)).save(path)
    msg = message(KeyError, nn.Affine(2, 2).load, path)
    assert "missing ['W', 'b']" in msg and "'0.W'" in msg


def test_read_idx_of_a_missing_file_names_it(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    msg = message(DatasetError, read_idx, path)
    assert str(path) in msg and "cannot read" in msg


def test_read_idx_with_a_bad_magic_number_names_it(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(b"\x12\x34\x56\x78")
    msg = message(DatasetError, read_idx, path)
    assert str(path) in msg and "0x12345678" in msg and "0x00000801" in msg


def test_read_idx_with_truncated_data_names_the_sizes(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05\x01")
    msg = message(DatasetError, read_idx, path)
    assert "truncated data" in msg and "(5,)" in msg and "got 1" in msg


def test_read_idx_of_a_gz_name_without_gzip_data_says_so(tmp_path):
    path = tmp_path / "x-idx1-ubyte.gz"
    path.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x00")
    assert "not a gzip file" in message(DatasetError, read_idx, path)


def test_read_idx_whose_dims_overflow_64_bits_is_a_size_mismatch_not_a_crash(tmp_path):
    # 2**31 * 2**31 * 4 = 2**64: the byte count must not wrap around to 0
    path = tmp_path / "huge-idx3-ubyte"
    path.write_bytes(b"\x00\x00\x08\x03" + (2 ** 31).to_bytes(4, "big") * 2 + (4).to_bytes(4, "big"))
    msg = message(DatasetError, read_idx, path)
    assert "truncated data" in msg and str(2 ** 64) in msg


def test_read_idx_of_zero_items_with_impossibly_large_sides_names_the_dims(tmp_path):
    path = tmp_path / "empty-idx3-ubyte"
    path.write_bytes(b"\x00\x00\x08\x03" + (0).to_bytes(4, "big") + (2 ** 32 - 1).to_bytes(4, "big") * 2)
    msg = message(DatasetError, read_idx, path)
    assert str(path) in msg and "too large" in msg and "(0, 4294967295, 4294967295)" in msg


def test_read_idx_of_a_directory_names_it(tmp_path):
    assert str(tmp_path) in message(DatasetError, read_idx, tmp_path)


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

