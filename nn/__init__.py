"""Neural-network pieces built on autograd: modules, optimizers, datasets, the TwoLayerNet."""
from . import optim, textbook
from .layers import RNN, Affine, BatchNorm, Conv2d, Dropout, MaxPool2d, ReLU, Sigmoid, SoftmaxWithLoss, Tanh
from .module import Module, Parameter, Sequential
from .convnet import DeepConvNet, SimpleConvNet
from .multi_layer_net import MultiLayerNet, MultiLayerNetExtend
from .two_layer_net import TwoLayerNet

__all__ = ["Module", "Parameter", "Sequential", "Affine", "ReLU", "Sigmoid", "Tanh",
           "SoftmaxWithLoss", "RNN", "Conv2d", "MaxPool2d", "Dropout", "BatchNorm", "TwoLayerNet",
           "SimpleConvNet", "DeepConvNet", "MultiLayerNet", "MultiLayerNetExtend", "optim", "textbook"]
