"""Where elements go: shapes, indexing, joining, copies, in-place writes and devices."""
import numpy as np

from ..device import array_module, device_of, is_gpu, to_device
from ..function import Function
from ..tensor import Tensor, _raw_index, as_tensor
from .base import Op, either, normalize_axes


def own_index(index):
    """`index` with its arrays and lists copied: the caller may change theirs after forward."""
    if isinstance(index, tuple):
        return tuple(own_index(i) for i in index)
    if isinstance(index, (np.ndarray, list)) or is_gpu(index):
        return array_module(index).array(index)
    return index


def _axis_slices(axis, item):
    return (slice(None),) * axis + (item,)


def _scatter_array(g, index, shape):
    xp = array_module(g)
    out = xp.zeros(shape, dtype=g.dtype)
    if _reaches_each_once(index):
        out[index] = g                          # ~10x faster than add.at, which only repeats need
    else:
        xp.add.at(out, index, g)
    return out


_BASIC = (int, np.integer, slice, type(None), type(Ellipsis))


def _reaches_each_once(index):
    """Does `index` reach each element at most once? Basic indices (ints, slices, ..., None)
    and boolean masks do; integer arrays and lists may repeat an element."""
    return all(isinstance(i, _BASIC) or getattr(i, "dtype", None) == bool
               for i in (index if isinstance(index, tuple) else (index,)))


class Reshape(Op):
    formula = "dx = dout.reshape(x.shape)"
    function = method = "reshape"
    numpy = np.reshape
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = np.shape(x)
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)

    @staticmethod
    def call(x, shape):                         # F.reshape(x, shape)
        return Reshape.apply(as_tensor(x), shape=shape)

    @staticmethod
    def tensor_method(self, *shape):            # t.reshape(2, 3) or t.reshape((2, 3))
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return Reshape.apply(self, shape=tuple(shape))

    @classmethod
    def arguments(cls, draw, t):
        (x,) = t.op_arrays(draw, cls, [draw(t.shapes())])
        target = draw(t.st.sampled_from([(x.size,), (-1,), x.shape[::-1], (1,) + x.shape + (1,),
                                         (x.size, 1) if x.size > 1 else ()]))
        return [x], {"shape": target}


class Transpose(Op):
    formula = "dx = dout transposed back"
    function = method = "transpose"
    numpy = np.transpose
    @staticmethod
    def forward(ctx, x, axes=None):
        y = np.transpose(x, axes)
        ctx.axes = None if axes is None else normalize_axes(axes, np.ndim(x))
        return y

    @staticmethod
    def backward(ctx, g):                       # the inverse permutation puts the axes back
        return g.transpose() if ctx.axes is None else g.transpose(*np.argsort(ctx.axes).tolist())

    @staticmethod
    def call(x, axes=None):                     # F.transpose(x, axes=None)
        return Transpose.apply(as_tensor(x), axes=None if axes is None else tuple(axes))

    @staticmethod
    def tensor_method(self, *axes):             # t.transpose(), t.transpose(1, 0), t.transpose((1, 0))
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = axes[0]
        return Transpose.apply(self, axes=tuple(axes) or None)

    @classmethod
    def arguments(cls, draw, t):
        (x,) = t.op_arrays(draw, cls, [draw(t.shapes())])
        axes = draw(t.st.none() | t.st.permutations(range(x.ndim)).map(tuple))
        if axes is not None:  # some axes counted from the end: x.transpose(-1, 0, 1)
            axes = tuple(a - x.ndim if draw(t.st.booleans()) else a for a in axes)
        return [x], {"axes": axes}


class BroadcastTo(Op):
    formula = "dx = dout summed over the broadcast axes"
    function, numpy = "broadcast_to", np.broadcast_to
    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):                       # the engine sums g back to the input's shape
        return g

    @staticmethod
    def call(x, shape):                         # F.broadcast_to(x, shape)
        return BroadcastTo.apply(as_tensor(x), shape=tuple(shape))

    @classmethod
    def arguments(cls, draw, t):
        target = draw(t.shapes(min_dims=1))
        keep = draw(t.st.integers(0, len(target)))
        src = tuple(s if draw(t.st.booleans()) else 1 for s in target[len(target) - keep:])
        return t.op_arrays(draw, cls, [src]), {"shape": target}


class GetItem(Op):
    formula = "dx = zeros of x's shape with dout added at index"
    function, method = "getitem", "__getitem__"
    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = np.shape(x), own_index(index)
        return x[index]

    @staticmethod
    def backward(ctx, g):                       # repeated indices add up
        return _scatter_add(g, index=ctx.index, shape=ctx.shape)

    @staticmethod
    def call(x, index):                         # F.getitem(x, index); t[index]
        return GetItem.apply(as_tensor(x), index=_raw_index(index))

    @staticmethod
    def tensor_method(self, index):
        return GetItem.apply(self, index=_raw_index(index))

    @classmethod
    def arguments(cls, draw, t):
        (x,) = t.op_arrays(draw, cls, [draw(t.shapes(min_dims=1))])
        return [x], {"index": draw(t.indices(x.shape))}


