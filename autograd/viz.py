"""Draw a recorded graph the way the textbook draws the apple & orange shopping graph.

    from autograd import viz
    price.backward()
    viz.draw(price)                      # in a notebook: the picture, inline (SVG)
    viz.draw(price).save("price.svg")    # or .png, .pdf through Graphviz's `dot`; .dot for the text
    print(viz.to_dot(price))             # Graphviz DOT text; needs nothing installed

Tensors are boxes holding the name, dtype and shape, the forward value and, once backward has
run, the gradient in red ("grad=..."). Ops are circles (+, ×, ...) or ellipses (ReLU, Sum, ...);
arrows run forward, from inputs to outputs. Numbers and arrays an op took as constants are grey
dashed boxes. A backward frees the values between the leaves (unless `retain_graph=True`) but
not the graph's links: drawn afterwards, the graph keeps its shape, every leaf its value and
gradient, and each freed intermediate is a dashed box with its shape (with its value and
gradient too where the tensor is still held and `retain_grad()` was called on it, or after
`retain_grads(output)` before backward, which does that for every intermediate).

Rendering needs Graphviz's `dot` program, through the `graphviz` Python package where it is
installed; without `dot` a notebook shows the DOT text instead of the picture.

Big graphs are drawn whole, never summarised: `to_dot` is one linear pass with cheap formatting
(a chain of 10,000 ops, 20,000 DOT nodes with values and gradients, takes about 0.1 s). Laying
out a graph that size is slow in `dot` itself (tens of seconds or more), not here.
"""
import html
import shutil
import subprocess
from pathlib import Path

import numpy as np

from .engine import toposort
from .tensor import Tensor

SYMBOLS = {"Add": "+", "Sub": "\u2212", "Mul": "\u00d7", "Div": "\u00f7", "Neg": "\u2212",
           "MatMul": "@", "Pow": "**"}
SMALL = 64  # arrays up to this size show their elements (abbreviated); larger ones a summary
FORMATS = ("svg", "png", "pdf")  # drawn by dot; .dot and .gv paths get the DOT text itself

INSTALL_HELP = ("Graphviz's `dot` program was not found on PATH; it is needed to render the graph "
                "as a picture. Install it with `apt-get install graphviz` (Debian/Ubuntu), "
                "`brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`. "
                "viz.to_dot() still works without it and returns the DOT text, and saving to a "
                ".dot path writes that text.")


def draw(*tensors, values=True, grads=True, rankdir="LR"):
    """The graph that produced `tensors`, as a Graph: shown inline by a notebook, written to a
    file by `.save(path)`. values/grads: show forward values / gradients. rankdir: "LR" draws
    left to right as the textbook does, "TB" top to bottom."""
    return Graph(to_dot(*tensors, values=values, grads=grads, rankdir=rankdir))


class Graph:
    """A drawn graph; `source` is its DOT text (also what `str()` gives).

    Jupyter shows it inline as SVG (rendered by Graphviz's `dot`), or as the DOT text where
    `dot` is not installed. `save(path)` writes .svg, .png or .pdf, or .dot / .gv for the text."""

    def __init__(self, source):
        self.source = source

    def __str__(self):
        return self.source

    def __repr__(self):
        return (f"<autograd.viz.Graph, {self.source.count(' -> ')} edges: print() it for the DOT "
                "text, .save(path) for .svg/.png/.pdf/.dot>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        if shutil.which("dot") is None:
            note = "// Graphviz's dot was not found, so here is the DOT text; install Graphviz to see the picture\n"
            return {"text/plain": note + self.source}
        return {"image/svg+xml": self.pipe("svg").decode("utf-8"), "text/plain": repr(self)}

    def pipe(self, format="svg"):
        """The picture as bytes in `format` (svg, png or pdf), drawn by Graphviz's `dot`."""
        if format not in FORMATS:
            raise ValueError(f"Graph.pipe: format must be one of {', '.join(FORMATS)}; got {format!r}")
        if shutil.which("dot") is None:
            raise RuntimeError(INSTALL_HELP)
        try:
            import graphviz
        except ImportError:
            graphviz = None
        try:
            if graphviz is not None:
                return graphviz.Source(self.source).pipe(format=format)
            return subprocess.run(["dot", f"-T{format}"], input=self.source.encode("utf-8"),
                                  capture_output=True, check=True).stdout
        except subprocess.CalledProcessError as e:  # graphviz's error class derives from it
            stderr = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr
            raise RuntimeError(f"Graphviz's dot failed to draw the graph as {format}: "
                               f"{(stderr or '').strip()}") from None

    def save(self, path):
        """Write the graph to `path`: .svg, .png or .pdf drawn by `dot`, .dot or .gv as DOT text.
        Returns the path. Nothing is written when the picture cannot be made."""
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in FORMATS + ("dot", "gv"):
            raise ValueError(f"cannot tell the format from {str(path)!r}; "
                             "use a .svg, .png, .pdf, .dot or .gv path")
        if not path.parent.is_dir():
            raise FileNotFoundError(f"cannot save the graph to {str(path)!r}: the folder "
                                    f"{str(path.parent)!r} does not exist")
        data = self.source.encode("utf-8") if fmt in ("dot", "gv") else self.pipe(fmt)
        path.write_bytes(data)
        return path


def to_dot(*tensors, values=True, grads=True, rankdir="LR"):
    """DOT text for the graph that produced `tensors` (options as for draw())."""
    if rankdir not in ("LR", "TB"):
        raise ValueError(f'rankdir must be "LR" or "TB", got {rankdir!r}')
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"viz takes Tensors, got {type(t).__name__}")
    nodes = _nodes(tensors)
    # A node does not know its output tensor: find it among the outputs, the tensors its
    # consumers hold until backward, and the ones kept by retain_grad().
    produced = {}
    for t in tensors:
        if t.grad_fn is not None:
            produced.setdefault(t.grad_fn, t)
    for node in nodes:
        for a in _arguments(node) or ():
            if isinstance(a, Tensor) and a.grad_fn is not None:
                produced.setdefault(a.grad_fn, a)
        retained = getattr(node, "_retained", None)
        if retained is not None and retained() is not None:
            produced.setdefault(node, retained())

    dot = _Dot(values, grads)
    for t in tensors:
        dot.tensor(t, output=True)

    def result(node):  # the box of what `node` computed
        return dot.tensor(produced[node]) if node in produced else dot.freed(node)

    freed = False
    for node in nodes:
        op = dot.op(node)
        dot.edge(op, result(node))
        args = _arguments(node)
        if args is None:  # after backward: the links to parent nodes and leaves are left
            freed = True
            for p in node.inputs:
                src = dot.tensor(p) if isinstance(p, Tensor) else dot.no_grad() if p is None else result(p)
                dot.edge(src, op)
            continue
        for a in args:
            if not isinstance(a, Tensor):
                dot.edge(dot.constant(a), op)
            else:
                dot.edge(dot.tensor(a) if a.grad_fn is None else result(a.grad_fn), op)

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
        notes.append("Dashed boxes: values freed by backward(). "
                     "Call backward(retain_graph=True) to draw them too.")
    if notes:
        head.append(f'  label=<{"<br/>".join(notes)}>; labelloc=b; fontsize=10;')
    return "\n".join(head + dot.lines + ["}", ""])


