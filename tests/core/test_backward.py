"""backward() and autograd.grad(): implicit and explicit upstream gradients, accumulation,
retain_graph / create_graph, freeing the graph, broadcasting, no_grad (thread-local)."""
import gc
import threading
import weakref

import numpy as np
import pytest

import autograd
import autograd.functions as F
from autograd import Tensor, no_grad


def leaf(data):
    return Tensor(np.array(data, dtype=np.float64), requires_grad=True)


# --- the upstream gradient ---------------------------------------------------------------------

def test_implicit_grad_for_a_one_element_output():
    x = leaf([[2.0]])
    (x * 3).backward()
    np.testing.assert_array_equal(x.grad.data, [[3.0]])


def test_implicit_grad_for_a_larger_output_is_an_error_naming_its_shape():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"\(3,\)"):
        (x * 2).backward()
    assert x.grad is None


@pytest.mark.parametrize("g", [np.array([1.0, 2.0, 3.0]), Tensor([1.0, 2.0, 3.0]), [1.0, 2.0, 3.0]],
                         ids=["array", "Tensor", "list"])
def test_grad_may_be_an_array_or_a_tensor(g):
    x = leaf([1.0, 2.0, 3.0])
    (x * 2).backward(g)
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0, 6.0])


@pytest.mark.parametrize("g", [2.5, np.float64(2.5), np.array(2.5), Tensor(2.5)])
def test_grad_of_a_scalar_output_may_be_a_number(g):
    x = leaf([1.0, 2.0])
    (x * x).sum().backward(g)
    np.testing.assert_array_equal(x.grad.data, [5.0, 10.0])


