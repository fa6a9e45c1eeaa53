"""The Lamb optimizer."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.arguments import LR_0_001
from pykeras.optimizers.optimizer import Optimizer


class Lamb(Optimizer):
    """LAMB: Adam's direction with a per-variable trust ratio (You et al., 2019).

    Follows Keras 3: `m += (g - m) * (1 - beta_1)`, `v += (g^2 - v) * (1 -
    beta_2)`, `u = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)`,
    then `w -= r * lr * u` with `r = ||w|| / ||u||` (1 if either norm is 0).

    Args:
        learning_rate: a float or a `LearningRateSchedule`. Defaults to 0.001.
        beta_1: decay rate of the first moment. Defaults to 0.9.
        beta_2: decay rate of the second moment. Defaults to 0.999.
        epsilon: added to the denominator. Defaults to 1e-7.
        weight_decay, clipnorm, clipvalue, global_clipnorm: as for every optimizer.
        use_ema, ema_momentum, ema_overwrite_frequency: as for every optimizer.
        loss_scale_factor, gradient_accumulation_steps, name: as for every
            optimizer (see `Optimizer`).

    Example:

    >>> opt = pykeras.optimizers.Lamb(learning_rate=0.001)
    """

    _rule = "lamb"
    _rule_keys = ("beta_1", "beta_2", "epsilon")

    def __init__(
        self,
        learning_rate: Any = LR_0_001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
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
        name: str | None = "lamb",
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
        self._finish_init()
