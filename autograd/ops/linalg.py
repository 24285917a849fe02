"""Linear algebra: the matrix product (np.matmul's, 1-D and batched operands included) and the
textbook's Affine layer x W + b as one op."""
import numpy as np

from .base import Op

class MatMul(Op):
    formula = "dx = dout @ W.T, dW = x.T @ dout"
    function, operator, numpy = "matmul", "@", (np.matmul, np.dot)  # np.dot: numpy_api reads its shapes

    @staticmethod
    def forward(ctx, x, W):
        if np.ndim(x) == 0 or np.ndim(W) == 0:
            raise ValueError("matmul needs operands with at least one dimension")
        need_x, need_W = ctx.needs_input_grad
        ctx.save_for_backward(x if need_W else None, W if need_x else None)
        ctx.shapes = (np.shape(x), np.shape(W))
        return mm(x, W)

    @staticmethod
    def backward(ctx, g):                       # MatMul layer: dx = dout W^T, dW = x^T dout
        x, W = ctx.saved_tensors
        need_x, need_W = ctx.needs_input_grad
        x_shape, W_shape = ctx.shapes
        if len(x_shape) > 1 and len(W_shape) > 1:
            return (mm(g, _mT(W)) if need_x else None), (mm(_mT(x), g) if need_W else None)
        # np.matmul reads a 1-D x as a row and a 1-D W as a column and drops that axis from the
        # result: put the axes back, apply the same formulas, then drop them from the gradients
        X_shape = (1,) + x_shape if len(x_shape) == 1 else x_shape
        Wc_shape = W_shape + (1,) if len(W_shape) == 1 else W_shape
        g = g.reshape(np.broadcast_shapes(X_shape[:-2], Wc_shape[:-2]) + (X_shape[-2], Wc_shape[-1]))
        gx = mm(g, _mT(W.reshape(Wc_shape))) if need_x else None
        gW = mm(_mT(x.reshape(X_shape)), g) if need_W else None
        if len(x_shape) == 1 and gx is not None:
            gx = gx[..., 0, :]
        if len(W_shape) == 1 and gW is not None:
            gW = gW[..., 0]
        return gx, gW

    @classmethod
    def arguments(cls, draw, t):                # 1-D operands and batches of matrices too
        n, k, m, b = (draw(t.st.integers(1, 4)) for _ in range(4))
        case = draw(t.st.sampled_from([((n, k), (k, m)), ((k,), (k, m)), ((n, k), (k,)), ((k,), (k,)),
                                       ((b, n, k), (k, m)), ((b, n, k), (b, k, m)), ((n, k), (b, k, m)),
                                       ((k,), (b, k, m)), ((b, 1, n, k), (b, k, m))]))
        return t.op_arrays(draw, cls, case), {}


def mm(a, b):
    """a @ b. Two float dtypes are first cast to the one NumPy promotes to: only same-dtype
    products take NumPy's BLAS path (float32 data @ float64 weights is ~10x slower otherwise)."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype != b.dtype:
        dtype = np.result_type(a, b)
        a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
    try:
        return a @ b
    except ValueError:
        raise ValueError(_matmul_mismatch(a, b)) from None


def _matmul_mismatch(x, W):
    """What is wrong with the shapes of x @ W, in place of numpy's message about gufunc
    signatures and core dimensions (worked out only once matmul has failed)."""
    xs, ws = np.shape(x), np.shape(W)
    inner_x, inner_W = xs[-1], ws[-2] if len(ws) > 1 else ws[0]
    if inner_x != inner_W:
        which = "first" if len(ws) == 1 else "second-to-last"
        return (f"matmul of shapes {xs} and {ws}: the last axis of the first ({inner_x}) must match "
                f"the {which} axis of the second ({inner_W})")
    return (f"matmul of shapes {xs} and {ws}: the batch shapes {xs[:-2]} and {ws[:-2]} do not "
            "broadcast together")


def _mT(a):
    """Swap the last two axes (a batch of transposed matrices)."""
    return a.T if a.ndim == 2 else a.transpose(*range(a.ndim - 2), a.ndim - 1, a.ndim - 2)


class Affine(Op):
    """x W + b in one op, as the textbook's Affine layer: x (N, in), W (in, out), b (out,)."""
    formula = "dx = dout @ W.T, dW = x.T @ dout, db = sum(dout, axis=0)"
    function = "affine"

    @staticmethod
    def forward(ctx, x, W, b):
        if np.ndim(x) != 2 or np.ndim(W) != 2:
            raise ValueError("affine expects x of shape (N, in) and W of shape (in, out)")
        need_x, need_W, _ = ctx.needs_input_grad
        ctx.save_for_backward(x if need_W else None, W if need_x else None)
        y = mm(x, W)
        if isinstance(b, np.ndarray) and b.ndim == 1 and b.dtype == y.dtype:
            y += b                              # y is new: adding in place saves a pass over memory
            return y
        return y + b

    @staticmethod
    def backward(ctx, g):                       # Affine layer: dx = dout W^T, dW = x^T dout,
        x, W = ctx.saved_tensors                # db = sum(dout, axis=0): the engine sums g to b's shape
        need_x, need_W, need_b = ctx.needs_input_grad
        return (mm(g, W.T) if need_x else None), (mm(x.T, g) if need_W else None), (g if need_b else None)

    @staticmethod
    def call(x, W, b):                          # F.affine(x, W, b): x as given, an array or a Tensor
        return Affine.apply(x, W, b)

    @classmethod
    def arguments(cls, draw, t):
        n, k, m = (draw(t.st.integers(1, 4)) for _ in range(3))
        b_shape = draw(t.st.sampled_from([(m,), (1, m), (), (1,)]))
        return t.op_arrays(draw, cls, [(n, k), (k, m), b_shape]), {}
