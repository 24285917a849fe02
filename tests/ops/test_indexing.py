"""GetItem's vjp: basic indices and masks write dout into place, integer arrays add it up (a
repeated index takes the sum of its gradients); both ways give NumPy's scatter-add."""
import numpy as np
import pytest

import autograd
from autograd import Tensor

A = np.arange(24.0).reshape(2, 3, 4)
INDICES = {
    "int": 1, "slice": slice(0, 2), "step": (slice(None), slice(None, None, -2)),
    "ellipsis": (Ellipsis, 2), "newaxis": (None, 0, slice(1, 3)), "mask": A > 10,
    "repeated": np.array([1, 0, 1, 1]), "repeated list": [0, 0], "mixed": (slice(None), np.array([2, 2, 0]), 1),
    "pairs": (np.array([0, 0, 1]), np.array([1, 1, 2])),
}


@pytest.mark.parametrize("index", INDICES.values(), ids=INDICES.keys())
def test_the_gradient_of_an_index_is_the_scatter_add_of_dout(index):
    x = Tensor(A, requires_grad=True)
    out = x[index]
    g = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(g)
    expected = np.zeros_like(A)
    np.add.at(expected, index, g)
    np.testing.assert_array_equal(x.grad.data, expected)


@pytest.mark.parametrize("index", [slice(1, 3), np.array([0, 2, 0])], ids=["slice", "repeated"])
def test_the_index_gradient_differentiates_again(index):
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (g,) = autograd.grad((x[index] ** 2).sum(), x, create_graph=True)
    expected = np.zeros(3)
    np.add.at(expected, index, 2 * x.data[index])
    np.testing.assert_array_equal(g.data, expected)
    (gg,) = autograd.grad(g.sum(), x)
    counts = np.zeros(3)
    np.add.at(counts, index, 2.0)
    np.testing.assert_array_equal(gg.data, counts)
