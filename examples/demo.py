"""pykeras's main job: the seed tutorials' kinds of model, trained on data
that ships offline, with summaries and test accuracy printed.

- a Sequential MLP and a Functional CNN on scikit-learn's 8x8 digits;
- a subclassed model on the same digits;
- the multi-input, multi-output ticket classifier (synthetic tickets);
- the branched two-output regressor (scikit-learn's diabetes data).

Run: python examples/demo.py
"""

import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import branched_regressor  # noqa: E402
import cnn_digits  # noqa: E402
import mlp_digits  # noqa: E402
import subclassed_digits  # noqa: E402
import ticket_classifier  # noqa: E402


def main():
    results = {}
    for name, run in [
        ("MLP on digits (Sequential)", mlp_digits.main),
        ("CNN on digits (Functional)", cnn_digits.main),
        ("MLP on digits (Subclassing)", subclassed_digits.main),
        ("ticket classifier (multi-input, multi-output)", ticket_classifier.main),
        ("branched regressor (two outputs)", branched_regressor.main),
    ]:
        print(f"\n=== {name} ===")
        started = time.perf_counter()
        results[name] = (run(), time.perf_counter() - started)
    print("\n=== results ===")
    for name, (score, seconds) in results.items():
        shown = ", ".join(f"{s:.3f}" for s in score) if isinstance(score, tuple) else f"{score:.4f}"
        print(f"{name:48s} {shown:>14s}   ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
