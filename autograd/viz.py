"""Draw a recorded graph the way the textbook draws the apple & orange shopping graph.

    from autograd import viz
    viz.retain_grads(price)              # before backward: every intermediate keeps its .grad
    price.backward(retain_graph=True)    # keep the graph, so it can still be drawn afterwards
    print(viz.to_dot(price))             # Graphviz DOT text; needs nothing installed
    viz.render(price, "price.svg")       # runs Graphviz's `dot` program: .svg, .png or .pdf

Tensors are boxes holding the name, dtype and shape, the forward value and, once backward has
run, the gradient in red ("grad=..."). Ops are circles (+, ×, ...) or ellipses (ReLU, Sum, ...);
arrows run forward, from inputs to outputs. Numbers and arrays an op took as constants are grey
dashed boxes. A backward without `retain_graph=True` frees the graph it walked: what is left is
drawn, with a note saying so.

Big graphs are drawn whole, never summarised: `to_dot` is one linear pass with cheap formatting
(a chain of 10,000 ops, 20,000 DOT nodes with values and gradients, takes about 0.1 s). Laying
out a graph that size is slow in `dot` itself (tens of seconds or more), not here.
"""
import html
import shutil
import subprocess
from pathlib import Path

import numpy as np

from .function import Function
from .tensor import Tensor

SYMBOLS = {"Add": "+", "Sub": "\u2212", "Mul": "\u00d7", "Div": "\u00f7", "Neg": "\u2212",
           "MatMul": "@", "Pow": "**"}
SMALL = 64  # arrays up to this size show their elements (abbreviated); larger ones a summary

INSTALL_HELP = ("Graphviz's `dot` program was not found on PATH; it is needed to render the graph "
                "as a picture. Install it with `apt-get install graphviz` (Debian/Ubuntu), "
                "`brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`. "
                "viz.to_dot() still works without it and returns the DOT text, and render() to a "
                ".dot path writes that text.")


def to_dot(*tensors, values=True, grads=True, rankdir="LR"):
    """DOT text for the graph that produced `tensors`.

    values/grads: show forward values / gradients. rankdir: "LR" draws left to right as the
    textbook does, "TB" top to bottom.
    """
    if rankdir not in ("LR", "TB"):
        raise ValueError(f'rankdir must be "LR" or "TB", got {rankdir!r}')
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"to_dot takes Tensors, got {type(t).__name__}")
    nodes = _nodes(tensors)
    # A node does not know its output tensor: find it among the outputs and its consumers' args.
    produced = {t._node: t for t in tensors if t._node is not None}
    for node in nodes:
        for a in node._args or ():
            if isinstance(a, Tensor) and a._node is not None:
                produced.setdefault(a._node, a)

    dot = _Dot(values, grads)
    for t in tensors:
        dot.tensor(t, output=True)
    freed = False
    for node in nodes:
        op = dot.op(node)
        if node in produced:
            dot.edge(op, dot.tensor(produced[node]))
        if node._args is None:
            freed = True
            for p in node.inputs:
                if isinstance(p, Tensor):
                    dot.edge(dot.tensor(p), op)
                elif p is not None:
                    dot.edge(dot.tensor(produced[p]) if p in produced else dot.name_of(p), op)
            continue
        for a in node._args:
            if not isinstance(a, Tensor):
                dot.edge(dot.constant(a), op)
            else:
                dot.edge(dot.tensor(a if a._node is None else produced[a._node]), op)

    head = ["digraph autograd {", f"  rankdir={rankdir};",
            '  fontname="Helvetica";',
            '  node [fontname="Helvetica", fontsize=11];',
            '  edge [color="gray30", arrowsize=0.7];']
    notes = []
    if dot.shown_grad:
        named = len(tensors) == 1 and tensors[0].name is not None
        out = _escape(f"d{tensors[0].name}" if named else "d(output)")
        notes.append(f'<font color="red">grad=</font> {out}/d(tensor), left by backward()')
    if freed:
        notes.append("Parts of this graph were freed by backward(). "
                     "Call backward(retain_graph=True) to draw all of it.")
    if notes:
        head.append(f'  label=<{"<br/>".join(notes)}>; labelloc=b; fontsize=10;')
    return "\n".join(head + dot.lines + ["}", ""])


def retain_grads(*tensors):
    """Make every non-leaf tensor of the graph keep its `.grad` after backward, so that the
    picture shows every derivative. Call it before backward."""
    for t in tensors:
        t.retain_grad()
    for node in _nodes(tensors):
        for a in node._args or ():
            if isinstance(a, Tensor):
                a.retain_grad()


