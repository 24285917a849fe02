"""The floor: the textbook's network in raw NumPy, with no graph, as fast as plain code gets.

    forward   a = x W1 + b1,  h = relu(a),  s = h W2 + b2,  y = softmax(s),  loss = cross-entropy
    backward  ds = (y - t) / N,  dW2 = h^T ds,  db2 = sum(ds),  dh = ds W2^T * (h > 0),  dW1 = x^T dh, ...
    update    W -= lr * dW

More hidden layers repeat the first line. Only needed gradients are computed: the first layer's
dx is skipped (nothing upstream wants it). Python numbers never upcast an array (NEP 50), so a
float32 network computes in float32 throughout.
"""
import numpy as np


def affine(x, W, b):
    return x @ W + b


def relu(a):
    return np.maximum(a, 0)


def softmax_with_loss(s, t):
    """Mean cross-entropy of softmax(s) against labels t, and softmax(s) itself."""
    s = s - s.max(axis=1, keepdims=True)  # shifted so exp cannot overflow
    y = np.exp(s)
    y /= y.sum(axis=1, keepdims=True)
    return -np.log(y[np.arange(len(t)), t] + 1e-7).sum() / len(t), y


class Floor:
    def __init__(self, layers):
        """layers: [(W, b), ...], the arrays this network trains in place."""
        self.layers = layers

    def predict(self, x):
        for W, b in self.layers[:-1]:
            x = relu(affine(x, W, b))
        W, b = self.layers[-1]
        return affine(x, W, b)

    def forward(self, x, t):
        """The loss, and the per-layer inputs and softmax output that backward needs."""
        inputs = [x]
        for W, b in self.layers[:-1]:
            inputs.append(relu(affine(inputs[-1], W, b)))
        W, b = self.layers[-1]
        loss, y = softmax_with_loss(affine(inputs[-1], W, b), t)
        return loss, inputs, y

    def backward(self, inputs, y, t):
        """[(dW, db), ...] from SoftmaxWithLoss, Affine and Relu backward, labels as indices."""
        n = len(y)
        dout = y  # y is ours: change it in place into (y - t) / N
        dout[np.arange(n), t] -= 1
        dout /= n
        grads = []
        for i in reversed(range(len(self.layers))):
            x = inputs[i]
            grads.append((x.T @ dout, dout.sum(axis=0)))
            if i:  # x = relu(...) of the layer below: mask where it was cut to 0
                dout = (dout @ self.layers[i][0].T) * (x > 0)
        return grads[::-1]

    def update(self, grads, lr):
        for (W, b), (dW, db) in zip(self.layers, grads):
            W -= lr * dW
            b -= lr * db

    def step(self, x, t, lr):
        loss, inputs, y = self.forward(x, t)
        self.update(self.backward(inputs, y, t), lr)
        return loss

    def accuracy(self, x, t):
        return float(np.mean(np.argmax(self.predict(x), axis=1) == t))
