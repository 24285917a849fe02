"""Elementwise ops: arithmetic of two inputs (broadcasting; the engine sums their gradients
back to each input's shape) and functions of one input."""
import numpy as np

from ..device import array_module
from ..tensor import Tensor, _raw, as_tensor
from .base import Op, dtype_of, either

# --- two inputs (broadcasting) ----------------------------------------------------

class Add(Op):
    formula = "dx = dout, dy = dout"
    function, operator, numpy = "add", "+", np.add
    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, g):                       # AddLayer: dx = dout * 1, dy = dout * 1
        return g, g


class Sub(Op):
    formula = "dx = dout, dy = -dout"
    function, operator, numpy = "sub", "-", np.subtract
    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Op):
    formula = "dx = dout * y, dy = dout * x"
    function, operator, numpy = "mul", "*", np.multiply
    @staticmethod
    def forward(ctx, x, y):
        need_x, need_y = ctx.needs_input_grad  # keep only what a gradient reads (x * 2 keeps 2)
        ctx.save_for_backward(x if need_y else None, y if need_x else None)
        return x * y

    @staticmethod
    def backward(ctx, g):                       # MulLayer: dx = dout * y, dy = dout * x
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (g * y if need_x else None), (g * x if need_y else None)


class Div(Op):
    formula = "dx = dout / y, dy = dout * (-x / y**2)"
    function, operator, numpy = "div", "/", np.divide
    domain = ((-3.0, 3.0), (0.5, 3.0))

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, y)
        return x / y

    @staticmethod
    def backward(ctx, g):                       # DivLayer: dx = dout / y, dy = dout * (-x / y**2)
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (g / y if need_x else None), (g * (-x / y ** 2) if need_y else None)


class Pow(Op):
    formula = "dx = dout * b * x**(b - 1), db = dout * out * log(x)"
    function, operator, numpy = "pow", "**", np.power
    domain = ((0.5, 2.0), (-2.0, 2.0))

    @staticmethod
    def forward(ctx, x, b):
        y = x ** b
        ctx.save_for_backward(x, b, y if ctx.needs_input_grad[1] else None)
        return y

    @staticmethod
    def backward(ctx, g):                       # d(x^b)/dx = b x^(b-1), d(x^b)/db = x^b log x
        x, b, y = ctx.saved_tensors
        need_x, need_b = ctx.needs_input_grad
        # At x = 0 the formulas meet 0 * inf: b x^(b-1) is 0 for b = 0 (x^0 is constant) and
        # x^b log x is 0 for b > 0. Adding the constant 1 to x just there gives those zeros
        # and leaves the formulas (and their own derivatives) as they are everywhere else.
        zero = _raw(x) == 0
        gx = gb = None
        if need_x:
            gx = g * b * (x + (zero & (_raw(b) == 0))) ** (b - 1)
        if need_b:
            gb = g * y * np.log(x + zero)
        return gx, gb

    @staticmethod
    def second_order(args, kwargs):
        # at base 0 the exponent's gradient x^b log x has no derivative in x (x log x falls to
        # -inf; below 0 it is not defined): there the tests check first derivatives only
        return bool(np.all(np.asarray(args[0]) != 0))

    @classmethod
    def arguments(cls, draw, t):
        """Pow over its domain, or with bases that are exactly 0 and whole exponents 1 to 3, where
        x^b is differentiable in x and (from above) in b: both vjps meet 0 * inf there."""
        if draw(t.st.booleans()):
            return draw(t.op_inputs(cls))
        sx, sb = draw(t.broadcastable_shapes(2))
        x = draw(t.hnp.arrays(np.float64, sx, elements=t.st.just(0.0) | t.values(cls.domain[0])))
        b = draw(t.hnp.arrays(np.float64, sb, elements=t.st.sampled_from([1.0, 2.0, 3.0])))
        return [x, b], {}


