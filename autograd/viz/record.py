"""`with viz.record() as g:` keeps every op recorded inside the block, its values and every
gradient, and when the block ends turns them into a picture (`g`) and the player's steps.

The engine's hooks are small: `Function.apply` hands each node it makes to the recorder of this
thread (`state.recorder`), a backward run inside the block keeps the graph (as retain_graph=True),
and the book's layers pass the gradient reaching each of their nodes through
the one backward (`engine.backprop`), which shows it the gradient reaching each node they ask for. The recorder keeps each node's output and asks the engine to keep its
gradient as `retain_grad()` does. At the end of the block each node's backward is run once more
at the gradient that reached it (the same vjp the engine ran) to get what it gave each input, for
the player's formulas. Nothing outside the block changes."""
import sys

import numpy as np

from ..engine import sum_to_shape
from ..function import has_saved, recorded_call
from ..tensor import Tensor, no_grad, state
from .scene import Scene, Step, constant_lines, op_lines, role, tensor_lines

_NUMBERS = (int, float, np.integer, np.floating)


class Recorder:
    def __init__(self):
        self.nodes = []          # (node, output tensor), in the order forward made them
        self.arrived = {}        # node -> the gradient the book's layer handed its backward
        self.leaf_grads = {}     # id(leaf) -> (leaf, its .grad when first seen)

    def add(self, node, out):
        self.nodes.append((node, out))
        try:
            out.retain_grad()  # the engine keeps its gradient
        except AttributeError:  # a Function with __slots__ of its own: drawn without its gradient
            pass
        for a in recorded_call(node)[0]:
            if isinstance(a, Tensor) and a._node is None and id(a) not in self.leaf_grads:
                self.leaf_grads[id(a)] = (a, a.grad)

    def arrive(self, node, g):
        self.arrived[node] = np.array(g)


class record:
    """Record the ops run inside the block; the `Graph` it gives is drawn when the block ends."""

    def __enter__(self):
        from . import Graph
        self._recorder, self._prev = Recorder(), state.recorder
        state.recorder = self._recorder
        self.graph = Graph(None)
        return self.graph

    def __exit__(self, *exc):
        state.recorder = self._prev
        if exc[0] is None:
            frame = sys._getframe(1)
            self.graph._scene = snapshot(self._recorder, frame.f_locals)
        else:
            self.graph._failed = exc[0].__name__
        return False


def snapshot(rec, scope):
    """The scene of a recording, every value and gradient as they are at the end of the block."""
    names = Names(scope)
    scene = Scene()
    outputs = {id(t): (node, t) for node, t in rec.nodes}
    by_memory = {}  # a book layer's array output, taken by the next layer (maybe reshaped)
    for _, t in rec.nodes:
        by_memory.setdefault(_memory(t._data), t)
    grads = {}   # id(tensor) -> its gradient
    for node, t in rec.nodes:
        g = t.grad._data if t.grad is not None else rec.arrived.get(node)
        if g is not None:
            grads[id(t)] = g
    steps = []
    for node, t in rec.nodes:
        dout = grads.get(id(t))
        dins = _vjp(node, dout) if dout is not None else None
        steps.append((node, t, dout, dins))
    # leaves: the .grad backward left where it had none before the block; else (a gradient
    # from before, or the book's layers, which fill no .grad) what the block's ops gave them
    sums = {}
    for node, t, dout, dins in steps:
        for a, d in zip(recorded_call(node)[0], dins or ()):
            if isinstance(a, Tensor) and a._node is None and d is not None:
                sums[id(a)] = sums[id(a)] + d if id(a) in sums else d
    layer_sums = {}
    for leaf, before in rec.leaf_grads.values():
        if before is None and leaf.grad is not None:
            grads[id(leaf)] = leaf.grad._data
        elif id(leaf) in sums:
            grads[id(leaf)] = sums[id(leaf)]
            if leaf.grad is None:
                layer_sums[id(leaf)] = sums[id(leaf)]

    # a number a book layer returned and the next one took: one box (by value, where unique)
    scalars = {}
    for _, t in rec.nodes:
        if t._data.size == 1:
            scalars.setdefault((t._data.item(), t.dtype), []).append(t)
    order = {id(t): i for i, (_, t) in enumerate(rec.nodes)}

    def source(a, i_consumer):
        """The recorded output a leaf stands for, or None."""
        if a._node is not None or id(a) in grads and id(a) not in layer_sums:
            return None
        t = by_memory.get(_memory(a._data)) if a._data.ndim else None
        if t is None and a._data.size == 1 and a.name is None:
            same = [s for s in scalars.get((a._data.item(), a.dtype), ()) if order[id(s)] < i_consumer]
            t = same[0] if len(same) == 1 else None
        return t

    ids = {}
    layer_made = set()

    def box(t, kind):
        if id(t) not in ids:
            name = t.name or names.of(t, by_value=id(t) in layer_made) or ("input" if kind == "leaf" else None)
            ids[id(t)] = scene.add(kind, tensor_lines(name, t._data, True, grads.get(id(t))))
        return ids[id(t)]

    for i, (node, t, dout, dins) in enumerate(steps):
        if node in rec.arrived or t.grad is None:
            layer_made.add(id(t))
        inputs = []
        args, kwargs = recorded_call(node)
        for j, a in enumerate(args):
            if isinstance(a, Tensor):
                src = source(a, i)
                if src is not None:
                    ids[id(a)] = box(src, "tensor")
                elif a._node is None:
                    if id(a) in layer_sums or a.grad is None:
                        layer_made.add(id(a))
                    box(a, "leaf")
                inputs.append(ids.get(id(a)) or box(a, "tensor" if id(a) in outputs else "leaf"))
            else:
                inputs.append(scene.add("const", constant_lines(a, names.of(a) or role(node, j, a))))
        op = scene.add("op", op_lines(type(node).__name__, kwargs))
        for src in inputs:
            scene.edge(src, op)
        out = box(t, "tensor")
        scene.edge(op, out)
        steps[i] = Step(op=op, name=type(node).__name__, inputs=inputs, output=out,
                        params=_params(type(node), len(args)),
                        values=[a._data if isinstance(a, Tensor) else a for a in args],
                        out=t._data, dout=dout, dins=dins, formula=getattr(type(node), "formula", None))
    consumed = {s for s, _ in scene.edges}
    for b in scene.boxes:
        b.output = b.kind == "tensor" and b.id not in consumed
    scene.steps = steps
    return scene


