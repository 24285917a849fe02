"""Neural-network pieces built on autograd: modules, optimizers, datasets, the TwoLayerNet."""
from . import optim, textbook
from .layers import RNN, Affine, BatchNorm, Conv2d, Dropout, MaxPool2d, ReLU, Sigmoid, SoftmaxWithLoss, Tanh
from .module import Module, Parameter, Sequential
from .convnet import DeepConvNet, SimpleConvNet
from .multi_layer_net import MultiLayerNet, MultiLayerNetExtend
from .two_layer_net import TwoLayerNet
# book 2 (the sequel): its common/ as nn.textbook2, its models, PyTorch's Embedding and LSTM
from . import textbook2
from .recurrent import LSTM, Embedding
from .seq2seq import AttentionSeq2seq, PeekySeq2seq, Rnnlm, Seq2seq, SimpleRnnlm
from .textbook2 import Trainer, eval_seq2seq

__all__ = ["Module", "Parameter", "Sequential", "Affine", "ReLU", "Sigmoid", "Tanh",
           "SoftmaxWithLoss", "RNN", "Conv2d", "MaxPool2d", "Dropout", "BatchNorm", "TwoLayerNet",
           "SimpleConvNet", "DeepConvNet", "MultiLayerNet", "MultiLayerNetExtend", "optim", "textbook"]
__all__ += ["textbook2", "Embedding", "LSTM", "SimpleRnnlm", "Rnnlm", "Seq2seq", "PeekySeq2seq",
            "AttentionSeq2seq", "Trainer", "eval_seq2seq"]
