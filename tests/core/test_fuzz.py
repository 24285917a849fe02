"""Fuzzing with hypothesis.

1. Random DAGs of ops: 1-3 input tensors of broadcastable shapes, then 3-10 ops drawn from a pool
   of elementwise, broadcasting, reduction, shape and matmul ops and a custom Function whose
   backward returns None for one input, whose operands are earlier results
   (reused freely), plain ndarrays or Python numbers, on either side, and in-place updates of
   earlier results (`v += w`, `v *= c`, `v[i] = w` recorded; `v += c` under no_grad, which leaves
   the gradient as it is) where no op kept the value for backward. Every result nothing else
   consumed is an output; backprop through the whole graph must match finite differences. The
   arrays the caller passed (constants, masks) changed between forward and backward leave the
   gradients as they were, or anomaly mode names the change.
   NumPy calls given lists of Tensors either record the op or warn (LostGradientWarning).
2. Random and truncated bytes fed to the IDX reader (raw and .gz) and to Module.load (.npz): the
   only errors are the project's own (DatasetError; ValueError, KeyError or TypeError naming the
   state file or the parameter), never a hang or an unrelated exception, and a failed load changes
   nothing.
"""
import contextlib
import gzip
import io
import signal
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
import autograd.functions as F
import nn
from autograd import Tensor, gradcheck, testing
from nn.datasets import DatasetError, read_idx

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MAX_SIZE = 36   # elements per value: keeps finite differences cheap
MAX_BOUND = 30  # values stay within this magnitude, so nothing overflows and differences stay exact enough


@contextlib.contextmanager
def time_limit(seconds):
    """Fail an example that runs for more than `seconds` (a hang) instead of stalling the run."""
    if not hasattr(signal, "setitimer"):  # no interval timers on Windows: run unguarded
        yield
        return

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- 1. random DAGs of ops ------------------------------------------------------------------------

class Program:
    """Inputs' arrays and a list of steps (name, operands, keyword arguments); an operand is
    ("v", i), the i-th value so far (inputs first), or ("c", constant)."""

    def __init__(self, inputs, steps):
        self.inputs, self.steps = inputs, steps

    def run(self, *tensors):
        values, used = list(tensors), set()
        for name, operands, kw in self.steps:
            args = []
            for kind, x in operands:
                if kind == "v":
                    used.add(x)
                    args.append(values[x])
                else:
                    args.append(x)
            values.append(OPS[name][0](*args, **kw))
        outputs = {}  # by identity: an in-place step's result is the tensor it changed
        for i, v in enumerate(values):
            if i not in used and i >= len(tensors):
                outputs[id(v)] = v
        return list(outputs.values())

    def __repr__(self):
        def show(operand):
            kind, x = operand
            if kind == "v":
                return f"v{x}"
            return f"array{np.shape(x)}" if isinstance(x, np.ndarray) else repr(x)
        lines = [f"v{i} = input{a.shape}" for i, a in enumerate(self.inputs)]
        n = len(self.inputs)
        lines += [f"v{n + k} = {name}({', '.join(map(show, ops))}{''.join(f', {k_}={v!r}' for k_, v in kw.items())})"
                  for k, (name, ops, kw) in enumerate(self.steps)]
        return "\n".join(lines)


def _matmul(a, b):
    return a @ b


def _in_place(update):
    def step(a, b, **kw):
        update(a, b, **kw)
        return a  # the same tensor, changed
    return step


def _iadd(a, b): a += b
def _isub(a, b): a -= b
def _imul(a, b): a *= b
def _setitem(a, b, index): a[index] = b


def _shift_under_no_grad(a, b):
    with autograd.no_grad():
        a += b  # not recorded: a shift by a constant leaves the gradient as it is


class IgnoreSecond(autograd.Function):
    """2a with b as an input it does not depend on: backward returns None for b, which may be
    an intermediate value that other ops consume too."""
    @staticmethod
    def forward(ctx, a, b):
        return 2 * a

    @staticmethod
    def backward(ctx, g):
        return 2 * g, None


