"""The Adagrad optimizer."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.arguments import LR_0_001
from pykeras.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad: per-parameter learning rates from the sum of squared gradients.

    `accumulator += g^2`, `w -= lr * g / sqrt(accumulator + epsilon)`.

    Args:
        learning_rate: a float or a `LearningRateSchedule`. Defaults to 0.001.
        initial_accumulator_value: starting value of the accumulators. Defaults to 0.1.
        epsilon: added under the root. Defaults to 1e-7.
        weight_decay, clipnorm, clipvalue, global_clipnorm: as for every optimizer.
        use_ema, ema_momentum, ema_overwrite_frequency: as for every optimizer.
        loss_scale_factor, gradient_accumulation_steps, name: as for every
            optimizer (see `Optimizer`).

    Example:

    >>> opt = pykeras.optimizers.Adagrad(learning_rate=0.001)
    >>> variable = pykeras.Variable(np.ones(3, dtype="float32"))
    >>> grad = np.full(3, 0.5, dtype="float32")
    >>> _ = opt.apply_gradients([(grad, variable)])
    >>> int(opt.iterations)
    1
    """

    _rule = "adagrad"
    _rule_keys = ("initial_accumulator_value", "epsilon")

    def __init__(
        self,
        learning_rate: Any = LR_0_001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
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
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon
        self._finish_init()
