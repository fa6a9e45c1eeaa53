"""pykeras.datasets: Keras's small datasets, downloaded once into `~/.keras/datasets`.

Each module has Keras's `load_data()` with the same arguments, return structure, dtypes,
shapes and (for a given seed) the same order:

```python
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
```

pykeras extensions: every loader also reads a local copy (`path=` with a folder part for
mnist, imdb, reuters and boston_housing; `path=` a folder or archive for fashion_mnist and
cifar10), and the pickled files (CIFAR batches, IMDB's object arrays) are read with an
unpickler that can only rebuild numpy arrays, so a tampered download cannot run code.
"""

from pykeras.datasets import boston_housing, cifar10, fashion_mnist, imdb, mnist, reuters

__all__ = ["boston_housing", "cifar10", "fashion_mnist", "imdb", "mnist", "reuters"]
