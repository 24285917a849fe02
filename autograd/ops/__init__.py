"""The op table: every built-in op, its forward and its vjp side by side, one class per op.

Each op is an `Op` (an `autograd.Function`): its `backward` is the textbook layer's backward
formula, written with operators, methods and NumPy functions that ndarrays and Tensors share, so a
normal backward runs it on ndarrays and `create_graph=True` runs it on Tensors (recorded, so it
can be differentiated again). Gradients of broadcast inputs are summed back by the engine, so no
vjp here undoes broadcasting itself. A value forward derived from the inputs and saved (a softmax,
im2col's columns) goes through `ctx.derived`, which recomputes it from the inputs under
create_graph.

Defining an `Op` subclass registers it in `OPS`; its class attributes declare the rest (see
`Op`): the names of its `autograd.functions` function and Tensor method, its operator, the NumPy
functions that record it, and the facts its property test needs. autograd/bindings.py makes the
functions, methods and NumPy tables from `OPS`; tests/ops/test_ops.py checks every op of `OPS`.

Modules, by kind (each imports only the core, `base` and kinds listed before it):
    base           Op, OPS, helpers shared by the kinds
    elementwise    Add Sub Mul Div Pow Maximum Where Neg Exp Log Sqrt Tanh Sigmoid ReLU Positive
    linalg         MatMul Affine
    shapes         Reshape Transpose BroadcastTo GetItem ScatterAdd Concatenate Stack Copy SetItem,
                   ToDevice (t.to(device); not in OPS)
    reductions     Sum Mean Max
    losses         Softmax LogSoftmax CrossEntropy
    conv           Im2col Col2im Conv2d MaxPool2d
    normalization  Dropout BatchNorm
An op of your own is one class in a module of yours: `class Cosh(Op)` with `function = method =
"cosh"` and `numpy = np.cosh` gets `F.cosh`, `t.cosh()` and `np.cosh(t)` as it is defined, and
`autograd.testing.check_op(Cosh)` runs the property suite on it (README, "Adding an op").
"""
from .base import OPS, Op
from .elementwise import Add, Sub, Mul, Div, Pow, Maximum, Where, Neg, Exp, Log, Sqrt, Tanh, Sigmoid, ReLU, Positive
from .linalg import MatMul, Affine
from .shapes import (Reshape, Transpose, BroadcastTo, GetItem, ScatterAdd, Concatenate, Stack, Copy, SetItem,
                     ToDevice)
from .reductions import Sum, Mean, Max
from .losses import Softmax, LogSoftmax, CrossEntropy
from .conv import Im2col, Col2im, Conv2d, MaxPool2d
from .normalization import Dropout, BatchNorm
