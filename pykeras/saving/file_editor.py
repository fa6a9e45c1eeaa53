"""`keras.saving.KerasFileEditor`: inspect and edit the weights of a `.keras` or
`.weights.h5` file without building its model.

The file's weights are read into a tree of dicts by object path, as Keras 3's
editor reads them: the datasets of `layers/dense/vars/0` become
`weights_dict["layers"]["dense"]["0"]`. Unlike Keras 3.15's reader, an object
that has both variables and nested objects (a wrapper and its wrapped layer,
a nested model) keeps both, so a file read and saved again loses nothing;
empty objects are left out, as in Keras. Edits change the tree; `save` writes
it as a new `.weights.h5` file in Keras 3's layout. Everything read goes
through `h5_safety` (no links out of the file, no shape bombs).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from typing import Any

import h5py
import numpy as np

from pykeras.errors import FileFormatError
from pykeras.saving import h5_weights, keras_zip
from pykeras.saving.atomic import atomic_path
from pykeras.saving.h5_safety import (
    _check_link,
    dataset_at,
    member_names,
    open_h5,
    read_array,
    read_attr_str,
)

WeightsTree = dict[str, Any]


def _read_tree(
    group: h5py.Group, filepath: str, path: str, metadata: dict[str, dict[str, Any]]
) -> WeightsTree:
    """The weights below `group`: a `vars` subgroup's datasets become this
    object's entries, other non-empty subgroups nested dicts."""
    tree: WeightsTree = {}
    for key in member_names(group, filepath):
        _check_link(group, key, filepath)
        child = group[key]
        if isinstance(child, h5py.Group):
            if key == "vars":
                name = read_attr_str(child, "name", filepath)
                if name is not None:
                    metadata[path] = {"name": name}
                for weight in member_names(child, filepath):
                    tree[weight] = read_array(dataset_at(child, weight, filepath), filepath)
                continue
            sub = _read_tree(child, filepath, f"{path}/{key}" if path else key, metadata)
            if sub:
                tree[key] = sub
        else:
            tree[key] = read_array(dataset_at(group, key, filepath), filepath)
    return tree


def _write_tree(h5file: h5py.File, tree: WeightsTree, path: str) -> None:
    """Writes `tree` in Keras 3's layout: an object's arrays under `<path>/vars`."""
    arrays = {k: v for k, v in tree.items() if not isinstance(v, dict)}
    if arrays:
        group = h5file.require_group(f"{path}/vars" if path else "vars")
        for name, value in arrays.items():
            group.create_dataset(name, data=np.asarray(value))
    for name, value in tree.items():
        if isinstance(value, dict) and value:
            _write_tree(h5file, value, f"{path}/{name}" if path else name)


def _count(tree: WeightsTree, name: str) -> int:
    """How many entries named `name` the tree holds, at any depth."""
    return sum(
        (key == name) + (_count(value, name) if isinstance(value, dict) else 0)
        for key, value in tree.items()
    )


def _check_weights_arg(weights: Any) -> None:
    if not isinstance(weights, dict):
        raise ValueError(
            "Argument `weights` should be a dict where keys are weight names (usually '0', "
            f"'1', etc.) and values are NumPy arrays. Received: type(weights)={type(weights)}"
        )


