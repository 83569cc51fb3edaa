"""The analysis itself: pure, no I/O, no AWS, no Powertools.

Every entry point (the Lambda handlers, the command line) calls :func:`analyse`.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

SentimentLabel = Literal["positive", "negative", "neutral"]


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
    # it now, in the init phase, so the first request does not pay for it.
    len(scorer)
    return scorer


_SENTIMENT = _load_pattern_sentiment()


@dataclass(frozen=True, slots=True)
class SentimentResult:
    """The sentiment of one text.

    Attributes:
        input: the text that was analysed, unchanged.
        sentiment_score: TextBlob polarity, a float in [-1.0, 1.0]; negative < 0 < positive.
        sentiment: the label derived from ``sentiment_score`` by :func:`label_for`.
        subjectivity: TextBlob subjectivity, a float in [0.0, 1.0]; 0 is objective, 1 subjective.
    """

    input: str
    sentiment_score: float
    sentiment: SentimentLabel
    subjectivity: float


def label_for(score: float) -> SentimentLabel:
    """Map a polarity score in [-1, 1] to a label.

    ``positive`` if ``score > 0``, ``negative`` if ``score < 0``, else ``neutral``: the rule
    of the original Flask + TextBlob tutorial this service grew from.
    """
    if score > 0:
        return "positive"
    if score < 0:
        return "negative"
    return "neutral"


def analyse(text: str) -> SentimentResult:
    """Score the sentiment of ``text`` with TextBlob's default (pattern) analyzer.

    The polarity and subjectivity are exactly ``TextBlob(text).sentiment``: an average over
    the adjectives and adverbs found in TextBlob's English lexicon (from the *pattern*
    library, De Smedt & Daelemans 2012), with negation and intensifiers applied.

    Args:
        text: any string; the caller enforces length limits. Run time grows with length and,
            for long runs of punctuation, quadratically (TextBlob's tokenizer).

    Returns:
        A :class:`SentimentResult`.
    """
    # What TextBlob(text).sentiment computes: PatternAnalyzer.analyze(text) is this call.
    polarity, subjectivity = _SENTIMENT(text)
    return SentimentResult(
        input=text,
        sentiment_score=polarity,
        sentiment=label_for(polarity),
        subjectivity=subjectivity,
    )
