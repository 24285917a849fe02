"""The op table, checked as a whole: every op in autograd.ops.OPS, over hypothesis-drawn shapes
(0-d included), broadcasting pairs and axis/keepdims variants, in float64. An op added to the
table is picked up here; one without an argument strategy in autograd.testing fails."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Tensor, gradcheck, grad, testing
from autograd.ops import OPS

EXAMPLES = 60
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _case(op, data):
    """The op as a function of Tensors for its differentiable arguments, and those Tensors."""
    args, kwargs = data.draw(testing.op_arguments(op), label="args, kwargs")
    diff = op.differentiable or (True,) * len(args)
    slots = [i for i in range(len(args)) if diff[i]]

    def fn(*ts):
        vals = list(args)
        for i, t in zip(slots, ts):
            vals[i] = t
        return op.apply(*vals, **kwargs)
    return fn, [Tensor(np.array(args[i], dtype=np.float64), requires_grad=True) for i in slots], args


@pytest.mark.parametrize("name", sorted(OPS))
@SETTINGS
@given(data=st.data())
def test_vjp_matches_finite_differences(name, data):
    fn, inputs, _ = _case(OPS[name], data)
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("name", sorted(OPS))
@SETTINGS
@given(data=st.data())
def test_second_derivatives_via_create_graph(name, data):
    fn, inputs, _ = _case(OPS[name], data)
    out = fn(*inputs)
    w = np.random.default_rng(1).standard_normal(out.shape)

    def first_gradients(*ts):
        return grad(fn(*ts), ts, grad_outputs=w, create_graph=True, allow_unused=True)
    outs = [g for g in first_gradients(*inputs) if g is not None and g.requires_grad]
    if outs:  # an op linear in its inputs has a constant first gradient: nothing to differentiate
        assert gradcheck(lambda *ts: [g for g in first_gradients(*ts) if g is not None and g.requires_grad], inputs)


@pytest.mark.parametrize("name", sorted(OPS))
@SETTINGS
@given(data=st.data())
def test_no_op_mutates_its_inputs_or_the_upstream_gradient(name, data):
    fn, inputs, args = _case(OPS[name], data)
    before = [np.copy(a) for a in args]
    out = fn(*inputs)
    g = np.random.default_rng(2).standard_normal(out.shape)
    g_before = g.copy()
    out.backward(g)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(g, g_before)
    for t in inputs:  # a leaf's .grad never aliases the caller's gradient array
        assert t.grad is None or not np.shares_memory(t.grad.data, g)


def test_every_op_has_an_argument_strategy():
    for op in OPS.values():
        testing.op_arguments(op)
