"""The five Keras tutorials in ../shared/seeds, snippet by snippet, with only
the import changed (and small synthetic data where a snippet assumes some).
Their typos must be refused with clear errors."""

import numpy as np
import pytest

import pykeras
import pykeras as keras
from pykeras import layers, optimizers
from pykeras.layers import Activation, Dense, Input  # noqa: F401 - the tutorial's imports
from pykeras.models import Model, Sequential


class tf:  # noqa: N801 - stands in for `import tensorflow as tf` (tf.keras.*)
    keras = pykeras


@pytest.fixture(autouse=True)
def _seeded():
    # Weight initialisation and shuffling repeat, so the learning checks cannot flake.
    keras.utils.set_random_seed(0)


def _mnist_like(n=128, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 28, 28)).astype("float32")
    y = rng.integers(0, 10, n)
    return x, y


# ---------------------------------------------------------------- seed 000


def test_seed_000_sequential_typo_activate_is_refused():
    with pytest.raises(TypeError, match="activate.*Did you mean 'activation'"):
        Sequential([Dense(32, activate="relu", input_shape=(784,)), Dense(10, activate="softmax")])
    model = Sequential()
    with pytest.raises(TypeError, match="activate"):
        model.add(Dense(32, activate="relu", input_dim=784))


def test_seed_000_sequential_as_meant():
    model = Sequential(
        [Dense(32, activation="relu", input_shape=(784,)), Dense(10, activation="softmax")]
    )
    assert model.count_params() == 784 * 32 + 32 + 32 * 10 + 10
    model = Sequential()
    model.add(Dense(32, activation="relu", input_dim=784))
    model.add(Dense(10, activation="softmax"))
    assert model.output_shape == (None, 10)


def test_seed_000_functional_linear_model_with_keras2_lr():
    X = np.linspace(0, 1, 50).reshape(-1, 1).astype("float32")  # noqa: N806 - the tutorial's name
    y = 2 * X + 1
    inputs = Input(shape=(1,))
    output = Dense(1, activation="linear")(inputs)
    linear_model = Model(inputs, output)
    with pytest.warns(DeprecationWarning, match="lr"):
        sgd = optimizers.SGD(lr=0.01)
    linear_model.compile(optimizer=sgd, loss="mse", metrics=["mse"])
    history = linear_model.fit(X, y, epochs=300, verbose=0)
    assert history.history["loss"][-1] < 0.1
    assert set(history.history) == {"loss", "mse"}


def test_seed_000_subclassed_mlp():
    class SimpleMLP(keras.Model):
        def __init__(self, num_classes=10):
            super(SimpleMLP, self).__init__(name="mlp")  # noqa: UP008 - as written
            self.num_classes = num_classes
            self.dense1 = keras.layers.Dense(32, activation="relu")
            self.dense2 = keras.layers.Dense(num_classes, activation="softmax")

        def call(self, inputs):
            x = self.dense1(inputs)
            return self.dense2(x)

    model = SimpleMLP()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = _mnist_like()
    model.fit(x.reshape(-1, 784), y, epochs=1, verbose=0)
    assert model.name == "mlp"
    assert model.predict(x[:2].reshape(-1, 784), verbose=0).shape == (2, 10)


# ---------------------------------------------------------------- seed 001


def test_seed_001_duplicate_layer_name_is_refused():
    input_layer = tf.keras.Input(shape=(28, 28), name="InputLayer")
    x1 = tf.keras.layers.Flatten(name="Flatten")(input_layer)
    x2 = tf.keras.layers.Dense(256, activation="relu", name="Dense1")(x1)
    x3 = tf.keras.layers.Dense(64, activation="relu", name="Dense1")(x2)
    x4 = tf.keras.layers.Dense(10, activation="relu", name="OutputLayer")(x3)
    with pytest.raises(ValueError, match='"Dense1" is used 2 times'):
        tf.keras.Model(inputs=input_layer, outputs=x4, name="FunctionalModel")


