"""The textbook's `common/` package: its layers with its API, each one the op of the table
behind it; its optimizers (`update(params, grads)`, with the rules of nn.optim), its Trainer and
its util functions.

    mul = MulLayer()
    price = mul.forward(100, 2)          # 200
    dx, dy = mul.backward(1)             # 2, 100

`forward` runs the op through the engine and keeps its node; `backward(dout)` runs that node's
vjp, the same formula `Tensor.backward()` uses, and sums broadcast gradients back to the input's
shape. Arrays and numbers go in and come out, as in the book: a Python number where every input
was one, integers where integers went in and the book's formula keeps them (x * y, x @ W).
Weights are held by reference (`params[key] -= lr * grads[key]` trains the layer). Unlike the
book's code, nothing here changes `dout` or `x`.

A new layer is a few lines: name its op, the attributes holding its weights, and say whether the
book's formula keeps integers; `forward` may pass the op its keyword arguments:

    class Convolution(Layer):
        op, weights = ops.Conv2d, ("W", "b")
        def __init__(self, W, b, stride=1, pad=0):
            self.W, self.b, self.stride, self.pad = W, b, stride, pad
        def forward(self, x):
            return self._forward(x, stride=self.stride, pad=self.pad)
"""
import numpy as np

import autograd.functions as F
from autograd import Tensor, enable_grad, no_grad, ops
from autograd.engine import backprop

from . import optim

_NUMBERS = (int, float, bool)


class Layer:
    """One op of the table with the book's forward/backward API."""
    op = None                # the autograd.Function this layer is
    weights = ()             # attributes holding the weights, passed to the op after the inputs;
                             # their gradients are kept as attributes 'd' + name (dW, db)
    keeps_integers = False   # the book's formula maps integers to integers (sums, products, masks)
    _graph = None            # (the op's output, its Tensor arguments: None where not differentiable)

    def forward(self, *inputs):
        return self._forward(*inputs)

    def backward(self, dout):
        return self._backward(dout)

    def _forward(self, *inputs, **op_kwargs):
        args = list(inputs) + [getattr(self, w) for w in self.weights]
        differentiable = self.op.differentiable or (True,) * len(args)
        with enable_grad():  # the book's layers always remember their forward for backward
            tensors = [_tensor(a, type(self).__name__) if d else None for a, d in zip(args, differentiable)]
            out = self.op.apply(*self._op_args([a if t is None else t for a, t in zip(args, tensors)]),
                                **op_kwargs)
        self._graph = (out, tensors)
        self._n_inputs = len(inputs)
        self._kinds = [_kind(a) for a in args]
        return self._like_the_book(out.data, self._kinds)

    def _backward(self, dout):
        """The engine's backward (autograd.engine.backprop) from the op's output at dout, with
        respect to the layer's inputs and weights, in NumPy's dtypes as the book's formulas."""
        name = type(self).__name__
        if self._graph is None:
            raise RuntimeError(f"{name}.backward() called before {name}.forward()")
        out, tensors = self._graph
        if isinstance(dout, Tensor):
            dout = dout.data
        # the book's formulas promote: a float64 dout after a float32 forward gives float64 gradients
        dtype = np.result_type(_kind(dout), out.dtype)
        g = np.asarray(dout, dtype=dtype)
        if g.shape != out.shape:
            try:
                g = np.broadcast_to(g, out.shape)
            except ValueError:
                raise ValueError(f"{name}.backward: dout of shape {g.shape} does not match the output "
                                 f"of forward, shape {out.shape}") from None
        wanted = [out.grad_fn] + [t for t in tensors if t is not None]
        grads, shared = backprop([out], [g], wanted, retain_graph=True, keep_dtypes=True)
        dout_kind = _kind(dout)
        results = []
        for i, t in enumerate(tensors):
            gi = None if t is None else grads.get(t)
            if gi is None:
                results.append(None)
                continue
            gi = np.asarray(gi)
            if gi.dtype != np.result_type(gi, dtype):  # a vjp that scaled its own array in place
                gi = gi.astype(dtype)
            elif t in shared:  # never hand out dout itself or a view of it
                gi = gi.copy()
            results.append(self._like_the_book(gi, [dout_kind] + self._kinds[:i] + self._kinds[i + 1:]))
        for w, gw in zip(self.weights, results[self._n_inputs:]):
            setattr(self, "d" + w, gw)
        dx = [r for r, t in zip(results[:self._n_inputs], tensors) if t is not None]
        return dx[0] if len(dx) == 1 else tuple(dx)

    def _op_args(self, args):
        """The arguments as the op takes them, Tensors where they take a gradient: a layer may
        broadcast what the book's broadcasts, recorded (np.broadcast_to), so that the engine
        sums the gradient back to the argument's shape."""
        return args

    def _like_the_book(self, value, kinds):
        """`value` as the book's formula returns it for inputs of these kinds."""
        if self.keeps_integers:
            dtype = np.result_type(*kinds)
            if dtype.kind in "iu":
                value = value.astype(dtype)
        if all(type(k) in _NUMBERS for k in kinds):
            return value.item()
        return value[()] if value.ndim == 0 else value  # a 0-d result is a NumPy scalar, as NumPy gives


