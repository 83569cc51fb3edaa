"""The analysis itself: pure, no I/O, no AWS, no Powertools.

Every entry point (the Lambda handlers, the command line) calls :func:`analyse`, or
:func:`analyse_many` for several texts, which score texts with the engine of that name
(:mod:`sentiment_api.engines`), optionally after identifying their language
(:mod:`sentiment_api.language`), and derive their labels by :func:`label_for`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import sentencex

from sentiment_api.engines import ENGINE_NAMES, get_engine
from sentiment_api.engines.base import Assessment, Contribution, Effect, Evidence, Verdict
from sentiment_api.errors import DomainError, EngineUnavailableError, UnsupportedLanguageError

SentimentLabel = Literal["positive", "negative", "neutral"]

NEUTRAL_THRESHOLD_RANGE = (0.0, 1.0)
"""Allowed ``neutral_threshold``: scores lie in [-1, 1], so 1 makes every label neutral."""

AUTO = "auto"
"""``language=AUTO``: identify the text's language, and refuse one confidently not English."""
ENGLISH = "en"

_LABEL_ORDER: tuple[SentimentLabel, ...] = ("neutral", "positive", "negative")
"""The most probable class wins; on a tie, the first of these."""


@dataclass(frozen=True, slots=True)
class SentenceSentiment:
    """The sentiment of one sentence of a text.

    Attributes:
        text: the sentence, exactly ``input[offset:offset + length]``, without the whitespace
            around it.
        offset: where the sentence starts in the input, in Unicode code points (Python ``str``
            indices; not UTF-8 bytes, not UTF-16 code units).
        length: the sentence's length, in Unicode code points.
        sentiment_score: the sentence's score alone, in [-1.0, 1.0] (the engine's, see
            :class:`SentimentResult`).
        subjectivity: TextBlob subjectivity of the sentence alone, in [0.0, 1.0]; None with the
            engines that have none.
        sentiment: the sentence's label, by the document's rule (:func:`label_for`).
        probabilities: the sentence's class probabilities, with the engines that have them.
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
        sentiment_score: a float in [-1.0, 1.0]; negative < 0 < positive. TextBlob's polarity,
            or ``p(positive) - p(negative)`` with the trained engines.
        sentiment: the label, by :func:`label_for`: with a ``neutral_threshold``, the band rule
            on ``sentiment_score``; without one, the most probable class.
        subjectivity: TextBlob subjectivity, a float in [0.0, 1.0]; 0 is objective, 1
            subjective. None with the trained engines.
        neutral_threshold: the threshold ``sentiment`` was derived with, in [0.0, 1.0], or None
            when it is the most probable class.
        mixed: with sentences, whether at least one sentence is positive and one negative
            (Azure AI Language's rule for a "mixed" document); else None.
        sentences: per-sentence results in text order, if requested; else None.
        engine: the engine that scored the text (:data:`~sentiment_api.engines.ENGINE_NAMES`).
        probabilities: with the trained engines, ``{"positive", "neutral", "negative"}``
            summing to 1; else None.
        evidence: with ``explain``, what the score rests on, the engine's kind of
            :data:`~sentiment_api.engines.base.Evidence`; else None.
        language: the text's language (ISO 639-1 where it has a code, see
            :mod:`sentiment_api.language`): identified, or declared by the caller; None when
            it was neither.
        language_confidence: the identifier's probability of ``language``; None when the
            language was declared or not identified.
    """

    input: str
    sentiment_score: float
    sentiment: SentimentLabel
    subjectivity: float | None
    neutral_threshold: float | None = 0.0
    mixed: bool | None = None
    sentences: tuple[SentenceSentiment, ...] | None = None
    engine: str = "textblob"
    probabilities: dict[str, float] | None = None
    evidence: Evidence | None = None
    language: str | None = None
    language_confidence: float | None = None

    @property
    def assessments(self) -> tuple[Assessment, ...] | None:
        """The evidence, if the engine's is TextBlob's scored expressions."""
        return cast(tuple[Assessment, ...], self._evidence_of("assessments"))

    @property
    def contributions(self) -> tuple[Contribution, ...] | None:
        """The evidence, if the engine's is the model's n-gram contributions."""
        return cast(tuple[Contribution, ...], self._evidence_of("contributions"))

    @property
    def effects(self) -> tuple[Effect, ...] | None:
        """The evidence, if the engine's is the encoder's occlusion effects."""
        return cast(tuple[Effect, ...], self._evidence_of("effects"))

    def _evidence_of(self, kind: str) -> Evidence | None:
        if self.evidence is None or get_engine(self.engine).evidence != kind:
            return None
        return self.evidence

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready dict, in the API's field order, without the None fields."""
        fields: dict[str, Any] = {
            "input": self.input,
            "sentiment_score": self.sentiment_score,
            "sentiment": self.sentiment,
        }
        if self.subjectivity is not None:
            fields["subjectivity"] = self.subjectivity
        if self.neutral_threshold is not None:
            fields["neutral_threshold"] = self.neutral_threshold
        fields["engine"] = self.engine
        if self.probabilities is not None:
            fields["probabilities"] = dict(self.probabilities)
        if self.language is not None:
            fields["language"] = self.language
        if self.language_confidence is not None:
            fields["language_confidence"] = self.language_confidence
        if self.mixed is not None:
            fields["mixed"] = self.mixed
        if self.sentences is not None:
            fields["sentences"] = [s.as_dict() for s in self.sentences]
        if self.evidence is not None:
            fields[get_engine(self.engine).evidence] = [item.as_dict() for item in self.evidence]
        return fields


