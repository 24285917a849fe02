"""Backpropagation: walk the recorded graph from the outputs back to the leaves.

The walk is iterative (no recursion, so a million-node chain is fine): first count how many
consumers each node has, then hand each node its gradient once all of them have sent theirs.
"""
import gc

import numpy as np

from .function import Function, freed_message
from .tensor import Tensor, as_float_array, clock, state

_make = Tensor._make


def sum_to_shape(g, shape):
    """The one place where broadcasting is undone: sum `g` down to `shape`."""
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def backward(outputs, grads=None, retain_graph=None, create_graph=False):
    """`Tensor.backward` for one or more outputs: accumulates into the leaves' `.grad`."""
    _run(outputs, grads, retain_graph, create_graph, capture=None)


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
    capture = {(t._node or t): None for t in inputs}
    _run(outputs, grad_outputs, retain_graph, create_graph, capture)
    result = tuple(capture[t._node or t] for t in inputs)
    for t, g in zip(inputs, result):
        if g is None and not allow_unused:
            raise RuntimeError(f"autograd.grad: an input (shape {t.shape}) was not used to compute "
                               "the outputs; pass allow_unused=True to get None for it")
    return tuple(None if g is None else _as_tensor(_own(g, t.dtype)) for t, g in zip(inputs, result))


def _as_tensor(g):
    return g if isinstance(g, Tensor) else _make(g)


def _own(g, dtype):
    """A copy of gradient `g` in `dtype` (the input's): never an alias of the caller's array, of
    the upstream gradient or of another input's gradient, nor a read-only broadcast view. A Tensor
    (create_graph) stays in the graph: the copy is another output of the node that made it."""
    if isinstance(g, Tensor):
        t = _make(g._data.astype(dtype), g._node)
        t._requires_grad = g._requires_grad
        return t
    return np.array(g, dtype=dtype)


def _root_grad(t, g, create_graph):
    if g is None:
        if t._data.size != 1:
            raise RuntimeError(f"backward: grad can be implicit only for a one-element output; this "
                               f"output has shape {t.shape}, so pass grad= of that shape")
        g = np.ones_like(t._data)
    else:
        g = g._data if isinstance(g, Tensor) else as_float_array(g, "backward grad")
        if g.shape != t.shape:
            raise ValueError(f"backward: grad has shape {g.shape} but the output has shape {t.shape}")
        if g.dtype != t.dtype:
            g = g.astype(t.dtype)
    return Tensor._make(g) if create_graph else g


def _run(outputs, grads, retain_graph, create_graph, capture):
    if retain_graph is None:
        retain_graph = create_graph
    if grads is None:
        grads = [None] * len(outputs)
    if len(grads) != len(outputs):
        raise ValueError(f"backward: {len(grads)} gradients given for {len(outputs)} outputs")
    pending = {}  # node -> gradient summed so far
    leaves = []
    for t, g in zip(outputs, grads):
        if not t._requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no grad_fn; "
                               "did you forget requires_grad=True on an input, or run under no_grad()?")
        g = _root_grad(t, g, create_graph)
        if t._node is None:
            leaves.append((t, g))
        else:
            pending[t._node] = pending[t._node] + g if t._node in pending else g
    anomaly_on = state.anomaly
    prev, state.grad_enabled = state.grad_enabled, create_graph  # record the backward pass only for create_graph
    # Backward makes no reference cycles, so the cyclic GC has nothing to find here; left on,
    # it would walk every live object of a big graph again and again as gradients are allocated.
    gc_was_on = gc.isenabled()
    gc.disable()
    results = ()
    try:
        deps = _count_consumers(list(pending))
        ready = [n for n in pending if deps[n] == 0]
        for t, g in leaves:
            _deliver(t, g, g, capture)
        while ready:
            node = ready.pop()
            g = pending.pop(node, None)
            if g is None:  # each consumer's backward returned None for it: no gradient flows on
                results = (None,) * len(node._parents)
            else:
                if node._retained is not None and capture is None:  # autograd.grad touches no .grad
                    _retain(node, g)
                if capture is not None and node in capture:
                    capture[node] = g
                results = type(node).backward(node, g)
                if type(results) is not tuple:
                    results = (results,)
                needs = node.needs_input_grad
                if len(results) != len(needs):
                    raise TypeError(f"{type(node).__name__}.backward returned {len(results)} gradients "
                                    f"for {len(needs)} inputs")
                if anomaly_on:
                    anomaly.check_backward(node, g, results)
            for p, gi in zip(node._parents, results):
                if p is None:
                    continue
                if gi is None:  # the consumer is still counted off, or p would wait for it forever
                    if not isinstance(p, Tensor):
                        deps[p] -= 1
                        if not deps[p]:
                            ready.append(p)
                    continue
                if isinstance(p, Tensor):  # a leaf
                    if gi.shape != p._data.shape:
                        gi = _fit(gi, p._data.shape, node, results)
                    if capture is None:
                        _accumulate(p, gi, g)
                    else:
                        _deliver(p, gi, g, capture)
                    continue
                if gi.shape != p._shape:
                    gi = _fit(gi, p._shape, node, results)
                if p in pending:
                    pending[p] = pending[p] + gi
                else:
                    pending[p] = gi
                deps[p] -= 1
                if not deps[p]:
                    ready.append(p)
            if not retain_graph:  # free what the node saved and the intermediate tensors it held
                if node._saved:
                    node._saved = None
                # _parents (nodes and leaf tensors, no arrays) stays, as PyTorch's next_functions do:
                # a finished graph can still be drawn (autograd.viz), and a node that saved nothing
                # can be walked again.
                node._args = node._kwargs = None
    except AttributeError:
        # a custom backward returned something other than an array (a list, a Python number)
        bad = [(i, r) for i, r in enumerate(results) if r is not None and not hasattr(r, "shape")]
        if not bad:
            raise
        i, r = bad[0]
        raise TypeError(f"{type(node).__name__}.backward returned a {type(r).__name__} as the "
                        f"gradient of input {i}; return an ndarray of the input's shape, or None") from None
    finally:
        state.grad_enabled = prev
        if gc_was_on:
            gc.enable()


