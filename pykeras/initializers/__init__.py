"""pykeras.initializers: how weights start, with Keras's names and defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras.backend import variable as _variable
from pykeras.initializers.constant import Constant, Identity, Ones, Zeros
from pykeras.initializers.initializer import Initializer, lookup, serialize_object
from pykeras.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    compute_fans,
)
from pykeras.initializers.stft import STFT

if TYPE_CHECKING:
    from pykeras.initializers.initializer import InitializerLike

_CLASSES: list[type[Initializer]] = [
    Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, LecunNormal,
    LecunUniform, Ones, Orthogonal, RandomNormal, RandomUniform, STFT, TruncatedNormal,
    VarianceScaling, Zeros,
]  # fmt: skip
_TABLE = {cls.__name__: cls for cls in _CLASSES}
_TABLE.update(
    {
        "constant": Constant,
        "glorot_normal": GlorotNormal,
        "glorot_uniform": GlorotUniform,
        "he_normal": HeNormal,
        "he_uniform": HeUniform,
        "identity": Identity,
        "lecun_normal": LecunNormal,
        "lecun_uniform": LecunUniform,
        "ones": Ones,
        "orthogonal": Orthogonal,
        "random_normal": RandomNormal,
        "random_uniform": RandomUniform,
        "truncated_normal": TruncatedNormal,
        "uniform": RandomUniform,
        "normal": RandomNormal,
        "variance_scaling": VarianceScaling,
        "zeros": Zeros,
        "zero": Zeros,
        "one": Ones,
        "IdentityInitializer": Identity,
        "OrthogonalInitializer": Orthogonal,
        "STFTInitializer": STFT,
        "stft": STFT,
    }
)

# Keras's other public names of the same classes: `keras.initializers.he_normal`
# is `HeNormal`, so `he_normal(seed=1)` makes one.
IdentityInitializer = identity = Identity
OrthogonalInitializer = orthogonal = Orthogonal
STFTInitializer = stft = STFT
constant = Constant
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
ones = Ones
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
zeros = Zeros
_ALIASES = [
    "IdentityInitializer", "OrthogonalInitializer", "STFTInitializer", "constant",
    "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity", "lecun_normal",
    "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform", "stft",
    "truncated_normal", "variance_scaling", "zeros",
]  # fmt: skip


def get(identifier: InitializerLike) -> Any:
    """An initializer from a name, a config dict, an instance, a class or a callable.

    Args:
        identifier: `"he_normal"`, `{"class_name": "HeNormal", "config": {...}}`,
            an `Initializer`, a class, a callable, or None.

    Returns:
        An initializer (or the callable, or None).
    """
    return lookup(identifier, _TABLE, Initializer, "initializer")


def serialize(initializer: Any) -> Any:
    """Keras 3's config dict for `initializer` (None stays None)."""
    if initializer is not None and not isinstance(initializer, Initializer):
        return getattr(initializer, "__name__", None)
    return serialize_object(initializer, "keras.initializers")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """The initializer a `serialize` dict describes.

    Args:
        config: `{"class_name": ..., "config": {...}}` (or a name).
        custom_objects: a dict of names to custom initializer classes.
    """
    return lookup(config, {**_TABLE, **(custom_objects or {})}, Initializer, "initializer")


__all__ = (
    [cls.__name__ for cls in _CLASSES]
    + _ALIASES
    + [
        "Initializer",
        "compute_fans",
        "deserialize",
        "get",
        "serialize",
    ]
)

# `Variable(initializer="...", shape=...)` (variables sit below initializers)
# resolves initializer names through this.
_variable.set_initializer_lookup(get)
