"""MultiOptimizer and OptimizerMap: different optimizers for different variables."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from typing import Any

import numpy as np

from pykeras import _core
from pykeras.optimizers.arguments import Float, OptimizerVariable
from pykeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from pykeras.optimizers.nested import serialization
from pykeras.optimizers.optimizer import Optimizer
from pykeras.optimizers.schedules.learning_rate_schedule import native_form


class OptimizerMap(MutableMapping[str, Optimizer]):
    """Maps variable paths to optimizers, with a default for the rest.

    A key is a variable path or a regular expression matched against the
    whole path (`re.fullmatch`): `"encoder/.*"` covers every variable under
    `encoder/`, while `"encoder"` only matches that exact path. An exact key
    wins; a path matching several patterns is an error.

    Args:
        default_optimizer: the `Optimizer` for variables no key matches.
        optimizer_map: an optional dict of keys to optimizers.

    Example:

    >>> mapping = OptimizerMap(pykeras.optimizers.SGD())
    >>> adam = pykeras.optimizers.Adam()
    >>> mapping["encoder/.*"] = adam
    >>> mapping["encoder/dense/kernel"] is adam
    True
    """

    def __init__(
        self, default_optimizer: Optimizer, optimizer_map: dict[str, Optimizer] | None = None
    ) -> None:
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(
                "default_optimizer must be a Keras Optimizer instance. "
                f"Received: {default_optimizer}"
            )
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map: dict[str, Optimizer] = optimizer_map or {}

    @property
    def default_optimizer(self) -> Optimizer:
        """The optimizer of variables no key matches."""
        return self._default_optimizer

    def __getitem__(self, key: str) -> Optimizer:
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [p for p in self._optimizer_map if re.fullmatch(p, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        if matching:
            return self._optimizer_map[matching[0]]
        return self._default_optimizer

    def __setitem__(self, key: str, optimizer: Optimizer) -> None:
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value "
                f"{self._optimizer_map[key]}. Please make sure to not use duplicated keys."
            )
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        _check_sub_optimizer(optimizer)
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key: str) -> None:
        del self._optimizer_map[key]

    def __len__(self) -> int:
        return len(self._optimizer_map)

    def __iter__(self) -> Iterator[str]:
        return iter(self._optimizer_map)

    def __call__(self, variable: Any) -> Optimizer:
        """The optimizer of `variable`, by its path."""
        return self[variable.path]

    def get_config(self) -> dict[str, Any]:
        serialize = serialization()[0]
        return {
            "default_optimizer": serialize(self._default_optimizer),
            "optimizer_map": {k: serialize(v) for k, v in self._optimizer_map.items()},
        }

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> OptimizerMap:
        deserialize = serialization()[1]

        def rebuild(value: Any) -> Optimizer:
            # The saving layer passes nested optimizers already rebuilt.
            if isinstance(value, Optimizer):
                return value
            rebuilt: Optimizer = deserialize(value, custom_objects=custom_objects)
            return rebuilt

        mapping = {k: rebuild(v) for k, v in (config.get("optimizer_map") or {}).items()}
        return cls(rebuild(config["default_optimizer"]), mapping)


def _check_sub_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be a Keras Optimizer instance. Received: {optimizer}")
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError("optimizer cannot be LossScaleOptimizer.")
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError("optimizer cannot be MultiOptimizer.")


class MultiOptimizer(Optimizer):
    """Delegates each variable to its own optimizer.

    `optimizer_map` (an `OptimizerMap`, or a callable taking a variable and
    returning its optimizer) picks each variable's sub-optimizer when the
    MultiOptimizer is built; each sub-optimizer then keeps its own rule,
    settings, learning rate, step count and state. One `apply` (and each
    step of `fit`, which runs in Rust with one backward pass) updates every
    variable by its sub-optimizer. `optimizers` lists the sub-optimizers;
    `learning_rate` is theirs, not this one's.

    Args:
        optimizer_map: an `OptimizerMap` or a callable `variable -> Optimizer`.
        loss_scale_factor: set on every sub-optimizer (overriding theirs).
        name: the optimizer's name. Defaults to "multi_optimizer".

    Example:

    >>> model = keras.Sequential(
    ...     [keras.Input((4,)), keras.layers.Dense(3, name="encoder"), keras.layers.Dense(1)],
    ...     name="model",
    ... )
    >>> opt = pykeras.optimizers.MultiOptimizer(
    ...     OptimizerMap(pykeras.optimizers.SGD(), {"model/encoder/.*": pykeras.optimizers.Adam()})
    ... )
    >>> model.compile(optimizer=opt, loss="mse")
    """

    _rule = "multioptimizer"

    def __init__(
        self,
        optimizer_map: OptimizerMap | Callable[[Any], Optimizer],
        loss_scale_factor: float | None = None,
        name: str | None = None,
    ) -> None:
        if not callable(optimizer_map):
            raise TypeError(
                "MultiOptimizer's `optimizer_map` is an OptimizerMap or a callable taking a "
                f"variable and returning its optimizer. Received: {optimizer_map!r}"
            )
        self._inner_optimizers: list[Optimizer] = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._finish_init()
        candidates = list(optimizer_map.values()) if isinstance(optimizer_map, OptimizerMap) else []
        default = getattr(optimizer_map, "default_optimizer", None)
        if default is not None:
            candidates.append(default)
        for opt in candidates:
            self._adopt(opt)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        # Keras: the loss scale factor is every sub-optimizer's too.
        if name == "loss_scale_factor":
            for opt in self.__dict__.get("_inner_optimizers", []):
                opt.loss_scale_factor = value

    def _parent(self) -> _core.Optimizer:
        core = self._native_core
        if not isinstance(core, _core.Optimizer):
            raise TypeError(f"internal error: {core!r} is not a MultiOptimizer's core")
        return core

    def _remake_native(self) -> None:
        # The sub-optimizers live in the native optimizer, which is kept: its
        # one setting, the loss scale factor (read by `fit`'s backward pass;
        # the sub-optimizers unscale by their own), is changed in place.
        self._parent().loss_scale_factor = self.loss_scale_factor

    def _adopt(self, opt: Any) -> int:
        """Moves `opt`'s native optimizer into this one's; its index."""
        _check_sub_optimizer(opt)
        if opt in self._inner_optimizers:
            return self._inner_optimizers.index(opt)
        opt.loss_scale_factor = self.loss_scale_factor
        core = opt._native_core
        if not isinstance(core, _core.Optimizer):
            raise ValueError(
                f"Optimizer '{opt.name}' is already a sub-optimizer of another MultiOptimizer."
            )
        k = self._parent().add_child(core)
        opt._core = self._parent().child(k)
        self._inner_optimizers.append(opt)
        return k

    @property
    def optimizers(self) -> list[Optimizer]:
        """The sub-optimizers."""
        return self._inner_optimizers

    def build(self, var_list: Iterable[Any]) -> None:
        """Picks each variable's sub-optimizer and builds them all."""
        if self.built:
            return
        var_list = list(var_list)
        assigned: list[list[Any]] = [[] for _ in self._inner_optimizers]
        for v in var_list:
            opt = self._optimizer_map(v)
            if not isinstance(opt, Optimizer):
                raise ValueError(f"Optimizer for variable {v} is not an Optimizer instance.")
            if isinstance(opt, LossScaleOptimizer):
                raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
            if isinstance(opt, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            k = self._adopt(opt)
            while len(assigned) <= k:
                assigned.append([])
            assigned[k].append(v)
        for k, (opt, variables) in enumerate(zip(self._inner_optimizers, assigned)):
            if variables:
                opt.build(variables)
                self._parent().assign_to_child(self._var_ids(variables), k)
        super().build(var_list)

    def _native(self, var_list: Sequence[Any]) -> _core.Optimizer:
        core = super()._native(var_list)
        for opt in self._inner_optimizers:
            lr = opt._learning_rate
            if lr is not None and native_form(lr) is None:
                raise NotImplementedError(
                    f"Sub-optimizer '{opt.name}' has a learning rate computed in Python "
                    f"({lr!r}), which pykeras's training loop cannot evaluate. Use a float or "
                    "one of pykeras.optimizers.schedules' built-in schedules."
                )
        return core

    def apply(self, grads: Iterable[Any], trainable_variables: Iterable[Any] | None = None) -> None:
        # Rates computed in Python are set before the native step dispatches.
        for opt in self._inner_optimizers:
            lr = opt._learning_rate
            if lr is not None and native_form(lr) is None:
                opt._native_core.learning_rate = float(opt.learning_rate)
        super().apply(grads, trainable_variables)

    # Keras: a MultiOptimizer has no learning rate of its own.
    @property
    def learning_rate(self) -> Float:
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. "
            "Access the learning rate on the individual sub-optimizers instead."
        )

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. "
            "Set the learning rate on the individual sub-optimizers instead."
        )

    # -- state: this optimizer's iteration and rate, then each sub-optimizer's --

    @property
    def variables(self) -> list[OptimizerVariable]:
        out = list(super().variables)
        for opt in self._inner_optimizers:
            out.extend(opt.variables)
        return out

    def _variable_values(self) -> list[np.ndarray]:
        values = super()._variable_values()
        for opt in self._inner_optimizers:
            values.extend(opt._variable_values())
        return values

    def _set_state(self, values: Sequence[Any]) -> None:
        values = list(values)
        own = len(super()._state())
        if len(values) != len(self._variable_values()):
            raise ValueError(
                f"Optimizer '{self.name}' has {len(self._variable_values())} variables. "
                f"Received: {len(values)} values"
            )
        super()._set_state(values[:own])
        position = own
        for opt in self._inner_optimizers:
            count = len(opt._state())
            opt._set_state(values[position : position + count])
            position += count

    def _assign_variable(self, index: int, value: Any) -> None:
        own = [np.asarray(v) for v in super()._variable_values()]
        own[index] = np.asarray(value)
        Optimizer._set_state(self, own)

    def load_own_variables(self, store: Any) -> None:
        count = len(self._variable_values())
        if len(store.keys()) != count:
            super().load_own_variables(store)  # warns and skips, as for any optimizer
            return
        self._set_state([np.asarray(store[str(i)]) for i in range(count)])

    def finalize_variable_values(self, var_list: Iterable[Any]) -> None:
        """Each sub-optimizer's end-of-training hook, on its own variables."""
        var_list = list(var_list)
        for opt in self._inner_optimizers:
            mine = set(map(id, opt._trainable_variables))
            opt.finalize_variable_values([v for v in var_list if id(v) in mine])

    # -- config ---------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        mapping = self._optimizer_map
        if isinstance(mapping, OptimizerMap):
            serialized: dict[str, Any] = {
                "module": "keras.optimizers",
                "class_name": "OptimizerMap",
                "config": mapping.get_config(),
                "registered_name": None,
            }
        else:
            # Keras's form for a function; it is found again by name in
            # `custom_objects` (or as a registered Keras object).
            name = getattr(mapping, "__name__", type(mapping).__name__)
            serialized = {
                "module": getattr(mapping, "__module__", None),
                "class_name": "function",
                "config": name,
                "registered_name": name,
            }
        return {
            "optimizer_map": serialized,
            "loss_scale_factor": self.loss_scale_factor,
            "name": self.name,
        }

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> MultiOptimizer:
        config = dict(config)
        mapping = config.pop("optimizer_map")
        if isinstance(mapping, dict):
            # From `pykeras.optimizers.deserialize`; the saving layer passes
            # the map (or function) already rebuilt.
            mapping = _deserialize_map(mapping, custom_objects)
        return cls(mapping, **config)


def _deserialize_map(
    config: dict[str, Any], custom_objects: dict[str, Any] | None
) -> OptimizerMap | Callable[[Any], Optimizer]:
    if config.get("class_name") == "OptimizerMap":
        return OptimizerMap.from_config(config.get("config") or {}, custom_objects)
    custom = custom_objects or {}
    for key in (config.get("registered_name"), config.get("config")):
        if isinstance(key, str) and callable(custom.get(key)):
            found: Callable[[Any], Optimizer] = custom[key]
            return found
    raise ValueError(
        "A MultiOptimizer's `optimizer_map` is an OptimizerMap or a function; the function "
        f"{config.get('config')!r} was not found: pass it in `custom_objects`. "
        f"Received: optimizer_map={config!r}"
    )
