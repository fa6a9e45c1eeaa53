"""pykeras.preprocessing.sequence: Keras's legacy home of `pad_sequences`."""

from pykeras.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences"]
