"""Backpropagation: walk the recorded graph from the outputs back to the leaves.

`toposort` is the one walk of a recorded graph, and it only reads it: backward, `autograd.grad`,
`gradcheck_nodes` and `viz` all use it. `backprop` is the one backward pass: it sorts the graph
once, checks that it can be walked (nothing freed, nothing it saved changed in place), then
visits each node after all of its consumers, handing it the sum of their gradients, and returns
the gradients it was asked for. `backward` (Tensor.backward) puts them into `.grad`, `grad`
(autograd.grad) returns them. No recursion anywhere: a graph a million nodes deep is fine.

The top of the core: it imports tensor, function, anomaly and device, and no op.
"""
import numpy as np

from . import anomaly
from .device import array_module
from .function import freed_message
from .tensor import Tensor, _wrap, as_float_array, clock, state

def toposort(roots):
    """The nodes reachable from the nodes `roots`, each after every node that consumes it: the
    order backward visits them in (reversed, the order forward recorded them). Counts each
    node's consumers, then releases a node once all of them are placed (Kahn's algorithm). No
    recursion, and nothing allocated per node but dict and list entries: a graph a million
    nodes deep is fine, and the garbage collector has no new objects to walk it for."""
    roots = list(dict.fromkeys(roots))
    consumers = dict.fromkeys(roots, 0)
    count = consumers.get
    stack = list(roots)
    while stack:
        for p in stack.pop()._parents:
            if p is not None and not isinstance(p, Tensor):  # a node, not a leaf
                n = count(p)
                if n is None:
                    consumers[p] = 1
                    stack.append(p)
                else:
                    consumers[p] = n + 1
    order, ready = [], [r for r in roots if not consumers[r]]
    while ready:
        node = ready.pop()
        order.append(node)
        for p in node._parents:
            n = count(p)  # None for a leaf or None
            if n is not None:
                if n == 1:
                    ready.append(p)
                consumers[p] = n - 1
    return order


def sum_to_shape(g, shape):
    """The one place where broadcasting is undone: sum `g` down to `shape`."""
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def backprop(outputs, grads=None, inputs=None, retain_graph=None, create_graph=False, keep_dtypes=False):
    """The backward pass, the engine's one. Returns the gradients of `outputs` (each weighted by
    its entry of `grads`; None: ones, for one-element outputs) with respect to `inputs` (leaf
    tensors or nodes) as a dict {input: gradient} of those the outputs reach, and the set of the
    inputs whose gradient is an array someone else holds (the upstream gradient itself, or a view
    of it): whoever keeps one copies it. inputs=None: every leaf that requires grad and every node
    whose tensor called retain_grad(). `Tensor.backward`, `autograd.grad` and the book's layers
    (nn/textbook.py) are this function and what each does with its result. keep_dtypes: the
    seeds keep their own dtypes instead of taking their output's, so that NumPy's promotion runs
    through the vjps as through the book's formulas (a float64 dout after a float32 forward gives
    float64 gradients).

    Each node is visited after all of its consumers, its vjp handed the sum of their gradients;
    under create_graph=True the vjps run on Tensors and are recorded. Without retain_graph each
    node lets go of what it saved once it is passed."""
    if retain_graph is None:
        retain_graph = create_graph
    recorder = state.recorder
    if recorder is not None:  # inside viz.record(): the recorded ops keep what backward needs
        retain_graph = True
    # pending: node -> its gradient so far; found: leaf -> its gradient
    pending, found, shared = _seed(outputs, grads, create_graph, keep_dtypes)
    wanted = None if inputs is None else dict.fromkeys(inputs)
    if wanted is not None:
        found = {t: v for t, v in found.items() if t in wanted}
    order = toposort(list(pending))
    _check_walkable(order)  # before any gradient moves: an error leaves every .grad as it was
    watch = state.anomaly
    prev, state.grad_enabled = state.grad_enabled, create_graph  # record the backward pass only for create_graph
    node = results = None
    try:
        for node in order:
            g = pending.pop(node, None)
            if g is not None:  # None: each consumer's backward returned None for this input
                if wanted is None:
                    if node._retained is not None:
                        found[node] = g
                        shared.add(node)
                elif node in wanted:
                    found[node] = g
                    shared.add(node)
                    if recorder is not None:  # a viz.record() block sees it: the node's tensor keeps no .grad
                        recorder.arrive(node, g)
                results = type(node).backward(node, g)
                if type(results) is not tuple:
                    results = (results,)
                heads = node._parents
                if watch or len(results) != len(heads):
                    _inspect(node, g, results)
                for p, gi in zip(heads, results):
                    if gi is None or p is None:
                        continue
                    if isinstance(p, Tensor):  # a leaf
                        if gi.shape != p._data.shape:
                            gi = _fit(gi, p._data.shape, node, results)
                        if wanted is None or p in wanted:
                            if p in found:
                                found[p] = found[p] + gi
                                shared.discard(p)
                            else:
                                found[p] = gi
                                if gi is g or getattr(gi, "base", None) is not None:
                                    shared.add(p)
                    else:
                        if gi.shape != p._shape:
                            gi = _fit(gi, p._shape, node, results)
                        pending[p] = pending[p] + gi if p in pending else gi
            if not retain_graph:  # free what the node saved and the tensors it was called with;
                if node._saved:    # _parents (nodes and leaf tensors, no arrays) stays, as PyTorch's
                    node._saved = None  # next_functions do: the graph can still be drawn, and walked
                node._call = None  # again where nothing was saved
    except AttributeError:
        error = _not_an_array(node, results)
        if error is None:
            raise
        raise error from None
    finally:
        state.grad_enabled = prev
    return found, shared


