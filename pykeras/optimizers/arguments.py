"""Argument handling shared by every optimizer: Keras's keyword rules, the
learning-rate default marker, and the values `iterations`, `learning_rate`
and `variables` return."""

import difflib
import inspect
import warnings

import numpy as np


class DefaultFloat(float):
    """A float default that can be told apart from the same value given explicitly.

    Optimizers use it for `learning_rate`'s default so that `lr=` (the Keras 2
    alias) can be refused when `learning_rate=` is also given.
    """

    __slots__ = ()

    def __repr__(self):
        return float.__repr__(self)


# The learning-rate defaults, as singletons (a call in a signature would run once anyway).
LR_0_01 = DefaultFloat(0.01)
LR_0_001 = DefaultFloat(0.001)


class Int(int):
    """An int that also answers `.numpy()`, as Keras's `iterations` variable does."""

    def numpy(self):
        return np.int64(self)

    @property
    def value(self):
        return int(self)


class Float(float):
    """A float that also answers `.numpy()`, as Keras's learning-rate variable does."""

    def numpy(self):
        return np.float32(self)

    @property
    def value(self):
        return float(self)


class OptimizerVariable:
    """One entry of `optimizer.variables`: a live view of optimizer state.

    `numpy()` reads the current value; `assign(value)` writes it back.
    """

    def __init__(self, optimizer, index, name, path, shape, dtype):
        self._optimizer = optimizer
        self._index = index
        self.name = name
        self.path = path
        self.shape = shape
        self.dtype = dtype
        self.trainable = False

    def numpy(self):
        return self._optimizer._variable_values()[self._index]

    @property
    def value(self):
        return self.numpy()

    def assign(self, value):
        self._optimizer._assign_variable(self._index, value)

    def __array__(self, dtype=None, copy=None):
        value = self.numpy()
        return value if dtype is None else value.astype(dtype)

    def __repr__(self):
        return f"<OptimizerVariable path={self.path}, shape={self.shape}, dtype={self.dtype}>"


def check_kwargs(cls, kwargs, learning_rate):
    """Keras's leftover keyword handling: `lr` is a deprecated alias of
    `learning_rate`, `decay` is ignored with a warning, anything else is refused."""
    if "lr" in kwargs:
        lr = kwargs.pop("lr")
        if not isinstance(learning_rate, DefaultFloat):
            raise TypeError(
                f"{cls.__name__} got both `learning_rate` and its deprecated alias `lr`; "
                f"pass only `learning_rate`. Received: learning_rate={learning_rate}, lr={lr}"
            )
        warnings.warn(
            "The `lr` argument is deprecated, use `learning_rate` instead.",
            DeprecationWarning,
            stacklevel=4,
        )
        learning_rate = lr
    if kwargs.pop("decay", None) is not None:
        warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=4)
    if kwargs:
        known = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self",)]
        key = sorted(kwargs)[0]
        hint = difflib.get_close_matches(key, known, n=1)
        suggestion = f" Did you mean `{hint[0]}`?" if hint else ""
        raise TypeError(
            f"{cls.__name__}.__init__() got an unexpected keyword argument `{key}`.{suggestion} "
            f"Received: {key}={kwargs[key]!r}"
        )
    return learning_rate


def learning_rate_value(learning_rate):
    if isinstance(learning_rate, (bool, np.bool_)):
        raise ValueError(f"Argument `learning_rate` should be a float. Received: {learning_rate}")
    if isinstance(learning_rate, (int, float, np.integer, np.floating)):
        return float(learning_rate)
    if isinstance(learning_rate, np.ndarray) and learning_rate.shape == ():
        return float(learning_rate)
    raise ValueError(
        "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, "
        "or a callable (that takes in the current iteration value and returns the "
        f"corresponding learning rate value). Received instead: learning_rate={learning_rate!r}"
    )
