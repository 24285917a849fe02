"""See backprop: the graph with its values and gradients, as the book draws it, and a player that
walks the forward and the backward pass op by op.

    from autograd import viz
    with viz.record() as g:              # inside: every op keeps its values, every tensor its gradient
        apple_price = apple * apple_num
        ...
        price.backward()
    g                                    # in a notebook: the book's figure 5-17, inline (SVG)
    g.play()                             # the player, inline; g.play().save("backprop.html"): one page
    viz.draw(loss)                       # any graph as it is now (after a plain backward the
                                         # values in between are freed: dashed boxes)
    viz.draw(loss).save("loss.svg")      # or .png, .pdf (with a dot program); .dot for the text

Tensors are boxes holding the name (the tensor's, or in a recording the variable that holds it),
dtype and shape, the value and, in red, the gradient. Ops are circles (+, ×, ...) or ellipses
(ReLU, Sum, ...); arrows run forward. Inputs are shaded; numbers and arrays an op took as they
are (a batch, labels, constants) are dashed boxes saying which.

Pictures come from Graphviz's `dot` where it is on PATH, else from the `graphviz-pure` wheel's
`dot` (`pip install textbook-autograd[viz]`), else from the package's own small layout: a
picture, never DOT text, on any machine. Graphs deeper than three ops run top to bottom, so the
book's networks fit a notebook's width.

A tool beside the core: it walks graphs with engine.toposort and reads nodes through
autograd.function's reading functions; nothing below imports it.
"""
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from ..function import recorded_call
from ..tensor import Tensor
from . import layout, scene as _scene
from .player import Player
from .record import record

FORMATS = ("svg", "png", "pdf")  # pictures; .dot and .gv paths get the DOT text itself
RANKDIRS = ("auto", "LR", "TB")
NO_PROGRAM = ("drawing a {fmt} needs a dot program: Graphviz's (apt-get install graphviz, brew install "
              "graphviz, conda install -c conda-forge graphviz) or the graphviz-pure wheel (pip install "
              "graphviz-pure, or textbook-autograd[viz]). Without one, .svg pictures are drawn by "
              "the package's own layout, and .dot paths get the DOT text (viz.to_dot()).")

__all__ = ["draw", "record", "render", "retain_grads", "to_dot", "Graph", "Player"]


def draw(*tensors, values=True, grads=True, rankdir="auto"):
    """The graph that produced `tensors` as it is now, as a Graph: shown inline by a notebook,
    written to a file by `.save(path)`. values/grads: show forward values / gradients. rankdir:
    "LR" left to right as the book draws it, "TB" top to bottom, "auto" (LR up to three ops deep)."""
    _check(tensors, rankdir)
    return Graph(_scene.from_tensors(tensors, values, grads), rankdir)


def to_dot(*tensors, values=True, grads=True, rankdir="auto"):
    """DOT text for the graph that produced `tensors` (options as for draw())."""
    return draw(*tensors, values=values, grads=grads, rankdir=rankdir).source


def render(tensors, path, **options):
    """Draw the graph of `tensors` (a Tensor or a list of them) into `path` (see Graph.save).
    `options` go to draw(). Returns the path."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    return draw(*tensors, **options).save(path)


def retain_grads(*tensors):
    """Make every non-leaf tensor of the graph keep its `.grad` after backward. Call it before
    backward (`viz.record()` does this, and more, for everything recorded inside it)."""
    nodes = _scene.toposort([t.grad_fn for t in tensors if t.grad_fn is not None])
    if any(recorded_call(node) is None for node in nodes):
        raise RuntimeError("viz.retain_grads: backward has already run through this graph and let "
                           "go of its tensors, so there is nothing left to keep; call it before "
                           "backward, or run the code inside `with viz.record():`, which keeps everything")
    for t in tensors:
        t.retain_grad()
    for node in nodes:
        for a in recorded_call(node)[0]:
            if isinstance(a, Tensor):
                a.retain_grad()


def _check(tensors, rankdir):
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(map(repr, RANKDIRS))}, got {rankdir!r}")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"viz takes Tensors, got {type(t).__name__}")


class Graph:
    """A drawn graph. Jupyter shows it inline as SVG; `save(path)` writes .svg, .png or .pdf, or
    .dot / .gv for the DOT text (`source`, also what `str()` gives); `play()` walks through it."""

    _failed = None  # the error that ended a record() block: nothing was drawn

    def __init__(self, scene, rankdir="auto"):
        self._scene, self._rankdir = scene, rankdir

    @property
    def scene(self):
        if self._failed:
            raise RuntimeError(f"the viz.record() block ended with {self._failed}, so nothing was drawn")
        if self._scene is None:
            raise RuntimeError("the graph of a viz.record() block is drawn when the block ends; "
                               "show it after the `with` block")
        return self._scene

    @property
    def rankdir(self):
        if self._rankdir != "auto":
            return self._rankdir
        return "LR" if self.scene.depth() <= 3 else "TB"

    @property
    def source(self):
        return _scene.to_dot(self.scene, self.rankdir)

    def __str__(self):
        return self.source

    def __repr__(self):
        if self._failed:
            return f"<autograd.viz.Graph: the record() block ended with {self._failed}, nothing drawn>"
        if self._scene is None:
            return "<autograd.viz.Graph, recording>"
        return (f"<autograd.viz.Graph, {len(self.scene.edges)} edges: .save(path) for "
                ".svg/.png/.pdf/.dot, .play() to step through it>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        if self._scene is None:  # shown inside its record() block, or after one that failed
            return {"text/plain": repr(self)}
        return {"image/svg+xml": self.svg(), "text/plain": repr(self)}

    def svg(self):
        """The picture as SVG text: from a dot program where there is one, else the own layout."""
        program = dot_program()
        if program is None:
            return layout.svg(self.scene, self.rankdir)
        return self._dot(program, "svg").decode("utf-8")

    def pipe(self, format="svg"):
        """The picture as bytes in `format` (svg, png or pdf)."""
        if format not in FORMATS:
            raise ValueError(f"Graph.pipe: format must be one of {', '.join(FORMATS)}; got {format!r}")
        if format == "svg":
            return self.svg().encode("utf-8")
        program = dot_program()
        if program is None:
            raise RuntimeError(NO_PROGRAM.format(fmt=format))
        return self._dot(program, format)

    def _dot(self, program, format):
        try:
            return subprocess.run([program, f"-T{format}"], input=self.source.encode("utf-8"),
                                  capture_output=True, check=True).stdout
        except subprocess.CalledProcessError as e:
            stderr = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr
            raise RuntimeError(f"{Path(program).name} failed to draw the graph as {format}: "
                               f"{(stderr or '').strip()}") from None

    def save(self, path):
        """Write the graph to `path`: .svg, .png or .pdf, or .dot / .gv as DOT text. Returns the
        path. Nothing is written when the picture cannot be made."""
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

    def play(self):
        """A Player stepping through the recording: the inputs, each op's value forward, then
        each op's gradients backward with its formula and numbers."""
        return Player(self.scene, self.svg())


def dot_program():
    """Graphviz's dot on PATH, else the graphviz-pure wheel's (on PATH or beside this Python),
    else None."""
    found = shutil.which("dot") or shutil.which("graphviz-pure")
    if found:
        return found
    for folder in {sysconfig.get_path("scripts"), str(Path(sys.executable).parent)}:
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            if (Path(folder) / name).is_file():
                return str(Path(folder) / name)
    return None