def _tensor(a, layer):
    if isinstance(a, Tensor):
        if a.requires_grad:
            raise TypeError(f"{layer}: the book's layers take arrays and numbers, not a Tensor that "
                            "requires grad (its gradient would be lost); use the nn modules or the "
                            "autograd ops on Tensors, or pass t.detach()")
        return Tensor(a.data, requires_grad=True)
    return Tensor(a, requires_grad=True)  # float arrays are not copied: weights stay the caller's


def _kind(a):
    """What decides a result's type: a Python number itself, else the array's dtype."""
    if type(a) in _NUMBERS:
        return a
    if isinstance(a, Tensor):
        return a.dtype
    return np.asarray(a).dtype


class MulLayer(Layer):
    """forward(x, y) -> x * y; backward(dout) -> (dout * y, dout * x)."""
    op, keeps_integers = ops.Mul, True


class AddLayer(Layer):
    """forward(x, y) -> x + y; backward(dout) -> (dout, dout), summed back where y was broadcast."""
    op, keeps_integers = ops.Add, True


class DivLayer(Layer):
    """forward(x, y) -> x / y; backward(dout) -> (dout / y, dout * (-x / y**2))."""
    op = ops.Div


class Relu(Layer):
    """forward(x) -> max(x, 0); backward(dout) -> dout where x > 0, else 0 (also at x = 0)."""
    op, keeps_integers = ops.ReLU, True
    mask = None

    def forward(self, x):
        out = self._forward(x)
        self.mask = np.asarray(out) <= 0  # the book's mask, x <= 0
        return out

    def backward(self, dout):
        # The op multiplies dout by its mask: inf * 0 is NaN and -1 * 0 is -0.0 where the book's
        # dout[mask] = 0 writes 0. Setting 0 under the mask gives the book's values, dout untouched.
        with np.errstate(invalid="ignore"):
            dx = self._backward(dout)
        out = np.where(self.mask, 0, dx)
        return out if isinstance(dx, np.ndarray) else type(dx)(out)


class Sigmoid(Layer):
    """forward(x) -> 1 / (1 + exp(-x)); backward(dout) -> dout * (1 - y) * y."""
    op = ops.Sigmoid


class Tanh(Layer):
    """forward(x) -> tanh(x); backward(dout) -> dout * (1 - y**2)."""
    op = ops.Tanh


class MatMul(Layer):
    """forward(x) -> x @ W; backward(dout) -> dout @ W.T, keeping dW = x.T @ dout."""
    op, weights, keeps_integers = ops.MatMul, ("W",), True

    def __init__(self, W):
        self.W, self.dW = W, None


class Affine(Layer):
    """forward(x) -> x W + b, flattening x of shape (N, ...) to (N, -1); backward(dout) -> dx of
    x's own shape, keeping dW = x.T @ dout and db = sum(dout, axis=0)."""
    op, weights, keeps_integers = ops.Affine, ("W", "b"), True

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.dW = self.db = None
        self.original_x_shape = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"Affine.forward: x of shape {x.shape}; expected a batch, shape (N, ...): "
                             "write x.reshape(1, -1) for one sample")
        self.original_x_shape = x.shape
        return self._forward(x.reshape(x.shape[0], -1))

    def backward(self, dout):
        return self._backward(dout).reshape(self.original_x_shape)


