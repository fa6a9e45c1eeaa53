"""Records Keras 3's results for the custom-training idioms of issue 15.

Run with the Keras oracle (Keras 3 on JAX):

    /work/keras-env/bin/python tests/reference/make_custom_training_reference.py

Output: tests/reference/data/custom_training.json. Every case uses constant
initializers, SGD and no shuffling, so pykeras can reproduce it exactly:
a layer's `losses` with kernel and activity regularizers, a Keras-guide
custom metric (`add_variable`, `assign_add`) in `fit` and `evaluate`, an
endpoint layer training on `add_loss` alone, and a guide-style
`train_step` override on a functional-built `Model` subclass.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers, ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "custom_training.json"
X = (np.arange(48, dtype="float32").reshape(12, 4) % 7) / 7.0
Y_CLASS = (np.arange(12) % 3).astype("int64")
Y_REG = (np.arange(12, dtype="float32").reshape(12, 1) % 5) / 5.0
CONST = keras.initializers.Constant(0.1)


class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives.value

    def reset_state(self):
        self.true_positives.assign(0.0)


class LogisticEndpoint(layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        self.add_loss(self.loss_fn(targets, logits, sample_weights))
        return ops.softmax(logits)


class CustomModel(keras.Model):
    def train_step(self, data):
        raise RuntimeError("replaced per backend below")


def _jax_train_step(self, state, data):
    # The JAX form of the guide's step (Keras 3 on JAX has no GradientTape);
    # pykeras runs the TensorFlow form, which computes the same update.
    import jax

    trainable, non_trainable, optimizer_vars, metrics_vars = state
    x, y = data

    def loss_fn(trainable, non_trainable):
        y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x, training=True)
        return self.compute_loss(x, y, y_pred), (y_pred, non_trainable)

    (loss, (y_pred, non_trainable)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
        trainable, non_trainable
    )
    trainable, optimizer_vars = self.optimizer.stateless_apply(optimizer_vars, grads, trainable)
    new_metrics_vars, logs = [], {}
    for metric in self.metrics:
        this = metrics_vars[len(new_metrics_vars) : len(new_metrics_vars) + len(metric.variables)]
        if metric.name == "loss":
            this = metric.stateless_update_state(this, loss)
        else:
            this = metric.stateless_update_state(this, y, y_pred)
        logs[metric.name] = metric.stateless_result(this)
        new_metrics_vars += this
    return logs, (trainable, non_trainable, optimizer_vars, new_metrics_vars)


CustomModel.train_step = _jax_train_step


def regularizer_losses():
    layer = layers.Dense(
        3,
        kernel_initializer=CONST,
        bias_initializer="ones",
        kernel_regularizer=keras.regularizers.l2(0.01),
        activity_regularizer=keras.regularizers.l2(0.02),
    )
    layer(X[:5])
    return [float(v) for v in layer.losses]


def custom_metric():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    outputs = layers.Dense(3, activation="softmax", kernel_initializer=CONST)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                  metrics=[CategoricalTruePositives()])  # fmt: skip
    history = model.fit(X, Y_CLASS, batch_size=4, epochs=2, shuffle=False, verbose=0)
    evaluated = model.evaluate(X, Y_CLASS, batch_size=4, verbose=0, return_dict=True)
    return {"history": _floats(history.history), "evaluate": _floats(evaluated)}


def endpoint():
    inputs = keras.Input((4,), name="inputs")
    targets = keras.Input((3,), name="targets")
    dense = layers.Dense(3, kernel_initializer=CONST)
    logits = dense(inputs)
    preds = LogisticEndpoint(name="predictions")(targets, logits)
    model = keras.Model([inputs, targets], preds)
    model.compile(keras.optimizers.SGD(0.1))
    data = {"inputs": X, "targets": np.eye(3, dtype="float32")[Y_CLASS]}
    history = model.fit(data, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return {"history": _floats(history.history), "kernel": dense.kernel.numpy().tolist()}


def train_step_override():
    inputs = keras.Input((4,))
    outputs = layers.Dense(1, kernel_initializer=CONST)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = model.fit(X, Y_REG, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return {
        "history": _floats(history.history),
        "weights": [w.tolist() for w in model.get_weights()],
    }


def _floats(d):
    return {k: [float(x) for x in v] if isinstance(v, list) else float(v) for k, v in d.items()}


def main():
    data = {
        "versions": {"keras": keras.__version__, "backend": keras.backend.backend()},
        "regularizer_losses": regularizer_losses(),
        "custom_metric": custom_metric(),
        "endpoint": endpoint(),
        "train_step_override": train_step_override(),
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