def _functional_001():
    input_layer = tf.keras.Input(shape=(28, 28), name="InputLayer")
    x1 = tf.keras.layers.Flatten(name="Flatten")(input_layer)
    x2 = tf.keras.layers.Dense(256, activation="relu", name="Dense1")(x1)
    x3 = tf.keras.layers.Dense(64, activation="relu", name="Dense2")(x2)
    x4 = tf.keras.layers.Dense(10, activation="relu", name="OutputLayer")(x3)
    return tf.keras.Model(inputs=input_layer, outputs=x4, name="FunctionalModel")


def test_seed_001_functional_summary_plot_fit_evaluate(tmp_path, capsys):
    func_model = _functional_001()
    func_model.summary()
    assert 'Model: "FunctionalModel"' in capsys.readouterr().out
    from pykeras.utils import plot_model

    target = tmp_path / "model.png"
    with pytest.raises(TypeError, match="show_layer_name.*Did you mean 'show_layer_names'"):
        plot_model(func_model, show_shapes=True, show_layer_name=True, to_file=str(target))
    plot_model(func_model, show_shapes=True, show_layer_names=True, to_file=str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    x_train, y_train = _mnist_like(256)
    x_test, y_test = _mnist_like(64, seed=1)
    func_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                       metrics=["accuracy"])  # fmt: skip
    func_model.fit(x_train, y_train, epochs=3, verbose=0)
    with pytest.raises(AttributeError, match="evalutate.*Did you mean 'evaluate'"):
        func_model.evalutate(x_test, y_test, verbose=0)
    loss, acc = func_model.evaluate(x_test, y_test, verbose=0)
    assert np.isfinite(loss) and 0.0 <= acc <= 1.0


def test_seed_001_subclassed_models():
    class MyModel(tf.keras.Model):
        def __init__(self):
            super(MyModel, self).__init__()  # noqa: UP008
            self.flatten = tf.keras.layers.Flatten()
            self.dense1 = tf.keras.layers.Dense(256, activation="relu")
            self.dense2 = tf.keras.layers.Dense(64, activation="relu")
            self.dense3 = tf.keras.layers.Dense(10, activation="softmax")

        def call(self, x):
            x = self.flatten(x)
            x = self.dense1(x)
            x = self.dense2(x)
            x = self.dense3(x)
            return x

    mymodel = MyModel()
    mymodel._name = "subclass_model"
    mymodel(tf.keras.layers.Input(shape=(28, 28)))
    assert mymodel.name == "subclass_model"
    assert mymodel.count_params() == 784 * 256 + 256 + 256 * 64 + 64 + 64 * 10 + 10
    x_train, y_train = _mnist_like(256)
    mymodel.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])  # fmt: skip
    mymodel.fit(x_train, y_train, epochs=3, verbose=0)
    loss, acc = mymodel.evaluate(x_train, y_train, verbose=0)
    assert acc > 0.2  # it learns the (random) training labels

    class MyModel2(tf.keras.Model):
        def __init__(self, units, num_classes):
            super(MyModel2, self).__init__()  # noqa: UP008
            self.flatten = tf.keras.layers.Flatten()
            self.dense1 = tf.keras.layers.Dense(units, activation="relu")
            self.dense2 = tf.keras.layers.Dense(units / 4, activation="relu")
            self.dense3 = tf.keras.layers.Dense(num_classes, activation="softmax")

        def call(self, x):
            return self.dense3(self.dense2(self.dense1(self.flatten(x))))

    model = MyModel2(256, 10)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=1, verbose=0)
    assert model.dense2.units == 64


# ---------------------------------------------------------------- seed 002


def test_seed_002_model_attributes_and_config():
    model = Sequential()
    model.add(Dense(units=64, activation="relu", input_dim=100))
    model.add(Dense(units=64, activation="softmax"))
    model.compile(loss="mean_squared_error", optimizer="sgd", metrics=["accuracy"])
    assert len(model.layers) == 2
    assert len(model.inputs) == 1 and len(model.outputs) == 1
    weights = model.get_weights()
    model.set_weights(weights)
    assert [w.shape for w in weights] == [(100, 64), (64,), (64, 64), (64,)]
    pykeras.utils.print_summary(model)