def render(tensors, path, **options):
    """Draw the graph of `tensors` (a Tensor or a list of them) into `path`: .svg, .png or .pdf
    through Graphviz's `dot` program, or .dot / .gv for the DOT text itself.
    `options` go to to_dot(). Returns the path."""
    path = Path(path)
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    text = to_dot(*tensors, **options)
    fmt = path.suffix.lower().lstrip(".")
    if fmt in ("dot", "gv"):
        path.write_text(text, encoding="utf-8")
        return path
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"render: cannot tell the format from {str(path)!r}; "
                         "use a .svg, .png, .pdf, .dot or .gv path")
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError(INSTALL_HELP)
    done = subprocess.run([exe, f"-T{fmt}", "-o", str(path)], input=text.encode("utf-8"),
                          capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed to render {str(path)!r}: "
                           f"{done.stderr.decode(errors='replace').strip()}")
    return path


def _nodes(tensors):
    """Every op node reachable from `tensors`, outputs first; iterative, so deep graphs are fine."""
    stack = [t._node for t in tensors if t._node is not None]
    seen, order = set(), []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        if node._args is not None:
            stack.extend(a._node for a in node._args
                         if isinstance(a, Tensor) and a._node is not None)
        else:  # freed by backward: only the links to the parent nodes may be left
            stack.extend(p for p in node.inputs if isinstance(p, Function))
    return order


class _Dot:
    """Collects the DOT lines. Each method writes a node once and returns its DOT id."""

    def __init__(self, values, grads):
        self.values, self.grads = values, grads
        self.lines, self.ids = [], {}
        self.count = 0
        self.shown_grad = False

    def name_of(self, obj=None):
        """The id of `obj` (a tensor or a node); with no object, a fresh id."""
        if obj is not None and id(obj) in self.ids:
            return self.ids[id(obj)]
        self.count += 1
        name = f"n{self.count}"
        if obj is not None:
            self.ids[id(obj)] = name
        return name

    def edge(self, src, dst):
        self.lines.append(f"  {src} -> {dst};")

    def tensor(self, t, output=False):
        if id(t) in self.ids:
            return self.ids[id(t)]
        rows = [] if t.name is None else [f"<b>{_escape(t.name)}</b>"]
        rows.append(f'<font point-size="9" color="gray40">{t.dtype} {t.shape}</font>')
        if self.values:
            rows.append(_escape(_format(t._data)))
        if self.grads and t.grad is not None:
            rows.append(f'<font color="red">grad={_escape(_format(t.grad._data))}</font>')
            self.shown_grad = True
        style = 'style="rounded"'
        if t._node is None:  # leaves shaded, as the inputs of the picture
            style = 'style="rounded,filled", fillcolor="#e8f0fe"'
        if output:
            style += ", penwidth=2"
        name = self.name_of(t)
        self.lines.append(f'  {name} [shape=box, {style}, label=<{"<br/>".join(rows)}>];')
        return name

    def op(self, node):
        kind = type(node).__name__
        args = "".join(f"<br/>{_escape(k)}={_escape(_short(v))}"
                       for k, v in (node._kwargs or {}).items() if v is not None and v is not False)
        if kind in SYMBOLS and not args:
            label = (f'<font point-size="16">{SYMBOLS[kind]}</font><br/>'
                     f'<font point-size="8">{kind}</font>')
            shape = "circle"
        else:
            label, shape = f"{kind}{args}", "ellipse"
        name = self.name_of(node)
        self.lines.append(f'  {name} [shape={shape}, margin=0.02, label=<{label}>];')
        return name

    def constant(self, value):
        name = self.name_of()  # every use of a constant is a node of its own
        self.lines.append(f'  {name} [shape=box, style=dashed, color=gray50, fontcolor=gray30, '
                          f'label=<{_escape(_short(value))}>];')
        return name


def _format(a):
    """A scalar in full; a small array abbreviated, one line per row; a large one summarised.
    (Written by hand: np.array2string is too slow for graphs of thousands of tensors.)"""
    a = np.asarray(a)
    if a.ndim == 0:
        return str(a[()])
    if a.size == 0:
        return "[]"
    if a.size > SMALL:
        return f"mean={a.mean():.4g} min={a.min():.4g} max={a.max():.4g}"
    rows = [", ".join(_abbreviate([f"{v:.4g}" for v in row]))
            for row in a.reshape(-1, a.shape[-1]).tolist()]
    return "\n".join(f"[{row}]" for row in _abbreviate(rows))


def _abbreviate(items, keep=3):
    return items if len(items) <= 2 * keep else items[:keep] + ["\u2026"] + items[-keep:]


def _short(v):
    """A constant or an op's keyword argument, in a few characters."""
    if isinstance(v, (np.ndarray, np.generic, list)):
        a = np.asarray(v)
        return _format(a) if a.size <= 8 else f"{a.dtype} {a.shape}"
    text = repr(v)
    return text if len(text) <= 40 else type(v).__name__


def _escape(text):
    """Text for a Graphviz HTML-like label: markup characters escaped, newlines as line breaks."""
    return html.escape(str(text)).replace("\n", "<br/>")
