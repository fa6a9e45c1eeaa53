"""The Metric base class.

A pykeras metric is a set of state arrays that batches add to. Each metric
says what one batch adds (`batch_state`, built from `pykeras.ops`, so the
trainer computes it inside the Rust training graph) and how the summed
states become the result (`result_from`, in numpy). `update_state`,
`result` and `reset_state` give Keras's streaming API on top.
"""

import numpy as np

from pykeras.backend.naming import to_snake_case


class Metric:
    """Base class of streaming metrics.

    Args:
        name: the metric's name (the key in logs and History).
        dtype: accepted for Keras compatibility; pykeras computes in float32.
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = dtype
        self._states = None

    def batch_state(self, y_true, y_pred, sample_weight=None):
        """What one batch adds to each state: a list of tensors."""
        raise NotImplementedError

    def result_from(self, states):
        """The metric's value from summed `states` (numpy float64 arrays)."""
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds one batch (eagerly, on arrays)."""
        contributions = [
            np.asarray(s, np.float64) for s in self.batch_state(y_true, y_pred, sample_weight)
        ]
        if self._states is None:
            self._states = contributions
        else:
            self._states = [a + b for a, b in zip(self._states, contributions)]

    def add_states(self, states):
        """Adds already-computed batch states (the trainer's path)."""
        states = [np.asarray(s, np.float64) for s in states]
        if self._states is None:
            self._states = states
        else:
            self._states = [a + b for a, b in zip(self._states, states)]

    def result(self):
        """The current value, as a Python float."""
        if self._states is None:
            return 0.0
        return float(self.result_from(self._states))

    def reset_state(self):
        """Forgets every batch seen."""
        self._states = None

    def __call__(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def divide_no_nan(a, b):
    """`a / b`, 0 where `b` is 0 (as Keras's divide_no_nan)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))
