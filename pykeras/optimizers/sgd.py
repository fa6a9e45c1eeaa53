"""The SGD optimizer."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.arguments import LR_0_01
from pykeras.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum.

    Without momentum: `w = w - learning_rate * g`. With momentum:
    `velocity = momentum * velocity - learning_rate * g`, then `w = w + velocity`,
    or with `nesterov=True`, `w = w + momentum * velocity - learning_rate * g`.

    Args:
        learning_rate: a float or a `LearningRateSchedule`. Defaults to 0.01.
        momentum: a float in `[0, 1]`; 0 is plain gradient descent.
        nesterov: whether to use Nesterov momentum.
        weight_decay, clipnorm, clipvalue, global_clipnorm: as for every optimizer.
        use_ema, ema_momentum, ema_overwrite_frequency: as for every optimizer.
        loss_scale_factor, gradient_accumulation_steps, name: as for every
            optimizer (see `Optimizer`).

    Example:

    >>> opt = pykeras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    >>> variable = pykeras.Variable(np.ones(3, dtype="float32"))
    >>> grad = np.full(3, 0.5, dtype="float32")
    >>> _ = opt.apply_gradients([(grad, variable)])
    >>> int(opt.iterations)
    1
    """

    _rule = "sgd"
    _rule_keys = ("momentum", "nesterov")

    def __init__(
        self,
        learning_rate: Any = LR_0_01,
        momentum: float = 0.0,
        nesterov: bool = False,
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
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: {momentum!r}")
        self.momentum = momentum
        self.nesterov = nesterov
        self._finish_init()
