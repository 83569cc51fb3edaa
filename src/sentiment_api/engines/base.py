"""What every engine answers: the :class:`Engine` protocol and the types it returns. Standard
library only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol


@dataclass(frozen=True, slots=True)
class Verdict:
    """An engine's reading of one text.

    Attributes:
        score: the sentiment score in [-1.0, 1.0]; negative < 0 < positive.
        subjectivity: in [0.0, 1.0] (TextBlob's), or None for an engine that has none.
        probabilities: class probabilities summing to 1 (``{"positive", "neutral",
            "negative"}``), or None for an engine that has none; the score is then
            ``p(positive) - p(negative)``.
        detail: what :meth:`Engine.explain` needs of this reading; the engine's own, opaque
            to everyone else.
    """

    score: float
    subjectivity: float | None = None
    probabilities: dict[str, float] | None = None
    detail: Any = None


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

    def as_dict(self) -> dict[str, Any]:
        """``{"ngram", "contribution"}``."""
        return {"ngram": self.ngram, "contribution": self.contribution}


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

    def as_dict(self) -> dict[str, Any]:
        """``{"words", "polarity", "subjectivity", "label"}``."""
        return {
            "words": list(self.words),
            "polarity": self.polarity,
            "subjectivity": self.subjectivity,
            "label": self.label,
        }


@dataclass(frozen=True, slots=True)
class Effect:
    """What removing one word does to the score (``explain`` with the ``encoder`` engine).

    Attributes:
        word: the word as it stands in the text.
        offset: where it starts in the text, in Unicode code points.
        length: its length, in code points.
        effect: the text's score minus the score of the text without this word, in score
            units (``p(positive) - p(negative)``): > 0 means the word pushed towards positive.
    """

    word: str
    offset: int
    length: int
    effect: float

    def as_dict(self) -> dict[str, Any]:
        """``{"word", "offset", "length", "effect"}``."""
        return {
            "word": self.word,
            "offset": self.offset,
            "length": self.length,
            "effect": self.effect,
        }


Evidence = tuple[Assessment, ...] | tuple[Contribution, ...] | tuple[Effect, ...]
"""What a score rests on, as an engine explains it."""


class Engine(Protocol):
    """An analysis engine: scores texts, and says what a score rests on.

    Attributes:
        evidence: the result field :meth:`explain`'s items go to: ``"assessments"``,
            ``"contributions"`` or ``"effects"``.
        explains_sentences: whether an explanation also scores each sentence alone (the
            encoder's: its word effects stop at short texts).
    """

    evidence: Literal["assessments", "contributions", "effects"]
    explains_sentences: bool

    def score(self, texts: Sequence[str]) -> list[Verdict]:
        """One :class:`Verdict` per text, in order. Pure: the same text, the same verdict.

        Args:
            texts: any strings (the caller enforces length limits).
        """
        ...

    def explain(self, verdict: Verdict) -> Evidence:
        """What ``verdict`` (from this engine's :meth:`score`) rests on, most telling first
        where the engine ranks them, else in text order."""
        ...