# name -> (function of the operands, number of operands)
OPS = {
    "add": (lambda a, b: a + b, 2),
    "sub": (lambda a, b: a - b, 2),
    "mul": (lambda a, b: a * b, 2),
    "div": (lambda a, b: a / (1.0 + b * b), 2),  # the denominator stays >= 1
    "neg": (lambda a: -a, 1),
    "square": (lambda a: a ** 2, 1),
    "tanh": (lambda a: a.tanh(), 1),
    "sigmoid": (lambda a: F.sigmoid(a), 1),
    "exp": (lambda a: a.exp(), 1),
    "sum": (lambda a, **kw: a.sum(**kw), 1),
    "mean": (lambda a, **kw: F.mean(a, **kw), 1),
    "softmax": (lambda a: F.softmax(a, axis=-1), 1),
    "matmul": (_matmul, 2),
    "gram": (lambda a: a @ a.T, 1),  # one value used twice by the same op
    "reshape": (lambda a, shape: a.reshape(shape), 1),
    "transpose": (lambda a: a.T, 1),
    "getitem": (lambda a, index: a[index], 1),
    "concatenate": (lambda a, b: F.concatenate([a, b], axis=0), 2),
    "stack": (lambda a, b: F.stack([a, b], axis=-1), 2),
    "where": (lambda mask, a, b: F.where(mask, a, b), 3),
    "broadcast_to": (lambda a, shape: F.broadcast_to(a, shape), 1),
    "ignore_second": (IgnoreSecond.apply, 2),
    "iadd": (_in_place(_iadd), 2),
    "isub": (_in_place(_isub), 2),
    "imul": (_in_place(_imul), 2),
    "setitem": (_in_place(_setitem), 2),
    "shift_under_no_grad": (_in_place(_shift_under_no_grad), 2),
}
IN_PLACE = {"iadd", "isub", "imul", "setitem", "shift_under_no_grad"}
# ops that keep an operand for backward or make a view of it: no later in-place update of it
KEEPS = {"mul", "div", "square", "matmul", "gram", "reshape", "transpose", "getitem", "broadcast_to", "imul"}
# ops whose result is saved by the op itself or is a view: not updated in place either
NOT_WRITABLE = {"exp", "tanh", "sigmoid", "softmax", "reshape", "transpose", "getitem", "broadcast_to"}


def _broadcast(*shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


@st.composite
def constants(draw, shape):
    """A Python number, or a plain ndarray (float or int) of a shape that broadcasts with `shape`."""
    kind = draw(st.sampled_from(["number", "int", "float array", "int array"]))
    if kind == "number":
        return draw(st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 3)))
    if kind == "int":
        return draw(st.integers(-3, 3))
    tail = shape[len(shape) - draw(st.integers(0, len(shape))):]
    sub = tuple(s if draw(st.booleans()) else 1 for s in tail)
    if kind == "int array":
        return np.array(draw(testing.arrays(sub, domain=(-3, 3))).round(), dtype=np.int64)
    return draw(testing.arrays(sub, domain=(-2, 2)))


