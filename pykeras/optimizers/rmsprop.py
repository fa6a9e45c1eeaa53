"""The RMSprop optimizer."""

from pykeras.optimizers.arguments import LR_0_001
from pykeras.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop: divides the gradient by a running root mean square of gradients.

    `velocity = rho * velocity + (1 - rho) * g^2`; the update is
    `lr * g / sqrt(velocity + epsilon)` (centered: the running mean gradient's
    square is subtracted under the root), accumulated with `momentum` if set.

    Args:
        learning_rate: a float or a `LearningRateSchedule`. Defaults to 0.001.
        rho: discount of the old squared gradients. Defaults to 0.9.
        momentum: momentum of the update. Defaults to 0.0.
        epsilon: added under the root. Defaults to 1e-7.
        centered: whether to normalize by the estimated variance. Defaults to False.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps,
        name: as for every optimizer (see `Optimizer`).

    Example:

    >>> opt = pykeras.optimizers.RMSprop(learning_rate=0.001)
    >>> opt.apply_gradients([(grad, variable)])
    """

    _rule = "rmsprop"
    _rule_keys = ("rho", "momentum", "epsilon", "centered")

    def __init__(
        self,
        learning_rate=LR_0_001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
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
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self._finish_init()
