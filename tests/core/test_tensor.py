"""The Tensor itself: construction and dtype rules, attributes, operators, indexing, methods and
the functions of autograd.functions (F). Each op's vjp against finite differences is checked over
the whole op table in test_ops.py; here the checks are of the interface and of exact values."""
import weakref

import numpy as np
import pytest

import autograd
import autograd.functions as F
import nn
from autograd import Tensor, gradcheck, numerical_gradient


def leaf(data, dtype=np.float64):
    return Tensor(np.array(data, dtype=dtype), requires_grad=True)


# --- construction and dtypes -------------------------------------------------------------------

@pytest.mark.parametrize("data", [3, 2.5, True, [1, 2, 3], [[1.0, 2.0]], np.array([1, 2], dtype=np.int32),
                                  np.array([1, 2], dtype=np.int64), np.array([1, 2], dtype=np.uint8),
                                  np.array([True, False])])
def test_numbers_lists_int_and_bool_arrays_become_float64(data):
    t = Tensor(data)
    assert t.dtype == np.float64
    assert t.data.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_arrays_keep_their_dtype_and_are_not_copied(dtype):
    arr = np.arange(6, dtype=dtype).reshape(2, 3)
    t = Tensor(arr, requires_grad=True)
    assert t.dtype == dtype
    assert t.data is arr


def test_numpy_float_scalars_keep_their_dtype():
    assert Tensor(np.float32(1)).dtype == np.float32
    assert Tensor(np.float64(1)).dtype == np.float64


@pytest.mark.parametrize("make", [lambda: Tensor(np.float64(1.5)), lambda: nn.Parameter(np.float32(1)),
                                  lambda: Tensor(np.arange(3.0))[0], lambda: Tensor(np.ones(3)).sum(),
                                  lambda: Tensor(2.0, requires_grad=True) * np.float64(3)])
def test_0d_data_is_always_a_0d_array_that_can_be_written(make):
    t = make()
    assert type(t.data) is np.ndarray and t.shape == ()
    t.data[...] = 4.0
    assert t.item() == 4.0
    t.copy_(5.0)
    assert t.item() == 5.0


def test_a_0d_parameter_loads_its_state_and_is_gradchecked():
    m = nn.Module()
    m.scale = nn.Parameter(np.float64(2.0))
    m.load_state_dict({"scale": np.array(3.0)})
    assert m.scale.item() == 3.0
    assert gradcheck(lambda s: s * s, [m.scale])
    (m.scale * m.scale).backward()
    assert type(m.scale.grad.data) is np.ndarray and m.scale.grad.item() == 6.0


def test_second_derivative_of_a_0d_op_that_saved_its_output():
    x = Tensor(0.3, requires_grad=True)
    (g,) = autograd.grad(x.sigmoid(), x, create_graph=True)
    (gg,) = autograd.grad(g, x)
    s = 1 / (1 + np.exp(-0.3))
    np.testing.assert_allclose(gg.item(), s * (1 - s) * (1 - 2 * s), rtol=1e-14)


def test_python_number_never_upcasts_float32():  # NEP 50
    t = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    assert (t * 2.0).dtype == np.float32
    assert (2.0 * t).dtype == np.float32
    assert (t + 1).dtype == np.float32
    assert (t / 3.0).dtype == np.float32
    assert (t ** 2).dtype == np.float32


def test_float32_with_float64_array_promotes_to_float64():
    t = Tensor(np.ones(3, dtype=np.float32))
    assert (t + np.ones(3)).dtype == np.float64
    assert (np.ones(3) + t).dtype == np.float64
    assert (t * Tensor(np.ones(3))).dtype == np.float64


