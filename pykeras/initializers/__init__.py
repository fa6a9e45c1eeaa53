"""pykeras.initializers: how weights start, with Keras's names and defaults."""

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

_CLASSES = [
    Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, LecunNormal,
    LecunUniform, Ones, Orthogonal, RandomNormal, RandomUniform, TruncatedNormal,
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
    }
)


def get(identifier):
    """An initializer from a name, a config dict, an instance, a class or a callable."""
    return lookup(identifier, _TABLE, Initializer, "initializer")


def serialize(initializer):
    """Keras 3's config dict for `initializer` (None stays None)."""
    if initializer is not None and not isinstance(initializer, Initializer):
        return getattr(initializer, "__name__", None)
    return serialize_object(initializer, "keras.initializers")


def deserialize(config):
    return get(config)


__all__ = [cls.__name__ for cls in _CLASSES] + [
    "Initializer",
    "compute_fans",
    "deserialize",
    "get",
    "serialize",
]