def _fit(g, shape, node, results):
    """Sum a broadcast gradient back to its input's shape. One that no broadcasting could have
    made (a custom backward's mistake) is an error naming the op, not a .grad of the wrong shape."""
    if g.ndim < len(shape) or any(n != 1 and n != m for n, m in zip(shape[::-1], g.shape[::-1])):
        i = next(k for k, r in enumerate(results) if r is g)
        raise ValueError(f"{type(node).__name__}.backward returned a gradient of shape {g.shape} for "
                         f"input {i}, which has shape {shape}")
    return sum_to_shape(g, shape)


def _count_consumers(roots):
    """How many nodes of the graph consume each node; also settles each node's `_parents`, where
    its input gradients go: the producing node, the leaf tensor itself, or None."""
    deps = dict.fromkeys(roots, 0)
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node._saved is None:
            raise RuntimeError(freed_message(node))
        if node._saved and (node._dirty or node._stamp != clock[0]):
            _check_versions(node)  # checked before any gradient moves: an error leaves every .grad as it was
        if node._args is not None:
            node._parents = tuple([((a._node or a) if isinstance(a, Tensor) else a) if need else None
                                   for a, need in zip(node._args, node.needs_input_grad)])
        for p in node._parents:
            if isinstance(p, Function):
                if p in deps:
                    deps[p] += 1
                else:
                    deps[p] = 1
                    stack.append(p)
    return deps


def _check_versions(node):
    name = type(node).__name__
    if node._dirty:
        raise RuntimeError(f"the output of {name} was modified in place after {name} saved it for "
                           "backward; gradients would be wrong. Write y = y * 2 (a new tensor) "
                           "instead of changing y.data")
    for a in node._args or ():
        if isinstance(a, Tensor) and a._owner()._version > node._stamp and any(a._data is s for s in node._saved):
            label = f"'{a.name}'" if a.name else "a tensor"
            if a._base is not None and a._base.name:
                label = f"{label} (a view of '{a._base.name}')"
            raise RuntimeError(f"{label} of shape {a.shape}, saved by {name} for backward, was "
                               "modified in place after it was saved and before backward; gradients "
                               "would be wrong. Call backward before changing it (e.g. before "
                               "optimizer.step()), or build a new tensor instead of changing .data")


def _retain(node, g):
    kept = node._retained()
    if kept is not None:
        _accumulate(kept, g, g)


def _deliver(leaf, g, upstream, capture):
    if capture is None:
        _accumulate(leaf, g, upstream)
    elif leaf in capture:
        capture[leaf] = g if capture[leaf] is None else capture[leaf] + g


def _accumulate(t, g, upstream):
    """Add `g` into `t.grad`. A gradient that is (a view of) an array someone else holds is
    copied first, so that changing one `.grad` can never change another array."""
    if not t._requires_grad:  # turned off after the graph was recorded
        return
    old = t.grad
    if isinstance(g, Tensor):  # create_graph: the gradient is itself part of a graph
        g = _own(g, t._data.dtype)
        t.grad = g if old is None else old + g
        return
    dtype = t._data.dtype
    if g.dtype is not dtype and g.dtype != dtype:
        g = g.astype(dtype)
    if old is None:
        if g is upstream or g.base is not None:
            g = g.copy()
        t.grad = _make(np.asarray(g))  # 0-d gradients come as NumPy scalars: kept as 0-d arrays
    else:
        t.grad = _make(np.asarray(old._data + g))


from . import anomaly  # noqa: E402
