"""autograd.detect_anomaly(): a NaN or an infinity is reported where it is born, in forward with
the op's name and the user's own file:line, in backward with the op whose vjp produced it. Off by
default, and then nothing is checked at all."""
import contextlib
import autograd.function
import sys
import warnings

import numpy as np
import pytest

import autograd
import autograd.functions as F
from autograd import Tensor, anomaly


@pytest.fixture(autouse=True)
def quiet_numpy():
    # numpy warns about log(-1) and 0 * inf; these tests are about the engine's own report
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def leaf(data):
    return Tensor(np.array(data, dtype=np.float64), requires_grad=True)


def here():
    """file:line of the caller, as anomaly mode reports it."""
    frame = sys._getframe(1)
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


class NaNBackward(autograd.Function):
    """Doubles in forward; its backward returns NaN, as a buggy user op might."""

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, g):
        return g * np.nan


# --- forward -----------------------------------------------------------------------------------

def test_log_of_a_negative_number_names_the_op_and_the_users_line():
    x = leaf([1.0, -1.0])
    with autograd.detect_anomaly():
        with pytest.raises(FloatingPointError) as info:
            line = here(); x.log()  # noqa: E702  (the expected line and the op on one line)
    assert str(info.value) == f"Log produced nan in forward, called at {line}"


def test_the_reported_file_is_this_test_file():
    x = leaf([0.0])
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        F.log(x)
    assert str(info.value).endswith(f" called at {__file__}:{info.tb.tb_lineno}")


def test_zero_times_infinity_is_reported_as_a_nan_born_in_mul():
    zero = leaf([0.0, 1.0])
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        zero * np.array([np.inf, 1.0])
    assert str(info.value).startswith("Mul produced nan in forward")


def test_an_infinity_born_inside_a_chain_names_the_op_that_overflowed():
    x = leaf([1.0, 800.0])
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        (x * 2).tanh().sum() + (x.exp() * 0.5).sum()
    assert str(info.value).startswith("Exp produced inf in forward")


def test_a_nan_passed_in_by_the_user_is_not_blamed_on_the_op():
    x = leaf([np.nan, 1.0])
    with autograd.detect_anomaly():
        y = x * 2  # the NaN was not born here
    assert np.isnan(y.data[0])


def test_an_infinity_that_stays_an_infinity_is_not_blamed_on_the_op():
    x = leaf([np.inf, 1.0])
    with autograd.detect_anomaly():
        y = x + 1
    assert np.isinf(y.data[0])


def test_ops_that_record_no_graph_are_checked_too():
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError, match="Sqrt produced nan"):
        F.sqrt(np.array([-1.0]))


def test_inside_a_module_the_line_reported_is_the_users_call_not_the_layer():
    import nn
    layer = nn.Sequential(nn.Affine(2, 2), nn.Tanh())
    layer[0].W.data[...] = np.inf
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        line = here(); layer(np.array([[1.0, -1.0]]))  # noqa: E702
    assert str(info.value) == f"Affine produced nan in forward, called at {line}"


# --- backward ----------------------------------------------------------------------------------

def test_a_custom_backward_that_returns_nan_is_named():
    x = leaf([1.0, 2.0])
    with autograd.detect_anomaly():
        y = NaNBackward.apply(x).sum(); line = here()  # noqa: E702
        with pytest.raises(FloatingPointError) as info:
            y.backward()
    assert str(info.value) == (f"NaNBackward.backward produced nan in the gradient of its input 0; "
                               f"the op was called at {line}")
    assert x.grad is None


def test_a_nan_born_in_a_built_in_vjp_names_that_op():
    x = leaf([0.0, 4.0])
    with autograd.detect_anomaly():
        y = (F.sqrt(x) * 3).sum()  # finite forward; d sqrt(x) / dx = inf at 0
        with pytest.raises(FloatingPointError, match=r"^Sqrt.backward produced inf in the gradient of its input 0"):
            y.backward()


