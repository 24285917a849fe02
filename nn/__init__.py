"""Neural-network pieces built on autograd, by audience:

- PyTorch's way (nn.modules, nn.optim): Module, Parameter, Sequential, the layers, Embedding and
  LSTM; the optimizers on parameters;
- the books' way: their layers with their API (nn.textbook: book 1's common/, nn.textbook2: book
  2's), their networks and models (nn.book: TwoLayerNet ... DeepConvNet, Seq2seq ...);
- data (nn.datasets): MNIST, Fashion-MNIST and book 2's sequence sets, read by Python calls.
"""
from . import optim, textbook, textbook2
from .book import (AttentionSeq2seq, DeepConvNet, MultiLayerNet, MultiLayerNetExtend, PeekySeq2seq, Rnnlm,
                   Seq2seq, SimpleConvNet, SimpleRnnlm, TwoLayerNet)
from .modules import recurrent  # the formulas by the name the sequel's notebook uses: nn.recurrent.lstm_cell
from .modules import (LSTM, RNN, Affine, BatchNorm, Conv2d, Dropout, Embedding, MaxPool2d, Module, Parameter,
                      ReLU, Sequential, Sigmoid, SoftmaxWithLoss, Tanh)
from .textbook2 import Trainer, eval_seq2seq

__all__ = ["Module", "Parameter", "Sequential", "Affine", "ReLU", "Sigmoid", "Tanh",
           "SoftmaxWithLoss", "RNN", "Conv2d", "MaxPool2d", "Dropout", "BatchNorm", "TwoLayerNet",
           "SimpleConvNet", "DeepConvNet", "MultiLayerNet", "MultiLayerNetExtend", "optim", "textbook"]
__all__ += ["textbook2", "Embedding", "LSTM", "SimpleRnnlm", "Rnnlm", "Seq2seq", "PeekySeq2seq",
            "AttentionSeq2seq", "Trainer", "eval_seq2seq"]
