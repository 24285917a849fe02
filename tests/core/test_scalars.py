"""A 0-d result is held as a NumPy scalar until someone asks for its array: whatever a user does
with such a tensor gives what it gives on a 0-d array."""
import numpy as np
import pytest

import autograd.functions as F
from autograd import Tensor, no_grad


def scalar_result(value=2.0):
    x = Tensor(value, requires_grad=True)
    return x, x * 1.0


def test_an_op_result_of_shape_0_is_a_scalar_until_its_array_is_asked_for():
    _, y = scalar_result()
    assert type(y._data) is np.float64          # the fast path this file is about
    assert isinstance(y.data, np.ndarray) and y.data.shape == ()
    assert y.data is y.data                     # the array is kept: writes to it stay


@pytest.mark.parametrize("write", [
    lambda y: y.__setitem__((), 5.0),
    lambda y: y.__setitem__(Ellipsis, Tensor(5.0)),
    lambda y: y.__iadd__(3.0),
    lambda y: y.__imul__(2.5),
])
def test_in_place_writes_on_a_scalar_result_record_and_differentiate(write):
    x, y = scalar_result()
    want_x, want_y = Tensor(2.0, requires_grad=True), None
    want_y = want_x * 1.0
    want_y.data  # the same, held as a 0-d array from the start
    for t in (y, want_y):
        write(t)
    assert y.item() == want_y.item()
    (y * y).backward()
    (want_y * want_y).backward()
    assert (x.grad is None) == (want_x.grad is None)
    if x.grad is not None:
        assert x.grad.item() == want_x.grad.item()


def test_writing_through_data_or_a_detached_view_reaches_the_tensor():
    _, y = scalar_result()
    y.data[...] = 7.0
    assert y.item() == 7.0
    _, z = scalar_result()
    d = z.detach()
    d.data[...] = 9.0
    assert z.item() == 9.0


def test_a_saved_scalar_changed_through_data_before_backward_is_a_named_error():
    x = Tensor(3.0, requires_grad=True)
    y = x * 1.0
    z = y * y                                   # Mul saves y's value
    y.data[...] = 5.0                           # the array y hands out now holds 5
    z.backward()
    assert x.grad.item() == 6.0                 # the value Mul saw (3), not a stale or a new one


def test_copy_then_setitem_and_numpy_interop():
    _, y = scalar_result(4.0)
    c = y.copy()
    c[()] = 1.0
    assert y.item() == 4.0 and c.item() == 1.0
    assert np.asarray(y.detach()).shape == () and float(y) == 4.0
    assert F.stack([y, y]).shape == (2,)
    with no_grad():
        assert (y + 1).item() == 5.0


def test_python_numbers_and_numpy_scalars_keep_their_dtype_rules():
    assert Tensor(3).dtype == np.float64 and Tensor(True).dtype == np.float64
    assert Tensor(np.float32(2.0)).dtype == np.float32
    assert (Tensor(np.float32(2.0), requires_grad=True) * 2.0).dtype == np.float32


def test_copy_into_a_scalar_result_and_its_detached_view():
    _, y = scalar_result()
    d = y.detach()
    d.copy_(Tensor(5.0))
    assert y.item() == 5.0 and d.item() == 5.0
    t = Tensor(3.0)
    t.copy_(np.float64(7.0))
    assert t.item() == 7.0 and isinstance(t.data, np.ndarray)
