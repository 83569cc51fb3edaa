"""The ``textblob`` engine: TextBlob's English pattern analyzer, ``TextBlob(text).sentiment``.

The polarity and subjectivity are an average over the adjectives and adverbs found in
TextBlob's English lexicon (from the *pattern* library, De Smedt & Daelemans 2012), with
negation and intensifiers applied; the assessments are exactly
``TextBlob(text).sentiment_assessments.assessments``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from sentiment_api.engines.base import Assessment, Verdict


def _load_pattern_sentiment() -> Any:
    """TextBlob's English pattern-sentiment scorer, ``textblob.en.sentiment``, lexicon loaded.

    ``textblob/__init__.py`` imports NLTK (about 200 ms of every cold start) although this
    scorer never uses it. So the two modules the scorer lives in, ``textblob._text`` (standard
    library only) and ``textblob.en``, are loaded from the installed package under their own
    names without running the package's ``__init__``. This relies on TextBlob's layout, which is
    why ``requirements.txt`` pins TextBlob and a test checks, in a separate process, that the
    scores equal ``TextBlob(text).sentiment`` exactly on 3,000 real sentences.

    If the same process later imports TextBlob the usual way, ``from textblob import TextBlob``
    and ``from textblob.en import sentiment`` work and share these modules, but the attribute
    ``textblob.en`` is not set on the package (Python sets it only when it loads the module).

    Raises:
        ModuleNotFoundError: if TextBlob is not installed.
    """
    if "textblob.en" not in sys.modules:  # else TextBlob was imported the usual way: reuse it
        spec = importlib.util.find_spec("textblob")  # finds, does not run, the package
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError("No module named 'textblob'", name="textblob")
        package = Path(spec.origin).parent
        for name, path, search in (
            ("textblob._text", package / "_text.py", None),
            ("textblob.en", package / "en" / "__init__.py", [str(package / "en")]),
        ):
            module_spec = importlib.util.spec_from_file_location(
                name, path, submodule_search_locations=search
            )
            assert module_spec is not None and module_spec.loader is not None
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            try:
                module_spec.loader.exec_module(module)
            except BaseException:
                # Leave no half-initialised module behind for the next import to reuse.
                sys.modules.pop("textblob._text", None)
                sys.modules.pop("textblob.en", None)
                raise
    scorer = sys.modules["textblob.en"].sentiment
    # The lexicon (en-sentiment.xml, ~35 ms to parse) loads lazily on first use; len() forces
    # it now, when the engine loads, so the first request does not pay for it.
    len(scorer)
    return scorer


_SENTIMENT = _load_pattern_sentiment()


POLARITY_NOISE = 1e-10
"""A polarity closer to 0 than this is 0: float noise, not sentiment. TextBlob averages lexicon
values of two or three decimals, so assessments that cancel ("Clear ... Long ... Long": 0.1,
-0.05, -0.05) leave a mean of about ±5e-18 whose sign depends on the order of rounding, and
differs between Python 3.11 and 3.12+ (whose ``sum()`` of floats compensates rounding): the
label would flip with the interpreter. A mean that is truly not 0, of n assessments, is at
least about 0.001/n, far above this for any text the API accepts."""


class TextBlobEngine:
    """TextBlob's pattern analyzer as an :class:`~sentiment_api.engines.base.Engine`: score
    = polarity in [-1, 1], subjectivity in [0, 1], no probabilities; ``explain`` gives the
    assessments, in text order.

    Run time grows with length and, for long runs of punctuation, quadratically (TextBlob's
    tokenizer).
    """

    evidence: Literal["assessments"] = "assessments"
    explains_sentences = False

    def score(self, texts: Sequence[str]) -> list[Verdict]:
        """What ``TextBlob(text).sentiment`` computes, per text (``PatternAnalyzer.analyze``
        is this call), bit for bit, except that a polarity within :data:`POLARITY_NOISE` of 0
        is 0 (so ``neutral``, the same on every Python)."""
        verdicts = []
        for text in texts:
            scored = _SENTIMENT(text)
            polarity, subjectivity = scored
            if abs(polarity) < POLARITY_NOISE:
                polarity = 0.0
            verdicts.append(Verdict(polarity, subjectivity, None, scored))
        return verdicts

    def explain(self, verdict: Verdict) -> tuple[Assessment, ...]:
        """``TextBlob(text).sentiment_assessments.assessments`` of the verdict's text."""
        return tuple(
            Assessment(tuple(words), polarity, subjectivity, label)
            for words, polarity, subjectivity, label in verdict.detail.assessments
        )


ENGINE = TextBlobEngine()


def load() -> TextBlobEngine:
    """The engine (its lexicon loaded when this module was imported)."""
    return ENGINE
