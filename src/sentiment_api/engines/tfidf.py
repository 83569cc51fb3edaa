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
4. Logit ``z = w · x + b`` (``coef_``, ``intercept_``) and ``p(positive) = 1 / (1 + e^(-z))``,
   which is ``predict_proba(...)[:, 1]`` for a binary ``LogisticRegression``.

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


@dataclass(frozen=True, slots=True)
class ModelScore:
    """The model's verdict on one text.

    Attributes:
        probability: p(positive) in [0, 1], the logistic of ``logit``.
        logit: ``w · x + b``, the log-odds of positive (natural logarithm).
        features: the text's in-vocabulary n-grams and their L2-normalised tf-idf values
            ``x_i`` (each in (0, 1]), in the order first seen; empty if none is known.
    """

    probability: float
    logit: float
    features: tuple[tuple[str, float], ...]


class TfidfLogisticModel:
    """A fitted ``TfidfVectorizer`` + binary ``LogisticRegression``, read from its JSON export.

    Args:
        spec: the decoded JSON: ``vectorizer`` (``token_pattern``, ``ngram_range``,
            ``sublinear_tf``, ``lowercase``, ``norm``), ``intercept`` and ``features``,
            a mapping from n-gram to ``[idf, weight]``.

    Raises:
        ValueError: the export uses a setting this scorer does not reproduce (an analyzer other
            than ``word``, accent stripping, a norm other than ``l2``, or classes other than
            ``["negative", "positive"]``).
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        vectorizer = spec["vectorizer"]
        if (
            vectorizer["analyzer"] != "word"
            or vectorizer["strip_accents"] is not None
            or vectorizer["norm"] != "l2"
            or spec["classes"] != ["negative", "positive"]
        ):
            raise ValueError("the model file uses settings this scorer does not implement")
        self._findall = re.compile(vectorizer["token_pattern"]).findall
        self._lowercase = bool(vectorizer["lowercase"])
        self._min_n, self._max_n = vectorizer["ngram_range"]
        self._sublinear_tf = bool(vectorizer["sublinear_tf"])
        self.intercept: float = spec["intercept"]
        """``b``, the logistic regression's intercept (log-odds)."""
        # The decoded [idf, weight] lists as they are: copying 10,000 of them into tuples
        # would add about a quarter to the import time (the Lambda init phase).
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
            A :class:`ModelScore`: p(positive), the logit and the tf-idf features.
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
        logit = math.fsum(features[gram][1] * v for gram, v in values) + self.intercept
        return ModelScore(_logistic(logit), logit, tuple(values))

    def contributions(self, model_score: ModelScore) -> list[tuple[str, float]]:
        """Each feature's share of the logit, ``w_i x x_i``, largest absolute value first
        (ties by n-gram); they sum with :attr:`intercept` to ``model_score.logit``."""
        features = self._features
        shares = [(gram, features[gram][1] * value) for gram, value in model_score.features]
        shares.sort(key=lambda item: (-abs(item[1]), item[0]))
        return shares


def _logistic(z: float) -> float:
    """``1 / (1 + e^(-z))``, computed so that neither branch overflows (``scipy.special.expit``)."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


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


class TfidfEngine:
    """:data:`MODEL` as an :class:`~sentiment_api.engines.base.Engine`: score =
    ``2·p(positive) - 1``, ``probabilities = {"positive": p, "negative": 1 - p}``, no
    subjectivity; ``explain`` gives the :data:`EXPLAIN_TOP_N` n-grams with the largest
    ``|w_i x x_i|``. Time and memory are linear in the text's length.

    A text with none of the model's n-grams gets p = 0.5 (score 0): without a single known
    n-gram the logit is the intercept alone, which says only how the training classes were
    balanced, not anything about the text (an emoji, a number or a sentence in French would
    all come back negative). As TextBlob scores 0 when it finds no lexicon word, the model then
    abstains.
    """

    evidence: Literal["contributions"] = "contributions"

    def score(self, texts: Sequence[str]) -> list[Verdict]:
        """One verdict per text; its ``detail`` is the :class:`ModelScore`."""
        verdicts = []
        for text in texts:
            scored = MODEL.score(text)
            p = scored.probability if scored.features else 0.5
            verdicts.append(
                Verdict(2.0 * p - 1.0, None, {"positive": p, "negative": 1.0 - p}, scored)
            )
        return verdicts

    def explain(self, verdict: Verdict) -> tuple[Contribution, ...]:
        """The verdict's largest contributions, largest absolute value first."""
        return tuple(
            Contribution(ngram, share)
            for ngram, share in MODEL.contributions(verdict.detail)[:EXPLAIN_TOP_N]
        )


ENGINE = TfidfEngine()
