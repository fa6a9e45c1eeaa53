"""Argument handling shared by every optimizer: Keras's keyword rules, the
learning-rate default marker, and the values `iterations`, `learning_rate`
and `variables` return."""

from __future__ import annotations

import difflib
import inspect
import warnings
from typing import Any

import numpy as np


class DefaultFloat(float):
    """A float default that can be told apart from the same value given explicitly.

    Optimizers use it for `learning_rate`'s default so that `lr=` (the Keras 2
    alias) can be refused when `learning_rate=` is also given.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return float.__repr__(self)


# The learning-rate defaults, as singletons (a call in a signature would run once anyway).
LR_0_01 = DefaultFloat(0.01)
LR_0_001 = DefaultFloat(0.001)


class Int(int):
    """An int that also answers `.numpy()`, as Keras's `iterations` variable does."""

    def numpy(self) -> np.int64:
        return np.int64(self)

    @property
    def value(self) -> int:
        return int(self)


class Float(float):
    """A float that also answers `.numpy()`, as Keras's learning-rate variable does."""

    def numpy(self) -> np.float32:
        return np.float32(self)

    @property
    def value(self) -> float:
        return float(self)


class OptimizerVariable:
    """One entry of `optimizer.variables`: a live view of optimizer state.

    `numpy()` reads the current value; `assign(value)` writes it back.
    """

    def __init__(
        self,
        optimizer: Any,
        index: int,
        name: str,
        path: str,
        shape: tuple[int, ...],
        dtype: str,
    ) -> None:
        self._optimizer = optimizer
        self._index = index
        self.name = name
        self.path = path
        self.shape = shape
        self.dtype = dtype
        self.trainable = False

    def numpy(self) -> np.ndarray:
        value: np.ndarray = self._optimizer._variable_values()[self._index]
        return value

    @property
    def value(self) -> np.ndarray:
        return self.numpy()

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def assign(self, value: Any) -> None:
        self._optimizer._assign_variable(self._index, value)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        value = self.numpy()
        return value if dtype is None else value.astype(dtype)

    def __repr__(self) -> str:
        return f"<OptimizerVariable path={self.path}, shape={self.shape}, dtype={self.dtype}>"


def check_kwargs(cls: type, kwargs: dict[str, Any], learning_rate: Any) -> Any:
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
        known = [p for p in inspect.signature(cls).parameters if p != "kwargs"]
        key = sorted(kwargs)[0]
        hint = difflib.get_close_matches(key, known, n=1)
        suggestion = f" Did you mean `{hint[0]}`?" if hint else ""
        raise TypeError(
            f"{cls.__name__}.__init__() got an unexpected keyword argument `{key}`.{suggestion} "
            f"Received: {key}={kwargs[key]!r}"
        )
    return learning_rate


def learning_rate_value(learning_rate: Any) -> float:
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


def check_base_args(opt: Any) -> None:
    """Keras's checks of the arguments every optimizer shares."""
    steps = opt.gradient_accumulation_steps
    if steps:
        if not steps >= 2:
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={steps}"
            )
    if opt.use_ema:
        if opt.ema_momentum > 1 or opt.ema_momentum < 0:
            raise ValueError(
                "`ema_momentum` must be in the range [0, 1]. "
                f"Received: ema_momentum={opt.ema_momentum}"
            )
        frequency = opt.ema_overwrite_frequency
        if frequency and (not isinstance(frequency, int) or frequency < 1):
            raise ValueError(
                "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                f"Received: ema_overwrite_frequency={frequency}"
            )
    given = [a is not None for a in (opt.clipnorm, opt.clipvalue, opt.global_clipnorm)]
    if sum(given) > 1:
        raise ValueError(
            "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
            f"Received: clipnorm={opt.clipnorm}, clipvalue={opt.clipvalue}, "
            f"global_clipnorm={opt.global_clipnorm}"
        )


def handle_of(variable: Any) -> Any:
    """The `_core.Variable` behind a pykeras Variable (or the handle itself)."""
    handle = getattr(variable, "handle", variable)
    if not hasattr(handle, "id"):
        raise TypeError(
            "Optimizers update pykeras Variables (e.g. `layer.kernel`, `model.weights`). "
            f"Received: {variable!r}"
        )
    return handle


# The arguments every optimizer takes (its rule adds its own).
BASE_KEYS = (
    "weight_decay",
    "clipnorm",
    "global_clipnorm",
    "clipvalue",
    "use_ema",
    "ema_momentum",
    "ema_overwrite_frequency",
    "loss_scale_factor",
    "gradient_accumulation_steps",
)


def float_dtype_of(x: Any) -> type[np.floating[Any]]:
    """float64 for a float64 variable or array, float32 for anything else."""
    dtype = getattr(x, "dtype", None)
    return np.float64 if str(dtype) == "float64" else np.float32
