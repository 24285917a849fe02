"""Short real-data trainings through the public API; fails unless accuracy is far above chance."""
import os
import sys

import numpy as np

import nn
from demos import train_mnist
from nn.datasets import read_idx

# Fashion-MNIST from Debian's dataset-fashion-mnist package: 2000 steps of the main job.
result = train_mnist.main(["--dataset", "fashion-mnist", "--iters", "2000", "--quiet"])
assert result["test_acc"] > 0.75, result

# The real MNIST test set: train on the first 8000 digits, test on the last 2000.
digits = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist-t10k")
x = read_idx(os.path.join(digits, "t10k-images-idx3-ubyte.gz")).reshape(10000, -1) / np.float32(255)
t = read_idx(os.path.join(digits, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
np.random.seed(0)
net = nn.TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
opt = nn.optim.SGD(net.parameters(), lr=0.1)
for i in range(3000):
    batch = np.random.choice(8000, 100)
    loss = net.loss(x[batch], t[batch])
    opt.zero_grad()
    loss.backward()
    opt.step()
train_acc, test_acc = net.accuracy(x[:8000], t[:8000]), net.accuracy(x[8000:], t[8000:])
print(f"MNIST digits (t10k split 8000/2000): train acc {train_acc:.4f}, test acc {test_acc:.4f}")
sys.exit(0 if test_acc > 0.85 else f"digits test accuracy {test_acc:.4f} is too low")
