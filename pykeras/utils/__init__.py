"""pykeras.utils: summaries, model plots, data helpers, serialization helpers and seeding."""

from __future__ import annotations

from pykeras.backend import clear_session
from pykeras.backend.dtypes import standardize_dtype
from pykeras.config import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from pykeras.engine.keras_tensor import is_keras_tensor
from pykeras.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from pykeras.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from pykeras.utils.data_utils import PyDataset, Sequence, to_categorical
from pykeras.utils.dataset_utils import split_dataset, timeseries_dataset_from_array
from pykeras.utils.file_utils import get_file
from pykeras.utils.general_utils import (
    Config,
    get_source_inputs,
    normalize,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from pykeras.utils.model_visualization import model_to_dot, plot_model
from pykeras.utils.progbar import Progbar
from pykeras.utils.seeding import set_random_seed
from pykeras.utils.summary import print_summary

__all__ = [
    "Config",
    "CustomObjectScope",
    "Progbar",
    "PyDataset",
    "Sequence",
    "clear_session",
    "custom_object_scope",
    "deserialize_keras_object",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "get_custom_objects",
    "get_file",
    "get_registered_name",
    "get_registered_object",
    "get_source_inputs",
    "is_interactive_logging_enabled",
    "is_keras_tensor",
    "model_to_dot",
    "normalize",
    "pack_x_y_sample_weight",
    "plot_model",
    "print_summary",
    "register_keras_serializable",
    "serialize_keras_object",
    "set_random_seed",
    "split_dataset",
    "standardize_dtype",
    "timeseries_dataset_from_array",
    "to_categorical",
    "unpack_x_y_sample_weight",
]

# Image helpers (issue 18); Pillow is imported only when a file is read or written.
from pykeras.utils.image_dataset import image_dataset_from_directory  # noqa: E402
from pykeras.utils.image_utils import (  # noqa: E402
    array_to_img,
    img_to_array,
    load_img,
    save_img,
    smart_resize,
)

__all__ += [
    "array_to_img",
    "image_dataset_from_directory",
    "img_to_array",
    "load_img",
    "save_img",
    "smart_resize",
]

# Sequence padding (issue 16).
from pykeras.utils.sequence_utils import pad_sequences  # noqa: E402

__all__ += ["pad_sequences"]

# Text datasets (issue 18).
from pykeras.utils.text_dataset import text_dataset_from_directory  # noqa: E402

__all__ += ["text_dataset_from_directory"]

# Structured-data preprocessing (issue 19).
from pykeras.utils.feature_space import FeatureSpace  # noqa: E402

__all__ += ["FeatureSpace"]

# Audio datasets (issue 19).
from pykeras.utils.audio_dataset import audio_dataset_from_directory  # noqa: E402

__all__ += ["audio_dataset_from_directory"]
