"""The analysis engines, one module each, and the one registry of their names.

A new engine is one module here whose ``load()`` returns an object of the
:class:`~sentiment_api.engines.base.Engine` protocol, plus its line in :data:`REGISTRY`. This
module imports none of them: an engine's module is imported, and its ``load()`` called (a
lexicon, a model file), on the first :func:`get_engine` of its name, so a function loads only
the engines it uses.
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sentiment_api.engines.base import Engine

REGISTRY: dict[str, str] = {
    "textblob": "textblob",  # TextBlob's lexicon: the tutorial's exact figures
    "model": "tfidf",  # TF-IDF + logistic regression (docs/model.md)
    "encoder": "encoder",  # all-MiniLM-L6-v2, int8 ONNX, and a logistic head (docs/model.md)
}
"""Engine name (the API's ``engine``) -> its module in this package."""

ENGINE_NAMES: tuple[str, ...] = tuple(REGISTRY)
"""Every engine's name, in the registry's order."""

if TYPE_CHECKING:
    EngineName = str
else:
    EngineName = Literal[ENGINE_NAMES]
    """The engine names as a type, for request and response models (an ``enum`` in OpenAPI)."""


@functools.cache
def get_engine(name: str) -> Engine:
    """The engine called ``name``, its module imported (and its artefacts loaded) on first use.

    Raises:
        ValueError: no engine has this name.
        OSError, ValueError, ImportError: the engine's artefacts or packages cannot be loaded.
    """
    if name not in REGISTRY:
        raise ValueError(f"engine must be one of {', '.join(ENGINE_NAMES)}, not {name!r}")
    module = importlib.import_module(f"{__name__}.{REGISTRY[name]}")
    engine: Engine = module.load()
    return engine
