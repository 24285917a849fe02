"""autograd.Function: an op written like a textbook layer, forward and backward side by side.

    class Sigmoid(Function):
        @staticmethod
        def forward(ctx, x):            # ndarrays in, ndarray out
            y = 1.0 / (1.0 + np.exp(-x))
            ctx.save_for_backward(y)
            return y
        @staticmethod
        def backward(ctx, g):           # upstream gradient in, one gradient per input out
            (y,) = ctx.saved_tensors
            return g * (1.0 - y) * y

`Sigmoid.apply(t)` runs `forward` on the arrays and, when an input requires grad, returns a
Tensor whose node is the `ctx` itself: the node of the graph is the layer object of the textbook.

Part of the core, above tensor.py and below engine.py. The node's fields are declared here, in
one place (the comment on `Function.__slots__`), and only the core reads or writes them; the
tools (gradcheck, viz) read a node through the functions at the end of this module.
"""
import numpy as np

from . import anomaly
from .device import check_same, in_use
from .tensor import Tensor, as_float_array, clock, state

_new = object.__new__
_ndarray = np.ndarray
_FLOAT_SCALARS = {np.float64, np.float32, np.float16}
_NEEDS = {}  # needs_input_grad tuples by key (see apply), shared: no new tuple per node


def _needs(key):
    bits = bin(key)[3:]
    _NEEDS[key] = needs = tuple([b == "1" for b in bits])
    return needs


