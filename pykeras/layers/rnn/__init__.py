"""Recurrent layers: RNN and its cells, LSTM, GRU, SimpleRNN, ConvLSTM1D/2D/3D,
and the Bidirectional and TimeDistributed wrappers."""

from __future__ import annotations

from pykeras.layers.rnn.bidirectional import Bidirectional
from pykeras.layers.rnn.conv_lstm1d import ConvLSTM1D
from pykeras.layers.rnn.conv_lstm2d import ConvLSTM2D
from pykeras.layers.rnn.conv_lstm3d import ConvLSTM3D
from pykeras.layers.rnn.gru import GRU, GRUCell
from pykeras.layers.rnn.lstm import LSTM, LSTMCell
from pykeras.layers.rnn.rnn import RNN
from pykeras.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from pykeras.layers.rnn.stacked_rnn_cells import StackedRNNCells
from pykeras.layers.rnn.time_distributed import TimeDistributed

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Bidirectional",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "GRUCell",
    "LSTMCell",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
    "TimeDistributed",
]
