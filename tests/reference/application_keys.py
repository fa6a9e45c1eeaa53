"""Keys naming each weight of an application model by its layer's name and
the weight's name, shared by make_applications_more_reference.py (Keras)
and test_applications_more.py (pykeras).

Variable paths cannot serve here: Keras prefixes them with name scopes
(NASNet's cells) and nested models (ConvNeXt's stems), and numbers unnamed
variables with a session-wide counter (ConvNeXt's `LayerScale`); the layer
names and the weights' own names are what weight files rely on."""

import hashlib
import re

import numpy as np

# Unnamed weights: `variable_<n>`, numbered per session (Keras) or per layer (pykeras).
_UNNAMED = re.compile(r"^variable(_\d+)?$")


def weight_keys(model):
    """[(key, variable)] in the model's weight order; key `layer/weight`
    for the innermost layer owning the weight."""
    out = []

    def walk(layer):
        inner = getattr(layer, "layers", None)
        if inner is not None:
            for sub in inner:
                walk(sub)
            return
        for v in layer.weights:
            out.append((f"{layer.name}/{_UNNAMED.sub('variable', v.name)}", v))

    for layer in model.layers:
        walk(layer)
    return out


def digest(strings):
    """A short digest of a sorted list of strings."""
    return hashlib.sha1("\n".join(sorted(strings)).encode()).hexdigest()[:16]


def sample_input(seed, shape, pixels):
    """Two images: pixels in [0, 255] for models that rescale inside, else
    in [-1, 1] (as their `preprocess_input` gives)."""
    low, high = (0.0, 255.0) if pixels else (-1.0, 1.0)
    return np.random.default_rng(seed).uniform(low, high, (2, *shape)).astype(np.float32)


def output_record(y):
    """A small outputs: every value; a large one: statistics and 64 values
    at evenly spaced flat positions."""
    y = np.asarray(y, np.float64)
    if y.size <= 256:
        return {"shape": list(y.shape), "values": y.ravel().tolist()}
    idx = np.linspace(0, y.size - 1, 64).round().astype(int)
    return {"shape": list(y.shape), "mean": float(y.mean()), "std": float(y.std()),
            "absmax": float(np.abs(y).max()), "sample": y.ravel()[idx].tolist()}  # fmt: skip
