"""Property-based gradient tests in a few lines (needs hypothesis: pip install hypothesis).

    from autograd import testing

    def test_my_op():
        testing.check_op(MyOp, domain=(-2, 2))

`check_op` runs the property suite of the built-in op table on any op: first and second
derivatives against finite differences over drawn shapes (0-d to 3-d), broadcasting and values,
inputs and upstream gradient left unchanged, float32 kept float32 and right to float32's
precision, the same gradients when only some inputs require grad. The strategies it is built
from are public too: float64 arrays by shape and dtype, mutually broadcastable shapes, class
labels with matching one-hot rows, and values kept inside an op's domain and away from its kinks.
The strategies ops declare their arguments with (autograd.ops.Op.arguments, given this module
as `t`) are here too: `op_arrays`, `op_inputs`, `axes`, `indices`, and `st`, `hnp` and `assume`
from hypothesis. `op_arguments(op)` draws valid arguments for any op of the table.

A tool beside the core: it imports the engine, gradcheck and the table's `Op` (to read what an op
declares); nothing else imports it. The repository's own use of it is tests/ops/test_ops.py.
"""
import inspect
import sys
from types import SimpleNamespace

import numpy as np
from hypothesis import HealthCheck, Phase, assume, given, settings  # noqa: F401 (assume: for ops)
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .engine import grad
from .function import Function
from .gradcheck import gradcheck, numerical_gradient
from .ops.base import Op
from .tensor import Tensor, no_grad

__all__ = ["check_op", "shapes", "broadcastable_shapes", "values", "arrays", "tensors", "labels",
           "axes", "indices", "op_arrays", "op_inputs", "op_arguments", "assert_gradients", "st", "hnp",
           "assume"]

MARGIN = 1e-2  # how far test values stay from a kink, well beyond the finite-difference step
FLOAT32_RTOL = 1e-4  # float32 against float64: ~800 times float32's epsilon (1.2e-7)


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes, 0-d included by default."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4):
    """A tuple of `num_shapes` shapes that broadcast together (some sides 1, some missing)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims,
                                             max_dims=max_dims, max_side=max_side).map(lambda s: s.input_shapes)


def values(domain=(-3.0, 3.0), kinks=(), distinct=False, offset=0.0):
    """Floats inside `domain`, at least MARGIN away from every kink. With `distinct`, values lie
    on a grid of step 1/8 (plus `offset`) so that no two are within a finite-difference step."""
    lo, hi = domain
    if distinct:
        drawn = st.integers(int(np.ceil(lo * 8)), int(np.floor(hi * 8)) - 1).map(lambda i: i / 8 + offset)
    else:
        drawn = st.floats(lo, hi, allow_nan=False)
    return drawn.filter(lambda v: all(abs(v - k) > MARGIN for k in kinks)) if kinks else drawn


def arrays(shape=None, dtype=np.float64, domain=(-3.0, 3.0), kinks=(), distinct=False, offset=0.0):
    """ndarrays of `shape` (a shape or a strategy of shapes; default any small shape)."""
    shape = shapes() if shape is None else shape
    return hnp.arrays(dtype, shape, elements=values(domain, kinks, distinct, offset), unique=distinct)


def tensors(shape=None, dtype=np.float64, domain=(-3.0, 3.0), kinks=(), requires_grad=True):
    return arrays(shape, dtype, domain, kinks).map(lambda a: Tensor(a, requires_grad=requires_grad))


@st.composite
def labels(draw, n=None, classes=None):
    """(labels, one_hot, classes): integer class indices and the matching one-hot rows."""
    n = draw(st.integers(1, 5)) if n is None else n
    c = draw(st.integers(2, 5)) if classes is None else classes
    t = np.asarray(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), dtype=np.int64)
    return t, np.eye(c)[t], c


def assert_gradients(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Backprop through `fn` agrees with finite differences for every input (arrays become
    float64 Tensors that require grad). Raises AssertionError naming the input and element."""
    ts = [x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
          for x in inputs]
    return gradcheck(fn, ts, eps=eps, atol=atol, rtol=rtol)


# --- the property suite of an op: check_op ---------------------------------------------------------

