"""The Adafactor optimizer."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.arguments import LR_0_001
from pykeras.optimizers.optimizer import Optimizer


class Adafactor(Optimizer):
    """Adafactor: adaptive rates from factored second moments (Shazeer & Stern, 2018).

    For a variable of rank >= 2, the second moment of the gradient is kept as
    its row means `r` and column means `c` (memory `rows + cols` instead of
    `rows * cols`); smaller variables keep it whole. The step is the gradient
    over the root of that moment, clipped by its RMS, times
    `max(epsilon_2, rms(w)) * min(lr, 1 / sqrt(t))`.

    Args:
        learning_rate: a float or a `LearningRateSchedule`. Defaults to 0.001.
        beta_2_decay: the second moment's decay is `1 - t ** beta_2_decay`.
            Defaults to -0.8.
        epsilon_1: added to the squared gradient. Defaults to 1e-30.
        epsilon_2: the smallest weight RMS the step scales by. Defaults to 1e-3.
        clip_threshold: the RMS the update is clipped to. Defaults to 1.0.
        relative_step: cap a constant learning rate at `1 / sqrt(t)`.
            Defaults to True.
        weight_decay, clipnorm, clipvalue, global_clipnorm: as for every optimizer.
        use_ema, ema_momentum, ema_overwrite_frequency: as for every optimizer.
        loss_scale_factor, gradient_accumulation_steps, name: as for every
            optimizer (see `Optimizer`).

    Example:

    >>> opt = pykeras.optimizers.Adafactor(learning_rate=0.01)
    """

    _rule = "adafactor"
    _slots_named_by_variable = ("r", "c")
    _rule_keys = ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step")

    def __init__(
        self,
        learning_rate: Any = LR_0_001,
        beta_2_decay: float = -0.8,
        epsilon_1: float = 1e-30,
        epsilon_2: float = 1e-3,
        clip_threshold: float = 1.0,
        relative_step: bool = True,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = "adafactor",
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
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step
        self._finish_init()
