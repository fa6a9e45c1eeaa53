"""`keras.utils.FeatureSpace`: preprocessing and encoding of structured data.

A FeatureSpace maps a dict of raw columns (floats, integer and string
categories) to one encoded vector (or a dict of encoded features) with
pykeras's preprocessing layers: `Normalization`, `Rescaling`,
`Discretization`, `IntegerLookup`, `StringLookup`, `Hashing`,
`HashedCrossing` and `CategoryEncoding`. As Keras on JAX runs it, it works
eagerly on data (NumPy arrays, lists) in the input pipeline, and gives
symbolic inputs and encoded features to build a functional model on the
encoded vector.
"""

from __future__ import annotations

import builtins
import os
from typing import Any

import numpy as np

from pykeras import layers
from pykeras.backend.naming import unique_name
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.errors import InvalidArgumentError
from pykeras.layers.layer import Layer
from pykeras.saving import keras_zip, registry
from pykeras.saving.serialization_lib import build_from_config, get_build_config
from pykeras.utils.feature_space_specs import (
    Cross,
    Feature,
    TFDIdentity,
    feature_batches,
    spec_config,
)

_NAMED_FEATURES = (
    "float",
    "float_normalized",
    "float_rescaled",
    "float_discretized",
    "integer_categorical",
    "string_categorical",
    "integer_hashed",
    "string_hashed",
)


