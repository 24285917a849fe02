"""Bad input to nn's modules, optimizers, state dicts and files: each error says what was wrong in the user's terms, naming the op, the shapes,
the label, the parameter or the file, and never leaks a numpy internal in their place. One test
per case; each asserts the content of the message."""
import numpy as np
import pytest

import autograd.functions as F
import nn
from autograd import Tensor
from tests.helpers import leaf, message


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
