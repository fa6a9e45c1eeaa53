"""`keras.random.SeedGenerator`: a random state that advances on every draw."""

from __future__ import annotations

import random as python_random
import weakref
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from pykeras.backend.name_scope import name_scope
from pykeras.backend.naming import unique_name
from pykeras.backend.variable import Variable
from pykeras.errors import InvalidArgumentError

if TYPE_CHECKING:
    # A `keras.random` seed: None (from the global stream), an int (the same
    # draw every call) or a `SeedGenerator` (a new draw every call).
    SeedLike = Union[int, "SeedGenerator", None]

# Seeds reach the core as a 63-bit attribute; Keras's are conceptually uint32.
_SEED_MASK = 2**63 - 1


class SeedGenerator:
    """Generates variable seeds upon each call to a function generating
    random numbers.

    An integer `seed=` makes a `keras.random` function return the same values
    on every call; a `SeedGenerator` returns new values on each call and
    repeats the whole sequence when made again with the same seed. Its state,
    `[seed, counter]`, lives in the non-trainable variable `state` (named
    `"seed_generator_state"`); each draw uses the state, then adds 1 to the
    counter. Inside a compiled training step the state is read from the
    variable and advanced after every step, so each step draws new numbers.

    Layers keep one as an attribute (`self.seed_generator = SeedGenerator(1337)`),
    as Keras's do. As in Keras 3, the state is not part of `layer.weights`
    nor of saved weight files: a loaded model starts again from its seed.

    Args:
        seed: int, the initial seed; None draws one at random (Python's
            `random` module, as Keras).
        name: the generator's name (default `"seed_generator"`, made unique).
        **kwargs: Keras's `backend=` only (ignored: there is one backend).

    Example:

    >>> seed_gen = keras.random.SeedGenerator(seed=42)
    >>> values = keras.random.normal(shape=(2, 3), seed=seed_gen)
    >>> new_values = keras.random.normal(shape=(2, 3), seed=seed_gen)
    >>> bool((values != new_values).any())
    True
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any) -> None:
        kwargs.pop("backend", None)
        if kwargs:
            raise InvalidArgumentError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name if name is not None else unique_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = python_random.randint(1, int(1e9))
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidArgumentError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self._seed = int(seed)
        with name_scope(self.name, caller=self):
            self.state = Variable(
                np.array([seed, 0], np.float64), name="seed_generator_state", trainable=False
            )
        # The trace being built and how many draws it has taken from us.
        self._trace: tuple[weakref.ref[Any] | None, int] = (None, 0)

    @property
    def seed_attr(self) -> int:
        """The exact seed (float32 state cannot hold every integer seed)."""
        return self._seed & _SEED_MASK

    def next(self, ordered: bool = True) -> np.ndarray:
        """Returns the current state and advances it (eagerly).

        Args:
            ordered: True adds 1 to the counter; False jumps to another
                counter value, as Keras's global generator does.

        Returns:
            The state before the draw, a float32 array of shape (2,).
        """
        value = self.state.numpy()
        if ordered:
            self.state.assign(value + np.array([0, 1], np.float32))
        else:
            self.state.assign(np.array([value[0], (value[1] + 1) * 5387 % 933199], np.float32))
        return value

    def traced_draw(self, tracer: Any) -> int:
        """How many draws the trace `tracer` took from us before this one
        (and counts this one): draw k of a step uses `[seed, counter + k]`."""
        previous, count = self._trace
        count = count if previous is not None and previous() is tracer else 0
        # A weak reference: the generator must not keep a finished graph alive.
        self._trace = (weakref.ref(tracer), count + 1)
        return count

    def get_config(self) -> dict[str, Any]:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SeedGenerator:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name}, state={self.state.numpy()}>"
