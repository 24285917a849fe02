"""The book's training loop (ch05/train_neuralnet.py) verbatim with nn.TwoLayerNet keeps memory
flat: loss() returns a number, as the book's, so a stored loss holds no graph and no batch."""
import tracemalloc

import numpy as np
from tests.book.test_two_layer_net import BookTwoLayerNet  # the book's raw-NumPy layers and network

import nn
from autograd import Tensor


def data(n=600, size=784, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, size), dtype=np.float32)
    t = np.eye(10)[np.argmax(x @ rng.standard_normal((size, 10)), axis=1)]
    return x, t


def train(network, x_train, t_train, iters_num, probe=None):
    """ch05/train_neuralnet.py, verbatim but for the epoch prints; probe(i) runs after step i."""
    np.random.seed(0)
    train_size = x_train.shape[0]
    batch_size = 100
    learning_rate = 0.1
    train_loss_list = []

    for i in range(iters_num):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        grad = network.gradient(x_batch, t_batch)

        for key in ('W1', 'b1', 'W2', 'b2'):
            network.params[key] -= learning_rate * grad[key]

        loss = network.loss(x_batch, t_batch)
        train_loss_list.append(loss)
        if probe is not None:
            probe(i)
    return train_loss_list


def traced(network, x, t, iters_num, at):
    """(traced bytes after step `at`, after the last step, peak) of the book's loop."""
    marks = {}
    tracemalloc.start()
    try:
        losses = train(network, x, t, iters_num, lambda i: marks.setdefault(i, tracemalloc.get_traced_memory()[0]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return marks[at], marks[iters_num - 1], peak, losses


def test_the_books_loop_keeps_memory_flat_and_its_peak_near_raw_numpys():
    x, t = data()
    net = nn.TwoLayerNet(784, 50, 10, rng=np.random.default_rng(1))
    book = BookTwoLayerNet(net.params)
    at_start, at_end, peak, losses = traced(net, x, t, 120, at=20)
    book_start, book_end, book_peak, book_losses = traced(book, x, t, 120, at=20)
    # one step's graph holds its batch (100 x 784 float32, 314 KB) and activations: kept for every
    # stored loss, 100 more steps would add ~40 MB
    assert at_end - at_start < 256 * 1024, f"grew by {(at_end - at_start) / 2**20:.1f} MiB over 100 steps"
    assert peak < 1.2 * book_peak, f"peak {peak / 2**20:.2f} MiB, raw NumPy {book_peak / 2**20:.2f} MiB"
    # the same loss curve: the book's own loss differs only by its + 1e-7 inside the log
    np.testing.assert_allclose([float(v) for v in losses], book_losses, rtol=1e-5)


def test_stored_losses_are_numbers_with_the_values_read_at_once():
    x, t = data(200)
    net = nn.TwoLayerNet(784, 20, 10, rng=np.random.default_rng(2))
    twin = nn.TwoLayerNet(784, 20, 10, rng=np.random.default_rng(2))
    stored = train(net, x, t, 5)
    np.random.seed(0)
    values = []
    for i in range(5):  # the same steps, each loss read at once from the loss with its graph
        mask = np.random.choice(200, 100)
        g = twin.gradient(x[mask], t[mask])
        for key in g:
            twin.params[key] -= 0.1 * g[key]
        values.append(twin.loss_tensor(x[mask], t[mask]).item())
    assert all(type(s) is np.float64 for s in stored)  # what the book's loss returns
    assert [float(s) for s in stored] == values
    assert "Tensor" not in str(stored)


def test_loss_tensor_and_net_x_give_graphs_for_engine_users():
    x, t = data(10)
    net = nn.TwoLayerNet(784, 8, 10, rng=np.random.default_rng(3))
    loss = net.loss_tensor(x, t)
    assert isinstance(loss, Tensor) and loss.item() == net.loss(x, t)
    loss.backward()
    assert net.layers["Affine1"].W.grad is not None
    # two losses before the next gradient(): both graphs are there, their sum backwards
    net.zero_grad()
    l1, l2 = net.loss_tensor(x[:5], t[:5]), net.lastLayer(net(x[5:]), t[5:])
    (l1 + l2).backward()
    g_sum = net.layers["Affine1"].W.grad.data.copy()
    grads = [net.gradient(x[:5], t[:5])["W1"], net.gradient(x[5:], t[5:])["W1"]]
    np.testing.assert_allclose(g_sum, grads[0] + grads[1], rtol=1e-12)


def test_detach_in_place_lets_go_of_the_graph():
    import weakref
    w = Tensor(np.ones(3), requires_grad=True)
    h = w * 2.0
    node = weakref.ref(h.grad_fn)
    y = h.sum()
    del h
    assert y.detach_() is y
    assert y.grad_fn is None and y.is_leaf and not y.requires_grad and y.item() == 6.0
    assert node() is None
