"""The analysis itself: pure, no I/O, no AWS, no Powertools.

Every entry point (the Lambda handlers, the command line) calls :func:`analyse`.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sentencex

from sentiment_api.model import MODEL, ModelScore
from sentiment_api.surrogates import has_lone_surrogate as has_lone_surrogate

SentimentLabel = Literal["positive", "negative", "neutral"]

Engine = Literal["textblob", "model"]
ENGINES: tuple[str, ...] = ("textblob", "model")
"""The analysis engines: TextBlob's lexicon, or the trained TF-IDF + logistic regression model
(:mod:`sentiment_api.model`, see docs/model.md)."""

EXPLAIN_TOP_N = 10
"""How many n-grams ``explain`` lists with the ``model`` engine: the largest contributions."""


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


NEUTRAL_THRESHOLD_RANGE = (0.0, 1.0)
"""Allowed ``neutral_threshold``: polarity lies in [-1, 1], so 1 makes every label neutral."""


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
class Contribution:
    """One n-gram's share of the model's logit (``explain`` with the ``model`` engine).

    Attributes:
        ngram: a word 1- or 2-gram as the model's tokenizer sees it (lowercased, words joined
            by one space), e.g. ``"not good"``.
        contribution: ``w_i x x_i``, its coefficient times its L2-normalised tf-idf value, in
            log-odds (natural log) of positive: > 0 pushes towards positive. The contributions
            of all the text's known n-grams plus the model's intercept sum to the logit
            ``ln(p / (1 - p))``.
    """

    ngram: str
    contribution: float


@dataclass(frozen=True, slots=True)
class Assessment:
    """One scored expression behind a polarity: TextBlob's ``sentiment_assessments`` item.

    Attributes:
        words: the tokens scored together, lowercased as the lexicon saw them, e.g.
            ``["not", "very", "good"]``: a negation or an intensifier precedes the word it
            modifies.
        polarity: the expression's polarity in [-1.0, 1.0], after negation and intensifiers.
        subjectivity: the expression's subjectivity in [0.0, 1.0].
        label: TextBlob's label for the entry: ``"mood"`` for emoticons (and the ♥ emoji),
            ``"irony"`` for ``(!)``, ``"profanity"`` for the 12 profane words of its lexicon,
            else None.
    """

    words: tuple[str, ...]
    polarity: float
    subjectivity: float
    label: str | None


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
        contributions: with the model and ``explain``, the (at most :data:`EXPLAIN_TOP_N`)
            n-grams with the largest absolute contributions, largest first; else None.
    """

    input: str
    sentiment_score: float
    sentiment: SentimentLabel
    subjectivity: float | None
    neutral_threshold: float = 0.0
    mixed: bool | None = None
    sentences: tuple[SentenceSentiment, ...] | None = None
    assessments: tuple[Assessment, ...] | None = None
    engine: Engine = "textblob"
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

    ``textblob``: TextBlob's default (pattern) analyzer. The polarity and subjectivity are
    exactly ``TextBlob(text).sentiment``: an average over the adjectives and adverbs found in
    TextBlob's English lexicon (from the *pattern* library, De Smedt & Daelemans 2012), with
    negation and intensifiers applied; the assessments are exactly
    ``TextBlob(text).sentiment_assessments.assessments``.

    ``model``: the TF-IDF + logistic regression model of :mod:`sentiment_api.model`, trained
    on VADER's human-rated sentences (docs/model.md). ``sentiment_score = 2·p(positive) - 1``,
    ``probabilities = {"positive": p, "negative": 1 - p}``, no subjectivity; ``explain`` gives
    ``contributions`` (the n-grams with the largest ``|w_i x x_i|``) instead of assessments.

    Args:
        text: any string; the caller enforces length limits. Run time grows with length and,
            with TextBlob, for long runs of punctuation, quadratically (its tokenizer); the
            model's is linear.
        engine: ``"textblob"`` or ``"model"`` (:data:`ENGINES`).
        neutral_threshold: scores with ``|score| <= neutral_threshold`` are labelled neutral.
        sentences: also split the text into sentences (:func:`split_sentences`) and score each
            one alone; sets ``sentences`` and ``mixed``.
        explain: also return what the score rests on (``assessments`` with TextBlob,
            ``contributions`` with the model).

    Returns:
        A :class:`SentimentResult`.

    Raises:
        ValueError: ``engine`` is not one of :data:`ENGINES`, or ``neutral_threshold`` is not
            within [0, 1].
        UnicodeEncodeError: ``sentences`` is true and ``text`` holds a lone surrogate.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    low, high = NEUTRAL_THRESHOLD_RANGE
    if not low <= neutral_threshold <= high:  # also false for NaN
        raise ValueError(f"neutral_threshold must be within [0, 1], not {neutral_threshold!r}")
    if engine == "model":
        return _analyse_model(text, neutral_threshold, sentences, explain)
    # What TextBlob(text).sentiment computes: PatternAnalyzer.analyze(text) is this call.
    score = _SENTIMENT(text)
    polarity, subjectivity = score
    parts = mixed = assessments = None
    if sentences:
        parts = tuple(
            _sentence(text, offset, length, neutral_threshold, score)
            for offset, length in split_sentences(text)
        )
        mixed = _mixed(parts)
    if explain:
        assessments = tuple(
            Assessment(tuple(words), item_polarity, item_subjectivity, label)
            for words, item_polarity, item_subjectivity, label in score.assessments
        )
    return SentimentResult(
        input=text,
        sentiment_score=polarity,
        sentiment=label_for(polarity, neutral_threshold),
        subjectivity=subjectivity,
        neutral_threshold=neutral_threshold,
        mixed=mixed,
        sentences=parts,
        assessments=assessments,
    )


