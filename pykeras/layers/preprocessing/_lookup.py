"""The lookup, hashing, encoding and text layers, gathered so
`pykeras.layers` imports them in one place."""

from __future__ import annotations

from pykeras.layers.preprocessing.category_encoding import CategoryEncoding
from pykeras.layers.preprocessing.discretization import Discretization
from pykeras.layers.preprocessing.hashed_crossing import HashedCrossing
from pykeras.layers.preprocessing.hashing import Hashing
from pykeras.layers.preprocessing.integer_lookup import IntegerLookup
from pykeras.layers.preprocessing.string_lookup import StringLookup
from pykeras.layers.preprocessing.text_vectorization import TextVectorization

__all__ = [
    "CategoryEncoding",
    "Discretization",
    "HashedCrossing",
    "Hashing",
    "IntegerLookup",
    "StringLookup",
    "TextVectorization",
]