@pytest.mark.parametrize("reduce", [lambda t: t.sum(), lambda t: t.mean(), lambda t: t.max(),
                                    lambda t: t.sum(axis=0).mean(), lambda t: F.softmax(t).sum(),
                                    lambda t: F.log_softmax(t).sum(), lambda t: (t * 2.0).tanh().sum(),
                                    lambda t: F.cross_entropy(t, np.array([0, 2])),
                                    lambda t: F.cross_entropy(t, np.eye(3)[[1, 0]])],
                         ids=["sum", "mean", "max", "sum-mean", "softmax", "log_softmax", "tanh",
                              "cross_entropy-labels", "cross_entropy-onehot"])
def test_float32_reductions_and_losses_stay_float32_and_so_do_gradients(reduce):
    x = leaf([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=np.float32)
    out = reduce(x)
    assert out.dtype == np.float32
    out.backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("data", [1 + 2j, np.array([1j, 2.0]), "abc", ["a", "b"], np.array(["x"])])
def test_complex_or_string_data_is_a_clear_type_error(data):
    with pytest.raises(TypeError, match="real numbers|number"):
        Tensor(data)


def test_an_op_with_a_complex_result_is_a_type_error():
    with pytest.raises(TypeError, match="real numbers"):
        Tensor(np.ones(2)) + np.array([1j, 2j])


# --- attributes --------------------------------------------------------------------------------

def test_shape_ndim_size_dtype_and_len():
    t = Tensor(np.zeros((4, 2, 3)))
    assert t.shape == (4, 2, 3)
    assert t.ndim == 3
    assert t.size == 24
    assert t.dtype == np.float64
    assert len(t) == 4


def test_len_of_a_0d_tensor_is_a_type_error():
    with pytest.raises(TypeError):
        len(Tensor(1.0))


def test_a_new_tensor_is_a_leaf_without_grad():
    t = Tensor([1.0, 2.0])
    assert t.grad is None
    assert t.requires_grad is False
    assert t.is_leaf
    assert Tensor([1.0], requires_grad=True).requires_grad is True


def test_T_reverses_all_axes_like_numpy():
    a = np.arange(24.0).reshape(2, 3, 4)
    t = Tensor(a)
    assert t.T.shape == (4, 3, 2)
    np.testing.assert_array_equal(t.T.data, a.T)
    np.testing.assert_array_equal(Tensor(np.arange(6.0).reshape(2, 3)).T.data, np.arange(6.0).reshape(2, 3).T)


def test_item_gives_a_python_float_of_a_one_element_tensor():
    assert Tensor(2.5).item() == 2.5
    assert type(Tensor([[7.0]]).item()) is float
    with pytest.raises(ValueError, match=r"\(3,\)"):
        Tensor([1.0, 2.0, 3.0]).item()


def test_numpy_and_asarray_give_the_data():
    a = np.arange(6.0).reshape(2, 3)
    t = Tensor(a)
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(t.numpy(), a)
    np.testing.assert_array_equal(np.asarray(t), a)
    assert np.asarray(t).shape == (2, 3)
    assert np.asarray(t, dtype=np.float32).dtype == np.float32


def test_detach_shares_data_but_leaves_the_graph():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert d.data is y.data
    (d * 3).sum()  # recording nothing: no error, no graph
    assert y.grad_fn is not None


def test_repr_is_readable_and_mentions_grad_state():
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert "requires_grad=True" in repr(leaf([1.0, 2.0]))
    r = repr(leaf([1.0, 2.0]) * 2)
    assert r.startswith("Tensor([2., 4.]") and "grad_fn=Mul" in r
    assert "float32" in repr(Tensor(np.ones(2, dtype=np.float32)))


def test_tensors_can_be_weakly_referenced():
    t = Tensor([1.0])
    r = weakref.ref(t)
    assert r() is t
    del t
    assert r() is None


# --- operators ---------------------------------------------------------------------------------

X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
Y = np.array([[0.5, -1.0, 2.0], [1.5, 3.0, -0.5]])


@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: a ** b, lambda a, b: a @ b.T, lambda a, b: -a],
    ids=["add", "sub", "mul", "div", "pow", "matmul", "neg"])
