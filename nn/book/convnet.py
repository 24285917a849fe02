"""The book's convolutional networks: SimpleConvNet (chapter 7) and DeepConvNet (chapter 8),
same API, as modules."""
import numpy as np

from .network import BookNetwork
from ..modules.layers import Affine, Conv2d, Dropout, MaxPool2d, ReLU

CONV_PARAM = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}


def _conv_size(n, conv_param):
    return (n + 2 * conv_param["pad"] - conv_param["filter_size"]) // conv_param["stride"] + 1


class SimpleConvNet(BookNetwork):
    """conv - relu - pool (2x2) - affine - relu - affine - softmax.
    params W1, b1 (convolution), W2, b2, W3, b3 (affine); layers Conv1, Relu1, Pool1, Affine1,
    Relu2, Affine2."""

    def __init__(self, input_dim=(1, 28, 28), conv_param=CONV_PARAM, hidden_size=100, output_size=10,
                 weight_init_std=0.01, dtype=np.float64, rng=None):
        super().__init__()
        conv_param = {**CONV_PARAM, **conv_param}
        c, h, w = input_dim
        fn, fs = conv_param["filter_num"], conv_param["filter_size"]
        oh, ow = _conv_size(h, conv_param), _conv_size(w, conv_param)
        pool_output_size = fn * (oh // 2) * (ow // 2)
        self._add("Conv1", Conv2d(c, fn, fs, conv_param["stride"], conv_param["pad"], weight_init_std,
                                  dtype=dtype, rng=rng), W1="W", b1="b")
        self._add("Relu1", ReLU())
        self._add("Pool1", MaxPool2d(2, stride=2))
        self._add("Affine1", Affine(pool_output_size, hidden_size, weight_init_std, dtype=dtype, rng=rng), W2="W", b2="b")
        self._add("Relu2", ReLU())
        self._add("Affine2", Affine(hidden_size, output_size, weight_init_std, dtype=dtype, rng=rng), W3="W", b3="b")


DEEP_CONV_PARAMS = (  # the book's six 3x3 convolutions
    {"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 32, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 32, "filter_size": 3, "pad": 2, "stride": 1},
    {"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},
)


class DeepConvNet(BookNetwork):
    """conv - relu - conv - relu - pool, three times, then affine - relu - dropout - affine -
    dropout - softmax; He initialisation; params W1..W8, b1..b8. As in the book, loss() runs in
    training mode (dropout on) unless told otherwise, accuracy() in evaluation mode."""

    def __init__(self, input_dim=(1, 28, 28), conv_param_1=DEEP_CONV_PARAMS[0], conv_param_2=DEEP_CONV_PARAMS[1],
                 conv_param_3=DEEP_CONV_PARAMS[2], conv_param_4=DEEP_CONV_PARAMS[3],
                 conv_param_5=DEEP_CONV_PARAMS[4], conv_param_6=DEEP_CONV_PARAMS[5], hidden_size=50,
                 output_size=10, dtype=np.float64, rng=None):
        super().__init__()
        channels, h, w = input_dim
        convs = (conv_param_1, conv_param_2, conv_param_3, conv_param_4, conv_param_5, conv_param_6)
        for idx, p in enumerate(convs, start=1):
            fs = p["filter_size"]
            self._add(f"Conv{idx}", Conv2d(channels, p["filter_num"], fs, p["stride"], p["pad"], init="he",
                                           dtype=dtype, rng=rng), **{f"W{idx}": "W", f"b{idx}": "b"})
            self._add(f"Relu{idx}", ReLU())
            channels, h, w = p["filter_num"], _conv_size(h, p), _conv_size(w, p)
            if idx % 2 == 0:
                self._add(f"Pool{idx // 2}", MaxPool2d(2, stride=2))
                h, w = h // 2, w // 2
        self._add("Affine1", Affine(channels * h * w, hidden_size, init="he", dtype=dtype, rng=rng), W7="W", b7="b")
        self._add("Relu7", ReLU())
        self._add("Dropout1", Dropout(0.5))
        self._add("Affine2", Affine(hidden_size, output_size, init="he", dtype=dtype, rng=rng), W8="W", b8="b")
        self._add("Dropout2", Dropout(0.5))

    def loss(self, x, t, train_flg=True):
        return super().loss(x, t, train_flg)