class SoftmaxWithLoss(Layer):
    """forward(x, t) -> the mean cross-entropy of softmax(x) against labels or one-hot rows t
    (exact: no + 1e-7); backward(dout=1) -> dout * (softmax(x) - t) / N."""
    op = ops.CrossEntropy

    def forward(self, x, t):
        return self._forward(x, class_labels(t))

    def backward(self, dout=1):
        return self._backward(dout)


def class_labels(t):
    """Integer labels of shape (N, 1) as the class indices (N,) they are (the book's ch07
    gradient_check.py passes np.array([1]).reshape((1, 1))); anything else as it is."""
    if np.ndim(t) == 2 and np.shape(t)[1] == 1 and np.asarray(t).dtype.kind in "iu":
        return np.reshape(t, -1)
    return t


class RNN:
    """The book's RNN cell (vol. 2): h_next = tanh(h_prev Wh + x Wx + b), built from the layers
    above as the book writes the formula. `params` [Wx, Wh, b]; `grads` are updated in place."""

    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self._h, self._x, self._sum, self._bias, self._tanh = MatMul(Wh), MatMul(Wx), AddLayer(), AddLayer(), Tanh()

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        self._x.W, self._h.W = Wx, Wh
        t = self._bias.forward(self._sum.forward(self._h.forward(h_prev), self._x.forward(x)), b)
        return self._tanh.forward(t)

    def backward(self, dh_next):
        dt, db = self._bias.backward(self._tanh.backward(dh_next))
        dhw, dxw = self._sum.backward(dt)
        dh_prev, dx = self._h.backward(dhw), self._x.backward(dxw)
        self.grads[0][...] = self._x.dW
        self.grads[1][...] = self._h.dW
        self.grads[2][...] = db
        return dx, dh_prev


__all__ = ["Layer", "MulLayer", "AddLayer", "DivLayer", "Relu", "Sigmoid", "Tanh", "MatMul", "Affine",
           "SoftmaxWithLoss", "RNN", "class_labels"]


# --- chapters 6-7 ------------------------------------------------------------------------------

class Convolution(Layer):
    """forward(x) -> the convolution of x (N, C, H, W) with filters W (FN, C, FH, FW) plus b, by
    im2col; backward(dout) -> dx, keeping dW and db."""
    op, weights = ops.Conv2d, ("W", "b")

    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad
        self.dW = self.db = None

    def forward(self, x):
        return self._forward(x, stride=self.stride, pad=self.pad)

    def _op_args(self, args):
        # b = 0 (ch07/apply_filter.py) or any b that broadcasts over the filters, as the book's
        # `+ self.b` does; db is then the gradient of that b, summed to its shape
        x, W, b = args
        fn = np.shape(W)[0] if np.ndim(W) == 4 else None
        if fn is not None and np.ndim(b) <= 1 and np.shape(b) != (fn,):
            try:
                b = np.broadcast_to(b, (fn,))
            except ValueError:
                pass  # the op names the mismatch
        return [x, W, b]


class Pooling(Layer):
    """forward(x) -> the maximum of each pool_h x pool_w window (the book's stride defaults to 1);
    backward(dout) -> dout at each window's first maximum."""
    op = ops.MaxPool2d

    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def forward(self, x):
        return self._forward(x, pool_h=self.pool_h, pool_w=self.pool_w, stride=self.stride, pad=self.pad)


class Dropout(Layer):
    """forward(x, train_flg=True) -> x * mask, mask = np.random.rand(*x.shape) > dropout_ratio, or
    x * (1 - dropout_ratio) when not training; backward(dout) -> dout * mask (or the scale)."""
    op = ops.Dropout

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio

    def forward(self, x, train_flg=True):
        return self._forward(x, ratio=self.dropout_ratio, training=train_flg)


