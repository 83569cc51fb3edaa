"""The analysis itself: pure, no I/O, no AWS, no Powertools.

Every entry point (the Lambda handlers, the command line) calls :func:`analyse`, which scores a
text with the engine of that name (:mod:`sentiment_api.engines`) and derives its label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import sentencex

from sentiment_api.engines import get_engine
from sentiment_api.engines.base import Assessment, Contribution, Verdict

SentimentLabel = Literal["positive", "negative", "neutral"]

NEUTRAL_THRESHOLD_RANGE = (0.0, 1.0)
"""Allowed ``neutral_threshold``: scores lie in [-1, 1], so 1 makes every label neutral."""


@dataclass(frozen=True, slots=True)
class SentenceSentiment:
    """The sentiment of one sentence of a text.

    Attributes:
        text: the sentence, exactly ``input[offset:offset + length]``, without the whitespace
            around it.
        offset: where the sentence starts in the input, in Unicode code points (Python ``str``
            indices; not UTF-8 bytes, not UTF-16 code units).
        length: the sentence's length, in Unicode code points.
        sentiment_score: the sentence's score alone, in [-1.0, 1.0] (TextBlob polarity, or
            ``2·p(positive) - 1`` with the model).
        subjectivity: TextBlob subjectivity of the sentence alone, in [0.0, 1.0]; None with
            the model, which has none.
        sentiment: the label of ``sentiment_score`` under the document's threshold.
        probabilities: with the model, ``{"positive": p, "negative": 1 - p}``; else None.
    """

    text: str
    offset: int
    length: int
    sentiment_score: float
    subjectivity: float | None
    sentiment: SentimentLabel
    probabilities: dict[str, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The sentence as a JSON-ready dict, without the None fields."""
        fields: dict[str, Any] = {
            "text": self.text,
            "offset": self.offset,
            "length": self.length,
            "sentiment_score": self.sentiment_score,
        }
        if self.subjectivity is not None:
            fields["subjectivity"] = self.subjectivity
        fields["sentiment"] = self.sentiment
        if self.probabilities is not None:
            fields["probabilities"] = dict(self.probabilities)
        return fields


