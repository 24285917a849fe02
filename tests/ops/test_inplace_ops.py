"""In-place operators and item assignment on Tensors, with PyTorch's semantics (DESIGN.md): the
tensor object itself changes; under no_grad() only its data; while recording, refused on a leaf
that requires grad and recorded on anything else. Also Tensor.copy (recorded) and detach_(),
which never cut a graph recorded before."""
import numpy as np
import pytest

import autograd
import autograd.functions as F
import nn
from autograd import Tensor, no_grad


def leaf(data, name=None, dtype=np.float64):
    return Tensor(np.array(data, dtype=dtype), requires_grad=True, name=name)


# --- under no_grad: the data changes, in place --------------------------------------------------

def test_the_manual_update_under_no_grad_trains_the_model():
    model = nn.Sequential(nn.Affine(3, 2))
    x, t = np.random.default_rng(0).standard_normal((4, 3)), np.array([0, 1, 1, 0])
    params = list(model.parameters())
    arrays = [p.data for p in params]
    before = [a.copy() for a in arrays]
    nn.SoftmaxWithLoss()(model(x), t).backward()
    with no_grad():
        for p in model.parameters():
            p -= 0.5 * p.grad
    for p, q, a, b in zip(model.parameters(), params, arrays, before):
        assert p is q and p.is_leaf and p.requires_grad  # the same leaf tensors...
        assert p.data is a  # ...and the same arrays, now changed
        np.testing.assert_allclose(a, b - 0.5 * p.grad.data)


@pytest.mark.parametrize("op, expected", [("+=", [3.0, 4.0]), ("-=", [-1.0, 0.0]), ("*=", [2.0, 4.0]),
                                          ("/=", [0.5, 1.0]), ("**=", [1.0, 4.0])])
def test_each_in_place_operator_under_no_grad(op, expected):
    w = leaf([1.0, 2.0])
    alias, array, version = w, w.data, w._owner()._version
    with no_grad():
        exec(f"w {op} 2.0")
    assert w is alias and w.data is array and w.is_leaf
    np.testing.assert_array_equal(array, expected)
    assert w._owner()._version > version


def test_an_update_keeps_the_dtype_and_a_shape_changing_one_is_refused():
    w = leaf([1.0, 2.0], dtype=np.float32)
    with no_grad():
        w -= np.array([0.5, 0.5])  # float64: cast to the tensor's float32, as PyTorch's
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w.data, [0.5, 1.5])
    with no_grad(), pytest.raises(ValueError, match=r"result has shape \(3, 2\) but the Tensor has shape \(2,\)"):
        w += np.ones((3, 2))


def test_a_value_saved_for_backward_and_then_updated_under_no_grad_is_detected():
    w = leaf([1.0, 2.0], name="w")
    y = (w * leaf([3.0, 4.0])).sum()  # Mul saved w for the other input's gradient
    with no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError, match=r"^'w' of shape \(2,\), saved by Mul for backward, was modified in place"):
        y.backward()


def test_item_assignment_under_no_grad_and_where_nothing_requires_grad():
    w = leaf([1.0, 2.0, 3.0])
    with no_grad():
        w[1] = 10.0
    np.testing.assert_array_equal(w.data, [1.0, 10.0, 3.0])
    assert w.is_leaf and w.requires_grad
    t = Tensor(np.zeros((2, 3)))
    t[:, 1] = np.array([5.0, 6.0])
    np.testing.assert_array_equal(t.data, [[0, 5, 0], [0, 6, 0]])
    with pytest.raises(IndexError, match=r"Tensor of shape \(2, 3\)"):
        t[5] = 1.0


# --- while recording: refused on a leaf that requires grad ---------------------------------------

@pytest.mark.parametrize("write", [lambda W: W.__isub__(0.1 * W.grad), lambda W: W.__setitem__(0, 1.0)],
                         ids=["W -= 0.1 * W.grad", "W[0] = 1"])
def test_a_leaf_that_requires_grad_is_refused_while_recording(write):
    W = leaf([[1.0, 2.0]], name="W")
    (W * W).sum().backward()
    with pytest.raises(RuntimeError, match=r"leaf Tensor that requires grad .*with no_grad\(\):"):
        write(W)
    assert W.is_leaf and W.grad is not None
    np.testing.assert_array_equal(W.data, [[1.0, 2.0]])


