"""`IntegerLookup` traced into a model's graph.

pykeras's graph holds numbers as float32, so the table is a comparison of
each input with every key (exact for integers up to 2**24 in magnitude):
`sum(equal(x, keys) * values)`, plus the OOV index where no key matched.
That costs `len(vocabulary)` comparisons per value, fine for the category
vocabularies these layers serve; larger ones are better applied to the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.errors import GraphError
from pykeras.layers.preprocessing import _categorical


def _table(layer: Any) -> tuple[np.ndarray, np.ndarray, float | None]:
    """Keys, values and the default value (None: computed per input)."""
    start = layer._token_start_index()
    tokens = list(layer._vocab.tokens)
    if layer.invert:
        size = layer.vocabulary_size()
        vocab = layer.get_vocabulary(include_special_tokens=True)
        keys = np.arange(size, dtype=np.float32)
        values = np.asarray(vocab, np.float32)
        return keys, values, float(layer.oov_token)
    keys = np.asarray(tokens, np.float32)
    values = np.arange(start, start + len(tokens), dtype=np.float32)
    if layer.mask_token is not None:
        # Masked inputs: index 0 in "int" mode, dropped (index -1) by the encodings.
        keys = np.append(keys, np.float32(layer.mask_token))
        values = np.append(values, np.float32(0 if layer.output_mode == "int" else -1))
    if layer.num_oov_indices == 1:
        return keys, values, float(layer._oov_start_index())
    if layer.num_oov_indices == 0:
        return keys, values, -1.0
    return keys, values, None


def lookup_symbolic(layer: Any, inputs: Any) -> Any:
    """The layer's lookup and encoding with `pykeras.ops` on a graph tensor."""
    if layer.num_oov_indices > 1 and layer.oov_method == "farmhash" and not layer.invert:
        raise GraphError(
            f"Layer '{layer.name}': `oov_method='farmhash'` hashes the decimal text of each "
            "integer, which cannot run inside a compiled model graph. Apply the layer to the "
            "data instead (on the NumPy arrays before `fit`), or use `oov_method='floormod'`. "
            "Received: a symbolic tensor"
        )
    keys, values, default = _table(layer)
    fallback: Any
    x = ops.cast(inputs, "float32")
    if keys.size:
        hits = ops.equal(ops.expand_dims(x, -1), keys)
        hits = ops.cast(hits, "float32")
        found = ops.sum(ops.multiply(hits, values), axis=-1)
        missing = ops.subtract(1.0, ops.max(hits, axis=-1))
    else:
        found = ops.multiply(x, 0.0)
        missing = ops.add(found, 1.0)
    if default is None:
        fallback = ops.add(ops.mod(x, float(layer.num_oov_indices)), layer._oov_start_index())
    else:
        fallback = default
    looked_up = ops.add(found, ops.multiply(missing, fallback))
    if layer.output_mode == "int":
        return looked_up
    shape = tuple(inputs.shape)
    mode = "count" if layer.output_mode == "tf_idf" else layer.output_mode
    out = _categorical.encode_symbolic(looked_up, shape, mode, layer._depth())
    if layer.output_mode == "tf_idf":
        out = ops.multiply(out, np.asarray(layer.idf_weights, np.float32))
    return out
