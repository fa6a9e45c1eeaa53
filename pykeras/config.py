"""pykeras.config: global settings, with the names and behaviour of `keras.config`.

Besides Keras's settings (`floatx`, `epsilon`, `image_data_format`, unsafe
deserialization, interactive logging, traceback filtering, the dtype policy
(float32, the one pykeras computes in), the fit caps `max_epochs` and
`max_steps_per_epoch`, flash attention), pykeras adds `set_num_threads` /
`get_num_threads`: how many threads its Rust kernels use, and `cpu_info` /
`get_isa` / `set_isa`: the CPU and the instruction-set path its kernels take.
"""

from __future__ import annotations

import os
from typing import Any

from pykeras import _core
from pykeras.config_cpu import cpu_info, get_isa, set_isa
from pykeras.dtype_policies import policy as _policy
from pykeras.dtype_policies.policy import dtype_policy, set_dtype_policy

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_MAX_EPOCHS = None
_MAX_STEPS_PER_EPOCH = None
_FLASH_ATTENTION = None
# The computing backend: pykeras's own Rust core, whatever KERAS_BACKEND says.
_BACKEND = "pykeras"
# Whether progress messages print to stdout (`pykeras.utils.io_utils` reads it).
_INTERACTIVE_LOGGING = True
# Deserialization's safe mode outside any `SafeModeScope` (None: each call's
# own `safe_mode`); `pykeras.saving.serialization_lib` reads it.
_GLOBAL_SAFE_MODE = None
# Whether exceptions escaping pykeras's entry points lose pykeras's own frames
# (`pykeras.engine.traceback_utils.filter_traceback` reads it when one escapes).
_TRACEBACK_FILTERING = True


def set_num_threads(n: int) -> None:
    """Sets how many threads pykeras's kernels run on.

    The default is `PYKERAS_NUM_THREADS` if set, else every core. Results are
    bit-identical whatever the number.

    Args:
        n: a positive int.

    Example:

    >>> import pykeras
    >>> pykeras.config.set_num_threads(1)
    >>> pykeras.config.get_num_threads()
    1
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads expected a positive int. Received: n={n!r}")
    if n < 1:
        raise ValueError(f"set_num_threads expected a positive int. Received: n={n}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """Returns how many threads pykeras's kernels run on."""
    return _core.get_num_threads()


def floatx() -> str:
    """The default float dtype, as a string: `"float32"` unless
    `set_floatx("float64")` was called.

    Weights of layers created while it is `"float64"` are float64, and so
    are initializers' values, `keras.Input`'s default dtype and
    `keras.Variable`'s default dtype.
    """
    return _FLOATX


def set_floatx(value: Any) -> None:
    """Sets the default float dtype: `"float32"` (the default) or `"float64"`.

    Under `"float64"`, layers created afterwards take the `"float64"` dtype
    policy (unless `set_dtype_policy` chose another), so their weights are
    float64 and, where the Rust core has float64 kernels
    (`docs/dtypes-and-dynamic-shapes.md`), they compute in float64, as
    Keras 3 on JAX with `jax_enable_x64`; `fit` updates float64 weights in
    float64 (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Lion,
    Ftrl and Lamb; other optimizers raise a ValueError naming themselves).
    Layers and variables created before the call keep their dtype; call it
    before building a model. Setting `"float32"` again makes later layers
    float32. `"float16"` and `"bfloat16"` are refused with a ValueError (pykeras has no 16-bit
    storage; see `mixed_bfloat16` for bf16 products).

    Args:
        value: `"float32"` or `"float64"`.

    Example:

    >>> keras.config.set_floatx("float64")
    >>> keras.config.floatx()
    'float64'
    >>> keras.config.set_floatx("float32")
    """
    global _FLOATX
    accepted = {"bfloat16", "float16", "float32", "float64"}
    if value not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {accepted}")
    if value not in ("float32", "float64"):
        raise ValueError(
            f"pykeras computes in float32 or float64; set_floatx({value!r}) cannot be "
            "honoured. Received: value=" + repr(value)
        )
    _FLOATX = str(value)


_policy.set_floatx_source(floatx)


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (default `1e-7`)."""
    return _EPSILON


def set_epsilon(value: Any) -> None:
    """Sets the fuzz factor used in numeric expressions.

    Args:
        value: a float.

    Example:

    >>> pykeras.config.set_epsilon(1e-5)
    >>> pykeras.config.epsilon()
    1e-05
    """
    global _EPSILON
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"set_epsilon expected a float. Received: value={value!r}")
    _EPSILON = float(value)


def image_data_format() -> str:
    """The default image data format: `"channels_last"` or `"channels_first"`."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str | None) -> None:
    """Sets the default image data format.

    Args:
        data_format: `"channels_last"` or `"channels_first"`.
    """
    global _IMAGE_DATA_FORMAT
    accepted = {"channels_last", "channels_first"}
    if data_format not in accepted:
        raise ValueError(
            f"Unknown `data_format`: {data_format}. Expected one of {sorted(accepted)}"
        )
    _IMAGE_DATA_FORMAT = str(data_format)


