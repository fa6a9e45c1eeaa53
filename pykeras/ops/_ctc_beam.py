"""CTC beam search decoding (`ctc_decode(..., strategy="beam_search")`).

A NumPy port of Keras 3's JAX beam search (itself matching TensorFlow's
`ctc_beam_search_decoder` ordering): every step extends each of the
`2 * beam_width` paths (half ending in a blank, half not) by every class,
merges identical label paths in log space and keeps the `beam_width` most
probable. The paths are pruned by value, so there is no composite of the
core's primitives for it: it runs on arrays only, and like Keras's it has
no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

PAD = -1


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def _unique_rows(paths: np.ndarray, size: Any) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct rows padded with PAD rows to `size`, and the inverse
    (as `jnp.unique(..., axis=0, size=size, fill_value=PAD)`)."""
    rows, inverse = np.unique(paths, axis=0, return_inverse=True)
    fill = np.full((size - len(rows), paths.shape[1]), PAD, paths.dtype)
    return np.concatenate([rows, fill]), inverse.reshape(-1)


def _merge(inverse: np.ndarray, scores: np.ndarray, size: Any) -> np.ndarray:
    """Log-sum-exp of the scores of identical paths (slot per distinct row);
    slots past `size` are dropped, as JAX's scatter does."""
    top = scores.max()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        weights = np.exp(scores - top)
        out = np.zeros(size, np.float32)
        keep = inverse < size
        np.add.at(out, inverse[keep], weights[keep])
        return (np.log(out) + top).astype(np.float32)


def _decode_one(
    logp: np.ndarray, length: int, width: int, top_paths: int, mask: Any, classes: int
) -> Any:
    steps = logp.shape[0]
    beams = 2 * width
    size = 2 * classes * width
    first = min(classes, width)
    best = np.argsort(logp[0], kind="stable")[-first:]
    paths = np.full((beams, steps), PAD, np.int64)
    paths[:first, 0] = np.where(best == mask, PAD, best)
    scores = np.full(beams, -np.inf, np.float32)
    scores[:first] = logp[0][best]
    masked = paths[:, 0] == PAD
    labels = np.arange(classes)
    labels[mask] = PAD
    labels = np.tile(labels, beams)
    rows = np.arange(beams * classes)
    for t in range(1, steps):
        if t >= length:
            continue
        # Extend every path by every class.
        paths = np.repeat(paths, classes, axis=0)
        scores = np.repeat(scores, classes)
        prev_masked = np.repeat(masked, classes)
        tail = np.argmax(paths == PAD, axis=1)
        tails = np.where(tail == 0, PAD, paths[rows, tail - 1])
        masked = labels == PAD
        added = np.where(~prev_masked & (tails == labels), PAD, labels)
        paths[rows, tail] = added
        scores = (scores + np.tile(logp[t], beams)).astype(np.float32)
        # Merge identical paths and keep the most probable.
        paths, inverse = _unique_rows(paths, size)
        with np.errstate(invalid="ignore"):
            emit = _merge(inverse, np.where(masked, -np.inf, scores).astype(np.float32), size)
            blank = _merge(inverse, np.where(masked, scores, -np.inf).astype(np.float32), size)
            total = np.logaddexp(emit, blank)
        keep = np.argsort(total, kind="stable")[-width:]
        paths = np.tile(paths[keep], (2, 1))
        scores = np.concatenate([emit[keep], blank[keep]])
        masked = np.concatenate([np.zeros(width, bool), np.ones(width, bool)])
    paths, inverse = _unique_rows(paths, size)
    scores = _merge(inverse, scores, len(scores))
    top = np.argsort(scores, kind="stable")[-top_paths:][::-1]
    return paths[top], scores[top]


def beam_search(
    inputs: Any, sequence_lengths: Any, width: int, top_paths: int, mask: Any, classes: int
) -> Any:
    """(top_paths, batch, steps) int32 label paths (-1 padded) and their
    (batch, top_paths) float32 log-probabilities."""
    logits = np.asarray(inputs, np.float32)
    lengths = np.asarray(sequence_lengths).astype(np.int64).reshape(-1)
    # Classes are reversed, as Keras's JAX code does, so that sorting
    # breaks ties the way TensorFlow's decoder does.
    logp = _log_softmax(logits)[:, :, ::-1]
    flipped = classes - mask - 1
    decoded, scores = [], []
    for b in range(logits.shape[0]):
        p, s = _decode_one(logp[b], lengths[b], width, top_paths, flipped, classes)
        decoded.append(p)
        scores.append(s)
    paths = np.stack(decoded)
    paths = np.where(paths == PAD, PAD, classes - paths - 1).astype(np.int32)
    return np.transpose(paths, (1, 0, 2)), np.stack(scores).astype(np.float32)
