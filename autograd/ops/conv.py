"""Convolution and pooling, the book's chapter 7: im2col, col2im, conv2d, max_pool2d."""
import numpy as np

from ..device import array_module
from ..tensor import as_tensor
from .base import Op, either
from .linalg import mm

# --- convolution and pooling (the book's chapter 7: im2col, col2im) ----------------------------
#
# im2col lays every window of an (N, C, H, W) input out as one row of an (N*OH*OW, C*FH*FW)
# matrix (rows in (n, oh, ow) order, columns in (c, fh, fw) order), so a convolution is one matrix
# product and a pooling one reduction per row. col2im is its adjoint: each window's row is added
# back where the window came from, overlaps summing up.

def _output_size(op, x_shape, fh, fw, stride, pad):
    """(OH, OW) of a window of fh x fw moved by `stride` over an input padded by `pad`; an error
    naming the sizes where the window does not fit or does not land on a whole number of steps."""
    sh, sw = _pair_of(stride)
    for what, v, low in (("window height", fh, 1), ("window width", fw, 1), ("stride", sh, 1),
                         ("stride", sw, 1), ("pad", pad, 0)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < low:
            raise ValueError(f"{op}: {what} must be an integer >= {low}, got {stride if what == 'stride' else v!r}")
    if len(x_shape) != 4:
        raise ValueError(f"{op}: expected an input of shape (N, C, H, W), got {tuple(x_shape)}")
    sizes = []
    for axis, n, f, stride in (("height", x_shape[2], fh, sh), ("width", x_shape[3], fw, sw)):
        padded = n + 2 * pad
        if f > padded:
            raise ValueError(f"{op}: the window {axis} {f} is larger than the input {axis} {n} "
                             f"padded by {pad} on each side ({padded})")
        steps, rest = divmod(padded - f, stride)
        if rest:
            raise ValueError(f"{op}: output {axis} (({n} + 2*{pad} - {f}) / {stride} + 1 = "
                             f"{(padded - f) / stride + 1:g}) is not a whole number; change the "
                             f"padding, the stride or the input {axis}")
        sizes.append(steps + 1)
    return tuple(sizes)


def _pair_of(stride):
    """A stride as (vertical, horizontal): an int moves the same in both directions."""
    return tuple(stride) if isinstance(stride, (tuple, list)) and len(stride) == 2 else (stride, stride)


def im2col_array(x, fh, fw, stride=1, pad=0):
    """The windows of x (N, C, H, W) as rows: (N*OH*OW, C*FH*FW), in one copy."""
    n, c = x.shape[:2]
    sh, sw = _pair_of(stride)
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = array_module(x).lib.stride_tricks.sliding_window_view(x, (fh, fw), axis=(2, 3))[:, :, ::sh, ::sw]
    oh, ow = win.shape[2:4]
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * fh * fw)


def col2im_array(col, shape, fh, fw, stride=1, pad=0):
    """The adjoint of im2col: rows of col (N*OH*OW, C*FH*FW) summed back into an array of
    `shape` (N, C, H, W), by a loop over the filter offsets as the book's col2im."""
    n, c, h, w = shape
    oh, ow = _output_size("col2im", shape, fh, fw, stride, pad)
    sh, sw = _pair_of(stride)
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = array_module(col).zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for y in range(fh):
        for x in range(fw):
            img[:, :, y:y + sh * oh:sh, x:x + sw * ow:sw] += col[:, :, y, x]
    return img[:, :, pad:pad + h, pad:pad + w] if pad else img


def _geometry(t, max_window=3):
    """Property tests: a strategy of (shape, (OH, OW), fh, fw, stride, pad), an (N, C, H, W) input
    and a window that fits it on whole steps."""
    st = t.st

    @st.composite
    def geometry(draw):
        fh, fw = draw(st.integers(1, max_window)), draw(st.integers(1, max_window))
        stride, pad = draw(st.integers(1, 2)), draw(st.integers(0, 1))
        oh, ow = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        h, w = (oh - 1) * stride + fh - 2 * pad, (ow - 1) * stride + fw - 2 * pad
        t.assume(h >= 1 and w >= 1)
        return (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w), (oh, ow), fh, fw, stride, pad
    return geometry()


class Im2col(Op):
    formula = "dx = col2im(dout)"
    function = "im2col"
    @staticmethod
    def forward(ctx, x, fh, fw, stride=1, pad=0):
        _output_size("im2col", np.shape(x), fh, fw, stride, pad)
        ctx.geometry = (np.shape(x), fh, fw, stride, pad)
        return im2col_array(x, fh, fw, stride, pad)

    @staticmethod
    def backward(ctx, g):                       # each window's row goes back where it came from
        shape, fh, fw, stride, pad = ctx.geometry
        return _col2im(g, shape=shape, fh=fh, fw=fw, stride=stride, pad=pad)

    @staticmethod
    def call(x, filter_h, filter_w, stride=1, pad=0):
        """The windows of x (N, C, H, W) as rows of an (N*OH*OW, C*FH*FW) matrix (the book's im2col)."""
        return Im2col.apply(as_tensor(x), fh=filter_h, fw=filter_w, stride=stride, pad=pad)

    @classmethod
    def arguments(cls, draw, t):
        shape, _, fh, fw, stride, pad = draw(_geometry(t))
        return t.op_arrays(draw, cls, [shape]), {"fh": fh, "fw": fw, "stride": stride, "pad": pad}


