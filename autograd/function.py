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
_asarray = np.asarray
_FLOAT_SCALARS = {np.float64, np.float32, np.float16}
# shared needs_input_grad tuples for one and two inputs: no new tuple per node for them
_NEEDS = {k: k for k in [(False,), (True,)] + [(a, b) for a in (False, True) for b in (False, True)]}


class Function:
    # A node of the graph is the ctx of its op. What it holds, until backward frees it:
    #   needs_input_grad  per input: does a gradient go back to it?
    #   _args, _kwargs    the call: input Tensors and constants as given (gradcheck_nodes, viz and
    #                     the in-place checks read them; create_graph maps saved arrays to them)
    #   _saved            what save_for_backward kept; None once freed
    #   _parents          per input: the node that made it, the leaf tensor itself or None, as
    #                     they were when the op was recorded (an input's node may change later:
    #                     an in-place op, detach_; this op still takes its gradient to the old one)
    #   _shape            the output's shape, which the gradient arriving here must have
    #   _stamp, _out_index  for nodes that saved something: the clock when recorded, and which
    #                     saved value (if any) is the output itself
    # and, rarely set, so class-level defaults rather than a store per node:
    #   _dirty            the output it saved was changed in place (Tensor.data's setter)
    #   _retained         a weak reference to the output tensor that keeps its .grad (retain_grad)
    #   _where, _sums     anomaly mode: the user's line that called the op, checksums of what it saved
    __slots__ = ("needs_input_grad", "_args", "_kwargs", "_saved", "_parents", "_shape", "_stamp", "_out_index")
    _dirty = _retained = _where = _sums = None

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
        arrays, needs, heads = [], [], []  # heads: where each input's gradient goes, as now
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if enabled and a._requires_grad:
                    needs.append(True)
                    heads.append(a if a._node is None else a._node)
                else:
                    needs.append(False)
                    heads.append(None)
            else:
                arrays.append(np.asarray(a) if type(a) is list else a)
                needs.append(False)
                heads.append(None)
        if in_use[0]:
            check_same(cls.__name__, arrays)
        needs = tuple(needs)
        ctx.needs_input_grad = needs = _NEEDS.get(needs, needs)
        if len(arrays) == 2 and arrays[0] is arrays[1] and args[0] is not args[1]:
            # a * a.detach(), a * a.data: one array for two arguments. The second gets a view of
            # its own, so that saved values are matched to the right argument (create_graph).
            arrays[1] = arrays[1].view()
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except (ValueError, IndexError, TypeError) as e:
            # the same error with the op's name and inputs, said once (no chained copy of it)
            error = same_kind(e, f"{cls.__name__}: {e} (inputs: {describe(args)})")
            raise error.with_traceback(e.__traceback__) from None
        if type(out) is not np.ndarray or out.dtype.kind != "f":
            out = _as_result(ctx, out)
        if watch:
            anomaly.check_forward(ctx, args, out)
        t = _new(Tensor)  # Tensor._make, inlined: this is the hottest line of the engine
        t._data, t.grad, t.name, t._version, t._base = out, None, None, 0, None
        if True in needs:
            ctx._args, ctx._kwargs, ctx._shape, ctx._parents = args, kwargs or None, out.shape, tuple(heads)
            saved = ctx._saved
            if saved:
                ctx._stamp = clock[0]
                ctx._out_index = next((i for i, s in enumerate(saved) if s is out), None)
            t._node, t._requires_grad = ctx, True
            if state.recorder is not None:  # inside viz.record(): it keeps the node and the output
                state.recorder.add(ctx, t)
        else:
            t._node, t._requires_grad = None, False
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
        if not state.grad_enabled:
            return saved
        return tuple([self._as_tensor(i, a) for i, a in enumerate(saved)])

    def derived(self, value, fn, *inputs):
        """A value that forward computed from the inputs and saved (a softmax, im2col's columns):
        `value` itself in a normal backward; under create_graph=True `fn(*inputs)`, recomputed
        from the inputs as Tensors, so that the gradient is a function of them and can be
        differentiated again."""
        return fn(*inputs) if state.grad_enabled else value

    def _as_tensor(self, i, a):
        for t, head in zip(self._args, self._parents):
            if isinstance(t, Tensor) and t._data is a:
                if head is t or head is (t._node if t._requires_grad else None):
                    return t
                return _as_recorded(t, head)  # t's node changed since (an in-place op, detach_)
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
        if isinstance(a, Tensor) and _memory(a._data) is memory:
            t._base = a._owner()
            t._base._views = True
            return


def _memory(a):
    """The object that owns the memory of array `a` (the end of its chain of bases)."""
    while getattr(a, "base", None) is not None:  # NumPy's arrays and CuPy's alike
        a = a.base
    return a


def _as_result(ctx, out):
    """A forward's result as a float ndarray; a NumPy scalar (what arithmetic on 0-d arrays
    gives) becomes a 0-d array, also where forward saved it."""
    if type(out) in _FLOAT_SCALARS:
        array = _asarray(out)
    elif isinstance(out, (tuple, list)):
        raise TypeError(f"{type(ctx).__name__}.forward returned a {type(out).__name__}; a Function "
                        "returns one array (write one Function per output)")
    else:
        array = as_float_array(out, f"the result of {type(ctx).__name__}")
    for s in ctx._saved:
        if s is out:
            ctx._saved = tuple([array if s is out else s for s in ctx._saved])
            break
    return array


def parents(node):
    """Per input of `node`: where its gradient goes (the node that produced it, the leaf tensor
    itself, or None when it needs none), as it was when `node` was recorded."""
    return getattr(node, "_parents", None) or ()


def _as_recorded(t, head):
    """t's data as the input it was when the op was recorded: the output of `head` (a node), or
    a value that needs no gradient (head None)."""
    w = Tensor._make(t._data, head)
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




# --- what the tools may read of a node (gradcheck_nodes, viz) ------------------------------------

def recorded_call(node):
    """(args, kwargs) of the call that recorded `node`: its input Tensors and constants as given;
    None once a backward without retain_graph let go of them."""
    args = getattr(node, "_args", None)
    return None if args is None else (args, node._kwargs or {})


def has_saved(node):
    """Does `node` still hold what its backward needs (not freed by a backward)?"""
    return node._saved is not None


def output_shape(node):
    """The shape of the output `node` made (None for a node that recorded nothing)."""
    return getattr(node, "_shape", None)


def called_at(node):
    """file:line of the user's code that called the op, where anomaly mode was on; else None."""
    return node._where


def retained_output(node):
    """The output tensor of `node` that keeps its gradient (retain_grad()), if it is still alive."""
    return None if node._retained is None else node._retained()
