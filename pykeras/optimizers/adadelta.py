"""The Adadelta optimizer."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.arguments import LR_0_001
from pykeras.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta: adapts the step from running averages of gradients and updates.

    `acc_g = rho * acc_g + (1 - rho) * g^2`,
    `delta = -sqrt(acc_d + epsilon) * g / sqrt(acc_g + epsilon)`,
    `acc_d = rho * acc_d + (1 - rho) * delta^2`, `w += lr * delta`.

    Args:
        learning_rate: a float or a `LearningRateSchedule`. Defaults to 0.001.
        rho: the decay rate. Defaults to 0.95.
        epsilon: added under the roots. Defaults to 1e-7.
        weight_decay, clipnorm, clipvalue, global_clipnorm: as for every optimizer.
        use_ema, ema_momentum, ema_overwrite_frequency: as for every optimizer.
        loss_scale_factor, gradient_accumulation_steps, name: as for every
            optimizer (see `Optimizer`).

    Example:

    >>> opt = pykeras.optimizers.Adadelta(learning_rate=0.001)
    >>> variable = pykeras.Variable(np.ones(3, dtype="float32"))
    >>> grad = np.full(3, 0.5, dtype="float32")
    >>> _ = opt.apply_gradients([(grad, variable)])
    >>> int(opt.iterations)
    1
    """

    _rule = "adadelta"
    _rule_keys = ("rho", "epsilon")

    def __init__(
        self,
        learning_rate: Any = LR_0_001,
        rho: float = 0.95,
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
        self.rho = rho
        self.epsilon = epsilon
        self._finish_init()