class BatchNormalization(Layer):
    """forward(x, train_flg=True) -> gamma * normalised x + beta ((N, C, H, W) taken as (N, -1));
    training updates running_mean / running_var in place (zeros of the right size when None, as
    the book starts them); backward(dout) -> dx, keeping dgamma and dbeta."""
    op, weights = ops.BatchNorm, ("gamma", "beta")

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean, self.running_var = running_mean, running_var
        self.dgamma = self.dbeta = None

    def forward(self, x, train_flg=True):
        if self.running_mean is None:
            d = int(np.prod(np.shape(x)[1:]))
            dtype = np.result_type(np.asarray(x).dtype, np.float32)
            self.running_mean, self.running_var = np.zeros(d, dtype), np.zeros(d, dtype)
        return self._forward(x, running_mean=self.running_mean, running_var=self.running_var,
                             momentum=self.momentum, training=train_flg)


__all__ += ["Convolution", "Pooling", "Dropout", "BatchNormalization"]


# --- the book's optimizers (common/optimizer.py): the rules of nn.optim over the book's dicts ---

class BookOptimizer:
    """`update(params, grads)`: one step of the rule for every key of params, in place on the
    arrays (a plain number in the dict is replaced by its new value). Each key's state starts
    as zeros like its parameter, the first time the key is seen."""

    def update(self, params, grads):
        name = type(self).__name__
        for key in params.keys():
            if key not in grads:
                raise KeyError(f"{name}.update: grads has no {key!r}, which params has")
            p, g = params[key], grads[key]
            if np.shape(g) != np.shape(p):
                raise ValueError(f"{name}.update: grads[{key!r}] has shape {np.shape(g)}, "
                                 f"params[{key!r}] has shape {np.shape(p)}")
            params[key] = self._step(key, p, g)

    def _step(self, key, p, g):
        raise NotImplementedError

    @staticmethod
    def _state(store, key, p):
        if key not in store:
            store[key] = np.zeros_like(p)
        return store[key]


class SGD(BookOptimizer):
    """W <- W - lr * dW"""

    def __init__(self, lr=0.01):
        self.lr = lr

    def _step(self, key, p, g):
        return optim.sgd_rule(p, g, self.lr)


class Momentum(BookOptimizer):
    """v <- momentum * v - lr * dW;  W <- W + v"""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def _step(self, key, p, g):
        return optim.momentum_rule(p, g, self._state(self.v, key, p), self.lr, self.momentum)


class Nesterov(BookOptimizer):
    """Nesterov's accelerated gradient as the book's repository has it since its 2021 fix:
    W <- W + momentum^2 * v - (1 + momentum) * lr * dW;  then v <- momentum * v - lr * dW"""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def _step(self, key, p, g):
        return optim.nesterov_rule(p, g, self._state(self.v, key, p), self.lr, self.momentum)


class AdaGrad(BookOptimizer):
    """h <- h + dW * dW;  W <- W - lr * dW / (sqrt(h) + 1e-7)"""

    def __init__(self, lr=0.01):
        self.lr, self.h = lr, {}

    def _step(self, key, p, g):
        return optim.adagrad_rule(p, g, self._state(self.h, key, p), self.lr, 1e-7)


class RMSprop(BookOptimizer):
    """h <- decay_rate * h + (1 - decay_rate) * dW * dW;  W <- W - lr * dW / (sqrt(h) + 1e-7)"""

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate, self.h = lr, decay_rate, {}

    def _step(self, key, p, g):
        return optim.rmsprop_rule(p, g, self._state(self.h, key, p), self.lr, self.decay_rate, 1e-7)


