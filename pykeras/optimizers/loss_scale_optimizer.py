"""LossScaleOptimizer: Keras's dynamic loss scaling wrapper."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from pykeras import _core
from pykeras.backend.naming import to_snake_case, unique_name
from pykeras.engine.tracing import current_trace
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

# The wrapper's own variables, in Keras's order: the base optimizer's
# `iteration` and `learning_rate` (unused, Keras keeps them at 0), then the two
# that `build` adds.
_OWN = (("iteration", "int64"), ("learning_rate", "float32"))
_BUILT_OWN = _OWN + (("step_counter", "int64"), ("dynamic_scale", "float32"))
_STEP_COUNTER, _DYNAMIC_SCALE = 2, 3


class ScaleVariable(OptimizerVariable):
    """One of the wrapper's own variables (`dynamic_scale`, `step_counter`):
    a live view that, like a Keras scalar variable, converts with `float()`
    and `int()`."""

    def __float__(self) -> float:
        return float(self.numpy())

    def __int__(self) -> int:
        return int(self.numpy())


class LossScaleOptimizer(Optimizer):
    """An optimizer that dynamically scales the loss to prevent underflow.

    The loss is multiplied by the loss scale (`scale_loss`), which multiplies
    the gradients by it; `apply` divides them back before the inner
    optimizer's update. The scale is updated as in Keras: a step whose
    gradients are not all finite is skipped (neither the variables nor the
    inner optimizer change) and halves the scale; after
    `dynamic_growth_steps` finite steps in a row the scale doubles. The
    scale and the count of finite steps are the variables `dynamic_scale`
    and `step_counter`.

    pykeras computes in float32, where scaling by a power of two is exact, so
    `fit` and traced `train_step`s run the inner optimizer's update on
    unscaled gradients in the compiled loop and count their steps into
    `step_counter` / `dynamic_scale` afterwards. That loop does not skip a
    step with non-finite gradients (it warns of a non-finite loss; use
    `keras.callbacks.TerminateOnNaN` to stop).

    Args:
        inner_optimizer: The `keras.optimizers.Optimizer` instance to wrap.
        initial_scale: Float. The initial loss scale.
        dynamic_growth_steps: Int. After every `dynamic_growth_steps` steps
            with finite gradients, the loss scale is doubled.
        name: the optimizer's name; by default `loss_scale_optimizer`, made
            unique.

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
        # Not Optimizer.__init__: the update state is the inner optimizer's.
        self.__dict__["_core"] = None
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.name = name if name is not None else unique_name(to_snake_case(type(self).__name__))
        # Disabled as in Keras, otherwise gradients would be scaled twice.
        self.inner_optimizer.loss_scale_factor = None
        for arg_name, default in _BASE_DEFAULTS.items():
            self.__dict__[arg_name] = default
        self._own: list[Any] = [
            np.int64(0),
            np.float32(0.0),
            np.int64(0),
            np.float32(initial_scale),
        ]
        # The inner optimizer's native step count already counted into
        # `step_counter`: steps beyond it were made by a compiled loop.
        self._counted = self._native_core.iterations

    # -- delegation to the inner optimizer --------------------------------------

    @property
    def _native_core(self) -> NativeCore:
        return self.inner_optimizer._native_core

    def _native(self, var_list: Sequence[Any]) -> _core.Optimizer:
        self._sync()
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
    def iterations(self) -> Int:
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self) -> Float:
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate: Any) -> None:
        self.inner_optimizer.learning_rate = learning_rate

    def build(self, var_list: Iterable[Any]) -> None:
        self.inner_optimizer.build(var_list)

    def finalize_variable_values(self, var_list: Iterable[Any]) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    def exclude_from_weight_decay(
        self, var_list: Iterable[Any] | None = None, var_names: Iterable[str] | None = None
    ) -> None:
        self.inner_optimizer.exclude_from_weight_decay(var_list, var_names)

    # -- the loss scale -----------------------------------------------------------

    def _sync(self) -> None:
        """Counts steps the compiled loop made (all with finite gradients as far
        as the scale goes) into `step_counter`, doubling the scale as `apply`
        would have."""
        done = self._native_core.iterations
        steps = done - self._counted
        self._counted = done
        if steps <= 0:
            return
        total = int(self._own[_STEP_COUNTER]) + steps
        growth = int(self.dynamic_growth_steps)
        # As in Keras, a counter already past `growth - 1` (or growth < 1) never doubles.
        if growth < 1 or int(self._own[_STEP_COUNTER]) >= growth:
            self._own[_STEP_COUNTER] = np.int64(total)
            return
        doublings, counter = divmod(total, growth)
        self._own[_STEP_COUNTER] = np.int64(counter)
        with np.errstate(over="ignore"):
            # float32, as Keras's variable: overflows to inf as it would.
            self._own[_DYNAMIC_SCALE] = np.float32(
                np.ldexp(self._own[_DYNAMIC_SCALE], min(doublings, 1024))
            )

    @property
    def dynamic_scale(self) -> ScaleVariable:
        """The loss scale in force (a float32 variable)."""
        return self._own_view(_DYNAMIC_SCALE)

    @property
    def step_counter(self) -> ScaleVariable:
        """Finite steps since the scale last changed (an int variable)."""
        return self._own_view(_STEP_COUNTER)

    def scale_loss(self, loss: Any) -> Any:
        """The loss times the loss scale.

        Inside a traced `train_step` the loss is returned as is: the compiled
        loop applies the inner optimizer to unscaled gradients, which in
        float32 are what scaling and unscaling by the scale give.
        """
        if current_trace() is not None:
            return loss
        self._sync()
        return loss * float(self._own[_DYNAMIC_SCALE])

    def apply(self, grads: Iterable[Any], trainable_variables: Iterable[Any] | None = None) -> None:
        """Unscales `grads` and applies them with the inner optimizer, or skips
        the step (halving the scale) if any gradient is not finite."""
        grads = list(grads)
        if current_trace() is not None:
            # Traced step: the gradients are unscaled (see `scale_loss`); the
            # compiled loop makes the update, counted by `_sync` later.
            self.inner_optimizer.apply(grads, trainable_variables)
            return
        if trainable_variables is not None:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
        self._sync()
        arrays = [None if g is None else np.asarray(g, dtype=np.float32) for g in grads]
        if not all(a is None or np.isfinite(a).all() for a in arrays):
            self._own[_STEP_COUNTER] = np.int64(0)
            self._own[_DYNAMIC_SCALE] = np.float32(self._own[_DYNAMIC_SCALE] * np.float32(0.5))
            return
        scale = self._own[_DYNAMIC_SCALE]
        unscaled = [None if a is None else a / scale for a in arrays]
        self.inner_optimizer.apply(unscaled, trainable_variables)
        self._counted = self._native_core.iterations
        if self._own[_STEP_COUNTER] == self.dynamic_growth_steps - 1:
            self._own[_STEP_COUNTER] = np.int64(0)
            with np.errstate(over="ignore"):
                self._own[_DYNAMIC_SCALE] = np.float32(scale * np.float32(2.0))
        else:
            self._own[_STEP_COUNTER] = np.int64(self._own[_STEP_COUNTER] + 1)

    # -- state: the wrapper's variables, then the inner optimizer's ----------------

    def _own_view(self, index: int) -> ScaleVariable:
        name, dtype = _BUILT_OWN[index]
        return ScaleVariable(self, index, name, f"{self.name}/{name}", (), dtype)

    def _own_count(self) -> int:
        return len(_BUILT_OWN if self.built else _OWN)

    @property
    def variables(self) -> list[OptimizerVariable]:
        """Keras's order: `iteration`, `learning_rate`, `step_counter`,
        `dynamic_scale` (the last two once built), then the inner optimizer's."""
        own: list[OptimizerVariable] = [self._own_view(i) for i in range(self._own_count())]
        return own + self.inner_optimizer.variables

    def _variable_values(self) -> list[np.ndarray]:
        # All four, read by the views: Keras has no `dynamic_scale` before
        # `build`, pykeras shows the initial one.
        self._sync()
        return [np.asarray(v) for v in self._own]

    def _assign_variable(self, index: int, value: Any) -> None:
        self._sync()
        dtype = _BUILT_OWN[index][1]
        self._own[index] = np.asarray(value).astype(dtype).reshape(())[()]

    def get_weights(self) -> list[Any]:
        return self._variable_values()[: self._own_count()] + self.inner_optimizer.get_weights()

    def set_weights(self, weights: Sequence[Any]) -> None:
        weights = list(weights)
        count = self._own_count()
        if len(weights) != count + len(self.inner_optimizer.get_weights()):
            raise ValueError(
                f"Optimizer '{self.name}' has {count} own variables and "
                f"{len(self.inner_optimizer.get_weights())} of its inner optimizer; "
                f"received {len(weights)} values."
            )
        self.inner_optimizer.set_weights(weights[count:])
        self._counted = self._native_core.iterations
        for i, value in enumerate(weights[:count]):
            self._assign_variable(i, value)

    def save_own_variables(self, store: Any) -> None:
        """Writes the state under keys "0", "1", ... in `variables` order, as Keras."""
        for i, value in enumerate(self.get_weights()):
            store[str(i)] = value

    def load_own_variables(self, store: Any) -> None:
        """Reads state written by `save_own_variables` (or, from files written by
        earlier pykeras, the inner optimizer's state alone)."""
        count = len(store.keys())
        inner_count = len(self.inner_optimizer.get_weights())
        if count == inner_count and count != self._own_count() + inner_count:
            self.inner_optimizer.load_own_variables(store)
            self._counted = self._native_core.iterations
            return
        if count != self._own_count() + inner_count:
            super().load_own_variables(store)  # warns and skips, as Keras
            return
        self.set_weights([np.asarray(store[str(i)]) for i in range(count)])

    def _state(self) -> list[tuple[str, np.ndarray]]:
        names = [name for name, _ in _BUILT_OWN[: self._own_count()]]
        own = list(zip(names, self._variable_values()[: len(names)]))
        return own + self.inner_optimizer._state()

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