def _mixed(parts: tuple[SentenceSentiment, ...]) -> bool:
    """Azure AI Language's rule: at least one sentence is positive and one negative."""
    labels = {part.sentiment for part in parts}
    return "positive" in labels and "negative" in labels


def _evidence(verdict: ModelScore) -> float:
    """p(positive) of a model score; 0.5 when the text holds none of the model's n-grams.

    Without a single known n-gram the logit is the intercept alone, which says only how the
    training classes were balanced, not anything about the text: an emoji, a number or a
    sentence in French would all come back negative. As TextBlob scores 0 when it finds no
    lexicon word, the model then abstains: score 0, ``neutral`` at any threshold.
    """
    return verdict.probability if verdict.features else 0.5


def _model_fields(probability: float) -> tuple[float, dict[str, float]]:
    """``(2p - 1, {"positive": p, "negative": 1 - p})`` for p = p(positive)."""
    return 2.0 * probability - 1.0, {"positive": probability, "negative": 1.0 - probability}


def _analyse_model(
    text: str, neutral_threshold: float, sentences: bool, explain: bool
) -> SentimentResult:
    """:func:`analyse` with ``engine="model"`` (arguments already checked)."""
    verdict = MODEL.score(text)
    score, probabilities = _model_fields(_evidence(verdict))
    parts: tuple[SentenceSentiment, ...] | None = None
    mixed: bool | None = None
    contributions: tuple[Contribution, ...] | None = None
    if sentences:
        scored = []
        for offset, length in split_sentences(text):
            sentence = text[offset : offset + length]
            p = _evidence(verdict if sentence == text else MODEL.score(sentence))
            sentence_score, sentence_probabilities = _model_fields(p)
            scored.append(
                SentenceSentiment(
                    text=sentence,
                    offset=offset,
                    length=length,
                    sentiment_score=sentence_score,
                    subjectivity=None,
                    sentiment=label_for(sentence_score, neutral_threshold),
                    probabilities=sentence_probabilities,
                )
            )
        parts = tuple(scored)
        mixed = _mixed(parts)
    if explain:
        contributions = tuple(
            Contribution(ngram, share)
            for ngram, share in MODEL.contributions(verdict)[:EXPLAIN_TOP_N]
        )
    return SentimentResult(
        input=text,
        sentiment_score=score,
        sentiment=label_for(score, neutral_threshold),
        subjectivity=None,
        neutral_threshold=neutral_threshold,
        mixed=mixed,
        sentences=parts,
        engine="model",
        probabilities=probabilities,
        contributions=contributions,
    )


def _sentence(
    text: str, offset: int, length: int, neutral_threshold: float, text_score: Any
) -> SentenceSentiment:
    """The sentence ``text[offset:offset + length]``, scored alone; a sentence that is the
    whole text reuses ``text_score``, the text's own (the scorer is pure)."""
    sentence = text[offset : offset + length]
    polarity, subjectivity = text_score if sentence == text else _SENTIMENT(sentence)
    return SentenceSentiment(
        text=sentence,
        offset=offset,
        length=length,
        sentiment_score=polarity,
        subjectivity=subjectivity,
        sentiment=label_for(polarity, neutral_threshold),
    )