class KerasFileEditor:
    """Utility to inspect, edit, and resave Keras weights files.

    You will find this class useful when adapting an old saved weights file
    after having made architecture changes to a model. Objects are named by
    their path in the file (`"layers/dense_2"`) or, when the name is unique
    in the file, by their last part (`"dense_2"`); see `summary()`.

    Args:
        filepath: The path to a local file to inspect and edit (`.keras` or
            `.weights.h5`).

    Attributes:
        weights_dict: the weights, as nested dicts of NumPy arrays by path.
        object_metadata: `{path: {"name": layer name}}` as the file records.
        config, metadata: a `.keras` file's model config and metadata (None
            for a `.weights.h5` file).

    Example:

    ```python
    editor = KerasFileEditor("my_model.weights.h5")

    # Displays current contents
    editor.summary()

    # Remove the weights of an existing layer
    editor.delete_object("layers/dense_2")

    # Add the weights of a new layer
    editor.add_object("layers/einsum_dense", weights={"0": ..., "1": ...})

    # Save the weights of the edited model
    editor.resave_weights("edited_model.weights.h5")
    ```
    """

    def __init__(self, filepath: str | os.PathLike[str]) -> None:
        self.filepath = os.fspath(filepath)
        self.metadata: dict[str, Any] | None = None
        self.config: dict[str, Any] | None = None
        self.model = None
        if self.filepath.endswith(".keras"):
            self.config = keras_zip.read_config(self.filepath)
            self.metadata = self._read_metadata()
            h5file = keras_zip.open_weights(self.filepath)
        elif self.filepath.endswith(".weights.h5"):
            h5file = open_h5(self.filepath)
        else:
            raise ValueError(
                "Invalid filename: expected a `.keras` `.weights.h5` extension. "
                f"Received: filepath={self.filepath}"
            )
        self.object_metadata: dict[str, dict[str, Any]] = {}
        with h5file:
            self.weights_dict: WeightsTree = _read_tree(
                h5file, self.filepath, "", self.object_metadata
            )
        print(f"Keras model file '{self.filepath}'")
        if self.metadata is not None:
            version = self.metadata.get("keras_version")
            date = self.metadata.get("date_saved")
            print(f"Saved with Keras {version} - date: {date}")

    def _read_metadata(self) -> dict[str, Any]:
        with zipfile.ZipFile(self.filepath, "r") as zf:
            raw = keras_zip._read(zf, keras_zip.METADATA_FILENAME, self.filepath)
        try:
            metadata = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise FileFormatError(
                f"The metadata.json of '{self.filepath}' is not valid JSON: {e}"
            ) from e
        if not isinstance(metadata, dict):
            raise FileFormatError(
                f"The metadata.json of '{self.filepath}' should hold a JSON object. "
                f"Received: {type(metadata).__name__}"
            )
        return metadata

    # ------------------------------------------------------------ inspecting

    def summary(self) -> None:
        """Prints the weight structure of the opened file."""
        print("Weights structure")
        self._print_tree(self.weights_dict, prefix="  ", path="")

    def weights_summary(self) -> None:
        """Prints the weight structure of the opened file (as `summary()`;
        Keras's error messages point to this name)."""
        self.summary()

    def _print_tree(self, tree: WeightsTree, prefix: str, path: str) -> None:
        items = list(tree.items())
        for i, (key, value) in enumerate(items):
            last = i == len(items) - 1
            connector = "└─ " if last else "├─ "
            inner = f"{path}/{key}" if path else key
            if isinstance(value, dict):
                label = f"{prefix}{connector}{key}"
                name = self.object_metadata.get(inner, {}).get("name")
                if name is not None:
                    label += f" ('{name}')"
                print(label)
                self._print_tree(value, prefix + ("    " if last else "│   "), inner)
            else:
                shape = tuple(np.shape(value))
                print(f"{prefix}{connector}{key}: shape={shape}, dtype={np.asarray(value).dtype}")

    def compare(self, reference_model: Any) -> dict[str, Any]:
        """Compares the opened file to a reference model.

        This method will list all mismatches between the currently opened
        file and the provided reference model (the weights the model would
        save, its optimizer's included).

        Args:
            reference_model: Model instance to compare to.

        Returns:
            Dict with the following keys: `'status'`, `'error_count'`,
            `'match_count'`. Status can be `'success'` or `'error'`.
            `'error_count'` is the number of mismatches found.
            `'match_count'` is the number of matching weights found.
        """
        print("Running comparison")
        reference = _weights_of(reference_model)
        checked: set[str] = set()
        errors, matches = self._compare(
            self.weights_dict, reference, "", "saved file", "reference model", checked
        )
        extra, _ = self._compare(
            reference, self.weights_dict, "", "reference model", "saved file", checked
        )
        errors += extra
        print("─────────────────────")
        if errors == 0:
            print("Comparison successful: saved file is compatible with the reference model")
            print(f"    Found {matches} matching weight{'' if matches == 1 else 's'}")
        else:
            print(
                f"Found {errors} error{'' if errors == 1 else 's'}: saved file is not "
                "compatible with the reference model"
            )
        return {
            "status": "success" if errors == 0 else "error",
            "error_count": errors,
            "match_count": matches,
        }

    def _compare(
        self,
        target: WeightsTree,
        ref: WeightsTree,
        path: str,
        target_name: str,
        ref_name: str,
        checked: set[str],
    ) -> tuple[int, int]:
        """Errors and matches of `ref`'s entries in `target`; each path's
        error counted once over both directions (`checked`)."""
        errors = matches = 0
        for key, ref_value in ref.items():
            inner = f"{path}/{key}"
            if inner in checked:
                continue
            if key not in target:
                errors += 1
                checked.add(inner)
                kind = "Object" if isinstance(ref_value, dict) else "Weight"
                print(f"...{kind} {inner} present in {ref_name}, missing from {target_name}")
                if isinstance(ref_value, dict):
                    print(
                        f"    In {ref_name}, {inner} contains the following keys: "
                        f"{list(ref_value.keys())}"
                    )
            elif isinstance(ref_value, dict) or isinstance(target[key], dict):
                if not (isinstance(ref_value, dict) and isinstance(target[key], dict)):
                    errors += 1
                    checked.add(inner)
                    print(f"...{inner} is an object in one file and a weight in the other")
                    continue
                e, m = self._compare(target[key], ref_value, inner, target_name, ref_name, checked)
                errors, matches = errors + e, matches + m
            else:
                ref_shape, shape = tuple(np.shape(ref_value)), tuple(np.shape(target[key]))
                checked.add(inner)
                if ref_shape != shape:
                    errors += 1
                    print(
                        f"...Weight shape mismatch for {inner}\n    In {ref_name}: "
                        f"shape={ref_shape}\n    In {target_name}: shape={shape}"
                    )
                else:
                    matches += 1
        return errors, matches

    # ------------------------------------------------------------ editing

    def _edit_object(
        self,
        edit_fn: Callable[[WeightsTree, str, str | None], None],
        source_name: str,
        target_name: str | None = None,
    ) -> None:
        if target_name is not None and "/" in target_name:
            raise ValueError(
                "Argument `target_name` should be a leaf name, not a full path name. "
                f"Received: target_name='{target_name}'"
            )
        if "/" in source_name:
            *parents, leaf = source_name.split("/")
            tree = self.weights_dict
            for part in parents:
                if not isinstance(tree.get(part), dict):
                    raise ValueError(f"Path '{source_name}' not found in model.")
                tree = tree[part]
            if leaf not in tree:
                raise ValueError(f"Path '{source_name}' not found in model.")
            edit_fn(tree, leaf, target_name)
            return
        occurrences = _count(self.weights_dict, source_name)
        if occurrences > 1:
            raise ValueError(
                f"Name '{source_name}' occurs more than once in the model; try passing a "
                "complete path"
            )
        if occurrences == 0:
            raise ValueError(
                f"Source name '{source_name}' does not appear in the model. Use "
                "`editor.weights_summary()` to list all objects."
            )

        def edit(tree: WeightsTree) -> bool:
            if source_name in tree:
                edit_fn(tree, source_name, target_name)
                return True
            return any(edit(v) for v in list(tree.values()) if isinstance(v, dict))

        edit(self.weights_dict)

    def rename_object(self, object_name: str, new_name: str) -> None:
        """Rename an object in the file (e.g. a layer).

        Args:
            object_name: String, name or path of the object to rename (e.g.
                `"dense_2"` or `"layers/dense_2"`).
            new_name: String, new name of the object.
        """

        def rename(tree: WeightsTree, source: str, target: str | None) -> None:
            assert target is not None
            # Keeps the object's place among its siblings.
            items = [(target if k == source else k, v) for k, v in tree.items()]
            tree.clear()
            tree.update(items)

        self._edit_object(rename, object_name, new_name)

    def delete_object(self, object_name: str) -> None:
        """Removes an object from the file (e.g. a layer).

        Args:
            object_name: String, name or path of the object to delete (e.g.
                `"dense_2"` or `"layers/dense_2"`).
        """

        def delete(tree: WeightsTree, source: str, _: str | None) -> None:
            tree.pop(source)

        self._edit_object(delete, object_name)

    def add_object(self, object_path: str, weights: dict[str, Any]) -> None:
        """Add a new object to the file (e.g. a layer).

        Args:
            object_path: String, full path of the object to add (e.g.
                `"layers/dense_2"`).
            weights: Dict mapping weight names to weight values (arrays),
                e.g. `{"0": kernel_value, "1": bias_value}`.
        """
        _check_weights_arg(weights)
        *parents, leaf = object_path.split("/")
        tree = self.weights_dict
        for part in parents:
            if not isinstance(tree.get(part), dict):
                raise ValueError(f"Path '{'/'.join(parents)}' not found in model.")
            tree = tree[part]
        tree[leaf] = {str(k): np.asarray(v) for k, v in weights.items()}

    def delete_weight(self, object_name: str, weight_name: str) -> None:
        """Removes a weight from an existing object.

        Args:
            object_name: String, name or path of the object from which to
                remove the weight (e.g. `"dense_2"` or `"layers/dense_2"`).
            weight_name: String, name of the weight to delete (e.g. `"0"`).
        """

        def delete(tree: WeightsTree, source: str, _: str | None) -> None:
            obj = tree[source]
            if not isinstance(obj, dict) or weight_name not in obj:
                found = list(obj.keys()) if isinstance(obj, dict) else []
                raise ValueError(
                    f"Weight {weight_name} not found in object {object_name}. "
                    f"Weights found: {found}"
                )
            obj.pop(weight_name)

        self._edit_object(delete, object_name)

    def add_weights(self, object_name: str, weights: dict[str, Any]) -> None:
        """Add one or more new weights to an existing object.

        Args:
            object_name: String, name or path of the object to add the weights
                to (e.g. `"dense_2"` or `"layers/dense_2"`).
            weights: Dict mapping weight names to weight values (arrays),
                e.g. `{"0": kernel_value, "1": bias_value}`.
        """
        _check_weights_arg(weights)

        def add(tree: WeightsTree, source: str, _: str | None) -> None:
            if not isinstance(tree[source], dict):
                raise ValueError(
                    f"'{object_name}' is a weight, not an object: weights can only be added "
                    "to objects."
                )
            tree[source].update({str(k): np.asarray(v) for k, v in weights.items()})

        self._edit_object(add, object_name)

    # ------------------------------------------------------------ saving

    def save(self, filepath: str | os.PathLike[str]) -> None:
        """Save the edited weights file.

        Args:
            filepath: Path to save the file to. Must be a `.weights.h5` file.
        """
        filepath = os.fspath(filepath)
        if not str(filepath).endswith(".weights.h5"):
            raise ValueError(
                "Invalid `filepath` argument: expected a `.weights.h5` extension. "
                f"Received: filepath={filepath}"
            )
        with atomic_path(filepath) as tmp, h5py.File(tmp, "w") as f:
            _write_tree(f, self.weights_dict, "")

    def resave_weights(self, filepath: str | os.PathLike[str]) -> None:
        """Save the edited weights file (as `save`).

        Args:
            filepath: Path to save the file to. Must be a `.weights.h5` file.
        """
        self.save(filepath)


def _weights_of(model: Any) -> WeightsTree:
    """The weights tree `model` would save (its optimizer's state included)."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        h5_weights.save_weights(model, f, include_optimizer=True)
        return _read_tree(f, "<reference model>", "", {})


__all__ = ["KerasFileEditor"]