def test_seed_002_config_json_yaml_and_weights_files(tmp_path):
    model = Sequential()
    model.add(Dense(units=64, activation="relu", input_dim=100))
    model.add(Dense(units=64, activation="softmax"))
    x = np.random.default_rng(0).random((4, 100)).astype("float32")
    expected = model.predict(x, verbose=0)

    config = model.get_config()
    rebuilt = Model.from_config(config)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), expected, rtol=1e-6)
    model = Sequential.from_config(config)
    assert len(model.layers) == 2

    from pykeras.models import model_from_json, model_from_yaml

    json_string = rebuilt.to_json()
    assert len(model_from_json(json_string).layers) == 2
    yaml_string = rebuilt.to_yaml()
    assert len(model_from_yaml(yaml_string).layers) == 2

    path = str(tmp_path / "weights.h5")
    rebuilt.save_weights(path)
    fresh = Model.from_config(config)
    fresh.load_weights(path, by_name=False)
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-6)
    fresh = Model.from_config(config)
    fresh.load_weights(path, by_name=True)
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-6)


# ---------------------------------------------------------------- seed 003


def test_seed_003_sequential_build_then_weights():
    model = keras.Sequential(
        [layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")]
    )
    model.build(input_shape=(None, 3))
    assert [tuple(w.shape) for w in model.weights] == [(3, 64), (64,), (64, 10), (10,)]
    model = keras.Sequential()
    model.add(keras.Input(shape=(3,)))
    model.add(layers.Dense(64, activation="relu"))
    assert model.count_params() == 256


def _ticket_model(vocabulary_size=100, num_tags=10, num_departments=4):
    title = keras.Input(shape=(vocabulary_size,), name="title")
    text_body = keras.Input(shape=(vocabulary_size,), name="text_body")
    tags = keras.Input(shape=(num_tags,), name="tags")
    features = layers.Concatenate()([title, text_body, tags])
    features = layers.Dense(64, activation="relu")(features)
    priority = layers.Dense(1, activation="sigmoid", name="priority")(features)
    department = layers.Dense(num_departments, activation="softmax", name="department")(features)
    model = keras.Model(inputs=[title, text_body, tags], outputs=[priority, department])
    return model, (title, text_body, tags, priority, department)


def test_seed_003_multi_input_multi_output(tmp_path):
    model, (title, text_body, tags, priority, department) = _ticket_model()
    rng = np.random.default_rng(0)
    title_data = rng.integers(0, 2, (32, 100))
    text_body_data = rng.integers(0, 2, (32, 100))
    tags_data = rng.integers(0, 2, (32, 10))
    priority_data = rng.random((32, 1))
    department_data = keras.utils.to_categorical(rng.integers(0, 4, 32), 4)
    # The tutorial's typos: one string holding two loss names, a misspelt metric.
    with pytest.raises(ValueError, match="mean_squared_loss,categorical_crossentropy"):
        model.compile(optimizer="rmsprop", loss=["mean_squared_loss,categorical_crossentropy"],
                      metrics=[["mean_absoulte_error"], ["accuracy"]])  # fmt: skip
    model.compile(optimizer="rmsprop", loss=["mean_squared_error", "categorical_crossentropy"],
                  metrics=[["mean_absolute_error"], ["accuracy"]])  # fmt: skip
    model.fit([title_data, text_body_data, tags_data], [priority_data, department_data], epochs=1,
              verbose=0)  # fmt: skip
    model.evaluate([title_data, text_body_data, tags_data], [priority_data, department_data],
                   verbose=0)  # fmt: skip
    priority_preds, department_preds = model.predict([title_data, text_body_data, tags_data],
                                                     verbose=0)  # fmt: skip
    assert priority_preds.shape == (32, 1) and department_preds.shape == (32, 4)
    model.compile(
        optimizer="rmsprop",
        loss={"priority": "mean_squared_error", "department": "categorical_crossentropy"},
        metrics={"priority": ["mean_absolute_error"], "department": ["accuracy"]},
    )
    data = {"title": title_data, "text_body": text_body_data, "tags": tags_data}
    targets = {"priority": priority_data, "department": department_data}
    model.fit(data, targets, epochs=1, verbose=0)
    model.evaluate(data, targets, verbose=0)
    priority_preds, department_preds = model.predict(data, verbose=0)
    keras.utils.plot_model(model, str(tmp_path / "ticket_classifier_with_shape.png"),
                           show_shapes=True)  # fmt: skip
    assert len(model.layers) == 7
    assert [t.shape for t in model.layers[3].input] == [(None, 100), (None, 100), (None, 10)]
    assert model.layers[3].output.shape == (None, 210)
    features = model.layers[4].output
    difficulty = layers.Dense(3, activation="softmax", name="difficulty")(features)
    new_model = keras.Model(inputs=[title, text_body, tags],
                            outputs=[priority, department, difficulty])  # fmt: skip
    keras.utils.plot_model(new_model, str(tmp_path / "updated_ticket_classifier.png"),
                           show_shapes=True)  # fmt: skip
    outs = new_model.predict(data, verbose=0)
    np.testing.assert_allclose(outs[0], priority_preds, rtol=1e-6)


def test_seed_003_early_stopping_on_val_accuracy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def get_mnist_model():
        inputs = keras.Input(shape=(28 * 28,))
        features = layers.Dense(512, activation="relu")(inputs)
        features = layers.Dropout(0.5)(features)
        outputs = layers.Dense(10, activation="softmax")(features)
        return keras.Model(inputs, outputs)

    callbacks_list = [
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=2),
        keras.callbacks.ModelCheckpoint(
            filepath="checkpoint_path.keras", monitor="val_loss", save_best_only=True
        ),
    ]
    model = get_mnist_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])  # fmt: skip
    x, y = _mnist_like(256)
    history = model.fit(x[:192].reshape(-1, 784), y[:192], epochs=10, callbacks=callbacks_list,
                        validation_data=(x[192:].reshape(-1, 784), y[192:]), verbose=0)  # fmt: skip
    assert "val_accuracy" in history.history
    assert len(history.history["loss"]) <= 10
    model = keras.models.load_model("checkpoint_path.keras")
    best = int(np.argmin(history.history["val_loss"]))
    loss, _ = model.evaluate(x[192:].reshape(-1, 784), y[192:], verbose=0)
    assert loss == pytest.approx(history.history["val_loss"][best], rel=1e-5)


