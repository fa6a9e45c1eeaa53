"""The Adadelta optimizer."""

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
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps,
        name: as for every optimizer (see `Optimizer`).

    Example:

    >>> opt = pykeras.optimizers.Adadelta(learning_rate=0.001)
    >>> opt.apply_gradients([(grad, variable)])
    """

    _rule = "adadelta"
    _rule_keys = ("rho", "epsilon")

    def __init__(
        self,
        learning_rate=LR_0_001,
        rho=0.95,
        epsilon=1e-7,
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
        self.epsilon = epsilon
        self._finish_init()