class Col2im(Op):
    """The vjp of im2col: its rows summed back into an image of `shape`."""
    formula = "dcol = im2col(dout)"
    function = "col2im"

    @staticmethod
    def forward(ctx, col, shape, fh, fw, stride=1, pad=0):
        oh, ow = _output_size("col2im", shape, fh, fw, stride, pad)
        expected = (shape[0] * oh * ow, shape[1] * fh * fw)
        if np.shape(col) != expected:
            raise ValueError(f"col2im: columns of shape {np.shape(col)} do not match an image of shape "
                             f"{tuple(shape)} with {fh}x{fw} windows: expected {expected}")
        ctx.geometry = (fh, fw, stride, pad)
        return col2im_array(col, shape, fh, fw, stride, pad)

    @staticmethod
    def backward(ctx, g):
        fh, fw, stride, pad = ctx.geometry
        return _im2col(g, fh=fh, fw=fw, stride=stride, pad=pad)

    @staticmethod
    def call(col, input_shape, filter_h, filter_w, stride=1, pad=0):
        """im2col's adjoint: the rows summed back into an array of input_shape (the book's col2im)."""
        return Col2im.apply(as_tensor(col), shape=tuple(input_shape), fh=filter_h, fw=filter_w,
                            stride=stride, pad=pad)

    @classmethod
    def arguments(cls, draw, t):
        shape, (oh, ow), fh, fw, stride, pad = draw(_geometry(t))
        col_shape = (shape[0] * oh * ow, shape[1] * fh * fw)
        return t.op_arrays(draw, cls, [col_shape]), {"shape": shape, "fh": fh, "fw": fw, "stride": stride,
                                                     "pad": pad}


_im2col = either(Im2col, im2col_array)
_col2im = either(Col2im, col2im_array)


class Conv2d(Op):
    """The book's Convolution: x (N, C, H, W), W (FN, C, FH, FW), b (FN,) or None -> (N, FN, OH, OW),
    as col @ W.reshape(FN, -1).T + b over the im2col rows of x."""
    formula = "dx = col2im(dout @ W), dW = dout.T @ im2col(x), db = sum(dout)"
    function = "conv2d"

    @staticmethod
    def forward(ctx, x, W, b=None, stride=1, pad=0):
        if np.ndim(W) != 4:
            raise ValueError(f"conv2d: expected filters W of shape (FN, C, FH, FW), got {np.shape(W)}")
        fn, c, fh, fw = W.shape
        oh, ow = _output_size("conv2d", np.shape(x), fh, fw, stride, pad)
        if x.shape[1] != c:
            raise ValueError(f"conv2d: the input has {x.shape[1]} channels (shape {x.shape}) but the "
                             f"filters W of shape {W.shape} expect {c}")
        if b is not None and np.shape(b) != (fn,):
            raise ValueError(f"conv2d: the bias b has shape {np.shape(b)}; {fn} filters need shape ({fn},)")
        col = im2col_array(x, fh, fw, stride, pad)
        out = mm(col, W.reshape(fn, -1).T)
        if b is not None:
            if b.dtype == out.dtype:
                out += b                        # out is new: in place saves a pass over memory
            else:
                out = out + b
        ctx.save_for_backward(x, W, col)
        ctx.geometry = (stride, pad)
        return out.reshape(len(x), oh, ow, fn).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, g):                       # Convolution.backward
        x, W, col = ctx.saved_tensors
        stride, pad = ctx.geometry
        needs = ctx.needs_input_grad
        need_x, need_W, need_b = needs + (False,) * (3 - len(needs))  # b may be left out
        fn, c, fh, fw = W.shape
        col = ctx.derived(col, lambda x: _im2col(x, fh=fh, fw=fw, stride=stride, pad=pad), x)
        dout = g.transpose(0, 2, 3, 1).reshape(-1, fn)
        db = dout.sum(axis=0) if need_b else None
        dW = mm(dout.T, col).reshape(fn, c, fh, fw) if need_W else None
        dx = None
        if need_x:
            dcol = mm(dout, W.reshape(fn, -1))
            dx = _col2im(dcol, shape=x.shape, fh=fh, fw=fw, stride=stride, pad=pad)
        return (dx, dW, db)[:len(needs)]

    @staticmethod
    def call(x, W, b=None, stride=1, pad=0):
        """x (N, C, H, W) convolved with filters W (FN, C, FH, FW) plus b (FN,): (N, FN, OH, OW), as
        PyTorch's conv2d(x, W, b, stride, padding=pad) (a cross-correlation)."""
        return Conv2d.apply(as_tensor(x), W, b, stride=stride, pad=pad)

    @classmethod
    def arguments(cls, draw, t):
        (n, c, h, w), _, fh, fw, stride, pad = draw(_geometry(t))
        fn = draw(t.st.integers(1, 2))
        shapes = [(n, c, h, w), (fn, c, fh, fw)] + ([(fn,)] if draw(t.st.booleans()) else [])
        return t.op_arrays(draw, cls, shapes), {"stride": stride, "pad": pad}


