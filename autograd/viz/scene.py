"""What a picture shows, apart from how it is laid out: boxes (tensors, constants, ops) with their
label lines, the edges between them, and for a recording the steps the player walks through.

Two builders: `from_tensors` walks a live graph (what `draw()` sees, freed values included) and
`record.Recorder` snapshots a recorded block (everything kept). `to_dot` writes either as DOT."""
import html

import numpy as np

from ..engine import toposort
from ..function import output_shape, recorded_call, retained_output
from ..tensor import Tensor

SYMBOLS = {"Add": "+", "Sub": "\u2212", "Mul": "\u00d7", "Div": "\u00f7", "Neg": "\u2212",
           "MatMul": "@", "Pow": "**"}
SMALL = 12  # arrays up to this size show their elements (abbreviated); larger ones a summary


class Box:
    """One node of the picture. kind: "leaf" (an input tensor, shaded), "tensor" (an op's
    result), "freed" (a result backward let go), "const" (a number or array an op took as it is)
    or "op". `lines` are (text, style) pairs, style one of name, meta, value, grad, note, symbol,
    opname."""
    __slots__ = ("id", "kind", "lines", "output")

    def __init__(self, id, kind, lines, output=False):
        self.id, self.kind, self.lines, self.output = id, kind, lines, output

    def text(self, style):
        return [t for t, s in self.lines if s == style]


class Step:
    """One op of a recording, for the player: its box, its input and output boxes, the names of
    its inputs (the op's forward arguments), their values, the gradient that reached its output
    and what its backward gave each input."""
    __slots__ = ("op", "name", "inputs", "output", "params", "values", "out", "dout", "dins", "formula")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


class Scene:
    def __init__(self):
        self.boxes, self.edges, self.notes, self.steps = [], [], [], []
        self._count = 0

    def add(self, kind, lines, output=False):
        self._count += 1
        box = Box(f"n{self._count}", kind, lines, output)
        self.boxes.append(box)
        return box.id

    def edge(self, src, dst):
        self.edges.append((src, dst))

    def depth(self):
        """The most ops on one path from an input to an output."""
        kind = {b.id: b.kind for b in self.boxes}
        into = {}
        for s, d in self.edges:
            into.setdefault(d, []).append(s)
        memo = {}
        for b in self.boxes:  # boxes are added outputs-last in recordings, but not in draw(): iterate
            stack = [b.id]
            while stack:
                n = stack[-1]
                todo = [s for s in into.get(n, ()) if s not in memo]
                if todo:
                    stack.extend(todo)
                    continue
                stack.pop()
                memo[n] = max((memo[s] for s in into.get(n, ())), default=0) + (kind[n] == "op")
        return max(memo.values(), default=0)


# --- lines of a label --------------------------------------------------------------------------

def tensor_lines(name, array, values=True, grad=None):
    lines = [] if name is None else [(name, "name")]
    lines.append((f"{array.dtype} {array.shape}", "meta"))
    if values:
        lines.extend((row, "value") for row in format_array(array).split("\n"))
    if grad is not None:
        lines.extend((row, "grad") for row in grad_lines(grad))
    return lines


def grad_lines(g):
    return ("grad " + format_array(g)).split("\n")


def op_lines(kind, kwargs):
    extra = [(f"{k}={short(v)}", "meta") for k, v in (kwargs or {}).items() if v is not None and v is not False]
    if kind in SYMBOLS and not extra:
        return [(SYMBOLS[kind], "symbol"), (kind, "opname")]
    return [(kind, "op")] + extra


def format_array(a):
    """A scalar in full (the digits the book prints); a small array abbreviated, one line per row;
    a large one as mean, min and max. (By hand: np.array2string is too slow for big graphs.)"""
    a = np.asarray(a)
    if a.ndim == 0:
        return repr(a.item()) if a.dtype.kind == "f" else str(a[()])
    if a.size == 0:
        return "[]"
    if a.size > SMALL:
        return f"mean {a.mean():.2g}\nmin {a.min():.2g}, max {a.max():.2g}"
    rows = [", ".join(_abbreviate([f"{v:.3g}" for v in row], 2))
            for row in a.reshape(-1, a.shape[-1]).tolist()]
    return "\n".join(f"[{row}]" for row in _abbreviate(rows))


def number(a):
    """A value inside a formula: a number in a few digits, an array by its shape."""
    a = np.asarray(a)
    if a.size == 1:
        return f"{a.item():.6g}"
    return format_array(a).replace("\n", " ") if a.size <= 6 else "(" + "\u00d7".join(map(str, a.shape)) + ")"


def _abbreviate(items, keep=3):
    return items if len(items) <= 2 * keep else items[:keep] + ["\u2026"] + items[-keep:]


def short(v):
    """A constant or an op's keyword argument, in a few characters."""
    if isinstance(v, (np.ndarray, np.generic, list)):
        a = np.asarray(v)
        return format_array(a) if a.size <= 8 else f"{a.dtype} {a.shape}"
    text = repr(v)
    return text if len(text) <= 40 else type(v).__name__


def constant_lines(value, name):
    a = np.asarray(value)
    lines = [(name, "name")] if name else []
    if a.ndim:
        lines.append((f"{a.dtype} {a.shape}", "meta"))
        lines.extend((row, "value") for row in format_array(a).split("\n"))
    else:
        lines.append((short(value), "value"))
    return lines


