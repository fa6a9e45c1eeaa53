"""Connectionist temporal classification: ctc_loss and ctc_decode.

`ctc_loss` is Keras's (optax's) log-space forward algorithm, unrolled over
the static number of time steps, from the core's primitives: it runs
eagerly, in Functional models and in traced graphs, and trains through
the primitives' backward rules. Log-probabilities of impossible paths are
-1e5 rather than -inf, as in Keras, so no NaN reaches the gradient.

`ctc_decode` with `strategy="greedy"` is composed from argmax, comparisons
and matmuls (the blanks are moved to the end by a 0/1 selection matrix), so
it works symbolically too; `strategy="beam_search"` runs eagerly only (see
`_ctc_beam.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.backend.variable import Variable
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._ctc_beam import beam_search
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = ["ctc_decode", "ctc_loss"]

# Keras's stand-in for log(0).
LOG_EPSILON = -1e5


def _as_float(x: Any) -> Any:
    """Integer labels or lengths as float32 (exact below 2**24)."""
    if C.any_symbolic([x]):
        return run("cast", [x], dtype="float32")
    return np.asarray(x.numpy() if isinstance(x, Variable) else x, np.float32)


def _same_batch(op: str, names: tuple[str, str], a: tuple, b: tuple) -> None:
    if a[0] is not None and b[0] is not None and a[0] != b[0]:
        raise ShapeError(
            f"Op '{op}' expected {names[0]} and {names[1]} to have the same first dimension. "
            f"Received: {names[0]}.shape={C.dims_text(a)}, {names[1]}.shape={C.dims_text(b)}"
        )


def _check_rank(op: str, name: str, shape: tuple, rank: int, what: str) -> None:
    if len(shape) != rank:
        raise ShapeError(
            f"Op '{op}' expected {name} of rank {rank} {what}. "
            f"Received: {name}.shape={C.dims_text(shape)}"
        )


def _column(op: str, v: Any) -> Any:
    """A (batch,) tensor as (batch, 1)."""
    return C.reshape(op, v, [C.shape_of(op, v)[0], 1])


def _take(x: Any, axis: int, start: Any, size: Any) -> Any:
    rank = len(C.shape_of("ctc", x))
    return run(
        "slice",
        [x],
        start_indices=[start if a == axis else 0 for a in range(rank)],
        shape=[size if a == axis else -1 for a in range(rank)],
    )


def _logaddexp(a: Any, b: Any) -> Any:
    """log(exp(a) + exp(b)) about a constant shift: the gradient splits as
    softmax(a, b), ties included."""
    shift = run("stop_gradient", [run("maximum", [a, b])])
    total = run("add", [run("exp", [run("sub", [a, shift])]), run("exp", [run("sub", [b, shift])])])
    return run("add", [shift, run("log", [total])])


def _update_phi(phi: Any, added: Any, n: int) -> Any:
    """phi[:, 1:] combined with `added` in log space; phi[:, 0] kept."""
    rest = _logaddexp(_take(phi, 1, 1, n), added)
    return run("concat", [_take(phi, 1, 0, 1), rest], axis=1)


def ctc_loss(
    target: TensorLike,
    output: TensorLike,
    target_length: Any,
    output_length: Any,
    mask_index: int = 0,
) -> Tensor:
    """CTC (Connectionist Temporal Classification) loss.

    Args:
        target: A tensor of shape `(batch_size, max_length)` containing
            the true labels in integer format.
        output: A tensor of shape `(batch_size, max_length, num_classes)`
            containing logits (the output of your model). Its time and class
            sizes must be known before run time (the time steps are
            unrolled).
        target_length: A tensor of shape `(batch_size,)` containing the
            true label lengths.
        output_length: A tensor of shape `(batch_size,)` containing the
            output lengths.
        mask_index: The index of the mask character in the vocabulary.
            Defaults to `0`.

    Returns:
        A float32 tensor of shape `(batch_size,)`: each sequence's negative
        log-likelihood.

    Example:

    >>> logits = np.zeros((1, 3, 3), "float32")
    >>> keras.ops.ctc_loss(np.array([[1, 2]]), logits, np.array([2]), np.array([3]))
    array([1.686399], dtype=float32)
    """
    op = "ctc_loss"
    ts, os_ = C.shape_of(op, target), C.shape_of(op, output)
    tls, ols = C.shape_of(op, target_length), C.shape_of(op, output_length)
    _check_rank(op, "target", ts, 2, "(batch_size, max_label_length)")
    _check_rank(op, "output", os_, 3, "(batch_size, max_length, num_classes)")
    _check_rank(op, "target_length", tls, 1, "(batch_size,)")
    _check_rank(op, "output_length", ols, 1, "(batch_size,)")
    _same_batch(op, ("target", "output"), ts, os_)
    _same_batch(op, ("target_length", "target"), tls, ts)
    _same_batch(op, ("output_length", "output"), ols, os_)
    steps = C.static_size(op, os_, 1)
    classes = C.static_size(op, os_, 2)
    n = C.static_size(op, ts, 1)
    if n < 1 or steps < 1:
        raise ShapeError(
            f"Op '{op}' needs at least one label position and one time step. "
            f"Received: target.shape={C.dims_text(ts)}, output.shape={C.dims_text(os_)}"
        )
    mask = C.check_int(op, "mask_index", mask_index)
    if not 0 <= mask < classes:
        raise InvalidArgumentError(
            f"Op '{op}': mask_index must be in [0, {classes}) (the number of classes). "
            f"Received: mask_index={mask_index!r}"
        )

    labels = _as_float(target)
    logprobs = run("log_softmax", [output], axis=-1)
    # emit[b, t, j]: log-probability of label j of sequence b at time t.
    hot = run(
        "equal",
        [C.reshape(op, labels, [ts[0], n, 1]), np.arange(classes, dtype=np.float32)],
    )
    emit = run("matmul", [logprobs, run("transpose", [hot], axes=[0, 2, 1])])
    blank = _take(logprobs, 2, mask, 1)  # (B, T, 1)
    if n > 1:
        same = run("equal", [_take(labels, 1, 0, n - 1), _take(labels, 1, 1, n - 1)])
        repeat = run("pad", [same], pad_width=[[0, 0], [0, 1]])
    else:
        repeat = run("mul", [labels, 0.0])
    eps_repeat = run("mul", [repeat, LOG_EPSILON])
    eps_distinct = run("mul", [run("sub", [1.0, repeat]), LOG_EPSILON])
    # padded[b, t]: time step t is past sequence b's output length.
    lengths = _column(op, _as_float(output_length))
    padded = run("greater_equal", [np.arange(steps, dtype=np.float32), lengths])

    # Initial states, broadcast to the batch (zeros shaped like it).
    zero = run("mul", [_take(padded, 1, 0, 1), 0.0])
    phi_init = np.full((1, n + 1), LOG_EPSILON, np.float32)
    phi_init[0, 0] = 0.0
    phi = run("add", [phi_init, zero])
    em = run("add", [np.full((1, n), LOG_EPSILON, np.float32), zero])

    for t in range(steps):
        e_t = C.reshape(op, _take(emit, 1, t, 1), [ts[0], n])
        b_t = C.reshape(op, _take(blank, 1, t, 1), [ts[0], 1])
        pad_t = _take(padded, 1, t, 1)
        prev_phi = _update_phi(phi, run("add", [em, eps_repeat]), n)
        next_em = _logaddexp(run("add", [_take(prev_phi, 1, 0, n), e_t]), run("add", [em, e_t]))
        next_phi = run("add", [prev_phi, b_t])
        next_phi = _update_phi(next_phi, run("add", [run("add", [em, b_t]), eps_distinct]), n)
        em, phi = run("where", [pad_t, em, next_em]), run("where", [pad_t, phi, next_phi])

    last = _update_phi(phi, em, n)
    ends = run("clip", [_column(op, _as_float(target_length))], min=0.0, max=float(n))
    pick = run("equal", [np.arange(n + 1, dtype=np.float32), ends])
    chosen = run("where", [pick, last, 0.0])
    return run("neg", [run("sum", [chosen], axis=[1])])


def ctc_decode(
    inputs: TensorLike,
    sequence_lengths: TensorLike,
    strategy: str = "greedy",
    beam_width: int = 100,
    top_paths: int = 1,
    merge_repeated: bool = True,
    mask_index: int | None = 0,
) -> tuple[Any, Any]:
    """Decodes the output of a CTC model.

    Args:
        inputs: A tensor of shape `(batch_size, max_length, num_classes)`
            containing the logits (the output of the model).
            They should *not* be normalized via softmax.
        sequence_lengths: A tensor of shape `(batch_size,)` containing the
            sequence lengths for the batch.
        strategy: A string for the decoding strategy. Supported values are
            `"greedy"` and `"beam_search"` (eager arrays only: its paths
            are pruned by value, so it has no symbolic form here).
        beam_width: An integer scalar beam width used in beam search.
            Defaults to 100.
        top_paths: An integer scalar, the number of top paths to return.
            Defaults to 1.
        merge_repeated: A boolean scalar, whether to merge repeated
            labels in the output (greedy decoding). Defaults to `True`.
        mask_index: An integer scalar, the index of the mask character in
            the vocabulary (`None`: the last class). Defaults to `0`.

    Returns:
        A tuple containing:
        - The tensor representing the list of decoded sequences. If
            `strategy="greedy"`, the shape is `(1, batch_size, max_length)`. If
            `strategy="beam_search"`, the shape is
            `(top_paths, batch_size, max_length)`. Note that: `-1` indicates the
            blank label. Eager results are int32; symbolic ones are the core's
            float32 (whole numbers).
        - If `strategy="greedy"`, a tensor of shape `(batch_size, 1)`
            representing the negative of the sum of the probability logits for
            each sequence. If `strategy="beam_search"`, a tensor of shape
            `(batch_size, top_paths)` representing the log probability for each
            sequence.

    Example:

    >>> logits = np.array([[[0.0, 2.0, 1.0], [0.0, 2.0, 1.0], [3.0, 0.0, 1.0]]])
    >>> keras.ops.ctc_decode(logits, np.array([3]))[0]
    array([[[ 1, -1, -1]]], dtype=int32)
    """
    op = "ctc_decode"
    shape = C.shape_of(op, inputs)
    _check_rank(op, "inputs", shape, 3, "(batch_size, max_length, num_classes)")
    ls = C.shape_of(op, sequence_lengths)
    _check_rank(op, "sequence_lengths", ls, 1, "(batch_size,)")
    _same_batch(op, ("sequence_lengths", "inputs"), ls, shape)
    steps = C.static_size(op, shape, 1)
    classes = C.static_size(op, shape, 2)
    if mask_index is None:
        mask = classes - 1
    else:
        mask = C.check_int(op, "mask_index", mask_index)
        if not 0 <= mask < classes:
            raise InvalidArgumentError(
                f"Op '{op}': mask_index must be in [0, {classes}) (the number of classes). "
                f"Received: mask_index={mask_index!r}"
            )
    if strategy == "beam_search":
        width = C.check_int(op, "beam_width", beam_width, low=1)
        paths = C.check_int(op, "top_paths", top_paths, low=1)
        if C.any_symbolic([inputs, sequence_lengths]):
            raise InvalidArgumentError(
                f"Op '{op}' runs strategy='beam_search' on arrays only: the beam is pruned "
                "by value at every step, which has no symbolic form in pykeras; use "
                "strategy='greedy' inside models, or decode the model's predictions."
            )
        return beam_search(_eager(inputs), _eager(sequence_lengths), width, paths, mask, classes)
    if strategy != "greedy":
        raise InvalidArgumentError(
            f"Op '{op}': strategy must be 'greedy' or 'beam_search'. "
            f"Received: strategy={strategy!r}"
        )
    symbolic = C.any_symbolic([inputs, sequence_lengths])
    indices, scores = _greedy(op, inputs, sequence_lengths, steps, bool(merge_repeated), mask)
    if symbolic:
        return indices, scores
    return np.asarray(indices).astype(np.int32), np.asarray(scores, np.float32)


def _eager(x: Any) -> np.ndarray:
    return np.asarray(x.numpy() if isinstance(x, Variable) else x)


def _greedy(
    op: str, inputs: Any, sequence_lengths: Any, steps: Any, merge_repeated: Any, mask: Any
) -> Any:
    batch = C.shape_of(op, inputs)[0]
    indices = run("argmax", [inputs], axis=-1)
    scores = run("max", [inputs], axis=[-1])
    lengths = _column(op, _as_float(sequence_lengths))
    beyond = run("greater_equal", [np.arange(steps, dtype=np.float32), lengths])
    indices = run("where", [beyond, float(mask), indices])
    scores = run("where", [beyond, 0.0, scores])
    if merge_repeated and steps > 1:
        same = run("equal", [_take(indices, 1, 1, steps - 1), _take(indices, 1, 0, steps - 1)])
        same = run("pad", [same], pad_width=[[0, 0], [1, 0]])
        indices = run("where", [same, float(mask), indices])
    keep = run("not_equal", [indices, float(mask)])
    # Kept labels move to the front in order: label t goes to position
    # (number kept before t), through a 0/1 selection matrix.
    before = np.triu(np.ones((steps, steps), np.float32), 1)
    position = run("matmul", [keep, before])
    slots = np.arange(steps, dtype=np.float32)
    select = run(
        "mul",
        [
            run("equal", [C.reshape(op, position, [batch, steps, 1]), slots]),
            C.reshape(op, keep, [batch, steps, 1]),
        ],
    )
    # Labels are shifted by one so that empty slots (0) become -1.
    shifted = C.reshape(op, run("add", [indices, 1.0]), [batch, 1, steps])
    packed = C.reshape(op, run("matmul", [shifted, select]), [batch, steps])
    decoded = C.reshape(op, run("sub", [packed, 1.0]), [1, batch, steps])
    total = run("neg", [run("sum", [scores], axis=[1], keepdims=True)])
    return decoded, total
