"""The einsum lowering shared by `einsum`, `tensordot`, `dot`, `inner`,
`vdot` and `trace` (`pykeras/ops/products.py`).

An equation is parsed into one list of labels per operand (an ellipsis
becomes private labels, right-aligned across operands as broadcasting
aligns them) and an output list. Then, from primitives only:

- a label repeated in one operand takes the diagonal of its two axes (a
  gather of the flattened pair, `diagonal_last`);
- a label in one operand only and not wanted later is summed away first;
- operands are contracted pairwise, left to right: each side is transposed
  to (batch, free, contracted) order, reshaped to 3 groups, and multiplied
  by one batched `matmul` (batch axes broadcasting), or by `mul` when
  nothing is contracted (an outer product);
- the result is transposed to the output's order.

Labels of size 1 broadcast against the other operands' sizes, as in NumPy
and JAX. The one size unknown until run time (the batch of a symbolic
tensor) stays symbolic: reshapes write it as -1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.backend.variable import Variable
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _gather as G
from pykeras.ops._dispatch import run

# Labels standing for the axes an ellipsis covers: outside ASCII letters so
# they never collide with the equation's own.
_ELLIPSIS_BASE = 0x2460


def parse(op: str, subscripts: str, shapes: Any) -> Any:
    """(one label list per operand, output label list) for `subscripts`."""
    if not isinstance(subscripts, str):
        raise InvalidArgumentError(
            f"Op '{op}' expected subscripts as a string. Received: subscripts={subscripts!r}"
        )
    text = subscripts.replace(" ", "")
    if text.count("->") > 1:
        raise InvalidArgumentError(
            f"Op '{op}': subscripts may contain '->' once. Received: {subscripts!r}"
        )
    lhs, arrow, rhs = text.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise InvalidArgumentError(
            f"Op '{op}': the number of subscripts ({len(terms)}) must equal the number of "
            f"operands ({len(shapes)}). Received: subscripts={subscripts!r}"
        )
    split_terms, ellipsis_rank = [], 0
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        head, dots, tail = _split_ellipsis(op, term, subscripts)
        named = len(head) + len(tail)
        if (dots and named > len(shape)) or (not dots and named != len(shape)):
            raise ShapeError(
                f"Op '{op}': subscript {term!r} does not have the right number of indices "
                f"for operand {i}, of shape {C.dims_text(shape)}. Received: "
                f"subscripts={subscripts!r}"
            )
        covered = len(shape) - named if dots else None
        split_terms.append((head, covered, tail))
        ellipsis_rank = max(ellipsis_rank, covered or 0)
    ell = [chr(_ELLIPSIS_BASE + i) for i in range(ellipsis_rank)]
    labels = [
        list(head) + ([] if covered is None else ell[ellipsis_rank - covered :]) + list(tail)
        for head, covered, tail in split_terms
    ]
    letters = [label for term in labels for label in term if label not in ell]
    if not arrow:
        once = sorted(
            (lab for lab in set(letters) if letters.count(lab) == 1),
            key=lambda c: (c.islower(), c),
        )
        return labels, ell + once
    head, dots, tail = _split_ellipsis(op, rhs, subscripts)
    out = list(head) + (ell if dots else []) + list(tail)
    for lab in head + tail:
        if (head + tail).count(lab) > 1:
            raise InvalidArgumentError(
                f"Op '{op}': output subscript {lab!r} appears more than once. Received: "
                f"subscripts={subscripts!r}"
            )
        if lab not in letters:
            raise InvalidArgumentError(
                f"Op '{op}': output subscript {lab!r} does not appear in the inputs. "
                f"Received: subscripts={subscripts!r}"
            )
    return labels, out


def _split_ellipsis(op: str, term: Any, subscripts: str) -> Any:
    head, dots, tail = term.partition("...")
    for part in (head, tail):
        if not all(c.isascii() and c.isalpha() for c in part):
            raise InvalidArgumentError(
                f"Op '{op}': subscripts must be letters, with at most one '...' per term. "
                f"Received: subscripts={subscripts!r}"
            )
    return head, bool(dots), tail


def label_sizes(op: str, labels: Any, shapes: Any, what: str) -> Any:
    """{label: size}: sizes of 1 broadcast, None (unknown) matches anything."""
    sizes: dict[str, int | None] = {}
    for term, shape in zip(labels, shapes):
        for lab, d in zip(term, shape):
            have = sizes.get(lab, 1)
            if d == 1 or have == d:
                sizes.setdefault(lab, 1)
            elif have == 1 or have is None:
                sizes[lab] = d if have == 1 else have
            elif d is not None:
                name = "an axis under '...'" if ord(lab) >= _ELLIPSIS_BASE else f"label {lab!r}"
                raise ShapeError(
                    f"Op '{op}': the sizes of {name} do not match ({have} and {d}). "
                    f"Received: {what} for operands of shapes "
                    + ", ".join(C.dims_text(s) for s in shapes)
                )
    return sizes


def contract(op: str, subscripts: str, operands: Any) -> Any:
    """The einsum of `operands` (arrays or symbolic tensors), in float32."""
    shapes = [C.shape_of(op, x) for x in operands]
    labels, out = parse(op, subscripts, shapes)
    return lower(op, operands, labels, out, f"subscripts={subscripts!r}")


def lower(op: str, operands: Any, labels: Any, out: Any, what: str) -> Any:
    """The einsum of `operands` whose axes carry `labels` (one list of
    one-character strings per operand) into the axes `out`; `what` describes
    the call in errors."""
    label_sizes(op, labels, [C.shape_of(op, x) for x in operands], what)
    terms = []
    for x, lab in zip(operands, labels):
        terms.append(_diagonals(op, x, list(lab)))
    x, lab = terms[0]
    later = [set(t[1]) for t in terms[1:]]
    x, lab = _sum_unneeded(op, x, lab, set(out).union(*later))
    for j in range(1, len(terms)):
        y, ylab = terms[j]
        keep = set(out).union(*later[j:])
        x, lab = _sum_unneeded(op, x, lab, keep | set(ylab))
        y, ylab = _sum_unneeded(op, y, ylab, keep | set(lab))
        x, lab = _pair(op, x, lab, y, ylab, keep, out)
    x, lab = _sum_unneeded(op, x, lab, set(out))
    return C.transpose(x, [lab.index(o) for o in out])


def _diagonals(op: str, x: Any, lab: Any) -> Any:
    """`x` with every repeated label reduced to its diagonal (the label then
    once, as the last axis)."""
    while len(set(lab)) < len(lab):
        dup = next(label for label in lab if lab.count(label) > 1)
        first = lab.index(dup)
        second = lab.index(dup, first + 1)
        x = diagonal_last(op, x, first, second)
        lab = [label for i, label in enumerate(lab) if i not in (first, second)] + [dup]
    return x, lab


def diagonal_last(op: str, x: Any, axis1: int, axis2: int, offset: int = 0) -> Any:
    """The `offset` diagonal of axes `axis1` and `axis2` (non-negative,
    distinct, sizes known), which are removed: the diagonal becomes the last
    axis. The two axes are flattened into one and the diagonal's positions
    gathered (the gather's backward pass scatters the gradient back)."""
    shape = C.shape_of(op, x)
    rows = C.static_size(op, shape, axis1)
    cols = C.static_size(op, shape, axis2)
    rest = [i for i in range(len(shape)) if i not in (axis1, axis2)]
    x = C.transpose(x, rest + [axis1, axis2])
    dims = [shape[i] for i in rest]
    flat = C.reshape(op, x, [*dims, rows * cols], C.shape_of(op, x))
    start_row, start_col = max(-offset, 0), max(offset, 0)
    n = max(0, min(rows - start_row, cols - start_col))
    if n == 0:
        return run(
            "slice", [flat], start_indices=[0] * (len(dims) + 1), shape=[-1] * len(dims) + [0]
        )
    ids = (np.arange(n) + start_row) * cols + np.arange(n) + start_col
    return G.gather(op, flat, ids.astype(np.int64), len(dims))


def _sum_unneeded(op: str, x: Any, lab: Any, needed: Any) -> Any:
    axes = [i for i, label in enumerate(lab) if label not in needed]
    if not axes:
        return x, lab
    return run("sum", [x], axis=axes), [label for label in lab if label in needed]


def _product(dims: Any) -> Any:
    if None in dims:
        return None
    return int(np.prod(dims, dtype=np.int64))


def _pair(op: str, a: Any, la: Any, b: Any, lb: Any, keep: Any, out: Any) -> Any:
    """The contraction of two operands: (result, its labels)."""
    rank = {label: i for i, label in enumerate(out)}

    def order(labels: Any) -> Any:
        # Output order first, so the final transpose is often the identity.
        return sorted(labels, key=lambda label: rank.get(label, len(out)))

    batch = order([label for label in la if label in lb and label in keep])
    summed = [label for label in la if label in lb and label not in keep]
    free_a = order([label for label in la if label not in lb])
    free_b = order([label for label in lb if label not in la])
    sa = dict(zip(la, C.shape_of(op, a)))
    sb = dict(zip(lb, C.shape_of(op, b)))
    # A summed label of size 1 on one side broadcasts: sum the other side first.
    for side, sizes, labels in ((0, sa, la), (1, sb, lb)):
        other = sb if side == 0 else sa
        wide = [label for label in summed if sizes[label] != 1 and other[label] == 1]
        if wide:
            t = a if side == 0 else b
            t = run("sum", [t], axis=[labels.index(label) for label in wide], keepdims=True)
            for label in wide:
                sizes[label] = 1
            if side == 0:
                a = t
            else:
                b = t
    a = C.transpose(a, [la.index(label) for label in batch + free_a + summed])
    b = C.transpose(b, [lb.index(label) for label in batch + summed + free_b])
    m = _product([sa[label] for label in free_a])
    n = _product([sb[label] for label in free_b])
    k = _product([sa[label] for label in summed])
    batch_a = [sa[label] for label in batch]
    batch_b = [sb[label] for label in batch]
    if summed:
        a = C.reshape(op, a, [*batch_a, m, k], C.shape_of(op, a))
        b = C.reshape(op, b, [*batch_b, k, n], C.shape_of(op, b))
        y = run("matmul", [a, b])
    else:
        # An outer product: broadcasting multiplies, no zero-padded matmul.
        a = C.reshape(op, a, [*batch_a, m, 1], C.shape_of(op, a))
        b = C.reshape(op, b, [*batch_b, 1, n], C.shape_of(op, b))
        y = run("mul", [a, b])
    batch_out = [_broadcast(p, q) for p, q in zip(batch_a, batch_b)]
    dims = batch_out + [sa[label] for label in free_a] + [sb[label] for label in free_b]
    y = C.reshape(op, y, dims, C.shape_of(op, y))
    return y, batch + free_a + free_b


def _broadcast(p: float, q: Any) -> Any:
    if p == 1:
        return q
    if q == 1:
        return p
    return p if q is None else q


def eager_dtype(values: Any) -> Any:
    """The dtype Keras gives a product of `values`: float32 when any is a
    float (or a variable), else the integer arrays' promoted type (Python
    ints are weak: int32 alone), else bool."""
    arrays, weak = [], set()
    for v in values:
        if isinstance(v, Variable):
            return np.dtype(np.float32)
        if isinstance(v, (bool, np.bool_)) and not isinstance(v, np.ndarray):
            weak.add("b")
        elif isinstance(v, int):
            weak.add("i")
        elif isinstance(v, float):
            weak.add("f")
        else:
            arrays.append(np.asarray(v).dtype)
    kinds = {d.kind for d in arrays} | weak
    if kinds - {"b", "i", "u"}:
        return np.dtype(np.float32)
    ints = [d for d in arrays if d.kind in "iu"]
    if ints:
        return np.result_type(*ints)
    return np.dtype(np.int32) if "i" in weak else np.dtype(np.bool_)


def finish(out: Any, inputs: Any, kind: str = "promote") -> Any:
    """The eager result in Keras's dtype (symbolic results go through)."""
    if C.any_symbolic([out]) or C.any_symbolic(list(inputs)):
        return out
    out = np.asarray(out)
    if kind == "float":
        # float32, or float64 computed from float64 (as Keras with x64).
        wide = out.dtype == np.float64 and _has_float64(inputs)
        return out if wide else out.astype(np.float32)
    dtype = eager_dtype(inputs)
    if kind == "sum" and dtype == np.bool_:
        dtype = np.dtype(np.int32)
    if dtype == np.bool_:
        return np.asarray(out != 0)
    if dtype.kind in "iu":
        return np.asarray(np.rint(out).astype(dtype))
    if out.dtype == np.float64 and _has_float64(inputs):
        # Computed in float64 end to end (matmul, mul and sum have float64
        # kernels; a float64 operand widens the rest): float64, as Keras
        # with x64.
        return out
    return out.astype(np.float32)


def _has_float64(values: Any) -> bool:
    return any(
        not isinstance(v, Variable) and isinstance(v, np.ndarray) and v.dtype == np.float64
        for v in values
    )
