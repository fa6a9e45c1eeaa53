"""The saving verbs of `Model`: save, save_weights, load_weights, to_json, to_yaml,
compile and build configs, and `from_config`."""

from pykeras.saving import functional_config, registry
from pykeras.saving.config_checks import check_shapes
from pykeras.saving.json_yaml import to_json, to_yaml
from pykeras.saving.saving_api import load_weights, save_model, save_weights
from pykeras.saving.serialization_lib import (
    _shape_tuples,
    deserialize_keras_object,
    serialize_keras_object,
)

_COMPILE_KEYS = (
    "optimizer",
    "loss",
    "loss_weights",
    "metrics",
    "weighted_metrics",
    "run_eagerly",
    "steps_per_execution",
    "jit_compile",
)


class ModelSaving:
    """Mixin giving `Model` Keras's saving API (see `pykeras.saving`)."""

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
        """Saves the model to a `.keras` archive (or a legacy `.h5` file).

        Args:
            filepath: a path ending in `.keras` or `.h5`.
            overwrite: replace an existing file.
            include_optimizer: also save the optimizer's state, so training resumes.
            save_format: `"keras"` or `"h5"`, overriding the extension.

        Example:

        >>> model.save("model.keras")
        """
        save_model(self, filepath, overwrite, include_optimizer, save_format, **kwargs)

    def save_weights(self, filepath, overwrite=True, save_format=None, **kwargs):
        """Saves the weights to HDF5 (Keras 3's layout for `*.weights.h5`, tf.keras 2's
        for other `*.h5` names).

        Example:

        >>> model.save_weights("model.weights.h5")
        """
        kwargs.pop("options", None)
        if kwargs:
            raise TypeError(f"save_weights() got unexpected keyword arguments: {sorted(kwargs)}")
        save_weights(self, filepath, overwrite=overwrite, save_format=save_format)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        """Loads weights from a `.weights.h5`, legacy `.h5` or `.keras` file.

        Args:
            filepath: the file; its layout is read from its content.
            skip_mismatch: skip, with a warning, weights whose count or shape
                does not match instead of raising.
            by_name: (legacy `.h5` only) match layers by name instead of order.
        """
        kwargs.pop("options", None)
        if kwargs:
            raise TypeError(f"load_weights() got unexpected keyword arguments: {sorted(kwargs)}")
        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def to_json(self, **kwargs):
        """The model's architecture as JSON (Keras 3's serialized form)."""
        return to_json(self, **kwargs)

    def to_yaml(self, **kwargs):
        """The model's architecture as YAML (a Keras 2 verb; read back with
        `model_from_yaml`, which uses a safe loader)."""
        return to_yaml(self, **kwargs)

    # ------------------------------------------------------------- configs

    def get_compile_config(self):
        """What `compile()` was given, serialized (None if the model is not compiled)."""
        if not getattr(self, "compiled", False):
            return None
        args = getattr(self, "_compile_args", {})
        config = {
            "optimizer": self.optimizer,
            "loss": args.get("loss"),
            "loss_weights": args.get("loss_weights"),
            "metrics": args.get("metrics"),
            "weighted_metrics": args.get("weighted_metrics"),
            "run_eagerly": bool(getattr(self, "run_eagerly", False)),
            "steps_per_execution": getattr(self, "steps_per_execution", 1),
        }
        return serialize_keras_object(config)

    def compile_from_config(self, config):
        """Compiles the model from `get_compile_config()`'s output and creates the
        optimizer's state, so that saved optimizer state can be loaded into it."""
        config = deserialize_keras_object(config)
        self.compile(**{k: v for k, v in config.items() if k in _COMPILE_KEYS})
        if self.built and getattr(self, "optimizer", None) is not None:
            self.optimizer.build(self.trainable_weights)

    def get_build_config(self):
        """`{"input_shape": ...}` for a built subclassed model or Sequential, else None."""
        models = registry.models()
        if isinstance(self, models.Functional) or not self.built:
            return None
        if isinstance(self, models.Sequential):
            shape = self.input_shape
        else:
            shape = getattr(self, "_build_shapes_dict", None)
        return None if shape is None else {"input_shape": shape}

    def build_from_config(self, config):
        """Builds the model for the `input_shape` recorded by `get_build_config`."""
        shape = (config or {}).get("input_shape")
        if shape is not None and not self.built:
            shape = _shape_tuples(shape)
            check_shapes(shape, f"The build config of model '{self.name}'")
            self.build(shape)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from its config: a Functional or Sequential config (Keras 3 or tf.keras 2)
        when called on `Model`, else `cls(**config)` for a subclassed model."""
        models = registry.models()
        config = dict(config)
        if all(k in config for k in ("layers", "input_layers", "output_layers")) and (
            cls is models.Model or issubclass(cls, models.Functional)
        ):
            target = models.Functional if cls is models.Model else cls
            return functional_config.from_config(target, config, custom_objects)
        if cls is models.Model and "layers" in config:
            return models.Sequential.from_config(config, custom_objects)
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Unable to revive model '{cls.__name__}' from its config ({e}). When overriding "
                "`get_config()`, make sure the config holds every argument of the constructor, "
                f"or define a `from_config(cls, config)` class method. Received: config={config}"
            ) from e