def test_operators_compute_what_numpy_computes(op):
    np.testing.assert_allclose(op(Tensor(X), Tensor(Y)).data, op(X, Y), rtol=1e-15)


@pytest.mark.parametrize("expr, expected", [
    (lambda t: 2 + t, 2 + X), (lambda t: 2 - t, 2 - X), (lambda t: 2 * t, 2 * X),
    (lambda t: 2 / t, 2 / X), (lambda t: 2 ** t, 2 ** X),
    (lambda t: Y + t, Y + X), (lambda t: Y - t, Y - X), (lambda t: Y * t, Y * X),
    (lambda t: Y / t, Y / X), (lambda t: Y.T @ t, Y.T @ X)],
    ids=["n+t", "n-t", "n*t", "n/t", "n**t", "a+t", "a-t", "a*t", "a/t", "a@t"])
def test_reflected_operators_with_numbers_and_arrays_give_tensors(expr, expected):
    t = Tensor(X, requires_grad=True)
    out = expr(t)
    assert isinstance(out, Tensor)
    assert out.grad_fn is not None
    np.testing.assert_allclose(out.data, expected, rtol=1e-15)


def test_reflected_operator_gradients():
    t = leaf([1.0, 2.0, 4.0])
    (10.0 - t).sum().backward()
    np.testing.assert_array_equal(t.grad.data, [-1.0, -1.0, -1.0])
    t.grad = None
    (8.0 / t).sum().backward()
    np.testing.assert_array_equal(t.grad.data, [-8.0, -2.0, -0.5])
    t.grad = None
    (np.array([3.0, 5.0, 7.0]) * t).sum().backward()
    np.testing.assert_array_equal(t.grad.data, [3.0, 5.0, 7.0])


def test_unary_minus_and_its_gradient():
    t = leaf([1.0, -2.0])
    y = -t
    np.testing.assert_array_equal(y.data, [-1.0, 2.0])
    y.sum().backward()
    np.testing.assert_array_equal(t.grad.data, [-1.0, -1.0])


# --- indexing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("index", [1, -1, slice(0, 2), (Ellipsis, 1), (slice(None), 2), (0, slice(1, None)),
                                   np.array([2, 0]), np.array([True, False, True]),
                                   (np.array([0, 1]), np.array([2, 0]))],
                         ids=["int", "negative", "slice", "ellipsis", "column", "row-tail", "int-array",
                              "mask", "pairs"])
def test_indexing_matches_numpy_and_scatters_the_gradient_back(index):
    a = np.arange(12.0).reshape(3, 4)
    t = Tensor(a, requires_grad=True)
    out = t[index]
    np.testing.assert_array_equal(out.data, a[index])
    g = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(g)
    expected = np.zeros_like(a)
    expected[index] = g
    np.testing.assert_array_equal(t.grad.data, expected)


def test_repeated_indices_accumulate_in_the_gradient():
    t = leaf([10.0, 20.0, 30.0, 40.0])
    out = t[np.array([0, 2, 0, 0, 3])]
    np.testing.assert_array_equal(out.data, [10.0, 30.0, 10.0, 10.0, 40.0])
    out.backward(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    np.testing.assert_array_equal(t.grad.data, [8.0, 0.0, 2.0, 5.0])


@pytest.mark.parametrize("index", [np.array([0, 0, 2]), [0, 0, 2], (np.array([0, 0, 2]),)], ids=["array", "list", "tuple"])
def test_changing_the_index_after_forward_does_not_move_the_gradient(index):
    t = leaf([1.0, 2.0, 3.0])
    out = t[index]
    (index[0] if isinstance(index, tuple) else index)[:] = [1, 1, 1]
    out.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(t.grad.data, [3.0, 0.0, 3.0])


def test_indexing_with_a_comparison_mask():
    t = leaf([[-1.0, 2.0], [3.0, -4.0]])
    out = t[t > 0]
    np.testing.assert_array_equal(out.data, [2.0, 3.0])
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.data, [[0.0, 1.0], [1.0, 0.0]])