def backward(outputs, grads=None, retain_graph=None, create_graph=False):
    """`Tensor.backward` for one or more outputs: backprop's gradients added into the `.grad` of
    the leaves and of the tensors that retain theirs."""
    found, shared = backprop(outputs, grads, None, retain_graph, create_graph)
    for where, g in found.items():
        t = where if isinstance(where, Tensor) else where._retained()
        if t is not None:
            _accumulate(t, g, where in shared)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """The gradients of `outputs` with respect to `inputs`, as a tuple; no `.grad` is touched."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, (Tensor, np.ndarray))  # an array is one (wrong) input, not a list
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is not None and not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.grad: input {i} is a {type(t).__name__}, not a Tensor; "
                            "gradients are taken with respect to Tensors that require grad")
        if not t._requires_grad:
            raise ValueError(f"autograd.grad: input {i} (Tensor of shape {t.shape}) does not require "
                             "grad, so it has no gradient; create it with requires_grad=True")
    found, _ = backprop(outputs, grad_outputs, [place(t) for t in inputs], retain_graph, create_graph)
    result = [found.get(place(t)) for t in inputs]
    for t, g in zip(inputs, result):
        if g is None and not allow_unused:
            raise RuntimeError(f"autograd.grad: an input (shape {t.shape}) was not used to compute "
                               "the outputs; pass allow_unused=True to get None for it")
    return tuple(None if g is None else _as_tensor(_own(g, t.dtype)) for t, g in zip(inputs, result))


def place(t):
    """Where a tensor's gradient is found in the graph: its node, or the tensor itself (a leaf)."""
    return t if t._node is None else t._node


def _seed(outputs, grads, create_graph, keep_dtypes=False):
    """(node -> its gradient so far, leaf output -> its gradient, the leaves whose gradient is
    an array the caller holds) to start from."""
    if grads is None:
        grads = [None] * len(outputs)
    if len(grads) != len(outputs):
        raise ValueError(f"backward: {len(grads)} gradients given for {len(outputs)} outputs")
    pending, leaves, shared = {}, {}, set()
    for t, g in zip(outputs, grads):
        if not t._requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no grad_fn; "
                               "did you forget requires_grad=True on an input, or run under no_grad()?")
        g = _root_grad(t, g, create_graph, keep_dtypes)
        if t._node is None:  # an output that is a leaf: its gradient is the seed, which the caller holds
            if t in leaves:
                leaves[t] = leaves[t] + g
                shared.discard(t)
            else:
                leaves[t] = g
                shared.add(t)
        else:
            pending[t._node] = pending[t._node] + g if t._node in pending else g
    return pending, leaves, shared


def _root_grad(t, g, create_graph, keep_dtypes=False):
    if g is None:
        if t._data.size != 1:
            raise RuntimeError(f"backward: grad can be implicit only for a one-element output; this "
                               f"output has shape {t.shape}, so pass grad= of that shape")
        g = np.ones_like(t._data)
    else:
        g = g._data if isinstance(g, Tensor) else as_float_array(g, "backward grad")
        if g.shape != t.shape:
            raise ValueError(f"backward: grad has shape {g.shape} but the output has shape {t.shape}")
        if g.dtype != t.dtype and not keep_dtypes:
            g = g.astype(t.dtype)
    return _wrap(g) if create_graph else g


