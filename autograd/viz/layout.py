"""Pictures without Graphviz: a small layered layout of the package's own, written as SVG.

Boxes go in layers by the longest path from the inputs (top to bottom, or left to right); within
a layer they are ordered by the mean position of what feeds them, two sweeps down. Edges are
curves from one box to the next. The SVG is built as Graphviz builds its own (a `<g class="node">`
per box with a `<title>` holding the box's id), so the player works on either."""
import html

FONT = "Helvetica,Arial,sans-serif"
SIZE = {"name": 14, "meta": 12, "value": 14, "grad": 14, "note": 12, "symbol": 21, "opname": 11, "op": 14}
COLOR = {"meta": "#666666", "grad": "red", "note": "#7f7f7f"}
GAP_RANK, GAP_BOX, PAD = 48, 24, 8


def _text_width(text, size):
    return sum(0.62 if c.isupper() or c in "mwMW@" else 0.52 for c in text) * size


def _size(box):
    w = max((_text_width(t, SIZE[s]) for t, s in box.lines), default=20) + 2 * PAD
    h = sum(SIZE[s] * 1.25 for _, s in box.lines) + 2 * PAD
    if box.kind == "op":
        if box.lines[0][1] == "symbol":
            d = max(w, h)
            return d, d
        return w + 16, h
    return w, h


def svg(scene, rankdir):
    into = {b.id: [] for b in scene.boxes}
    out = {b.id: [] for b in scene.boxes}
    for s, d in scene.edges:
        into[d].append(s)
        out[s].append(d)
    rank = {}
    for b in scene.boxes:  # longest path from an input, without recursion
        stack = [b.id]
        while stack:
            n = stack[-1]
            todo = [s for s in into[n] if s not in rank]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            rank[n] = max((rank[s] + 1 for s in into[n]), default=0)
    for b in scene.boxes:  # an input sits just before the op that takes it
        if not into[b.id] and out[b.id]:
            rank[b.id] = min(rank[d] for d in out[b.id]) - 1
    layers = {}
    for b in scene.boxes:
        layers.setdefault(rank[b.id], []).append(b.id)
    pos = {}
    for r in sorted(layers):
        for _ in range(2):
            for i, n in enumerate(layers[r]):
                pos[n] = i
            layers[r].sort(key=lambda n: sum(pos.get(s, pos[n]) for s in into[n]) / len(into[n]) if into[n] else pos[n])
    size = {b.id: _size(b) for b in scene.boxes}
    tb = rankdir == "TB"
    across = lambda n: size[n][0] if tb else size[n][1]  # noqa: E731
    along = lambda n: size[n][1] if tb else size[n][0]  # noqa: E731
    extent = {r: sum(across(n) for n in ns) + GAP_BOX * (len(ns) - 1) for r, ns in layers.items()}
    width = max(extent.values(), default=0)
    centre, offset = {}, PAD
    for r in sorted(layers):
        thick = max(along(n) for n in layers[r])
        x = PAD + (width - extent[r]) / 2
        for n in layers[r]:
            a, b = x + across(n) / 2, offset + thick / 2
            centre[n] = (a, b) if tb else (b, a)
            x += across(n) + GAP_BOX
        offset += thick + GAP_RANK
    W, H = (width + 2 * PAD, offset - GAP_RANK + PAD) if tb else (offset - GAP_RANK + PAD, width + 2 * PAD)
    notes = [t for t, _ in scene.notes]
    H += 18 * len(notes)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W:.0f}" height="{H:.0f}" '
             f'viewBox="0 0 {W:.0f} {H:.0f}" font-family="{FONT}">',
             '<g id="graph0" class="graph"><title>autograd</title>',
             f'<rect x="0" y="0" width="{W:.0f}" height="{H:.0f}" fill="white"/>']
    for k, (s, d) in enumerate(scene.edges):
        parts.append(_edge(k, centre[s], size[s], centre[d], size[d], tb))
    for b in scene.boxes:
        parts.append(_box(b, centre[b.id], size[b.id]))
    for i, note in enumerate(notes):
        parts.append(f'<text x="{W / 2:.1f}" y="{H - 18 * (len(notes) - i) + 12:.1f}" text-anchor="middle" '
                     f'font-size="11" fill="#555555">{html.escape(note)}</text>')
    parts.append("</g></svg>")
    return "\n".join(parts)


def _edge(k, c1, s1, c2, s2, tb):
    if tb:
        x1, y1, x2, y2 = c1[0], c1[1] + s1[1] / 2, c2[0], c2[1] - s2[1] / 2
        m = (y1 + y2) / 2
        path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{m:.1f} {x2:.1f},{m:.1f} {x2:.1f},{y2 - 6:.1f}"
        head = f"{x2 - 4:.1f},{y2 - 7:.1f} {x2 + 4:.1f},{y2 - 7:.1f} {x2:.1f},{y2:.1f}"
    else:
        x1, y1, x2, y2 = c1[0] + s1[0] / 2, c1[1], c2[0] - s2[0] / 2, c2[1]
        m = (x1 + x2) / 2
        path = f"M{x1:.1f},{y1:.1f} C{m:.1f},{y1:.1f} {m:.1f},{y2:.1f} {x2 - 6:.1f},{y2:.1f}"
        head = f"{x2 - 7:.1f},{y2 - 4:.1f} {x2 - 7:.1f},{y2 + 4:.1f} {x2:.1f},{y2:.1f}"
    return (f'<g id="edge{k + 1}" class="edge"><path fill="none" stroke="#4d4d4d" d="{path}"/>'
            f'<polygon fill="#4d4d4d" stroke="#4d4d4d" points="{head}"/></g>')


def _box(b, c, s):
    x, y, w, h = c[0] - s[0] / 2, c[1] - s[1] / 2, s[0], s[1]
    if b.kind == "op":
        shape = (f'<ellipse cx="{c[0]:.1f}" cy="{c[1]:.1f}" rx="{w / 2:.1f}" ry="{h / 2:.1f}" '
                 'fill="white" stroke="black"/>')
    else:
        fill = "#e8f0fe" if b.kind == "leaf" else "white"
        dash = ' stroke-dasharray="5,2"' if b.kind in ("const", "freed") else ""
        stroke = "#7f7f7f" if dash else "black"
        width = 2 if b.output else 1
        shape = (f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" fill="{fill}" '
                 f'stroke="{stroke}" stroke-width="{width}"{dash}/>')
    texts, line_y = [], y + PAD
    for t, style in b.lines:
        line_y += SIZE[style] * 1.25
        weight = ' font-weight="bold"' if style == "name" else ""
        texts.append(f'<text x="{c[0]:.1f}" y="{line_y - SIZE[style] * 0.3:.1f}" text-anchor="middle" '
                     f'font-size="{SIZE[style]}" fill="{COLOR.get(style, "black")}"{weight}>{html.escape(t)}</text>')
    return f'<g class="node"><title>{b.id}</title>{shape}{"".join(texts)}</g>'
