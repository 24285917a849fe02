"""The numbers the textbook's notebooks print (../shared/seeds/), reproduced by the engine. Where
a notebook prints a float the comparison is exact (==): the vjps are the layers' own formulas, so
the same floating-point operations run in the same order."""
import numpy as np
import pytest

import autograd.functions as F
from autograd import Tensor


def var(x):
    return Tensor(x, requires_grad=True)


# --- the shopping graphs (MulLayer, AddLayer) --------------------------------------------------

def test_apple_graph():
    apple, apple_num, tax = var(100.0), var(2.0), var(1.1)
    price = apple * apple_num * tax
    price.backward()
    assert price.item() == 220.00000000000003
    assert apple.grad.item() == 2.2
    assert apple_num.grad.item() == 110.00000000000001
    assert tax.grad.item() == 200


def test_apple_graph_with_integer_inputs_as_in_the_notebook():
    apple, apple_num, tax = var(100), var(2), var(1.1)
    price = apple * apple_num * tax
    price.backward(1)
    assert price.item() == 220.00000000000003
    assert (apple.grad.item(), apple_num.grad.item(), tax.grad.item()) == (2.2, 110.00000000000001, 200.0)


def test_apple_and_orange_graph():
    apple, apple_num = var(100.0), var(2.0)
    orange, orange_num = var(150.0), var(3.0)
    tax = var(1.1)
    all_price = apple * apple_num + orange * orange_num
    all_price.retain_grad()
    price = all_price * tax
    price.backward()
    assert price.item() == 715.0000000000001
    assert apple.grad.item() == 2.2
    assert apple_num.grad.item() == 110.00000000000001
    assert orange.grad.item() == 3.3000000000000003
    assert orange_num.grad.item() == 165.0
    assert tax.grad.item() == 650.0
    assert all_price.grad.item() == 1.1


# --- AddLayer, MulLayer, DivLayer with x = 10, y = 20 ------------------------------------------

def test_add_layer():
    x, y = var(10.0), var(20.0)
    z = x + y
    z.backward(1)
    assert z.item() == 30
    assert (x.grad.item(), y.grad.item()) == (1, 1)


def test_mul_layer():
    x, y = var(10.0), var(20.0)
    z = x * y
    z.backward(1)
    assert z.item() == 200
    assert (x.grad.item(), y.grad.item()) == (20, 10)


def test_div_layer():
    x, y = var(10.0), var(20.0)
    z = x / y
    z.backward(1)
    assert z.item() == 0.5
    assert x.grad.item() == 0.05
    assert y.grad.item() == -0.025


# --- activation layers -------------------------------------------------------------------------

@pytest.mark.parametrize("sigmoid", [lambda t: t.sigmoid(), F.sigmoid], ids=["method", "F"])
def test_sigmoid_layer_at_10(sigmoid):
    x = var(10.0)
    y = sigmoid(x)
    y.backward(1)
    assert y.item() == 0.9999546021312976
    assert x.grad.item() == 4.5395807735907655e-05


def test_sigmoid_layer_backward_of_the_relu_notebook():
    # the notebook calls sig.forward(x); sig.backward(x) on x = [[0, 2], [3, 0]]
    x = np.array([[0.0, 2.0], [3.0, 0.0]])
    t = var(x.copy())
    t.sigmoid().backward(x)
    np.testing.assert_allclose(t.grad.data, [[0.0, 0.20998717], [0.13552998, 0.0]], atol=5e-9)


def test_relu_mask_of_the_notebook():
    x = np.array([[1.0, -0.5], [-2.0, 3.0]])
    mask = x <= 0
    np.testing.assert_array_equal(mask, [[False, True], [True, False]])
    t = var(x)
    out = t.relu()
    np.testing.assert_array_equal(out.data, [[1.0, 0.0], [0.0, 3.0]])
    out.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(t.grad.data, np.where(mask, 0.0, 1.0))


def test_relu_backward_does_not_copy_the_in_place_bug():
    # the notebook's Relu.backward does dout[self.mask] = 0: called as relu.backward(x) it
    # changed the caller's x. Here the upstream gradient is left as it was.
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    t = var(x.copy())
    out = t.relu()
    np.testing.assert_array_equal(out.data, [[0.0, 2.0], [3.0, 0.0]])  # forward: [[0. 2.] [3. 0.]]
    dout = x
    out.backward(dout)
    np.testing.assert_array_equal(t.grad.data, [[0.0, 2.0], [3.0, 0.0]])  # backward: [[0. 2.] [3. 0.]]
    np.testing.assert_array_equal(x, [[-1.0, 2.0], [3.0, -4.0]])  # the notebook printed [[0. 2.] [3. 0.]]
    assert not np.shares_memory(t.grad.data, x)


# --- MatMul and Affine -------------------------------------------------------------------------

def test_matmul_layer():
    x = var(np.array([[1, 2], [3, 4]]))
    W = var(np.array([[1, 2, 3], [4, 5, 6]]))
    y = x @ W
    np.testing.assert_array_equal(y.data, [[9, 12, 15], [19, 26, 33]])
    y.backward(np.array([[1, 2, 3], [4, 5, 6]]))
    np.testing.assert_array_equal(x.grad.data, [[14, 32], [32, 77]])
    np.testing.assert_array_equal(W.grad.data, np.array([[1, 2], [3, 4]]).T @ np.array([[1, 2, 3], [4, 5, 6]]))


def test_bias_broadcast_forward_and_gradient():
    X_dot_W = var(np.array([[0, 0, 0], [10, 10, 10]]))
    B = var(np.array([1, 2, 3]))
    Y = X_dot_W + B
    np.testing.assert_array_equal(Y.data, [[1, 2, 3], [11, 12, 13]])
    dY = np.array([[1, 2, 3], [4, 5, 6]])
    Y.backward(dY)
    np.testing.assert_array_equal(B.grad.data, [5, 7, 9])
    np.testing.assert_array_equal(X_dot_W.grad.data, dY)


# --- SoftmaxWithLoss ---------------------------------------------------------------------------

@pytest.mark.parametrize("logits, t", [
    ([[0.1, 0.9]], np.array([1])),
    ([[0.1, 0.9]], np.array([[0, 1]])),
    ([0.1, 0.9], np.array([0, 1])),
], ids=["batch-of-one-label", "batch-of-one-one-hot", "1d-one-hot"])
def test_softmax_with_loss(logits, t):
    x = var(np.array(logits))
    loss = F.cross_entropy(x, t)
    assert loss.item() == 0.37110066594777763
    loss.backward()
    assert x.grad.shape == x.shape
    np.testing.assert_allclose(x.grad.data.reshape(-1), [0.3100255, -0.3100255], atol=1e-7)
    p = np.exp(x.data) / np.exp(x.data).sum()
    np.testing.assert_allclose(x.grad.data.reshape(-1), p.reshape(-1) - [0, 1], rtol=1e-15)