# --- the rare paths: checks before the walk, errors -------------------------------------------

def _check_walkable(order):
    now = clock[0]
    for node in order:
        saved = node._saved
        if saved is None:
            raise RuntimeError(freed_message(node))
        if saved and node._stamp != now:
            _check_versions(node)


def _check_versions(node):
    name = type(node).__name__
    if node._stamp is None:
        raise RuntimeError(f"the output of {name} was modified in place after {name} saved it for "
                           "backward; gradients would be wrong. Write y = y * 2 (a new tensor) "
                           "instead of changing y.data")
    args, arrays, _ = node._call
    for a, array in zip(args, arrays):
        # the array the op was given, still a's (not rebound), saved, and written since
        if (isinstance(a, Tensor) and a._data is array and a._owner()._version > node._stamp
                and any(array is s for s in node._saved)):
            label = f"'{a.name}'" if a.name else "a tensor"
            if a._base is not None and a._base.name:
                label = f"{label} (a view of '{a._base.name}')"
            raise RuntimeError(f"{label} of shape {a.shape}, saved by {name} for backward, was "
                               "modified in place after it was saved and before backward; gradients "
                               "would be wrong. Call backward before changing it (e.g. before "
                               "optimizer.step()), or build a new tensor instead of changing .data")


def _inspect(node, g, results):
    if len(results) != len(node._parents):
        raise TypeError(f"{type(node).__name__}.backward returned {len(results)} gradients "
                        f"for {len(node._parents)} inputs")
    if state.anomaly:
        anomaly.check_backward(node, g, results)


def _fit(g, shape, node, results):
    """Sum a broadcast gradient back to its input's shape. One that no broadcasting could have
    made (a custom backward's mistake) is an error naming the op, not a .grad of the wrong shape."""
    if g.shape[1:] == shape:  # a bias added to every row: the common case, said shortly
        return g.sum(axis=0)
    if g.ndim < len(shape) or any(n != 1 and n != m for n, m in zip(shape[::-1], g.shape[::-1])):
        i = next(k for k, r in enumerate(results) if r is g)
        raise ValueError(f"{type(node).__name__}.backward returned a gradient of shape {g.shape} for "
                         f"input {i}, which has shape {shape}")
    return sum_to_shape(g, shape)


def _not_an_array(node, results):
    """The error for a custom backward that returned a list or a number as a gradient (it
    surfaces as an AttributeError on .shape), or None if the AttributeError is another one."""
    bad = [(i, r) for i, r in enumerate(results or ()) if r is not None and not hasattr(r, "shape")]
    if not bad:
        return None
    i, r = bad[0]
    return TypeError(f"{type(node).__name__}.backward returned a {type(r).__name__} as the "
                     f"gradient of input {i}; return an ndarray of the input's shape, or None")


# --- leaves' gradients -----------------------------------------------------------------------

def _accumulate(t, g, shared):
    """Add `g` into `t.grad`, in t's dtype. A first gradient that is an array someone else holds
    (`shared`) is copied, so that changing one `.grad` can never change another array."""
    if not t._requires_grad:  # turned off after the graph was recorded
        return
    if isinstance(g, Tensor):  # create_graph: the gradient is itself part of a graph
        g = _own(g, t._data.dtype)
        t.grad = g if t.grad is None else t.grad + g
        return
    dtype = t._data.dtype
    if g.dtype is not dtype and g.dtype != dtype:
        g = g.astype(dtype)
    elif t.grad is None and shared:
        g = g.copy()
    if t.grad is not None:
        g = t.grad._data + g
    t.grad = _wrap(g)


def _as_tensor(g):
    return g if isinstance(g, Tensor) else _wrap(g)


def _own(g, dtype):
    """A copy of gradient `g` in `dtype` (the input's): never an alias of the caller's array, of
    the upstream gradient or of another input's gradient, nor a read-only broadcast view. A Tensor
    (create_graph) stays in the graph: the copy is another output of the node that made it."""
    if isinstance(g, Tensor):
        t = _wrap(g._data.astype(dtype), g._node)
        t._requires_grad = g._requires_grad
        return t
    return array_module(g).array(g, dtype=dtype)

