"""The training flag of the outermost call, inherited by nested layer calls
(so `model(x, training=True)` reaches every Dropout inside, as in Keras)."""

import threading

_state = threading.local()


def current_training():
    stack = getattr(_state, "stack", None)
    return stack[-1] if stack else None


class training_scope:
    """Sets the inherited training flag for the calls inside the `with`."""

    def __init__(self, training):
        self.training = training

    def __enter__(self):
        if not hasattr(_state, "stack"):
            _state.stack = []
        _state.stack.append(self.training)

    def __exit__(self, *exc):
        _state.stack.pop()