def label_for(
    score: float,
    neutral_threshold: float | None = 0.0,
    probabilities: dict[str, float] | None = None,
) -> SentimentLabel:
    """The label of a score in [-1, 1], or of class probabilities.

    With a ``neutral_threshold`` (or without probabilities): ``neutral`` if ``|score| <=
    neutral_threshold``, else ``positive`` or ``negative`` by sign. The default threshold 0 is
    the rule of the Flask + TextBlob tutorial this service grew from: only an exact 0 is
    neutral. With ``neutral_threshold`` None and probabilities: the most probable class (ties
    go to neutral, then positive).
    """
    if neutral_threshold is None:
        if probabilities is not None:
            return max(_LABEL_ORDER, key=lambda label: probabilities.get(label, 0.0))
        neutral_threshold = 0.0
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
    neutral_threshold: float | None = None,
    sentences: bool = False,
    explain: bool = False,
    language: str | None = None,
) -> SentimentResult:
    """Score the sentiment of ``text`` with the chosen engine.

    ``textblob``: TextBlob's default (pattern) analyzer; polarity and subjectivity exactly
    ``TextBlob(text).sentiment`` (but a polarity within 1e-10 of 0, float noise, is 0), the
    assessments exactly ``sentiment_assessments`` (:mod:`sentiment_api.engines.textblob`).

    ``model``: the TF-IDF + logistic regression model (:mod:`sentiment_api.engines.tfidf`,
    docs/model.md), trained on VADER's human-rated sentences: three classes, ``sentiment_score
    = p(positive) - p(negative)``, no subjectivity; ``explain`` gives ``contributions``.

    Args:
        text: any string; the caller enforces length limits. Run time grows with length and,
            with TextBlob, for long runs of punctuation, quadratically (its tokenizer); the
            model's is linear.
        engine: an engine name (:data:`~sentiment_api.engines.ENGINE_NAMES`); it loads on
            first use.
        neutral_threshold: a score with ``|score| <= neutral_threshold`` is labelled neutral;
            None: the engine's own rule (the most probable class where the engine has
            probabilities, else 0: only an exact 0 is neutral).
        sentences: also split the text into sentences (:func:`split_sentences`) and score each
            one alone; sets ``sentences`` and ``mixed``.
        explain: also return what the score rests on (:class:`SentimentResult` ``evidence``).
        language: None, no identification; :data:`AUTO`, identify the language and refuse a
            text confidently not English; ``"en"``, declared English, not identified.

    Returns:
        A :class:`SentimentResult`.

    Raises:
        UnsupportedLanguageError: ``language`` is another declared language, or, with
            :data:`AUTO`, the text is confidently not English.
        EngineUnavailableError: the engine cannot be loaded (its cause chained).
        ValueError: ``engine`` is not an engine's name, or ``neutral_threshold`` is not
            within [0, 1].
        UnicodeEncodeError: ``sentences`` is true and ``text`` holds a lone surrogate.
    """
    result = analyse_many(
        [text],
        engine=engine,
        neutral_threshold=neutral_threshold,
        sentences=sentences,
        explain=explain,
        language=language,
    )[0]
    if isinstance(result, DomainError):
        raise result
    return result