# ---------------------------------------------------------------- seed 004


def test_seed_004_cnn_sequential_and_functional_agree_in_structure():
    model = keras.Sequential()
    model.add(keras.layers.Conv2D(32, kernel_size=3, activation="relu", padding="same",
                                  input_shape=(28, 28, 1)))  # fmt: skip
    model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu", padding="same"))
    model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(100, activation="relu"))
    model.add(keras.layers.Dropout(0.4))
    model.add(keras.layers.Dense(10, activation="softmax"))
    inputs = Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(100, activation="relu")(x)
    x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    functional = keras.Model(inputs, outputs)
    assert model.count_params() == functional.count_params() == 333_526
    images, labels = _mnist_like(64)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(images[..., None], labels, epochs=1, verbose=0)


def test_seed_004_branched_outputs():
    input_layer = Input(shape=(3,), name="input_layer")
    Layer_1 = Dense(10, activation="relu", name="Layer_1")(input_layer)  # noqa: N806
    Layer_2 = Dense(10, activation="relu", name="Layer_2")(Layer_1)  # noqa: N806
    y1_output = Dense(1, activation="linear", name="y1_output")(Layer_2)
    Branched_layer = Dense(10, activation="relu", name="Branched_layer")(Layer_2)  # noqa: N806
    y2_output = Dense(1, activation="linear", name="y2_output")(Branched_layer)
    model = Model(inputs=input_layer, outputs=[y1_output, y2_output])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((64, 3)).astype("float32")
    history = model.fit(x, [x.sum(1), x.prod(1)], epochs=2, verbose=0)
    assert set(history.history) == {"loss", "y1_output_loss", "y2_output_loss"}
