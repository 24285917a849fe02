"""PyTorch's way: nn.Module and its parameters, the layers as modules (each built from autograd
ops, no backward of its own), and the recurrent formulas with PyTorch's Embedding and LSTM."""
from .layers import RNN, Affine, BatchNorm, Conv2d, Dropout, MaxPool2d, ReLU, Sigmoid, SoftmaxWithLoss, Tanh
from .module import Module, Parameter, Sequential
from .recurrent import LSTM, Embedding

__all__ = ["Module", "Parameter", "Sequential", "Affine", "ReLU", "Sigmoid", "Tanh", "SoftmaxWithLoss",
           "RNN", "Conv2d", "MaxPool2d", "Dropout", "BatchNorm", "Embedding", "LSTM"]
