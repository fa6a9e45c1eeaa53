"""pykeras.regularizers: weight penalties added to the loss during training."""

from pykeras.initializers.initializer import lookup, serialize_object


class Regularizer:
    """Base class: `regularizer(x)` is the penalty, built from `pykeras.ops` so
    that training adds it to the loss graph and differentiates it there."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, x):
        from pykeras import ops

        penalty = 0.0
        if self.l1:
            penalty = penalty + ops.multiply(self.l1, ops.sum(ops.abs(x)))
        if self.l2:
            penalty = penalty + ops.multiply(self.l2, ops.sum(ops.square(x)))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """`l1 * sum(|x|)`."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """`l2 * sum(x**2)`."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


_TABLE = {
    "Regularizer": Regularizer, "L1L2": L1L2, "L1": L1, "L2": L2,
    "l1_l2": L1L2, "l1": L1, "l2": L2,
}  # fmt: skip


def l1_l2(l1=0.01, l2=0.01):
    """Keras's shortcut: an L1L2 regularizer with both penalties."""
    return L1L2(l1=l1, l2=l2)


# Keras's lower-case aliases: `keras.regularizers.l2(0.01)` is an `L2`.
l1 = L1
l2 = L2


def get(identifier):
    """A regularizer from a name, a config dict, an instance or a callable (None stays None)."""
    return lookup(identifier, _TABLE, Regularizer, "regularizer")


def serialize(regularizer):
    return serialize_object(regularizer, "keras.regularizers")


__all__ = ["L1", "L1L2", "L2", "Regularizer", "get", "l1", "l1_l2", "l2", "serialize"]