def test_a_graph_recorded_outside_anomaly_mode_still_names_the_op_in_backward():
    x = leaf([1.0])
    y = NaNBackward.apply(x).sum()
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        y.backward()
    assert "NaNBackward.backward produced nan" in str(info.value)
    assert "recorded outside detect_anomaly" in str(info.value)


def test_a_nan_upstream_gradient_is_not_blamed_on_the_next_op():
    x = leaf([1.0, 2.0])
    with autograd.detect_anomaly():
        y = (x * 3).tanh()
        with pytest.raises(FloatingPointError) as info:
            NaNBackward.apply(y).sum().backward()
    assert str(info.value).startswith("NaNBackward.backward")  # not Tanh, not Mul


def test_an_element_write_into_a_saved_tensor_is_detected_in_anomaly_mode():
    w = Tensor(np.ones(3), requires_grad=True, name="w")
    with autograd.detect_anomaly():
        y = (w * w).sum(); line = here()  # noqa: E702
        w.data[0] = 5.0  # bypasses the version counter: only anomaly mode's checksums see it
        with pytest.raises(RuntimeError) as info:
            y.backward()
    msg = str(info.value)
    assert msg.startswith("'w' of shape (3,), saved by Mul") and line in msg and "t.data[i] = v" in msg


def test_an_element_write_into_a_saved_output_names_the_op():
    x = leaf([0.5, 1.0])
    with autograd.detect_anomaly():
        s = x.sigmoid()
        y = s.sum()
        s.data[1] = 0.0
        with pytest.raises(RuntimeError, match="^the output of Sigmoid, saved by Sigmoid"):
            y.backward()


def test_anomaly_mode_passes_a_clean_training_step_with_the_same_gradients():
    import nn
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((4, 3)), np.array([0, 1, 2, 1])
    grads = []
    for mode in (False, True):
        model = nn.Sequential(nn.Affine(3, 5, rng=np.random.default_rng(1)), nn.Sigmoid(),
                              nn.Affine(5, 3, rng=np.random.default_rng(2)))
        with autograd.detect_anomaly() if mode else contextlib.nullcontext():
            nn.SoftmaxWithLoss()(model(x), t).backward()
        grads.append([p.grad.data for p in model.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


# --- on and off --------------------------------------------------------------------------------

def test_off_by_default_a_nan_passes_silently():
    y = leaf([-1.0]).log()
    assert np.isnan(y.data[0])


def test_off_by_default_no_check_runs_in_forward_or_backward(monkeypatch):
    def fail(*args):
        raise AssertionError("an anomaly check ran while anomaly mode was off")
    monkeypatch.setattr(anomaly, "check_forward", fail)
    monkeypatch.setattr(anomaly, "check_backward", fail)
    x = leaf([1.0, -2.0])
    y = (x.log() * NaNBackward.apply(x)).sum()
    y.backward()
    assert np.isnan(x.grad.data).all()


def test_no_op_records_a_source_line_when_off():
    y = leaf([1.0]) * 2
    assert autograd.function.called_at(y.grad_fn) is None


def test_the_checks_are_called_when_on(monkeypatch):
    calls = []
    monkeypatch.setattr(anomaly, "check_forward", lambda *a: calls.append("forward"))
    monkeypatch.setattr(anomaly, "check_backward", lambda *a: calls.append("backward"))
    with autograd.detect_anomaly():
        (leaf([1.0]) * 2).sum().backward()
    assert calls == ["forward", "forward", "backward", "backward"]


def test_leaving_the_block_turns_it_off_even_after_an_error():
    with pytest.raises(FloatingPointError):
        with autograd.detect_anomaly():
            leaf([-1.0]).log()
    assert not autograd.tensor.state.anomaly
    assert np.isnan(leaf([-1.0]).log().data[0])


def test_blocks_nest():
    with autograd.detect_anomaly():
        with autograd.detect_anomaly():
            pass
        with pytest.raises(FloatingPointError):
            leaf([-1.0]).log()
    assert not autograd.tensor.state.anomaly
