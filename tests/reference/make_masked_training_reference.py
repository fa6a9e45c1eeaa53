"""Records Keras 3's losses, metrics and one training step on a masked
sequence model (Embedding(mask_zero=True) -> LSTM(return_sequences) -> Dense),
where masked steps must weigh nothing, into data/masked_training.json
(issue 16, point 2). Run with the oracle venv:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_masked_training_reference.py
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from masked_training_case import build, case_data  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "masked_training.json"


def main():
    # Without sample weights: Keras 3.15 refuses per-sample weights with a
    # mask over time steps ("Incompatible shapes for broadcasting: (3, 5), (3,)").
    x, y = case_data()
    record = {}
    for loss in ("mse", "mean_absolute_error_object"):
        loss_obj = "mse" if loss == "mse" else keras.losses.MeanAbsoluteError()
        model = build(keras)
        model.compile(keras.optimizers.SGD(0.1), loss_obj, metrics=["mae", "mse"])
        logs = model.evaluate(x, y, verbose=0, return_dict=True)
        model.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
        record[loss] = {
            "evaluate": {k: float(v) for k, v in logs.items()},
            "weights_after": [w.tolist() for w in model.get_weights()],
        }
    OUT.write_text(json.dumps(record))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