def standardize_data_format(data_format: str | None) -> str:
    """`data_format`, or the global default for None, checked."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


def backend() -> str:
    """The name of the computing backend: `"pykeras"` (its Rust core)."""
    return _BACKEND


def set_backend(backend: str) -> None:
    """Keras switches between its backends here; pykeras has a single one.

    Args:
        backend: `"pykeras"`; any other name raises a ValueError.
    """
    if backend != _BACKEND:
        raise ValueError(
            f"pykeras runs on its own Rust backend only; it cannot switch to {backend!r}. "
            "Use Keras itself for the 'jax', 'tensorflow', 'torch' or 'numpy' backends."
        )


def is_nnx_enabled() -> bool:
    """Whether Flax NNX integration is on: never, as pykeras does not run on JAX."""
    return False


def enable_unsafe_deserialization() -> None:
    """Lets deserialization run code stored in configs (Lambda bytecode),
    everywhere from now on, as `safe_mode=False` does for one call.

    Only do this for files you trust as you would trust your own code.
    """
    set_global_safe_mode(False)


def global_safe_mode() -> bool | None:
    """The safe mode in force outside any `SafeModeScope` (None: each call's own)."""
    return _GLOBAL_SAFE_MODE


def set_global_safe_mode(safe_mode: bool | None) -> None:
    """Sets `global_safe_mode()` (`enable_unsafe_deserialization` sets False)."""
    global _GLOBAL_SAFE_MODE
    _GLOBAL_SAFE_MODE = safe_mode


def enable_interactive_logging() -> None:
    """Progress bars and `model.summary()` print to stdout (the default)."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = True


def disable_interactive_logging() -> None:
    """Progress messages go to Python's `logging` (logger "pykeras") instead of stdout."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = False


def is_interactive_logging_enabled() -> bool:
    """Whether progress messages print to stdout (True) or go to `logging` (False)."""
    return _INTERACTIVE_LOGGING


def enable_traceback_filtering() -> None:
    """Turns traceback filtering on (the default).

    An exception escaping a layer call, `fit`, `evaluate`, `predict`, `compile`,
    `save` and pykeras's other entry points is re-raised with pykeras's own
    frames removed from its traceback, so that it shows your code and the line
    that raised. Its type and message are unchanged.

    See also `disable_traceback_filtering()` and
    `is_traceback_filtering_enabled()`.
    """
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = True


def disable_traceback_filtering() -> None:
    """Turns traceback filtering off: exceptions keep every frame, pykeras's included.

    Useful when debugging pykeras itself or reporting a bug in it. Re-enable
    with `enable_traceback_filtering()`.
    """
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = False


def is_traceback_filtering_enabled() -> bool:
    """Whether traceback filtering is on (True by default).

    Returns:
        `True` if pykeras removes its own frames from the tracebacks of
        exceptions escaping its entry points, `False` otherwise.
    """
    return _TRACEBACK_FILTERING


def max_epochs() -> int | None:
    """The cap on `fit`'s `epochs` (None: no cap); `KERAS_MAX_EPOCHS` sets it too."""
    if _MAX_EPOCHS is not None:
        return _MAX_EPOCHS
    return _env_int("KERAS_MAX_EPOCHS")


def set_max_epochs(max_epochs: int | None) -> None:
    """Caps the number of epochs any `fit` runs (None removes the cap).

    Args:
        max_epochs: a positive int or None.
    """
    global _MAX_EPOCHS
    _MAX_EPOCHS = _positive_or_none("max_epochs", max_epochs)


def max_steps_per_epoch() -> int | None:
    """The cap on steps per epoch (None: no cap); `KERAS_MAX_STEPS_PER_EPOCH` sets it too."""
    if _MAX_STEPS_PER_EPOCH is not None:
        return _MAX_STEPS_PER_EPOCH
    return _env_int("KERAS_MAX_STEPS_PER_EPOCH")


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    """Caps the number of steps of every epoch of `fit` (None removes the cap).

    Args:
        max_steps_per_epoch: a positive int or None.
    """
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = _positive_or_none("max_steps_per_epoch", max_steps_per_epoch)


def capped_fit_lengths(epochs: int, steps_per_epoch: int | None) -> tuple[int, int | None]:
    """`(epochs, steps_per_epoch)` of a `fit` call after the global caps."""
    cap = max_epochs()
    if cap is not None:
        epochs = min(epochs, cap)
    cap = max_steps_per_epoch()
    if cap is not None:
        steps_per_epoch = cap if steps_per_epoch is None else min(steps_per_epoch, cap)
    return epochs, steps_per_epoch


def enable_flash_attention() -> None:
    """Records that flash attention is wanted (`is_flash_attention_enabled()`).

    pykeras has no flash-attention kernel: `ops.dot_product_attention` runs its
    one exact kernel and refuses an explicit `flash_attention=True`.
    """
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = True


def disable_flash_attention() -> None:
    """Records that flash attention is not wanted (pykeras never uses it)."""
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = False


def is_flash_attention_enabled() -> bool | None:
    """True or False as last set, or None (the default: not specified)."""
    return _FLASH_ATTENTION


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


def _positive_or_none(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive int or None. Received: {name}={value!r}")
    return value


__all__ = [
    "backend",
    "cpu_info",
    "disable_flash_attention",
    "disable_interactive_logging",
    "disable_traceback_filtering",
    "dtype_policy",
    "enable_flash_attention",
    "enable_interactive_logging",
    "enable_traceback_filtering",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "get_isa",
    "get_num_threads",
    "image_data_format",
    "is_flash_attention_enabled",
    "is_interactive_logging_enabled",
    "is_nnx_enabled",
    "is_traceback_filtering_enabled",
    "max_epochs",
    "max_steps_per_epoch",
    "set_backend",
    "set_dtype_policy",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_isa",
    "set_max_epochs",
    "set_max_steps_per_epoch",
    "set_num_threads",
]