def test_the_next_step_after_a_refused_update_still_works():
    W = leaf([1.0, 2.0])
    (W * W).sum().backward()
    with pytest.raises(RuntimeError):
        W -= 0.1 * W.grad
    with no_grad():
        W -= 0.1 * W.grad  # the fix the message names
    np.testing.assert_allclose(W.data, [0.8, 1.6])


def test_matmul_in_place_is_refused_rather_than_rebinding():
    t = Tensor(np.eye(2))
    alias = t
    with pytest.raises(TypeError, match=r"t = t @ m"):
        t @= np.eye(2)
    assert t is alias


# --- while recording: recorded on a non-leaf -------------------------------------------------------

def test_micrograds_in_place_updates_give_pytorchs_numbers():
    # micrograd's test_more_ops (its values come from PyTorch): `c += ...` on values made by ops
    a, b = leaf(-4.0), leaf(2.0)
    c = a + b
    d = a * b + b ** 3
    c_before, d_before = c, d
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert c is c_before and d is d_before  # changed in place, not rebound
    assert abs(g.item() - 24.70408163265306) < 1e-9
    assert abs(a.grad.item() - 138.83381924198252) < 1e-9
    assert abs(b.grad.item() - 645.5772594752186) < 1e-9


def test_a_recorded_update_changes_the_tensor_object_and_its_gradient_flows():
    x = leaf([1.0, 2.0])
    y = x * 2
    alias, array = y, y.data
    y *= x  # y = 2x * x
    assert y is alias and y.data is array and type(y.grad_fn).__name__ == "Mul"
    np.testing.assert_array_equal(array, [2.0, 8.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])  # d(2x^2)/dx


def test_a_plain_tensor_updated_with_one_that_requires_grad_joins_the_graph():
    w = leaf([1.0, 2.0])
    acc = Tensor(np.zeros(2))
    alias = acc
    for k in range(3):
        acc += w * k
    assert acc is alias and not acc.is_leaf and acc.requires_grad
    acc.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [3.0, 3.0])


def test_item_assignment_is_recorded():
    x, v = leaf([1.0, 2.0, 3.0, 4.0]), leaf(10.0)
    y = x * 1
    y[np.array([0, 2, 0])] = v * 2  # a repeated index: the last write counts, once
    y[3] = x[1] * x[1]
    np.testing.assert_array_equal(y.data, [20.0, 2.0, 20.0, 4.0])
    (y * np.array([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 2.0 + 4 * 2 * 2.0, 0.0, 0.0])
    np.testing.assert_array_equal(v.grad.data, 2 * (1.0 + 3.0))


def test_the_books_relu_forward_runs_on_a_tensor():
    # common/layers.py, Relu.forward: the book's code as a reader has it
    x = leaf([[1.0, -0.5], [-2.0, 3.0]])
    mask = (x <= 0)
    out = x.copy()
    out[mask] = 0
    np.testing.assert_array_equal(out.data, [[1.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(x.data, [[1.0, -0.5], [-2.0, 3.0]])  # the copy took the write
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("copy", [lambda t: t.copy(), lambda t: t.clone(), np.copy], ids=["copy", "clone", "np.copy"])
def test_a_copy_is_recorded_and_owns_its_array(copy):
    x = leaf([1.0, 2.0])
    y = copy(x)
    assert isinstance(y, Tensor) and type(y.grad_fn).__name__ == "Copy"
    assert not np.shares_memory(y.data, x.data)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_a_recorded_update_of_a_value_an_op_saved_is_an_error_not_a_wrong_gradient():
    x = leaf([0.0, 1.0])
    y = x.exp()  # Exp saved its output
    z = y.sum()
    y += 1
    with pytest.raises(RuntimeError, match="^the output of Exp was modified in place"):
        z.backward()
    h = x * 2
    h.name = "h"
    z = (h * leaf([1.0, 1.0])).sum()  # Mul saved h for the other input's gradient
    h *= 3
    with pytest.raises(RuntimeError, match=r"^'h' of shape \(2,\), saved by Mul for backward, was modified"):
        z.backward()


def test_multiplying_by_a_constant_saves_nothing_so_a_later_update_is_harmless():
    x = leaf([1.0, 2.0])
    h = x * 1.0
    z = (h * 3.0).sum() + (2.0 / (h + 5)).sum()  # no op keeps h itself
    array = h.data
    h += 1
    assert h.data is array and h.data[0] == 2.0
    z.backward()
    np.testing.assert_allclose(x.grad.data, 3.0 - 2.0 / (np.array([1.0, 2.0]) + 5) ** 2)


def test_an_in_place_update_of_a_view_is_refused_while_recording_and_fine_under_no_grad():
    W = leaf(np.arange(6.0).reshape(2, 3))
    y = W * 1
    with pytest.raises(RuntimeError, match="whose array another tensor shares"):
        y[:1] *= 2  # a view of y: y's graph would not see the change
    v = y.T
    with pytest.raises(RuntimeError, match="whose array another tensor shares"):
        y += 1  # y has a view (v): v's graph would not see it
    np.testing.assert_array_equal(v.data, np.arange(6.0).reshape(2, 3).T)
    with no_grad():
        W[:1] -= 1.0
    np.testing.assert_array_equal(W.data[0], [-1.0, 0.0, 1.0])


def test_create_graph_through_a_recorded_update():
    x = leaf([1.0, 2.0])
    y = x * x
    alias = y
    y *= 3
    assert y is alias
    (g,) = autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, [6.0, 12.0])
    g.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])


# --- detach_ and .data of a detached view --------------------------------------------------------

def test_detach_in_place_keeps_the_graph_recorded_before():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = (y * 3).sum()
    y.detach_()
    assert y.is_leaf and not y.requires_grad
    z.backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])  # PyTorch's numbers
    w = (y * 3).sum() + (x * 1).sum()  # after detach_, y is a constant
    x.grad = None
    w.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_detach_in_place_keeps_an_earlier_graph_for_second_derivatives():
    x = leaf([1.0, 2.0])
    y = x * x
    z = (y * y).sum()  # Mul saved y: its second derivative goes through y's graph
    y.detach_()
    (g,) = autograd.grad(z, x, create_graph=True)  # 4 x^3
    np.testing.assert_allclose(g.data, [4.0, 32.0])
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, [12.0, 48.0])  # 12 x^2


