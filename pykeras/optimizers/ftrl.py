"""The Ftrl optimizer."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.arguments import LR_0_001
from pykeras.optimizers.optimizer import Optimizer


class Ftrl(Optimizer):
    """FTRL-Proximal ("Follow The Regularized Leader"), as in Keras 3.

    Suited to shallow models with large sparse feature spaces (McMahan et
    al., 2013). Per element, with `n` the accumulator and `z` the linear term:
    `n' = n + g^2`, `z += g' - (n'^-p - n^-p) / lr * w` (`g'` the gradient plus
    `2 * l2_shrinkage * w`), then `w = (clip(z, -l1, l1) - z) / (n'^-p / lr +
    2 * (l2 + beta / (2 * lr)))`, where `p` is `learning_rate_power`.

    Args:
        learning_rate: a float or a `LearningRateSchedule`. Defaults to 0.001.
        learning_rate_power: how the rate falls as the accumulator grows; <= 0.
            Defaults to -0.5.
        initial_accumulator_value: the accumulator's start; >= 0. Defaults to 0.1.
        l1_regularization_strength: >= 0. Defaults to 0.0.
        l2_regularization_strength: >= 0 (stabilization penalty). Defaults to 0.0.
        l2_shrinkage_regularization_strength: >= 0 (magnitude penalty).
            Defaults to 0.0.
        beta: Defaults to 0.0.
        weight_decay, clipnorm, clipvalue, global_clipnorm: as for every optimizer.
        use_ema, ema_momentum, ema_overwrite_frequency: as for every optimizer.
        loss_scale_factor, gradient_accumulation_steps, name: as for every
            optimizer (see `Optimizer`).

    Example:

    >>> opt = pykeras.optimizers.Ftrl(learning_rate=0.05, l1_regularization_strength=0.01)
    """

    _rule = "ftrl"
    _rule_keys = (
        "learning_rate_power",
        "initial_accumulator_value",
        "l1_regularization_strength",
        "l2_regularization_strength",
        "l2_shrinkage_regularization_strength",
        "beta",
    )

    def __init__(
        self,
        learning_rate: Any = LR_0_001,
        learning_rate_power: float = -0.5,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        l2_shrinkage_regularization_strength: float = 0.0,
        beta: float = 0.0,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = "ftrl",
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
        checks = (
            ("initial_accumulator_value", initial_accumulator_value, "non-negative"),
            ("learning_rate_power", -learning_rate_power, "negative or zero"),
            ("l1_regularization_strength", l1_regularization_strength, "non-negative"),
            ("l2_regularization_strength", l2_regularization_strength, "non-negative"),
            (
                "l2_shrinkage_regularization_strength",
                l2_shrinkage_regularization_strength,
                "non-negative",
            ),
        )
        for key, value, what in checks:
            if value < 0.0:
                raise ValueError(
                    f"`{key}` needs to be {what}. Received: {key}="
                    f"{-value if key == 'learning_rate_power' else value}."
                )
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta
        self._finish_init()