def _vjp(node, dout):
    """What the node's backward gives each input at `dout`, summed to the input's shape (None
    where the node saved nothing any more or an input needs no gradient)."""
    if not has_saved(node):
        return None
    try:
        with no_grad():
            dins = type(node).backward(node, dout)
    except Exception:  # a user's backward that cannot run twice: the picture keeps its gradients
        return None
    if type(dins) is not tuple:
        dins = (dins,)
    out = []
    for a, d, need in zip(recorded_call(node)[0], dins, node.needs_input_grad):
        if d is None or not need:
            out.append(None)
            continue
        d = np.asarray(d._data if isinstance(d, Tensor) else d)
        out.append(sum_to_shape(d, np.shape(a._data)) if d.shape != np.shape(a._data) else d)
    return out


def _params(cls, n):
    """The names of an op's inputs: its forward's parameters after ctx (x, y; x, W, b; ...)."""
    code = cls.forward.__code__
    names = list(code.co_varnames[1:code.co_argcount])
    if code.co_flags & 0x04:  # *args: x1, x2, ...
        names = [f"x{i + 1}" for i in range(n)]
    return (names + [f"x{i + 1}" for i in range(len(names), n)])[:n]


def _memory(a):
    """Where an array's elements start and how many: the same for its reshaped views."""
    return a.__array_interface__["data"][0], a.size


class Names:
    """The learner's variable names for what the block made: the object a variable holds, or
    for a number a book layer returned, the first variable holding that number."""

    def __init__(self, scope):
        self.by_id, self.by_memory, self.numbers, inner = {}, {}, [], []
        for name, v in list(scope.items()):
            if name.startswith("_"):
                continue
            if isinstance(v, (Tensor, np.ndarray)):
                self.by_id.setdefault(id(v), name)
                self.by_memory.setdefault(_memory(v._data if isinstance(v, Tensor) else v), name)
            elif isinstance(v, _NUMBERS) and not isinstance(v, bool):
                self.numbers.append((name, v))
            elif isinstance(v, dict):
                inner.append(v)
            elif not isinstance(v, type) and isinstance(getattr(v, "__dict__", None), dict):
                inner.extend(d for d in vars(v).values() if isinstance(d, dict))  # a network's params
        for d in inner:  # one level down: params["W1"] is named W1
            for key, v in list(d.items()):
                if isinstance(key, str) and isinstance(v, (Tensor, np.ndarray)):
                    self.by_id.setdefault(id(v), key)

    def of(self, obj, by_value=False):
        name = self.by_id.get(id(obj))
        data = obj._data if isinstance(obj, Tensor) else obj
        if name is None and isinstance(data, np.ndarray):
            name = self.by_id.get(id(data)) or self.by_memory.get(_memory(data))  # x.reshape(N, -1)
        if name is None and by_value and isinstance(obj, Tensor) and obj._data.size == 1:
            value = obj._data.item()
            name = next((n for n, v in self.numbers if v == value), None)
        return name
