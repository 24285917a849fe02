"""In-place safety. That no op changes its inputs or the upstream gradient is checked for the
whole op table in test_ops.py (autograd.testing.check_op, "inputs unchanged"). Here:
changing a tensor's data in place after an op saved it for backward is an error at backward time
naming the tensor and the op, never wrong gradients.

What counts as an in-place change: `t.data -= x` (any augmented assignment), `t.data = new`
and `t.copy_(src)` go through the version counter and are always caught. Element writes into the
array (`t.data[i] = v`, or writes through another alias of it) are invisible to the counter; anomaly
mode checksums saved arrays and catches those too. A view (`W.T`, `W.reshape(...)`, `W[:k]`,
`W.detach()`) shares its base's version, so a change through either is seen by whoever saved
the other."""
import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor


def leaf(data, name=None):
    return Tensor(np.array(data, dtype=np.float64), requires_grad=True, name=name)


def test_augmented_assignment_after_save_names_the_tensor_and_the_op():
    w = leaf([1.0, 2.0, 3.0], name="w")
    y = (w * w).sum()
    w.data -= 1.0
    with pytest.raises(RuntimeError) as info:
        y.backward()
    msg = str(info.value)
    assert msg.startswith("'w' of shape (3,), saved by Mul for backward, was modified in place")
    assert "optimizer.step()" in msg
    assert w.grad is None


def test_copy_after_save_is_detected():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x.exp().sum() + (x @ x).sum()
    x.copy_(np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match=r"^a tensor of shape \(2, 2\), saved by (Exp|MatMul) for backward"):
        y.backward()


def test_an_optimizer_step_between_forward_and_backward_is_detected():
    model = nn.Sequential(nn.Affine(3, 4), nn.Sigmoid(), nn.Affine(4, 2))
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    x, t = np.ones((5, 3)), np.array([0, 1, 0, 1, 1])
    nn.SoftmaxWithLoss()(model(x), t).backward()
    loss = nn.SoftmaxWithLoss()(model(x), t)
    opt.step()  # uses the previous gradients and changes the weights the new graph saved
    with pytest.raises(RuntimeError, match=r"saved by Affine for backward, was modified in place"):
        loss.backward()


def test_changing_the_output_an_op_saved_names_that_op():
    x = leaf([0.0, 1.0])
    y = x.exp()
    z = y.sum()
    y.data *= 2
    with pytest.raises(RuntimeError, match="^the output of Exp was modified in place after Exp saved it"):
        z.backward()


def test_changing_an_intermediate_that_a_later_op_saved_names_the_later_op():
    x = leaf([0.5, 1.0])
    h = x.tanh()
    h.name = "h"
    y = (h * leaf([3.0, 3.0])).sum()  # Mul saved h for the other input's gradient
    h.data += 1
    with pytest.raises(RuntimeError, match=r"^'h' of shape \(2,\), saved by (Mul|Tanh)"):
        y.backward()


def test_changing_a_tensor_that_no_op_saved_is_harmless():
    # Add's vjp does not read its inputs: its gradients cannot go wrong
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = (a + b).sum()
    a.data *= 10
    y.backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0])


def test_rebinding_data_keeps_the_saved_values_so_gradients_stay_right():
    w = leaf([1.0, 2.0])
    y = (w * w).sum()
    saved = w.data
    w.data = np.array([10.0, 20.0])  # a new array: the one Mul saved is untouched
    y.backward()
    np.testing.assert_array_equal(saved, [1.0, 2.0])
    np.testing.assert_array_equal(w.grad.data, [2.0, 4.0])


