"""The Lion optimizer."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.arguments import LR_0_001
from pykeras.optimizers.optimizer import Optimizer


class Lion(Optimizer):
    """Lion: steps by the sign of an interpolated momentum (Chen et al., 2023).

    `w -= lr * sign(beta_1 * m + (1 - beta_1) * g)`, then
    `m = beta_2 * m + (1 - beta_2) * g`. Use a learning rate 3-10x smaller
    than for AdamW.

    Args:
        learning_rate: a float or a `LearningRateSchedule`. Defaults to 0.001.
        beta_1: interpolation between momentum and gradient. Defaults to 0.9.
        beta_2: decay rate of the momentum. Defaults to 0.99.
        weight_decay, clipnorm, clipvalue, global_clipnorm: as for every optimizer.
        use_ema, ema_momentum, ema_overwrite_frequency: as for every optimizer.
        loss_scale_factor, gradient_accumulation_steps, name: as for every
            optimizer (see `Optimizer`).

    Example:

    >>> opt = pykeras.optimizers.Lion(learning_rate=0.001)
    >>> variable = pykeras.Variable(np.ones(3, dtype="float32"))
    >>> grad = np.full(3, 0.5, dtype="float32")
    >>> _ = opt.apply_gradients([(grad, variable)])
    >>> int(opt.iterations)
    1
    """

    _rule = "lion"
    _rule_keys = ("beta_1", "beta_2")

    def __init__(
        self,
        learning_rate: Any = LR_0_001,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
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
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}."
            )
        self._finish_init()
