"""The player: a recording's picture, stepped through frame by frame in one self-contained page.

Frame 0 shows the inputs; each forward frame adds one op's output value; each backward frame
shows one op's gradients arriving at its inputs, with the op's backward formula (the `formula`
attribute of its class in the op table, or of a user's `Function`) and its numbers; the last
frame shows everything. Next / Prev buttons and the arrow keys (Home / End too) move between
frames. The page holds the SVG, the frames as data and a few lines of script: no network, no
kernel, no server."""
import itertools
import json
import re
from pathlib import Path

import numpy as np

from .scene import format_array, grad_lines, number

_ids = itertools.count(1)


class Player:
    def __init__(self, scene, svg):
        self.frames = frames(scene)
        self._boxes = [{"id": b.id, "v": b.text("value"), "g": b.text("grad")}
                       for b in scene.boxes if b.kind != "op"]
        self._svg = svg[svg.index("<svg"):]  # without the XML prologue: it goes inside HTML

    def __repr__(self):
        return f"<autograd.viz.Player, {len(self.frames)} frames: .save(path) writes the page>"

    def html(self, page=False):
        """The player as an HTML fragment (page=True: its keys work anywhere on the page)."""
        uid = f"ag-player-{next(_ids)}-{id(self):x}"
        data = json.dumps({"boxes": self._boxes, "frames": self.frames}).replace("</", "<\\/")
        return _TEMPLATE.format(uid=uid, svg=self._svg, data=data, scope="document" if page else "root")

    def _repr_html_(self):
        return self.html()

    def save(self, path):
        """Write the player as one self-contained .html page; returns the path."""
        path = Path(path)
        if not path.parent.is_dir():
            raise FileNotFoundError(f"cannot save the player to {str(path)!r}: the folder "
                                    f"{str(path.parent)!r} does not exist")
        path.write_text("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>backprop, step by step"
                        f"</title></head>\n<body>\n{self.html(page=True)}\n</body></html>\n", encoding="utf-8")
        return path


def frames(scene):
    steps = scene.steps
    names = {b.id: (b.text("name") or [None])[0] for b in scene.boxes}
    produced = {s.output for s in steps}
    values = [b.id for b in scene.boxes if b.kind != "op"]
    shown = [v for v in values if v not in produced]
    inputs = ", ".join(f"{names[v]} = {_line(b)}" for v, b in ((v, _box(scene, v)) for v in shown) if names[v])
    out = [{"c": "Inputs" + (f": {inputs}" if inputs else ""), "s": list(shown), "g": {}, "h": list(shown)}]
    n = len(steps)
    for k, s in enumerate(steps, 1):
        shown = shown + [s.output]
        args = ", ".join(f"{names[i] or p}={number(v)}" for i, p, v in zip(s.inputs, s.params, s.values))
        what = names[s.output] or "out"
        out.append({"c": f"Forward {k}/{n}: {s.name}({args}) \u2192 {what} = {number(s.out)}",
                    "s": shown, "g": {}, "h": [s.op, s.output]})
    back = [s for s in reversed(steps) if s.dout is not None]
    acc = {}
    for k, s in enumerate(back, 1):
        if s.output not in acc:
            acc[s.output] = np.asarray(s.dout)
        lines = [f"Backward {k}/{len(back)}: {s.name}, dout = {number(s.dout)}"]
        lines += _formula_lines(s, names)
        for i, d in zip(s.inputs, s.dins or ()):
            if d is not None:
                acc[i] = acc[i] + d if i in acc else np.asarray(d)
        out.append({"c": "\n".join(lines), "s": values, "h": [s.op] + [i for i, d in zip(s.inputs, s.dins or ()) if d is not None],
                    "g": {i: grad_lines(a) for i, a in acc.items()}})
    final = {b.id: b.text("grad") for b in scene.boxes if b.text("grad")}
    out.append({"c": "Everything: every value and every gradient", "s": values, "g": final, "h": []})
    return out


def _box(scene, box_id):
    return next(b for b in scene.boxes if b.id == box_id)


def _line(box):
    """A box's value in a caption: a number itself, an array by its dtype and shape."""
    values = box.text("value")
    return values[0] if len(values) == 1 and box.text("meta")[-1].endswith("()") else box.text("meta")[-1]


_WORD = re.compile(r"[A-Za-z_]\w*")


