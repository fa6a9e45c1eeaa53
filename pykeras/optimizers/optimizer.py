"""The Optimizer base class: Keras 3's optimizer API over a Rust optimizer.

The state (step count, learning rate, per-variable slots) and the update
arithmetic live in `pykeras._core.Optimizer`; this class holds the Keras-facing
config, checks arguments as Keras does, and maps pykeras Variables to the
store ids the native optimizer updates in place.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, Union

import numpy as np

from pykeras import _core
from pykeras.backend.naming import to_snake_case, unique_name
from pykeras.engine.stateless_scope import in_stateless_scope
from pykeras.engine.step_trace import recorder_of
from pykeras.engine.tracing import current_trace
from pykeras.errors import ShapeError
from pykeras.optimizers import schedules
from pykeras.optimizers.arguments import (
    BASE_KEYS,
    Float,
    Int,
    OptimizerVariable,
    check_base_args,
    check_kwargs,
    float_dtype_of,
    handle_of,
    learning_rate_value,
)
from pykeras.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
    native_form,
)
from pykeras.optimizers.schedules.learning_rate_schedule import (
    serialize as serialize_schedule,
)

# The native optimizer: its own, or (for a MultiOptimizer's sub-optimizer) a
# view of its part of the parent's.
NativeCore = Union[_core.Optimizer, _core.SubOptimizer]


class Optimizer:
    """Base class of Keras optimizers.

    Subclasses set `_rule` (the native rule's name), `_rule_keys` (their
    hyperparameters, stored as attributes of the same name) and call
    `super().__init__`.

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking
            no arguments.
        weight_decay: if set, `w -= w * weight_decay * learning_rate` before
            each update.
        clipnorm: if set, each gradient is clipped to this norm.
        clipvalue: if set, each gradient element is clipped to `[-v, v]`.
        global_clipnorm: if set, all gradients are scaled together so that
            their global norm is at most this value.
        use_ema: keep an exponential moving average of the weights, which
            replaces them at the end of `fit` (`finalize_variable_values`).
        ema_momentum: momentum of that average.
        ema_overwrite_frequency: every how many steps the average overwrites
            the weights (None: only at the end).
        loss_scale_factor: gradients are divided by it before the update.
        gradient_accumulation_steps: if an int >= 2, gradients are summed over
            that many calls and the variables updated with their mean once per
            that many; `iterations` counts those updates.
        name: the optimizer's name; by default the snake-cased class name,
            made unique (`adam`, `adam_1`, ...).

    Example:

    >>> opt = pykeras.optimizers.Adam(learning_rate=0.01)
    >>> variable = pykeras.Variable(np.ones(3, dtype="float32"))
    >>> grad = np.full(3, 0.5, dtype="float32")
    >>> _ = opt.apply_gradients([(grad, variable)])
    >>> int(opt.iterations)
    1
    """

    _rule: str | None = None
    _rule_keys: tuple[str, ...] = ()
    # Slots Keras names after the variable alone (not `{path}_{slot}`).
    _slots_named_by_variable: tuple[str, ...] = ()

    def __init__(
        self,
        learning_rate: Any,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        learning_rate = check_kwargs(type(self), kwargs, learning_rate)
        self._core: NativeCore | None = None
        self.name = name if name is not None else unique_name(to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        check_base_args(self)

        # A schedule or callable lives here; a float lives in the native optimizer.
        self._learning_rate: Any = None
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            learning_rate = learning_rate_value(learning_rate)
        self._initial_learning_rate = learning_rate
        self.built = False
        self._trainable_variables: list[Any] = []
        self._variable_index: dict[int, int] = {}
        self._exclude_ids: set[int] = set()
        self._exclude_pattern: re.Pattern[str] | None = None

    def _finish_init(self) -> None:
        """Called last by subclass constructors: makes the native optimizer
        now, so that a bad argument fails at construction as in Keras."""
        self._native_core  # noqa: B018

    # -- the native optimizer -------------------------------------------------

    def _native_config(self) -> _core.OptimizerConfig:
        """The typed config the native optimizer is made from: the shared and
        rule hyper-parameters, with a built-in schedule as `(class_name,
        config)` and a Python-evaluated rate as 0.0 (set before each step)."""
        if self._rule is None:
            raise TypeError(
                f"Optimizer '{type(self).__name__}' names no native update rule (`_rule`); "
                "subclass one of pykeras.optimizers' optimizers, such as `Adam`."
            )
        fields = {key: getattr(self, key) for key in BASE_KEYS + self._rule_keys}
        lr = self._learning_rate
        form = None if lr is None else native_form(lr)
        if lr is None:
            fields["learning_rate"] = self._initial_learning_rate
        elif form is None:
            # A custom schedule or callable: Python sets the rate before each step.
            fields["learning_rate"] = 0.0
        return _core.OptimizerConfig(self._rule, schedule=form, **fields)

    @property
    def _native_core(self) -> NativeCore:
        if self._core is None:
            self._core = _core.Optimizer(self._native_config())
        return self._core

    def _variable_groups(self, var_list: Sequence[Any]) -> list[int] | None:
        """The rule's group of each variable (None: all in group 0); Muon
        puts the variables it updates by AdamW in group 1."""
        return None

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        # Changing a hyperparameter remakes the native optimizer, keeping its state.
        if name in BASE_KEYS or name in type(self)._rule_keys:
            if self.__dict__.get("_core") is not None:
                self._remake_native()

    def _remake_native(self) -> None:
        old = self._native_core
        self._core = None
        try:
            new = self._native_core
        except Exception:
            self._core = old
            raise
        if not isinstance(new, _core.Optimizer):
            raise TypeError(f"internal error: {new!r} is not a fresh native optimizer")
        new.iterations = old.iterations
        if self._learning_rate is None:
            # The double, not the float32 rate: float64 variables update with it.
            new.learning_rate = old.learning_rate_f64
        if self.built:
            ids = self._var_ids(self._trainable_variables)
            groups = self._variable_groups(self._trainable_variables)
            if groups is not None:
                new.set_variable_groups(ids, groups)
            new.build(ids)
            values = [a for _, a in old.variables(ids)]
            try:
                new.set_variables(ids, values)
            except ValueError as e:
                self._core = old
                raise ValueError(
                    f"This change alters the state layout of optimizer '{self.name}', which is "
                    "already built; create a new optimizer instead."
                ) from e
        new.exclude_from_weight_decay(sorted(self._excluded_native_ids()))
        if isinstance(old, _core.SubOptimizer):
            # A MultiOptimizer's sub-optimizer: its state lives in the parent.
            old.replace(new)
            self._core = old
        else:
            self._core = new

    def _native(self, var_list: Sequence[Any]) -> _core.Optimizer:
        """The `_core.Optimizer` for training `var_list`, built once.

        The trainer runs steps on it directly. A custom schedule or a callable
        learning rate needs Python at every step, so it is refused here.
        """
        if self._learning_rate is not None and native_form(self._learning_rate) is None:
            raise NotImplementedError(
                f"Optimizer '{self.name}' has a learning rate computed in Python "
                f"({self._learning_rate!r}), which pykeras's training loop cannot evaluate. "
                "Use a float or one of pykeras.optimizers.schedules' built-in schedules."
            )
        if not self.built:
            self.build(var_list)
        else:
            self._check_variables_are_known(var_list)
        core = self._native_core
        if not isinstance(core, _core.Optimizer):
            raise ValueError(
                f"Optimizer '{self.name}' is a sub-optimizer of a MultiOptimizer; train with "
                "the MultiOptimizer, which updates each of its sub-optimizers' variables."
            )
        return core

    @staticmethod
    def _var_ids(variables: Iterable[Any]) -> list[int]:
        return [handle_of(v).id for v in variables]

    def _excluded_native_ids(self) -> set[int]:
        ids: set[int] = set()
        for v in self._trainable_variables:
            if id(v) in self._exclude_ids:
                ids.add(handle_of(v).id)
            elif self._exclude_pattern is not None and self._exclude_pattern.search(v.name):
                ids.add(handle_of(v).id)
        return ids

    # -- Keras API ------------------------------------------------------------

    @property
    def iterations(self) -> Int:
        """Updates made so far (an int that also answers `.numpy()`); with
        gradient accumulation, calls divided by `gradient_accumulation_steps`."""
        return Int(self._native_core.iterations // (self.gradient_accumulation_steps or 1))

    @property
    def learning_rate(self) -> Float:
        """The learning rate of the next step, as a float."""
        lr = self._learning_rate
        if lr is None or native_form(lr) is not None:
            return Float(self._native_core.learning_rate)
        if isinstance(lr, LearningRateSchedule):
            return Float(float(np.asarray(lr(self._native_core.iterations))))
        return Float(float(np.asarray(lr())))

    @learning_rate.setter
    def learning_rate(self, learning_rate: Any) -> None:
        core = self._native_core
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
            form = native_form(learning_rate)
            if form is not None:
                core.set_schedule(*form)
            return
        if isinstance(self._learning_rate, LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument."
            )
        value = learning_rate_value(learning_rate)
        if self._learning_rate is not None:
            # Replacing a callable by a float: a fresh native rate, state kept.
            self._learning_rate = None
            self._initial_learning_rate = value
            self._remake_native()
        self._native_core.learning_rate = value

    def build(self, var_list: Iterable[Any]) -> None:
        """Creates the optimizer state for `var_list` (once; later calls do nothing)."""
        if self.built:
            return
        var_list = list(var_list)
        self._trainable_variables = var_list
        self._variable_index = {id(v): i for i, v in enumerate(var_list)}
        core = self._native_core
        ids = self._var_ids(var_list)
        groups = self._variable_groups(var_list)
        if groups is not None:
            core.set_variable_groups(ids, groups)
        core.build(ids)
        core.exclude_from_weight_decay(sorted(self._excluded_native_ids()))
        self.built = True

    def _check_variables_are_known(self, variables: Iterable[Any]) -> None:
        for v in variables:
            if id(v) not in self._variable_index:
                raise ValueError(
                    f"Unknown variable: {v}. This optimizer can only be called for the "
                    "variables it was originally built with. When working with a new set of "
                    "variables, you should recreate a new optimizer instance."
                )

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Any]]) -> Int:
        """Applies one step of gradients to variables.

        Args:
            grads_and_vars: a list of `(gradient, variable)` pairs; a `None`
                gradient skips its variable (with a warning).

        Returns:
            The number of steps taken so far.
        """
        grads_and_vars = list(grads_and_vars)
        if not grads_and_vars:
            return self.iterations
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)
        return self.iterations

    def apply(self, grads: Iterable[Any], trainable_variables: Iterable[Any] | None = None) -> None:
        """Updates variables from `grads` (in the order of `trainable_variables`,
        or of the variables the optimizer was built with)."""
        grads = list(grads)
        if len(grads) == 0:
            return
        tracer = current_trace()
        if tracer is not None:
            # Inside a traced train_step: the compiled loop applies the update.
            variables = (
                self._trainable_variables if trainable_variables is None else trainable_variables
            )
            recorder_of(tracer).apply(self, grads, list(variables))
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first."
                )
            if len(grads) != len(self._trainable_variables):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must "
                    f"match `optimizer.variables` one-to-one. Received a list of {len(grads)} "
                    f"gradients, but the optimizer is tracking {len(self._trainable_variables)} "
                    "trainable variables."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
            self._check_variables_are_known(trainable_variables)

        kept = [(g, v) for g, v in zip(grads, trainable_variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        if in_stateless_scope():
            # The step updates the variables and slots in the Rust store, which a
            # StatelessScope cannot redirect: refused rather than changing them.
            raise ValueError(
                f"Optimizer '{self.name}' cannot apply gradients inside a "
                "keras.StatelessScope: pykeras optimizers update their variables in place. "
                "Apply the step outside the scope."
            )
        missing = [v for g, v in zip(grads, trainable_variables) if g is None]
        if missing:
            warnings.warn(
                "Gradients do not exist for variables "
                f"{[getattr(v, 'path', getattr(v, 'name', v)) for v in missing]} when "
                "minimizing the loss. If using `model.compile()`, did you forget to provide a "
                "`loss` argument?",
                stacklevel=2,
            )
        # Each gradient in its variable's dtype (float64 variables update in float64).
        arrays = [np.asarray(g, dtype=float_dtype_of(v), order="C") for g, v in kept]
        for array, (_, v) in zip(arrays, kept):
            # Checked for all before any update: nothing is half-applied.
            if tuple(array.shape) != tuple(v.shape):
                raise ShapeError(
                    f"Optimizer '{self.name}' received a gradient of shape {tuple(array.shape)} "
                    f"for variable '{getattr(v, 'path', v)}' of shape {tuple(v.shape)}."
                )
        core = self._native_core
        lr = self._learning_rate
        if lr is not None and native_form(lr) is None:
            core.learning_rate = float(self.learning_rate)
        core.apply(self._var_ids([v for _, v in kept]), arrays)
        for _, v in kept:
            constraint = getattr(v, "constraint", None)
            if constraint is not None:
                v.assign(constraint(v.numpy()))

    def exclude_from_weight_decay(
        self, var_list: Iterable[Any] | None = None, var_names: Iterable[str] | None = None
    ) -> None:
        """Keeps weight decay off `var_list`, and off variables whose name
        contains any of `var_names`. Call it before the optimizer is built."""
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before the optimizer "
                "is built."
            )
        self._exclude_ids = {id(v) for v in var_list} if var_list else set()
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def scale_loss(self, loss: Any) -> Any:
        """The loss times `loss_scale_factor`, if one is set."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def finalize_variable_values(self, var_list: Iterable[Any]) -> None:
        """Keras's end-of-training hook: with `use_ema`, the weights take their
        moving averages; without, nothing."""
        if self.use_ema and self.built:
            averages = self._moving_averages()
            for v in var_list:
                if id(v) in averages:
                    v.assign(averages[id(v)])

    def _moving_averages(self) -> dict[int, np.ndarray]:
        """`{id(variable): its EMA}` from the native state (with `use_ema`)."""
        return {key: value for key, (_, value) in self._average_entries().items()}

    def _average_entries(self) -> dict[int, tuple[int, np.ndarray]]:
        """`{id(variable): (state index, EMA value)}` (with `use_ema`)."""
        state = self._state()
        owners = self._slot_owners(state)
        return {
            id(owner): (i, np.asarray(value))
            for i, ((slot, value), owner) in enumerate(zip(state, owners))
            if slot == "average" and owner is not None
        }

    # -- state ----------------------------------------------------------------

    def _state(self) -> list[tuple[str, np.ndarray]]:
        ids = self._var_ids(self._trainable_variables) if self.built else []
        return self._native_core.variables(ids)

    def _variable_values(self) -> list[np.ndarray]:
        values = [np.asarray(a) for _, a in self._state()]
        values[0] = np.asarray(self._native_core.iterations, dtype=np.int64)
        return values

    @property
    def variables(self) -> list[OptimizerVariable]:
        """The optimizer state in Keras's order: iteration, learning rate (for
        a float rate), then the slots of each variable, as live views."""
        state = self._state()
        per_slot_var = self._slot_owners(state)
        out = []
        for i, (slot, value) in enumerate(state):
            owner = per_slot_var[i]
            if i == 0:
                name, dtype = "iteration", "int64"
            elif owner is None:
                name = "variable" if slot == "u_product" else slot
                dtype = str(value.dtype)
            elif slot in self._slots_named_by_variable:
                # Keras's `add_variable(name=variable.name)` (Adafactor's r and c).
                name, dtype = str(getattr(owner, "name", "variable")), str(value.dtype)
            else:
                base = str(getattr(owner, "path", getattr(owner, "name", "variable")))
                # A float64 variable's slots are float64, as Keras's.
                name, dtype = f"{base.replace('/', '_')}_{slot}", str(value.dtype)
            path = f"{self.name}/{name}"
            out.append(OptimizerVariable(self, i, name, path, tuple(value.shape), dtype))
        return out

    def _slot_owners(self, state: Sequence[tuple[str, np.ndarray]]) -> list[Any]:
        """For each state entry, the model variable it belongs to (or None)."""
        owners: list[Any] = [None] * len(state)
        if not self.built:
            return owners
        position = 2 if self._learning_rate is None else 1
        for group in self._native_core.slot_groups():
            for variable in self._trainable_variables:
                for slot in group:
                    # A slot the rule keeps not for this variable is not listed.
                    if position < len(state) and state[position][0] == slot:
                        owners[position] = variable
                        position += 1
        return owners

    def _assign_variable(self, index: int, value: Any) -> None:
        values = [np.asarray(a) for _, a in self._state()]
        if index == 0:
            self._native_core.iterations = int(np.asarray(value))
            return
        values[index] = np.asarray(value, dtype=values[index].dtype, order="C")
        values[0] = np.asarray(self._native_core.iterations, dtype=np.float32)
        self._set_state(values)
        self._native_core.iterations = int(np.asarray(values[0]))

    def _set_state(self, values: Sequence[Any]) -> None:
        ids = self._var_ids(self._trainable_variables) if self.built else []
        iterations = int(np.asarray(values[0]))
        # float64 values stay float64 (the core casts each to its slot's dtype).
        arrays = [np.asarray(v, dtype=float_dtype_of(v), order="C") for v in values]
        self._native_core.set_variables(ids, arrays)
        # The native list carries the count as float32; set it exactly.
        self._native_core.iterations = iterations

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Sets the optimizer state from a list of arrays in `variables` order."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`."
            )
        self._set_state(list(weights))

    def get_weights(self) -> list[np.ndarray]:
        """The optimizer state as a list of arrays in `variables` order."""
        return self._variable_values()

    def save_own_variables(self, store: Any) -> None:
        """Writes the state into `store` under keys "0", "1", ... (Keras's format)."""
        for i, value in enumerate(self._variable_values()):
            store[str(i)] = value

    def load_own_variables(self, store: Any) -> None:
        """Reads state written by `save_own_variables`."""
        count = len(self._state())
        if len(store.keys()) != count:
            msg = (
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{count} variables whereas the saved optimizer has {len(store.keys())} "
                "variables. "
            )
            if not self.built:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        self._set_state([np.asarray(store[str(i)]) for i in range(count)])

    # -- config ---------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        """The optimizer's config, with Keras 3's keys and values."""
        lr = self._learning_rate
        learning_rate: Any
        if lr is None:
            learning_rate = float(np.float32(self._native_core.learning_rate))
        elif isinstance(lr, LearningRateSchedule):
            learning_rate = serialize_schedule(lr)
        else:
            learning_rate = lr
        config = {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        config.update({key: getattr(self, key) for key in self._rule_keys})
        return config

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> Optimizer:
        """The optimizer `get_config()` describes (without its state)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(
                config["learning_rate"], custom_objects=custom_objects
            )
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, iterations={int(self.iterations)}>"
