"""`DTypePolicy`: the compute and variable dtypes of a layer, as in `keras.dtype_policies`.

pykeras's core computes in float32 only, so `"float32"` is the one policy it can
honour. Keras's other policies (`"mixed_float16"`, `"mixed_bfloat16"`,
`"float16"`, `"bfloat16"`, `"float64"`, integer and quantized ones) are refused
with a ValueError naming what was asked, rather than accepted and silently run
in float32. Files saved by Keras under such a policy still load: the loader
(`pykeras.saving.keras_compat.dtype_name`) maps their float policies to float32
with a warning.
"""

from __future__ import annotations

from typing import Any

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
_PLANNED = "bfloat16 mixed precision is planned (pykeras issue 20)"


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
        f"{where}the dtype policy '{name}' asks for {asked}, but pykeras computes in "
        f"float32 only; use 'float32' (the default). {_PLANNED}. Received: name={name!r}"
    )


class DTypePolicy:
    """A dtype policy for a layer: the dtype it computes in and keeps variables in.

    pykeras computes in float32, so the one policy is `"float32"` (compute and
    variable dtype both float32), which every layer uses by default. Passing
    `dtype="float32"` or `dtype=DTypePolicy("float32")` to a layer is the same.

    Args:
        name: the policy's name; `None` takes the global policy
            (`keras.config.dtype_policy()`). Keras's mixed-precision names
            (`"mixed_float16"`, `"mixed_bfloat16"`) and the other dtypes raise
            a ValueError: pykeras has no float16/bfloat16/float64 kernels.

    Example:

    >>> policy = keras.DTypePolicy("float32")
    >>> policy.compute_dtype, policy.variable_dtype
    ('float32', 'float32')
    >>> keras.layers.Dense(4, dtype=policy).dtype_policy
    <DTypePolicy "float32">
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
        if name == "float32":
            return "float32", "float32"
        if name in _MIXED or name in _OTHER_DTYPES or name.startswith(_QUANTIZATION_MODES):
            raise unsupported_policy_error(name)
        raise InvalidArgumentError(
            f"Cannot convert '{name}' to a DTypePolicy. pykeras computes in float32: "
            f"the valid policy is 'float32'. Received: name={name!r}"
        )

    @property
    def variable_dtype(self) -> str:
        """The dtype layers create their variables in (`"float32"`)."""
        return self._variable_dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype layers compute in and output floats in (`"float32"`)."""
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

    pykeras computes in float32, so the policy must be `"float32"` (or a
    `DTypePolicy` of it); Keras's mixed-precision policies raise a ValueError
    instead of being silently run in float32.

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
    """The current default dtype policy (`<DTypePolicy "float32">` unless set)."""
    global _GLOBAL_POLICY
    if _GLOBAL_POLICY is None:
        _GLOBAL_POLICY = DTypePolicy("float32")
    return _GLOBAL_POLICY