class FeatureSpace(Layer):
    """One-stop utility for preprocessing and encoding structured data.

    Args:
        features: dict mapping each feature's name to its type, a string
            (`"float"`, `"float_normalized"`, `"float_rescaled"`,
            `"float_discretized"`, `"integer_categorical"`,
            `"string_categorical"`, `"integer_hashed"`, `"string_hashed"`,
            with default arguments) or a spec made by one of the class's
            constructors (`FeatureSpace.integer_categorical(max_tokens=10)`).
        output_mode: "concat" (one vector, default) or "dict" (a dict of
            encoded features, crosses included).
        crosses: features to cross, as tuples of names or
            `FeatureSpace.cross(...)` specs.
        crossing_dim: the hashing size of crosses given as tuples (32).
        hashing_dim: the number of bins of the hashed features named by
            string (32).
        num_discretization_bins: the number of bins of the
            `"float_discretized"` features named by string (32).
        name: the layer's name.

    Example:

    >>> raw = {"x": [0.0, 0.1, 0.2, 0.3], "s": ["a", "b", "a", "c"], "i": [0, 1, 2, 3]}
    >>> fs = keras.utils.FeatureSpace(
    ...     {"x": "float_normalized", "s": "string_categorical",
    ...      "i": "integer_categorical"},
    ...     crosses=[("s", "i")], output_mode="concat")
    >>> fs.adapt(raw)
    >>> fs(raw).shape
    (4, 42)
    """

    # ------------------------------------------------------- feature specs

    @classmethod
    def cross(cls, feature_names: Any, crossing_dim: int, output_mode: str = "one_hot") -> Cross:
        """A cross of `feature_names` hashed into `crossing_dim` bins."""
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype: str, preprocessor: Any, output_mode: str) -> Feature:
        """A feature preprocessed by a layer of your choice."""
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name: str | None = None) -> Feature:
        """Plain float values, used as they are."""
        name = name or unique_name("float")
        preprocessor = TFDIdentity(name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_rescaled(
        cls,
        scale: builtins.float = 1.0,
        offset: builtins.float = 0.0,
        name: str | None = None,
    ) -> Feature:
        """Float values rescaled as `x * scale + offset` (a `Rescaling` layer)."""
        name = name or unique_name("float_rescaled")
        preprocessor = layers.Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_normalized(cls, name: str | None = None) -> Feature:
        """Float values standardized by their adapted mean and variance."""
        name = name or unique_name("float_normalized")
        preprocessor = layers.Normalization(axis=-1, name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_discretized(
        cls,
        num_bins: int | None,
        bin_boundaries: Any = None,
        output_mode: str = "one_hot",
        name: str | None = None,
    ) -> Feature:
        """Float values bucketed into `num_bins` adapted quantile bins (or by
        `bin_boundaries`), one-hot encoded by default."""
        name = name or unique_name("float_discretized")
        preprocessor = layers.Discretization(
            num_bins=num_bins, bin_boundaries=bin_boundaries, name=f"{name}_preprocessor"
        )
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def integer_categorical(
        cls,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        output_mode: str = "one_hot",
        name: str | None = None,
    ) -> Feature:
        """Integer categories indexed by an adapted `IntegerLookup`."""
        name = name or unique_name("integer_categorical")
        preprocessor = layers.IntegerLookup(
            name=f"{name}_preprocessor", max_tokens=max_tokens, num_oov_indices=num_oov_indices
        )
        return Feature(dtype="int32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_categorical(
        cls,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        output_mode: str = "one_hot",
        name: str | None = None,
    ) -> Feature:
        """String categories indexed by an adapted `StringLookup`."""
        name = name or unique_name("string_categorical")
        preprocessor = layers.StringLookup(
            name=f"{name}_preprocessor", max_tokens=max_tokens, num_oov_indices=num_oov_indices
        )
        return Feature(dtype="string", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_hashed(
        cls, num_bins: int, output_mode: str = "one_hot", name: str | None = None
    ) -> Feature:
        """Strings hashed into `num_bins` bins (a `Hashing` layer)."""
        name = name or unique_name("string_hashed")
        preprocessor = layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature(dtype="string", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def integer_hashed(
        cls, num_bins: int, output_mode: str = "one_hot", name: str | None = None
    ) -> Feature:
        """Integers hashed into `num_bins` bins (a `Hashing` layer)."""
        name = name or unique_name("integer_hashed")
        preprocessor = layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature(dtype="int32", preprocessor=preprocessor, output_mode=output_mode)

    # ------------------------------------------------------------ building

    def __init__(
        self,
        features: dict[str, Any],
        output_mode: str = "concat",
        crosses: Any = None,
        crossing_dim: int = 32,
        hashing_dim: int = 32,
        num_discretization_bins: int = 32,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if not features:
            raise InvalidArgumentError("The `features` argument cannot be None or empty.")
        if not isinstance(features, dict):
            raise InvalidArgumentError(
                "FeatureSpace expected `features` to be a dict mapping feature names to "
                f"their types. Received: {type(features).__name__}"
            )
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {key: self._standardize_feature(key, v) for key, v in features.items()}
        self.crosses = [self._standardize_cross(c, features) for c in crosses or ()]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise InvalidArgumentError(
                "Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
                f"Received: output_mode={output_mode}"
            )
        self.output_mode = output_mode
        self.inputs = {
            key: layers.Input(shape=(1,), dtype=feature.dtype, name=key)
            for key, feature in self.features.items()
        }
        self.preprocessors = {key: f.preprocessor for key, f in self.features.items()}
        self.encoded_features: Any = None
        self.crossers = {
            cross.name: layers.HashedCrossing(cross.crossing_dim, name=cross.name)
            for cross in self.crosses
        }
        self.one_hot_encoders: dict[str, Any] = {}
        self._is_adapted = False
        self.concat: Any = None
        self._preprocessed_features_names: list[str] | None = None
        self._crossed_features_names: list[str] = []
        self._sublayers_built = False

    def _standardize_feature(self, name: str, feature: Any) -> Feature:
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return Feature.from_config(dict(feature.get("config", feature)))
        if feature == "float_discretized":
            return self.float_discretized(name=name, num_bins=self.num_discretization_bins)
        if feature in ("integer_hashed", "string_hashed"):
            return getattr(self, feature)(self.hashing_dim, name=name)
        if feature in _NAMED_FEATURES:
            return getattr(self, feature)(name=name)
        raise InvalidArgumentError(
            f"Invalid feature type: {feature!r}. Expected one of {list(_NAMED_FEATURES)} or a "
            "spec made by a FeatureSpace constructor (e.g. FeatureSpace.float_normalized())."
        )

    def _standardize_cross(self, cross: Any, features: dict[str, Any]) -> Cross:
        if isinstance(cross, dict):
            cross = Cross.from_config(dict(cross.get("config", cross)))
        if isinstance(cross, Cross):
            return cross
        if not self.crossing_dim:
            raise InvalidArgumentError(
                "When specifying `crosses`, the argument `crossing_dim` (dimensionality of the "
                "crossing space) should be specified as well."
            )
        if isinstance(cross, str) or any(key not in features for key in cross):
            raise InvalidArgumentError(
                "All features referenced in the `crosses` argument should be present in the "
                f"`features` dict. Received unknown features: {cross}"
            )
        return Cross(cross, crossing_dim=self.crossing_dim)

    def _list_adaptable_preprocessors(self) -> list[str]:
        names = []
        for key in self.features:
            preprocessor = self.preprocessors[key]
            # Preprocessors given their statistics, boundaries or vocabulary are not adapted.
            if isinstance(preprocessor, layers.Normalization):
                if preprocessor.input_mean is not None:
                    continue
            elif isinstance(preprocessor, layers.Discretization):
                if preprocessor.num_bins is None:
                    continue
            elif getattr(preprocessor, "_has_input_vocabulary", False):
                continue
            if hasattr(preprocessor, "adapt"):
                names.append(key)
        return names

    def adapt(self, dataset: Any) -> None:
        """Adapts the preprocessors (vocabularies, statistics, bins) to data.

        Args:
            dataset: a dict of arrays or lists (one per feature), a
                `PyDataset` or any iterable of such dicts (batches, or
                `(x, y)` pairs whose `x` is one).
        """
        owner = f"FeatureSpace '{self.name}'"
        if hasattr(dataset, "__next__"):
            dataset = list(dataset)  # an iterator: each preprocessor reads it once
        for key in self._list_adaptable_preprocessors():
            # An iterator: the layers read a list as one batch of documents.
            self.preprocessors[key].adapt(iter(feature_batches(dataset, key, owner)))
        self._is_adapted = True
        self.get_encoded_features()  # creates the encoders: the layer is complete
        self.built = True
        self._sublayers_built = True

    def get_inputs(self) -> dict[str, KerasTensor]:
        """The symbolic inputs, one `keras.Input(shape=(1,))` per feature."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self) -> Any:
        """The symbolic encoded features (a tensor, or a dict of them in
        "dict" mode), to build a functional model on."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key in features:
            if key not in self.preprocessors:
                raise InvalidArgumentError(
                    f"FeatureSpace '{self.name}' received an unknown feature '{key}'. "
                    f"Expected features: {list(self.features)}"
                )
            out[key] = self.preprocessors[key](features[key])
        return out

    def _cross_features(self, features: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for cross in self.crosses:
            missing = [key for key in cross.feature_names if key not in features]
            if missing:
                raise InvalidArgumentError(
                    f"FeatureSpace '{self.name}': cross '{cross.name}' needs the features "
                    f"{missing}, which the data lacks."
                )
            out[cross.name] = self.crossers[cross.name]([features[k] for k in cross.feature_names])
        return out

    def _cardinality(self, key: str) -> int:
        preprocessor = self.preprocessors.get(key) or self.crossers.get(key)
        if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
            return int(preprocessor.vocabulary_size())
        if isinstance(preprocessor, layers.CategoryEncoding):
            return int(preprocessor.num_tokens)
        if isinstance(preprocessor, layers.Discretization):
            return int(preprocessor.num_bins or len(preprocessor.bin_boundaries or ()) + 1)
        if isinstance(preprocessor, (layers.HashedCrossing, layers.Hashing)):
            return int(preprocessor.num_bins)
        raise InvalidArgumentError(
            f"Feature '{key}' has `output_mode='one_hot'`. However it isn't a standard feature "
            "and the dimensionality of its output space is not known, thus it cannot be "
            "one-hot encoded. Try using `output_mode='int'`."
        )

    def _merge_features(self, preprocessed: dict[str, Any], crossed: dict[str, Any]) -> Any:
        if self._preprocessed_features_names is None:
            self._preprocessed_features_names = sorted(preprocessed)
            self._crossed_features_names = sorted(crossed)
        names = self._preprocessed_features_names + self._crossed_features_names
        values = [preprocessed[k] for k in self._preprocessed_features_names] + [
            crossed[k] for k in self._crossed_features_names
        ]
        building = not self._sublayers_built
        encoded = {}
        for key, value in zip(names, values):
            if building:
                value = self._make_encoder(key, value)
            elif key in self.one_hot_encoders:
                value = self.one_hot_encoders[key](value)
            encoded[key] = value
        if self.output_mode == "dict":
            return encoded
        if building:
            for key, value in encoded.items():
                dtype = self._dtype_of(key, value)
                if dtype.startswith(("int", "uint")) or dtype in ("string", "str"):
                    raise InvalidArgumentError(
                        f"Cannot concatenate features because feature '{key}' has not been "
                        f"encoded (it has dtype {dtype}). Consider using `output_mode='dict'`."
                    )
            self.concat = layers.Concatenate(axis=-1, name=unique_name("tfd_concat"))
        parts = list(encoded.values())
        if any(isinstance(p, KerasTensor) for p in parts):
            return self.concat(parts)
        return np.concatenate([np.asarray(p, np.float32) for p in parts], axis=-1)

    def _dtype_of(self, key: str, value: Any) -> str:
        """The dtype of a preprocessed feature. A symbolic one is judged by its
        layer, as pykeras's symbolic tensors of the lookup, hashing and
        discretization layers do not carry Keras's integer dtype."""
        if key in self.one_hot_encoders:
            return "float32"
        layer = self.preprocessors.get(key) or self.crossers.get(key)
        integer_layers = (
            layers.IntegerLookup,
            layers.StringLookup,
            layers.Hashing,
            layers.HashedCrossing,
            layers.Discretization,
        )
        if isinstance(value, KerasTensor) and isinstance(layer, integer_layers):
            if getattr(layer, "output_mode", "int") == "int" and not getattr(layer, "invert", 0):
                return "int64"
        return str(value.dtype)

    def _make_encoder(self, key: str, value: Any) -> Any:
        spec = self.features.get(key) or self.crosses_by_name[key]
        if spec.output_mode != "one_hot":
            return value
        dtype = self._dtype_of(key, value)
        if not dtype.startswith(("int", "uint")):
            raise InvalidArgumentError(
                f"Feature '{key}' has `output_mode='one_hot'`. Thus its preprocessor should "
                f"return an integer dtype. Instead it returns a {dtype} dtype."
            )
        encoder = layers.CategoryEncoding(
            num_tokens=self._cardinality(key), output_mode="multi_hot"
        )
        self.one_hot_encoders[key] = encoder
        return encoder(value)

    def _check_if_adapted(self) -> None:
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise InvalidArgumentError(
                    f"FeatureSpace '{self.name}': you need to call `.adapt(dataset)` on the "
                    "FeatureSpace before you can start using it."
                )
            self._is_adapted = True

    def _check_if_built(self) -> None:
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # ------------------------------------------------------------- calling

    def __call__(self, data: Any) -> Any:
        """Encodes a dict of features: batches (arrays or lists of samples)
        or one sample (scalars), as NumPy arrays."""
        self._check_if_built()
        if not isinstance(data, dict):
            raise InvalidArgumentError(
                "A FeatureSpace can only be called with a dict. "
                f"Received: data={data!r:.200} (of type {type(data).__name__})"
            )
        columns, rebatched = {}, False
        for key, value in data.items():
            arr = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
            if arr.ndim == 0:
                arr, rebatched = arr.reshape(1, 1), True
            elif arr.ndim == 1:
                arr = arr[:, None]
            columns[key] = arr
        preprocessed = {k: np.asarray(v) for k, v in self._preprocess_features(columns).items()}
        crossed = {k: np.asarray(v) for k, v in self._cross_features(preprocessed).items()}
        merged = self._merge_features(preprocessed, crossed)
        if isinstance(merged, dict):
            merged = {k: _backend_dtype(np.asarray(v)) for k, v in merged.items()}
            if rebatched:
                merged = {
                    k: v[0] if v.ndim == 2 and v.shape[0] == 1 else v for k, v in merged.items()
                }
            return merged
        merged = _backend_dtype(np.asarray(merged))
        return merged[0] if rebatched else merged

    # -------------------------------------------------------------- saving

    def get_config(self) -> dict[str, Any]:
        return {
            "features": {key: spec_config(f) for key, f in self.features.items()},
            "output_mode": self.output_mode,
            "crosses": [spec_config(c) for c in self.crosses],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> FeatureSpace:
        return cls(**config)

    def get_build_config(self) -> dict[str, Any]:
        configs = {}
        for key, feature in self.features.items():
            config = get_build_config(feature.preprocessor)
            if config is None:
                # Built by `adapt` (not by a call): on the feature's (batch, 1) input.
                config = {"input_shape": [None, 1]} if feature.preprocessor.built else {}
            configs[key] = config
        return configs

    def build_from_config(self, config: dict[str, Any]) -> None:
        for key, build_config in config.items():
            preprocessor = self.features[key].preprocessor
            if not preprocessor.built and build_config:
                build_from_config(preprocessor, build_config)
        self._is_adapted = True

    def save(self, filepath: str | os.PathLike[str]) -> None:
        """Saves the FeatureSpace to a `.keras` file; reload it with
        `keras.models.load_model()`.

        Args:
            filepath: a path ending in `.keras`.
        """
        filepath = os.fspath(filepath)
        if not filepath.endswith(".keras"):
            raise InvalidArgumentError(
                "Invalid `filepath` argument: expected a `.keras` extension. "
                f"Received: filepath={filepath}"
            )
        keras_zip.save_model(self, filepath)

    def save_own_variables(self, store: Any) -> None:
        return

    def load_own_variables(self, store: Any) -> None:
        return


def _backend_dtype(x: np.ndarray) -> np.ndarray:
    # Keras on JAX hands back int32 for integer outputs (JAX's default integer).
    return x.astype(np.int32) if x.dtype.kind in "iu" and x.dtype != np.int32 else x


registry.register_utils_classes(
    {"FeatureSpace": FeatureSpace, "Feature": Feature, "Cross": Cross, "TFDIdentity": TFDIdentity}
)
