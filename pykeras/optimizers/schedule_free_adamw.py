"""The ScheduleFreeAdamW optimizer."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.arguments import DefaultFloat
from pykeras.optimizers.optimizer import Optimizer

_LR_0_0025 = DefaultFloat(0.0025)


class ScheduleFreeAdamW(Optimizer):
    """Schedule-Free AdamW: no learning-rate schedule needed (Defazio et al., 2024).

    Adam-normalized gradient steps go into an auxiliary sequence z (the
    `momentum` slot, which starts as a copy of the weights); x is the
    running uniform average of z, and the weights are kept at the
    interpolation `y = (1 - beta_1) * z + beta_1 * x`, where gradients are
    taken. `velocity` is Adam's second moment. The step runs in Rust.

    Args:
        learning_rate: a float or a `LearningRateSchedule`. Defaults to 0.0025.
        beta_1: the interpolation between z and x. Defaults to 0.9.
        beta_2: the second moment's decay. Defaults to 0.999.
        epsilon: added to the root of the second moment. Defaults to 1e-8.
        warmup_steps: the learning rate rises linearly from 0 over this many
            steps. Defaults to 0.
        weight_decay, clipnorm, clipvalue, global_clipnorm: as for every optimizer.
        use_ema, ema_momentum, ema_overwrite_frequency: as for every optimizer.
        loss_scale_factor, gradient_accumulation_steps, name: as for every
            optimizer (see `Optimizer`).

    Example:

    >>> opt = pykeras.optimizers.ScheduleFreeAdamW(learning_rate=0.0025)
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=opt, loss="mse")
    """

    _rule = "schedulefreeadamw"
    _rule_keys = ("beta_1", "beta_2", "epsilon", "warmup_steps")

    def __init__(
        self,
        learning_rate: Any = _LR_0_0025,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        warmup_steps: int = 0,
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
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps
        self._finish_init()
