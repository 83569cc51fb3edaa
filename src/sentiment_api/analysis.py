"""The analysis itself: pure, no I/O, no AWS, no Powertools.

Every entry point (the Lambda handlers, the command line) calls :func:`analyse`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textblob.sentiments import PatternAnalyzer

SentimentLabel = Literal["positive", "negative", "neutral"]

_ANALYZER = PatternAnalyzer()
# TextBlob loads its lexicon (en-sentiment.xml) on first use. Doing it at import time moves
# that cost into the Lambda init phase, which runs at full CPU, instead of the first request.
_ANALYZER.analyze("")


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
    polarity, subjectivity = _ANALYZER.analyze(text)
    return SentimentResult(
        input=text,
        sentiment_score=polarity,
        sentiment=label_for(polarity),
        subjectivity=subjectivity,
    )
