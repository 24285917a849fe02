"""The book's fully connected networks of chapter 6: MultiLayerNet (weight initialisation, weight
decay) and MultiLayerNetExtend (plus dropout and batch normalization), same API, as modules."""
import numpy as np

from .network import BookNetwork
from ..modules.layers import Affine, BatchNorm, Dropout, ReLU, Sigmoid

ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid}


def _scale(weight_init_std, fan_in):
    """The book's weight_init_std: 'relu'/'he' sqrt(2/n), 'sigmoid'/'xavier' sqrt(1/n), or a number."""
    name = str(weight_init_std).lower()
    if name in ("relu", "he"):
        return np.sqrt(2.0 / fan_in)
    if name in ("sigmoid", "xavier"):
        return np.sqrt(1.0 / fan_in)
    if isinstance(weight_init_std, str):
        raise ValueError(f"weight_init_std must be a number, 'relu'/'he' or 'sigmoid'/'xavier', got {weight_init_std!r}")
    return weight_init_std


class MultiLayerNetExtend(BookNetwork):
    """Affine -> [BatchNorm] -> activation -> [Dropout] for each hidden size, then Affine;
    params W1.., b1.., and gamma1.., beta1.. with batch normalization."""

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu", weight_init_std="relu",
                 weight_decay_lambda=0, use_dropout=False, dropout_ration=0.5, use_batchnorm=False,
                 dtype=np.float64, rng=None):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.input_size, self.output_size = input_size, output_size
        self.hidden_size_list = list(hidden_size_list)
        self.hidden_layer_num = len(self.hidden_size_list)
        self.weight_decay_lambda = weight_decay_lambda
        self.use_dropout, self.use_batchnorm = use_dropout, use_batchnorm
        sizes = [input_size] + self.hidden_size_list + [output_size]
        for idx in range(1, len(sizes)):
            n_in, n_out = sizes[idx - 1], sizes[idx]
            self._add(f"Affine{idx}", Affine(n_in, n_out, _scale(weight_init_std, n_in), dtype=dtype, rng=rng),
                      **{f"W{idx}": "W", f"b{idx}": "b"})
            if idx == len(sizes) - 1:
                break
            if use_batchnorm:
                self._add(f"BatchNorm{idx}", BatchNorm(n_out, dtype=dtype), **{f"gamma{idx}": "gamma", f"beta{idx}": "beta"})
            self._add(f"Activation_function{idx}", ACTIVATIONS[activation]())
            if use_dropout:
                self._add(f"Dropout{idx}", Dropout(dropout_ration))


class MultiLayerNet(MultiLayerNetExtend):
    """Affine -> activation for each hidden size, then Affine; params W1.., b1.."""

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu", weight_init_std="relu",
                 weight_decay_lambda=0, dtype=np.float64, rng=None):
        super().__init__(input_size, hidden_size_list, output_size, activation, weight_init_std,
                         weight_decay_lambda, dtype=dtype, rng=rng)