def check_op(op, *, arity=None, domain=None, kinks=None, distinct=None, shapes=None,
             broadcast=True, second_order=None, max_examples=None, arguments=None,
             differentiable=None, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check `op` over hypothesis-drawn inputs, the way the built-in op table is checked; raise
    AssertionError naming the op, the check, the (shrunk) inputs, the input and the worst element.

    `op` is a Function subclass (checked through its `apply`) or any callable on Tensors. Inputs
    are float64 arrays of `arity` inputs (by default the arguments of `forward`, or of the
    callable, that have no default), with values in `domain` (one (lo, hi) for all inputs or one
    per input; default (-3, 3)), at least MARGIN away from each of `kinks`, and with `distinct`
    free of ties (within each input and across inputs). Shapes are 0-d to 3-d and, with
    `broadcast`, broadcast together rather than being equal; `shapes` replaces them: a shape or a
    tuple of shapes (one per input), or a hypothesis strategy of either. `arguments`, a strategy
    of (args, kwargs) for the op, replaces all of these; `differentiable` then says, per argument,
    which ones have a gradient (the rest are passed as drawn: labels, masks, indices).
    `second_order` (default True) may also be a function of (args, kwargs) that says where the op
    has second derivatives. An `autograd.ops.Op` declares all of these itself (`domain`, `kinks`,
    `distinct`, `differentiable`, `second_order`, `arguments`): `check_op(MyOp)` reads them, and
    what the call gives takes their place.

    For each example: the output is a float Tensor; first derivatives (backward with fixed random
    upstream weights) agree with central differences of step `eps` within `atol + rtol * |fd|`;
    with `second_order`, the first gradients under create_graph=True equal those of a plain
    backward and their own derivatives agree with finite differences of the plain ones (so a
    backward that escapes the graph fails unless the op is linear); forward and backward change
    neither the inputs nor the upstream gradient, and no .grad shares memory with it; float32
    inputs give a float32 output and float32 gradients that agree with the float64 ones within
    float32's precision (relative FLOAT32_RTOL); where only some inputs require grad (a subset
    drawn per example), those get the same gradients and the others none, so an op whose
    backward goes wrong on a `needs_input_grad` branch fails. `max_examples` defaults to the loaded
    hypothesis profile's (100 unless a profile says otherwise)."""
    fn, name, params = _as_callable(op)
    declared = op if isinstance(op, type) and issubclass(op, Op) else None
    if declared is not None:
        if arguments is None and arity is None and shapes is None and broadcast and all(
                v is None for v in (domain, kinks, distinct)):
            arguments = op_arguments(op)
        domain = op.domain if domain is None else domain
        kinks = op.kinks if kinks is None else kinks
        distinct = op.distinct if distinct is None else distinct
        differentiable = op.differentiable if differentiable is None else differentiable
        second_order = op.second_order if second_order is None else second_order
    domain = (-3.0, 3.0) if domain is None else domain
    second_order = True if second_order is None else second_order
    if arguments is None:
        n = _arity(name, params) if arity is None else arity
        if isinstance(domain[0], (tuple, list)) and len(domain) != n:
            raise ValueError(f"check_op({name}): {len(domain)} domains for an op of {n} inputs")
        domain = tuple(tuple(d) for d in domain) if isinstance(domain[0], (tuple, list)) else domain
        facts = SimpleNamespace(domain=domain, kinks=tuple(kinks or ()), distinct=bool(distinct))
        arguments = _inputs(facts, _input_shapes(n, shapes, broadcast))
    tolerance = (eps, atol, rtol)

    def check(case, some):
        args, kwargs = case
        twice = second_order(args, kwargs) if callable(second_order) else second_order
        _Case(name, fn, params, args, kwargs, differentiable, tolerance).run(twice, some)
    # the failure database keys examples by function: one key per op, not one for every op
    check._hypothesis_internal_add_digest = f"{getattr(op, '__module__', '')}.{name}".encode()
    # the explain phase would list lines of this module as the cause: the message says more
    options = dict(deadline=None, report_multiple_bugs=False,
                   phases=[p for p in settings().phases if p is not Phase.explain],
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                          HealthCheck.data_too_large])
    if max_examples is not None:
        options["max_examples"] = max_examples
    # per input: does it require grad in the run where only some do (unused if all or none would)
    some = st.lists(st.booleans(), min_size=8, max_size=8)
    settings(**options)(given(arguments, some)(check))()


