"""The textbook's TwoLayerNet (chapter 5), same API, built on the modules and backward()."""
import numpy as np

from .network import BookNetwork
from ..modules.layers import Affine, ReLU


class TwoLayerNet(BookNetwork):
    """Affine - ReLU - Affine - softmax; params W1, b1, W2, b2; layers Affine1, Relu1, Affine2;
    `lastLayer`. `loss` a number, `predict` an array, `gradient` a dict of fresh arrays, as the
    book's; `net(x)` the scores as a Tensor."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01, init=None,
                 dtype=np.float64, rng=None):
        super().__init__()
        self._add("Affine1", Affine(input_size, hidden_size, weight_init_std, init, dtype, rng), W1="W", b1="b")
        self._add("Relu1", ReLU())
        self._add("Affine2", Affine(hidden_size, output_size, weight_init_std, init, dtype, rng), W2="W", b2="b")

    @property
    def lastLayer(self):  # the chapter-5 book's name for last_layer
        return self.last_layer