def role(node, i, value):
    """What a constant argument is, for its label: the labels of a loss, an input array, a number."""
    if type(node).__name__ == "CrossEntropy" and i == 1:
        return "labels"
    return "input (no grad)" if np.ndim(value) else "constant"


# --- a live graph, as draw() sees it ------------------------------------------------------------

def from_tensors(tensors, values=True, grads=True):
    """The scene of the graph that produced `tensors`, as it is now: after a plain backward the
    values in between are freed (dashed boxes with their shape) and inputs that needed no
    gradient are gone; `viz.record()` keeps everything."""
    scene = Scene()
    nodes = toposort([t.grad_fn for t in tensors if t.grad_fn is not None])
    produced = {}  # a node does not know its output: find it among the tensors that are still held
    for t in tensors:
        if t.grad_fn is not None:
            produced.setdefault(t.grad_fn, t)
    for node in nodes:
        call = recorded_call(node)
        for a in call[0] if call else ():
            if isinstance(a, Tensor) and a.grad_fn is not None:
                produced.setdefault(a.grad_fn, a)
        if retained_output(node) is not None:
            produced.setdefault(node, retained_output(node))
    ids = {}

    def tensor(t, output=False):
        key = ("tensor", id(t))
        if key not in ids:
            g = t.grad._data if grads and t.grad is not None else None
            kind = "leaf" if t.grad_fn is None else "tensor"
            ids[key] = scene.add(kind, tensor_lines(t.name, t._data, values, g), output)
        return ids[key]

    def result(node):
        if node in produced:
            return tensor(produced[node])
        key = ("freed", id(node))
        if key not in ids:
            shape = output_shape(node)
            ids[key] = scene.add("freed", [("" if shape is None else str(shape), "meta"), ("freed", "note")])
        return ids[key]

    for t in tensors:
        tensor(t, output=True)
    freed = False
    for node in nodes:
        call = recorded_call(node)
        op = scene.add("op", op_lines(type(node).__name__, call and call[1]))
        scene.edge(op, result(node))
        if call is None:  # after backward: the links to parent nodes and leaves are left
            freed = True
            for p in node.inputs:
                if isinstance(p, Tensor):
                    src = tensor(p)
                elif p is None:
                    src = scene.add("const", [("input or constant", "note"), ("freed by backward", "note")])
                else:
                    src = result(p)
                scene.edge(src, op)
            continue
        for i, a in enumerate(call[0]):
            if isinstance(a, Tensor):
                scene.edge(tensor(a) if a.grad_fn is None else result(a.grad_fn), op)
            else:
                scene.edge(scene.add("const", constant_lines(a, role(node, i, a))), op)
    if any(b.text("grad") for b in scene.boxes):
        named = len(tensors) == 1 and tensors[0].name is not None
        scene.notes.append((f"grad: d{tensors[0].name if named else '(output)'}/d(tensor), left by backward()", "grad"))
    if freed:
        scene.notes.append(("Dashed boxes: values freed by backward(). Draw inside "
                            "`with viz.record():` to keep them.", "note"))
    return scene


# --- DOT ------------------------------------------------------------------------------------------

_STYLE = {"name": "<b>{}</b>", "meta": '<font point-size="9" color="gray40">{}</font>', "value": "{}",
          "grad": '<font color="red">{}</font>', "note": '<font color="gray50">{}</font>',
          "symbol": '<font point-size="16">{}</font>', "opname": '<font point-size="8">{}</font>', "op": "{}"}
_SHAPE = {"leaf": 'shape=box, style="rounded,filled", fillcolor="#e8f0fe"', "tensor": 'shape=box, style="rounded"',
          "freed": 'shape=box, style="rounded,dashed", color=gray50',
          "const": 'shape=box, style="dashed", color=gray50, fontcolor=gray30'}


def dot_label(lines):
    return "<br/>".join(_STYLE[s].format(escape(t)) for t, s in lines)


def to_dot(scene, rankdir):
    out = ["digraph autograd {", f"  rankdir={rankdir};", '  fontname="Helvetica";', "  nodesep=0.15;",
           '  node [fontname="Helvetica", fontsize=10];', '  edge [color="gray30", arrowsize=0.7];']
    for b in scene.boxes:
        if b.kind == "op":
            shape = "circle" if b.lines[0][1] == "symbol" else "ellipse"
            out.append(f"  {b.id} [shape={shape}, margin=0.02, label=<{dot_label(b.lines)}>];")
        else:
            pen = ", penwidth=2" if b.output else ""
            out.append(f"  {b.id} [{_SHAPE[b.kind]}{pen}, label=<{dot_label(b.lines)}>];")
    fed = {d for _, d in scene.edges}
    # the path from op to op is heavy: dot keeps it straight and puts the inputs beside it
    out.extend(f"  {s} -> {d}{' [weight=8]' if s in fed else ''};" for s, d in scene.edges)
    if scene.notes:
        out.append(f'  label=<{dot_label(scene.notes)}>; labelloc=b; fontsize=10;')
    return "\n".join(out + ["}", ""])


def escape(text):
    """Text for a Graphviz HTML-like label: markup characters escaped, newlines as line breaks."""
    return html.escape(str(text)).replace("\n", "<br/>")