def _as_callable(op):
    """(the function to call, the op's name, the parameters naming its inputs)."""
    cls = op if isinstance(op, type) else getattr(op, "__self__", None)  # Cube or Cube.apply
    if isinstance(cls, type) and issubclass(cls, Function):
        return cls.apply, cls.__name__, list(inspect.signature(cls.forward).parameters.values())[1:]
    if not callable(op):
        raise TypeError(f"check_op: op must be a Function subclass or a callable on Tensors, "
                        f"got {type(op).__name__}")
    try:
        params = list(inspect.signature(op).parameters.values())
    except ValueError:  # builtins without a signature
        params = []
    return op, getattr(op, "__name__", None) or repr(op), params


def _arity(name, params):
    """The number of inputs: the positional parameters without a default."""
    if any(p.kind is p.VAR_POSITIONAL for p in params) or not params:
        raise TypeError(f"check_op({name}): cannot tell how many inputs the op takes from its "
                        "signature; pass arity=")
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
               for p in params)


def _input_shapes(n, shapes_=None, broadcast=True):
    """A strategy of `n` shapes, one per input."""
    if shapes_ is None:
        return broadcastable_shapes(n) if n > 1 and broadcast else shapes().map(lambda s: (s,) * n)
    drawn = shapes_ if isinstance(shapes_, st.SearchStrategy) else st.just(shapes_)

    def per_input(s):
        s = tuple(s)
        if all(isinstance(k, (int, np.integer)) for k in s):  # one shape for every input
            return (s,) * n
        if len(s) != n:
            raise ValueError(f"check_op: {len(s)} shapes drawn for an op of {n} inputs")
        return tuple(tuple(k) for k in s)
    return drawn.map(per_input)


@st.composite
def _inputs(draw, op, shapes_):
    """(arrays, {}) for each input of `op`, of shapes drawn from `shapes_`, values by op's facts."""
    return op_arrays(draw, op, draw(shapes_)), {}


