"""Bad input to the ops (shapes, indices, axes) and to cross_entropy: each error says what was wrong in the user's terms, naming the op, the shapes,
the label, the parameter or the file, and never leaks a numpy internal in their place. One test
per case; each asserts the content of the message."""
import traceback

import numpy as np
import pytest

import autograd.functions as F
import nn
from autograd import Tensor
from tests.helpers import leaf, message


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