def test_grad_of_the_wrong_shape_is_an_error_naming_both_shapes():
    x = leaf([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match=r"\(3,\).*\(1, 3\)"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(1, 3\)"):
        (x * 2).backward(np.ones((2, 3)))


def test_backward_of_a_tensor_that_needs_no_grad_is_an_error():
    with pytest.raises(RuntimeError, match="requires_grad"):
        (Tensor([1.0]) * 2).sum().backward()


def test_backward_does_not_change_the_upstream_gradient():
    x = leaf([[1.0, -2.0], [-3.0, 4.0]])
    g = np.array([[1.0, 2.0], [3.0, 4.0]])
    (x.relu() * 2).backward(g)
    np.testing.assert_array_equal(g, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(x.grad.data, [[2.0, 0.0], [0.0, 8.0]])
    assert not np.shares_memory(x.grad.data, g)


def test_backward_of_a_leaf_copies_the_given_gradient():
    x = leaf([1.0, 2.0])
    g = np.array([3.0, 4.0])
    x.backward(g)
    g[0] = 100.0
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


# --- accumulation and which tensors keep .grad -------------------------------------------------

def test_leaf_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 6.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_a_tensor_used_twice_gets_both_gradients():
    x = leaf(3.0)
    y = x * x + x
    y.backward()
    assert x.grad.item() == 7.0


def test_non_leaf_grad_is_none_unless_retained():
    x = leaf([1.0, 2.0])
    h = x * 2
    kept = x * 3
    kept.retain_grad()
    (h * kept).sum().backward()
    assert h.grad is None
    np.testing.assert_array_equal(kept.grad.data, [2.0, 4.0])
    np.testing.assert_array_equal(x.grad.data, [12.0, 24.0])
    assert not h.is_leaf and not kept.is_leaf and x.is_leaf


def test_retain_grad_on_a_leaf_is_harmless():
    x = leaf([1.0])
    x.retain_grad()
    (x * 5).sum().backward()
    assert x.grad.item() == 5.0


def test_ops_on_tensors_that_need_no_grad_give_leaves_without_grad():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    for out in (a * b, a + 1, F.exp(a), a @ b, F.cross_entropy(Tensor([[1.0, 2.0]]), np.array([1])),
                F.stack([a, b]), a[0]):
        assert out.is_leaf
        assert out.requires_grad is False
        assert out.grad_fn is None


# --- retain_graph and freeing ------------------------------------------------------------------

def test_second_backward_through_freed_values_raises_naming_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()


def test_graph_whose_nodes_saved_nothing_can_be_backwarded_again():
    x = leaf([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_retain_graph_allows_a_second_backward_and_gradients_add_up():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])
    y.backward()  # the last one may free the graph
    np.testing.assert_array_equal(x.grad.data, [6.0, 12.0])
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_defaults_to_create_graph():
    x = leaf(2.0)
    y = x ** 3
    y.backward(create_graph=True)
    y.backward()  # still there: create_graph=True retained it
    assert x.grad.item() == 24.0
    z = x ** 3
    z.backward(create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        z.backward()


def test_after_backward_an_intermediate_tensor_and_its_saved_array_die_while_the_output_lives():
    gc.disable()  # refcounting alone must free them: the graph holds no cycles
    try:
        x = leaf(np.linspace(-1, 1, 12).reshape(3, 4))
        h = x.exp()
        h_ref, arr_ref, node_ref = weakref.ref(h), weakref.ref(h.data), weakref.ref(h.grad_fn)
        y = (h * h.tanh()).sum()
        del h
        assert h_ref() is not None and arr_ref() is not None  # the graph needs them for backward
        y.backward()
        assert h_ref() is None
        assert arr_ref() is None
        # its node stays linked (a finished graph can be drawn), holding nothing it saved
        with pytest.raises(RuntimeError, match="retain_graph=True"):
            node_ref().saved_tensors
        assert y.item() == pytest.approx(float((np.exp(x.data) * np.tanh(np.exp(x.data))).sum()))
    finally:
        gc.enable()


def test_after_backward_with_retain_graph_the_saved_values_stay():
    x = leaf([1.0, 2.0])
    h = x.exp()
    h_ref = weakref.ref(h)
    y = (h * 2).sum()
    del h
    y.backward(retain_graph=True)
    assert h_ref() is not None


def test_dropping_the_output_frees_the_whole_graph_by_refcounting():
    class Twice(autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            ctx.note = "anything a user keeps on ctx"
            return 2 * a

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    gc.disable()
    try:
        x = leaf(np.ones((2, 3)))
        h1 = x.sigmoid()
        h2 = Twice.apply(h1) @ np.ones((3, 2))
        h2.retain_grad()
        h3 = F.cross_entropy(F.maximum(h2, 0.5), np.array([0, 1]))
        refs = [weakref.ref(o) for t in (h1, h2, h3) for o in (t, t.grad_fn)]
        out = h3 * 2
        refs += [weakref.ref(out), weakref.ref(out.grad_fn)]
        del h1, h2, h3, out
        assert all(r() is None for r in refs)

        g_refs = []
        out = (x.tanh() * x).sum()
        (g,) = autograd.grad(out, x, create_graph=True)
        g_refs += [weakref.ref(out), weakref.ref(g), weakref.ref(g.grad_fn)]
        del out, g
        assert all(r() is None for r in g_refs)
    finally:
        gc.enable()


# --- create_graph: differentiable gradients ----------------------------------------------------

def test_second_derivative_of_x_cubed():
    x = leaf([1.0, 2.0, -3.0])
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_array_equal(g.data, [3.0, 12.0, 27.0])
    (g2,) = autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(g2.data, [6.0, 12.0, -18.0])
    (g3,) = autograd.grad(autograd.grad((x ** 3).sum(), x, create_graph=True)[0].sum(), x, create_graph=True)
    (g4,) = autograd.grad(g3.sum(), x)
    np.testing.assert_array_equal(g4.data, [6.0, 6.0, 6.0])


def test_second_derivative_of_sigmoid():
    a = np.array([-2.0, -0.5, 0.0, 1.0, 3.0])
    x = Tensor(a, requires_grad=True)
    (g,) = autograd.grad(x.sigmoid().sum(), x, create_graph=True)
    s = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(g.data, s * (1 - s), rtol=1e-14)
    (g2,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g2.data, s * (1 - s) * (1 - 2 * s), rtol=1e-12, atol=1e-16)


def test_gradient_penalty_is_differentiated_through_the_gradient():
    rng = np.random.default_rng(0)
    xa, Wa = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    x, W = Tensor(xa, requires_grad=True), Tensor(Wa, requires_grad=True)
    out = (x @ W).tanh().sum()
    (gx,) = autograd.grad(out, x, create_graph=True)
    penalty = (gx ** 2).sum()
    penalty.backward()

    def penalty_of(Wv):  # d out/dx = (1 - tanh(xW)^2) W^T, written out by hand
        return float((((1 - np.tanh(xa @ Wv) ** 2) @ Wv.T) ** 2).sum())
    expected = autograd.numerical_gradient(penalty_of, Wa.copy(), h=1e-6)
    np.testing.assert_allclose(W.grad.data, expected, rtol=1e-6, atol=1e-8)


def test_backward_with_create_graph_accepts_a_tensor_gradient():
    x = leaf([1.0, 2.0])
    y = x * x
    y.backward(Tensor([1.0, 1.0]), create_graph=True)
    (g2,) = autograd.grad(x.grad.sum(), x)
    np.testing.assert_array_equal(g2.data, [2.0, 2.0])


# --- autograd.grad -----------------------------------------------------------------------------

def test_grad_returns_a_tuple_and_touches_no_grad():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    x.grad = Tensor([100.0, 100.0])
    h = x * w
    h.retain_grad()
    out = (h * h).sum()
    result = autograd.grad(out, [x, w])
    assert isinstance(result, tuple) and len(result) == 2
    np.testing.assert_array_equal(result[0].data, [18.0, 64.0])
    np.testing.assert_array_equal(result[1].data, [6.0, 32.0])
    np.testing.assert_array_equal(x.grad.data, [100.0, 100.0])
    assert w.grad is None
    assert h.grad is None


def test_grad_of_a_single_input_is_a_one_element_tuple():
    x = leaf(3.0)
    result = autograd.grad(x * x, x)
    assert isinstance(result, tuple) and len(result) == 1
    assert result[0].item() == 6.0


@pytest.mark.parametrize("g", [np.full(2, 2.0), Tensor(np.full(2, 2.0))], ids=["array", "Tensor"])
def test_grad_outputs_may_be_arrays_or_tensors(g):
    x = leaf([1.0, 2.0])
    (gx,) = autograd.grad(x * 3, [x], grad_outputs=g)
    np.testing.assert_array_equal(gx.data, [6.0, 6.0])


def test_grad_outputs_of_a_scalar_output_may_be_a_number():
    x = leaf([1.0, 2.0])
    (gx,) = autograd.grad((x * 3).sum(), [x], grad_outputs=2.0)
    np.testing.assert_array_equal(gx.data, [6.0, 6.0])


def test_grad_of_several_outputs_sums_them():
    x = leaf([1.0, 2.0])
    (gx,) = autograd.grad([(x * 2).sum(), (x * x).sum()], [x])
    np.testing.assert_array_equal(gx.data, [4.0, 6.0])


def test_grad_with_respect_to_an_intermediate_tensor():
    x = leaf([1.0, 2.0])
    h = x * 3
    (gh,) = autograd.grad((h * h).sum(), [h])
    np.testing.assert_array_equal(gh.data, [6.0, 12.0])


def test_grad_frees_the_graph_unless_retained():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    autograd.grad(y, x, retain_graph=True)
    autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        autograd.grad(y, x)


def test_grad_of_an_unused_input_is_an_error_unless_allowed():
    x, unused = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_grad_without_create_graph_gives_constant_gradients():
    x = leaf([1.0, 2.0])
    (g,) = autograd.grad((x ** 3).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


# --- broadcasting ------------------------------------------------------------------------------

def test_bias_gradient_is_summed_back_to_its_shape():
    rng = np.random.default_rng(0)
    xa = rng.standard_normal((5, 3))
    W = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = Tensor(np.zeros(4), requires_grad=True)
    out = xa @ W + b
    g = rng.standard_normal((5, 4))
    out.backward(g)
    assert b.grad.shape == (4,)
    assert W.grad.shape == (3, 4)
    np.testing.assert_allclose(b.grad.data, g.sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(W.grad.data, xa.T @ g, rtol=1e-14)


def test_design_example_cross_entropy_of_an_affine_layer():
    W = Tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    b = Tensor(np.zeros(4), requires_grad=True)
    x = np.random.default_rng(2).standard_normal((5, 3))
    loss = F.cross_entropy(x @ W + b, np.array([0, 1, 2, 3, 0]))
    loss.backward()
    assert (W.grad.shape, b.grad.shape) == ((3, 4), (4,))
    p = np.exp(x @ W.data) / np.exp(x @ W.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(b.grad.data, ((p - np.eye(4)[[0, 1, 2, 3, 0]]) / 5).sum(axis=0), atol=1e-15)


@pytest.mark.parametrize("shape", [(), (1,), (4,), (3, 1), (1, 4), (1, 1, 1), (2, 1, 4)])
def test_broadcast_gradients_are_summed_back_to_each_input_shape(shape):
    a = Tensor(np.full(shape, 2.0), requires_grad=True)
    other = np.ones((2, 3, 4))
    out = a * other
    out.backward(np.ones(out.shape))
    assert a.grad.shape == shape
    np.testing.assert_array_equal(a.grad.data, np.full(shape, 24.0 / np.prod(shape, dtype=int)))


# --- no_grad -----------------------------------------------------------------------------------

def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with no_grad():
        y = (x * 2).exp().sum()
        assert not autograd.is_grad_enabled()
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None
    assert autograd.is_grad_enabled()
    assert (x * 2).requires_grad


def test_no_grad_is_restored_when_the_block_raises():
    with pytest.raises(KeyError):
        with no_grad():
            raise KeyError("inside")
    assert autograd.is_grad_enabled()
    assert (leaf([1.0]) * 2).requires_grad


def test_no_grad_nests_and_enable_grad_records_inside_it():
    x = leaf([1.0])
    with no_grad():
        with no_grad():
            pass
        assert not autograd.is_grad_enabled()
        with autograd.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert autograd.is_grad_enabled()


def test_no_grad_works_as_a_decorator():
    x = leaf([1.0])

    @no_grad()
    def evaluate(t):
        return t * 2, autograd.is_grad_enabled()

    y, enabled = evaluate(x)
    assert enabled is False and not y.requires_grad
    assert autograd.is_grad_enabled()
    assert evaluate.__name__ == "evaluate"


def test_no_grad_in_one_thread_does_not_affect_another():
    x = leaf([1.0, 2.0])
    worker_inside, main_checked = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with no_grad():
            worker_inside.set()
            main_checked.wait(10)
            seen["worker"] = (x * 2).requires_grad

    thread = threading.Thread(target=worker)
    thread.start()
    assert worker_inside.wait(10)
    seen["main"] = (x * 2).requires_grad  # while the other thread is inside no_grad
    main_checked.set()
    thread.join(10)
    assert seen == {"main": True, "worker": False}


def test_no_grad_in_the_main_thread_does_not_affect_a_worker():
    x = leaf([1.0, 2.0])
    seen = {}

    def worker():
        seen["enabled"] = autograd.is_grad_enabled()
        seen["records"] = (x * 2).requires_grad

    with no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(10)
    assert seen == {"enabled": True, "records": True}


# --- edges: values where a formula meets 0 * inf -----------------------------------------------

def test_x_to_the_power_0_has_gradient_0_at_x_0():
    x = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])


def test_the_exponent_gradient_is_0_at_base_0():
    x = Tensor(np.array([0.0, 0.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([0.0, 2.0, 2.0]), requires_grad=True)
    with np.errstate(all="raise"):  # no 0 * inf on the way
        (x ** b).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 4.0])
    np.testing.assert_allclose(b.grad.data, [0.0, 0.0, 4.0 * np.log(2.0)], rtol=1e-15)


def test_pow_at_base_0_is_differentiable_twice():
    x = Tensor(np.array([0.0, 0.0, 1.5]), requires_grad=True)
    b = np.array([1.0, 2.0, 3.0])
    (gx,) = autograd.grad((x ** b).sum(), x, create_graph=True)
    np.testing.assert_array_equal(gx.data, [1.0, 0.0, 3 * 1.5 ** 2])
    (gxx,) = autograd.grad(gx.sum(), x)
    np.testing.assert_allclose(gxx.data, [0.0, 2.0, 6 * 1.5], rtol=1e-15)


# --- edges: create_graph and autograd.grad give gradients of their own, in the input's dtype ---

def test_create_graph_gradients_alias_neither_each_other_nor_the_callers_array():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    G = np.array([1.0, 1.0])
    (a + b).backward(G, create_graph=True)
    assert a.grad is not b.grad
    a.grad.data[0] = 7.0
    assert b.grad.data[0] == 1.0 and G[0] == 1.0


def test_a_broadcast_gradient_under_create_graph_is_writable():
    b = Tensor([1.0, 2.0], requires_grad=True)
    (b * np.ones((3, 2))).sum().backward(create_graph=True)
    b.grad.data[...] = 0.0  # not a read-only broadcast view
    x = Tensor(np.ones(3), requires_grad=True)
    x.sum().backward(create_graph=True)
    x.grad.data[0] = 5.0
    np.testing.assert_array_equal(x.grad.data, [5.0, 1.0, 1.0])


def test_autograd_grad_results_do_not_alias_the_grad_outputs():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    G = np.array([1.0, 1.0])
    ga, gb = autograd.grad(a + b, [a, b], grad_outputs=G)
    ga.data[0] = 9.0
    assert gb.data[0] == 1.0 and G[0] == 1.0


@pytest.mark.parametrize("create_graph", [False, True])
def test_gradients_keep_the_inputs_dtype_everywhere(create_graph):
    a = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    w = np.array([2.0, 3.0])  # float64: the product is float64
    (g,) = autograd.grad((a * w).sum(), a, create_graph=create_graph)
    assert g.dtype == np.float32
    (a * w).sum().backward(create_graph=create_graph)
    assert a.grad.dtype == np.float32


def test_relu_gradient_under_create_graph_differentiates_again_to_zeros():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    (g,) = autograd.grad(x.relu().sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, [1.0, 0.0, 1.0])
    assert g.requires_grad
    (gg,) = autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(gg.data, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("alias", [lambda a: a.detach(), lambda a: a.data], ids=["detach", "data"])
def test_a_tensor_and_its_detached_alias_in_one_op_differentiate_as_a_constant(alias):
    a = Tensor([2.0], requires_grad=True)
    (g,) = autograd.grad((a * alias(a)).sum(), a, create_graph=True)
    assert g.item() == 2.0 and not g.requires_grad  # d(a c)/da = c, a constant
    (g,) = autograd.grad((a / alias(a)).sum(), a, create_graph=True)
    assert g.item() == 0.5 and not g.requires_grad
    (g,) = autograd.grad((a * alias(a) * a).sum(), a, create_graph=True)  # 2 a c, then 2 c
    assert g.item() == 8.0 and autograd.grad(g.sum(), a)[0].item() == 4.0


def test_requires_grad_turned_off_after_recording_leaves_grad_alone():
    w, x = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    y = (w * x).sum()
    w.requires_grad = False  # as PyTorch: the leaf no longer accumulates
    y.backward()
    assert w.grad is None
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0])


def test_set_grad_enabled_called_as_a_function_switches_at_once():
    x = Tensor([1.0], requires_grad=True)
    try:
        autograd.set_grad_enabled(False)
        assert not autograd.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        autograd.set_grad_enabled(True)
    assert (x * 2).requires_grad
    with autograd.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert autograd.is_grad_enabled()

    @autograd.set_grad_enabled(False)
    def evaluate():
        return (x * 2).requires_grad
    assert autograd.is_grad_enabled()  # decorating switches nothing by itself
    assert evaluate() is False and autograd.is_grad_enabled()


def test_no_grad_and_enable_grad_decorate_with_or_without_parentheses():
    x = Tensor([1.0], requires_grad=True)

    @no_grad
    def bare():
        return (x * 2).requires_grad

    @autograd.enable_grad
    def inner():
        return (x * 2).requires_grad
    assert bare() is False and bare.__name__ == "bare"
    with no_grad():
        assert inner() is True
    assert autograd.is_grad_enabled()


def test_relu_gives_zero_under_its_mask_even_for_an_infinite_gradient():
    """The book's `dout[mask] = 0` and PyTorch's threshold_backward: 0, not inf * 0 = NaN."""
    x = Tensor([1.0, -2.0, 0.0], requires_grad=True)
    x.relu().backward(np.array([np.inf, np.inf, -np.inf]))
    np.testing.assert_array_equal(x.grad.data, [np.inf, 0.0, 0.0])
    (g,) = autograd.grad(x.relu().sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, [1.0, 0.0, 0.0])