class ScatterAdd(Op):
    """The vjp of x[index]: a zero array of `shape` with g added at `index`."""
    formula = "dg = dout[index]"

    @staticmethod
    def forward(ctx, g, index, shape):
        ctx.index = index
        return _scatter_array(g, index, shape)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.index]

    @classmethod
    def arguments(cls, draw, t):
        shape = draw(t.shapes(min_dims=1))
        index = draw(t.indices(shape))
        return t.op_arrays(draw, cls, [np.zeros(shape)[index].shape]), {"index": index, "shape": shape}


_scatter_add = either(ScatterAdd, _scatter_array)


class Concatenate(Op):
    formula = "dxs = dout cut into each input's slice"
    function, numpy = "concatenate", np.concatenate
    @staticmethod
    def forward(ctx, *xs, axis=0):
        y = np.concatenate(xs, axis=axis)
        (ctx.axis,) = normalize_axes(axis, y.ndim)
        ctx.bounds = np.cumsum([0] + [np.shape(x)[ctx.axis] for x in xs]).tolist()
        return y

    @staticmethod
    def backward(ctx, g):                       # each input gets its slice of g
        b = ctx.bounds
        return tuple(g[_axis_slices(ctx.axis, slice(b[i], b[i + 1]))] for i in range(len(b) - 1))

    @staticmethod
    def call(tensors, axis=0):                  # F.concatenate(tensors, axis=0)
        return Concatenate.apply(*map(as_tensor, tensors), axis=axis)

    @classmethod
    def arguments(cls, draw, t):
        base = draw(t.shapes(min_dims=1))
        axis = draw(t.st.integers(-len(base), len(base) - 1))
        sizes = draw(t.st.lists(t.st.integers(1, 3), min_size=1, max_size=3))
        shapes = [base[:axis % len(base)] + (s,) + base[axis % len(base) + 1:] for s in sizes]
        return t.op_arrays(draw, cls, shapes), {"axis": axis}


class Stack(Op):
    formula = "dxs = dout taken apart along axis"
    function, numpy = "stack", np.stack
    @staticmethod
    def forward(ctx, *xs, axis=0):
        y = np.stack(xs, axis=axis)
        (ctx.axis,), ctx.n = normalize_axes(axis, y.ndim), len(xs)
        return y

    @staticmethod
    def backward(ctx, g):
        return tuple(g[_axis_slices(ctx.axis, i)] for i in range(ctx.n))

    @staticmethod
    def call(tensors, axis=0):                  # F.stack(tensors, axis=0)
        return Stack.apply(*map(as_tensor, tensors), axis=axis)

    @classmethod
    def arguments(cls, draw, t):
        base = draw(t.shapes())
        k = draw(t.st.integers(1, 3))
        return t.op_arrays(draw, cls, [base] * k), {"axis": draw(t.st.integers(-len(base) - 1, len(base)))}


# --- copies and in-place writes (Tensor.copy, t[index] = v: autograd/inplace.py) ---------------

class Copy(Op):
    """A copy of x in the graph: the book's `out = x.copy()` on a Tensor."""
    formula = "dx = dout"
    method, numpy = ("copy", "clone"), np.copy  # copy: NumPy's name; clone: PyTorch's

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class SetItem(Op):
    """x with v written at index (x itself is left as it is): what `t[index] = v` records. Only
    the elements of v that land in the result get a gradient (a repeated index keeps the last)."""
    formula = "dx = dout where not overwritten, dv = dout[index] where v landed"

    @staticmethod
    def forward(ctx, x, v, index):
        xp = array_module(x)
        out = xp.array(x)  # a copy, and an array where x is a NumPy scalar (a 0-d result)
        out[index] = v
        kept = xp.ones(x.shape, out.dtype)
        kept[index] = 0                         # x's elements that were overwritten get no gradient
        landed = xp.asarray(_landed(x.shape, index, np.shape(v)), dtype=out.dtype)
        ctx.save_for_backward(kept, landed)
        ctx.index = own_index(index)
        return out

    @staticmethod
    def backward(ctx, g):
        kept, landed = ctx.saved_tensors
        return g * kept, g[ctx.index] * landed

    @classmethod
    def arguments(cls, draw, t):
        (x,) = t.op_arrays(draw, cls, [draw(t.shapes(min_dims=1))])
        index = draw(t.indices(x.shape))
        target = np.zeros(x.shape)[index].shape
        v_shape = draw(t.st.sampled_from([target, target[1:], ()]))  # v broadcasts to x[index]
        return [x] + t.op_arrays(draw, cls, [v_shape]), {"index": index}


def _landed(shape, index, v_shape):
    """Per element of x[index] (v broadcast to its shape): True where its write is the last to
    reach its place (NumPy writes repeated indices in order)."""
    order = np.full(shape, -1)
    n = np.zeros(shape)[index]
    order[index] = np.arange(n.size).reshape(n.shape)
    landed = np.zeros(n.size, bool)
    landed[order[index].ravel()] = True
    return landed.reshape(n.shape)

# --- moving between devices (autograd.device) ---------------------------------------------------

class ToDevice(Function):
    """`t.to(device)`: a copy on the other device; its gradient goes back to the input's device.
    Not in OPS: the property suite runs each op on one device (benchmarks/gpu.py runs it on the
    GPU through this op)."""
    formula = "dx = dout moved back to x's device"

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = device_of(x)
        return to_device(x, device)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx.source) if isinstance(g, Tensor) else to_device(g, ctx.source)