def _formula_lines(s, names):
    """`dx = dout * y = 1.1 * 2 = 2.2  (apple)`: each part of the op's formula, its names
    replaced by the numbers, then what the op's backward gave that input."""
    if not s.formula:
        return [f"(no formula: give {s.name} a `formula` attribute, e.g. formula = \"dx = dout * y\")"] + [
            f"d{p} = {_result(d)}" for p, d in zip(s.params, s.dins or ()) if d is not None]
    where = {"dout": s.dout, "out": s.out, **dict(zip(s.params, s.values))}
    lines = []
    for part in _parts(s.formula):
        target, _, expr = part.partition(" = ")
        param = target[1:] if target.startswith("d") else None
        if not expr or param not in s.params:
            lines.append(part)
            continue
        i = s.params.index(param)
        d = s.dins[i] if s.dins else None
        if d is None:
            continue  # this input needed no gradient
        filled = _WORD.sub(lambda m: number(where[m.group()]) if m.group() in where and not _attr(expr, m) else m.group(), expr)
        pieces = [f"{s.name}: {target}", expr, filled, _result(d)]
        text = " = ".join(p for i, p in enumerate(pieces) if i == 0 or p != pieces[i - 1])
        name = names.get(s.inputs[i])
        lines.append(text + (f"   \u2192 {name}" if name else ""))
    return lines


def _parts(formula):
    """The formula's parts: split at the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(formula):
        depth += (c in "([") - (c in ")]")
        if c == "," and depth == 0:
            parts.append(formula[start:i].strip())
            start = i + 1
    return parts + [formula[start:].strip()]


def _attr(expr, m):
    """Is this word an attribute (the T of W.T), not a name?"""
    return m.start() > 0 and expr[m.start() - 1] == "."


def _result(d):
    d = np.asarray(d)
    return number(d) if d.size <= 6 else format_array(d).replace("\n", ", ")


_TEMPLATE = """<div class="ag-player" id="{uid}" tabindex="0" style="outline:none;font-family:Helvetica,Arial,sans-serif">
<style>
#{uid} .ag-controls button {{font-size:14px;padding:2px 10px;margin-right:6px}}
#{uid} .ag-caption {{font-size:14px;background:#f6f6f6;border-left:4px solid #e8710a;padding:6px 8px;margin:6px 0;white-space:pre-wrap;min-height:2.6em}}
#{uid} svg {{max-width:100%;height:auto}}
#{uid} .ag-hi > ellipse, #{uid} .ag-hi > polygon, #{uid} .ag-hi > path, #{uid} .ag-hi > rect {{stroke:#e8710a;stroke-width:3px}}
</style>
<div class="ag-controls"><button class="ag-prev" type="button">&#9664; Prev</button><button class="ag-next" type="button">Next &#9654;</button><span class="ag-count"></span> <span style="color:#888;font-size:12px">(or the arrow keys)</span></div>
<div class="ag-caption"></div>
<div class="ag-svg">{svg}</div>
<script>
(function () {{
  var root = document.getElementById("{uid}"), data = {data}, k = 0, parts = {{}}, nodes = {{}};
  root.querySelectorAll("g.node").forEach(function (g) {{
    var t = g.querySelector("title"); if (t) nodes[t.textContent] = g;
  }});
  data.boxes.forEach(function (b) {{
    var g = nodes[b.id], p = {{v: [], g: [], node: g}};
    if (!g) return;
    g.querySelectorAll("text").forEach(function (el) {{  // gradients are the red lines
      if (el.getAttribute("fill") === "red") p.g.push(el);
      else if (b.v.indexOf(el.textContent) >= 0) p.v.push(el);
    }});
    parts[b.id] = p;
  }});
  function show(i) {{
    k = Math.max(0, Math.min(data.frames.length - 1, i));
    var f = data.frames[k], on = {{}};
    f.s.forEach(function (id) {{ on[id] = true; }});
    Object.keys(nodes).forEach(function (id) {{ nodes[id].classList.toggle("ag-hi", f.h.indexOf(id) >= 0); }});
    Object.keys(parts).forEach(function (id) {{
      var p = parts[id];
      p.v.forEach(function (el) {{ el.style.visibility = on[id] ? "visible" : "hidden"; }});
      var lines = f.g[id] || [];
      p.g.forEach(function (el, j) {{
        el.textContent = lines[j] || ""; el.style.visibility = j < lines.length ? "visible" : "hidden";
      }});
    }});
    root.querySelector(".ag-caption").textContent = f.c;
    root.querySelector(".ag-count").textContent = "frame " + (k + 1) + " / " + data.frames.length;
  }}
  root.querySelector(".ag-prev").addEventListener("click", function () {{ show(k - 1); }});
  root.querySelector(".ag-next").addEventListener("click", function () {{ show(k + 1); }});
  {scope}.addEventListener("keydown", function (e) {{
    var to = {{ArrowRight: k + 1, ArrowLeft: k - 1, Home: 0, End: data.frames.length - 1}}[e.key];
    if (to === undefined) return;
    e.preventDefault(); show(to);
  }});
  show(0);
}})();
</script>
</div>"""