def test_rebinding_the_data_of_a_detached_view_leaves_the_base_alone():
    W = leaf([1.0, 2.0], name="W")
    y = (W * W).sum()
    d = W.detach()
    d.data = np.zeros(2)  # a new array for d: W's is untouched
    y.backward()
    np.testing.assert_array_equal(W.data, [1.0, 2.0])
    np.testing.assert_array_equal(W.grad.data, [2.0, 4.0])
    d.data += 1  # d's own array now: still not W's
    np.testing.assert_array_equal(W.data, [1.0, 2.0])


def test_changing_a_detached_view_in_place_is_still_seen():
    W = leaf([1.0, 2.0], name="W")
    y = (W * W).sum()
    d = W.detach()
    d -= 1.0  # in place: W's array (PyTorch: detach shares storage)
    np.testing.assert_array_equal(W.data, [0.0, 1.0])
    with pytest.raises(RuntimeError, match=r"^'W' of shape \(2,\), saved by Mul"):
        y.backward()


def test_functions_f_keep_copies_of_arrays_the_caller_may_change():
    # F.where's condition
    x, y = leaf([1.0, 2.0, 3.0]), leaf([4.0, 5.0, 6.0])
    cond = np.array([True, False, True])
    out = F.where(cond, x, y)
    cond[:] = False
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(y.grad.data, [0.0, 1.0, 0.0])
    # cross_entropy's one-hot target in the logits' dtype
    z = leaf([[0.1, 0.9]])
    t = np.array([[0.0, 1.0]])
    loss = F.cross_entropy(z, t)
    t[...] = [1.0, 0.0]
    loss.backward()
    np.testing.assert_allclose(z.grad.data, [[0.3100255, -0.3100255]], atol=1e-7)


@pytest.mark.parametrize("labels", [np.array([2, 0]), np.array([[2], [0]]), np.array([2.0, 0.0])])
def test_labels_changed_after_the_forward_do_not_change_the_gradient(labels):
    # the op keeps its own copy of the class indices: the caller's array may be reused for the
    # next batch before backward runs
    z = leaf([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5]])
    loss = F.cross_entropy(z, labels)
    labels[...] = 1
    loss.backward()
    p = np.exp(z.data) / np.exp(z.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(z.grad.data, (p - np.eye(3)[[2, 0]]) / 2, rtol=1e-12)