def analyse_many(
    texts: Sequence[str],
    *,
    engine: str = "textblob",
    neutral_threshold: float | None = None,
    sentences: bool = False,
    explain: bool = False,
    language: str | None = None,
) -> list[SentimentResult | UnsupportedLanguageError]:
    """:func:`analyse` each text, the engine scoring all of them (and then all their sentences)
    in one call, which an engine may run as one batch.

    Returns:
        One item per text, in order: its result, or the :class:`UnsupportedLanguageError` that
        refused it (the other texts are analysed all the same).

    Raises:
        EngineUnavailableError: the engine cannot be loaded (its cause chained).
        ValueError, UnicodeEncodeError: as :func:`analyse`; the request as a whole is wrong.
    """
    if engine not in ENGINE_NAMES:
        raise ValueError(f"engine must be one of {', '.join(ENGINE_NAMES)}, not {engine!r}")
    try:
        scorer = get_engine(engine)
    except Exception as exc:  # its artefacts or packages: the caller answers 503, not a 500
        raise EngineUnavailableError(engine) from exc
    if neutral_threshold is not None:
        low, high = NEUTRAL_THRESHOLD_RANGE
        if not low <= neutral_threshold <= high:  # also false for NaN
            raise ValueError(f"neutral_threshold must be within [0, 1], not {neutral_threshold!r}")
    if language not in (None, AUTO, ENGLISH):
        return [UnsupportedLanguageError(str(language))] * len(texts)
    sentences = sentences or (explain and scorer.explains_sentences)
    guesses = [_language_of(text, language) for text in texts]
    kept = [i for i, guess in enumerate(guesses) if not isinstance(guess, DomainError)]
    verdicts = dict(zip(kept, scorer.score([texts[i] for i in kept]), strict=True))
    parts: dict[int, tuple[SentenceSentiment, ...]] = {}
    if sentences:
        spans = {i: split_sentences(texts[i]) for i in kept}
        # A sentence that is the whole text reuses the text's verdict (engines are pure).
        others = [(i, o, n) for i in kept for o, n in spans[i] if n != len(texts[i])]
        scored = iter(scorer.score([texts[i][o : o + n] for i, o, n in others]))
        for i in kept:
            parts[i] = tuple(
                _sentence(
                    texts[i],
                    o,
                    n,
                    verdicts[i] if n == len(texts[i]) else next(scored),
                    neutral_threshold,
                )
                for o, n in spans[i]
            )
    results: list[SentimentResult | UnsupportedLanguageError] = []
    for i, text in enumerate(texts):
        guess = guesses[i]
        if isinstance(guess, UnsupportedLanguageError):
            results.append(guess)
            continue
        verdict = verdicts[i]
        results.append(
            SentimentResult(
                input=text,
                sentiment_score=verdict.score,
                sentiment=label_for(verdict.score, neutral_threshold, verdict.probabilities),
                subjectivity=verdict.subjectivity,
                neutral_threshold=_threshold_used(neutral_threshold, verdict),
                mixed=_mixed(parts[i]) if sentences else None,
                sentences=parts[i] if sentences else None,
                engine=engine,
                probabilities=verdict.probabilities,
                evidence=scorer.explain(verdict) if explain else None,
                language=guess[0],
                language_confidence=guess[1],
            )
        )
    return results


def _language_of(
    text: str, language: str | None
) -> tuple[str | None, float | None] | UnsupportedLanguageError:
    """``(language, confidence)`` of a text under the ``language`` option, or the refusal."""
    if language is None:
        return None, None
    if language == ENGLISH:
        return ENGLISH, None
    from sentiment_api import language as identifier  # loads nothing until first used

    guess = identifier.identify(text)
    if guess.refused:
        return UnsupportedLanguageError(guess.code, guess.confidence)
    return guess.code, guess.confidence


def _threshold_used(neutral_threshold: float | None, verdict: Verdict) -> float | None:
    """The threshold a label came from: the caller's, else 0 for an engine without
    probabilities, else None (the most probable class)."""
    if neutral_threshold is None and verdict.probabilities is None:
        return 0.0
    return neutral_threshold


def _mixed(parts: tuple[SentenceSentiment, ...]) -> bool:
    """Azure AI Language's rule: at least one sentence is positive and one negative."""
    labels = {part.sentiment for part in parts}
    return "positive" in labels and "negative" in labels


def _sentence(
    text: str, offset: int, length: int, verdict: Verdict, neutral_threshold: float | None
) -> SentenceSentiment:
    """The sentence ``text[offset:offset + length]`` with its own verdict."""
    return SentenceSentiment(
        text=text[offset : offset + length],
        offset=offset,
        length=length,
        sentiment_score=verdict.score,
        subjectivity=verdict.subjectivity,
        sentiment=label_for(verdict.score, neutral_threshold, verdict.probabilities),
        probabilities=verdict.probabilities,
    )
