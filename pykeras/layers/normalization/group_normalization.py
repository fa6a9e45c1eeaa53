"""GroupNormalization: normalizes groups of channels of each sample."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import constraints, initializers, ops, regularizers
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.normalization.axes import check_axes

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class GroupNormalization(Layer):
    """Group normalization layer (Wu and He, 2018).

    The channels (`axis`) are split into `groups`; each group of each sample
    is normalized to zero mean and unit variance over its channels and all
    other non-batch axes, then scaled by `gamma` and shifted by `beta` (one
    value per channel). `groups=-1` is instance normalization; `groups=1`
    is layer normalization over all non-batch axes.

    Args:
        groups: the number of groups (default 32); must divide the channels.
        axis: the channels axis (default -1).
        epsilon: added to the variance (default 1e-3).
        center: whether to add `beta`.
        scale: whether to multiply by `gamma`.
        beta_initializer, gamma_initializer: initializers of `beta` and `gamma`.
        beta_regularizer, gamma_regularizer: their optional regularizers.
        beta_constraint, gamma_constraint: their optional constraints.

    Example:

    >>> GroupNormalization(groups=2)(np.arange(8.0).reshape(1, 2, 4)).shape
    (1, 2, 4)
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: InitializerLike = "zeros",
        gamma_initializer: InitializerLike = "ones",
        beta_regularizer: RegularizerLike = None,
        gamma_regularizer: RegularizerLike = None,
        beta_constraint: ConstraintLike = None,
        gamma_constraint: ConstraintLike = None,
        **kwargs: Any,
    ) -> None:
        if (
            isinstance(groups, bool)
            or not isinstance(groups, int)
            or (groups <= 0 and groups != -1)
        ):
            raise InvalidArgumentError(
                "Received an invalid value for argument `groups`, expected a positive integer "
                f"(or `-1` for instance normalization). Received: groups={groups!r}"
            )
        super().__init__(**kwargs)
        self.supports_masking = True
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape: Any) -> None:
        input_shape = tuple(input_shape)
        (axis,) = check_axes(self.name, self.axis, input_shape)
        dim = input_shape[axis]
        if dim is None:
            raise ShapeError(
                f"Layer '{self.name}': axis {self.axis} of the input should have a defined "
                f"dimension. Received: input_shape={input_shape}"
            )
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups or dim % self.groups != 0:
            raise ShapeError(
                f"Layer '{self.name}': the number of groups ({self.groups}) must divide the "
                f"number of channels ({dim}). Received: input_shape={input_shape}"
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        # Variables, or None when `scale` / `center` is off.
        self.gamma: Any = None
        self.beta: Any = None
        if self.scale:
            self.gamma = self.add_weight(
                shape=(dim,), name="gamma", initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
            )  # fmt: skip
        if self.center:
            self.beta = self.add_weight(
                shape=(dim,), name="beta", initializer=self.beta_initializer,
                regularizer=self.beta_regularizer, constraint=self.beta_constraint,
            )  # fmt: skip
        self._shape = input_shape
        self._channel_axis = axis
        self.built = True

    def call(self, inputs: Any) -> Any:
        shape = list(self._shape)
        rank, axis = len(shape), self._channel_axis
        # (batch, ..., groups, channels // groups, ...): the group axis sits
        # just before the channels, as Keras reshapes.
        grouped = [-1] + [d for d in shape[1:]]
        grouped[axis] = shape[axis] // self.groups
        grouped.insert(axis, self.groups)
        x = ops.reshape(inputs, grouped)
        reduce_axes = [i for i in range(1, rank + 1) if i != axis]
        mean, variance = ops.moments(x, axes=reduce_axes, keepdims=True)
        inv = ops.rsqrt(ops.add(variance, self.epsilon))
        broadcast = [1] * (rank + 1)
        broadcast[axis] = self.groups
        broadcast[axis + 1] = shape[axis] // self.groups
        if self.scale:
            inv = ops.multiply(inv, ops.reshape(self.gamma, broadcast))
        res = ops.negative(ops.multiply(mean, inv))
        if self.center:
            res = ops.add(res, ops.reshape(self.beta, broadcast))
        out = ops.add(ops.multiply(x, inv), res)
        return ops.reshape(out, [-1] + shape[1:])

    def compute_output_shape(self, input_shape: Any) -> Any:
        check_axes(self.name, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "groups": self.groups,
                "axis": self.axis,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        return config
