"""The ops as functions (`import autograd.functions as F`): `F.exp(x)`, `F.cross_entropy(logits,
t)`, `F.conv2d(x, W, b)`, ... Inputs may be Tensors, ndarrays or numbers; the result is a Tensor.

Each function is declared by its op in autograd/ops/ (`function = "exp"`, and the op's own `call`
where its arguments are not simply forward's) and put here by autograd/bindings.py when the
package is imported; `__all__` lists them."""
__all__ = []