class Adam(BookOptimizer):
    """m, v: running means of dW and dW^2; W <- W - lr_t * m / (sqrt(v) + 1e-7) with
    lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t), t this key's update count (the book's `iter`
    while every key is updated each time, as in the book's loops)."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.m, self.v, self.t = {}, {}, {}

    def _step(self, key, p, g):
        self.t[key] = t = self.t.get(key, 0) + 1
        return optim.adam_rule(p, g, self._state(self.m, key, p), self._state(self.v, key, p), t,
                               self.lr, self.beta1, self.beta2, 1e-7)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": AdaGrad,
              "rmsprop": RMSprop, "adam": Adam}


# --- the book's Trainer (common/trainer.py) ------------------------------------------------------

class Trainer:
    """Trains `network` (any of the book's networks: gradient, loss, accuracy, params) with
    minibatches drawn by np.random.choice, as the book's Trainer: `train()` runs
    int(epochs * train_size / mini_batch_size) steps, storing every loss in train_loss_list and,
    once per epoch (and at the first step), the accuracies on the first
    evaluate_sample_num_per_epoch images (all if None) in train_acc_list and test_acc_list;
    verbose prints them as the book does. `optimizer` is a name ('SGD', 'Momentum', 'Nesterov',
    'AdaGrad', 'RMSprop', 'Adam'; any case) built with **optimizer_param."""

    def __init__(self, network, x_train, t_train, x_test, t_test, epochs=20, mini_batch_size=100,
                 optimizer="SGD", optimizer_param={"lr": 0.01},  # noqa: B006 (the book's signature; read only)
                 evaluate_sample_num_per_epoch=None, verbose=True):
        if optimizer.lower() not in OPTIMIZERS:
            raise ValueError(f"Trainer: unknown optimizer {optimizer!r}; choose one of "
                             f"{', '.join(c.__name__ for c in OPTIMIZERS.values())}")
        self.network, self.verbose = network, verbose
        self.x_train, self.t_train, self.x_test, self.t_test = x_train, t_train, x_test, t_test
        self.epochs, self.batch_size = epochs, mini_batch_size
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch
        self.optimizer = OPTIMIZERS[optimizer.lower()](**optimizer_param)
        self.train_size = x_train.shape[0]
        self.iter_per_epoch = max(self.train_size / mini_batch_size, 1)  # a float, as the book's
        self.max_iter = int(epochs * self.iter_per_epoch)
        self.current_iter = self.current_epoch = 0
        self.train_loss_list, self.train_acc_list, self.test_acc_list = [], [], []

    def train_step(self):
        batch_mask = np.random.choice(self.train_size, self.batch_size)
        x_batch, t_batch = self.x_train[batch_mask], self.t_train[batch_mask]
        grads = self.network.gradient(x_batch, t_batch)
        self.optimizer.update(self.network.params, grads)
        loss = self.network.loss(x_batch, t_batch)
        self.train_loss_list.append(loss)
        if self.verbose:
            print("train loss:" + str(loss))
        if self.current_iter % self.iter_per_epoch == 0:
            self.current_epoch += 1
            k = self.evaluate_sample_num_per_epoch  # None: every image
            train_acc = self.network.accuracy(self.x_train[:k], self.t_train[:k])
            test_acc = self.network.accuracy(self.x_test[:k], self.t_test[:k])
            self.train_acc_list.append(train_acc)
            self.test_acc_list.append(test_acc)
            if self.verbose:
                print(f"=== epoch:{self.current_epoch}, train acc:{train_acc}, test acc:{test_acc} ===")
        self.current_iter += 1

    def train(self):
        for _ in range(self.max_iter):
            self.train_step()
        test_acc = self.network.accuracy(self.x_test, self.t_test)
        if self.verbose:
            print("=============== Final Test Accuracy ===============")
            print(f"test acc:{test_acc}")


# --- the book's util functions (common/util.py) -----------------------------------------------

def smooth_curve(x):
    """x smoothed by a Kaiser window (length 11, beta 2), its ends mirrored: as long as x."""
    x = np.asarray(x)
    window = np.kaiser(11, 2)
    padded = np.concatenate([x[10:0:-1], x, x[:-11:-1]])
    return np.convolve(window / window.sum(), padded, mode="valid")[5:-5]


def shuffle_dataset(x, t):
    """x and t in the same random order (np.random.permutation)."""
    permutation = np.random.permutation(x.shape[0])
    return x[permutation], t[permutation]


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    """(input_size + 2 * pad - filter_size) / stride + 1, a float as the book's."""
    return (input_size + 2 * pad - filter_size) / stride + 1


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    """The windows of input_data (N, C, H, W) as the rows of an (N*OH*OW, C*FH*FW) float64 array,
    by the engine's im2col (a window that does not fit a whole number of times is an error)."""
    with no_grad():
        return F.im2col(input_data, filter_h, filter_w, stride, pad).data.astype(np.float64)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """im2col's adjoint: the rows of col summed back into a float64 array of input_shape."""
    with no_grad():
        return F.col2im(np.asarray(col, dtype=np.float64), input_shape, filter_h, filter_w, stride, pad).data


__all__ += ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "Trainer", "smooth_curve",
            "shuffle_dataset", "conv_output_size", "im2col", "col2im"]
