"""`DTypePolicy`: the compute and variable dtypes of a layer, as in `keras.dtype_policies`.

pykeras honours three policies: `"float32"`, `"float64"` (float64 variables and
computation where the core has float64 kernels; the default under
`keras.config.set_floatx("float64")`) and `"mixed_bfloat16"` (compute dtype
bfloat16, variable dtype float32, as Keras defines it). Under the mixed policy a
layer's matrix products (matmul, einsum, convolutions) take bf16-rounded
operands and sum in float32 (docs/mixed-precision.md); activations between ops
stay stored as float32. Keras's other policies (`"mixed_float16"`,
`"float16"`, `"bfloat16"`, integer and quantized ones) are refused
with a ValueError naming what was asked, rather than accepted and silently run
in float32. Files saved by Keras under a float one still load: the loader
(`pykeras.saving.keras_compat.dtype_name`) maps their float policies to float32
with a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from pykeras import _core
from pykeras.errors import DTypeError, InvalidArgumentError

# Policy names Keras 3 accepts that pykeras cannot compute in. The mixed ones keep
# float32 variables but compute in 16 bits.
_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_OTHER_DTYPES = (
    "float16", "bfloat16", "float64", "float8_e4m3fn", "float8_e5m2",
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "bool", "string", "complex64", "complex128",
)  # fmt: skip
_QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")
_SUPPORTED = {
    "float32": ("float32", "float32"),
    "float64": ("float64", "float64"),
    "mixed_bfloat16": ("bfloat16", "float32"),
}
_SUPPORTED_TEXT = "'float32' (the default), 'float64' or 'mixed_bfloat16'"
# Whether the notice that bf16 products are emulated has been given.
_EMULATION_NOTED = False


def _note_emulation() -> None:
    """Warns once per process when bf16 products run on the emulated kernel."""
    global _EMULATION_NOTED
    if _EMULATION_NOTED or _core.bf16_path() != "emulated":
        return
    _EMULATION_NOTED = True
    warnings.warn(
        "mixed_bfloat16: this CPU (or the PYKERAS_ISA path in force) has no "
        "AVX512-BF16, so bf16 matrix products are emulated: the same rounding and "
        "results, computed with float32 arithmetic (no faster than float32).",
        UserWarning,
        stacklevel=4,
    )


def unsupported_policy_error(name: str, owner: str | None = None) -> InvalidArgumentError:
    """The error for a dtype policy pykeras cannot compute in, naming what was asked."""
    where = f"{owner}: " if owner else ""
    if name in _MIXED:
        asked = f"{_MIXED[name]} computation with float32 variables"
    elif name.startswith(tuple(m + "_from_" for m in _QUANTIZATION_MODES)):
        asked = "quantized weights"
    else:
        asked = f"{name} computation and variables"
    return InvalidArgumentError(
        f"{where}the dtype policy '{name}' asks for {asked}, which pykeras cannot "
        f"compute in: it computes in float32 or float64, or in bfloat16 with float32 "
        f"variables; use {_SUPPORTED_TEXT}. Received: name={name!r}"
    )


class DTypePolicy:
    """A dtype policy for a layer: the dtype it computes in and keeps variables in.

    Two policies: `"float32"` (compute and variable dtype float32, every
    layer's default) and `"mixed_bfloat16"` (compute dtype `"bfloat16"`,
    variable dtype `"float32"`). Under `"mixed_bfloat16"` the layer's matrix
    products (Dense, EinsumDense, convolutions, attention, any `ops.matmul` /
    `ops.einsum` in a custom `call`) round both operands to bfloat16 (to
    nearest even) and accumulate in float32, on AVX512-BF16 where the CPU has
    it (emulated with the same results elsewhere, said once by a warning).
    Weights stay float32 (master weights, float32 optimizer updates). Storage:
    activations between ops stay float32 arrays (not rounded), so outputs are
    float32 where Keras's are bfloat16, and elementwise ops, normalizations,
    softmax and losses compute in float32 (as Keras computes its
    normalizations and losses).

    Args:
        name: the policy's name; `None` takes the global policy
            (`keras.config.dtype_policy()`). `"float64"` keeps float64
            variables and computes in float64 where the core has float64
            kernels. `"mixed_float16"` and the other dtypes raise a
            ValueError: pykeras has no float16/bfloat16-storage kernels.

    Example:

    >>> policy = keras.DTypePolicy("float32")
    >>> policy.compute_dtype, policy.variable_dtype
    ('float32', 'float32')
    >>> keras.layers.Dense(4, dtype=policy).dtype_policy
    <DTypePolicy "float32">
    >>> mixed = keras.DTypePolicy("mixed_bfloat16")
    >>> mixed.compute_dtype, mixed.variable_dtype
    ('bfloat16', 'float32')
    """

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = dtype_policy().name
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._quantization_mode: str | None = None

    def _parse_name(self, name: Any) -> tuple[str, str]:
        """The `(compute_dtype, variable_dtype)` pair of a policy name."""
        if not isinstance(name, str):
            raise DTypeError(
                "'name' must be a string, such as 'float32'. "
                f"Received: name={name} (of type {type(name)})"
            )
        if name in _SUPPORTED:
            if name == "mixed_bfloat16":
                _note_emulation()
            return _SUPPORTED[name]
        if name in _MIXED or name in _OTHER_DTYPES or name.startswith(_QUANTIZATION_MODES):
            raise unsupported_policy_error(name)
        raise InvalidArgumentError(
            f"Cannot convert '{name}' to a DTypePolicy. pykeras's policies are "
            f"{_SUPPORTED_TEXT}. Received: name={name!r}"
        )

    @property
    def variable_dtype(self) -> str:
        """The dtype layers create their variables in (`"float32"` for both policies)."""
        return self._variable_dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype layers compute their products in (`"float32"` or `"bfloat16"`)."""
        return self._compute_dtype

    @property
    def name(self) -> str:
        """The policy's name."""
        return self._name

    @property
    def quantization_mode(self) -> str | None:
        """The quantization mode: `None`, as pykeras has no quantized policies."""
        return self._quantization_mode

    def get_config(self) -> dict[str, Any]:
        """The policy's config: `{"name": ...}`."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> DTypePolicy:
        """The policy `get_config` describes."""
        return cls(**config)

    def __repr__(self) -> str:
        class_name = type(self).__name__
        if class_name == "FloatDTypePolicy":
            class_name = "DTypePolicy"
        return f'<{class_name} "{self._name}">'

    def __eq__(self, other: object) -> bool:
        # The two float classes are one policy under two names (as in Keras).
        if type(self) in (DTypePolicy, FloatDTypePolicy):
            if type(other) not in (DTypePolicy, FloatDTypePolicy):
                return False
        elif type(other) is not type(self):
            return False
        return self._name == other._name  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._name)


class FloatDTypePolicy(DTypePolicy):
    """`DTypePolicy` under its Keras 3.0 name (an alias: same behaviour, same repr)."""


# The global policy; None until first read (then float32, `floatx()`'s only value).
_GLOBAL_POLICY: DTypePolicy | None = None


def set_dtype_policy(policy: str | DTypePolicy) -> None:
    """Sets the default dtype policy of layers created from now on.

    The policy is `"float32"` or `"mixed_bfloat16"` (or a `DTypePolicy` of
    one); Keras's other policies raise a ValueError instead of being silently
    run in float32. Layers made before the call keep their policy.

    Args:
        policy: a policy name or a `DTypePolicy`.

    Example:

    >>> keras.config.set_dtype_policy("float32")
    >>> keras.config.dtype_policy()
    <DTypePolicy "float32">
    """
    global _GLOBAL_POLICY
    if not isinstance(policy, DTypePolicy):
        if not isinstance(policy, str):
            raise InvalidArgumentError(
                "Invalid `policy` argument. Expected the string name of a policy "
                "(such as 'float32') or a `DTypePolicy` instance. "
                f"Received: policy={policy} (of type {type(policy)})"
            )
        policy = DTypePolicy(policy)
    _GLOBAL_POLICY = policy


def dtype_policy() -> DTypePolicy:
    """The current default dtype policy (`<DTypePolicy "float32">` unless set).

    Returns:
        The `DTypePolicy` new layers take when given no `dtype`.
    """
    if _GLOBAL_POLICY is not None:
        return _GLOBAL_POLICY
    # Unset, the policy follows `floatx()`. Keras fixes it at its first read;
    # here it follows later `set_floatx` calls too, so switching floatx back
    # and forth (tests do) never leaves a stale policy behind.
    return _floatx_policy(_FLOATX_SOURCE())


def _floatx_policy(name: str) -> DTypePolicy:
    """The (shared) policy named by a floatx value."""
    policy = _FLOATX_POLICIES.get(name)
    if policy is None:
        policy = _FLOATX_POLICIES[name] = DTypePolicy(name)
    return policy


_FLOATX_POLICIES: dict[str, DTypePolicy] = {}


def _float32() -> str:
    return "float32"


# `keras.config.floatx`, registered by `pykeras.config` (which sits above this
# module and imports it).
_FLOATX_SOURCE: Callable[[], str] = _float32


def set_floatx_source(source: Callable[[], str]) -> None:
    """Called once by `pykeras.config` with its `floatx`."""
    global _FLOATX_SOURCE
    _FLOATX_SOURCE = source
