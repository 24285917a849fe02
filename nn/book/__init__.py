"""The books' networks as nn.Modules with the books' API: book 1's TwoLayerNet, MultiLayerNet(Extend),
SimpleConvNet and DeepConvNet on one BookNetwork (network.py); book 2's models on one BookModel
(model.py, seq2seq.py)."""
from .convnet import DeepConvNet, SimpleConvNet
from .multi_layer_net import MultiLayerNet, MultiLayerNetExtend
from .network import BookNetwork
from .seq2seq import AttentionSeq2seq, PeekySeq2seq, Rnnlm, Seq2seq, SimpleRnnlm
from .two_layer_net import TwoLayerNet

__all__ = ["BookNetwork", "TwoLayerNet", "MultiLayerNet", "MultiLayerNetExtend", "SimpleConvNet",
           "DeepConvNet", "SimpleRnnlm", "Rnnlm", "Seq2seq", "PeekySeq2seq", "AttentionSeq2seq"]