class Function:
    # A node of the graph is the ctx of its op. Its fields, declared here and read by the core
    # only (the tools read a node through the functions at the end of this module):
    #   needs_input_grad  per input: does a gradient go back to it? (PyTorch's name; ops read it)
    #   _parents    per input: the node that made it, the leaf tensor itself or None, as they were
    #               when the op was recorded (an input's node may change later: an in-place op,
    #               detach_; this op still takes its gradient to the old one)
    #   _shape      the output's shape, which the gradient arriving here must have
    #   _call       (input Tensors and constants as given, the arrays forward got, keywords or
    #               None): gradcheck_nodes, viz, the version checks and create_graph read it
    #   _saved      what save_for_backward kept; None once a backward freed it
    #   _stamp      for nodes that saved something: the clock when recorded; None once the
    #               output it saved was changed in place (Tensor.data's setter)
    #   _out_index  which saved value, if any, is the output itself
    # and, rarely set, so class-level defaults rather than a store per node:
    #   _retained   a weak reference to the output tensor that keeps its .grad (retain_grad)
    #   _anomaly    anomaly mode: (the user's line that called the op, checksums of what it saved)
    __slots__ = ("needs_input_grad", "_parents", "_shape", "_call", "_saved", "_stamp", "_out_index")
    _retained = _anomaly = None

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function needs a forward(ctx, *inputs) staticmethod")

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("a Function needs a backward(ctx, grad) staticmethod")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = _new(cls)
        ctx._saved = ()
        enabled, watch = state.mode
        arrays, heads = [], []  # heads: where each input's gradient goes, as now (None: nowhere)
        key = 1  # then a bit per input, 1 where it takes a gradient: the key of needs_input_grad
        for a in args:
            key += key
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if enabled and a._requires_grad:
                    key += 1
                    heads.append(a if a._node is None else a._node)
                else:
                    heads.append(None)
            else:
                arrays.append(np.asarray(a) if type(a) is list else a)
                heads.append(None)
        if in_use[0]:
            check_same(cls.__name__, arrays)
        ctx.needs_input_grad = needs = _NEEDS.get(key) or _needs(key)
        if len(arrays) == 2 and arrays[0] is arrays[1] and args[0] is not args[1]:
            # a * a.detach(), a * a.data: one array for two arguments. The second gets a view of
            # its own, so that saved values are matched to the right argument (create_graph).
            arrays[1] = arrays[1].view() if type(arrays[1]) is _ndarray else arrays[1].copy()
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except (ValueError, IndexError, TypeError) as e:
            # the same error with the op's name and inputs, said once (no chained copy of it)
            error = same_kind(e, f"{cls.__name__}: {e} (inputs: {describe(args)})")
            raise error.with_traceback(e.__traceback__) from None
        if type(out) is not _ndarray and type(out) not in _FLOAT_SCALARS or out.dtype.kind != "f":
            out = _as_result(ctx, out)
        t = _new(Tensor)  # Tensor._make, inlined: this is the hottest line of the engine
        t._data = out
        t.grad = None
        if True in needs:
            ctx._parents, ctx._shape = tuple(heads), out.shape
            ctx._call = (args, tuple(arrays), kwargs or None)
            saved = ctx._saved
            if saved:
                ctx._stamp = clock[0]
                ctx._out_index = None
                for i, s in enumerate(saved):
                    if s is out:
                        ctx._out_index = i
                        break
            t._node, t._requires_grad = ctx, True
        else:
            t._node, t._requires_grad = None, False
        if watch:  # anomaly mode, a viz.record() block
            _watch(ctx, args, out, t)
        if out.base is not None:
            _share_version(t, args)
        return t

    @property
    def inputs(self):
        """Per input: the node that produced it, the leaf tensor itself, or None (no gradient)."""
        return parents(self)

    def save_for_backward(self, *arrays):
        """Keep what backward needs; released after backward unless retain_graph=True."""
        self._saved = arrays

    @property
    def saved_tensors(self):
        """The saved arrays; under create_graph=True the Tensors they came from, so that the
        backward formula is itself recorded and can be differentiated again."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(freed_message(self))
        if not state.mode[0]:
            return saved
        return tuple([self._as_tensor(i, a) for i, a in enumerate(saved)])

    def derived(self, value, fn, *inputs):
        """A value that forward computed from the inputs and saved (a softmax, im2col's columns):
        `value` itself in a normal backward; under create_graph=True `fn(*inputs)`, recomputed
        from the inputs as Tensors, so that the gradient is a function of them and can be
        differentiated again."""
        return fn(*inputs) if state.mode[0] else value

    def _as_tensor(self, i, a):
        args, arrays, _ = self._call
        for t, array, head in zip(args, arrays, self._parents):
            if array is a and isinstance(t, Tensor):
                if head is t or t._data is a and head is (t._node if t._requires_grad else None):
                    return t  # a leaf, or a tensor as it was when recorded
                return _as_recorded(a, head)  # t changed since (an in-place op, detach_)
        if i == self._out_index:
            return Tensor._make(a, self)  # the output itself: its gradient flows into this node
        return a  # a constant of the forward pass (a mask, labels)

    def __repr__(self):
        return f"<{type(self).__name__} node>"


def _share_version(t, args):
    """An op's result whose array is a view of an input's (reshape, transpose, basic indexing)
    shares that input's version counter."""
    memory = _memory(t._data)
    for a in args:
        if not isinstance(a, Tensor):
            continue
        value = a._data
        if type(value) in _FLOAT_SCALARS and memory.ndim == 0 and memory.dtype == value.dtype and memory == value:
            # a view of a 0-d tensor held as a NumPy scalar: NumPy made an array of its value,
            # and that array becomes the tensor's data, so that the two share it
            a._data = memory
        if _memory(a._data) is memory:
            t._base = a._owner()
            t._base._views = True
            return


def _memory(a):
    """The object that owns the memory of array `a` (the end of its chain of bases)."""
    while getattr(a, "base", None) is not None:  # NumPy's arrays and CuPy's alike
        a = a.base
    return a


def _as_result(ctx, out):
    """A forward's result that is not a float array or a NumPy float scalar (a number, an int
    array) as a float array, also where forward saved it."""
    if isinstance(out, (tuple, list)):
        raise TypeError(f"{type(ctx).__name__}.forward returned a {type(out).__name__}; a Function "
                        "returns one array (write one Function per output)")
    array = as_float_array(out, f"the result of {type(ctx).__name__}")
    for s in ctx._saved:
        if s is out:
            ctx._saved = tuple([array if s is out else s for s in ctx._saved])
            break
    return array


def _watch(ctx, args, out, t):
    """Anomaly mode's checks of a forward, and a viz.record() block's note of the node."""
    if state.anomaly:
        anomaly.check_forward(ctx, args, out)
    if state.recorder is not None and t._node is ctx:
        state.recorder.add(ctx, t)


def parents(node):
    """Per input of `node`: where its gradient goes (the node that produced it, the leaf tensor
    itself, or None when it needs none), as it was when `node` was recorded."""
    return getattr(node, "_parents", None) or ()


def _as_recorded(a, head):
    """An input as it was when the op was recorded: array `a`, the output of `head` (a node), or
    a value that needs no gradient (head None)."""
    w = Tensor._make(a, head)
    w._requires_grad = head is not None
    return w


def same_kind(error, message):
    """An error of `error`'s class with a new message; of the builtin class it derives from when
    that class wants more than a message (numpy's _UFuncNoLoopError, raised for `t + "a"`)."""
    try:
        return type(error)(message)
    except TypeError:
        return next(c for c in (IndexError, ValueError, TypeError) if isinstance(error, c))(message)


def describe(args):
    """Shapes of an op's inputs, for error messages: 'Tensor (5, 3), ndarray (4, 4), 2.0'."""
    out = []
    for a in args:
        if isinstance(a, Tensor):
            out.append(f"Tensor{' ' + repr(a.name) if a.name else ''} of shape {a.shape}")
        elif isinstance(a, np.ndarray):
            out.append(f"ndarray of shape {a.shape}")
        else:
            out.append(repr(a) if len(repr(a)) < 40 else type(a).__name__)
    return ", ".join(out)


def freed_message(node):
    return (f"trying to backward through the graph a second time: the values {type(node).__name__} "
            "saved for backward were freed by the first backward. Pass retain_graph=True to the "
            "first backward() if you need to call it twice.")


def before_overwrite(node, array):
    """`array` is about to be overwritten in place (autograd/inplace.py): where `node` saved it,
    it keeps a copy instead, and its call record shows the copy as the input it was."""
    if not any(s is array for s in node._saved):
        return
    kept = array.copy()
    node._saved = tuple([kept if s is array else s for s in node._saved])
    args, arrays, kwargs = node._call
    moved = [k for k, a in enumerate(arrays) if a is array]
    args = tuple([_as_recorded(kept, node._parents[k]) if k in moved else a for k, a in enumerate(args)])
    node._call = (args, tuple([kept if k in moved else a for k, a in enumerate(arrays)]), kwargs)


# --- what the tools may read of a node (gradcheck_nodes, viz) ------------------------------------

def recorded_call(node):
    """(args, kwargs) of the call that recorded `node`: its input Tensors and constants as given;
    None once a backward without retain_graph let go of them."""
    call = getattr(node, "_call", None)
    return None if call is None else (call[0], call[2] or {})


def has_saved(node):
    """Does `node` still hold what its backward needs (not freed by a backward)?"""
    return node._saved is not None


def output_shape(node):
    """The shape of the output `node` made (None for a node that recorded nothing)."""
    return getattr(node, "_shape", None)


def called_at(node):
    """file:line of the user's code that called the op, where anomaly mode was on; else None."""
    return None if node._anomaly is None else node._anomaly[0]


def retained_output(node):
    """The output tensor of `node` that keeps its gradient (retain_grad()), if it is still alive."""
    return None if node._retained is None else node._retained()