class Maximum(Op):
    formula = "dx = dout * (x > y), dy = dout * (y > x), a tie shares dout"
    function, numpy = "maximum", np.maximum
    distinct = True

    @staticmethod
    def forward(ctx, x, y):
        out = np.maximum(x, y)
        ctx.save_for_backward(((x > y) + 0.5 * (x == y)).astype(out.dtype, copy=False))
        return out

    @staticmethod
    def backward(ctx, g):                       # the larger input takes g; a tie shares it
        (share,) = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (g * share if need_x else None), (g * (1 - share) if need_y else None)


class Where(Op):
    formula = "dx = dout * cond, dy = dout * ~cond"
    function, numpy = "where", np.where  # np.where: numpy_api reads its condition
    differentiable = (False, True, True)

    @staticmethod
    def forward(ctx, cond, x, y):
        if dtype_of(cond) != bool:
            raise TypeError(f"the condition must be a boolean array, got dtype {dtype_of(cond)}")
        cond = array_module(cond).array(cond)  # a copy: the caller may change theirs before backward
        ctx.save_for_backward(cond)
        return np.where(cond, x, y)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        return None, g * cond, g * ~cond

    @staticmethod
    def call(cond, x, y):                       # F.where(cond, x, y): cond a boolean mask
        return Where.apply(_raw(cond), as_tensor(x), y)

    @classmethod
    def arguments(cls, draw, t):
        sc, sx, sy = draw(t.broadcastable_shapes(3))
        return [draw(t.hnp.arrays(bool, sc))] + t.op_arrays(draw, cls, [sx, sy]), {}


# --- elementwise, one input --------------------------------------------------------------------

class Neg(Op):
    formula = "dx = -dout"
    function, method, numpy = "neg", "__neg__", np.negative
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Op):
    formula = "dx = dout * out"
    function = method = "exp"
    numpy = np.exp
    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Log(Op):
    formula = "dx = dout / x"
    function = method = "log"
    numpy = np.log
    domain = (0.1, 3.0)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Sqrt(Op):
    formula = "dx = dout / (2 * out)"
    function = method = "sqrt"
    numpy = np.sqrt
    domain = (0.1, 3.0)

    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (2 * y)


class Tanh(Op):
    formula = "dx = dout * (1 - out**2)"
    function = method = "tanh"
    numpy = np.tanh
    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):                       # tanh layer: dx = dout * (1 - y^2)
        (y,) = ctx.saved_tensors
        return g * (1.0 - y ** 2)


class Sigmoid(Op):
    formula = "dx = dout * (1 - out) * out"
    function = method = "sigmoid"
    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):        # exp(-x) = inf for x < -709 gives y = 0, as it should
            y = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):                       # Sigmoid layer: dx = dout * (1 - y) * y
        (y,) = ctx.saved_tensors
        return g * (1.0 - y) * y


class ReLU(Op):
    formula = "dx = dout * (x > 0)"
    function = method = "relu"
    kinks = (0.0,)

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):                       # Relu layer: dout where x > 0, else 0 (0 at x = 0)
        (y,) = ctx.saved_tensors
        if not isinstance(g, Tensor) and np.isfinite(g).all():
            # dout * mask: ~4x faster than np.where on a large array (no branch per element), and
            # exact for a finite dout (inf * 0 is NaN: an infinite dout takes np.where below)
            return g * (y > 0)
        # 0 under the mask even for dout = inf; under create_graph the zeros are a function of y
        # (derivative 0), as PyTorch's
        return np.where(y > 0, g, ctx.derived(0, _zeros_of, y))


class Positive(Op):
    """The mask y > 0 in y's dtype, with derivative 0: under create_graph ReLU's gradient
    depends on y through it, so it differentiates again (to zeros) as PyTorch's does."""
    formula = "dy = 0 * dout"
    kinks = (0.0,)

    @staticmethod
    def forward(ctx, y):
        return (y > 0).astype(y.dtype)

    @staticmethod
    def backward(ctx, g):
        return g * 0


def _zeros_of(y):
    return 0 * Positive.apply(y)
