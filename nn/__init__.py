"""Neural-network pieces built on autograd: modules, optimizers, datasets, the TwoLayerNet."""
from . import optim, textbook
from .layers import RNN, Affine, ReLU, Sigmoid, SoftmaxWithLoss, Tanh
from .module import Module, Parameter, Sequential
from .two_layer_net import TwoLayerNet

__all__ = ["Module", "Parameter", "Sequential", "Affine", "ReLU", "Sigmoid", "Tanh",
           "SoftmaxWithLoss", "RNN", "TwoLayerNet", "optim", "textbook"]