class _Case:
    """One drawn example: the op as a function of its differentiable arguments, and the checks."""

    def __init__(self, name, fn, params, args, kwargs, differentiable, tolerance):
        self.name, self.fn, self.args, self.kwargs = name, fn, list(args), kwargs
        self.tolerance = tolerance
        diff = differentiable or (True,) * len(args)
        self.slots = [i for i in range(len(args)) if diff[i]]
        self.x = [np.array(args[i], dtype=np.float64) for i in self.slots]
        self.names = [_arg_name(params, i) for i in range(len(args))]
        self.before = ([np.copy(a) for a in self.x],
                       [np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
        self.rng = np.random.default_rng(0)
        self.upstream = None

    def run(self, second_order, some=()):
        ts, out = self.call(self.x, "forward")
        self.unchanged("forward")
        w = self.rng.standard_normal(out.shape)
        self.upstream = w.copy()  # as it was given: to check w against, and to show
        self.attempt("backward", lambda: out.backward(w))
        self.unchanged("backward")
        grads = self.leaf_grads(ts, w)
        self.float32(w, out.data, grads)
        self.scalars(w, out.data, grads)
        self.some_inputs(w, grads, list(some[:len(self.x)]))
        self.first_derivatives(w, grads)
        if second_order:
            self.second_derivatives(w, grads)

    def call(self, arrays, stage, requires_grad=True):
        flags = requires_grad if isinstance(requires_grad, list) else [requires_grad] * len(arrays)
        ts = [a if isinstance(a, Tensor) else Tensor(a, requires_grad=r) for a, r in zip(arrays, flags)]
        vals = list(self.args)
        for i, t in zip(self.slots, ts):
            vals[i] = t
        out = self.attempt(stage, lambda: self.fn(*vals, **self.kwargs))
        if not isinstance(out, Tensor):
            self.fail(stage, f"the op returned {type(out).__name__}, not a Tensor")
        if out.dtype.kind != "f":
            self.fail(stage, f"the op returned a Tensor of dtype {out.dtype}, not a float Tensor")
        return ts, out

    def attempt(self, stage, run):
        try:
            return run()
        except AssertionError:
            raise
        except Exception as e:
            self.fail(stage, f"raised {type(e).__name__}: {e}", cause=e)

    def unchanged(self, stage):
        x_before, args_before = self.before
        changed = [(self.slots[k], a, b) for k, (a, b) in enumerate(zip(self.x, x_before))]
        changed += [(i, a, b) for i, (a, b) in enumerate(zip(self.args, args_before))
                    if i not in self.slots and isinstance(a, np.ndarray)]
        for i, a, b in changed:
            if not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
                at = _index_of(np.flatnonzero(np.asarray(a != b).ravel())[0], np.shape(a))
                self.fail("inputs unchanged", f"{stage} changed input {self.names[i]} in place "
                          f"(first at index {at}: {b[at].item()!r} became {a[at].item()!r})")

    def upstream_unchanged(self, w, stage):
        if not np.array_equal(w, self.upstream):
            self.fail("upstream gradient unchanged", f"{stage} changed the upstream gradient array "
                      "in place")

    def leaf_grads(self, ts, w):
        """The .grad of each input after backward(w), as arrays, after checking w is intact."""
        self.upstream_unchanged(w, "backward")
        grads = []
        for k, t in enumerate(ts):
            g = None if t.grad is None else t.grad.data
            if g is not None and np.shares_memory(g, w):
                self.fail("upstream gradient unchanged", f"the .grad of input "
                          f"{self.names[self.slots[k]]} shares memory with the upstream gradient")
            if g is not None and np.shape(g) != t.shape:
                self.fail("backward", f"the gradient of input {self.names[self.slots[k]]} has shape "
                          f"{np.shape(g)}, the input {t.shape}")
            grads.append(np.zeros(t.shape) if g is None else g)
        return grads

    def float32(self, w, value, grads):
        """float32 in, float32 out, and the float64 numbers to float32's precision."""
        ts, out = self.call([a.astype(np.float32) for a in self.x], "float32")
        if out.dtype != np.float32:
            self.fail("float32", f"float32 inputs gave a {out.dtype} output")
        self.compare_float32("the output", out.data, value)
        self.attempt("float32", lambda: out.backward(w.astype(np.float32)))
        for k, t in enumerate(ts):
            if t.grad is not None and t.grad.dtype != np.float32:
                self.fail("float32", f"float32 inputs gave a {t.grad.dtype} gradient for input "
                          f"{self.names[self.slots[k]]}")
            got = np.zeros(t.shape) if t.grad is None else t.grad.data
            self.compare_float32(f"the gradient of input {self.names[self.slots[k]]}", got, grads[k])

    def compare_float32(self, what, got, want):
        # float32 keeps about 7 digits; an op's rounding errors grow with the size of the numbers
        # it adds up, so the tolerance scales with the largest of them
        atol = FLOAT32_RTOL * max(1.0, float(np.max(np.abs(want), initial=0.0)))
        excess = np.abs(got.astype(np.float64) - want) - (atol + FLOAT32_RTOL * np.abs(want))
        if excess.size and not np.all(excess <= 0):
            at = _index_of(np.argmax(np.where(np.isnan(excess), np.inf, excess)), excess.shape)
            self.fail("float32", f"{what} (shape {np.shape(want)}) is wrong at index {at}: float32 "
                      f"{float(got[at])!r} vs float64 {float(want[at])!r}, beyond float32's precision "
                      f"(atol {atol:.3g} + rtol {FLOAT32_RTOL} * |float64|)")

    def scalars(self, w, value, grads):
        """The same numbers where a 0-d input is held as a NumPy scalar, as an op's 0-d result
        is (x.sum() fed on to the next op), not as a 0-d array."""
        if all(a.ndim for a in self.x):
            return
        check = "0-d inputs held as NumPy scalars"
        inputs = [Tensor(a, requires_grad=True) for a in self.x]
        ts = [(t * 1.0) if t.ndim == 0 else t for t in inputs]  # an op's result: a NumPy scalar
        _, out = self.call(ts, check)
        self.attempt(check, lambda: out.backward(w))
        for k, t in enumerate(inputs):
            got = np.zeros(t.shape) if t.grad is None else t.grad.data
            for what, a, b in (("the output", out.data, value), (f"the gradient of input "
                               f"{self.names[self.slots[k]]}", got, grads[k])):
                if not np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True):
                    self.fail(check, f"{what} differs from the one where 0-d inputs are arrays: "
                              f"{a!r} vs {b!r}")

    def some_inputs(self, w, grads, flags):
        """Only the inputs flagged require grad: they get the gradients of the run where all do,
        the others none."""
        if len(flags) < 2 or all(flags) or not any(flags):
            return
        check = "some inputs without grad"
        ts, out = self.call(self.x, check, requires_grad=flags)
        self.attempt(check, lambda: out.backward(w))
        which = ", ".join(self.names[self.slots[k]] for k, f in enumerate(flags) if f)
        for k, t in enumerate(ts):
            name = self.names[self.slots[k]]
            if not flags[k]:
                continue
            got = np.zeros(t.shape) if t.grad is None else t.grad.data
            if not np.allclose(got, grads[k], rtol=1e-9, atol=1e-12, equal_nan=True):
                at = _index_of(np.argmax(np.abs(got - grads[k])), np.shape(got))
                self.fail(check, f"with only {which} requiring grad, the gradient of input {name} is "
                          f"wrong at index {at}: {float(got[at])!r} vs {float(grads[k][at])!r} when "
                          "every input requires grad (a needs_input_grad branch of backward)")

    def first_derivatives(self, w, grads):
        def projected(_):  # <op(x), w>, read from the arrays numerical_gradient steps in place
            with no_grad():
                return float((self.call(self.x, "first derivatives")[1].data * w).sum())
        self.against_finite_differences("first derivatives", grads, projected)

    def second_derivatives(self, w, grads):
        check = "second derivatives"
        v = [self.rng.standard_normal(a.shape) for a in self.x]
        ts, out = self.call(self.x, check)
        firsts = self.attempt(check, lambda: grad(out, ts, grad_outputs=w, create_graph=True,
                                                   allow_unused=True))
        self.upstream_unchanged(w, "backward under create_graph=True")
        self.unchanged("backward under create_graph=True")
        for k, g in enumerate(firsts):
            self.compare("first derivatives under create_graph=True", k, _values(g, ts[k]), grads[k],
                         1e-12, 1e-9, "create_graph=True", "plain backward")
        terms = [(g * vk).sum() for g, vk in zip(firsts, v) if g is not None and g.requires_grad]
        seconds = [None] * len(ts)
        if terms:  # none: a backward that is constant in the inputs (or escapes the graph)
            seconds = self.attempt(check, lambda: grad(sum(terms[1:], terms[0]), ts,
                                                       allow_unused=True))

        def projected(_):  # <first gradients of a plain backward, v>
            ts2, out2 = self.call(self.x, check)
            firsts2 = grad(out2, ts2, grad_outputs=w, allow_unused=True)
            return sum(float((g.data * vk).sum()) for g, vk in zip(firsts2, v) if g is not None)
        self.against_finite_differences(check, [_values(g, t) for g, t in zip(seconds, ts)], projected)

    def against_finite_differences(self, check, analytic, projected):
        eps, atol, rtol = self.tolerance
        for k, x in enumerate(self.x):
            numeric = numerical_gradient(projected, x, eps)
            self.compare(check, k, analytic[k], numeric, atol, rtol, "backprop", "finite differences")

    def compare(self, check, k, got, want, atol, rtol, got_is, want_is):
        excess = np.abs(got - want) - (atol + rtol * np.abs(want))
        if excess.size and not np.all(excess <= 0):  # NaN fails too
            at = _index_of(np.argmax(np.where(np.isnan(excess), np.inf, excess)), excess.shape)
            g, n = float(got[at]), float(want[at])
            w = float(self.upstream) if self.upstream.ndim == 0 else 0.0
            if check == "second derivatives":
                meaning = ("the values are derivatives of the first gradients (vector-Jacobian "
                           "products with the upstream gradient below) summed with fixed random weights")
            elif check == "first derivatives" and w:
                meaning = f"the output is 0-d: the derivatives themselves are {g / w!r} vs {n / w!r}"
            else:
                meaning = "the values are vector-Jacobian products with the upstream gradient below"
            self.fail(check, f"the gradient of input {self.names[self.slots[k]]} (shape "
                      f"{np.shape(want)}) is wrong at index {at}: {got_is} {g!r} vs {want_is} {n!r} "
                      f"(|diff| {abs(g - n):.3g} > atol {atol} + rtol {rtol} * |{want_is}|); {meaning}")

    def fail(self, check, detail, cause=None):
        lines = [f"check_op({self.name}): {check}: {detail}", "inputs:"]
        with np.printoptions(floatmode="unique", threshold=200):  # as drawn, digit for digit
            lines += [f"  {name} = {a!r}" for name, a in zip(self.names, self.before[1])]
            lines += [f"  {key}={val!r}" for key, val in self.kwargs.items()]
            if self.upstream is not None:
                lines.append(f"upstream gradient: {self.upstream!r}")
        raise AssertionError("\n".join(lines)) from cause


def _arg_name(params, i):
    """The name of positional argument `i`: its parameter's, or `xs[k]` for `*xs`."""
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if i < len(positional):
        return positional[i].name
    star = [p.name for p in params if p.kind is p.VAR_POSITIONAL]
    return f"{star[0]}[{i - len(positional)}]" if star else f"input {i}"


def _index_of(flat, shape):
    return tuple(int(k) for k in np.unravel_index(int(flat), shape))


def _values(g, like):
    """A gradient as an array: zeros for None (the input does not reach the output)."""
    return np.zeros(like.shape) if g is None else np.asarray(g.data)


# --- strategies for the arguments ops declare (autograd.ops.Op.arguments) -------------------------

def op_arrays(draw, op, shapes_):
    """One float64 array per shape in `shapes_`, each drawn inside `op`'s domain for that input,
    away from its kinks and, if the op says `distinct`, free of ties (across inputs too)."""
    return [draw(arrays(s, domain=_domain(op, i), kinks=getattr(op, "kinks", ()),
                        distinct=getattr(op, "distinct", False), offset=i / (8 * len(shapes_))))
            for i, s in enumerate(shapes_)]


def op_inputs(op, shapes_=None):
    """(arrays, {}) for the inputs of `op` (the parameters of forward without a default), of
    shapes that broadcast together, or drawn from `shapes_` (a strategy of one shape per input)."""
    if shapes_ is None:
        _, name, params = _as_callable(op)
        try:
            shapes_ = _input_shapes(_arity(name, params))
        except TypeError as e:
            raise LookupError(f"autograd.testing cannot draw arguments for op {op.__name__}: {e}; "
                              "declare them (Op.arguments) or pass arguments=") from None
    return _inputs(op, shapes_)


def op_arguments(op):
    """A strategy of (args, kwargs) valid for `op.apply`: the op's own `arguments` where it
    declares them (autograd.ops.Op), else one array per input of forward (op_inputs)."""
    declared = getattr(op, "arguments", None)
    if declared is None:
        return op_inputs(op)
    return st.composite(lambda draw: declared(draw, sys.modules[__name__]))()


@st.composite
def axes(draw, ndim):
    """An `axis` argument for an array of `ndim` dimensions: None, an int (maybe negative) or a
    tuple of distinct axes."""
    if ndim == 0:
        return None
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        return None
    if choice == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)))


@st.composite
def indices(draw, shape):
    """A basic or advanced index into an array of `shape` (advanced ones repeat entries)."""
    kind = draw(st.sampled_from(["int", "slice", "array", "mask", "tuple"]))
    n = shape[0]
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "slice":
        return slice(draw(st.integers(0, n - 1)), draw(st.integers(1, n)), draw(st.integers(1, 2)))
    if kind == "array":
        return np.asarray(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6)))
    if kind == "mask":
        return draw(hnp.arrays(bool, shape[:1]))
    return (Ellipsis, draw(st.integers(0, shape[-1] - 1)))


def _domain(op, i):
    d = getattr(op, "domain", (-3.0, 3.0))
    return d[i] if isinstance(d[0], tuple) else d