class MaxPool2d(Op):
    """The book's Pooling (max): the maximum of each window; the first maximum of a window takes
    its gradient (the book's argmax). Padding adds zeros, as the book's im2col does."""
    formula = "dx = dout at each window's first maximum"
    function = "max_pool2d"
    distinct = True

    @staticmethod
    def forward(ctx, x, pool_h, pool_w=None, stride=None, pad=0):
        pool_w = pool_h if pool_w is None else pool_w
        stride = pool_h if stride is None else stride
        oh, ow = _output_size("max_pool2d", np.shape(x), pool_h, pool_w, stride, pad)
        n, c = x.shape[:2]
        if pool_h == pool_w == stride:          # the windows tile the input: no im2col copy
            out, first_max = _tiled_max(x, stride, pad, oh, ow)
            if not np.isnan(out).any():         # NaN: the general path's argmax picks the first one
                ctx.save_for_backward(first_max)
                ctx.geometry = (x.shape, pad)
                return out.transpose(0, 3, 1, 2)
        col = im2col_array(x, pool_h, pool_w, stride, pad).reshape(-1, pool_h * pool_w)
        arg_max = col.argmax(axis=1)
        xp = array_module(col)
        out = col[xp.arange(len(col)), arg_max]
        ctx.save_for_backward(xp.arange(pool_h * pool_w) == arg_max[:, None])
        ctx.geometry = (x.shape, pool_h, pool_w, stride, pad)
        return out.reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, g):                       # Pooling.backward: dout into each window's argmax
        (first_max,) = ctx.saved_tensors
        if len(ctx.geometry) == 2:              # tiled: first_max is (N, OH, p, OW, p, C)
            shape, pad = ctx.geometry
            n, oh, ph, ow, pw, c = first_max.shape
            dx = g.transpose(0, 2, 3, 1).reshape(n, oh, 1, ow, 1, c) * first_max
            dx = dx.reshape(n, oh * ph, ow * pw, c).transpose(0, 3, 1, 2)
            return dx[:, :, pad:pad + shape[2], pad:pad + shape[3]] if pad else dx
        shape, ph, pw, stride, pad = ctx.geometry
        dmax = g.transpose(0, 2, 3, 1).reshape(-1, 1) * first_max
        dcol = dmax.reshape(first_max.shape[0] // shape[1], -1)
        return _col2im(dcol, shape=shape, fh=ph, fw=pw, stride=stride, pad=pad)

    @staticmethod
    def call(x, pool_h, pool_w=None, stride=None, pad=0):
        """The maximum of each pool_h x pool_w window (pool_w and stride default to pool_h; stride
        may be a pair (vertical, horizontal))."""
        return MaxPool2d.apply(as_tensor(x), pool_h=pool_h, pool_w=pool_w, stride=stride, pad=pad)

    @classmethod
    def arguments(cls, draw, t):
        shape, _, ph, pw, stride, pad = draw(_geometry(t))
        # distinct values off the grid's 0: no ties within a window, none with the padding's zeros
        x = draw(t.arrays(shape, domain=cls.domain, distinct=True, offset=1 / 32))
        kwargs = {"pool_h": ph, "pool_w": pw, "stride": stride, "pad": pad}
        if ph == pw and stride == ph and draw(t.st.booleans()):
            kwargs = {"pool_h": ph, "pad": pad}     # the defaults: a square window, stride = window
        return [x], kwargs


def _tiled_max(x, p, pad, oh, ow):
    """Max pooling of p x p windows moved by p. Channels last, the windows are a view
    (N, OH, p, OW, p, C) of the (padded) input, so the maxima are p*p - 1 elementwise maxima of
    its strided slices (N, OH, OW, C), channels innermost as a convolution's output lies in
    memory. Returns those maxima (N, OH, OW, C) and a mask of the view's shape, True at each
    window's first maximum in row-major order within the window (np.argmax's choice)."""
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c = x.shape[:2]
    win = x.transpose(0, 2, 3, 1).reshape(n, oh, p, ow, p, c)
    offsets = [(i, j) for i in range(p) for j in range(p)]
    out = win[:, :, 0, :, 0].copy()
    for i, j in offsets[1:]:
        np.maximum(out, win[:, :, i, :, j], out=out)
    first_max = array_module(x).empty(win.shape, dtype=bool)
    taken = None                                # windows whose first maximum is found
    for i, j in offsets:
        found = first_max[:, :, i, :, j]
        np.equal(win[:, :, i, :, j], out, out=found)
        if taken is None:
            taken = found.copy()
        else:
            np.greater(found, taken, out=found)  # a maximum, and none before it (found and not taken)
            taken |= found
    return out, first_max


