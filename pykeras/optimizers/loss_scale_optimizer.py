"""LossScaleOptimizer: Keras's dynamic loss scaling wrapper, as a float32 pass-through."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from pykeras import _core
from pykeras.optimizers.arguments import Float, Int, OptimizerVariable
from pykeras.optimizers.nested import serialization
from pykeras.optimizers.optimizer import NativeCore, Optimizer

_BASE_DEFAULTS = {
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class LossScaleOptimizer(Optimizer):
    """Wraps an optimizer for loss scaling, which float16 training needs.

    Keras scales the loss by a dynamic factor so that float16 gradients do not
    underflow, divides the gradients by it, skips steps whose gradients are
    not finite (halving the factor) and doubles it after `dynamic_growth_steps`
    finite steps. pykeras computes in float32, where gradients do not
    underflow, so this wrapper is a pass-through: the loss is not scaled
    (`scale_loss` returns it as is, and the scale stays `1.0`), the inner
    optimizer makes every update, in `fit`'s Rust loop too. What it keeps of
    the dynamic scheme is the skip: an `apply`/`apply_gradients` call whose
    gradients are not all finite leaves the variables and the inner
    optimizer untouched. (In `fit`, use `TerminateOnNaN` to stop on a
    non-finite loss.)

    Args:
        inner_optimizer: the `Optimizer` that makes the updates.
        initial_scale: Keras's initial loss scale; recorded in the config.
        dynamic_growth_steps: Keras's growth interval; recorded in the config.
        name: the optimizer's name. Defaults to "loss_scale_optimizer".

    Example:

    >>> opt = pykeras.optimizers.LossScaleOptimizer(pykeras.optimizers.Adam())
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=opt, loss="mse")
    """

    def __init__(
        self,
        inner_optimizer: Optimizer,
        initial_scale: float = 2.0**15,
        dynamic_growth_steps: int = 2000,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                "`loss_scale_factor` directly on the `inner_optimizer`."
            )
        for arg_name, default in _BASE_DEFAULTS.items():
            if arg_name in kwargs and kwargs.pop(arg_name) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{arg_name}`. Instead, set "
                    f"`{arg_name}` on the `inner_optimizer`."
                )
        if kwargs:
            raise ValueError(
                f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`."
            )
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(
                "LossScaleOptimizer wraps a pykeras optimizer. "
                f"Received: inner_optimizer={inner_optimizer!r}"
            )
        # Not Optimizer.__init__: every piece of state is the inner optimizer's.
        self.__dict__["_core"] = None
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.name = name if name is not None else "loss_scale_optimizer"
        self.inner_optimizer.loss_scale_factor = None
        for arg_name, default in _BASE_DEFAULTS.items():
            self.__dict__[arg_name] = default

    # -- delegation to the inner optimizer --------------------------------------

    @property
    def _native_core(self) -> NativeCore:
        return self.inner_optimizer._native_core

    def _native(self, var_list: Sequence[Any]) -> _core.Optimizer:
        return self.inner_optimizer._native(var_list)

    @property
    def built(self) -> bool:
        return self.inner_optimizer.built

    @built.setter
    def built(self, value: bool) -> None:
        self.inner_optimizer.built = value

    @property
    def _trainable_variables(self) -> list[Any]:
        return self.inner_optimizer._trainable_variables

    @_trainable_variables.setter
    def _trainable_variables(self, value: list[Any]) -> None:
        self.inner_optimizer._trainable_variables = value

    @property
    def dynamic_scale(self) -> float:
        """The loss scale in force: 1.0 (float32 needs none)."""
        return 1.0

    @property
    def iterations(self) -> Int:
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self) -> Float:
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate: Any) -> None:
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def variables(self) -> list[OptimizerVariable]:
        return self.inner_optimizer.variables

    def build(self, var_list: Iterable[Any]) -> None:
        self.inner_optimizer.build(var_list)

    def apply(self, grads: Iterable[Any], trainable_variables: Iterable[Any] | None = None) -> None:
        grads = list(grads)
        finite = all(g is None or np.all(np.isfinite(np.asarray(g))) for g in grads)
        if not finite:
            return  # Keras skips a step with non-finite gradients
        self.inner_optimizer.apply(grads, trainable_variables)

    def scale_loss(self, loss: Any) -> Any:
        """The loss for gradients: unscaled, as float32 needs no scaling."""
        return loss

    def finalize_variable_values(self, var_list: Iterable[Any]) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    def exclude_from_weight_decay(
        self, var_list: Iterable[Any] | None = None, var_names: Iterable[str] | None = None
    ) -> None:
        self.inner_optimizer.exclude_from_weight_decay(var_list, var_names)

    def get_weights(self) -> list[Any]:
        return self.inner_optimizer.get_weights()

    def set_weights(self, weights: Sequence[Any]) -> None:
        self.inner_optimizer.set_weights(weights)

    def save_own_variables(self, store: Any) -> None:
        self.inner_optimizer.save_own_variables(store)

    def load_own_variables(self, store: Any) -> None:
        self.inner_optimizer.load_own_variables(store)

    # -- config ---------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "inner_optimizer": serialization()[0](self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> LossScaleOptimizer:
        config = dict(config)
        inner = config.pop("inner_optimizer", None)
        if inner is None:
            raise ValueError(
                "A LossScaleOptimizer config needs its `inner_optimizer`. "
                f"Received: config={config!r}"
            )
        if isinstance(inner, dict):
            inner = serialization()[1](inner, custom_objects=custom_objects)
        return cls(inner, **config)

    def __repr__(self) -> str:
        return f"<LossScaleOptimizer name={self.name}, inner={self.inner_optimizer!r}>"
