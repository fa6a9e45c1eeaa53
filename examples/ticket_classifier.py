"""The seed tutorial's multi-input, multi-output "ticket" model: three inputs
(title, body, tags), two outputs (priority score, department). The data is
synthetic with a learnable rule, so the example runs offline.

Run: python examples/ticket_classifier.py
"""

import numpy as np

import pykeras as keras
from pykeras import layers


def make_tickets(n, vocabulary_size, num_tags, num_departments, seed=0):
    rng = np.random.default_rng(seed)
    title = (rng.random((n, vocabulary_size)) < 0.01).astype("float32")
    body = (rng.random((n, vocabulary_size)) < 0.02).astype("float32")
    tags = (rng.random((n, num_tags)) < 0.05).astype("float32")
    # Each department has ten keywords (fixed across calls); a ticket's title
    # carries three of its department's keywords among the noise.
    keywords = np.arange(num_departments * 10).reshape(num_departments, 10)
    labels = rng.integers(0, num_departments, n)
    for row, label in enumerate(labels):
        title[row, rng.choice(keywords[label], 3, replace=False)] = 1.0
    department = keras.utils.to_categorical(labels, num_departments)
    priority = (tags[:, :10].sum(-1, keepdims=True) / 10.0).clip(0, 1).astype("float32")
    return [title, body, tags], [priority, department]


def main(epochs=10, verbose=2):
    """Trains and evaluates; returns the department accuracy on held-out tickets."""
    keras.utils.set_random_seed(0)
    vocabulary_size, num_tags, num_departments = 1000, 100, 4
    title = keras.Input(shape=(vocabulary_size,), name="title")
    text_body = keras.Input(shape=(vocabulary_size,), name="text_body")
    tags = keras.Input(shape=(num_tags,), name="tags")
    features = layers.Concatenate()([title, text_body, tags])
    features = layers.Dense(64, activation="relu")(features)
    priority = layers.Dense(1, activation="sigmoid", name="priority")(features)
    department = layers.Dense(num_departments, activation="softmax", name="department")(features)
    model = keras.Model(inputs=[title, text_body, tags], outputs=[priority, department])
    model.summary()
    x_train, y_train = make_tickets(2000, vocabulary_size, num_tags, num_departments, seed=0)
    x_test, y_test = make_tickets(500, vocabulary_size, num_tags, num_departments, seed=1)
    model.compile(
        optimizer="rmsprop",
        loss={"priority": "mean_squared_error", "department": "categorical_crossentropy"},
        metrics={"priority": ["mean_absolute_error"], "department": ["accuracy"]},
    )
    names = ["title", "text_body", "tags"]
    model.fit(dict(zip(names, x_train)), {"priority": y_train[0], "department": y_train[1]},
              epochs=epochs, verbose=verbose)  # fmt: skip
    logs = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    print("[Ticket model] " + ", ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
    priority_preds, department_preds = model.predict(x_test, verbose=0)
    assert priority_preds.shape == (500, 1) and department_preds.shape == (500, 4)
    return logs["department_accuracy"]


if __name__ == "__main__":
    main()