def retain_grads(*tensors):
    """Make every non-leaf tensor of the graph keep its `.grad` after backward, so that the
    picture shows every derivative. Call it before backward."""
    for t in tensors:
        t.retain_grad()
    for node in _nodes(tensors):
        for a in _arguments(node) or ():
            if isinstance(a, Tensor):
                a.retain_grad()


def render(tensors, path, **options):
    """Draw the graph of `tensors` (a Tensor or a list of them) into `path` (see Graph.save).
    `options` go to draw(). Returns the path."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    return draw(*tensors, **options).save(path)


def _arguments(node):
    """What the op was called with: kept until backward frees it (then None)."""
    return getattr(node, "_args", None)


def _nodes(tensors):
    """Every op node reachable from `tensors`, outputs first (the engine's one graph walk)."""
    return toposort([t.grad_fn for t in tensors if t.grad_fn is not None])


class _Dot:
    """Collects the DOT lines. Each method writes a node once and returns its DOT id."""

    def __init__(self, values, grads):
        self.values, self.grads = values, grads
        self.lines, self.ids = [], {}
        self.count = 0
        self.shown_grad = False

    def name_of(self, key=None):
        """The DOT id for `key` (what it draws: a tensor, an op, a freed result); with no key,
        a fresh id."""
        if key is not None and key in self.ids:
            return self.ids[key]
        self.count += 1
        name = f"n{self.count}"
        if key is not None:
            self.ids[key] = name
        return name

    def edge(self, src, dst):
        self.lines.append(f"  {src} -> {dst};")

    def tensor(self, t, output=False):
        key = ("tensor", id(t))
        if key in self.ids:
            return self.ids[key]
        rows = [] if t.name is None else [f"<b>{_escape(t.name)}</b>"]
        rows.append(f'<font point-size="9" color="gray40">{t.dtype} {t.shape}</font>')
        if self.values:
            rows.append(_escape(_format(t._data)))
        if self.grads and t.grad is not None:
            rows.append(f'<font color="red">grad={_escape(_format(t.grad._data))}</font>')
            self.shown_grad = True
        style = 'style="rounded"'
        if t.grad_fn is None:  # leaves shaded, as the inputs of the picture
            style = 'style="rounded,filled", fillcolor="#e8f0fe"'
        if output:
            style += ", penwidth=2"
        name = self.name_of(key)
        self.lines.append(f'  {name} [shape=box, {style}, label=<{"<br/>".join(rows)}>];')
        return name

    def op(self, node):
        kind = type(node).__name__
        args = "".join(f"<br/>{_escape(k)}={_escape(_short(v))}"
                       for k, v in (getattr(node, "_kwargs", None) or {}).items()
                       if v is not None and v is not False)
        if kind in SYMBOLS and not args:
            label = (f'<font point-size="16">{SYMBOLS[kind]}</font><br/>'
                     f'<font point-size="8">{kind}</font>')
            shape = "circle"
        else:
            label, shape = f"{kind}{args}", "ellipse"
        name = self.name_of(("op", id(node)))
        self.lines.append(f'  {name} [shape={shape}, margin=0.02, label=<{label}>];')
        return name

    def freed(self, node):
        """The result of `node` once backward has freed it: its shape, no value."""
        key = ("freed", id(node))
        if key in self.ids:
            return self.ids[key]
        shape = getattr(node, "_shape", None)
        rows = [f'<font point-size="9" color="gray40">{"" if shape is None else shape}</font>']
        if self.values:
            rows.append('<font color="gray50">freed</font>')
        name = self.name_of(key)
        self.lines.append(f'  {name} [shape=box, style="rounded,dashed", color=gray50, '
                          f'label=<{"<br/>".join(rows)}>];')
        return name

    def no_grad(self):
        """An input that needed no gradient, after backward freed it (a constant, a batch)."""
        name = self.name_of()
        self.lines.append(f'  {name} [shape=box, style=dashed, color=gray50, fontcolor=gray50, '
                          'fontsize=9, label="no grad"];')
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