# --- methods: reductions, shapes, elementwise --------------------------------------------------

@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (1,), (0, 1, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "max"])
def test_reductions_take_int_tuple_or_none_axis_and_keepdims(name, axis, keepdims):
    a = np.random.default_rng(3).standard_normal((2, 3, 4))
    t = Tensor(a, requires_grad=True)
    out = getattr(t, name)(axis=axis, keepdims=keepdims)
    expected = getattr(np, name)(a, axis=axis, keepdims=keepdims)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    out.backward(np.ones(out.shape))
    assert t.grad.shape == a.shape
    counts = {"sum": 1.0, "mean": 1.0 / (a.size // max(expected.size, 1))}
    if name in counts:
        np.testing.assert_allclose(t.grad.data, np.full(a.shape, counts[name]), rtol=1e-14)
    else:  # distinct random values: exactly one maximum per reduced slice takes the gradient
        kept = np.max(a, axis=axis, keepdims=True)
        np.testing.assert_array_equal(t.grad.data, (a == kept).astype(float))


def test_reductions_of_F_match_the_methods():
    a = np.arange(6.0).reshape(2, 3)
    assert F.sum(a).item() == 15.0
    np.testing.assert_array_equal(F.mean(a, axis=0).data, [1.5, 2.5, 3.5])
    np.testing.assert_array_equal(F.max(a, axis=1, keepdims=True).data, [[2.0], [5.0]])


def test_reshape_takes_a_tuple_or_ints_and_minus_one():
    t = Tensor(np.arange(6.0), requires_grad=True)
    assert t.reshape((2, 3)).shape == (2, 3)
    assert t.reshape(2, 3).shape == (2, 3)
    assert t.reshape(-1, 2).shape == (3, 2)
    assert t.reshape([3, -1]).shape == (3, 2)
    assert F.reshape(t, (1, -1)).shape == (1, 6)
    out = t.reshape(3, 2)
    out.backward(np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(t.grad.data, np.arange(6.0))


def test_transpose_without_axes_reverses_and_with_axes_permutes():
    a = np.arange(24.0).reshape(2, 3, 4)
    t = Tensor(a, requires_grad=True)
    np.testing.assert_array_equal(t.transpose().data, a.transpose())
    np.testing.assert_array_equal(t.transpose(1, 2, 0).data, a.transpose(1, 2, 0))
    np.testing.assert_array_equal(t.transpose((2, 0, 1)).data, a.transpose(2, 0, 1))
    np.testing.assert_array_equal(F.transpose(t, (0, 2, 1)).data, a.transpose(0, 2, 1))
    np.testing.assert_array_equal(F.transpose(t).data, a.T)
    g = np.random.default_rng(0).standard_normal((3, 4, 2))
    t.transpose(1, 2, 0).backward(g)
    np.testing.assert_array_equal(t.grad.data, g.transpose(2, 0, 1))


@pytest.mark.parametrize("shape", [(2, 2, 2), (2, 3, 4)])
@pytest.mark.parametrize("axes", [(-1, 0, 1), (0, -1, -2), (-3, -1, 1)])
def test_transpose_with_negative_axes_has_the_inverse_permutation_as_gradient(shape, axes):
    a = np.arange(float(np.prod(shape))).reshape(shape)
    t = Tensor(a, requires_grad=True)
    out = t.transpose(*axes)
    np.testing.assert_array_equal(out.data, a.transpose(axes))
    g = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(g)
    np.testing.assert_array_equal(t.grad.data, g.transpose(np.argsort([ax % 3 for ax in axes])))


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
def test_an_axis_out_of_range_is_numpys_axis_error_naming_the_op(name):
    with pytest.raises(np.exceptions.AxisError, match=rf"^{name.title()}: axis 0 is out of bounds for array of dimension 0"):
        getattr(Tensor(2.5, requires_grad=True), name)(axis=0)
    with pytest.raises(np.exceptions.AxisError, match="axis -3 is out of bounds for array of dimension 2"):
        getattr(Tensor(np.ones((2, 3))), name)(axis=(0, -3))


@pytest.mark.parametrize("name, fn, dfn", [
    ("exp", np.exp, np.exp),
    ("log", np.log, lambda a: 1 / a),
    ("tanh", np.tanh, lambda a: 1 - np.tanh(a) ** 2),
    ("sigmoid", lambda a: 1 / (1 + np.exp(-a)), lambda a: np.exp(-a) / (1 + np.exp(-a)) ** 2),
    ("relu", lambda a: np.maximum(a, 0), lambda a: (a > 0).astype(float)),
    ("sqrt", np.sqrt, lambda a: 0.5 / np.sqrt(a))])
def test_elementwise_methods_and_F_functions(name, fn, dfn):
    a = np.array([[0.5, 1.5], [2.0, 3.0]]) * (np.array([[1, -1], [-1, 1]]) if name in ("tanh", "sigmoid", "relu", "exp") else 1)
    t = Tensor(a, requires_grad=True)
    out = getattr(t, name)() if name != "sqrt" else F.sqrt(t)
    np.testing.assert_allclose(out.data, fn(a), rtol=1e-14)
    np.testing.assert_allclose(getattr(F, name)(a).data, fn(a), rtol=1e-14)
    out.sum().backward()
    np.testing.assert_allclose(t.grad.data, dfn(a), rtol=1e-12)


def test_relu_gradient_at_exactly_zero_is_zero():
    t = leaf([-1.0, 0.0, 1e-300, 2.0])
    t.relu().sum().backward()
    np.testing.assert_array_equal(t.grad.data, [0.0, 0.0, 1.0, 1.0])
    u = leaf([0.0, -0.0])
    F.relu(u).sum().backward()
    np.testing.assert_array_equal(u.grad.data, [0.0, 0.0])


def test_max_shares_the_gradient_equally_among_ties():
    t = leaf([1.0, 3.0, 3.0, 2.0, 3.0])
    t.max().backward()
    np.testing.assert_allclose(t.grad.data, [0.0, 1 / 3, 1 / 3, 0.0, 1 / 3], rtol=1e-15)
    m = leaf([[5.0, 5.0], [1.0, 2.0]])
    m.max(axis=1).backward(np.array([2.0, 3.0]))
    np.testing.assert_array_equal(m.grad.data, [[1.0, 1.0], [0.0, 3.0]])


def test_maximum_shares_the_gradient_of_equal_values():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([1.0, 5.0, 0.0])
    out = F.maximum(a, b)
    np.testing.assert_array_equal(out.data, [1.0, 5.0, 3.0])
    out.backward(np.array([4.0, 4.0, 4.0]))
    np.testing.assert_array_equal(a.grad.data, [2.0, 0.0, 4.0])
    np.testing.assert_array_equal(b.grad.data, [2.0, 4.0, 0.0])


# --- the functions of F ------------------------------------------------------------------------

def test_F_has_every_function_the_design_lists():
    names = ["add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "tanh", "sigmoid", "relu",
             "sum", "mean", "max", "reshape", "transpose", "softmax", "log_softmax", "cross_entropy",
             "matmul", "broadcast_to", "concatenate", "stack", "maximum", "where"]
    missing = [n for n in names if not callable(getattr(F, n, None))]
    assert missing == []


@pytest.mark.parametrize("fn, args, expected", [
    (F.add, (2.0, 3.0), 5.0), (F.sub, (2.0, 3.0), -1.0), (F.mul, (2.0, 3.0), 6.0),
    (F.div, (3.0, 2.0), 1.5), (F.pow, (2.0, 3.0), 8.0), (F.maximum, (2.0, 3.0), 3.0),
    (F.neg, (2.0,), -2.0), (F.sqrt, (4.0,), 2.0)])
def test_F_functions_of_plain_numbers_return_tensors(fn, args, expected):
    out = fn(*args)
    assert isinstance(out, Tensor)
    assert out.item() == expected


def test_binary_F_functions_accept_numbers_on_either_side():
    t = leaf([1.0, -2.0])
    assert F.add(t, 1).data.tolist() == [2.0, -1.0]
    assert F.sub(1, t).data.tolist() == [0.0, 3.0]
    assert F.mul(3, t).data.tolist() == [3.0, -6.0]
    assert F.div(t, 2).data.tolist() == [0.5, -1.0]
    assert F.pow(t, 2).data.tolist() == [1.0, 4.0]
    assert F.maximum(t, 0.0).data.tolist() == [1.0, 0.0]
    assert F.maximum(0.0, t).data.tolist() == [1.0, 0.0]
    out = F.maximum(t, 0.0) + F.mul(2, t)
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.data, [3.0, 2.0])


def test_where_picks_by_a_boolean_condition_and_routes_gradients():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([10.0, 20.0, 30.0])
    cond = np.array([True, False, True])
    out = F.where(cond, a, b)
    np.testing.assert_array_equal(out.data, [1.0, 20.0, 3.0])
    out.backward(np.array([5.0, 6.0, 7.0]))
    np.testing.assert_array_equal(a.grad.data, [5.0, 0.0, 7.0])
    np.testing.assert_array_equal(b.grad.data, [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(F.where(a > 1.5, a, 0.0).data, [0.0, 2.0, 3.0])


def test_where_rejects_a_non_boolean_condition():
    with pytest.raises(TypeError, match="boolean"):
        F.where(np.array([1, 0]), Tensor([1.0, 2.0]), 0.0)


@pytest.mark.parametrize("sx, sw", [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                                    ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)), ((2, 3), (5, 3, 4)),
                                    ((3,), (5, 3, 4)), ((2, 1, 2, 3), (5, 3, 4))])
def test_matmul_is_np_matmul_including_1d_and_batched(sx, sw):
    rng = np.random.default_rng(1)
    a, w = rng.standard_normal(sx), rng.standard_normal(sw)
    x, W = Tensor(a, requires_grad=True), Tensor(w, requires_grad=True)
    out = F.matmul(x, W)
    expected = np.matmul(a, w)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-13)
    np.testing.assert_allclose((x @ W).data, expected, rtol=1e-13)
    out.backward(np.ones(expected.shape))
    assert x.grad.shape == sx and W.grad.shape == sw
    # the sum of a matmul is linear in each operand: central differences are exact up to rounding
    np.testing.assert_allclose(x.grad.data, numerical_gradient(lambda v: np.matmul(v, w).sum(), a.copy()), rtol=1e-6)
    np.testing.assert_allclose(W.grad.data, numerical_gradient(lambda v: np.matmul(a, v).sum(), w.copy()), rtol=1e-6)


def test_matmul_of_0d_operands_is_an_error():
    with pytest.raises(ValueError, match="dimension"):
        F.matmul(Tensor(2.0), Tensor([1.0]))


def test_broadcast_to_sums_the_gradient_back():
    t = leaf([[1.0], [2.0]])
    out = F.broadcast_to(t, (3, 2, 4))
    assert out.shape == (3, 2, 4)
    np.testing.assert_array_equal(out.data, np.broadcast_to(t.data, (3, 2, 4)))
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.data, [[12.0], [12.0]])


