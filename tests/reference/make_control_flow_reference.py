"""Records what Keras 3's control-flow ops return on tests/python/control_flow_cases.py.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_control_flow_reference.py

For every case it records the result (nested containers, each array's shape,
dtype and values) or the error's class and whether it is a ValueError and/or
a TypeError. Output: tests/reference/data/control_flow.json, which
tests/python/test_composite_control_flow.py replays against pykeras.ops.
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import ops  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "python"))

import control_flow_cases  # noqa: E402

OUT = HERE / "data" / "control_flow.json"


def main():
    records = {name: control_flow_cases.run_case(ops, name) for name in control_flow_cases.CASES}
    lines = [
        f" {json.dumps(name)}: {json.dumps(record, sort_keys=True, separators=(',', ':'))}"
        for name, record in records.items()
    ]
    header = {"keras": keras.__version__, "backend": keras.backend.backend()}
    OUT.write_text("{\n" + f' "_meta": {json.dumps(header)},\n' + ",\n".join(lines) + "\n}\n")
    print(f"wrote {len(records)} cases to {OUT}")


if __name__ == "__main__":
    main()
