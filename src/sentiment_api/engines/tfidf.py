"""The ``model`` engine: a TF-IDF + logistic regression model, scored in the standard library.

The model is trained offline with scikit-learn (``make train``, ``tools/train_model.py``) and
exported to ``data/sentiment_model.json``; this module loads that file once, at import, and
reproduces the exported pipeline's ``predict_proba`` without NumPy or scikit-learn. The formulas
are scikit-learn's (User Guide, "6.2.3 Text feature extraction", and the API reference of
``TfidfVectorizer``, ``TfidfTransformer`` and ``LogisticRegression``):

1. Analyzer (``TfidfVectorizer.build_analyzer`` with ``analyzer="word"``): the text is
   lowercased (``str.lower``), tokens are the non-overlapping matches of ``token_pattern``
   (``(?u)\\b\\w\\w+\\b``: runs of two or more word characters), and word n-grams of
   ``ngram_range`` are the tokens joined by one space.
2. Term frequency ``tf``: the count of each n-gram in the text; with ``sublinear_tf``,
   ``1 + ln(tf)``. N-grams outside the vocabulary are ignored.
3. ``x = tf x idf``, with ``idf = ln((1 + n) / (1 + df)) + 1`` (``smooth_idf=True``; stored
   per feature, as fitted), then L2-normalised: ``x / ‖x‖₂`` (no change if ``‖x‖₂ = 0``).
4. One logit per class, ``z_k = w_k · x + b_k`` (``coef_``, ``intercept_``; the neutral class's
   weights and intercept are 0, the export's reference, see ``tools/train_model.py``), and
   ``p_k = e^(z_k) / Σ_j e^(z_j)``, the softmax that ``predict_proba`` computes for a
   multinomial ``LogisticRegression``.

A test checks on the 3,000 shared sentences and on edge cases that :func:`score` equals the
scikit-learn pipeline's ``predict_proba`` to 1e-12.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sentiment_api.engines.base import Contribution, Verdict

MODEL_PATH = Path(__file__).with_name("data") / "sentiment_model.json"
"""The exported model: compact JSON written by ``make train``."""


CLASSES = ("negative", "neutral", "positive")
"""The model's classes, in its file's order."""


@dataclass(frozen=True, slots=True)
class ModelScore:
    """The model's verdict on one text.

    Attributes:
        probabilities: ``(p(negative), p(neutral), p(positive))``, summing to 1: the softmax of
            ``logits``.
        logits: ``(z_negative, z_neutral, z_positive)``; ``z_neutral`` is 0 (the reference).
        features: the text's in-vocabulary n-grams and their L2-normalised tf-idf values
            ``x_i`` (each in (0, 1]), in the order first seen; empty if none is known.
    """

    probabilities: tuple[float, float, float]
    logits: tuple[float, float, float]
    features: tuple[tuple[str, float], ...]


class TfidfLogisticModel:
    """A fitted ``TfidfVectorizer`` + three-class ``LogisticRegression``, read from its JSON
    export.

    Args:
        spec: the decoded JSON: ``vectorizer`` (``token_pattern``, ``ngram_range``,
            ``sublinear_tf``, ``lowercase``, ``norm``), ``intercept`` (per class) and
            ``features``, a mapping from n-gram to ``[idf, w_negative, w_positive]`` (the
            neutral class's weights are 0).

    Raises:
        ValueError: the export uses a setting this scorer does not reproduce (an analyzer other
            than ``word``, accent stripping, a norm other than ``l2``, or classes other than
            :data:`CLASSES`).
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        vectorizer = spec["vectorizer"]
        if (
            vectorizer["analyzer"] != "word"
            or vectorizer["strip_accents"] is not None
            or vectorizer["norm"] != "l2"
            or spec["classes"] != list(CLASSES)
            or spec["intercept"]["neutral"] != 0.0
        ):
            raise ValueError("the model file uses settings this scorer does not implement")
        self._findall = re.compile(vectorizer["token_pattern"]).findall
        self._lowercase = bool(vectorizer["lowercase"])
        self._min_n, self._max_n = vectorizer["ngram_range"]
        self._sublinear_tf = bool(vectorizer["sublinear_tf"])
        self.intercepts: tuple[float, float, float] = (
            spec["intercept"]["negative"],
            0.0,
            spec["intercept"]["positive"],
        )
        """``(b_negative, 0, b_positive)``, the logistic regression's intercepts."""
        # The decoded [idf, w_negative, w_positive] lists as they are: copying 10,000 of them
        # into tuples would add about a quarter to the load time.
        self._features: dict[str, list[float]] = spec["features"]

    def __len__(self) -> int:
        """The vocabulary size (number of features)."""
        return len(self._features)

    def ngrams(self, text: str) -> list[str]:
        """The word n-grams of ``text``, in scikit-learn's ``_word_ngrams`` order."""
        if self._lowercase:
            text = text.lower()
        tokens = self._findall(text)
        if self._max_n == 1:
            return tokens
        grams = list(tokens) if self._min_n == 1 else []
        count = len(tokens)
        for n in range(max(self._min_n, 2), self._max_n + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(count - n + 1))
        return grams

    def score(self, text: str) -> ModelScore:
        """Score ``text`` (any string; time and memory are linear in its length).

        Returns:
            A :class:`ModelScore`: the class probabilities, the logits and the tf-idf features.
        """
        features = self._features
        counts = Counter(gram for gram in self.ngrams(text) if gram in features)
        values: list[tuple[str, float]] = []
        for gram, tf in counts.items():
            idf = features[gram][0]
            values.append((gram, ((1.0 + math.log(tf)) if self._sublinear_tf else tf) * idf))
        # The same summation order as scipy's sparse dot product is not guaranteed; the
        # difference is in the last bits, far inside the 1e-12 the tests allow.
        norm = math.sqrt(math.fsum(v * v for _, v in values))
        if norm > 0.0:
            values = [(gram, v / norm) for gram, v in values]
        negative = math.fsum(features[gram][1] * v for gram, v in values) + self.intercepts[0]
        positive = math.fsum(features[gram][2] * v for gram, v in values) + self.intercepts[2]
        logits = (negative, 0.0, positive)
        return ModelScore(_softmax(logits), logits, tuple(values))

    def contributions(self, model_score: ModelScore) -> list[tuple[str, float]]:
        """Each feature's share of the log-odds of positive against negative,
        ``(w_positive,i - w_negative,i) x x_i``, largest absolute value first (ties by n-gram);
        they sum with ``b_positive - b_negative`` to the log-odds ``ln(p(positive) /
        p(negative))``, ``model_score.logits[2] - model_score.logits[0]``."""
        features = self._features
        shares = [
            (gram, (features[gram][2] - features[gram][1]) * value)
            for gram, value in model_score.features
        ]
        shares.sort(key=lambda item: (-abs(item[1]), item[0]))
        return shares


def _softmax(logits: tuple[float, float, float]) -> tuple[float, float, float]:
    """``e^(z_k) / Σ e^(z_j)``, shifted by the largest logit so that nothing overflows
    (``scipy.special.softmax``'s way)."""
    top = max(logits)
    exps = [math.exp(z - top) for z in logits]
    total = math.fsum(exps)
    return (exps[0] / total, exps[1] / total, exps[2] / total)


def load_model(path: Path = MODEL_PATH) -> TfidfLogisticModel:
    """Read the model file at ``path``.

    Raises:
        OSError: the file cannot be read. ValueError: it is not a model this scorer knows.
    """
    return TfidfLogisticModel(json.loads(path.read_text(encoding="utf-8")))


MODEL = load_model()
"""The packaged model, loaded when the engine is (:func:`sentiment_api.engines.get_engine`)."""

EXPLAIN_TOP_N = 10
"""How many n-grams ``explain`` lists: the largest contributions."""


NO_EVIDENCE = {"positive": 0.0, "neutral": 1.0, "negative": 0.0}
"""The probabilities of a text with none of the model's n-grams (see :class:`TfidfEngine`)."""


class TfidfEngine:
    """:data:`MODEL` as an :class:`~sentiment_api.engines.base.Engine`: probabilities of
    negative, neutral and positive, score ``p(positive) - p(negative)``, no subjectivity;
    ``explain`` gives the :data:`EXPLAIN_TOP_N` n-grams with the largest contributions to the
    log-odds of positive against negative. Time and memory are linear in the text's length.

    A text with none of the model's n-grams is neutral with certainty (:data:`NO_EVIDENCE`):
    without a single known n-gram the logits are the intercepts alone, which say only how the
    training classes were balanced, not anything about the text (an emoji or a number). As
    TextBlob scores 0 when it finds no lexicon word, the model then abstains.
    """

    evidence: Literal["contributions"] = "contributions"
    explains_sentences = False

    def score(self, texts: Sequence[str]) -> list[Verdict]:
        """One verdict per text; its ``detail`` is the :class:`ModelScore`."""
        verdicts = []
        for text in texts:
            scored = MODEL.score(text)
            if scored.features:
                negative, neutral, positive = scored.probabilities
                probabilities = {"positive": positive, "neutral": neutral, "negative": negative}
            else:
                probabilities = dict(NO_EVIDENCE)
            score = probabilities["positive"] - probabilities["negative"]
            verdicts.append(Verdict(score, None, probabilities, scored))
        return verdicts

    def explain(self, verdict: Verdict) -> tuple[Contribution, ...]:
        """The verdict's largest contributions, largest absolute value first."""
        return tuple(
            Contribution(ngram, share)
            for ngram, share in MODEL.contributions(verdict.detail)[:EXPLAIN_TOP_N]
        )


ENGINE = TfidfEngine()


def load() -> TfidfEngine:
    """The engine (:data:`MODEL` loaded when this module was imported)."""
    return ENGINE