def test_concatenate_and_stack_split_the_gradient_among_inputs():
    a, b = leaf([[1.0, 2.0]]), leaf([[3.0, 4.0], [5.0, 6.0]])
    cat = F.concatenate([a, b], axis=0)
    np.testing.assert_array_equal(cat.data, [[1, 2], [3, 4], [5, 6]])
    cat.backward(np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(a.grad.data, [[0.0, 1.0]])
    np.testing.assert_array_equal(b.grad.data, [[2.0, 3.0], [4.0, 5.0]])

    c, d = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    st = F.stack([c, d], axis=1)
    np.testing.assert_array_equal(st.data, [[1, 3], [2, 4]])
    st.backward(np.array([[10.0, 20.0], [30.0, 40.0]]))
    np.testing.assert_array_equal(c.grad.data, [10.0, 30.0])
    np.testing.assert_array_equal(d.grad.data, [20.0, 40.0])
    np.testing.assert_array_equal(F.stack([c, np.array([0.0, 0.0])]).data, [[1, 2], [0, 0]])


def test_softmax_and_log_softmax_along_an_axis():
    a = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 0.0]])
    s = F.softmax(a)
    np.testing.assert_allclose(s.data.sum(axis=-1), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(s.data[1], [0.5, 0.5, 0.0], atol=1e-300)
    ls = F.log_softmax(a)
    assert np.all(np.isfinite(ls.data))
    np.testing.assert_allclose(ls.data[1], [np.log(0.5), np.log(0.5), -1000 - np.log(2)], rtol=1e-15)
    np.testing.assert_allclose(F.softmax(a, axis=0).data.sum(axis=0), [1.0, 1.0, 1.0], rtol=1e-15)


# --- cross-entropy -----------------------------------------------------------------------------

def _softmax(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_cross_entropy_with_labels_or_one_hot_is_the_batch_mean():
    a = np.array([[0.2, -1.0, 3.0, 0.5], [1.0, 1.0, 0.0, -2.0], [0.0, 0.3, 0.1, 2.0]])
    labels = np.array([2, 0, 1])
    onehot = np.eye(4)[labels]
    expected = -np.mean(np.log(_softmax(a)[np.arange(3), labels]))
    for t in (labels, onehot):
        x = Tensor(a, requires_grad=True)
        loss = F.cross_entropy(x, t)
        assert loss.shape == ()
        np.testing.assert_allclose(loss.item(), expected, rtol=1e-14)
        loss.backward()
        np.testing.assert_allclose(x.grad.data, (_softmax(a) - onehot) / 3, rtol=1e-13, atol=1e-16)


def test_cross_entropy_gradient_is_scaled_by_the_upstream_gradient():
    a = np.array([[0.1, 0.9], [0.3, 0.2]])
    x = Tensor(a, requires_grad=True)
    (F.cross_entropy(x, np.array([1, 0])) * 3.0).backward()
    np.testing.assert_allclose(x.grad.data, 3.0 * (_softmax(a) - np.eye(2)[[1, 0]]) / 2, rtol=1e-14)
    x.grad = None
    F.cross_entropy(x, np.array([1, 0])).backward(-0.5)
    np.testing.assert_allclose(x.grad.data, -0.5 * (_softmax(a) - np.eye(2)[[1, 0]]) / 2, rtol=1e-14)


@pytest.mark.parametrize("label, expected_loss", [(0, 0.0), (1, 1000.0), (2, 2000.0)])
def test_cross_entropy_is_stable_for_huge_logits(label, expected_loss):
    x = leaf([[1000.0, 0.0, -1000.0]])
    loss = F.cross_entropy(x, np.array([label]))
    assert np.isfinite(loss.item())
    assert loss.item() == expected_loss
    loss.backward()
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(x.grad.data, [[1.0, 0.0, 0.0]] - np.eye(3)[[label]], atol=1e-300)


@pytest.mark.parametrize("t", [np.zeros(0, dtype=np.int64), np.zeros((0, 3))], ids=["labels", "one-hot"])
def test_cross_entropy_of_an_empty_batch_is_nan_with_an_empty_gradient(t):
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    with np.errstate(all="raise"):
        loss = F.cross_entropy(x, t)
        loss.backward()
    assert np.isnan(loss.item()) and x.grad.shape == (0, 3)


def test_cross_entropy_rejects_bad_labels_and_shapes_by_name():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="label 3"):
        F.cross_entropy(x, np.array([0, 3]))
    with pytest.raises(ValueError, match="label -1"):
        F.cross_entropy(x, np.array([-1, 0]))
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        F.cross_entropy(x, np.array([0, 1, 2]))