@dataclass(frozen=True, slots=True)
class SentimentResult:
    """The sentiment of one text.

    Attributes:
        input: the text that was analysed, unchanged.
        sentiment_score: a float in [-1.0, 1.0]; negative < 0 < positive. TextBlob polarity,
            or ``2·p(positive) - 1`` with the model.
        sentiment: the label derived from ``sentiment_score`` by :func:`label_for`.
        subjectivity: TextBlob subjectivity, a float in [0.0, 1.0]; 0 is objective, 1
            subjective. None with the model.
        neutral_threshold: the threshold ``sentiment`` was derived with, in [0.0, 1.0].
        mixed: with sentences, whether at least one sentence is positive and one negative
            (Azure AI Language's rule for a "mixed" document); else None.
        sentences: per-sentence results in text order, if requested; else None.
        assessments: with TextBlob and ``explain``, the scored expressions behind
            ``sentiment_score``; else None.
        engine: the engine that scored the text, ``"textblob"`` or ``"model"``.
        probabilities: with the model, ``{"positive": p, "negative": 1 - p}``; else None.
        contributions: with the model and ``explain``, the (at most
            :data:`~sentiment_api.engines.tfidf.EXPLAIN_TOP_N`) n-grams with the largest
            absolute contributions, largest first; else None.
    """

    input: str
    sentiment_score: float
    sentiment: SentimentLabel
    subjectivity: float | None
    neutral_threshold: float = 0.0
    mixed: bool | None = None
    sentences: tuple[SentenceSentiment, ...] | None = None
    assessments: tuple[Assessment, ...] | None = None
    engine: str = "textblob"
    probabilities: dict[str, float] | None = None
    contributions: tuple[Contribution, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready dict, in the API's field order, without the None fields."""
        fields: dict[str, Any] = {
            "input": self.input,
            "sentiment_score": self.sentiment_score,
            "sentiment": self.sentiment,
        }
        if self.subjectivity is not None:
            fields["subjectivity"] = self.subjectivity
        fields["neutral_threshold"] = self.neutral_threshold
        fields["engine"] = self.engine
        if self.probabilities is not None:
            fields["probabilities"] = dict(self.probabilities)
        if self.mixed is not None:
            fields["mixed"] = self.mixed
        if self.sentences is not None:
            fields["sentences"] = [s.as_dict() for s in self.sentences]
        if self.assessments is not None:
            fields["assessments"] = [
                {
                    "words": list(a.words),
                    "polarity": a.polarity,
                    "subjectivity": a.subjectivity,
                    "label": a.label,
                }
                for a in self.assessments
            ]
        if self.contributions is not None:
            fields["contributions"] = [
                {"ngram": c.ngram, "contribution": c.contribution} for c in self.contributions
            ]
        return fields


def label_for(score: float, neutral_threshold: float = 0.0) -> SentimentLabel:
    """Map a polarity score in [-1, 1] to a label.

    ``neutral`` if ``|score| <= neutral_threshold``, else ``positive`` or ``negative`` by sign.
    The default threshold 0 is the rule of the Flask + TextBlob tutorial this service grew
    from: only an exact 0 is neutral.
    """
    if score > neutral_threshold:
        return "positive"
    if score < -neutral_threshold:
        return "negative"
    return "neutral"


def split_sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` as ``(offset, length)`` pairs in code points, in text order.

    Boundaries come from sentencex (Wikimedia's rule-based segmenter, English rules: it keeps
    abbreviations such as "Dr." and "U.S.", decimals and ellipses inside a sentence). Each span
    is trimmed of surrounding whitespace; whitespace-only spans are dropped.

    Raises:
        UnicodeEncodeError: if ``text`` holds a lone surrogate (it is not Unicode).
    """
    spans = []
    for boundary in sentencex.get_sentence_boundaries("en", text):
        start, end = boundary["start_index"], boundary["end_index"]
        piece = text[start:end]
        stripped = piece.lstrip()
        start += len(piece) - len(stripped)
        stripped = stripped.rstrip()
        if stripped:
            spans.append((start, len(stripped)))
    return spans


def analyse(
    text: str,
    *,
    engine: str = "textblob",
    neutral_threshold: float = 0.0,
    sentences: bool = False,
    explain: bool = False,
) -> SentimentResult:
    """Score the sentiment of ``text`` with the chosen engine.

    ``textblob``: TextBlob's default (pattern) analyzer; polarity and subjectivity exactly
    ``TextBlob(text).sentiment``, the assessments exactly ``sentiment_assessments``
    (:mod:`sentiment_api.engines.textblob`).

    ``model``: the TF-IDF + logistic regression model (:mod:`sentiment_api.engines.tfidf`,
    docs/model.md), trained on VADER's human-rated sentences. ``sentiment_score =
    2·p(positive) - 1``, ``probabilities = {"positive": p, "negative": 1 - p}``, no
    subjectivity; ``explain`` gives ``contributions`` (the n-grams with the largest
    ``|w_i x x_i|``) instead of assessments.

    Args:
        text: any string; the caller enforces length limits. Run time grows with length and,
            with TextBlob, for long runs of punctuation, quadratically (its tokenizer); the
            model's is linear.
        engine: an engine name (:data:`~sentiment_api.engines.ENGINE_NAMES`); it loads on
            first use.
        neutral_threshold: scores with ``|score| <= neutral_threshold`` are labelled neutral.
        sentences: also split the text into sentences (:func:`split_sentences`) and score each
            one alone; sets ``sentences`` and ``mixed``.
        explain: also return what the score rests on (``assessments`` with TextBlob,
            ``contributions`` with the model).

    Returns:
        A :class:`SentimentResult`.

    Raises:
        ValueError: ``engine`` is not an engine's name, or ``neutral_threshold`` is not
            within [0, 1].
        UnicodeEncodeError: ``sentences`` is true and ``text`` holds a lone surrogate.
    """
    scorer = get_engine(engine)
    low, high = NEUTRAL_THRESHOLD_RANGE
    if not low <= neutral_threshold <= high:  # also false for NaN
        raise ValueError(f"neutral_threshold must be within [0, 1], not {neutral_threshold!r}")
    verdict = scorer.score([text])[0]
    parts = mixed = None
    if sentences:
        spans = split_sentences(text)
        # A sentence that is the whole text reuses the text's verdict (engines are pure).
        others = [text[o : o + n] for o, n in spans if n != len(text)]
        scored = iter(scorer.score(others))
        parts = tuple(
            _sentence(text, o, n, verdict if n == len(text) else next(scored), neutral_threshold)
            for o, n in spans
        )
        mixed = _mixed(parts)
    assessments = contributions = None
    if explain:
        evidence = scorer.explain(verdict)
        if scorer.evidence == "assessments":
            assessments = cast(tuple[Assessment, ...], evidence)
        else:
            contributions = cast(tuple[Contribution, ...], evidence)
    return SentimentResult(
        input=text,
        sentiment_score=verdict.score,
        sentiment=label_for(verdict.score, neutral_threshold),
        subjectivity=verdict.subjectivity,
        neutral_threshold=neutral_threshold,
        mixed=mixed,
        sentences=parts,
        assessments=assessments,
        engine=engine,
        probabilities=verdict.probabilities,
        contributions=contributions,
    )


def _mixed(parts: tuple[SentenceSentiment, ...]) -> bool:
    """Azure AI Language's rule: at least one sentence is positive and one negative."""
    labels = {part.sentiment for part in parts}
    return "positive" in labels and "negative" in labels


def _sentence(
    text: str, offset: int, length: int, verdict: Verdict, neutral_threshold: float
) -> SentenceSentiment:
    """The sentence ``text[offset:offset + length]`` with its own verdict."""
    return SentenceSentiment(
        text=text[offset : offset + length],
        offset=offset,
        length=length,
        sentiment_score=verdict.score,
        subjectivity=verdict.subjectivity,
        sentiment=label_for(verdict.score, neutral_threshold),
        probabilities=verdict.probabilities,
    )