@st.composite
def programs(draw):
    n_inputs = draw(st.integers(1, 3))
    shapes = draw(testing.broadcastable_shapes(n_inputs, max_dims=2, max_side=3))
    inputs = [draw(testing.arrays(s, domain=(-2, 2))) for s in shapes]
    values = [(np.shape(a), 2.0) for a in inputs]  # (shape, bound on |value|) of each value so far
    steps = []
    writable = set()  # values an in-place update may change: no op kept them, no view of them
    replaced = set()  # values changed in place since: later steps use the new value

    def pick(pred=lambda shape, bound: True):
        choices = [i for i, (s, b) in enumerate(values) if i not in replaced and pred(s, b)]
        return draw(st.sampled_from(choices)) if choices else None

    n_steps = draw(st.integers(3, 10))
    while len(steps) < n_steps:
        name = draw(st.sampled_from(sorted(OPS)))
        i = pick()
        shape, bound = values[i]
        a = ("v", i)
        kw, out = {}, None
        if name in ("add", "sub", "mul", "div"):
            j = pick(lambda s, b: _broadcast(shape, s) is not None and _size(_broadcast(shape, s)) <= MAX_SIZE)
            if draw(st.booleans()) or j is None:
                c = draw(constants(shape))
                b = ("c", c)
                b_shape, b_bound = np.shape(c), float(np.max(np.abs(c), initial=0))
            else:
                b, (b_shape, b_bound) = ("v", j), values[j]
            operands = [a, b] if name == "div" or draw(st.booleans()) else [b, a]  # reflected forms too
            out_bound = {"add": bound + b_bound, "sub": bound + b_bound, "mul": bound * b_bound,
                         "div": max(bound, b_bound if operands[0] == b else bound)}[name]
            out = (_broadcast(shape, b_shape), out_bound)
        elif name in ("neg", "tanh", "sigmoid", "square", "exp", "softmax"):
            if name == "exp" and bound > 3 or name == "softmax" and not shape:
                continue
            operands = [a]
            out = (shape, {"neg": bound, "tanh": 1.0, "sigmoid": 1.0, "square": bound ** 2,
                           "exp": float(np.exp(bound)), "softmax": 1.0}[name])
        elif name in ("sum", "mean"):
            axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1)) if shape else None
            kw = {"axis": axis, "keepdims": draw(st.booleans())}
            reduced = np.sum(np.zeros(shape), **kw).shape
            operands = [a]
            out = (reduced, bound * (_size(shape) // max(_size(reduced), 1) if name == "sum" else 1))
        elif name == "matmul":
            if not shape:
                continue
            j = pick(lambda s, b: len(s) >= 1 and _matmul_shape(shape, s) is not None)
            if j is None or draw(st.booleans()):
                k = draw(st.sampled_from([(), (1,), (2,), (3,)]))
                c = draw(testing.arrays((shape[-1],) + k, domain=(-1, 1)))
                b, b_shape, b_bound = ("c", c), c.shape, 1.0
            else:
                b, (b_shape, b_bound) = ("v", j), values[j]
            operands = [a, b]
            out = (_matmul_shape(shape, b_shape), bound * b_bound * shape[-1])
        elif name == "gram":
            if len(shape) != 2:
                continue
            operands = [a]
            out = ((shape[0], shape[0]), bound * bound * shape[1])
        elif name == "reshape":
            kw = {"shape": draw(st.sampled_from([(-1,), tuple(reversed(shape)), (1,) + shape]))}
            operands = [a]
            out = (np.zeros(shape).reshape(kw["shape"]).shape, bound)
        elif name == "transpose":
            operands = [a]
            out = (tuple(reversed(shape)), bound)
        elif name == "getitem":
            if not shape:
                continue
            n = shape[0]
            index = draw(st.sampled_from([0, -1, slice(None, None, -1), np.array([0, n - 1, 0])]))
            kw = {"index": index}  # an index array repeats rows: their gradients add up
            operands = [a]
            out = (np.zeros(shape)[index].shape, bound)
        elif name in ("concatenate", "stack"):
            j = pick(lambda s, b: s == shape and (s or name == "stack"))
            if j is None:
                continue
            operands = [a, ("v", j)]
            out = (np.zeros((2,) + shape).shape if name == "stack" else (2 * shape[0],) + shape[1:],
                   max(bound, values[j][1]))
            if name == "stack":
                out = (shape + (2,), out[1])
        elif name == "where":
            j = pick(lambda s, b: _broadcast(shape, s) is not None)
            mask = draw(hnp.arrays(bool, _broadcast(shape, values[j][0])))
            operands = [("c", mask), a, ("v", j)]
            out = (_broadcast(shape, values[j][0]), max(bound, values[j][1]))
        elif name == "ignore_second":
            operands = [a, ("v", pick())]
            out = (shape, 2 * bound)
        elif name == "broadcast_to":
            kw = {"shape": (2,) + shape}
            operands = [a]
            out = (kw["shape"], bound)
        elif name in IN_PLACE:
            i = draw(st.sampled_from(sorted(writable) or [None]))
            if i is None:
                continue
            shape, bound = values[i]
            target = shape
            if name == "setitem":
                if not shape:
                    continue
                kw = {"index": draw(st.sampled_from([0, -1, slice(None, None, 2)]))}
                target = np.zeros(shape)[kw["index"]].shape
            fits = lambda s, b: _broadcast(target, s) == target  # noqa: E731
            j = pick(lambda s, b: fits(s, b) and s is not None)
            if name == "shift_under_no_grad" or j is None or draw(st.booleans()):  # j may be i: v *= v
                c = draw(constants(target))
                if _broadcast(target, np.shape(c)) != target:
                    continue
                b, b_bound = ("c", c), float(np.max(np.abs(c), initial=0))
            else:
                b, b_bound = ("v", j), values[j][1]
            operands = [("v", i), b]
            out = (shape, bound * b_bound if name == "imul" else
                   max(bound, b_bound) if name == "setitem" else bound + b_bound)
        if out is None or out[0] is None or _size(out[0]) > MAX_SIZE or len(out[0]) > 3 or out[1] > MAX_BOUND:
            continue
        steps.append((name, operands, kw))
        values.append(out)
        taken = [x for kind, x in operands if kind == "v"]
        if name in KEEPS:
            writable.difference_update(taken)
        if name in IN_PLACE:
            replaced.add(operands[0][1])
            writable.discard(operands[0][1])
        if name not in NOT_WRITABLE:
            writable.add(len(values) - 1)
    return Program(inputs, steps)


def _matmul_shape(a, b):
    try:
        return np.matmul(np.zeros(a), np.zeros(b)).shape
    except ValueError:
        return None


@settings(max_examples=120, **SETTINGS)
@given(programs())
def test_random_graphs_of_ops_backprop_like_finite_differences(program):
    inputs = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in program.inputs]
    assert gradcheck(program.run, inputs)


@settings(max_examples=30, **SETTINGS)
@given(programs())
def test_random_graphs_leave_their_inputs_and_constants_unchanged(program):
    before = [a.copy() for a in program.inputs]
    constants_before = [np.copy(x) for _, ops, _ in program.steps for kind, x in ops if kind == "c"]
    inputs = [Tensor(a, requires_grad=True) for a in program.inputs]
    sum(out.sum() for out in program.run(*inputs)).backward()
    for a, b in zip(program.inputs, before):
        np.testing.assert_array_equal(a, b)
    after = [x for _, ops, _ in program.steps for kind, x in ops if kind == "c"]
    for a, b in zip(after, constants_before):
        np.testing.assert_array_equal(a, b)


def _constants(program):
    return [x for _, ops, _ in program.steps for kind, x in ops if kind == "c" and isinstance(x, np.ndarray)]


def _change(a):
    if a.dtype == bool:
        np.logical_not(a, out=a)
    else:
        a += 1


@settings(max_examples=60, **SETTINGS)
@given(programs())
def test_arrays_the_caller_changes_before_backward_leave_the_gradients_or_are_named(program):
    def gradients(change):
        inputs = [Tensor(np.array(a), requires_grad=True) for a in program.inputs]
        with autograd.detect_anomaly():
            total = sum(out.sum() for out in program.run(*inputs))
            for c in _constants(program) if change else ():
                _change(c)
            total.backward()
        return [t.grad.data for t in inputs if t.grad is not None]
    expected = gradients(change=False)
    try:
        got = gradients(change=True)
    except RuntimeError as e:  # kept by reference for backward (x * c): anomaly mode says so
        assert "was changed in place after it was saved" in str(e), e
        return
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


LIST_CALLS = {
    "np.sum": lambda xs, axis: np.sum(xs, axis=axis), "np.mean": lambda xs, axis: np.mean(xs, axis=axis),
    "np.max": lambda xs, axis: np.max(xs, axis=axis), "np.array": lambda xs, axis: np.array(xs),
    "np.exp": lambda xs, axis: np.exp(xs), "np.add.reduce": lambda xs, axis: np.add.reduce(xs, axis=axis or 0),
    "np.stack": lambda xs, axis: np.stack(xs, axis=axis or 0),
    "np.concatenate": lambda xs, axis: np.concatenate(xs, axis=axis or 0),
    "np.multiply": lambda xs, axis: np.multiply(xs, 2.0), "Tensor": lambda xs, axis: Tensor(xs),
}


@settings(max_examples=150, **SETTINGS)
@given(st.sampled_from(sorted(LIST_CALLS)), st.lists(st.booleans(), min_size=1, max_size=3),
       hnp.array_shapes(min_dims=1, max_dims=2, max_side=3), st.booleans(), st.sampled_from([list, tuple]),
       st.none() | st.just(0))
def test_numpy_given_lists_of_tensors_records_or_warns(name, requires, shape, recording, container, axis):
    rng = np.random.default_rng(len(requires))
    xs = container(Tensor(rng.standard_normal(shape), requires_grad=r) for r in requires)
    with warnings.catch_warnings(record=True) as caught, autograd.set_grad_enabled(recording):
        warnings.simplefilter("always")
        result = LIST_CALLS[name](xs, axis)
    warned = any(issubclass(w.category, autograd.LostGradientWarning) for w in caught)
    needs = recording and any(requires)
    if isinstance(result, Tensor) and result.requires_grad:  # recorded: the gradient is right
        assert not warned
        assert gradcheck(lambda *ts: LIST_CALLS[name](container(ts), axis), [x for x in xs if x.requires_grad]
                         if all(requires) else [Tensor(x.data, requires_grad=True) for x in xs])
    else:
        assert warned == needs, (name, requires, recording)


# --- 2. bytes: the IDX reader ---------------------------------------------------------------------

def idx_bytes(array):
    array = np.asarray(array, dtype=np.uint8)
    header = (0x0800 | array.ndim).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


@st.composite
def valid_idx(draw):
    shape = draw(st.sampled_from([(draw(st.integers(0, 6)),),
                                  tuple(draw(st.integers(0, 3)) for _ in range(3))]))
    return idx_bytes(np.arange(int(np.prod(shape)), dtype=np.uint8).reshape(shape))


@st.composite
def damaged(draw, data):
    """`data` truncated, with some bytes changed, inserted or appended (or left alone)."""
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "flip", "insert", "append"]))
        if kind == "cut":
            del data[where:]
        elif kind == "flip" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=4))
        else:
            data += draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


