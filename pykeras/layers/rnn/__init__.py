"""Recurrent layers: RNN and its cells, LSTM, GRU, SimpleRNN, and the
Bidirectional and TimeDistributed wrappers."""

from __future__ import annotations

from pykeras.layers.rnn.bidirectional import Bidirectional
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
    "GRUCell",
    "LSTMCell",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
    "TimeDistributed",
]
