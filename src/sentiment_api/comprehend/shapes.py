"""From ``analyse()``'s results to Amazon Comprehend's output shapes: pure, standard library
only.

Comprehend's ``SentimentScore`` has four confidences (``Positive``, ``Negative``, ``Neutral``,
``Mixed``); the engines here have three probabilities (``model``, ``encoder``) or none
(``textblob``), and no class for mixed. How each field is filled (the README's "Coming from
Comprehend" table says the same):

- the three classes: the engine's probabilities; with ``textblob``, the polarity ``s`` split
  as ``Positive = max(s, 0)``, ``Negative = max(-s, 0)``, ``Neutral = 1 - |s|`` (a split, not a
  confidence: TextBlob has none);
- ``Mixed``: 0, unless the text is mixed (:attr:`SentimentResult.mixed`: at least one positive
  and one negative sentence, Azure AI Language's rule); then the weaker side of the
  disagreement, ``min(strongest positive sentence's Positive, strongest negative sentence's
  Negative)``, each sentence's figures as above, and the other three scaled by ``1 - Mixed``;
  so the four always sum to 1;
- ``Sentiment``: ``MIXED`` for a mixed text, else ``POST /analyse``'s label upper-cased. It is
  the largest score with the trained engines at their default rule, but not always with
  ``textblob`` (polarity 0.2 is ``POSITIVE`` with ``Neutral`` 0.8), with a weak disagreement
  (``MIXED`` with ``Mixed`` 0.3), or with a deployment's ``NeutralThreshold``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sentiment_api.analysis import SentenceSentiment, SentimentResult
from sentiment_api.errors import DomainError, TextTooLongError, UnsupportedLanguageError

MIXED = "MIXED"


def class_scores(
    score: float, probabilities: dict[str, float] | None
) -> tuple[float, float, float]:
    """``(positive, negative, neutral)`` of one reading, each in [0, 1], summing to 1: the
    engine's probabilities, or a polarity ``score`` in [-1, 1] split as the module says."""
    if probabilities is not None:
        return (
            float(probabilities["positive"]),
            float(probabilities["negative"]),
            float(probabilities["neutral"]),
        )
    # Not max(-score, 0.0): for a score of 0.0 that is -0.0, which JSON shows as such.
    return (score if score > 0 else 0.0), (-score if score < 0 else 0.0), 1.0 - abs(score)


def mixed_score(sentences: Iterable[SentenceSentiment]) -> float:
    """How strongly a text's sentences disagree, in [0, 1]: the smaller of its strongest
    positive sentence's ``Positive`` and its strongest negative sentence's ``Negative``
    (:func:`class_scores`); 0 unless it has a positive and a negative sentence."""
    positive = negative = 0.0
    for sentence in sentences:
        scores = class_scores(sentence.sentiment_score, sentence.probabilities)
        if sentence.sentiment == "positive":
            positive = max(positive, scores[0])
        elif sentence.sentiment == "negative":
            negative = max(negative, scores[1])
    return min(positive, negative)


def sentiment(result: SentimentResult) -> dict[str, Any]:
    """``{"Sentiment", "SentimentScore"}`` (DetectSentiment's output) of a result.

    Args:
        result: ``analyse()``'s result, with ``sentences=True`` for ``MIXED`` to be possible
            (without sentences, ``mixed`` is None and the text is never ``MIXED``).

    Returns:
        ``Sentiment`` one of ``POSITIVE``, ``NEGATIVE``, ``NEUTRAL``, ``MIXED``, and
        ``SentimentScore`` ``{"Positive", "Negative", "Neutral", "Mixed"}``, floats in [0, 1]
        summing to 1 (to rounding), as the module says.
    """
    positive, negative, neutral = class_scores(result.sentiment_score, result.probabilities)
    mixed = mixed_score(result.sentences or ()) if result.mixed else 0.0
    kept = 1.0 - mixed
    return {
        "Sentiment": MIXED if result.mixed else result.sentiment.upper(),
        "SentimentScore": {
            "Positive": kept * positive,
            "Negative": kept * negative,
            "Neutral": kept * neutral,
            "Mixed": mixed,
        },
    }


MIN_LANGUAGE_SCORE = 0.01
"""Languages less likely than this are left out of ``Languages`` (the identifier's fifth
guess is often 0.0001); the most likely one is always in."""


def languages(guesses: Sequence[tuple[str, float]]) -> list[dict[str, Any]]:
    """``Languages`` (DetectDominantLanguage's output): ``[{"LanguageCode", "Score"}]``, most
    likely first, from the identifier's ``(code, probability)`` guesses (any order): those of
    at least :data:`MIN_LANGUAGE_SCORE`, and always the first. ``[]`` for no guess (a text
    without a word)."""
    ranked = sorted(guesses, key=lambda guess: guess[1], reverse=True)
    return [
        {"LanguageCode": code, "Score": float(score)}
        for i, (code, score) in enumerate(ranked)
        if i == 0 or score >= MIN_LANGUAGE_SCORE
    ]


BATCH_ERROR_CODES: dict[type[DomainError], str] = {
    TextTooLongError: "TEXT_SIZE_LIMIT_EXCEEDED",
    UnsupportedLanguageError: "UNSUPPORTED_LANGUAGE",
}
"""A batch document's error, as its ``BatchItemError.ErrorCode``. The model says only that it
is a string; these names follow the operation's exceptions (ours: not confirmed from an AWS
source)."""


def batch_error(index: int, error: DomainError) -> dict[str, Any]:
    """``{"Index", "ErrorCode", "ErrorMessage"}`` (a ``BatchItemError``) of a document refused
    for ``error``, one of the classes of :data:`BATCH_ERROR_CODES` (or a subclass).

    Raises:
        KeyError: ``error`` is not a document's error.
    """
    for cls in type(error).__mro__:
        if cls in BATCH_ERROR_CODES:
            return {"Index": index, "ErrorCode": BATCH_ERROR_CODES[cls], "ErrorMessage": str(error)}
    raise KeyError(type(error).__name__)