def test_changes_after_backward_and_before_the_next_forward_are_fine():
    model = nn.Sequential(nn.Affine(3, 4), nn.Tanh(), nn.Affine(4, 2))
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    x, t = np.random.default_rng(0).standard_normal((6, 3)), np.array([0, 1, 1, 0, 1, 0])
    losses = []
    for _ in range(20):
        loss = nn.SoftmaxWithLoss()(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_a_retained_graph_after_a_step_is_detected_on_the_second_backward():
    w = leaf([1.0, 2.0], name="w")
    y = (w ** 3).sum()
    y.backward(retain_graph=True)
    w.data -= 0.1 * w.grad.data
    with pytest.raises(RuntimeError, match="^'w' of shape"):
        y.backward()


def test_a_tensor_saved_by_two_ops_is_caught_by_whichever_runs_first():
    w = leaf([1.0, 2.0], name="w")
    y = (w * 2.0).sum() + w.sigmoid().sum() + (w ** 2).sum()
    w.copy_(np.array([0.0, 0.0]))
    with pytest.raises(RuntimeError, match=r"^'w' of shape \(2,\), saved by (Mul|Pow) for backward"):
        y.backward()


def test_the_error_is_raised_before_any_gradient_is_delivered():
    a, w = leaf([1.0, 2.0]), leaf([3.0, 4.0], name="w")
    y = (a * w).sum() + a.sum()
    w.data += 1
    with pytest.raises(RuntimeError):
        y.backward()
    assert a.grad is None and w.grad is None


# --- element writes: anomaly mode ---------------------------------------------------------------

def test_an_element_write_into_a_parameter_is_caught_in_anomaly_mode():
    net = nn.TwoLayerNet(input_size=4, hidden_size=3, output_size=2)
    x, t = np.ones((2, 4)), np.array([0, 1])
    with autograd.detect_anomaly():
        loss = net.loss_tensor(x, t)
        # the textbook's update, through the params dict: an element write. (W2 is saved for the
        # gradient of the hidden layer; W1 is not: x needs no gradient)
        net.params["W2"] -= 0.1
        with pytest.raises(RuntimeError, match=r"of shape \(3, 2\), saved by Affine .*t.data\[i\] = v"):
            loss.backward()


def test_reusing_an_input_buffer_before_backward_is_caught_in_anomaly_mode():
    w = leaf([[1.0], [2.0]], name="w")
    batch = np.array([[1.0, 2.0], [3.0, 4.0]])
    with autograd.detect_anomaly():
        loss = (batch @ w).sum()
        batch[...] = 0.0  # the next batch loaded into the same array
        with pytest.raises(RuntimeError, match=r"^a value of shape \(2, 2\), saved by MatMul"):
            loss.backward()


def test_anomaly_mode_does_not_complain_when_nothing_changed():
    w = leaf([[1.0], [2.0]])
    batch = np.array([[1.0, 2.0], [3.0, 4.0]])
    with autograd.detect_anomaly():
        (batch @ w).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [[4.0], [6.0]])


# --- views share their base's version -------------------------------------------------------------

VIEWS = {"T": lambda W: W.T, "transpose": lambda W: W.transpose(1, 0), "reshape": lambda W: W.reshape(6),
         "slice": lambda W: W[:1], "detach": lambda W: W.detach(), "view of a view": lambda W: W.reshape(3, 2)[1:].T}


@pytest.mark.parametrize("view", VIEWS.values(), ids=VIEWS)
def test_changing_the_base_of_a_saved_view_is_detected(view):
    W = leaf(np.arange(6.0).reshape(2, 3), name="W")
    x = leaf(np.ones(view(W).shape))
    y = (view(W) * x).sum()  # Mul saved the view
    W.data -= 1  # an optimizer step before backward
    with pytest.raises(RuntimeError, match=r"a view of 'W'\) of shape .*, saved by Mul for backward, was modified"):
        y.backward()
    assert x.grad is None


@pytest.mark.parametrize("view", VIEWS.values(), ids=VIEWS)
def test_changing_a_view_of_a_saved_tensor_is_detected(view):
    W = leaf(np.arange(6.0).reshape(2, 3), name="W")
    y = (W * W).sum()
    v = view(W)
    v.data *= 2
    with pytest.raises(RuntimeError, match=r"^'W' of shape \(2, 3\), saved by Mul for backward"):
        y.backward()


def test_changing_a_view_of_an_output_that_its_op_saved_is_detected():
    x = leaf([0.0, 1.0])
    y = x.exp()
    z = y.sum()
    y[:1].data += 1
    with pytest.raises(RuntimeError, match="^the output of Exp was modified in place"):
        z.backward()


def test_an_advanced_index_is_a_copy_and_changing_it_is_harmless():
    W = leaf(np.arange(6.0).reshape(2, 3))
    rows = W[np.array([1, 0])]
    y = (W * W).sum() + rows.sum()
    rows.data += 1  # rows is its own array: W is untouched
    y.backward()
    np.testing.assert_array_equal(W.grad.data, 2 * np.arange(6.0).reshape(2, 3) + 1)