@st.composite
def idx_files(draw):
    """(bytes, suffix): random bytes, or a valid IDX file (gzipped for .gz) then damaged."""
    gz = draw(st.booleans())
    source = draw(st.sampled_from(["random", "valid", "header only"]))
    if source == "random":
        data = draw(st.binary(max_size=64))
        if gz and draw(st.booleans()):
            data = b"\x1f\x8b" + data  # past the signature check, into the decompressor
        return data, ".gz" if gz else ""
    data = draw(valid_idx())
    if source == "header only":  # a plausible header claiming huge dims
        data = data[:4] + b"".join(draw(st.integers(0, 2 ** 32 - 1)).to_bytes(4, "big")
                                   for _ in range(data[3]))
    if gz:
        data = gzip.compress(data)
    return draw(damaged(data)), ".gz" if gz else ""


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=300, **SETTINGS)
@given(idx_files())
@example((b"\x00\x00\x08\x03" + b"\x00" * 4 + b"\xff" * 8, ""))  # 0 items of 2**32 - 1 squared: once a crash
@example((b"\x00\x00\x08\x03" + (2 ** 31).to_bytes(4, "big") * 2 + b"\x00\x00\x00\x04", ""))  # dims' product 2**64
def test_read_idx_of_any_bytes_gives_an_array_or_a_dataset_error(scratch, file):
    data, suffix = file
    path = scratch / f"data-idx-ubyte{suffix}"
    path.write_bytes(data)
    with time_limit(5):
        try:
            array = read_idx(path)
        except DatasetError as e:
            assert str(path) in str(e)
            return
    assert array.dtype == np.uint8 and array.ndim in (1, 3)
    raw = gzip.decompress(data) if suffix else data
    assert raw == idx_bytes(array)  # what was read is exactly what the file holds


# --- 2. bytes: Module.load ------------------------------------------------------------------------

def small_model():
    return nn.Sequential(nn.Affine(3, 2, rng=np.random.default_rng(0)), nn.ReLU(),
                         nn.Affine(2, 2, rng=np.random.default_rng(1)))


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@st.composite
def state_files(draw):
    """Bytes that are, or once were, a state file: the model's own, another model's, one with
    misshapen or non-numeric entries, a bare .npy, or random bytes; then damaged."""
    model = small_model()
    state = model.state_dict()
    kind = draw(st.sampled_from(["own", "other", "misshapen", "strings", "npy", "random", "empty zip"]))
    if kind == "random":
        return draw(st.binary(max_size=200))
    if kind == "own":
        data = npz_bytes(**state)
    elif kind == "other":
        data = npz_bytes(W=np.ones((3, 2)), b=np.ones(2))
    elif kind == "misshapen":
        data = npz_bytes(**{**state, "2.W": np.ones((3, 3))})
    elif kind == "strings":
        data = npz_bytes(**{**state, "0.b": np.array(["a", "b"])})
    elif kind == "npy":
        buffer = io.BytesIO()
        np.save(buffer, np.ones(3))
        data = buffer.getvalue()
    else:
        buffer = io.BytesIO()
        zipfile.ZipFile(buffer, "w").close()
        data = buffer.getvalue()
    return draw(damaged(data))


@settings(max_examples=300, **SETTINGS)
@given(state_files())
def test_module_load_of_any_bytes_loads_or_raises_a_clear_error_and_changes_nothing(scratch, data):
    path = scratch / "state.npz"
    path.write_bytes(data)
    model = small_model()
    before = model.state_dict()
    with time_limit(5):
        try:
            model.load(path)
        except (ValueError, KeyError, TypeError) as e:
            message = str(e).strip("\"'")
            assert message.startswith((f"load: {path}", "load_state_dict: ")), message
            for name, value in model.state_dict().items():
                np.testing.assert_array_equal(value, before[name])
            return
    assert {k: v.shape for k, v in model.state_dict().items()} == {k: v.shape for k, v in before.items()}


def test_module_load_round_trips_its_own_file(scratch):
    model, other = small_model(), nn.Sequential(nn.Affine(3, 2), nn.ReLU(), nn.Affine(2, 2))
    model.save(scratch / "own.npz")
    other.load(scratch / "own.npz")
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[name], value)
